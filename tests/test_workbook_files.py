"""Workbook files without a spreadsheet engine: layout, names, styles, stale template, file safety.

Oracles: the layout rows (xlsizing.layout, one definition), Excel's cell-reference grammar for
names, the committed template (compared by content, not bytes), and the exact error messages.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlsizing import __version__
import fig11 as layout
from xlsizing.errors import InvalidInput, OutputExists, WorkbookError
from xlsizing.fileio import atomic_write, check_xlsx
from xlsizing.fill import fill_workbook
from xlsizing.pdf import export_pdf
from xlsizing.recalc import convert, recalculate
from xlsizing.scenarios import load_builtin, make_scenario
from xlsizing.verify import verify_workbooks
from xlsizing.refs import named_cell
from xlsizing.sheets import FIGURE11 as FIGURE11_SHEET
from xlsizing.workbook import write_template, write_workbook

COMMITTED = Path(__file__).resolve().parents[1] / "templates" / "figure11.xlsx"
SHEET = FIGURE11_SHEET.title


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("t") / "template.xlsx")


def contents(path: Path) -> dict:
    """What a user sees and code relies on: cells, formulas, formats, names, print setup."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames,
           "names": {n: d.attr_text for n, d in wb.defined_names.items()}}
    for ws in wb.worksheets:
        cells = {}
        for line in ws.iter_rows():
            for c in line:
                if c.value is not None or c.has_style:
                    cells[c.coordinate] = (c.value, c.data_type, c.number_format,
                                           c.font.color.rgb if c.font.color is not None else None, c.font.b)
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "freeze": ws.freeze_panes,
            "print": (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
                      ws.print_area, ws.print_title_rows),
            "charts": len(ws._charts),
        }
    return out


def test_committed_template_is_not_stale(template):
    # oracle: the generator; regenerate with: python -c "from xlsizing.workbook import
    # write_template; write_template('templates/figure11.xlsx', force=True)"
    fresh, committed = contents(template), contents(COMMITTED)
    for key in fresh:
        assert committed.get(key) == fresh[key], f"templates/figure11.xlsx is stale ({key}); regenerate it"
    assert set(committed) == set(fresh)


def test_every_input_and_computed_cell_has_a_name_that_is_not_a_cell_reference(template):
    wb = openpyxl.load_workbook(template)
    cell_like = re.compile(r"^(\$?[A-Za-z]{1,3}\$?\d+|[Rr]\d*[Cc]\d*|[RrCc])$")  # A1 and R1C1 forms
    for row in layout.ROWS:
        if row.text is not None:
            continue
        for j in range(1, 5):
            name = layout.defined_name(row.key, j)
            assert not cell_like.match(name)
            ws, ref = named_cell(wb, name)
            assert ws.title == SHEET
            assert ws[ref].number_format == row.fmt
            if row.is_input:
                assert isinstance(ws[ref].value, float | int)
                assert ws[ref].font.color.rgb == "FF0000FF"  # blue input
            else:
                assert ws[ref].value.startswith("=")
                assert ws[ref].font.color.rgb == "FF000000"  # black formula
    assert "mfu_1" in wb.defined_names and "MFU1" not in wb.defined_names


@pytest.mark.parametrize("row", layout.COMPUTED, ids=lambda r: r.key)
def test_formulas_come_from_the_layout(template, row):
    # oracle: layout.formula with the sheet's own cell references
    wb = openpyxl.load_workbook(template)
    ws, ref = named_cell(wb, layout.defined_name(row.key, 2))

    def addr(key):
        return named_cell(wb, layout.defined_name(key, 2))[1]

    assert ws[ref].value == layout.formula(row, addr)
    if row.udf:
        assert ws[ref].value.startswith(f"=IFERROR({row.udf}(")


def test_sheet_layout_labels_headers_and_print_setup(template):
    wb = openpyxl.load_workbook(template)
    ws = wb[SHEET]
    assert ws["A1"].value == layout.TITLE_ZH
    labels = [c.value for c in ws["A"] if c.value is not None]
    for row in layout.ROWS:
        assert row.zh in labels
    assert layout.SOURCE_LINE in labels
    assert [ws.cell(4, c).value for c in range(4, 8)] == ["2024年末", "保守", "中性", "乐观"]
    assert ws.freeze_panes == "D6"
    assert ws.page_setup.orientation == "landscape"
    # a fixed scale (Excel ignores manual page breaks under "fit to page"), readable (xlsizing.printing),
    # one page wide: the four report columns need no column break (tests/test_print_readability.py)
    assert 60 <= ws.page_setup.scale <= 100
    assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    assert not ws.col_breaks.brk
    assert len(ws._charts) == 1
    notes = "\n".join(str(c.value) for line in wb["Notes"].iter_rows() for c in line if c.value)
    for text in ("129,600", "86,400", f"xlsizing {__version__}", "INFER_FLOPS", "IFERROR", "Minsheng"):
        assert text in notes


def test_cached_values_are_readable_without_recalculation(template):
    # oracle: the printed report (Figure 11 headline row)
    wb = openpyxl.load_workbook(template, data_only=True)
    got = [layout.display(layout.ROW["capex_yi"], wb[SHEET][named_cell(wb, f"capex_yi_{j}")[1]].value)
           for j in range(1, 5)]
    assert got == ["455.46", "759.09", "1138.64", "1897.73"]


def test_any_number_of_scenario_columns(tmp_path):
    scen = [make_scenario(f"S{i}", mau_wan=1000 * i, peak_multiplier=4) for i in range(1, 8)]
    wb = openpyxl.load_workbook(write_workbook(scen, tmp_path / "seven.xlsx"), data_only=True)
    assert "capex_yi_7" in wb.defined_names and "capex_yi_8" not in wb.defined_names
    one = openpyxl.load_workbook(write_workbook(scen[:1], tmp_path / "one.xlsx"))
    assert "mau_wan_1" in one.defined_names


# --- refusing, exactly ------------------------------------------------------------------------


def test_write_refuses_existing_file_without_force(tmp_path, template):
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"mine")
    with pytest.raises(OutputExists) as e:
        write_template(target)
    assert str(e.value) == f"{target} already exists; use --force to overwrite it"
    assert target.read_bytes() == b"mine"
    write_template(target, force=True)
    assert zipfile.is_zipfile(target)


@pytest.mark.parametrize("call, message", [
    (lambda d: write_workbook([], d / "x.xlsx"), "scenarios must hold at least one scenario, got none"),
    (lambda d: write_workbook(load_builtin(), d / "nope" / "x.xlsx"), "output folder {d}/nope does not exist"),
    (lambda d: write_workbook(load_builtin(), d), "{d} is a folder; give a file name"),
])
def test_write_errors(tmp_path, call, message):
    with pytest.raises((InvalidInput, OutputExists)) as e:
        call(tmp_path)
    assert str(e.value) == message.format(d=tmp_path)


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    def boom(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "out.xlsx", boom)
    assert os.listdir(tmp_path) == []


def test_fill_refuses_wrong_column_count_and_foreign_workbooks(tmp_path, template):
    with pytest.raises(WorkbookError) as e:
        fill_workbook(template, load_builtin()[:3], tmp_path / "f.xlsx")
    assert str(e.value) == (f"{template}: sheet 'Figure 11' has 4 scenario columns, got 3 scenarios; give as "
                            "many scenarios as columns, or write a new workbook (write_workbook) for any "
                            "number of columns")
    foreign = tmp_path / "foreign.xlsx"
    openpyxl.Workbook().save(foreign)
    with pytest.raises(WorkbookError) as e:
        fill_workbook(foreign, load_builtin(), tmp_path / "f.xlsx")
    assert str(e.value) == (f"{foreign}: no xlsizing input names (such as mau_wan_1) in this workbook; "
                            "fill a copy of the xlsizing template")
    assert not (tmp_path / "f.xlsx").exists()
    out = tmp_path / "exists.xlsx"
    out.write_bytes(b"x")
    with pytest.raises(OutputExists):
        fill_workbook(template, load_builtin(), out)


# --- untrusted files --------------------------------------------------------------------------


def zip_bomb(path: Path, size: int = 200 * 1024 * 1024):
    """A small file that declares (and would inflate to) ``size`` bytes of zeros."""
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return path


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, template):
    d = tmp_path_factory.mktemp("bad")
    files = {"bomb": zip_bomb(d / "bomb.xlsx")}
    files["text"] = d / "text.xlsx"
    files["text"].write_text("name,value\nmau,6000\n")
    files["truncated"] = d / "truncated.xlsx"
    files["truncated"].write_bytes(template.read_bytes()[:3000])
    many = d / "many.xlsx"
    with zipfile.ZipFile(many, "w") as z:
        for i in range(2001):
            z.writestr(f"x/{i}.xml", "")
    files["many"] = many
    corrupt = d / "corrupt.xlsx"  # a valid zip directory over a damaged deflate stream
    data = bytearray(template.read_bytes())
    with zipfile.ZipFile(template) as z:
        info = z.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start:start + 40] = b"\xff" * 40
    corrupt.write_bytes(bytes(data))
    files["corrupt"] = corrupt
    return files


@pytest.mark.parametrize("kind, message", [
    # 200 MiB of zeros: under the 1 GiB cap, refused by its ratio (xlsizing/fileio.py: at most 50x above 100 MiB)
    ("bomb", "{p}: declares 209715219 bytes uncompressed, and its part xl/worksheets/sheet1.xml inflates 1029 "
             "times its compressed size (above 104857600 bytes in all, at most 50 times); refusing to open a "
             "possible zip bomb"),
    ("text", "{p}: not an .xlsx workbook (not a valid zip file: File is not a zip file)"),
    ("truncated", "{p}: not an .xlsx workbook (not a valid zip file: File is not a zip file)"),
    ("many", "{p}: 2001 zip entries (limit 2000); refusing to open it"),
])
@pytest.mark.parametrize("action", ["fill", "verify", "check"])
def test_untrusted_files_are_refused_before_inflating(bad_files, tmp_path, kind, message, action):
    p = bad_files[kind]
    with pytest.raises(WorkbookError) as e:
        if action == "fill":
            fill_workbook(p, load_builtin(), tmp_path / "out.xlsx")
        elif action == "verify":
            verify_workbooks([p])  # refused before LibreOffice starts
        else:
            check_xlsx(p)
    assert str(e.value) == message.format(p=p)
    assert not (tmp_path / "out.xlsx").exists()


def test_corrupt_content_is_a_clear_workbook_error(bad_files, tmp_path):
    p = bad_files["corrupt"]
    with pytest.raises(WorkbookError) as e:
        fill_workbook(p, load_builtin(), tmp_path / "out.xlsx")
    assert str(e.value).startswith(f"{p}: cannot read the workbook: ")


def test_missing_input_file(tmp_path):
    with pytest.raises(WorkbookError) as e:
        fill_workbook(tmp_path / "nope.xlsx", load_builtin(), tmp_path / "out.xlsx")
    assert str(e.value) == f"{tmp_path}/nope.xlsx: no such file"


# --- LibreOffice runner edges (cheap calls) ---------------------------------------------------


def test_recalculate_refuses_clashing_names_and_overwriting_inputs(tmp_path, template):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = Path(shutil_copy(template, tmp_path / "a" / "x.xlsx"))
    b = Path(shutil_copy(template, tmp_path / "b" / "x.xlsx"))
    with pytest.raises(InvalidInput) as e:
        recalculate([a, b], tmp_path / "out")
    assert str(e.value) == f"two inputs would both become x.xlsx: {a} and {b}; give them different names"
    with pytest.raises(InvalidInput) as e:
        recalculate([a], tmp_path / "a")
    assert str(e.value) == f"outdir {tmp_path / 'a'} holds the input x.xlsx; LibreOffice would overwrite it"
    with pytest.raises(InvalidInput) as e:
        recalculate([a], tmp_path / "out", timeout=0)
    assert str(e.value) == "timeout must be a number of seconds > 0, got 0"


def shutil_copy(src, dest):
    import shutil

    return shutil.copyfile(src, dest)


def test_timeout_kills_only_our_soffice_and_says_so(tmp_path, template, lo_profile):
    with pytest.raises(WorkbookError) as e:
        convert([template], tmp_path / "out", "xlsx", timeout=0.05, profile=lo_profile)
    assert str(e.value) == ("LibreOffice did not finish within 0.05 s; gave up "
                            "(give more time with --timeout SECONDS)")


def test_export_pdf_refuses_existing_output(tmp_path, template):
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(b"%PDF mine")
    with pytest.raises(OutputExists) as e:
        export_pdf(template, pdf)
    assert str(e.value) == f"{pdf} already exists; use --force to overwrite it"
    assert pdf.read_bytes() == b"%PDF mine"


# --- damaged names ----------------------------------------------------------------------------


def damage(template: Path, dest: Path) -> Path:
    """What deleting a scenario column does to its names: they point to #REF!."""
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.load_workbook(template)
    del wb.defined_names["mau_wan_2"]
    wb.defined_names["mau_wan_2"] = DefinedName("mau_wan_2", attr_text="'Figure 11'!#REF!")
    wb.save(dest)
    return dest


def test_fill_with_a_broken_name_is_a_clear_error(tmp_path, template):
    broken = damage(template, tmp_path / "broken.xlsx")
    with pytest.raises(WorkbookError) as e:
        fill_workbook(broken, load_builtin(), tmp_path / "out.xlsx")
    assert str(e.value) == (f"{broken}: defined name mau_wan_2 = 'Figure 11'!#REF! does not point to one cell; "
                            "restore the name (Formulas > Name Manager) or start from a fresh template")
    assert not (tmp_path / "out.xlsx").exists()


def test_check_values_reports_a_broken_name_without_a_traceback(tmp_path, template):
    from xlsizing.verify import check_values

    broken = damage(template, tmp_path / "broken.xlsx")
    # the cached values stand in for a recalculation here: this test is about names, not maths
    rep = check_values(openpyxl.load_workbook(broken), openpyxl.load_workbook(broken, data_only=True), broken)
    assert not rep.ok
    assert rep.problems[0] == "Figure 11: defined name mau_wan_2 = 'Figure 11'!#REF! does not point to one cell"


def test_no_defined_name_looks_like_a_cell(template):
    cell_like = re.compile(r"^(\$?[A-Za-z]{1,3}\$?\d+|[Rr]\d*[Cc]\d*|[RrCc])$")
    names = list(openpyxl.load_workbook(template).defined_names)
    assert names and [n for n in names if cell_like.match(n)] == []


def test_non_finite_results_are_cached_as_num_errors(tmp_path, monkeypatch):
    from xlsizing import workbook

    good = workbook.sheet_values

    def with_nan(scenarios, sheets=None):  # the one evaluator's values, with one row made NaN
        out = dict(good(scenarios, sheets))
        out["servers_wan"] = [float("nan")] * len(scenarios)
        return out

    monkeypatch.setattr(workbook, "sheet_values", with_nan)
    path = write_workbook(load_builtin(), tmp_path / "nan.xlsx", sheets=[FIGURE11_SHEET])
    wb = openpyxl.load_workbook(path, data_only=True)
    ws, ref = named_cell(wb, "servers_wan_1")
    assert (ws[ref].value, ws[ref].data_type) == ("#NUM!", "e")


@pytest.mark.parametrize("typed, problem", [
    ("lots", "Figure 11!D6 (mau_wan_1): input must be a number, got 'lots'"),
    (None, "Figure 11!D6 (mau_wan_1): input must be a number, got empty"),
    (-5, "Figure 11!D6 (mau_wan_1): mau_wan must be > 0, got -5"),
])
def test_check_values_reports_bad_inputs(tmp_path, template, typed, problem):
    from xlsizing.verify import check_values

    wb = openpyxl.load_workbook(template)
    ws, ref = named_cell(wb, "mau_wan_1")
    ws[ref].value = typed
    wb.save(tmp_path / "typed.xlsx")
    # no engine needed: the problem is found before any value is compared
    rep = check_values(wb, openpyxl.load_workbook(tmp_path / "typed.xlsx", data_only=True), tmp_path / "typed.xlsx")
    assert not rep.ok and rep.problems[0] == problem


def test_fill_caches_values_only_where_the_layout_formula_is_intact(tmp_path, template):
    # oracle: the printed report (Figure 11 DAU and capex), read with data_only (no engine)
    wb = openpyxl.load_workbook(template)
    ws, ref = named_cell(wb, "capex_yi_1")
    ws[ref] = ws[ref].value.replace("SERVER_CAPEX(", "SERVER_CAPEX(2*")  # the analyst's own change
    wb.save(tmp_path / "mine.xlsx")
    out = fill_workbook(tmp_path / "mine.xlsx", load_builtin(), tmp_path / "filled.xlsx")
    cached = openpyxl.load_workbook(out, data_only=True)
    shown = {name: named_cell(cached, name)[0][named_cell(cached, name)[1]].value
             for name in ("dau_wan_1", "capex_yi_1", "capex_yi_2")}
    assert layout.display(layout.ROW["dau_wan"], shown["dau_wan_1"]) == "900"
    assert layout.display(layout.ROW["capex_yi"], shown["capex_yi_2"]) == "759.09"
    assert shown["capex_yi_1"] is None  # a changed formula gets no value it might not compute
    assert openpyxl.load_workbook(out).calculation.fullCalcOnLoad


def test_charts_by_scenario_only_where_there_are_scenarios_to_compare(tmp_path):
    # the template (four scenarios): capex by scenario, bandwidth-aware cards by scenario, the
    # sensitivity grid's chart and the Economics sheet's capex by year; a one-scenario workbook
    # (each file of a batch): the grid's chart and capex by year (years, not scenarios, compared)
    def charts(path):
        return sorted(n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/chart"))

    four = write_workbook(load_builtin(), tmp_path / "four.xlsx")
    one = write_workbook(load_builtin()[1:2], tmp_path / "one.xlsx")
    assert len(charts(four)) == 4
    assert len(charts(one)) == 2
    xml = zipfile.ZipFile(one).read(charts(one)[0]).decode()
    assert "<c:lineChart>" in xml and xml.count("<c:ser>") == 5  # one line per peak multiplier
