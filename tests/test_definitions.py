"""Definitions are checked before use; each mistake names its file and line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gnbv_templates.errors import DefinitionError
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.resources import templates_dir


@pytest.fixture()
def defs(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(templates_dir(), target)
    return target


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def _mutate(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return _line_of(path, new.splitlines()[0] if new else old)


def _problems(directory: Path) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_catalog(directory)
    return info.value.problems


def test_bundled_definitions_are_valid(catalog):
    assert sorted(catalog.forms) == [f"B{i:02d}" for i in range(1, 16)]


def test_unknown_key_names_file_and_line(defs):
    path = defs / "bieu_02.yaml"
    line = _mutate(path, '{code: "05", stt: "2", label:', '{code: "05", stt: "2", lable: "x", label:')
    assert any(p.startswith(f"{path}:{line}:") and "lable" in p for p in _problems(defs))


def test_yaml_syntax_error_names_line(defs):
    path = defs / "bieu_15.yaml"
    text = path.read_text(encoding="utf-8").splitlines()
    text.insert(5, "measure: [hộ")
    path.write_text("\n".join(text), encoding="utf-8")
    problems = _problems(defs)
    assert any(p.startswith(f"{path}:") and "YAML" in p for p in problems)


def test_duplicate_row_code(defs):
    path = defs / "bieu_02.yaml"
    line = _mutate(path, '{code: "08", stt: "3.2"', '{code: "07", stt: "3.2"')
    assert any(p.startswith(f"{path}:{line}:") and "'07'" in p and "trùng" in p for p in _problems(defs))


def test_formula_citing_missing_code(defs):
    path = defs / "bieu_02.yaml"
    line = _mutate(path, 'sum: ["2", "5"]', 'sum: ["2", "50"]')
    assert any(p.startswith(f"{path}:{line}:") and "'50'" in p for p in _problems(defs))


def test_undefined_parent(defs):
    path = defs / "bieu_02.yaml"
    old = 'Tiểu dự án 2: Cải thiện dinh dưỡng", parent: "06"'
    line = _mutate(path, old, old.replace('"06"', '"60"'))
    assert any(p.startswith(f"{path}:{line}:") and "'60'" in p for p in _problems(defs))


def test_unquoted_code_is_a_type_error(defs):
    path = defs / "bieu_02.yaml"
    line = _mutate(path, '{code: "37", label: "Ghi chú"', '{code: 37, label: "Ghi chú"')
    assert any(p.startswith(f"{path}:{line}:") and "kiểu" in p for p in _problems(defs))


def test_formula_cycle_is_reported(defs):
    path = defs / "bieu_02.yaml"
    old = '{code: "3", label: "ĐTPT", heading: ["Kế hoạch vốn năm (sau điều chỉnh)", "Ngân sách trung ương"]}'
    _mutate(path, old, old.replace("]}", '], sum: ["2"]}'))
    assert any("vòng lặp" in p for p in _problems(defs))


def test_unsafe_jinja_is_not_run(defs):
    path = defs / "bieu_02.yaml"
    _mutate(path, 'subtitle: "Địa bàn: {{ unit.name }}"',
            'subtitle: "{{ unit.__class__.__mro__[1].__subclasses__() }}"')
    catalog = load_catalog(defs)  # syntax is fine; running it must be refused by the sandbox
    from jinja2.exceptions import SecurityError

    from gnbv_templates.forms.render import render

    with pytest.raises(SecurityError):
        render(catalog.forms["B02"].subtitle, {"unit": {"name": "x"}})


def test_check_command_exit_codes(defs):
    ok = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "check", str(defs)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    _mutate(defs / "bieu_02.yaml", 'sum: ["2", "5"]', 'sum: ["2", "50"]')
    bad = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "check", str(defs)],
                         capture_output=True, text=True)
    assert bad.returncode == 3
    assert "bieu_02.yaml:" in bad.stderr
    assert "Traceback" not in bad.stderr
