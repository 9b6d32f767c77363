"""With the issuing office's key: is this the metadata it signed (forms and their fingerprints included)?

Without a key nothing is checked here: the metadata's checksum and the sheets' identity lines are all there is.
"""

from __future__ import annotations

from collections.abc import Iterator

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.findings import Finding
from gnbv_templates.read.identify import signature_findings


class SignatureCheck(Check):
    name = "signature"
    codes = ("identity.unsigned", "identity.signature-invalid")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        if ctx.key:
            yield from signature_findings(ctx.ret, ctx.key)
