"""Extreme but valid inputs: finite results, or one Error: line naming the scenario and the result.

Oracle: hand calculation and the limits of xlsizing.limits (results within 1e-300 … 1e300, eight
orders of magnitude inside Excel's 2.2251E-308 … 9.99999999999999E+307, Microsoft "Excel
specifications and limits").  mau_wan = 1e300 at the report's defaults: DAU = 1e300 × 0.15 =
1.5e299 万, daily tokens = 40,000 × 1.5e299 / 900 = 6.67e300 亿 > 1e300, the first result out of
range.  mau_wan = 1e-300: DAU = 1.5e-301 < 1e-300.  mau_wan = 1e295: daily tokens 6.67e295,
tokens/s 5.1e290, FLOPS = 2 × 1300e8 × 5.1e290e8 × 4 overflows to inf.
"""

from __future__ import annotations

import pytest

from xlsizing.errors import InvalidInput
from xlsizing.limits import check_results
from xlsizing.scenarios import make_scenario, parse_scenarios

from test_cli import assert_one_error, run


def toml(mau: str, extra: str = "") -> str:
    return f'[[scenario]]\nname = "x"\nmau_wan = {mau}\npeak_multiplier = 4\n{extra}'


BIG = ("s.toml: scenario 'x': daily_tokens_yi (Daily tokens) = 6.66666666666667e+300 overflows: "
       "results must be at most 1e+300 in size; make the inputs smaller")
TINY = ("s.toml: scenario 'x': dau_wan (Daily active users) = 1.5e-301 underflows: "
        "results must be at least 1e-300 in size; make the inputs larger")
INF = ("s.toml: scenario 'x': flops (Compute demand) = inf overflows: "
       "results must be at most 1e+300 in size; make the inputs smaller")


@pytest.mark.parametrize("mau, message", [("1e300", BIG), ("1e-300", TINY), ("1e295", INF)])
@pytest.mark.parametrize("args", [
    ["table"], ["table", "--format", "json"], ["table", "--format", "csv"], ["build", "-o", "o.xlsx"],
    ["batch", "--outdir", "out"], ["batch", "--one-workbook", "o.xlsx"], ["beyond"],
])
def test_extreme_values_are_one_error_line(tmp_path, mau, message, args):
    (tmp_path / "s.toml").write_text(toml(mau), encoding="utf-8")
    p = run(args[0], "s.toml", *args[1:], cwd=tmp_path)
    assert_one_error(p, message)
    assert p.stdout == "" and sorted(x.name for x in tmp_path.iterdir()) == ["s.toml"]


def test_a_grid_value_that_overflows(tmp_path):
    p = run("table", "--base", "保守", "--grid", "mau_wan=1e300", cwd=tmp_path)
    assert_one_error(p, "builtin:figure11 --grid: scenario '保守 mau_wan=1e+300': daily_tokens_yi (Daily tokens) = "
                        "6.66666666666667e+300 overflows: results must be at most 1e+300 in size; make the inputs smaller")


def test_beyond_input_that_overflows(tmp_path):
    p = run("beyond", "--input", "bandwidth_tbs=1e-300", cwd=tmp_path)
    assert_one_error(p)
    assert "decode_cards_wan (Decode cards (roofline))" in p.stderr and "overflows" in p.stderr
    assert "RuntimeWarning" not in p.stderr


def test_daily_tokens_without_users(tmp_path):
    (tmp_path / "s.toml").write_text('[[scenario]]\nname = "x"\ndaily_tokens_yi = 5000\npeak_multiplier = 4\n',
                                     encoding="utf-8")
    for args in (["table"], ["build", "-o", "o.xlsx"], ["batch", "--outdir", "o"]):
        assert_one_error(run(args[0], "s.toml", *args[1:], cwd=tmp_path),
                         "s.toml:3: scenario 1: daily_tokens_yi needs the scenario's users: give mau_wan or dau_wan too")


def test_the_library_check():
    check_results(parse_scenarios(toml("6000")))  # the report's column: in range
    # the limits themselves: 1e300 results pass, results a little beyond do not
    with pytest.raises(InvalidInput, match="overflows"):
        check_results([make_scenario("x", mau_wan=1e300, peak_multiplier=4)])
    check_results([make_scenario("x", mau_wan=1e-290, peak_multiplier=4)])  # every result ≥ 1e-300


def test_array_path_agrees(tmp_path):
    # more than COLUMN_PATH_MAX scenarios take the numpy path: the same first failure, no warning
    many = [make_scenario(f"s{i}", mau_wan=6000, peak_multiplier=4) for i in range(300)]
    many.append(make_scenario("x", mau_wan=1e300, peak_multiplier=4))
    with pytest.raises(InvalidInput, match="scenario 'x': daily_tokens_yi"):
        check_results(many)


@pytest.mark.parametrize("text, message", [
    # found by tests/test_adversarial_scenarios.py: MAU = DAU / activity ratio leaves float range
    ('[[scenario]]\nname = "x"\ndau_wan = 1.7e308\nactivity_ratio = 0.01\npeak_multiplier = 4\n',
     "s.toml:3: scenario 1: mau_wan = dau_wan / activity_ratio = inf overflows; must be > 0 (a finite number)"),
    ('[[scenario]]\nname = "x"\ndau_wan = 1e-320\nmau_wan = 1e300\npeak_multiplier = 4\n',
     "s.toml:3: scenario 1: activity_ratio = dau_wan / mau_wan = 9.99988867182683e-321 / 1e+300 underflows to 0; "  # 1e-320 is subnormal
     "must be in (0, 1]"),
])
def test_derived_inputs_out_of_range(tmp_path, text, message):
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    assert_one_error(run("table", "s.toml", cwd=tmp_path), message)
