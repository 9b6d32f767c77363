"""Returns over two periods and two versions: receipts, checks across periods, the commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from serve_support import running, upload

from gnbv_templates.check.periods import (
    Earlier,
    History,
    as_earlier,
    check_periods,
    load_period_rules,
    outcome_figures,
    place,
    rules_for,
)
from gnbv_templates.cli.main import main
from gnbv_templates.errors import DefinitionError, UsageError
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.register import Register, RegisterRefused
from gnbv_templates.report.report import Report
from gnbv_templates.report.validate import validate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "period_returns"
EXPECTED = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
LAST_YEAR, FIRST, SECOND = (EXAMPLES / EXPECTED["files"][k] for k in ("2024", "2025-H1 lan1", "2025-H1 lan2"))
ANNUAL = ROOT / "examples" / "district_returns" / "184_Huyện_Văn_Quan_2025.xlsx"


def _where(items: list[dict]) -> set[tuple[str, str, str, str]]:
    return {(f["code"], f["form"], f["row"], f["col"]) for f in items}


def _at(findings: list, code: str) -> list[tuple[str, str, str, str]]:
    return [(f.form, f.row, f.col, f.cell) for f in findings if f.code == code]


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Report]]:
    path = tmp_path_factory.mktemp("so") / "so.sqlite"
    reports = []
    with Register(path) as reg:
        for file in (LAST_YEAR, FIRST, SECOND):
            report = validate(file)
            reg.add(report)
            reports.append(report)
    return path, reports


def test_receipt_lists_fixed_remaining_and_new_findings(registered: tuple[Path, list[Report]]) -> None:
    _, (last_year, first, second) = registered
    assert last_year.receipt.status == "new" and last_year.ok
    assert first.receipt.status == "new" and first.receipt.version == 1
    receipt = second.receipt
    assert (receipt.status, receipt.version, receipt.previous_version) == ("version", 2, 1)
    assert _where(receipt.fixed) == {(f["code"], f["form"], f["row"], f["col"]) for f in EXPECTED["fixed_in_lan2"]}
    assert _where(receipt.remaining) == {(f["code"], f["form"], f["row"], f["col"])
                                         for f in EXPECTED["remaining_in_lan2"]}
    assert all(f["row_label"] for f in receipt.fixed)  # what each fixed finding was about, from the register
    new = EXPECTED["new_in_lan2"]
    assert _where(receipt.new) == {(new["code"], new["form"], new["row"], new["col"])}
    # every finding of version 2 is either remaining or new; every finding of version 1 is fixed or remaining
    assert len(receipt.remaining) + len(receipt.new) == len(second.findings)
    assert len(receipt.fixed) + len(receipt.remaining) == len(first.findings)
    changed = {(c.form, c.row, c.col): (c.old, c.new, c.cell) for c in receipt.changed}
    assert set(changed) == {(c["form"], c["row"], c["col"]) for c in EXPECTED["changed_in_lan2"]}
    broken = EXPECTED["stock_flow_break"]
    old, now, cell = changed[(broken["form"], broken["row"], broken["col"])]
    assert old == now + 7 and cell == second.forms["B15"].address(broken["row"], broken["col"])
    assert f"3 lỗi đã sửa, 1 còn lại, 1 mới; {len(changed)} số liệu thay đổi" in receipt.summary()
    # the receipt is part of the JSON report
    data = json.loads(second.to_json())
    assert data["receipt"]["status"] == "version" and _where(data["receipt"]["new"]) == _where(receipt.new)
    assert json.loads(second.to_json("en"))["receipt"]["summary"].startswith("A new version")


def test_stock_flow_break_flagged_at_its_cell(registered: tuple[Path, list[Report]]) -> None:
    _, (last_year, first, second) = registered
    broken = EXPECTED["stock_flow_break"]
    found = [f for f in first.findings if f.code == "period.stock-flow"]
    assert [(f.form, f.row, f.col) for f in found] == [(broken["form"], broken["row"], broken["col"])]
    finding = found[0]
    assert finding.severity == "error" and finding.cell == first.forms["B15"].address(broken["row"], broken["col"])
    end_of_last_year = outcome_figures(last_year)["B15"][(broken["row"], "7")]
    assert (finding.value, finding.expected) == (end_of_last_year + 7, end_of_last_year)
    assert "2024" in finding.message() and "đầu kỳ" in finding.message()
    assert not second.by_code("period.stock-flow")


def test_implausible_jump_is_a_warning(registered: tuple[Path, list[Report]]) -> None:
    _, (_, first, second) = registered
    jump = EXPECTED["jump"]
    for report in (first, second):
        found = [f for f in report.findings if f.code == "period.jump"]
        assert [(f.form, f.row, f.col, f.severity) for f in found] == [(jump["form"], jump["row"], jump["col"],
                                                                        "warning")]
        assert found[0].cell == report.forms["B15"].address(jump["row"], jump["col"])
    assert all(r.severity == "warning" for r in load_period_rules() if r.kind in ("jump", "outlier"))


def test_previous_file_gives_the_same_checks_as_the_register(registered: tuple[Path, list[Report]]) -> None:
    _, (last_year, first, _) = registered
    again = validate(FIRST)
    history = History(previous_year=Earlier("2024", outcome_figures(last_year), LAST_YEAR.name))
    period_findings = check_periods(again, history)
    assert {(f.code, f.form, f.row, f.col) for f in period_findings} == {
        (f.code, f.form, f.row, f.col) for f in first.findings if f.code.startswith("period.")}


def test_register_lists_what_a_parent_received(registered: tuple[Path, list[Report]]) -> None:
    path, _ = registered
    with Register(path) as reg:
        rows = {c.unit: c for c in reg.received("20", "2025-H1")}
        assert rows["178"].versions == 2 and rows["178"].latest.version == 2 and rows["178"].status == "errors"
        assert rows["187"].status == "missing"
        assert [(e.period, e.version) for e in reg.history("178")] == [("2024", 1), ("2025-H1", 1), ("2025-H1", 2)]
        # the earlier figures come from the register, with derived cells recomputed
        figures = reg.figures("178", "2024")
        assert figures["B15"][("06124", "7")] is not None


def test_annual_return_against_its_six_month_return() -> None:
    report = validate(ANNUAL)
    assert report.catalog_version == "2025.2"  # Biểu 02: disbursement in columns 15–27, the plan before adjustment 13
    half = {form: dict(cells) for form, cells in outcome_figures(report).items()}
    b02 = half["B02"]
    assert b02[("07", "1")] == b02[("07", "13")] and b02[("03", "1")] != b02[("03", "13")]
    # by mid-year more had been disbursed than by the end of the year; the plan was different then
    b02[("07", "17")] = (b02[("07", "17")] or 0) + 100
    b02[("07", "3")] = (b02[("07", "3")] or 0) + 50
    b02[("03", "3")] = (b02[("03", "3")] or 0) + 50  # row 03 shows its adjustment: plan after ≠ plan before
    history = History(first_half=Earlier("2025-H1", half, "6 tháng"))
    found = check_periods(report, history)
    assert [(f.code, f.severity, f.form, f.row, f.col) for f in found if f.form == "B02"] == [
        ("period.decreased", "error", "B02", "07", "17"), ("period.plan-changed", "warning", "B02", "07", "3")]
    assert found[0].cell == report.forms["B02"].address("07", "17")
    # a note that the plan was adjusted silences the plan check, not the disbursement check
    report.forms["B02"].inputs[("07", "37")] = "Kế hoạch đã ĐIỀU CHỈNH theo Quyết định 12"
    again = [(f.code, f.row, f.col) for f in check_periods(report, history) if f.form == "B02"]
    assert again == [("period.decreased", "07", "17")]


def test_period_rules_follow_the_catalog_version() -> None:
    current, kept = rules_for("2025.2"), rules_for("2025.1")
    assert "P.B02-GIAI-NGAN-17" in {r.id for r in current} and "P.B02-GIAI-NGAN-9" not in {r.id for r in current}
    assert "P.B02-GIAI-NGAN-9" in {r.id for r in kept}  # 2025.1 kept its own columns
    assert rules_for("2031.7") == [] and rules_for("../../etc") == []  # unknown: no rule rather than a wrong one
    assert all(r.basis for r in current + kept)


def test_outlier_among_sibling_units() -> None:
    report = validate(FIRST)
    rate = outcome_figures(report)["B15"][("00", "8")]
    far = {f"u{i}": {"B15": {("00", "8"): rate / 3 + i * 0.1}} for i in range(6)}
    near = {f"u{i}": {"B15": {("00", "8"): rate + (i - 3) * 0.5}} for i in range(6)}
    found = check_periods(report, History(siblings=far, siblings_period="2025-H1"))
    outliers = [(f.row, f.col, f.severity) for f in found if f.code == "period.outlier"]
    assert ("00", "8", "warning") in outliers
    assert not [f for f in check_periods(report, History(siblings=near)) if f.code == "period.outlier"
                and f.col == "8"]
    few = dict(list(far.items())[:3])  # fewer units than the rule asks for: no verdict
    assert not [f for f in check_periods(report, History(siblings=few)) if f.code == "period.outlier"]


def test_a_plausibility_rule_can_never_be_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        'period_rules:\n  - {id: P.X, title: t, basis: b, kind: jump, against: previous, form: B15, '
        'for_each: row, this: "[1]", earlier: "[1]", what: w, severity: error}\n', encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_period_rules(tmp_path)
    assert "cảnh báo" in str(caught.value)


def test_previous_of_another_period_is_refused() -> None:
    report = validate(SECOND)
    history = History()
    with pytest.raises(UsageError):
        place(history, report.period, Earlier("2023", {}, "cu.xlsx"))


def test_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = tmp_path / "so.sqlite"
    assert main(["register", "add", str(reg), str(LAST_YEAR)]) == 0
    assert main(["validate", str(FIRST), "--register", str(reg)]) == 1
    out1 = tmp_path / "lan2_KIEM_TRA.xlsx"
    assert main(["validate", str(SECOND), "--register", str(reg), "-o", str(out1), "--json",
                 str(tmp_path / "lan2.json")]) == 1
    text = capsys.readouterr().out
    assert "3 lỗi đã sửa, 1 còn lại, 1 mới" in text
    data = json.loads((tmp_path / "lan2.json").read_text(encoding="utf-8"))
    assert data["receipt"]["version"] == 2
    # the receipt is on the error sheet: a title, headings, then one row per finding fixed, remaining, new
    ws = openpyxl.load_workbook(out1)[RESULT_SHEET]
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert any(str(r[0] or "").startswith("Phiên bản mới") for r in cells)
    title = next(i for i, r in enumerate(cells) if str(r[0] or "").startswith("SO VỚI LẦN GỬI TRƯỚC"))
    kinds = [r[1] for r in cells[title + 2:]]
    assert kinds.count("Đã sửa") == 3 and kinds.count("Còn lại") == 1 and kinds.count("Mới") == 1
    assert kinds.count("Số liệu thay đổi") == len(EXPECTED["changed_in_lan2"])
    # the same file again is recognised
    assert main(["register", "add", str(reg), str(SECOND)]) == 1
    assert "đã nhận trước đó" in capsys.readouterr().out
    assert main(["register", "list", str(reg), "--unit", "20", "--period", "2025-H1"]) == 0
    listing = capsys.readouterr().out
    assert "chưa nộp" in listing and "(2 lần gửi)" in listing
    assert main(["register", "history", str(reg), "--unit", "178", "--json"]) == 0
    assert [e["version"] for e in json.loads(capsys.readouterr().out)] == [1, 1, 2]
    assert main(["register", "delete", str(reg), "--unit", "178", "--period", "2025-H1", "--version", "2",
                 "--reason", "nhầm"]) == 0
    assert main(["register", "log", str(reg)]) == 0
    assert main(["register", "add", str(reg), str(tmp_path / "khong_co.xlsx")]) == 2  # a message, not a traceback
    assert "delete" in capsys.readouterr().out
    # without a register, an earlier return named on the command line
    assert main(["validate", str(FIRST), "--previous", str(LAST_YEAR), "--json", str(tmp_path / "p.json")]) == 1
    codes = [f["code"] for f in json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["findings"]]
    assert "period.stock-flow" in codes and "period.jump" in codes
    assert main(["validate", str(FIRST), "--previous", str(SECOND)]) == 4  # same period: not an earlier one
    junk = tmp_path / "khong_phai_so.sqlite"
    junk.write_bytes(b"PK\x03\x04 a zip, not a register")
    assert main(["register", "list", str(junk), "--unit", "20", "--period", "2025"]) == 7
    assert junk.read_bytes() == b"PK\x03\x04 a zip, not a register"
    assert "không phải tệp sổ đăng ký" in capsys.readouterr().err


def test_folder_with_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "nhan"
    folder.mkdir()
    for file in (LAST_YEAR, FIRST, SECOND):
        shutil.copy(file, folder / file.name)
    reg, out = tmp_path / "so.sqlite", tmp_path / "kq"
    assert main(["validate", str(folder), "--register", str(reg), "-o", str(out), "--jobs", "1", "-q"]) == 1
    receipts = json.loads((out / "so_dang_ky_bien_nhan.json").read_text(encoding="utf-8"))
    assert [(r["file"], r["status"], r["version"]) for r in receipts] == [
        (LAST_YEAR.name, "new", 1), (FIRST.name, "new", 1), (SECOND.name, "version", 2)]
    with Register(reg) as register:
        assert [e.version for e in register.history("178")] == [1, 1, 2]


def test_forms_built_differently_are_not_compared(registered: tuple[Path, list[Report]]) -> None:
    path, (last_year, first, _) = registered
    with Register(path) as reg:
        kept = reg.fingerprints_of(reg.latest("178", "2024"))
    assert kept == {form: state.layout.fingerprint for form, state in last_year.forms.items()}
    earlier = as_earlier(last_year, "2024.xlsx")
    assert {f.code for f in check_periods(first, History(previous_year=earlier))} >= {"period.stock-flow"}
    earlier.fingerprints["B15"] = "0" * 16  # Biểu 15 of another catalog version: same codes, other meaning
    assert not [f for f in check_periods(first, History(previous_year=earlier)) if f.form == "B15"]


def test_serve_records_into_the_register(tmp_path: Path) -> None:
    reg = tmp_path / "so.sqlite"
    with running(register=reg) as base:
        status, _, body = upload(base, "/api/validate", [LAST_YEAR, FIRST, SECOND])
    assert status == 200
    files = json.loads(body)["files"]
    assert [(f["receipt"]["status"], f["receipt"]["version"]) for f in files] == [("new", 1), ("new", 1),
                                                                                  ("version", 2)]
    assert "period.stock-flow" in {f["code"] for f in files[1]["findings"]}
    assert _where(files[2]["receipt"]["fixed"]) == {(f["code"], f["form"], f["row"], f["col"])
                                                    for f in EXPECTED["fixed_in_lan2"]}
    with Register(reg) as register:
        assert [(e.period, e.version, e.received_as) for e in register.history("178")] == [
            ("2024", 1, LAST_YEAR.name), ("2025-H1", 1, FIRST.name), ("2025-H1", 2, SECOND.name)]
    junk = tmp_path / "la.sqlite"
    junk.write_text("không phải sổ", encoding="utf-8")
    with pytest.raises(RegisterRefused), running(register=junk):
        pass
