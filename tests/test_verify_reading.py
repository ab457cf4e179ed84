"""How ``xlsizing verify`` reads workbooks without openpyxl: names, values, error cells, hostile XML.

Oracle: openpyxl, which verify used before and :func:`xlsizing.verify.check_values` still uses.
For the committed template (names), a freshly written one (values), a workbook with a deleted
column's ``#REF!`` name, hand-written sheets with every kind of cell, and copies with a wrong
value or an error value, the lean path (:func:`defined_names`, :func:`recalculated_cells`,
:func:`check_cells`) must give the names, values, error cells and report text openpyxl gives.
XML that declares a DTD (every entity bomb does) must be refused with one line naming the
user's file, before LibreOffice starts.
"""

from __future__ import annotations

import random
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.workbook.defined_name import DefinedName

from xlsizing import recalc, verify
from xlsizing.errors import WorkbookError
from xlsizing.fileio import check_xlsx
from xlsizing.verify import (Cells, _openpyxl_cells, check_cells, check_values, defined_names,
                             recalculated_cells, verify_workbooks)
from xlsizing.refs import named_cell
from xlsizing.workbook import write_template

from test_adversarial_workbooks import EXTERNAL, damaged, entity_bomb, one_line

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "figure11.xlsx"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def openpyxl_names(path: Path) -> dict:
    """Every workbook-level name of ``path`` resolved by openpyxl (the oracle): ``(sheet, ref)`` or its message."""
    return verify.openpyxl_names(openpyxl.load_workbook(path))


def rewrite(src: Path, dest: Path, parts: dict[str, str]) -> Path:
    """A copy of the .xlsx ``src`` with the XML ``parts`` replaced (or added)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in parts:
                zout.writestr(info, zin.read(info))
        for name, text in parts.items():
            zout.writestr(name, text)
    return dest


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode()


def named_values(cells: Cells) -> dict:
    """``{name: (sheet, ref, value)}`` of every name that points to one cell."""
    return {name: cells[name] for name, at in cells.names.items() if isinstance(at, tuple)}


def openpyxl_report(path: Path):
    """The report the openpyxl path gives for ``path``, its cached values standing in for a recalculation."""
    return check_values(openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True), path)


def both(path: Path) -> tuple[Cells, Cells]:
    """The same file read the lean way and through openpyxl (its cached values as the recalculation)."""
    lean = recalculated_cells(path, defined_names(path))
    full = _openpyxl_cells(openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True))
    return lean, full


# --- defined names ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A template written now: its cached values are what the engine computes."""
    return write_template(tmp_path_factory.mktemp("fresh") / "template.xlsx")


def test_names_of_the_template_agree_with_openpyxl():
    names = defined_names(TEMPLATE)
    assert len(names) > 100 and names == openpyxl_names(TEMPLATE)
    assert names["mau_wan_1"] == ("Figure 11", "D6")


def test_a_deleted_columns_ref_name_reads_as_openpyxl_says(tmp_path):
    # what deleting a scenario column does to its names; plus a sheet-local name, which is not the
    # workbook's, and a two-cell range, which is not one cell
    wb = openpyxl.load_workbook(TEMPLATE)
    del wb.defined_names["mau_wan_2"]
    wb.defined_names["mau_wan_2"] = DefinedName("mau_wan_2", attr_text="'Figure 11'!#REF!")
    wb.defined_names["two_cells"] = DefinedName("two_cells", attr_text="'Figure 11'!$D$6:$E$6")
    wb.defined_names["no_such_sheet"] = DefinedName("no_such_sheet", attr_text="Gone!$D$6")
    wb["Notes"].defined_names["local_only"] = DefinedName("local_only", attr_text="Notes!$A$1")
    wb.save(tmp_path / "broken.xlsx")
    names = defined_names(tmp_path / "broken.xlsx")
    assert names == openpyxl_names(tmp_path / "broken.xlsx")
    assert names["mau_wan_2"] == "defined name mau_wan_2 = 'Figure 11'!#REF! does not point to one cell"
    assert isinstance(names["two_cells"], str) and isinstance(names["no_such_sheet"], str)
    assert "local_only" not in names


def test_a_broken_name_gives_the_same_report_both_ways(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATE)
    del wb.defined_names["mau_wan_2"]
    wb.defined_names["mau_wan_2"] = DefinedName("mau_wan_2", attr_text="'Figure 11'!#REF!")
    p = tmp_path / "broken.xlsx"
    wb.save(p)
    lean = check_cells(recalculated_cells(p, defined_names(p)), p)
    assert lean.problems[0] == "Figure 11: defined name mau_wan_2 = 'Figure 11'!#REF! does not point to one cell"
    assert lean.summary() == openpyxl_report(p).summary()


# --- values and error cells -----------------------------------------------------------------------


def test_template_values_errors_and_report_agree_with_openpyxl(fresh):
    lean, full = both(fresh)
    assert lean.names == full.names and named_values(lean) == named_values(full)
    assert lean.errors == full.errors == []
    assert {type(v) for *_, v in named_values(lean).values()} >= {int, float, str}
    rep = check_cells(lean, fresh)
    assert rep.ok and rep.checked > 100
    assert rep.summary() == openpyxl_report(fresh).summary()


def cached(path: Path, name: str) -> tuple[str, str]:
    """``(sheet part, cell)`` of a defined name of ``path``."""
    sheet, ref = defined_names(path)[name]
    index = openpyxl.load_workbook(path).sheetnames.index(sheet) + 1
    return f"xl/worksheets/sheet{index}.xml", ref


def with_cell(path: Path, dest: Path, name: str, new_cell) -> Path:
    """A copy of ``path`` whose named cell's XML is replaced by ``new_cell(ref)``."""
    sheet_part, ref = cached(path, name)
    xml = part(path, sheet_part)
    xml, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', new_cell(ref), xml, count=1)
    assert n == 1
    return rewrite(path, dest, {sheet_part: xml})


def test_a_wrong_value_is_caught_and_reported_the_same_way(fresh, tmp_path):
    # a computed cell (no other sheet reads it) whose cached value, standing in for the
    # recalculated one, is 1e-9 relative too high
    wb = openpyxl.load_workbook(fresh, data_only=True)
    ws, ref = named_cell(wb, "servers_wan_2")
    wrong = ws[ref].value * (1 + 1e-9)
    p = with_cell(fresh, tmp_path / "wrong.xlsx", "servers_wan_2", lambda r: f'<c r="{r}"><v>{wrong!r}</v></c>')
    rep = check_cells(recalculated_cells(p, defined_names(p)), p)
    assert not rep.ok and [(m.key, m.cell, m.got) for m in rep.mismatches] == [("servers_wan", ref, wrong)]
    assert rep.summary() == openpyxl_report(p).summary()


@pytest.mark.parametrize("cell, shown", [
    ('<c r="{r}" t="e"><f>FOO()</f><v>#NAME?</v></c>', "#NAME?"),
    ('<c r="{r}" t="str"><f>X()</f><v>Err:502</v></c>', "Err:502"),
    ('<c r="{r}" t="inlineStr"><is><t>#VALUE!</t></is></c>', "#VALUE!"),
])
def test_an_error_value_is_listed_once_the_same_way(fresh, tmp_path, cell, shown):
    p = with_cell(fresh, tmp_path / "err.xlsx", "dau_wan_1", lambda r: cell.format(r=r))
    lean, full = both(p)
    assert lean.errors == full.errors and [(e.cell, e.value) for e in lean.errors] == [("D7", shown)]
    rep = check_cells(lean, p)
    assert not rep.ok and rep.mismatches == [] and len(rep.errors) == 1
    assert rep.summary() == openpyxl_report(p).summary()


SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}"><sheetData>
<row r="1"><c r="A1"><v>42</v></c><c r="B1"><v>0.1</v></c><c r="C1"><v>5.43914073611939E+20</v></c>
  <c r="D1"><v>-1e-5</v></c><c r="E1" t="n"><v></v></c><c r="F1" s="0"/></row>
<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c>
  <c r="D2" t="s"><v>3</v></c></row>
<row r="3"><c r="A3" t="str"><f>A1&amp;""</f><v>42</v></c><c r="B3" t="b"><v>1</v></c><c r="C3" t="b"><v>0</v></c>
  <c r="D3" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="E3" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>
  <c r="F3"><f>A1</f></c></row>
<row><c><v>1</v></c><c><v>2</v></c><c r="E4"><v>3</v></c><c><v>4</v></c></row>
<row r="7"><c r="AB7" t="s"><v>4</v></c></row>
</sheetData></worksheet>"""
STRINGS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="{MAIN}" count="5" uniqueCount="5"><si><t>plain</t></si>
<si><r><rPr><b/></rPr><t xml:space="preserve">rich </t></r><r><t>text</t></r>
  <rPh sb="0" eb="1"><t>phonetic</t></rPh></si>
<si><t>#NAME?</t></si><si><t>#N/A is what the report printed in this cell</t></si><si><t>Err:504</t></si></sst>"""


def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path):
    # numbers (int, float, exponent), empty values, shared strings (plain, rich, phonetic guide),
    # formula text, booleans, errors, inline strings, rows and cells without positions
    book = xlsxwriter.Workbook(tmp_path / "base.xlsx")
    book.add_worksheet("S").write_string(0, 0, "x")  # a shared-strings part, replaced below
    book.add_worksheet("Second")
    book.close()
    p = rewrite(tmp_path / "base.xlsx", tmp_path / "cells.xlsx",
                {"xl/worksheets/sheet1.xml": SHEET, "xl/sharedStrings.xml": STRINGS})
    refs = [f"{c}{r}" for r in range(1, 8) for c in "ABCDEF"] + ["AB7"]
    names = {f"n_{ref}": ("S", ref) for ref in refs}
    lean = recalculated_cells(p, names)
    full = openpyxl.load_workbook(p, data_only=True)
    got = {ref: lean.values.get(("S", ref)) for ref in refs}
    want = {ref: full["S"][ref].value for ref in refs}
    assert got == want and {ref: type(v) for ref, v in got.items()} == {ref: type(v) for ref, v in want.items()}
    assert got["B2"] == "rich text" and got["E3"] == "inline" and got["A4"] == 1 and got["F4"] == 4
    assert lean.errors == _openpyxl_cells(openpyxl.Workbook(), full).errors
    assert [(e.cell, e.value) for e in lean.errors] == [("C2", "#NAME?"), ("D3", "#DIV/0!"), ("AB7", "Err:504")]


# --- hostile and corrupt files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    return {
        "laughs-workbook": entity_bomb(TEMPLATE, d / "laughs-workbook.xlsx", "xl/workbook.xml"),
        "laughs-sheet": entity_bomb(TEMPLATE, d / "laughs-sheet.xlsx", "xl/worksheets/sheet1.xml"),
        "external-entity": entity_bomb(TEMPLATE, d / "external-entity.xlsx", "xl/worksheets/sheet2.xml",
                                       EXTERNAL, "&xxe;"),
        "laughs-chart": entity_bomb(TEMPLATE, d / "laughs-chart.xlsx", "xl/charts/chart1.xml"),
        "bare-doctype": rewrite(TEMPLATE, d / "bare-doctype.xlsx", {
            "xl/styles.xml": part(TEMPLATE, "xl/styles.xml").replace("?>", '?>\n<!DOCTYPE styleSheet>', 1)}),
    }


REFUSED = "cannot read the workbook: its XML declares entities or a DTD"
READ_FROM_A_COPY = ["laughs-workbook", "laughs-sheet", "external-entity"]  # parts recalculated_cells reads


@pytest.mark.parametrize("kind", [*READ_FROM_A_COPY, "laughs-chart", "bare-doctype"])
def test_xml_declaring_a_dtd_is_refused_before_libreoffice_starts(bombs, kind, monkeypatch):
    def no_libreoffice(*a, **k):  # pragma: no cover - reached only if the check is missing
        raise AssertionError("LibreOffice was started for a file whose XML declares a DTD")

    monkeypatch.setattr(recalc, "soffice_path", no_libreoffice)
    p = bombs[kind]
    calls = [lambda: defined_names(p), lambda: verify_workbooks([TEMPLATE, p])]
    if kind in READ_FROM_A_COPY:
        calls.append(lambda: recalculated_cells(p, {}))
    for call in calls:
        with pytest.raises(WorkbookError) as e:
            call()
        assert str(e.value).startswith(f"{p}: {REFUSED}") and one_line(str(e.value)), str(e.value)


def test_corrupt_files_read_or_refuse_in_one_line(tmp_path):
    # 60 copies of the template, 1-8 bytes overwritten at seeded random places or the tail cut:
    # reading names and values either works or refuses with one line naming the file
    rng = random.Random(11)
    good = TEMPLATE.read_bytes()
    outcomes = {"read": 0, "refused": 0}
    for i in range(60):
        p = tmp_path / f"c{i}.xlsx"
        p.write_bytes(damaged(good, rng, "cut" if i % 3 == 2 else "bytes"))
        try:
            check_xlsx(p)
            recalculated_cells(p, defined_names(p))
        except WorkbookError as e:
            assert str(e).startswith(f"{p}: ") and one_line(str(e)), str(e)
            outcomes["refused"] += 1
        else:
            outcomes["read"] += 1
    assert sum(outcomes.values()) == 60 and outcomes["refused"] >= 20, outcomes


# --- through LibreOffice ------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by scripts/test.sh")
def test_a_libreoffice_copy_reads_as_openpyxl_reads_it(lo_recalc, fresh):
    src = fresh
    (copy,) = lo_recalc([src])
    names = defined_names(src)
    lean = recalculated_cells(copy, names)
    full = _openpyxl_cells(openpyxl.load_workbook(src), openpyxl.load_workbook(copy, data_only=True))
    assert named_values(lean) == named_values(full) and lean.errors == full.errors
    assert check_cells(lean, src).summary() == check_values(
        openpyxl.load_workbook(src), openpyxl.load_workbook(copy, data_only=True), src).summary()
