"""Macro-enabled workbooks: fill keeps the VBA project byte for byte, build writes one (issue 14).

Oracles: the VBA projects of XlsxWriter's test suite (tests/data/xlsxwriter/README.md), compared
byte for byte; the content type Excel requires of a macro-enabled workbook
(``application/vnd.ms-excel.sheet.macroEnabled.main+xml``, ECMA-376 / [MS-OFFMACRO2]); LibreOffice
for the values (``xlsizing verify``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlsizing.errors import InvalidInput, WorkbookError
from xlsizing.fill import fill_workbook
from xlsizing.refs import read_named
from xlsizing.scenarios import load_builtin, make_scenario
from xlsizing.workbook import write_template
from xlsizing.xlsm import MACRO_CONTENT_TYPE, VBA_PART, workbook_content_type, write_workbook_xlsm

DATA = Path(__file__).parent / "data" / "xlsxwriter"
XLSIZING = [sys.executable, "-m", "xlsizing"]


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def run(*args, cwd: Path):
    return subprocess.run([*XLSIZING, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_build_then_fill_keeps_the_vba_project_byte_for_byte(tmp_path):
    m = write_workbook_xlsm(load_builtin(), tmp_path / "model.xlsm", vba_project=DATA / "vbaProject01.bin")
    out = fill_workbook(m, load_builtin()[::-1], tmp_path / "model-filled.xlsm")
    for p in (m, out):
        assert member(p, VBA_PART) == (DATA / "vbaProject01.bin").read_bytes()
        assert workbook_content_type(p) == MACRO_CONTENT_TYPE
        assert b"relationships/vbaProject" in member(p, "xl/_rels/workbook.xml.rels")
        assert re.search(rb'<workbookPr[^>]*codeName="ThisWorkbook"', member(p, "xl/workbook.xml"))
    wb = openpyxl.load_workbook(out, data_only=True)
    assert read_named(wb, "scenario_name_1") == "乐观"  # the reversed report columns


def test_cli_fill_of_an_xlsm_defaults_to_an_xlsm_name(tmp_path):
    assert run("build", "-o", "model.xlsm", "--vba-from", DATA / "macro02.xlsm", cwd=tmp_path).returncode == 0
    p = run("fill", "model.xlsm", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "wrote model-filled.xlsm"
    out = tmp_path / "model-filled.xlsm"
    assert member(out, VBA_PART) == member(DATA / "macro02.xlsm", VBA_PART)
    # the workbook code name the project's ThisWorkbook module is bound to comes along
    assert re.search(rb'<workbookPr[^>]*codeName="MyWorkbook"', member(out, "xl/workbook.xml"))
    assert workbook_content_type(out) == MACRO_CONTENT_TYPE


def test_a_signed_project_keeps_its_signature_and_its_relationship(tmp_path):
    src = DATA / "macro04.xlsm"  # Excel-saved, signed
    m = write_workbook_xlsm(load_builtin(), tmp_path / "signed.xlsm", vba_from=src)
    out = fill_workbook(m, load_builtin(), tmp_path / "signed-filled.xlsm")
    for name in ("xl/vbaProject.bin", "xl/vbaProjectSignature.bin"):
        assert member(out, name) == member(src, name)
    assert b"vbaProjectSignature" in member(out, "xl/_rels/vbaProject.bin.rels")
    assert b'PartName="/xl/vbaProjectSignature.bin"' in member(out, "[Content_Types].xml")


def test_filled_xlsm_verifies_in_libreoffice(tmp_path):
    assert run("build", "-o", "m.xlsm", "--vba-project", DATA / "vbaProject01.bin", cwd=tmp_path).returncode == 0
    assert run("fill", "m.xlsm", cwd=tmp_path).returncode == 0
    p = run("verify", "m.xlsm", "m-filled.xlsm", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count(": OK") == 2


@pytest.mark.parametrize("args, message", [
    # each message says what to do instead
    (["build", "-o", "x.xlsm"], "Error: x.xlsm is a macro-enabled workbook name, but no VBA project was given; give "
                                "--vba-project vbaProject.bin or --vba-from model.xlsm (the macros to keep), or name "
                                "the output .xlsx"),
    (["build", "-o", "x.xlsx", "--vba-project", DATA / "vbaProject01.bin"],
     "Error: x.xlsx: a workbook with a VBA project must be named .xlsm"),
    (["build", "-o", "x.xlsm", "--vba-project", "nope.bin"], "Error: vba_project nope.bin: no such file"),
    (["build", "-o", "x.xlsm", "--vba-project", "notes.txt"],
     "Error: notes.txt: not a VBA project (a vbaProject.bin is an OLE compound file starting D0CF11E0A1B11AE1); "
     "extract it from an .xlsm with --vba-from model.xlsm"),
    (["build", "-o", "x.xlsm", "--vba-from", "plain.xlsx"],
     "Error: plain.xlsx: no VBA project (xl/vbaProject.bin) in this workbook; save it from Excel as .xlsm after "
     "importing the macros, or give --vba-project vbaProject.bin"),
    (["fill", "plain.xlsx", "-o", "out.xlsm"],
     "Error: out.xlsm: plain.xlsx has no VBA project, so the copy is not macro-enabled; name the output .xlsx, "
     "or fill a macro-enabled copy of the template (.xlsm)"),
    (["fill", "macro.xlsm", "-o", "out.xlsx"],
     "Error: out.xlsx: macro.xlsm holds macros (xl/vbaProject.bin); name the output .xlsm to keep them (a .xlsx "
     "may not hold macros, and Excel refuses a .xlsx that does)"),
])
def test_refusals_say_how(tmp_path, args, message):
    (tmp_path / "notes.txt").write_text("not a project")
    write_template(tmp_path / "plain.xlsx")
    write_workbook_xlsm(load_builtin(), tmp_path / "macro.xlsm", vba_project=DATA / "vbaProject01.bin")
    before = sorted(p.name for p in tmp_path.iterdir())
    p = run(*args, cwd=tmp_path)
    assert (p.returncode, p.stderr.strip()) == (2, message)
    assert sorted(q.name for q in tmp_path.iterdir()) == before  # nothing written


def test_library_refusals(tmp_path):
    with pytest.raises(InvalidInput, match="give one of vba_project"):
        from xlsizing.xlsm import read_vba_source
        read_vba_source(DATA / "vbaProject01.bin", DATA / "macro01.xlsm")
    plain = write_template(tmp_path / "plain.xlsx")
    with pytest.raises(WorkbookError, match="no VBA project"):
        write_workbook_xlsm([make_scenario("A", mau_wan=1e4, peak_multiplier=4)], tmp_path / "a.xlsm", vba_from=plain)
