"""fill caches only values its workbook computes (issue 14), checked against LibreOffice.

Oracles: LibreOffice recalculating poisoned copies (tests/cachecheck.py) for every cached value;
hand calculations written out where a number is named; the precedent parser against references
read off the formula text by hand.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from cachecheck import assert_caches_computed, cached_cells, chart_caches

from xlsizing import batch
from xlsizing.fill import fill_workbook
from xlsizing.precedents import Opaque, references, trusted_cells
from xlsizing.scenarios import load_builtin, make_scenario
from xlsizing.refs import named_cell
from xlsizing.sheets import BEYOND
from xlsizing.workbook import grid_name as _grid_name
from xlsizing.workbook import write_template, write_workbook
from xlsizing.xlsm import write_workbook_xlsm

VBA_BIN = Path(__file__).parent / "data" / "xlsxwriter" / "vbaProject01.bin"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "template.xlsx")


def grid_name(what, *idx):
    return _grid_name(BEYOND, what, *idx)


def edited(template: Path, dest: Path, name: str, change) -> Path:
    """A copy of the template with the cell of defined name ``name`` changed by ``change(formula)``."""
    wb = openpyxl.load_workbook(template)
    ws, ref = named_cell(wb, name)
    ws[ref].value = change(ws[ref].value)
    wb.save(dest)
    return dest


def shown(path: Path, name: str):
    wb = openpyxl.load_workbook(path, data_only=True)
    ws, ref = named_cell(wb, name)
    return ws[ref].value


# --- the precedent parser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_book():
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.create_sheet("It's")
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["in_1"] = DefinedName("in_1", attr_text="S!$B$2")
    wb.defined_names["both"] = DefinedName("both", attr_text="in_1+'It''s'!$A$1")
    wb.defined_names["konst"] = DefinedName("konst", attr_text="0.5")
    return wb


@pytest.mark.parametrize("formula, cells", [
    # each expected set read off the formula by hand
    ("=A1*2", {("S", "A1")}),
    ("=$A$1+S!B$3", {("S", "A1"), ("S", "B3")}),
    ("=SUM(A1:B2)", {("S", "A1"), ("S", "B1"), ("S", "A2"), ("S", "B2")}),
    ("='It''s'!C4/1E4", {("It's", "C4")}),
    ("=IFERROR(H20_CARDS(D14,D15,D16),D14/(D15*1E12*D16)/1E4)", {("S", "D14"), ("S", "D15"), ("S", "D16")}),
    ("=in_1*3", {("S", "B2")}),                      # a defined name, followed to its cell
    ("=both", {("S", "B2"), ("It's", "A1")}),        # a name defined through another name
    ("=konst*A1", {("S", "A1")}),                    # a constant name reads no cell
    ('="A1"&"x"', set()),                            # text, not a reference
])
def test_references_found(small_book, formula, cells):
    assert references(small_book, "S", formula) == cells


@pytest.mark.parametrize("formula", [
    "=INDIRECT(\"A1\")", "=OFFSET(A1,1,1)", "=SUM(A:A)", "=[1]S!A1", "=S:It!A1", "=T[Col]",
    "=nosuchname+1", "=Nowhere!A1",
])
def test_references_that_cannot_be_listed_are_opaque(small_book, formula):
    with pytest.raises(Opaque):
        references(small_book, "S", formula)


def test_trust_stops_at_an_edited_formula_and_everything_downstream(small_book):
    ws = small_book["S"]
    ws["A1"], ws["A2"], ws["A3"], ws["A4"], ws["B4"] = 2, "=A1*3", "=A2+1", "=A3*2", "=A1+1"
    expected = {("S", "A2"): "=A1*3", ("S", "A3"): "=A2+1", ("S", "A4"): "=A3*2", ("S", "B4"): "=A1+1"}
    assert trusted_cells(small_book, expected, {("S", "A1")}) == set(expected)
    ws["A3"] = "=A2+1.1"
    assert trusted_cells(small_book, expected, {("S", "A1")}) == {("S", "A2"), ("S", "B4")}
    ws["A3"], ws["A2"] = "=A2+1", "=A3*3"  # a cycle: never trusted
    expected[("S", "A2")] = "=A3*3"
    assert trusted_cells(small_book, expected, {("S", "A1")}) == {("S", "B4")}


# --- fill of an edited template: the reproduction ---------------------------------------------


def test_fill_leaves_everything_downstream_of_an_edited_formula_uncached(template, tmp_path):
    # the issue's case: column 2's cards formula × 1.1; before the fix capex_yi_2 kept 759.09 and
    # servers 9.04 while the workbook computes 759.09 × 1.1 = 835.00 and 72.29 × 1.1 / 8 = 9.94
    src = edited(template, tmp_path / "mine.xlsx", "cards_wan_2", lambda f: f[:-1] + "*1.1)")
    out = fill_workbook(src, load_builtin(), tmp_path / "filled.xlsx")
    for name in ("cards_wan_2", "capex_yi_2", "servers_wan_2",
                 "bx_report_cards_wan_2", "bx_cards_vs_report_2", "bx_report_capex_yi_2"):  # Beyond reads them
        assert shown(out, name) is None, name
    assert round(shown(out, "capex_yi_1"), 2) == 455.46    # the report's printed 455.46: untouched column
    assert round(shown(out, "capex_yi_3"), 2) == 1138.64   # printed 1138.64
    assert round(shown(out, "dau_wan_2")) == 1500          # upstream of the edit: 10000 × 15%


def test_upstream_edit_uncaches_the_column_and_the_grid_that_sizes_it(template, tmp_path):
    src = edited(template, tmp_path / "mine.xlsx", "dau_wan_1", lambda f: f + "*2")
    out = fill_workbook(src, load_builtin(), tmp_path / "filled.xlsx")
    assert shown(out, "capex_yi_1") is None and shown(out, "bx_fleet_cards_wan_1") is None
    assert shown(out, grid_name("", 3, 3)) is None  # the grid sizes column 1 by default
    assert shown(out, "capex_yi_2") is not None


def test_grid_is_cached_for_the_selected_column_and_charts_follow_the_fill(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws, ref = named_cell(wb, grid_name("column"))
    ws[ref].value = 3
    wb.save(tmp_path / "third.xlsx")
    scen = [make_scenario(n, mau_wan=m, peak_multiplier=4) for n, m in
            [("甲", 5000), ("乙", 12000), ("丙", 20000), ("丁", 40000)]]
    out = fill_workbook(tmp_path / "third.xlsx", scen, tmp_path / "filled.xlsx")
    # hand calculation for 丙 at MFU 50%, peak 4: capex scales with MAU from the report's 保守 column
    # (10,000 万 MAU → 759.0924 亿元 at peak 4 and MFU 50%): 759.0924 × 20000/10000 = 1518.18
    assert round(shown(out, grid_name("", 4, 3)), 2) == 1518.18
    assert shown(out, grid_name("scenario")) == "丙"
    caps = [c for c in chart_caches(out) if any(cell[1].endswith("20") for cell in c[1])]
    assert caps and [round(float(caps[0][2][i]), 2) for i in range(4)] == [
        round(shown(out, f"capex_yi_{j}"), 2) for j in range(1, 5)]


def test_a_broken_grid_selector_leaves_the_grid_uncached(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws, ref = named_cell(wb, grid_name("column"))
    ws[ref].value = "three"
    wb.save(tmp_path / "bad.xlsx")
    out = fill_workbook(tmp_path / "bad.xlsx", load_builtin(), tmp_path / "filled.xlsx")
    assert shown(out, grid_name("", 1, 1)) is None and shown(out, "capex_yi_1") is not None


def test_the_analysts_own_formulas_get_no_cached_value(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    wb.create_sheet("Mine")["A1"] = "='Figure 11'!D20*2"
    wb.save(tmp_path / "mine.xlsx")
    out = fill_workbook(tmp_path / "mine.xlsx", load_builtin(), tmp_path / "filled.xlsx")
    assert ("Mine", "A1") not in cached_cells(out)
    assert shown(out, "capex_yi_1") is not None


# --- the general check across written and filled workbooks -------------------------------------------


def test_every_cached_value_is_what_libreoffice_computes(template, tmp_path, lo_recalc):
    report = load_builtin()
    books = [template, write_workbook(report, tmp_path / "report.xlsx")]
    one = batch.write_many([make_scenario("单一 long name " * 3, mau_wan=2e4, peak_multiplier=5)],
                           tmp_path / "batch", jobs=1)
    books += one.written
    books.append(write_workbook([make_scenario(f"s{i}", mau_wan=1e3 * (i + 1), peak_multiplier=4) for i in range(16)],
                                tmp_path / "sixteen.xlsx"))
    for name, change in [("cards_wan_2", lambda f: f[:-1] + "*1.1)"), ("dau_wan_1", lambda f: f + "*2"),
                         ("bx_fleet_cards_wan_3", lambda f: f + "+1")]:
        src = edited(template, tmp_path / f"edit-{name}.xlsx", name, change)
        books.append(fill_workbook(src, load_builtin()[::-1], tmp_path / f"filled-{name}.xlsx"))
    wb = openpyxl.load_workbook(template)  # the grid sizes column 4, and one MFU row points elsewhere
    ws, ref = named_cell(wb, grid_name("column"))
    ws[ref].value = 4
    wb["Beyond"]["K1"] = 0.45
    wb.defined_names[grid_name("row", 2)].attr_text = "Beyond!$K$1"
    wb.save(tmp_path / "grid-edit.xlsx")
    books.append(fill_workbook(tmp_path / "grid-edit.xlsx", report, tmp_path / "filled-grid.xlsx"))
    long = [make_scenario("极端情形：日活翻倍且推理时长增加（长名称）", mau_wan=2e4, peak_multiplier=5), *report[1:]]
    books.append(write_workbook(long, tmp_path / "long.xlsx"))  # its chart reads a row of short labels
    books.append(fill_workbook(books[-1], [*report[1:], make_scenario("另一个很长的情形名称，图表里要缩短", mau_wan=3e4,
                                                                      peak_multiplier=4)], tmp_path / "long-filled.xlsx"))
    m = write_workbook_xlsm(report, tmp_path / "model.xlsm", vba_project=VBA_BIN)
    books += [m, fill_workbook(m, report[1:] + report[:1], tmp_path / "model-filled.xlsm")]
    counts = assert_caches_computed(books, lo_recalc, tmp_path / "poisoned", min_cached=20)
    # a filled workbook now carries every computed value except those downstream of the edit
    assert counts["filled-grid.xlsx"] >= counts["report.xlsx"] - 5
    assert all(zipfile.ZipFile(b).testzip() is None for b in books)


def test_the_check_catches_a_stale_cached_value_and_a_stale_chart(template, tmp_path, lo_recalc):
    # the check itself: the template with capex_yi_2's cached 759.09 made 1.0 and the chart's
    # point for it made 2.0 (what the old fill left behind, in miniature) must fail, naming both
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(template) as zin, zipfile.ZipFile(stale, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c r="E20"[^>]*><f>[^<]*</f><v>)[^<]*', rb"\g<1>1.0", data)
            if info.filename == "xl/charts/chart1.xml":
                data = re.sub(rb'(<c:pt idx="1"><c:v>)759[^<]*', rb"\g<1>2.0", data)
            zout.writestr(info, data)
    with pytest.raises(AssertionError) as e:
        assert_caches_computed([stale], lo_recalc, tmp_path / "poisoned")
    assert "Figure 11!E20: cached 1.0" in str(e.value) and "chart1.xml point 1" in str(e.value)


def test_fill_shortens_the_chart_labels_of_long_names(tmp_path):
    # a workbook with a long name has a hidden row of short chart labels; fill rewrites them, and the
    # chart's cached categories are the new labels (xlsizing.printing.short_label: 16 width units)
    report = load_builtin()
    src = write_workbook([make_scenario("极端情形：日活翻倍且推理时长增加（长名称）", mau_wan=2e4, peak_multiplier=5),
                          *report[1:]], tmp_path / "long.xlsx")
    out = fill_workbook(src, [*report[:3], make_scenario("另一个很长的情形名称，图表里要缩短", mau_wan=3e4,
                                                         peak_multiplier=4)], tmp_path / "filled.xlsx")
    assert shown(out, "chart_label_4") == "另一个很长的情…"   # 7 CJK characters (14 units) + "…"
    assert shown(out, "chart_label_1") == "2024年末"
    cats = [pts for part, cells, pts in chart_caches(out) if part.endswith("chart1.xml") and 3 in pts
            and not pts[3].replace(".", "").isdigit()]
    assert cats and cats[0][3] == "另一个很长的情…"


def excel_respelled(template: Path, dest: Path) -> Path:
    """The template as Excel saves it: number literals written out (Excel stores ``1E+4`` as ``10000``)."""
    wb = openpyxl.load_workbook(template)
    spell = {"1E+4": "10000", "1E+6": "1000000", "1E+8": "100000000", "1E+9": "1000000000",
             "1E+12": "1000000000000"}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.value = re.sub(r"(?<![A-Z0-9.])1E\+(?:12|4|6|8|9)\b", lambda m: spell[m.group(0)], c.value)
    wb.save(dest)
    return dest


def test_a_template_respelled_by_excel_keeps_every_cached_value(template, tmp_path, lo_recalc):
    # same formulas, other spelling: every computed cell still caches (same count as a fill of the
    # template itself), and every cached value is LibreOffice's
    plain = fill_workbook(template, load_builtin(), tmp_path / "plain.xlsx")
    src = excel_respelled(template, tmp_path / "excel.xlsx")
    assert "1E+12" not in str(openpyxl.load_workbook(src)["Figure 11"]["D17"].value)
    out = fill_workbook(src, load_builtin(), tmp_path / "excel-filled.xlsx")
    assert len(cached_cells(out)) == len(cached_cells(plain)) > 100
    assert_caches_computed([out], lo_recalc, tmp_path / "poisoned", min_cached=100)
