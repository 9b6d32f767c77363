"""Work the pages start: validating uploads, consolidating them; one at a time, with progress.

The machine is shared and a batch is CPU-bound, so jobs run one after the
other on a single worker thread; a page polls a job's progress.  Each job
owns a temporary folder (uploads and results) that is removed when the job
expires or the server stops.
"""

from __future__ import annotations

import json
import secrets
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.batch.consolidate import Consolidation, consolidate
from gnbv_templates.errors import GnbvError
from gnbv_templates.findings import Finding
from gnbv_templates.outputs import safe_name
from gnbv_templates.register import Register
from gnbv_templates.report.validate import validate

from .uploads import Stored

VALID, HAS_ERRORS, UNREADABLE = "valid", "errors", "unreadable"
RUNNING, DONE, FAILED = "running", "done", "failed"
JOB_TTL_SECONDS = 2 * 3600


@dataclass
class FileView:
    """What the page shows for one uploaded workbook."""

    index: int
    shown: str
    status: str = UNREADABLE
    unit: str = ""
    unit_name: str = ""
    period: str = ""
    errors: int = 0
    warnings: int = 0
    message: str = ""
    message_en: str = ""
    findings: list[Finding] = field(default_factory=list)
    annotated: Path | None = None
    json: Path | None = None
    download_stem: str = "bieu"
    receipt: Any = None  # the register's receipt, when the server keeps a register

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "index": self.index, "file": self.shown, "status": self.status, "unit": self.unit,
            "unit_name": self.unit_name, "period": self.period,
            "counts": {"error": self.errors, "warning": self.warnings, "total": len(self.findings)},
            "message": self.message_en if lang == "en" else self.message,
            "findings": [f.as_dict(lang) for f in self.findings],
        } | ({"receipt": self.receipt.as_dict(lang)} if self.receipt is not None else {})


@dataclass
class Job:
    id: str
    kind: str  # "validate" | "consolidate"
    folder: Path
    lang: str
    total: int = 0
    done: int = 0
    state: str = RUNNING
    message: str = ""
    message_en: str = ""
    files: list[FileView] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    consolidation: Consolidation | None = None
    output: Path | None = None
    created: float = field(default_factory=time.monotonic)
    register: Path | None = None  # returns checked are recorded here (gnbv serve --register)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "done": self.done, "total": self.total}


class Jobs:
    """The jobs of one server, their folders under one temporary root."""

    def __init__(self, root: Path, register: Path | None = None) -> None:
        self.root = root
        self.register = register
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gnbv-job")

    def new(self, kind: str, lang: str) -> Job:
        self.expire()
        job_id = secrets.token_urlsafe(12)
        job = Job(job_id, kind, self.root / job_id, lang, register=self.register)
        job.folder.mkdir(parents=True)
        with self._lock:
            self._jobs[job_id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def drop(self, job: Job) -> None:
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)

    def expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            old = [j for j in self._jobs.values() if j.state != RUNNING and now - j.created > JOB_TTL_SECONDS]
        for job in old:
            self.drop(job)

    def start(self, job: Job, work: Callable[[Job], None]) -> None:
        def guarded() -> None:
            try:
                work(job)
                job.state = DONE
            except GnbvError as exc:
                job.message, job.message_en, job.state = exc.message, exc.english, FAILED
            except Exception as exc:  # the page says one sentence; the type is enough to report it
                job.message = f"Có lỗi bất ngờ khi xử lý ({type(exc).__name__}); hãy thử lại."
                job.message_en = f"Unexpected failure ({type(exc).__name__}); please try again."
                job.state = FAILED

        self._pool.submit(guarded)

    def wait(self, job: Job, timeout: float = 3600.0) -> None:
        """For the JSON API: block until the job has finished."""
        end = time.monotonic() + timeout
        while job.state == RUNNING and time.monotonic() < end:
            time.sleep(0.05)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)


def _stem(shown: str) -> str:
    return safe_name(Path(shown.rsplit(" › ", 1)[-1]).stem, default="bieu")


def validate_files(job: Job, stored: list[Stored]) -> None:
    job.total = len(stored)
    out = job.folder / "ket_qua"
    out.mkdir()
    for item in stored:
        view = FileView(item.index, item.shown, download_stem=_stem(item.shown))
        try:
            report = validate(item.path)
        except GnbvError as exc:
            view.message, view.message_en = exc.message, exc.english
        except Exception as exc:
            view.message = f"Lỗi khi đọc tệp ({type(exc).__name__})."
            view.message_en = f"Failure while reading the file ({type(exc).__name__})."
        else:
            if job.register is not None:  # checks across periods and the receipt, before anything is shown
                with Register(job.register) as register:
                    view.receipt = register.add(report, received_as=item.shown)
            view.status = VALID if report.ok else HAS_ERRORS
            view.unit, view.unit_name, view.period = report.unit, report.unit_name, report.period
            view.errors, view.warnings = report.counts["error"], report.counts["warning"]
            view.findings = list(report.findings)
            data = report.as_dict(job.lang)
            data["file"] = item.shown
            view.json = out / f"{item.index:03d}.json"
            view.json.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            try:
                view.annotated = report.annotate(out / f"{item.index:03d}.xlsx", lang=job.lang)
            except GnbvError as exc:  # an .ods return: findings, but no annotated copy
                view.message, view.message_en = exc.message, exc.english
        job.files.append(view)
        job.done += 1
    if stored:  # the uploads are done with once their copies and reports are written
        shutil.rmtree(stored[0].path.parent.parent, ignore_errors=True)


def zip_results(job: Job) -> Path:
    """Every annotated copy and JSON report of a job, in one archive."""
    target = job.folder / "tat_ca_ket_qua.zip"
    used: set[str] = set()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for view in job.files:
            stem = view.download_stem
            if stem in used:
                stem = f"{stem}_{view.index}"
            used.add(stem)
            if view.annotated:
                zf.write(view.annotated, f"{stem}_KIEM_TRA.xlsx")
            if view.json:
                zf.write(view.json, f"{stem}_KIEM_TRA.json")
    return target


def consolidate_files(job: Job, returns: Path, parent: str, period: str) -> None:
    out = job.folder / "tong_hop" / f"{safe_name(parent)}_{safe_name(period)}_TONG_HOP.xlsx"
    job.consolidation = consolidate(returns, parent, period, out, jobs=1, progress=job.progress)
    job.output = out
    shutil.rmtree(returns, ignore_errors=True)  # the uploads are done with: the return holds their sums
