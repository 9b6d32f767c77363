"""Findings are data; wording comes from one table per language, rendered at output."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gnbv_templates.cli.main import main
from gnbv_templates.findings import CODES, Phrase, make, text
from gnbv_templates.findings.docs import findings_markdown
from gnbv_templates.findings.messages import TABLES
from gnbv_templates.report.validate import validate

ROOT = Path(__file__).resolve().parent.parent
_FIELDS = re.compile(r"\{(\w+)")


def test_every_code_has_a_message_in_every_language_and_nothing_else():
    for lang, module in TABLES.items():
        assert set(module.FINDINGS) == set(CODES), (lang, set(module.FINDINGS) ^ set(CODES))


def test_every_text_exists_in_every_language_with_the_same_fields():
    vi = TABLES["vi"]
    for lang, module in TABLES.items():
        assert set(module.TEXTS) == set(vi.TEXTS), (lang, set(module.TEXTS) ^ set(vi.TEXTS))
        for key, template in module.TEXTS.items():
            assert set(_FIELDS.findall(template)) == set(_FIELDS.findall(vi.TEXTS[key])), (lang, key)


def test_a_finding_holds_no_wording_and_renders_in_the_language_asked():
    finding = make("derived.sum-mismatch", form="B02", cell="D14", value=5.0, expected=7.0,
                   params={"declaration": "D14 = D15 + D16", "hint": Phrase("hint.formula-gone")})
    assert not any(isinstance(v, str) and "Tổng" in v for v in vars(finding).values())
    vi, en = finding.message(), finding.message("en")
    assert vi.startswith("Tổng 5 không bằng") and "khôi phục công thức" in vi
    assert en.startswith("The total 5 is not") and "restore it" in en
    assert finding.as_dict("en")["message"] == en and "params" not in finding.as_dict()


def test_a_rule_finding_renders_the_rules_own_templates():
    finding = make("rule.failed", rule="b02.x", value=3.0, expected=2.0,
                   params={"left": 3.0, "right": 2.0, "template_vi": "Trái {left} > phải {right}",
                           "template_en": "Left {left} > right {right}"})
    assert (finding.message(), finding.message("en")) == ("Trái 3 > phải 2", "Left 3 > right 2")
    no_english = make("rule.failed", rule="b02.x", params={"left": 1, "template_vi": "Chỉ {left}"})
    assert no_english.message("en") == "Chỉ 1"


def test_findings_doc_is_generated_from_the_tables():
    committed = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert committed == findings_markdown(), (
        "docs/findings.md is stale: python -m gnbv_templates.findings.docs > docs/findings.md"
    )
    assert all(f"`{code}`" in committed for code in CODES)


def test_lang_en_reaches_the_command_lines_own_errors(capsys, tmp_path):
    missing = tmp_path / "khong_co.xlsx"
    code = main(["validate", str(missing), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("Error: ") and "Lỗi" not in err
    code = main(["validate", str(missing)])
    assert code == 2 and capsys.readouterr().err.startswith("Lỗi: ")
    code = main(["validate", "--lang", "en", "--no-such-option"])
    err = capsys.readouterr().err
    assert code == 4 and err.startswith("Error: Invalid command") and "Lệnh" not in err


def test_lang_en_reaches_the_validation_lines(capsys, tmp_path):
    faulty = ROOT / "examples" / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx"
    out = tmp_path / "kq.json"
    code = main(["validate", str(faulty), "--lang", "en", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 1 and "errors," in printed and "[Error]" in printed and "JSON report" in printed
    english = [f["message"] for f in json.loads(out.read_text(encoding="utf-8"))["findings"]]
    vietnamese = [f.message() for f in validate(faulty).findings]
    assert len(english) == len(vietnamese) > 5
    assert all(en and en != vi for en, vi in zip(english, vietnamese, strict=True))


def test_program_texts_fall_back_to_vietnamese_for_an_unknown_language():
    assert text("status.missing", "fr") == "chưa nộp" and text("status.missing", "en") == "not submitted"
