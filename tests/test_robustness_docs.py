"""docs/robustness.md stays true: every test it names exists, every code and refusal reason it names is real,
and every refusal reason the code can give is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from gnbv_templates.findings import CODES

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
TABLE_ROWS = [line for line in DOC.splitlines() if line.startswith("| ") and not line.startswith("| Trường hợp")
              and not line.startswith("| Giới hạn") and "---" not in line]


def _tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test")}


def test_every_case_names_a_test_that_exists():
    cases = [row for row in TABLE_ROWS if "safety." not in row and "reader." not in row and "identify." not in row]
    assert len(cases) > 60
    for row in cases:
        named = re.findall(r"`(test_[\w]+\.py)::(test_\w+)`", row)
        assert named, f"no test named for: {row[:80]}"
        for module, test in named:
            assert test in _tests(ROOT / "tests" / module), f"{module}::{test} does not exist"


def test_every_code_in_the_doc_exists():
    mentioned = set(re.findall(r"`((?:value|structure|identity|derived|relation|rule|file)\.[a-z-]+)`", DOC))
    assert mentioned and mentioned <= set(CODES), mentioned - set(CODES)


def test_every_refusal_reason_is_documented():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "gnbv_templates").rglob("*.py"))
    given = set(re.findall(r'refuse\(\s*"([a-z-]+)"', source)) | set(re.findall(r'reason="([a-z-]+)"', source))
    assert len(given) > 15
    missing = {reason for reason in given if f"`{reason}`" not in DOC}
    assert not missing, f"refusal reasons not in docs/robustness.md: {missing}"
