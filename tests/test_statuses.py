"""A file's status in a folder run is a stable code in data, and a label (from the tables) where people read."""

from __future__ import annotations

import json

from python_calamine import CalamineWorkbook

from gnbv_templates.batch.consolidate import PROVENANCE_SHEET, consolidate
from gnbv_templates.batch.folder import validate_folder
from gnbv_templates.batch.results import HAS_ERRORS, MISSING, PROGRAM_ERROR, UNREADABLE, VALID, status_label
from gnbv_templates.forms.resources import examples_dir

FOLDER = examples_dir() / "district_returns"
CODES = (VALID, HAS_ERRORS, UNREADABLE, MISSING, PROGRAM_ERROR)


def test_statuses_are_codes_with_a_label_in_each_language():
    assert CODES == ("valid", "has-errors", "unreadable", "missing", "program-error")
    for code in CODES:
        vi, en = status_label(code), status_label(code, "en")
        assert vi and en and vi != en and vi != code


def test_summary_json_carries_the_code_and_the_label(tmp_path):
    report = validate_folder(FOLDER, outdir=tmp_path / "kq", parent="20", period="2025-H1", jobs=1)
    data = json.loads(report.summary_json.read_text(encoding="utf-8"))
    rows = data["units"]
    assert {row["status_code"] for row in rows} <= set(CODES)
    assert {MISSING, VALID, HAS_ERRORS} <= {row["status_code"] for row in rows}
    assert all(row["status"] == status_label(row["status_code"]) for row in rows)


def test_the_provenance_sheet_shows_labels_not_codes(tmp_path):
    out = consolidate(FOLDER, "20", "2025-H1", tmp_path / "tong.xlsx", jobs=1)
    grid = CalamineWorkbook.from_path(str(out.path)).get_sheet_by_name(PROVENANCE_SHEET).to_python()
    shown = {str(v) for row in grid for v in row}
    assert status_label(VALID) in shown and VALID not in shown and HAS_ERRORS not in shown
