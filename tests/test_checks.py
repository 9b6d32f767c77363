"""The validator is a pipeline of small checks: each declares the codes it emits; a failing check is one finding."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import corpus as C
import pytest

from gnbv_templates.batch.folder import FolderReport, check_one
from gnbv_templates.batch.results import EXIT_PROGRAM_ERROR, PROGRAM_ERROR
from gnbv_templates.check import pipeline as pl
from gnbv_templates.check.header import HeaderCheck
from gnbv_templates.findings import CODES
from gnbv_templates.findings.messages import TABLES
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.read.reader import open_return
from gnbv_templates.report.validate import validate

ROOT = Path(__file__).resolve().parent.parent
INTERNAL = "internal.check-failed"


def test_every_check_declares_known_codes_with_messages_in_every_language():
    names = [check.name for check in pl.CHECKS]
    assert len(set(names)) == len(names) and all(names)
    for check in pl.CHECKS:
        assert check.codes and set(check.codes) <= set(CODES), (check.name, set(check.codes) - set(CODES))
        for lang, table in TABLES.items():
            missing = [code for code in check.codes if not table.FINDINGS.get(code)]
            assert not missing, (check.name, lang, missing)
    assert TABLES["vi"].FINDINGS[INTERNAL] and TABLES["en"].FINDINGS[INTERNAL]


def test_every_code_written_in_a_check_module_is_declared_there():
    for check in pl.CHECKS:
        source = Path(inspect.getfile(type(check))).read_text(encoding="utf-8")
        written = {node.value for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.Constant) and node.value in CODES}
        declared = {code for other in pl.CHECKS if inspect.getfile(type(other)) == inspect.getfile(type(check))
                    for code in other.codes}
        assert written <= declared, (check.name, written - declared)


DISTRICTS = sorted((C.RETURNS.parent / "district_returns").glob("*.xlsx"))[:6]


@pytest.mark.parametrize("path", [C.CLEAN, C.FAULTY, *DISTRICTS], ids=lambda p: p.name)
def test_every_code_a_check_emits_is_declared(path, catalog):
    rules = load_rules()
    ret = open_return(path)
    try:
        pipeline = pl.Pipeline(ret, catalog, rules)
        outcome = pipeline.run()
    finally:
        ret.close()
    declared = {check.name: set(check.codes) for check in pl.CHECKS}
    for name, emitted in pipeline.emitted.items():
        assert emitted <= declared[name], (name, emitted - declared[name])
    assert {f.code for f in outcome.findings} <= set().union(*pipeline.emitted.values())


def test_a_check_that_raises_is_one_finding_and_the_others_still_run(catalog, monkeypatch):
    clean = validate(C.FAULTY, catalog=catalog)

    def broken(self, ctx):
        yield from ()
        raise KeyError("bug")

    monkeypatch.setattr(HeaderCheck, "run", broken)
    report = validate(C.FAULTY, catalog=catalog)  # not refused: the file is not to blame
    [failed] = report.by_code(INTERNAL)
    assert failed.params["check"] == "header" and failed.severity == "error"
    assert "header" in failed.message() and "không phải lỗi của tệp" in failed.message()
    assert "not the file's fault" in failed.message("en")
    assert [f for f in report.findings if f.code != INTERNAL] == clean.findings  # every other check ran


def test_the_pipeline_stops_where_the_file_cannot_be_trusted(catalog, monkeypatch):
    ran = []
    for check in pl.CHECKS:
        original = type(check).run

        def spy(self, ctx, original=original):
            ran.append(self.name)
            return original(self, ctx)

        monkeypatch.setattr(type(check), "run", spy)
    monkeypatch.setattr(type(catalog), "version", property(lambda self: "1999.1"), raising=False)
    report = validate(C.CLEAN, catalog=catalog)
    assert [f.code for f in report.findings if f.severity == "error"] == ["structure.catalog-version"]
    assert ran[-1] == "identity" and "values" not in ran


def test_a_program_error_in_a_folder_run_is_not_an_unreadable_file(monkeypatch, tmp_path):
    def bug(self, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(pl.Pipeline, "run", bug)
    result = check_one((str(C.CLEAN), None, False, None, None))
    assert result.status == PROGRAM_ERROR and "ZeroDivisionError" in result.message
    assert "chương trình" in result.message and "program" in result.message_en
    report = FolderReport([result], None, tmp_path / "a.xlsx", tmp_path / "a.json")
    assert report.exit_code == EXIT_PROGRAM_ERROR != 2
