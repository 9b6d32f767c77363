"""The command line speaks one language: argparse's own words and every option's help, Vietnamese or English."""

from __future__ import annotations

import argparse
import gettext

import pytest

from gnbv_templates.cli.language import HELP_EN, speaking
from gnbv_templates.cli.main import build_parser, main


def test_errors_of_the_command_line_in_vietnamese(capsys):
    assert main(["consolidate"]) == 4
    err = capsys.readouterr().err
    assert "thiếu tham số bắt buộc: folder, --unit, --period" in err
    assert "the following" not in err and "required" not in err
    assert main(["validate", "x.xlsx", "--lang", "xx"]) == 4
    assert "lựa chọn không hợp lệ: 'xx' (chọn một trong 'vi', 'en')" in capsys.readouterr().err
    assert main(["khong-co-lenh"]) == 4
    assert "lựa chọn không hợp lệ" in capsys.readouterr().err
    assert main(["serve", "--port", "mot"]) == 4
    assert "giá trị 'mot' không hợp lệ" in capsys.readouterr().err


def test_the_same_in_english_with_lang_en(capsys):
    assert main(["--lang", "en", "consolidate"]) == 4
    err = capsys.readouterr().err
    assert "the following arguments are required" in err and "thiếu" not in err


@pytest.mark.parametrize("argv", [["--help"], ["serve", "--help"], ["validate", "-h"], ["register", "list", "-h"]])
def test_help_is_vietnamese_and_every_option_described(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("cách dùng: gnbv") and "tùy chọn:" in out and "in hướng dẫn này rồi thoát" in out
    assert "usage:" not in out and "options:" not in out and "show this help" not in out


def test_help_in_english(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "en", "serve", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: gnbv serve") and "do not open the browser" in out and "không" not in out


def _actions(parser: argparse.ArgumentParser, name: str = "gnbv"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{name} {choice.dest}", choice
            for sub_name, sub in action.choices.items():
                yield from _actions(sub, f"{name} {sub_name}")
        else:
            yield f"{name} {'/'.join(action.option_strings) or action.dest}", action


def test_every_option_has_help_in_both_languages():
    with speaking("vi"):
        parser = build_parser()
    missing = [where for where, action in _actions(parser) if not action.help]
    assert missing == []
    untranslated = [f"{where}: {action.help}" for where, action in _actions(parser)
                    if action.help not in HELP_EN and action.help != "in hướng dẫn này rồi thoát"]
    assert untranslated == []


def test_argparse_is_itself_again_afterwards():
    main(["consolidate"])
    assert argparse._ is gettext.gettext  # type: ignore[attr-defined]
    assert argparse.ArgumentParser().format_usage().startswith("usage:")
