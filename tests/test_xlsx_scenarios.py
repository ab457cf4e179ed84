"""Scenarios from an Excel workbook, in both layouts, wherever a scenario file is accepted.

Oracles: the scenario objects a workbook was written from (a workbook written by xlsizing read
back gives them again), the same table as a CSV scenario file (``parse_csv``), and hand-made
workbooks whose every cell is set below; error messages name the cell as Excel does
(``'My model'!C5``).
"""

from __future__ import annotations

import openpyxl
import pytest

from xlsizing.errors import ScenarioFileError
from xlsizing.loading import load_any
from xlsizing.scenarios import load_builtin, make_scenario, parse_csv
from xlsizing.workbook import write_workbook
from xlsizing.xlsx_scenarios import load_xlsx

from test_cli import REPO, assert_one_error, run


def book(path, rows, title="Sheet1"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_the_template_gives_the_report_scenarios():
    assert load_xlsx(REPO / "templates" / "figure11.xlsx") == load_builtin("figure11")


def test_a_written_workbook_gives_its_scenarios_back(tmp_path):
    scen = [make_scenario("MoE", mau_wan=5000, peak_multiplier=3, mfu=0.4, batch=128, active_params_yi=370),
            make_scenario("dense", mau_wan=8000, peak_multiplier=4)]
    path = write_workbook(scen, tmp_path / "m.xlsx")
    back = load_any(path)  # by extension, as every command reads scenario files
    assert [(s.name, s.values, s.extra) for s in back] == [(s.name, s.values, s.extra) for s in scen]


def test_a_table_reads_like_the_csv_file(tmp_path):
    path = book(tmp_path / "t.xlsx", [["name", "mau_wan", "peak_multiplier", "mfu"], ["a", 6000, 4, 0.3],
                                      ["b", 6000, 4, None], [None, None, None, None]], "假设")
    assert load_xlsx(path) == parse_csv("name,mau_wan,peak_multiplier,mfu\na,6000,4,0.3\nb,6000,4,\n",
                                        str(path))


def test_a_table_of_dau_reads_like_the_csv_file(tmp_path):
    # dau_wan stands for mau_wan (÷ the activity ratio), in a workbook table as in a CSV file; it
    # used to be dropped from the table before mau_wan was looked for ("mau_wan is required")
    path = book(tmp_path / "d.xlsx", [["name", "dau_wan", "peak_multiplier"], ["a", 900, 4]])
    want = parse_csv("name,dau_wan,peak_multiplier\na,900,4\n", str(path))
    assert load_xlsx(path) == want
    assert want[0].values["mau_wan"] == pytest.approx(6000.0, rel=1e-15)  # 900 / 15% (Figure 11's ratio)


def test_an_analysts_own_layout_with_labels(tmp_path):
    path = tmp_path / "own.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "My model"
    ws["A1"] = "My assumptions (万人, ×)"
    ws["B3"], ws["C3"] = "base", "high"
    ws["A4"], ws["B4"], ws["C4"] = "MAU", 6000, 9000  # the template's Chinese label of mau_wan
    ws["A5"], ws["B5"], ws["C5"] = "Peak multiplier", 4, 5  # its English label of peak_multiplier
    ws["A6"], ws["B6"], ws["C6"] = "mfu", 0.5, "=B6*1.1"  # a formula is not a typed input: default
    wb.save(path)
    s = load_xlsx(path)
    assert [(x.name, x.values["mau_wan"], x.values["peak_multiplier"], x.values["mfu"]) for x in s] == [
        ("base", 6000.0, 4.0, 0.5), ("high", 9000.0, 5.0, 0.5)]


@pytest.mark.parametrize("rows, title, message", [
    ([["name", "mau_wan", "peak_multiplier", "mfu"], ["a", 6000, 4, 0.5], ["b", 8000, 3, 1.5]], "假设",
     "假设!D3: scenario 2: mfu = 1.5: must be in (0, 1]"),
    ([[None, "base", "high"], ["MAU", 6000, 9000], ["peak_multiplier", 4, "four"]], "My model",
     "'My model'!C3: scenario 2: peak_multiplier = 'four': must be a number"),
    ([["name", "mau_wan", "mau_wan"], ["a", 1, 2]], "S",
     "S!C1: key 'mau_wan' appears twice in the header (also S!B1)"),
    ([["name", "peak_multiplier"], ["a", 4]], "S", "S row 2: scenario 1: mau_wan is required"),
    ([["nothing here"]], "S", "no scenarios found in any worksheet"),
])
def test_errors_name_the_cell(tmp_path, rows, title, message):
    path = book(tmp_path / "bad.xlsx", rows, title)
    with pytest.raises(ScenarioFileError) as e:
        load_xlsx(path)
    assert str(e.value).startswith(f"{path}: {message}"), str(e.value)


def test_commands_take_an_xlsx_scenario_file(tmp_path):
    book(tmp_path / "in.xlsx", [["name", "mau_wan", "peak_multiplier"], ["mine", 10000, 4]])
    p = run("table", "in.xlsx", cwd=tmp_path)
    assert p.returncode == 0 and "759.09" in p.stdout, p.stderr  # the report's 保守 capex, same inputs
    assert run("build", "in.xlsx", "-o", "out.xlsx", cwd=tmp_path).returncode == 0
    assert [s.name for s in load_xlsx(tmp_path / "out.xlsx")] == ["mine"]
    book(tmp_path / "bad.xlsx", [["name", "mau_wan", "peak_multiplier"], ["x", -1, 4]], "S")
    assert_one_error(run("table", "bad.xlsx", cwd=tmp_path), "bad.xlsx: S!B2: scenario 1: mau_wan = -1: must be > 0")
