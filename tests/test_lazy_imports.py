"""What a command loads: checking one file must not pay for the web server, the batch layer, the register
or openpyxl (with numpy under it), which take longer to import than the check itself takes; nor for
XlsxWriter (a reader has no use for a writer) or Jinja (the texts a check renders only put values in); nor,
once the definitions are compiled and cached, for the YAML parser and cerberus that compile them.  And the
public API still answers every name it lists, loaded on first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gnbv_templates as gnbv
from gnbv_templates.forms.resources import examples_dir

HEAVY = ("starlette", "uvicorn", "openpyxl", "numpy", "xlsxwriter", "jinja2", "tqdm", "gnbv_templates.batch",
         "gnbv_templates.register", "gnbv_templates.serve.app", "gnbv_templates.report.annotate",
         "gnbv_templates.generate")
COMPILING = ("yaml", "cerberus")  # what turns definition files into objects: not needed when those are cached


def _loaded_after(code: str, cache: Path | None = None) -> set[str]:
    env = {**os.environ, "GNBV_CACHE_DIR": str(cache)} if cache else None
    out = subprocess.run([sys.executable, "-c", code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, env=env).stdout.splitlines()[-1]
    return set(json.loads(out))


def _heavy(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy)}


def test_importing_the_package_loads_no_layer() -> None:
    loaded = _loaded_after("import gnbv_templates")
    assert not {m for m in loaded if m.startswith("gnbv_templates.") and m != "gnbv_templates.version"}


def test_validating_one_file_loads_nothing_heavy(tmp_path: Path) -> None:
    path = examples_dir() / "returns" / "huyen_chi_lang_2025-H1_sach.xlsx"
    code = f"from gnbv_templates.cli.main import main\nassert main(['validate', {str(path)!r}]) == 0"
    compiled = _loaded_after(code, tmp_path)  # an empty cache: the definitions are parsed and checked
    assert set(COMPILING) <= compiled
    loaded = _loaded_after(code, tmp_path)  # then read from the cache
    assert "gnbv_templates.report.validate" in loaded  # the check did run
    assert _heavy(loaded) == set()
    assert _heavy(loaded, COMPILING) == set()


def test_writing_the_annotated_copy_loads_openpyxl_only_for_what_the_surgery_leaves_to_it(tmp_path: Path) -> None:
    path = examples_dir() / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx"
    out = tmp_path / "kiem_tra.xlsx"
    loaded = _loaded_after("from gnbv_templates.cli.main import main\n"
                           f"main(['validate', {str(path)!r}, '-o', {str(out)!r}])")
    assert "gnbv_templates.report.annotate" in loaded and out.is_file()
    assert "openpyxl" not in loaded  # the copy was written by the surgery
    fallback = tmp_path / "openpyxl.xlsx"
    loaded = _loaded_after("from gnbv_templates.report.validate import validate\n"
                           "from gnbv_templates.report.annotate import annotate\n"
                           f"annotate(validate({str(path)!r}), {str(fallback)!r}, engine='openpyxl')")
    assert "openpyxl" in loaded and fallback.is_file()


def test_the_command_line_help_loads_no_command() -> None:
    loaded = _loaded_after("from gnbv_templates.cli.main import build_parser\nbuild_parser().format_help()")
    assert _heavy(loaded) == set()
    assert not {m for m in loaded if m.startswith("gnbv_templates.cli.") and m not in
                {"gnbv_templates.cli.main", "gnbv_templates.cli.language", "gnbv_templates.cli.register_options"}}


def test_every_public_name_resolves() -> None:
    for name in gnbv.__all__:
        assert getattr(gnbv, name) is not None, name
    assert set(gnbv.__all__) <= set(dir(gnbv))
    assert gnbv.validate.__module__ == "gnbv_templates.report.validate"
    assert gnbv.Register.__name__ == "Register"


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        gnbv.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")
