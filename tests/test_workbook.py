"""Workbooks recalculated in a real spreadsheet engine (LibreOffice headless) against Python.

Every workbook of this module is written first and recalculated in ONE soffice call (the
``books`` fixture); the tests then read the recalculated copies.  Oracles:

* the printed report (Figure 11 as transcribed in shared/reference/figure11.md) for the template;
* :func:`xlsizing.layout.evaluate` (itself checked against the report and a hand calculation in
  tests/test_model.py) for 200 random scenarios — LibreOffice computes, Python compares;
* LibreOffice's own behaviour for errors (#NAME? of an unknown function caught by IFERROR).
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pytest
import xlsxwriter
from openpyxl.styles import Font, PatternFill

import fig11 as layout
from xlsizing.fill import fill_workbook
from xlsizing.pdf import export_pdf
from xlsizing.scenarios import load_builtin, make_scenario, to_inputs
from xlsizing.verify import check_values, verify_workbooks
from xlsizing.refs import named_cell
from xlsizing.sheets import FIGURE11 as FIGURE11_SHEET
from xlsizing.sheets import SHEETS
from xlsizing.workbook import write_template, write_workbook

COMMITTED = Path(__file__).resolve().parents[1] / "templates" / "figure11.xlsx"
SHEET = FIGURE11_SHEET.title
REL = 1e-12

# Figure 11 as printed (the report is the oracle): tests/figure11_printed.py
from figure11_printed import PRINTED  # noqa: E402

EVIL = ['=HYPERLINK("http://x","y")', "=1+1", "@SUM(1,2)", "+A1"]


def random_scenarios(rng: np.random.Generator, n: int, tag: str):
    """Wide but valid inputs: log-uniform over several decades, fractions in (0, 1]."""

    def logu(lo, hi):
        return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))

    out = []
    for i in range(n):
        out.append(make_scenario(
            f"{tag}{i + 1}", name_en=f"random {tag}{i + 1}",
            mau_wan=logu(1, 1e6), activity_ratio=float(rng.uniform(0.01, 1.0)), params_yi=logu(1, 1e5),
            inference_time_s=logu(0.1, 10), peak_multiplier=float(rng.uniform(1, 10)),
            card_tflops=logu(10, 5000), mfu=float(rng.uniform(0.01, 1.0)), card_price_wan=logu(1, 100),
            server_price_wan=logu(10, 1000), ref_tokens_yi=logu(1, 1e7), ref_dau_wan=logu(1, 1e5),
            seconds_basis=logu(3600, 2 * 86400), cards_per_server=float(rng.integers(1, 17)),
        ))
    return out


def write_guard(path):
    """Figure 11 with deliberately wrong cached values on every computed cell (inputs right).

    The writer's values come from the one evaluator (``workbook.sheet_values``); here they are
    replaced, for this one file, by ``3 × value + 7`` on every computed row.
    """
    from xlsizing import workbook

    good = workbook.sheet_values

    def wrong(scenarios, sheets=None):
        return {k: (v if layout.ROW[k].is_input else [x * 3 + 7 for x in v]) for k, v in good(scenarios, sheets).items()}

    workbook.sheet_values = wrong
    try:
        return write_workbook(load_builtin("figure11"), path, sheets=[FIGURE11_SHEET])
    finally:
        workbook.sheet_values = good


def write_probe(path: Path):
    """A bare unknown function next to the IFERROR fallback the headline rows use."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("probe")
    ws.write_formula("A1", "=INFER_FLOPS(1300,1,4)", None, 1.04e20)
    ws.write_formula("A2", "=IFERROR(INFER_FLOPS(1300,1,4),2*1300*1E8*1*1E8*4)", None, 0)
    book.close()
    return path


def restyle(src: Path, dest: Path):
    """An analyst's copy: other fonts and fills, a wider column, an extra sheet."""
    wb = openpyxl.load_workbook(src)
    ws = wb[SHEET]
    ws["A6"].font = Font(name="Arial", bold=True, color="FFC00000")
    ws["D6"].fill = PatternFill("solid", fgColor="FFFFFF00")
    ws.column_dimensions["B"].width = 55
    extra = wb.create_sheet("My analysis")
    extra["A1"] = "capex x 2"
    extra["B1"] = "=capex_yi_1*2"
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def books(tmp_path_factory, lo_recalc):
    d = tmp_path_factory.mktemp("books")
    b = SimpleNamespace()
    b.template = write_template(d / "template.xlsx")
    b.committed = Path(shutil.copyfile(COMMITTED, d / "committed.xlsx"))
    rng = np.random.default_rng(20241226)  # fixed seed: the report's date
    b.random_scen = [random_scenarios(rng, 50, f"W{k}-") for k in range(4)]  # 4 × 50 = 200 columns
    b.random = [write_workbook(s, d / f"random{k}.xlsx") for k, s in enumerate(b.random_scen)]
    b.fill_scen = random_scenarios(rng, 4, "F")
    b.user = restyle(b.template, d / "user.xlsx")
    b.filled = fill_workbook(b.user, b.fill_scen, d / "filled.xlsx")
    b.guard = write_guard(d / "guard.xlsx")
    b.evil_scen = [make_scenario(EVIL[i], name_en=EVIL[(i + 1) % 4], note=EVIL[(i + 2) % 4],
                                 mau_wan=6000 * (i + 1), peak_multiplier=4) for i in range(4)]
    b.evil = write_workbook(b.evil_scen, d / "evil.xlsx")
    b.evil_filled = fill_workbook(b.template, b.evil_scen, d / "evil_filled.xlsx")
    b.probe = write_probe(d / "probe.xlsx")
    b.all = [b.template, b.committed, *b.random, b.filled, b.guard, b.evil, b.evil_filled, b.probe]
    outs = lo_recalc(b.all)  # ONE soffice call for every workbook of the module
    b.out = {p: o for p, o in zip(b.all, outs)}
    b.values = {p: openpyxl.load_workbook(o, data_only=True) for p, o in b.out.items()}
    return b


def named(wb, name):
    ws, ref = named_cell(wb, name)
    return ws[ref].value


# --- the template shows Figure 11 ------------------------------------------------------------


@pytest.mark.parametrize("which", ["template", "committed"])
@pytest.mark.parametrize("key", list(PRINTED))
def test_recalculated_template_shows_every_printed_value(books, which, key):
    # oracle: the printed report; the number comes from LibreOffice, only rounding from Python
    wb = books.values[getattr(books, which)]
    shown = [layout.display(layout.ROW[key], named(wb, layout.defined_name(key, j))) for j in range(1, 5)]
    assert shown == PRINTED[key]


def test_template_cached_values_show_figure11_without_recalculation(books):
    # oracle: the printed report; read straight from the committed file (no engine at all)
    wb = openpyxl.load_workbook(COMMITTED, data_only=True)
    shown = [layout.display(layout.ROW["capex_yi"], named(wb, f"capex_yi_{j}")) for j in range(1, 5)]
    assert shown == PRINTED["capex_yi"]


# --- 200 random scenarios agree with the Python engine --------------------------------------


def test_200_random_scenarios_agree_with_python_after_recalculation(books):
    # oracle: layout.evaluate on the scenario inputs; LibreOffice computed the cells
    checked = 0
    for path, scen in zip(books.random, books.random_scen):
        wb = books.values[path]
        expected = layout.evaluate(to_inputs(scen))
        assert len(scen) == 50
        for row in layout.COMPUTED:
            for j in range(len(scen)):
                got = named(wb, layout.defined_name(row.key, j + 1))
                assert math.isclose(got, expected[row.key][j], rel_tol=REL), (path.name, row.key, j)
                checked += 1
    assert checked == 200 * len(layout.COMPUTED)


def test_random_workbooks_carry_cached_values_equal_to_python(books):
    # oracle: layout.evaluate; what previews and data_only readers see before any recalculation
    wb = openpyxl.load_workbook(books.random[0], data_only=True)
    expected = layout.evaluate(to_inputs(books.random_scen[0]))
    for row in layout.ROWS:
        if row.text is None:
            assert [named(wb, layout.defined_name(row.key, j + 1)) for j in range(50)] == \
                pytest.approx(list(expected[row.key]), rel=REL)


def test_guard_wrong_cached_values_are_recalculated(books):
    # oracle: the printed report; the file itself holds wrong numbers (3x + 7)
    cached = openpyxl.load_workbook(books.guard, data_only=True)
    assert layout.display(layout.ROW["capex_yi"], named(cached, "capex_yi_1")) != "455.46"
    wb = books.values[books.guard]
    for key in ("dau_wan", "flops", "cards_wan", "capex_yi"):
        assert [layout.display(layout.ROW[key], named(wb, f"{key}_{j}")) for j in range(1, 5)] == PRINTED[key]
    rep = check_values(openpyxl.load_workbook(books.guard), wb, books.guard)
    assert rep.ok, rep.summary()


def test_iferror_really_catches_the_unknown_function(books):
    # oracle: LibreOffice 7.4 — an unknown function is #NAME?; IFERROR falls back to native maths
    wb = books.values[books.probe]
    assert wb["probe"]["A1"].value == "#NAME?"
    assert wb["probe"]["A2"].value == pytest.approx(2 * 1300e8 * 1e8 * 4, rel=REL)


def test_no_error_cells_anywhere_without_the_addin(books):
    # oracle: LibreOffice, which has no xlsizing add-in
    bad = []
    for path in books.all:
        if path == books.probe:
            continue
        for ws in books.values[path].worksheets:
            for line in ws.iter_rows():
                for c in line:
                    if c.data_type == "e" or (isinstance(c.value, str) and c.value.startswith(("#", "Err:"))):
                        bad.append(f"{path.name} {ws.title}!{c.coordinate} {c.value}")
    assert bad == []


def test_every_recalculated_workbook_verifies(books):
    # oracle: layout.evaluate on the inputs read back from each recalculated copy
    for path in books.all:
        if path == books.probe:
            continue
        rep = check_values(openpyxl.load_workbook(path), books.values[path], path)
        assert rep.ok, rep.summary()


# --- filling a user's own copy ---------------------------------------------------------------


def test_fill_keeps_formatting_extra_sheet_and_chart(books):
    wb = openpyxl.load_workbook(books.filled)
    ws = wb[SHEET]
    assert ws["A6"].font.name == "Arial" and ws["A6"].font.bold and ws["A6"].font.color.rgb == "FFC00000"
    assert ws["D6"].fill.fgColor.rgb == "FFFFFF00"
    assert ws.column_dimensions["B"].width == 55
    assert wb["My analysis"]["B1"].value == "=capex_yi_1*2"
    assert len(ws._charts) == 1
    wsi, ref = named_cell(wb, "mau_wan_1")
    assert wsi[ref].font.color.rgb.endswith("0000FF")  # still a blue input
    assert wsi[ref].number_format == layout.ROW["mau_wan"].fmt
    assert [named(wb, f"scenario_name_{j}") for j in range(1, 5)] == [s.name for s in books.fill_scen]


def test_filled_copy_recalculates_to_python_values(books):
    # oracle: layout.evaluate on the filled scenarios; LibreOffice computed the cells
    wb = books.values[books.filled]
    expected = layout.evaluate(to_inputs(books.fill_scen))
    for row in layout.COMPUTED:
        got = [named(wb, layout.defined_name(row.key, j)) for j in range(1, 5)]
        assert got == pytest.approx(list(expected[row.key]), rel=REL)
    # the analyst's own formula on the extra sheet sees the new numbers too
    assert wb["My analysis"]["B1"].value == pytest.approx(2 * expected["capex_yi"][0], rel=REL)


# --- scenario text is text --------------------------------------------------------------------


@pytest.mark.parametrize("which", ["evil", "evil_filled"])
def test_scenario_text_stays_text(books, which):
    path = getattr(books, which)
    for wb in (openpyxl.load_workbook(path), books.values[path]):  # as written, and after LibreOffice
        names = [named(wb, f"scenario_name_{j}") for j in range(1, 5)]
        en = [named(wb, f"scenario_name_en_{j}") for j in range(1, 5)]
        notes = [named(wb, f"notes_scenario_note_{j}") for j in range(1, 5)]
        assert names == [s.name for s in books.evil_scen]
        assert en == [s.name_en for s in books.evil_scen]
        assert notes == [s.note for s in books.evil_scen]
        ws, ref = named_cell(wb, "scenario_name_1")
        assert ws[ref].data_type == "s"


# --- verification entry point ----------------------------------------------------------------


def test_verify_workbooks_reports_mismatch_and_error_cells(books, tmp_path, lo_profile):
    broken = tmp_path / "broken.xlsx"
    wb = openpyxl.load_workbook(books.template)
    ws, ref = named_cell(wb, "dau_wan_2")
    assert ref == "E7"
    ws[ref] = "=E6*0.2"  # a plausible slip: a typed 20% instead of the activity-ratio input
    ws2, ref2 = named_cell(wb, "servers_wan_1")
    ws2[ref2] = "=1/0"
    wb.save(broken)
    # the session profile is reused here: the guard workbook proves it still recalculates
    good, bad, guard = verify_workbooks([books.template, broken, books.guard], profile=lo_profile)
    assert guard.ok, guard.summary()
    # every computed cell, and every linked cell following its row (the template sets none)
    assert good.ok and good.checked == 4 * sum(len(s.computed) + sum(r.is_linked for r in s.inputs) for s in SHEETS)
    assert not bad.ok
    first = bad.mismatches[0]
    assert (first.sheet, first.cell, first.key, first.scenario) == (SHEET, ref, "dau_wan", "保守")
    assert first.expected == pytest.approx(1500, rel=REL)  # oracle: the printed report (DAU 保守)
    assert first.got == pytest.approx(2000, rel=REL)  # oracle: hand calculation, 10000 × 20%
    assert "Figure 11!E7 DAU / Daily active users (dau_wan) [保守]: expected 1500.0, got 2000" in bad.summary()
    assert [str(e) for e in bad.errors] == [f"{SHEET}!{ref2} shows #DIV/0!"]
    assert bad.summary().startswith(f"{broken}: FAILED — ")


# --- rendering ---------------------------------------------------------------------------------


def test_pdf_shows_chinese_labels_and_no_hashes(books, tmp_path, lo_profile):
    big = [make_scenario(f"大{i}", mau_wan=10.0 ** (3 + i), peak_multiplier=10, params_yi=1e5, mfu=0.01)
           for i in range(4)]
    sources = [books.template, write_workbook(big, tmp_path / "big.xlsx")]
    for src in sources:
        pdf = export_pdf(src, tmp_path / f"{src.stem}.pdf", profile=lo_profile)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                              text=True, timeout=60).stdout
        for row in layout.ROWS:
            assert row.zh in text, (src.name, row.zh)
        assert "###" not in text, src.name


def _contents(path):
    """Every cell's value, wrap flag and merged range, and every row height, sheet by sheet."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = {c.coordinate: (c.value, bool(c.alignment.wrap_text)) for row in ws.iter_rows() for c in row
                 if c.value is not None}
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None}
        out[ws.title] = (cells, heights, sorted(str(m) for m in ws.merged_cells.ranges))
    return out


def test_streamed_rows_hold_what_the_in_memory_workbook_holds(tmp_path, monkeypatch):
    # a wide workbook streams each row to disk when the next one starts (constant_memory): every
    # wrapped label, the formula line, the long scenario names and their row heights must be
    # written in row order, or XlsxWriter drops them (the formula line used to vanish from
    # workbooks of 2,000 columns and more)
    from xlsizing import workbook

    scen = load_builtin("figure11") + [make_scenario("一个名字很长很长的情形，用来测试表头换行是否保留" * 2,
                                                     mau_wan=7000, peak_multiplier=4)]
    whole = _contents(workbook.write_workbook(scen, tmp_path / "memory.xlsx"))
    monkeypatch.setattr(workbook, "CONSTANT_MEMORY_FROM", 1)
    streamed = _contents(workbook.write_workbook(scen, tmp_path / "streamed.xlsx"))
    assert streamed == whole
    cells = whole["Figure 11"][0]
    assert any(v == FIGURE11_SHEET.row["formula_text"].text for v, _ in cells.values())  # the formula line
    assert any(wrap for v, wrap in cells.values() if v == scen[-1].name)  # the long name wraps
