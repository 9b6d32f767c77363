"""Validating a folder of returns on every core, streamed: one result at a time.

Workers send back a small summary (and, for consolidation, the input values
of the forms); no workbook is held in the parent process.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Generator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.batch import discover, summary
from gnbv_templates.batch.completeness import assess, infer_scope
from gnbv_templates.batch.discover import Skipped
from gnbv_templates.batch.results import (
    EXIT_PROGRAM_ERROR,
    HAS_ERRORS,
    PROGRAM_ERROR,
    UNREADABLE,
    VALID,
    FileResult,
    packed_inputs,
)
from gnbv_templates.check.outcome import FormState
from gnbv_templates.errors import UnreadableFile, UsageError
from gnbv_templates.findings import text
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.figures import stated_deltas
from gnbv_templates.forms.model import child_form
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import Units, load_units
from gnbv_templates.outputs import safe_name
from gnbv_templates.parallel import ordered
from gnbv_templates.read.safety import os_error_text
from gnbv_templates.report.report import Report
from gnbv_templates.report.validate import validate


def find_returns(folder: Path, exclude: Path | None = None, skipped: list[Skipped] | None = None) -> list[Path]:
    """The returns in a folder; every other entry, with why it is not read, is added to ``skipped``."""
    paths, passed = discover.scan(folder, exclude)
    if skipped is not None:
        skipped += passed
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    # never blocks: a pipe put where the file was is opened without waiting and refused
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(path, flags), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.ENXIO, "not a regular file", str(path))
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_CACHE: dict[str, Any] = {}


def _tools(templates: str | None, rules: str | None) -> tuple[Any, Any]:
    key = f"{templates}|{rules}"
    if key not in _CACHE:
        _CACHE[key] = (load_catalog(templates), load_rules(rules))
    return _CACHE[key]


def check_one(args: tuple[str, str | None, bool, str | None, str | None]) -> FileResult:
    """Validate one file (in a worker); never raises for a bad file."""
    path_text, outdir, keep_inputs, templates, rules = args
    path = Path(path_text)
    try:
        digest = _sha256(path)
    except OSError as exc:
        return FileResult(str(path), "", UNREADABLE, message=text("batch.cannot-open", reason=os_error_text(exc)),
                          message_en=text("batch.cannot-open", "en", reason=os_error_text(exc, "en")))
    catalog, ruleset = _tools(templates, rules)
    try:
        report = validate(path, catalog=catalog, rules=ruleset)
    except UnreadableFile as exc:
        return FileResult(str(path), digest, UNREADABLE, message=exc.message, message_en=exc.english)
    except Exception as exc:  # a bug of ours (the checks report their own failures): never blame the file
        error = type(exc).__name__
        return FileResult(str(path), digest, PROGRAM_ERROR, message=text("batch.program-error", error=error),
                          message_en=text("batch.program-error", "en", error=error))
    result = _result(report, path, digest)
    if outdir and report.findings:
        _annotate(report, result, Path(outdir) / "annotated" / f"{safe_name(path.stem)}_KIEM_TRA.xlsx")
    if keep_inputs:
        _keep_inputs(report, result)
    return result


def _result(report: Report, path: Path, digest: str) -> FileResult:
    ident = report.identified
    counts = report.counts
    return FileResult(
        path=str(path), sha256=digest, status=VALID if report.ok else HAS_ERRORS, unit=report.unit,
        unit_name=report.unit_name, period=report.period,
        parent=ident.issue.parent.code if ident and ident.issue.parent else "",
        issued=ident.issue.issued.isoformat() if ident else "",
        errors=counts["error"], warnings=counts["warning"],
        findings=[f.as_dict() for f in report.findings],
    )


def _annotate(report: Report, result: FileResult, target: Path) -> None:
    try:
        report.annotate(target)
        result.annotated = str(target)
    except Exception as exc:  # the copy is a convenience: its failure is noted, the result stands
        result.message = text("batch.annotate-failed", error=type(exc).__name__)
        result.message_en = text("batch.annotate-failed", "en", error=type(exc).__name__)


def _keep_inputs(report: Report, result: FileResult) -> None:
    """What consolidation needs of a return: its inputs, its stated totals, its row for the child form."""
    forms = report.forms
    result.inputs = {form: packed_inputs(state.layout, state.inputs) for form, state in forms.items()}
    result.stated = {form: stated_deltas(state.layout, state.figures) for form, state in forms.items()
                     if state.figures is not None and state.figures.stated}
    child = child_form(state.layout.definition for state in forms.values())
    if child is not None:  # the form listing child units: its total row, computed
        result.totals = _total_row(forms[child.id], child.total_row)


def _total_row(state: FormState, total: str | None) -> dict[tuple[str, str], float | None]:
    """``state.number`` of every cell of the total row, from the figures the checks computed.

    That form has rows of this unit's own units below, so its layout is this unit's alone: asking for the
    recomputed derived cells would compile all its formulas again for every return, for the one row."""
    derived = {(cell.row, cell.col) for cell in state.layout.derived_order if cell.row == total}
    out: dict[tuple[str, str], float | None] = {}
    for key in state.layout.cells:
        if key[0] != total:
            continue
        figure = state.figure(key)
        if figure is not None and (figure.stated or key in derived):
            out[key] = figure.value
        elif key in derived:  # no figure for it: what the recomputation gives
            out[key] = state.number(key)
        else:
            value = state.inputs.get(key)
            out[key] = value if isinstance(value, int | float) else None
    return out


def run(
    paths: list[Path],
    *,
    outdir: Path | None = None,
    jobs: int | None = None,
    keep_inputs: bool = False,
    templates: str | None = None,
    rules: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    outdirs: list[Path | None] | None = None,
) -> Generator[FileResult, None, None]:
    """Results in the order of paths, as they are ready; at most a few in memory at a time.

    Annotated copies go to ``outdir``, or each path's to its own in ``outdirs`` (one or the other)."""
    if outdir is not None and outdirs is not None:
        raise ValueError("outdir or outdirs, not both")
    dirs = outdirs if outdirs is not None else [outdir] * len(paths)
    args = [(str(p), str(d) if d else None, keep_inputs, templates, rules) for p, d in zip(paths, dirs, strict=True)]
    return ordered(check_one, args, executor=executor, jobs=jobs, progress=progress)


@dataclass
class FolderReport:
    """A folder's validation: every file's result, who is missing, and the summary files."""

    results: list[FileResult]
    completeness: Any  # Completeness | None: needs the parent unit and the period
    summary_xlsx: Path
    summary_json: Path
    skipped: list[Skipped] = field(default_factory=list)  # entries of the folder not read, and why

    @property
    def exit_code(self) -> int:
        """The worst wins: 70 if the program failed on a file, 2 if a file could not be used, 1 if any has errors."""
        if any(r.status == PROGRAM_ERROR for r in self.results):
            return EXIT_PROGRAM_ERROR
        if any(r.status == UNREADABLE for r in self.results):
            return 2
        return 1 if any(r.status == HAS_ERRORS for r in self.results) else 0


def validate_folder(
    folder: Path | str,
    *,
    outdir: Path | str | None = None,
    parent: str | None = None,
    period: str | None = None,
    units: Any = None,
    jobs: int | None = None,
    templates: str | None = None,
    rules: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> FolderReport:
    """Validate every return in a folder; annotated copies and the summary go to outdir.

    ``executor`` (any ``concurrent.futures.Executor``) runs the files; by default a local process pool
    of ``jobs`` processes.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"Không có thư mục {folder}.", english=f"No folder {folder}.")
    load_catalog(templates), load_rules(rules)  # definition errors once, before the workers start
    out = Path(outdir) if outdir else folder / "ket_qua_kiem_tra"
    skipped: list[Skipped] = []
    paths = find_returns(folder, exclude=out.resolve(), skipped=skipped)
    if not paths:
        raise UsageError(f"Thư mục {folder} không có tệp biểu nào (.xlsx, .xlsm, .ods, .xls).",
                         english=f"No workbook in {folder}.")
    results = list(run(paths, outdir=out, jobs=jobs, templates=templates, rules=rules, progress=progress,
                       executor=executor))
    if not parent or not period:
        guessed_parent, guessed_period = infer_scope(results)
        parent, period = parent or guessed_parent, period or guessed_period
    completeness = None
    if parent and period:
        unit_list = units if isinstance(units, Units) else load_units(units)
        completeness = assess(results, unit_list, parent, period)
    xlsx, js = summary.write(results, completeness, out)
    return FolderReport(results, completeness, xlsx, js, skipped)
