"""SIZING_TABLE: a range of scenario inputs in, a whole sized table out through xlwings' DataFrame converter.

Oracles:
* the printed Figure 11 (Minsheng Securities, 2024-12-26, "豆包大模型推理算力需求测算": capex
  455.46 / 759.09 / 1138.64 / 1897.73 亿元, cards 43 / 72 / 108 / 181 万张 for 2024年末 / 保守 /
  中性 / 乐观; tests/figure11_printed.py, with the full-precision values of
  shared/reference/figure11.md), for the headline rows;
* the engine itself (``xlsizing.sheets.evaluate`` on the report's built-in scenarios), for every
  other row: the table must show exactly what the one evaluator computes;
* the sheets' own row definitions (``xlsizing.sheets.SHEETS``) for keys, labels and units;
* the scenario files' rules and messages (same validation), located by the range's row and column.

What Excel receives is produced by xlwings' own code: in-process, ``PandasDataFrameConverter.
write_value`` with the function's return options (the converter stage xlwings runs first); in a
subprocess, the whole classic call path - the real ``xw.func/arg/ret`` decorators (stand-in
pywin32 modules, as in tests/test_udfs_registration.py), ``conversion.read`` of each argument with
its registered options, the call, and ``conversion.write`` with the registered return options -
with a stand-in engine that only does what pywin32's value cleaning does.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from xlwings.conversion import PandasDataFrameConverter

from xlsizing import sheets
from xlsizing.scenarios import load_builtin, to_inputs
from xlsizing.udfs import SIZING_TABLE
from xlsizing.udfs_table import HEADER, RET, scenarios_from_range

from figure11_printed import FULL_CAPEX, FULL_CARDS, PRINTED
from xlwings_classic import PREAMBLE

NAMES = ["2024年末", "保守", "中性", "乐观"]
# the report's four columns as an analyst types them (Figure 11's MAU and peak rows; the rest default)
FIG11_RANGE = [[None, *NAMES],
               ["mau_wan", 6000, 10000, 15000, 20000],
               ["峰值倍数", 4, 4, 4, 5]]


def excel(df) -> list[list]:
    """The cells xlwings' DataFrame converter writes for the function's result."""
    return PandasDataFrameConverter.write_value(df, RET)


def by_key(cells) -> dict[str, list]:
    return {row[1]: row for row in cells[1:]}


def engine(scenarios) -> dict:
    return sheets.evaluate(to_inputs(scenarios))


def table_rows(selected=None):
    return [(s, r) for s in (selected or sheets.SHEETS) for r in s.rows if r.text is None]


# --- the table -------------------------------------------------------------------------------


def test_four_scenarios_spill_every_row_of_every_sheet_as_the_engine_computes_them():
    cells = excel(SIZING_TABLE(FIG11_RANGE))
    assert cells[0] == [*HEADER, *NAMES] == ["sheet", "key", "中文", "English", "unit", *NAMES]
    rows = table_rows()
    assert len(cells) == 1 + len(rows)
    want = engine(load_builtin("figure11"))  # the report's scenarios, evaluated by the engine
    for got, (sheet, row) in zip(cells[1:], rows):
        assert got[:5] == [sheet.title, row.key, row.zh, row.en, row.unit or None], row.key
        assert got[5:] == [float(v) for v in want[row.key]], row.key  # the same numbers, to the bit


def test_headline_rows_are_the_printed_figure11():
    t = by_key(excel(SIZING_TABLE(FIG11_RANGE)))
    assert t["capex_yi"][2:5] == ["豆包大模型创造AI服务器需求", "AI-server capex created", "亿元"]
    assert t["cards_wan"][2:5] == ["需要H20卡数量", "H20 cards needed", "万张"]
    assert t["capex_yi"][5:] == pytest.approx(FULL_CAPEX, rel=1e-12)
    assert t["cards_wan"][5:] == pytest.approx(FULL_CARDS, rel=1e-12)
    assert [f"{v:.2f}" for v in t["capex_yi"][5:]] == PRINTED["capex_yi"]  # 455.46 … 1897.73 as printed
    assert [f"{v:.0f}" for v in t["cards_wan"][5:]] == PRINTED["cards_wan"]
    assert t["mfu"][4] is None  # a ratio: no unit, an empty cell


def test_one_scenario_without_names_is_s1():
    cells = excel(SIZING_TABLE([["mau_wan", 10000], ["peak_multiplier", 4]]))
    assert cells[0] == [*HEADER, "S1"]
    t = by_key(cells)
    # 保守: 10000万 MAU at peak 4 -> 759.09亿元 (the printed Figure 11)
    assert t["capex_yi"][5] == pytest.approx(FULL_CAPEX[1], rel=1e-12)
    assert f"{t['capex_yi'][5]:.2f}" == "759.09"
    assert t["total_params_yi"][5] == 1300.0  # the Beyond sheet follows Figure 11's parameters


def test_labels_in_either_language_any_case_and_empty_cells_mean_defaults():
    t = by_key(excel(SIZING_TABLE([[None, "a", "b"], ["MAU", 10000, 10000], ["峰值倍数", 4, 4],
                                   ["model flops utilization", None, 0.5], ["", None, None]])))
    assert t["mfu"][5:] == [0.5, 0.5]  # empty = the default 50%
    assert t["capex_yi"][5] == t["capex_yi"][6] == pytest.approx(FULL_CAPEX[1], rel=1e-12)


def test_a_changed_input_moves_the_table_like_the_engine():
    rng = [[None, "lo", "hi"], ["mau_wan", 10000, 10000], ["peak_multiplier", 4, 4], ["mfu", 0.25, 0.5]]
    t = by_key(excel(SIZING_TABLE(rng)))
    # hand calculation: cards = FLOPS / (TFLOPS × MFU), so half the MFU needs twice the cards
    assert t["cards_wan"][5] == pytest.approx(2 * t["cards_wan"][6], rel=1e-12)
    want = engine(scenarios_from_range(rng))
    assert t["cards_wan"][5:] == [float(v) for v in want["cards_wan"]]


def test_the_scenario_files_conveniences_work_as_rows():
    # dau_wan instead of mau_wan (MAU = DAU / 15%): 1500万 DAU is the report's 保守 column (10000万 MAU)
    t = by_key(excel(SIZING_TABLE([["dau_wan", 1500], ["peak_multiplier", 4]], "figure11")))
    assert t["mau_wan"][5] == pytest.approx(10000, rel=1e-12)
    assert t["capex_yi"][5] == pytest.approx(FULL_CAPEX[1], rel=1e-12)


def test_rows_layout_is_the_transposed_range():
    rows = [list(c) for c in zip(*FIG11_RANGE)]  # keys across the first row, a scenario per row
    assert excel(SIZING_TABLE(rows)) == excel(SIZING_TABLE(rows, "", "rows")) == excel(SIZING_TABLE(FIG11_RANGE))
    named = [["name", "mau_wan", "peak_multiplier"], ["x", 10000, 4]]
    assert excel(SIZING_TABLE(named))[0] == [*HEADER, "x"]


def test_text_rows_name_and_accelerator():
    t = excel(SIZING_TABLE([["name", "fp8"], ["mau_wan", 10000], ["peak_multiplier", 4],
                            ["accelerator", "H20"], ["precision", "fp8"]], "figure11"))
    assert t[0][-1] == "fp8"
    # the catalog's H20: 296 TFLOPS dense at FP8 (twice the 148 of BF16), so half the cards
    assert by_key(t)["card_tflops"][5] == 296.0
    assert by_key(t)["capex_yi"][5] == pytest.approx(FULL_CAPEX[1] / 2, rel=1e-12)


@pytest.mark.parametrize("sheet, title", [("figure11", "Figure 11"), ("Beyond", "Beyond"),
                                          (" economics ", "Economics")])
def test_one_sheet(sheet, title):
    cells = excel(SIZING_TABLE(FIG11_RANGE, sheet))
    chosen = sheets.get(title)
    assert [(r[0], r[1]) for r in cells[1:]] == [(s.title, r.key) for s, r in table_rows([chosen])]


def test_a_scenario_named_like_a_label_column_keeps_its_place():
    cells = excel(SIZING_TABLE([[None, "unit", "key"], ["mau_wan", 6000, 10000], ["peak_multiplier", 4, 4]]))
    assert cells[0] == [*HEADER, "unit", "key"]
    assert by_key(cells)["capex_yi"][4:] == ["亿元", pytest.approx(FULL_CAPEX[0]), pytest.approx(FULL_CAPEX[1])]


def test_the_worked_example_of_docs_excel_md():
    cells = excel(SIZING_TABLE([[None, "保守", "乐观"], ["mau_wan", 10000, 20000], ["峰值倍数", 4, 5],
                                ["MFU", None, 0.4]], "figure11"))
    assert len(cells) == 21 and len(cells[0]) == 7  # the header and Figure 11's 20 rows (its formula line is text)
    capex = by_key(cells)["capex_yi"]
    # 保守: the printed 759.09; 乐观 at MFU 40%: the printed 乐观 column's 1897.73 × 0.5 / 0.4
    # (cards, hence capex, ∝ 1 / MFU)
    assert [f"{v:.2f}" for v in capex[5:]] == ["759.09", "2372.16"]
    assert capex[6] == pytest.approx(FULL_CAPEX[3] * 0.5 / 0.4, rel=1e-12)


# --- one message, never a traceback ----------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (([["mau_wan", 10000], ["mfu", 1.5]],), "inputs row 2 (mfu), column 2: mfu = 1.5: must be in (0, 1]"),
    (([["mau_wan", 10000], ["peak_multiplier", 4], ["mfuu", 0.5]],),
     "inputs row 3, column 1: unknown row key 'mfuu' (did you mean 'mfu'?); allowed: the keys of "
     "templates/scenarios-starter.toml"),
    (([["mau_wan", 10000], ["峰值倍", 4]],),
     "inputs row 2, column 1: unknown row key '峰值倍' (did you mean '峰值倍数'?); allowed: the keys of "
     "templates/scenarios-starter.toml"),
    (([["mau_wan", 10000], ["capex_yi", 759]],), "inputs row 2, column 1: 'capex_yi' is a computed row; "
                                                 "give input rows only"),
    (([["mau_wan", 10000], ["H20 cards needed", 72]],),
     "inputs row 2, column 1: 'H20 cards needed' is the computed row cards_wan; give input rows only"),
    (([["DAU", 1500], ["peak_multiplier", 4]],),
     "inputs row 1, column 1: 'DAU' is the computed row dau_wan; give input rows only (or write the key dau_wan: "
     "scenario files take it as an input)"),
    (([["mau_wan", 10000], ["peak_multiplier", "#N/A"]],),
     "inputs row 2 (peak_multiplier), column 2: peak_multiplier is the error #N/A"),
    (([["mau_wan", 10000], ["peak_multiplier", "4x"]],),
     "inputs row 2 (peak_multiplier), column 2: peak_multiplier = '4x': must be a number"),
    (([[None, "a", "b"], ["mau_wan", 10000, 6000], ["peak_multiplier", 4, None]],),
     "inputs column 3 ('b'): peak_multiplier is required (Peak multiplier, ×)"),
    (([[None, "a", "a"], ["mau_wan", 10000, 6000], ["peak_multiplier", 4, 4]],),
     "inputs row 1 (name), column 3: name 'a' is already used by column 2 ('a'); names must be unique"),
    (([["name", "mau_wan", "peak_multiplier"], ["x", 10000, 4], ["y", 6000, "abc"]],),
     "inputs column 3 (peak_multiplier), row 3: peak_multiplier = 'abc': must be a number"),
    (([["mau_wan", 10000], ["MAU", 6000]],),
     "inputs row 2 (mau_wan), column 1: mau_wan is given twice (also row 1, column 1)"),
    (([["mau_wan", 10000], [None, 4]],), "inputs row 2, column 1: values without a row key; write a key (e.g. "
                                         "mau_wan) or its label in the first cell"),
    (([["mau_wan", 10000], [True, 4]],), "inputs row 2, column 1: a row key must be text (e.g. mau_wan, or a "
                                         "label), got TRUE"),
    (([[None, "a"], ["mau_wan", None], ["peak_multiplier", None]],), "inputs column 2 ('a'): mau_wan is required "
                                                                     "(Monthly active users, 万人) — or give dau_wan"),
    (([["mau_wan", None], ["peak_multiplier", None]],),
     "inputs hold no scenario: every column after the row keys is empty"),
    (([["mau_wan"], ["peak_multiplier"]],),
     "inputs must hold a column of row keys and a column per scenario, got one column"),
    ((7,), "inputs must be a range: row keys (or labels) in the first column, a column per scenario, "
           "got a single value"),
    (([["mau_wan", 1, 2], ["peak_multiplier", 4]],),
     "inputs must be a rectangular range, got rows of different lengths"),
    ((FIG11_RANGE, "figure12"),
     "unknown sheet 'figure12' (did you mean 'figure11'?); allowed: figure11, beyond, economics"),
    ((FIG11_RANGE, [["figure11", "beyond"]]), "sheet must be a single cell, got a range"),
    ((FIG11_RANGE, "", "diagonal"), "layout must be \"columns\", \"rows\" or empty, got 'diagonal'"),
    ((FIG11_RANGE, 3), "sheet must be a sheet's key or title (figure11, beyond, economics) or empty, got 3"),
])
def test_bad_inputs_give_one_message_in_one_cell(args, message):
    assert excel(SIZING_TABLE(*args)) == [[message]]


def test_a_long_message_is_cut_to_one_readable_line():
    [[msg]] = excel(SIZING_TABLE([["mau_wan", 10000], ["peak_multiplier", 4], ["accelerator", "B300"]]))
    assert msg.startswith("inputs row 3 (accelerator), column 2: accelerator = 'B300': ") and len(msg) <= 160
    assert "\n" not in msg and "Traceback" not in msg


def test_a_value_beyond_the_largest_number_shows_num_as_the_other_functions_do(monkeypatch):
    import xlsizing.frames as frames

    real = frames.to_frame

    def overflowing(scenarios, sheet=None):  # as if a computed row overflowed for the second scenario
        df = real(scenarios, sheet)
        df.loc[(df.key == "flops") & (df.scenario == "保守"), "value"] = float("inf")
        return df

    monkeypatch.setattr(frames, "to_frame", overflowing)
    flops = by_key(excel(SIZING_TABLE(FIG11_RANGE, "figure11")))["flops"]
    assert f"{flops[5]:.5E}" == PRINTED["flops"][0]  # 2024年末 untouched: the printed 3.20988E+19
    assert flops[6] == "#NUM!"


def test_an_unexpected_failure_is_a_message_too(monkeypatch):
    import xlsizing.udfs_table as m

    monkeypatch.setattr(m, "sizing_frame", lambda *a: 1 / 0)
    assert excel(SIZING_TABLE(FIG11_RANGE)) == [["xlsizing internal error: ZeroDivisionError: division by zero"]]


# --- xlwings' real classic call path, and the import path ------------------------------------

SCRIPT = PREAMBLE + r'''
import pandas as pd

class StubEngineImpl:
    """What pywin32's engine does to values: error ints -> text and empty -> None on the way in
    (clean_value_data); NaN/None -> "" and numpy numbers -> float on the way out (prepare_xl_data_element)."""
    name, type = "excel", "desktop"
    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        errs = {-2146826246: "#N/A", -2146826281: "#DIV/0!"}
        return [[(errs[c] if err_to_str else None) if type(c) is int and c in errs
                 else (empty_as if c in ("", None) else c) for c in row] for row in data]
    @staticmethod
    def prepare_xl_data_element(x, date_format):
        if pd.isna(x):
            return ""
        return float(x) if hasattr(x, "dtype") else x

from xlwings import conversion
xlwings.engines.add(xlwings.main.Engine(impl=StubEngineImpl()))
f = m.SIZING_TABLE
info = f.__xlfunc__
calls = json.loads(sys.stdin.read())
out = []
for raw in calls:  # what call_udf does for values passed by Excel: read each argument, call, write
    args = [conversion.read(None, a, info["args"][i]["options"]) for i, a in enumerate(raw)]
    out.append({"read": args, "written": conversion.write(f(*args), None, info["ret"]["options"])})
print(json.dumps({"ret": info["ret"]["options"], "category": info["category"], "doc": info["ret"]["doc"],
                  "args": [(a["name"], a["options"], a.get("optional", "<required>")) for a in info["args"]],
                  "calls": out}, ensure_ascii=False))
'''

# pywin32 hands a range's values over as a tuple of rows: None for empty cells, ints for error cells
CALLS = [
    [[[None, *NAMES], ["mau_wan", 6000, 10000, 15000, 20000], ["峰值倍数", 4, 4, 4, 5],
      ["mfu", None, None, None, 0.5]]],
    [[["mau_wan", 10000], ["peak_multiplier", 4]], "figure11"],
    [[["mau_wan", 10000], ["peak_multiplier", -2146826246]]],
    [[["mau_wan", 10000], ["mfu", 1.5]]],
    [[["mau_wan", 10000], ["pea_multiplier", 4]]],
]


@pytest.fixture(scope="module")
def classic():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], input=json.dumps(CALLS), capture_output=True, text=True,
                          timeout=300, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_registered_with_the_dataframe_converter(classic):
    assert classic["ret"] == RET == {"convert": "df", "index": False, "header": True}
    assert classic["category"] == "xlsizing"
    assert classic["doc"] == SIZING_TABLE.__doc__.strip().splitlines()[0] and len(classic["doc"]) <= 255
    assert classic["args"] == [["inputs", {"ndim": 2, "err_to_str": True}, "<required>"],
                               ["sheet", {"ndim": 2, "err_to_str": True}, ""],
                               ["layout", {"ndim": 2, "err_to_str": True}, ""]]


def test_classic_call_path_writes_the_table(classic):
    four, one, error, rule, typo = (c["written"] for c in classic["calls"])
    assert four[0] == [*HEADER, *NAMES]
    want = engine(load_builtin("figure11"))
    rows = table_rows()
    assert len(four) == 1 + len(rows)
    for got, (sheet, row) in zip(four[1:], rows):
        # an empty unit arrives as "" (pywin32's cleaning of None), numbers as floats, to the bit
        assert got == [sheet.title, row.key, row.zh, row.en, row.unit, *[float(v) for v in want[row.key]]], row.key
    assert [f"{v:.2f}" for v in by_key(four)["capex_yi"][5:]] == PRINTED["capex_yi"]
    assert one[0] == [*HEADER, "S1"] and len(one) == 1 + len(table_rows([sheets.FIGURE11]))
    assert f"{by_key(one)['capex_yi'][5]:.2f}" == "759.09"  # 保守: the printed 759.09亿元
    assert error == [["inputs row 2 (peak_multiplier), column 2: peak_multiplier is the error #N/A"]]
    assert classic["calls"][2]["read"][0][1] == ["peak_multiplier", "#N/A"]  # err_to_str: the error as text
    assert rule == [["inputs row 2 (mfu), column 2: mfu = 1.5: must be in (0, 1]"]]
    assert typo == [["inputs row 2, column 1: unknown row key 'pea_multiplier' (did you mean 'peak_multiplier'?); "
                     "allowed: the keys of templates/scenarios-starter.toml"]]
    assert classic["calls"][1]["read"][1] == [["figure11"]]  # a single cell, read as a 1×1 range


def test_registering_needs_no_pandas():
    # pandas blocked: xlwings then registers no DataFrame converter, and xlsizing.udfs still imports
    # (the string alias "df" needs nothing at import); without the block, xlsizing.udfs imports no
    # pandas module that xlwings has not already imported
    code = ("import sys; sys.modules['pandas'] = None; import xlsizing.udfs as u; print(u.SIZING_TABLE.__name__)\n")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120).stdout.split() == ["SIZING_TABLE"]
    code = ("import sys, xlwings; before = set(sys.modules); import xlsizing.udfs\n"
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] == 'pandas'))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120).stdout.strip() == "[]"
