"""Who has returned, who has not, and which return counts when a unit sent two."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from gnbv_templates.batch.results import HAS_ERRORS, MISSING, PROGRAM_ERROR, UNREADABLE, VALID, FileResult
from gnbv_templates.forms.units import Unit, Units


@dataclass
class Choice:
    result: FileResult
    used: bool
    reason: str


@dataclass
class Completeness:
    parent: Unit
    period: str
    chosen: dict[str, FileResult] = field(default_factory=dict)  # unit code → the return that counts
    duplicates: dict[str, list[Choice]] = field(default_factory=dict)
    missing: list[Unit] = field(default_factory=list)
    other_period: list[FileResult] = field(default_factory=list)
    other_parent: list[FileResult] = field(default_factory=list)
    unreadable: list[FileResult] = field(default_factory=list)

    def status_of(self, unit: Unit) -> str:
        found = self.chosen.get(unit.code)
        return found.status if found else MISSING


def _rank(result: FileResult) -> tuple:
    """Better first: no errors, fewer errors, modified most recently, then by name."""
    try:
        mtime = os.path.getmtime(result.path)
    except OSError:
        mtime = 0.0
    return (result.status != VALID, result.errors, -mtime, result.name)


def infer_scope(results: list[FileResult]) -> tuple[str | None, str | None]:
    """The parent and period most returns were issued for (when the user did not say)."""
    readable = [r for r in results if r.status not in (UNREADABLE, PROGRAM_ERROR)]
    parents = Counter(r.parent for r in readable if r.parent)
    periods = Counter(r.period for r in readable if r.period)
    return (parents.most_common(1)[0][0] if parents else None,
            periods.most_common(1)[0][0] if periods else None)


def assess(results: list[FileResult], units: Units, parent: str, period: str) -> Completeness:
    head = units.get(parent)
    children = {u.code: u for u in units.children(parent)}
    out = Completeness(parent=head, period=period)
    candidates: dict[str, list[FileResult]] = {}
    for result in results:
        if result.status in (UNREADABLE, PROGRAM_ERROR):  # neither can be used; the message says whose fault
            out.unreadable.append(result)
        elif result.period != period:
            out.other_period.append(result)
        elif result.unit not in children:
            out.other_parent.append(result)
        else:
            candidates.setdefault(result.unit, []).append(result)
    for code, found in candidates.items():
        ranked = sorted(found, key=_rank)
        out.chosen[code] = ranked[0]
        if len(ranked) > 1:
            out.duplicates[code] = [Choice(ranked[0], True, _why(ranked[0], ranked[1:]))] + [
                Choice(r, False, f"đã có bản khác được dùng: {ranked[0].name}") for r in ranked[1:]
            ]
    out.missing = [unit for code, unit in children.items() if code not in out.chosen]
    return out


def _why(best: FileResult, others: list[FileResult]) -> str:
    if best.status == VALID and any(o.status == HAS_ERRORS for o in others):
        return "được dùng: là bản không có lỗi"
    if any(o.errors > best.errors for o in others):
        return "được dùng: ít lỗi nhất"
    return "được dùng: sửa đổi gần đây nhất"
