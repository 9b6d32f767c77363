"""What a check is: a small named unit that reads the shared context and yields findings.

Each check declares the finding codes it can emit (``codes``); the pipeline holds it to that, and a test holds
every declared code to a message in each language. A check never raises for a bad file: a file it cannot read
is a refusal from the reader (UnreadableFile), anything else is a bug of ours, reported as
``internal.check-failed`` by the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from gnbv_templates.check.context import CheckContext
from gnbv_templates.findings import Finding


class Check:
    name: ClassVar[str] = ""
    codes: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        raise NotImplementedError
