import sys

from gnbv_templates.cli.main import main

sys.exit(main())
