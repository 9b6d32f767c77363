"""The register as a real SQLite file: versions, receipts, refusals, concurrent writers, a killed writer."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

import gnbv_templates as gnbv
from gnbv_templates.register import SCHEMA_VERSION, Register, RegisterRefused, db
from gnbv_templates.register import store as register_store

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS = ROOT / "examples" / "district_returns"
FIRST = DISTRICTS / "181_Huyện_Bình_Gia_2025-H1_lan1.xlsx"
FIXED = DISTRICTS / "181_Huyện_Bình_Gia_2025-H1_lan2_da_sua.xlsx"
FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def first_report() -> gnbv.Report:
    return gnbv.validate(FIRST)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_versions_receipt_and_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "so.sqlite"
    assert not path.exists()
    with Register(path) as reg:
        one = reg.add(FIRST)
        assert (one.status, one.version, one.verdict) == ("new", 1, "errors")
        two = reg.add(FIXED)
        assert (two.status, two.version, two.previous_version, two.verdict) == ("version", 2, 1, "ok")
        # version 1 had two errors, version 2 none: both fixed, nothing remaining or new
        before = {(f["code"], f["form"], f["row"], f["col"]) for f in reg.findings_of(reg.history("181")[0])}
        assert {(f["code"], f["form"], f["row"], f["col"]) for f in two.fixed} == before
        assert len(before) == 2 and two.remaining == [] and two.new == []
        assert [(c.form, c.row, c.col) for c in two.changed] == [("B01", "06", "3")]
        old, now = (gnbv.validate(f).inputs()["B01"][("06", "3")] for f in (FIRST, FIXED))
        assert (two.changed[0].old, two.changed[0].new) == (old, now) and old != now
        # the same bytes under another name: recognised, no new version
        copy = tmp_path / "ban_sao_khac_ten.xlsx"
        copy.write_bytes(FIRST.read_bytes())
        again = reg.add(copy)
        assert again.duplicate and again.version == 1 and "đã nhận trước đó" in again.summary()
        assert [e.version for e in reg.history("181")] == [1, 2]
        assert [e.action for e in reg.log()] == ["add", "add", "duplicate"]
        status = {c.unit: c for c in reg.received("20", "2025-H1")}
        assert status["181"].status == "ok" and status["181"].versions == 2 and status["181"].latest.version == 2
        assert status["187"].status == "missing" and status["187"].latest is None
    # nothing in the register holds a path as the identity of a file
    conn = sqlite3.connect(path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(returns)")}
    conn.close()
    assert "sha256" in columns and not {"path", "file"} & columns


def test_delete_is_explicit_and_logged(tmp_path: Path, first_report: gnbv.Report) -> None:
    with Register(tmp_path / "so.sqlite") as reg:
        reg.record(first_report, sha256="a" * 64, received_as="lan1.xlsx")
        reg.record(first_report, sha256="b" * 64, received_as="lan2.xlsx")
        with pytest.raises(gnbv.UsageError):
            reg.delete(unit="181")
        gone = reg.delete(unit="181", period="2025-H1", version=2, reason="gửi nhầm")
        assert [e.sha256 for e in gone] == ["b" * 64]
        assert reg.log()[-1].action == "delete" and reg.log()[-1].detail == "gửi nhầm"
        # a version number is never given twice, even after a deletion
        assert reg.record(first_report, sha256="c" * 64).version == 3
        assert reg.conn.execute("SELECT COUNT(*) FROM figures WHERE return_id NOT IN "
                                "(SELECT id FROM returns)").fetchone()[0] == 0


def test_newer_register_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "moi.sqlite"
    Register(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = {p.name: _digest(p) for p in tmp_path.iterdir()}
    with pytest.raises(RegisterRefused) as caught:
        Register(path)
    assert caught.value.exit_code == 7 and caught.value.exit_code not in (0, 1, 2, 3, 4, 5, 6)
    assert "phiên bản mới hơn" in caught.value.message and "\n" not in caught.value.message
    assert {p.name: _digest(p) for p in tmp_path.iterdir()} == before


def test_foreign_files_are_refused_unchanged(tmp_path: Path) -> None:
    foreign = tmp_path / "khac.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    text = tmp_path / "ghi_chu.sqlite"
    text.write_text("không phải cơ sở dữ liệu\n", encoding="utf-8")
    before = {p.name: _digest(p) for p in tmp_path.iterdir()}
    for path, words in ((foreign, "chương trình khác"), (text, "không phải tệp sổ đăng ký")):
        with pytest.raises(RegisterRefused) as caught:
            Register(path)
        assert words in caught.value.message
    assert {p.name: _digest(p) for p in tmp_path.iterdir()} == before


def _writer(path: str, report: gnbv.Report, tag: str, count: int, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    with Register(path) as reg:
        for i in range(count):
            reg.record(report, sha256=f"{tag}-{i:04d}", received_as=f"{tag}-{i}.xlsx")


def test_two_concurrent_writers_lose_nothing(tmp_path: Path, first_report: gnbv.Report) -> None:
    path = tmp_path / "so.sqlite"
    Register(path).close()
    count = 60
    start = FORK.Event()
    writers = [FORK.Process(target=_writer, args=(str(path), first_report, tag, count, start)) for tag in "AB"]
    for w in writers:
        w.start()
    start.set()
    for w in writers:
        w.join(300)
        assert w.exitcode == 0
    with Register(path) as reg:
        entries = reg.history("181")
        # every return of both writers is there, with its figures and findings, numbered without gap or repeat
        assert sorted(e.sha256 for e in entries) == sorted(f"{t}-{i:04d}" for t in "AB" for i in range(count))
        assert sorted(e.version for e in entries) == list(range(1, 2 * count + 1))
        per_return = len(register_store.report_figures(first_report))
        figures = dict(reg.conn.execute("SELECT return_id, COUNT(*) FROM figures GROUP BY return_id"))
        assert sorted(figures.values()) == [per_return] * (2 * count)
        findings = dict(reg.conn.execute("SELECT return_id, COUNT(*) FROM findings GROUP BY return_id"))
        assert sorted(findings.values()) == [len(first_report.findings)] * (2 * count)
        assert reg.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _killed_writer(path: str, report: gnbv.Report, inside: multiprocessing.synchronize.Event) -> None:
    def stall(*args: object) -> None:
        # reached inside the write transaction, after the return, its findings and figures were inserted
        inside.set()
        time.sleep(600)

    with Register(path) as reg:
        reg.record(report, sha256="ok-before", received_as="truoc.xlsx")
        register_store.Register._log = staticmethod(stall)  # type: ignore[method-assign]
        reg.record(report, sha256="half-written", received_as="do_dang.xlsx")


def test_writer_killed_mid_transaction_leaves_nothing_half_written(tmp_path: Path,
                                                                   first_report: gnbv.Report) -> None:
    path = tmp_path / "so.sqlite"
    inside = FORK.Event()
    writer = FORK.Process(target=_killed_writer, args=(str(path), first_report, inside))
    writer.start()
    assert inside.wait(120), "the writer never reached its transaction"
    os.kill(writer.pid, signal.SIGKILL)  # type: ignore[arg-type]
    writer.join(30)
    assert writer.exitcode == -signal.SIGKILL
    with Register(path) as reg:
        assert [e.sha256 for e in reg.history("181")] == ["ok-before"]
        assert reg.conn.execute("SELECT COUNT(DISTINCT return_id) FROM figures").fetchone()[0] == 1
        assert reg.conn.execute("SELECT COUNT(*) FROM findings WHERE return_id NOT IN "
                                "(SELECT id FROM returns)").fetchone()[0] == 0
        assert reg.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the lock died with the writer: the register takes new returns, numbered on from the last kept one
        assert reg.record(first_report, sha256="after").version == 2


def test_an_older_register_is_migrated_in_place(tmp_path: Path, first_report: gnbv.Report) -> None:
    path = tmp_path / "cu.sqlite"
    conn = sqlite3.connect(path)
    for statement in db.MIGRATIONS[0]:  # a register as the first version of the schema made it
        conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('application', ?)", (db.APPLICATION,))
    conn.execute("INSERT INTO returns (sha256, unit, period, version, catalog_version, received_at, verdict, errors, "
                 "warnings) VALUES ('old', '181', '2024', 1, '2025.1', '2025-01-05T08:00:00+07:00', 'ok', 0, 0)")
    conn.execute("INSERT INTO versions VALUES ('181', '2024', 1)")
    conn.execute("INSERT INTO figures VALUES (1, 'B15', '00', '2', 0, 1234)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    assert SCHEMA_VERSION > 1
    with Register(path) as reg:
        assert reg.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        old = reg.history("181")[0]
        assert (old.sha256, old.period) == ("old", "2024") and reg.fingerprints_of(old) == {}
        assert reg.figures("181", "2024") == {"B15": {("00", "2"): 1234}}  # the figures moved with the schema
        new = reg.record(first_report, sha256="new")
        entry = reg.latest("181", "2025-H1")
        assert new.version == 1 and reg.fingerprints_of(entry) == {
            form: state.layout.fingerprint for form, state in first_report.forms.items()}


def test_a_register_locked_too_long_is_a_message_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 first_report: gnbv.Report) -> None:
    path = tmp_path / "so.sqlite"
    Register(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program keeps the write lock
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    try:
        with Register(path) as reg, pytest.raises(RegisterRefused) as caught:
            reg.record(first_report, sha256="x")
        assert "đang bận" in caught.value.message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Register(path) as reg:
        assert reg.record(first_report, sha256="x").version == 1
