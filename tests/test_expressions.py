import pytest

from gnbv_templates.forms import expressions as ex


def lookup_from(values):
    return lambda ref: values.get(ref.code if ref.code is not None else (ref.row, ref.col), 0.0)


def test_sum_and_ratio_values():
    node = ex.parse("([2] - [7]) / [18] * 100")
    assert ex.evaluate(node, lookup_from({"2": 120.0, "7": 100.0, "18": 40.0})) == pytest.approx(50.0)
    assert ex.evaluate(node, lookup_from({"2": 1.0, "7": 1.0, "18": 0.0})) is None


def test_excel_text_keeps_precedence_and_guards_division():
    node = ex.bind(ex.parse("[1] - ([2] - [3])"), axis="col", row="05")
    text = ex.to_excel(node, lambda r: f"{r.col}@{r.row}")
    assert text == "1@05-(2@05-3@05)"
    ratio = ex.bind(ex.parse("[9] / [1] * 100"), axis="col", row="01")
    assert ex.to_excel(ratio, lambda r: f"X{r.col}") == 'IFERROR(X9/X1*100,"")'


def test_check_parsing_with_cross_form_refs():
    left, op, right = ex.parse_check("B02[05, 1] = B04[91, 1]")
    assert op == "=="
    assert left == ex.Ref("B02", "05", "1")
    assert right == ex.Ref("B04", "91", "1")


@pytest.mark.parametrize("text", ["[1] +", "__import__('os')", "[1] ** 2", "[]", "[1,2,3]", "(1"])
def test_bad_expressions_are_refused(text):
    with pytest.raises(ex.ExpressionError):
        ex.parse(text)


def test_linearity_decides_precedence():
    assert ex.is_linear(ex.parse("[1] + [2] - [3]"))
    assert not ex.is_linear(ex.parse("[1] / [2] * 100"))
