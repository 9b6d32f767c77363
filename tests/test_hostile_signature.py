"""The issuing office's signature: with its key, an issued pack is told from one whose metadata was forged;
without a key, validation behaves as before."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest
from conftest import ISSUED
from returns import as_json, clean_data
from test_hostile_returns import COUNT, forge_metadata

from gnbv_templates.errors import UsageError
from gnbv_templates.forms.metadata import META_SHEET
from gnbv_templates.forms.signature import load_key
from gnbv_templates.generate.pack import fill, generate
from gnbv_templates.report.validate import validate

KEY = b"0123456789abcdef-office-secret"


@pytest.fixture(scope="module")
def signed(tmp_path_factory, catalog, units):
    """A pack issued with the key, then filled by the unit as usual."""
    tmp = tmp_path_factory.mktemp("signed")
    (tmp / "office.key").write_bytes(KEY + b"\n")
    template = generate("187", "2025-H1", tmp / "template.xlsx", units=units, catalog=catalog, issued=ISSUED,
                        key=load_key(tmp / "office.key"))
    data = tmp / "data.json"
    data.write_text(json.dumps(as_json(clean_data(catalog, units, "187"))), encoding="utf-8")
    return tmp, fill(template, data, tmp / "return.xlsx", catalog=catalog)


def codes(path, catalog, key=None):
    return {f.code for f in validate(path, catalog=catalog, key=key).findings}


def test_an_issued_and_filled_pack_verifies(signed, catalog):
    _, path = signed
    assert codes(path, catalog, KEY) == set()
    assert codes(path, catalog) == set()  # without a key: as before


def test_forged_metadata_breaks_the_signature(signed, catalog):
    tmp, path = signed
    book = openpyxl.load_workbook(path)
    forge_metadata(book, lambda m: setattr(m, "forms", [f for f in m.forms if f["id"] != "B01"]))
    book["Biểu 01"][COUNT[1]] = -5
    book.save(tmp / "forged.xlsx")
    assert "identity.signature-invalid" in codes(tmp / "forged.xlsx", catalog, KEY)


def test_a_signature_copied_onto_other_metadata_is_invalid(signed, catalog):
    tmp, path = signed
    book = openpyxl.load_workbook(path)
    forge_metadata(book, lambda m: setattr(m, "period", "2025"))
    book.save(tmp / "other_period.xlsx")
    assert "identity.signature-invalid" in codes(tmp / "other_period.xlsx", catalog, KEY)


def test_another_key_does_not_verify(signed, catalog):
    _, path = signed
    assert codes(path, catalog, b"another office's key, 32 bytes!!") == {"identity.signature-invalid"}


def test_an_unsigned_pack_is_not_taken_for_an_issued_one(signed, catalog):
    tmp, path = signed
    book = openpyxl.load_workbook(path)
    ws = book[META_SHEET]
    for row in ws.iter_rows(max_row=40):
        if row[0].value == "meta_signature":
            for cell in row:
                cell.value = None
    book.save(tmp / "unsigned.xlsx")
    assert codes(tmp / "unsigned.xlsx", catalog, KEY) == {"identity.unsigned"}


def test_a_short_or_missing_key_file_is_a_usage_error(tmp_path):
    (tmp_path / "short.key").write_bytes(b"abc")
    for path in (tmp_path / "short.key", tmp_path / "none.key"):
        with pytest.raises(UsageError):
            load_key(path)


def test_cli_generate_and_validate_with_a_key(signed, tmp_path):
    tmp, path = signed
    run = [sys.executable, "-m", "gnbv_templates.cli"]
    ok = subprocess.run([*run, "validate", str(path), "--key", str(tmp / "office.key")], capture_output=True,
                        text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    made = subprocess.run([*run, "generate", "--unit", "187", "--period", "2025-H1", "--key", str(tmp / "office.key"),
                           "-o", str(tmp_path / "pack.xlsx")], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    book = openpyxl.load_workbook(tmp_path / "pack.xlsx")
    assert any(row[0].value == "meta_signature" for row in book[META_SHEET].iter_rows(max_row=40))
