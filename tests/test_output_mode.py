"""Outputs are written with the mode any program's would have: the user's umask, not a temporary file's 0600."""

from __future__ import annotations

import os
import stat

import pytest

from gnbv_templates.generate.pack import generate
from gnbv_templates.outputs import atomic_path, umask


@pytest.fixture
def mask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_output_follows_the_umask(tmp_path, mask_022):
    with atomic_path(tmp_path / "a.json") as tmp:
        tmp.write_text("{}", encoding="utf-8")
    assert mode(tmp_path / "a.json") == 0o644
    os.umask(0o027)
    with atomic_path(tmp_path / "b.json") as tmp:
        tmp.write_text("{}", encoding="utf-8")
    assert mode(tmp_path / "b.json") == 0o640


def test_a_generated_pack_is_readable_by_others(tmp_path, mask_022):
    assert mode(generate("187", "2025-H1", tmp_path / "pack.xlsx", forms=["B01"])) == 0o644


def test_a_replaced_output_keeps_its_mode(tmp_path, mask_022):
    target = tmp_path / "c.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    with atomic_path(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new" and mode(target) == 0o600


def test_umask_is_read_without_changing_it(mask_022):
    assert umask() == 0o022
    assert umask() == 0o022
