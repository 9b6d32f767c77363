"""The `gnbv` command."""

from gnbv_templates.cli.main import main

__all__ = ["main"]
