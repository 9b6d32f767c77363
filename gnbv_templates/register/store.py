"""The register of received returns: what each unit sent, when, and what was found in it.

A file is known by the SHA-256 of its bytes, never by its path (files are
renamed and moved); the name it arrived under is kept only to show people.
Every write is one ``BEGIN IMMEDIATE`` transaction, so two processes adding
returns at once are serialised by SQLite and a writer killed half-way leaves
nothing behind.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gnbv_templates.check.periods import FIRST_HALF, PREVIOUS_YEAR, Earlier, History, check_periods, earlier_periods
from gnbv_templates.errors import UnreadableFile, UsageError
from gnbv_templates.forms.units import Units, load_units
from gnbv_templates.read.safety import os_error_text, shown_name
from gnbv_templates.register import db
from gnbv_templates.register.receipt import (
    DUPLICATE,
    NEW,
    VERSION,
    Change,
    Figures,
    Receipt,
    compare_figures,
    compare_findings,
)
from gnbv_templates.report.report import Report
from gnbv_templates.report.validate import validate

# the columns of an Entry, named: a later schema may add columns to the table
_ENTRY = ("id, sha256, unit, unit_name, parent, period, version, catalog_version, received_at, received_as, verdict, "
          "errors, warnings")
_ENTRY_R = ", ".join(f"r.{c.strip()}" for c in _ENTRY.split(","))
_FINDING_FIELDS = ("code", "severity", "form", "sheet", "cell", "row", "col", "row_label", "value", "expected",
                   "rule", "message_vi", "message_en")


@dataclass
class Entry:
    """One version of one unit's return for one period, as the register holds it."""

    id: int
    sha256: str
    unit: str
    unit_name: str
    parent: str | None
    period: str
    version: int
    catalog_version: str
    received_at: str
    received_as: str
    verdict: str
    errors: int
    warnings: int

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "id"}


@dataclass
class ChildStatus:
    """What a parent unit has received from one child for a period."""

    unit: str
    name: str
    status: str  # "ok" | "errors" | "missing"
    latest: Entry | None
    versions: int

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "name": self.name, "status": self.status, "versions": self.versions,
                "latest": self.latest.as_dict() if self.latest else None}


@dataclass
class LogEntry:
    at: str
    action: str
    sha256: str
    unit: str
    period: str
    version: int | None
    detail: str


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _stored(value: Any) -> Any:
    """A value as SQLite keeps it: numbers and text as they are, anything else as its text."""
    if value is None or (isinstance(value, int | float | str) and not isinstance(value, bool)):
        return value
    return str(value)


def report_figures(report: Report) -> list[tuple[str, str, str, int, Any]]:
    """(form, row, col, derived, value) for every input cell read and every derived cell recomputed."""
    out: list[tuple[str, str, str, int, Any]] = []
    for form, state in report.forms.items():
        out += [(form, row, col, 0, _stored(value)) for (row, col), value in state.inputs.items()]
        out += [(form, row, col, 1, _stored(value)) for (row, col), value in state.derived.items()]
    return out


class Register:
    """A register file, created on first use; ``Register(path).add(file)`` records a return."""

    def __init__(self, path: Path | str, *, units: Units | None = None) -> None:
        self.path = Path(path)
        self._units = units
        self._conn: sqlite3.Connection | None = db.connect(self.path)

    # -- lifecycle -------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise UsageError("Sổ đăng ký đã đóng.", english="The register is closed.")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def units(self) -> Units:
        if self._units is None:
            self._units = load_units()
        return self._units

    def _parent_of(self, unit: str) -> str | None:
        found = self.units.units.get(unit)
        return found.parent if found else None

    # -- adding ------------------------------------------------------------------
    def known(self, sha256: str) -> Entry | None:
        row = self.conn.execute(f"SELECT {_ENTRY} FROM returns WHERE sha256 = ?", (sha256,)).fetchone()
        return self._entry(row) if row else None

    def add(self, item: Report | Path | str, *, received_as: str | None = None, sha256: str | None = None,
            across_periods: bool = True) -> Receipt:
        """Record a return (a path, or a Report just made from that path) and give its receipt.

        Unless told otherwise, the return is first checked against the earlier returns the register holds
        (their findings join the report's); the receipt is attached to the report as ``report.receipt``.
        """
        if isinstance(item, str | Path):
            path = Path(item)
            try:
                sha256 = sha256 or file_sha256(path)
            except OSError as exc:
                raise UnreadableFile(f"Không đọc được tệp {shown_name(path)}: {os_error_text(exc)}.",
                                     reason="unreadable",
                                     english=f"Cannot read {shown_name(path)}: {os_error_text(exc, 'en')}.") from None
            seen = self.known(sha256)
            if seen is not None:  # the same bytes again: no need to read the workbook
                return self._duplicate(seen, received_as or path.name)
            report = validate(path)
        else:
            report = item
            sha256 = sha256 or file_sha256(report.file)
            seen = self.known(sha256)
            if seen is not None:
                receipt = self._duplicate(seen, received_as or Path(report.file).name)
                report.receipt = receipt
                return receipt
        if across_periods:
            report.findings += check_periods(report, self.history_for(report.unit, report.period))
        receipt = self.record(report, sha256=sha256, received_as=received_as or Path(report.file).name)
        report.receipt = receipt
        return receipt

    def history_for(self, unit: str, period: str) -> History:
        """What the register knows that a return of ``unit`` for ``period`` is compared with."""
        history = History(siblings=self.siblings(unit, period), siblings_period=period)
        for which, other in earlier_periods(period).items():
            entry = self.latest(unit, other)
            if entry is None:
                continue
            earlier = Earlier(other, self.figures_of(entry),
                              f"sổ đăng ký: lần {entry.version}, nhận lúc {entry.received_at}",
                              fingerprints=self.fingerprints_of(entry))
            if which == PREVIOUS_YEAR:
                history.previous_year = earlier
            elif which == FIRST_HALF:
                history.first_half = earlier
        return history

    def record(self, report: Report, *, sha256: str, received_as: str = "") -> Receipt:
        """Record a validated report whose file has the given hash."""
        findings = [_finding_row(f) for f in report.findings]
        figures = report_figures(report)
        with db.write(self.conn) as conn:
            row = conn.execute(f"SELECT {_ENTRY} FROM returns WHERE sha256 = ?", (sha256,)).fetchone()
            if row is not None:
                entry = self._entry(row)
                self._log(conn, "duplicate", entry.sha256, entry.unit, entry.period, entry.version, received_as)
                return self._duplicate_receipt(entry, received_as)
            previous = self._latest(conn, report.unit, report.period)
            entry = self._insert(conn, report, sha256, received_as, findings, figures)
            before_findings = self._findings(conn, previous.id) if previous else []
            before_figures = self._figures(conn, previous.id, derived=False) if previous else {}
        receipt = Receipt(
            status=VERSION if previous else NEW, unit=report.unit, unit_name=report.unit_name or "",
            period=report.period, version=entry.version, sha256=sha256, received_at=entry.received_at,
            received_as=received_as, verdict=entry.verdict,
        )
        if previous is not None:
            receipt.previous_version = previous.version
            receipt.previous_received_at = previous.received_at
            receipt.fixed, receipt.remaining, receipt.new = compare_findings(before_findings, findings)
            now: Figures = {}
            for form, row_code, col_code, derived, value in figures:
                if not derived:
                    now.setdefault(form, {})[(row_code, col_code)] = value
            receipt.changed = _placed(compare_figures(before_figures, now), report)
        return receipt

    def _insert(self, conn: sqlite3.Connection, report: Report, sha256: str, received_as: str,
                findings: list[dict[str, Any]], figures: list[tuple[str, str, str, int, Any]]) -> Entry:
        """The rows of one new version (inside the caller's write transaction, which numbers it)."""
        found = conn.execute("SELECT last FROM versions WHERE unit = ? AND period = ?",
                             (report.unit, report.period)).fetchone()
        version = (found[0] if found else 0) + 1
        conn.execute("INSERT INTO versions (unit, period, last) VALUES (?, ?, ?) "
                     "ON CONFLICT (unit, period) DO UPDATE SET last = excluded.last",
                     (report.unit, report.period, version))
        counts = report.counts
        values = (sha256, report.unit, report.unit_name or "", self._parent_of(report.unit), report.period, version,
                  report.catalog_version or "", _now(), received_as, "ok" if report.ok else "errors",
                  counts["error"], counts["warning"])
        cursor = conn.execute(
            "INSERT INTO returns (sha256, unit, unit_name, parent, period, version, catalog_version, "
            "received_at, received_as, verdict, errors, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
        return_id = cursor.lastrowid
        conn.executemany(
            f"INSERT INTO findings (return_id, seq, {', '.join(_FINDING_FIELDS)}) "
            f"VALUES (?, ?, {', '.join('?' * len(_FINDING_FIELDS))})",
            [(return_id, seq, *(f[k] for k in _FINDING_FIELDS)) for seq, f in enumerate(findings)])
        conn.executemany("INSERT INTO figures (return_id, form, row, col, derived, value) "
                         "VALUES (?, ?, ?, ?, ?, ?)", [(return_id, *fig) for fig in figures])
        conn.executemany("INSERT INTO forms (return_id, form, fingerprint) VALUES (?, ?, ?)",
                         [(return_id, form, state.layout.fingerprint) for form, state in report.forms.items()])
        self._log(conn, "add", sha256, report.unit, report.period, version, received_as)
        return Entry(return_id or 0, *values)

    def _duplicate(self, entry: Entry, received_as: str) -> Receipt:
        with db.write(self.conn) as conn:
            self._log(conn, "duplicate", entry.sha256, entry.unit, entry.period, entry.version, received_as)
        return self._duplicate_receipt(entry, received_as)

    @staticmethod
    def _duplicate_receipt(entry: Entry, received_as: str) -> Receipt:
        return Receipt(status=DUPLICATE, unit=entry.unit, unit_name=entry.unit_name, period=entry.period,
                       version=entry.version, sha256=entry.sha256, received_at=entry.received_at,
                       received_as=received_as, verdict=entry.verdict)

    # -- reading -----------------------------------------------------------------
    def latest(self, unit: str, period: str) -> Entry | None:
        return self._latest(self.conn, unit, period)

    def _latest(self, conn: sqlite3.Connection, unit: str, period: str) -> Entry | None:
        row = conn.execute(f"SELECT {_ENTRY} FROM returns WHERE unit = ? AND period = ? ORDER BY version DESC LIMIT 1",
                           (unit, period)).fetchone()
        return self._entry(row) if row else None

    def history(self, unit: str) -> list[Entry]:
        """Every version the unit sent, period by period, oldest first."""
        rows = self.conn.execute(f"SELECT {_ENTRY} FROM returns WHERE unit = ? ORDER BY period, version", (unit,))
        return [self._entry(r) for r in rows]

    def received(self, parent: str, period: str) -> list[ChildStatus]:
        """Per child of ``parent`` (from the units list, and any other unit filed under it): latest version."""
        rows = self.conn.execute(
            f"SELECT {_ENTRY_R}, c.n FROM returns r JOIN (SELECT unit, MAX(version) AS v, COUNT(*) AS n FROM returns "
            "WHERE period = ? GROUP BY unit) c ON c.unit = r.unit AND c.v = r.version "
            "WHERE r.period = ? AND r.parent = ?", (period, period, parent)).fetchall()
        by_unit = {r[2]: (self._entry(r[:-1]), r[-1]) for r in rows}
        children = [(u.code, u.name) for u in self.units.children(parent)] if parent in self.units.units else []
        listed = {code for code, _ in children}
        children += sorted((code, e.unit_name) for code, (e, _) in by_unit.items() if code not in listed)
        out = []
        for code, name in children:
            entry, versions = by_unit.get(code, (None, 0))
            status = "missing" if entry is None else entry.verdict
            out.append(ChildStatus(code, name, status, entry, versions))
        return out

    def findings_of(self, entry: Entry) -> list[dict[str, Any]]:
        return self._findings(self.conn, entry.id)

    def figures_of(self, entry: Entry, *, derived: bool = True) -> Figures:
        return self._figures(self.conn, entry.id, derived=derived)

    def fingerprints_of(self, entry: Entry) -> dict[str, str]:
        """The structure fingerprint of each form of a return (empty for returns recorded before they were kept)."""
        return dict(self.conn.execute("SELECT form, fingerprint FROM forms WHERE return_id = ?", (entry.id,)))

    def figures(self, unit: str, period: str) -> Figures | None:
        """The figures (input and derived) of the latest version a unit sent for a period, if any."""
        entry = self.latest(unit, period)
        return self.figures_of(entry) if entry else None

    def siblings(self, unit: str, period: str) -> dict[str, Figures]:
        """Latest figures of the other units under the same parent, for the same period."""
        parent = self._parent_of(unit)
        if parent is None:
            row = self.conn.execute("SELECT parent FROM returns WHERE unit = ? AND parent IS NOT NULL LIMIT 1",
                                    (unit,)).fetchone()
            parent = row[0] if row else None
        if parent is None:
            return {}
        return {child.unit: self.figures_of(child.latest) for child in self.received(parent, period)
                if child.latest is not None and child.unit != unit}

    def log(self) -> list[LogEntry]:
        rows = self.conn.execute("SELECT at, action, sha256, unit, period, version, detail FROM log ORDER BY id")
        return [LogEntry(*r) for r in rows]

    # -- deleting ----------------------------------------------------------------
    def delete(self, *, unit: str | None = None, period: str | None = None, version: int | None = None,
               sha256: str | None = None, reason: str = "") -> list[Entry]:
        """Remove one version (unit, period, version) or one file (sha256); the deletion is logged."""
        if sha256:
            where, params = "sha256 = ?", (sha256,)
        elif unit and period and version is not None:
            where, params = "unit = ? AND period = ? AND version = ?", (unit, period, version)  # type: ignore[assignment]
        else:
            raise UsageError("Xóa khỏi sổ đăng ký cần mã tệp (SHA-256), hoặc đủ đơn vị, kỳ và lần gửi.",
                             english="Deleting needs a SHA-256, or a unit, a period and a version.")
        with db.write(self.conn) as conn:
            entries = [self._entry(r) for r in conn.execute(f"SELECT {_ENTRY} FROM returns WHERE {where}", params)]
            for entry in entries:
                conn.execute("DELETE FROM returns WHERE id = ?", (entry.id,))
                self._log(conn, "delete", entry.sha256, entry.unit, entry.period, entry.version, reason)
        return entries

    # -- rows --------------------------------------------------------------------
    @staticmethod
    def _entry(row: tuple) -> Entry:
        return Entry(*row)

    @staticmethod
    def _log(conn: sqlite3.Connection, action: str, sha256: str, unit: str, period: str, version: int | None,
             detail: str) -> None:
        conn.execute("INSERT INTO log (at, action, sha256, unit, period, version, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (_now(), action, sha256, unit, period, version, detail))

    @staticmethod
    def _findings(conn: sqlite3.Connection, return_id: int) -> list[dict[str, Any]]:
        rows = conn.execute(f"SELECT {', '.join(_FINDING_FIELDS)} FROM findings WHERE return_id = ? ORDER BY seq",
                            (return_id,))
        return [dict(zip(_FINDING_FIELDS, r, strict=True)) for r in rows]

    @staticmethod
    def _figures(conn: sqlite3.Connection, return_id: int, *, derived: bool) -> Figures:
        sql = "SELECT form, row, col, value FROM figures WHERE return_id = ?"
        if not derived:
            sql += " AND derived = 0"
        out: Figures = {}
        for form, row, col, value in conn.execute(sql, (return_id,)):
            out.setdefault(form, {})[(row, col)] = value
        return out


def _placed(changes: list[Change], report: Report) -> list[Change]:
    """Each changed figure with the sheet, address and row label it has in this version."""
    for change in changes:
        state = report.forms.get(change.form)
        if state is not None:
            row = state.layout.rows_by_code.get(change.row)
            change.sheet, change.cell = state.sheet, state.address(change.row, change.col)
            change.label = row.label if row else ""
    return changes


def _finding_row(finding: Any) -> dict[str, Any]:
    return {
        "code": finding.code, "severity": finding.severity, "form": finding.form, "sheet": finding.sheet,
        "cell": finding.cell, "row": finding.row, "col": finding.col, "row_label": finding.row_label,
        "value": _stored(finding.value),
        "expected": _stored(finding.expected), "rule": finding.rule,
        "message_vi": finding.message("vi"), "message_en": finding.message("en"),
    }
