"""pandas in and out: ``to_frame`` (tidy rows of every sheet) and ``from_frame`` (scenarios back).

Oracles: the printed Figure 11 (Minsheng Securities, 2024-12-26: capex 455.46 / 759.09 / 1138.64
/ 1897.73 亿元, cards 43 / 72 / 108 / 181 万张 for 2024年末 / 保守 / 中性 / 乐观, in
tests/figure11_printed.py), the scenario objects themselves for the round trips, and the CSV
scenario files' messages for the validation (same rules, located by DataFrame row and column).
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import xlsizing
from xlsizing.errors import InvalidInput, ScenarioFileError
from xlsizing.frames import COLUMNS
from xlsizing.scenarios import load_builtin, make_scenario, parse_csv, scenario_values

from figure11_printed import FULL_CAPEX, FULL_CARDS, PRINTED


def test_to_frame_holds_the_printed_figure11():
    df = xlsizing.to_frame()
    assert list(df.columns) == COLUMNS
    fig = df[df.sheet == "Figure 11"]
    for key, full in (("capex_yi", FULL_CAPEX), ("cards_wan", FULL_CARDS)):
        got = fig[fig.key == key].set_index("scenario").value
        assert list(got.index) == ["2024年末", "保守", "中性", "乐观"]
        assert list(got) == pytest.approx(full, rel=1e-12), key
    assert [f"{v:.2f}" for v in fig[fig.key == "capex_yi"].value] == PRINTED["capex_yi"]
    row = fig[(fig.key == "capex_yi") & (fig.scenario == "保守")].iloc[0]
    assert (row.zh, row.unit) == ("豆包大模型创造AI服务器需求", "亿元")


def test_to_frame_of_one_sheet_and_the_wide_one_liner():
    scen = [make_scenario("a", mau_wan=6000, peak_multiplier=4), make_scenario("b", mau_wan=3000, peak_multiplier=2)]
    df = xlsizing.to_frame(scen, sheet="figure11")
    assert set(df.sheet) == {"Figure 11"}
    wide = df.set_index(["key", "scenario"]).value.unstack(sort=False)
    assert list(wide.columns) == ["a", "b"]
    assert list(wide.index) == [r.key for r in xlsizing.SHEETS[0].rows if r.text is None]
    # hand calculation: cards scale with MAU × peak, so b needs a quarter of a's cards
    assert wide.loc["cards_wan", "b"] == pytest.approx(wide.loc["cards_wan", "a"] / 4, rel=1e-12)


def test_tidy_round_trip_gives_the_same_inputs():
    for scen in (load_builtin("figure11"),
                 [make_scenario("moe", mau_wan=5000, peak_multiplier=3, mfu=0.4, batch=128, active_params_yi=370)]):
        back = xlsizing.from_frame(xlsizing.to_frame(scen))
        assert [s.name for s in back] == [s.name for s in scen]
        assert [s.values for s in back] == [s.values for s in scen]
        assert [s.extra for s in back] == [s.extra for s in scen]  # only what the scenario set itself


def test_wide_round_trip_gives_the_same_scenarios():
    scen = load_builtin("figure11")
    wide = pd.DataFrame([{"name": s.name, "name_en": s.name_en, "note": s.note, **scenario_values(s)} for s in scen])
    assert xlsizing.from_frame(wide) == scen


def test_wide_frame_reads_like_the_csv_file():
    text = "name,mau_wan,peak_multiplier,mfu\na,6000,4,0.3\nb,6000,4,\n"
    df = pd.read_csv(__import__("io").StringIO(text))  # the empty mfu cell becomes NaN: the default
    assert xlsizing.from_frame(df) == parse_csv(text)


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"name": ["a", "b"], "mau_wan": [6000, 7000], "peak_multiplier": [4, 4], "mfu": [0.5, 1.5]},
                  index=["x", "y"]),
     "DataFrame row 2 (index 'y'), column 'mfu': scenario 2: mfu = 1.5: must be in (0, 1]"),
    (pd.DataFrame({"name": ["a"], "mau_wan": ["many"], "peak_multiplier": [4]}),
     "DataFrame row 1 (index 0), column 'mau_wan': scenario 1: mau_wan = 'many': must be a number"),
    (pd.DataFrame({"name": ["a"], "mau": [6000]}),
     "DataFrame column 2 ('mau'): unknown key 'mau'"),
    (pd.DataFrame({"name": ["a", "a"], "mau_wan": [6000, 7000], "peak_multiplier": [4, 4]}),
     "DataFrame row 2 (index 1), column 'name': scenario 2: name 'a' is already used by scenario 1"),
    (pd.DataFrame({"name": ["a"], "peak_multiplier": [4]}),
     "DataFrame row 1 (index 0): scenario 1: mau_wan is required"),
])
def test_from_frame_errors_name_the_row_and_column(frame, message):
    with pytest.raises(ScenarioFileError) as e:
        xlsizing.from_frame(frame)
    assert str(e.value).startswith(message), str(e.value)


def test_tidy_errors_name_the_row():
    df = xlsizing.to_frame()
    at = df.index[(df.key == "mfu") & (df.scenario == "保守")][0]
    df.loc[at, "value"] = 2.0
    with pytest.raises(ScenarioFileError, match=rf"^DataFrame row {at + 1} \(index {at}\): scenario 2: mfu = 2: "
                                                r"must be in \(0, 1\]$"):
        xlsizing.from_frame(df)


@pytest.mark.parametrize("call, message", [
    (lambda: xlsizing.from_frame({"name": ["a"]}), "df must be a pandas DataFrame, got dict"),
    (lambda: xlsizing.to_frame([]), "scenarios must be a non-empty list of scenarios"),
    (lambda: xlsizing.to_frame(sheet="figure12"), "unknown sheet 'figure12'"),
])
def test_bad_arguments(call, message):
    with pytest.raises(InvalidInput, match="^" + __import__("re").escape(message)):
        call()


def test_pandas_stays_off_the_import_path():
    # (xlwings itself imports pandas when it is installed, so the Excel functions' path has it anyway)
    code = ("import sys, xlsizing, xlsizing.cli, xlsizing.scenarios, xlsizing.workbook; "
            "print('pandas' in sys.modules); xlsizing.to_frame(); print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]
