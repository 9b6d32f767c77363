"""The register of received returns (SQLite): versions, receipts, history, earlier figures."""

from gnbv_templates.register.db import SCHEMA_VERSION, RegisterRefused
from gnbv_templates.register.receipt import Change, Receipt
from gnbv_templates.register.store import ChildStatus, Entry, LogEntry, Register, file_sha256

__all__ = ["SCHEMA_VERSION", "Change", "ChildStatus", "Entry", "LogEntry", "Receipt", "Register",
           "RegisterRefused", "file_sha256"]
