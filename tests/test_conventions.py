"""The conventions a maintainer relies on, checked on every run: layering, types, lint, size of functions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gnbv_templates"
MAX_COMPLEXITY = 15


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_imports_point_down_the_data_flow():
    done = run(str(ROOT / "scripts" / "check-imports"))
    assert done.returncode == 0, done.stdout


def test_the_package_type_checks():
    done = run("-m", "mypy", "gnbv_templates")
    assert done.returncode == 0, done.stdout[-4000:]


def test_ruff_is_clean():
    done = run("-m", "ruff", "check", "gnbv_templates", "tests", "benchmarks", "examples", "scripts/check-imports")
    assert done.returncode == 0, done.stdout[-4000:]


def test_no_function_is_too_complex():
    complex_ = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > MAX_COMPLEXITY:
                complex_.append(f"{path.relative_to(ROOT)}:{block.lineno} {block.name} ({block.complexity})")
    assert not complex_, "\n".join(complex_)
