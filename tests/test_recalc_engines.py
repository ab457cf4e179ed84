"""Two spreadsheet engines: LibreOffice and Gnumeric recalculate the workbooks xlsizing writes.

Oracles: the engines themselves (LibreOffice headless with an always-recalculate profile,
Gnumeric's ``ssconvert --recalc``), compared cell by cell with the Python engine by
``xlsizing.verify`` (1e-12 relative); and the poisoned-cache guard: the staged copy an engine
recalculates carries ``verify.POISON`` as every formula cell's cached value, so an engine that
did not recalculate cannot pass.  The guard is shown failing for real: Gnumeric run without
``--recalc``, LibreOffice with a profile set to never recalculate.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlsizing import recalc, verify
from xlsizing.errors import InvalidInput, WorkbookError
from xlsizing.scenarios import make_scenario
from xlsizing.workbook import write_workbook

from test_cli import REPO, assert_one_error, run

TEMPLATE = REPO / "templates" / "figure11.xlsx"

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("ssconvert") is None,
                                reason="LibreOffice and Gnumeric are installed by scripts/test.sh")


def four_books(folder: Path) -> list[Path]:
    """Four one-scenario workbooks as `batch --outdir` writes them (hand-picked inputs)."""
    folder.mkdir(exist_ok=True)
    return [write_workbook([make_scenario(f"S{i}", mau_wan=3000.0 * i, peak_multiplier=1.0 + i, mfu=0.2 * i)],
                           folder / f"s{i}.xlsx") for i in range(1, 5)]


# --- the template and batch files verify in both engines -------------------------------------


def test_template_verifies_in_both_engines():
    lo, gn = verify.verify_workbooks([TEMPLATE], engine="all", jobs=1)
    assert (lo.engine, gn.engine) == ("LibreOffice", "Gnumeric")
    for r in (lo, gn):
        assert r.ok, r.summary()
        assert r.sheets == ["Figure 11", "Beyond"] and r.checked == 140 and not r.errors
    # LibreOffice saves 15 significant digits (3.4e-15 measured); Gnumeric keeps the doubles
    # (2.6e-16 measured, the hand test saw 4e-16): both far inside 1e-12
    assert lo.largest_difference <= verify.REL_TOL
    assert gn.largest_difference <= 1e-15


def test_batch_files_verify_in_both_engines_with_two_processes(tmp_path):
    books = four_books(tmp_path / "sweep")
    p = run("verify", *[b.name for b in books], "--engine", "all", "--jobs", "2", cwd=tmp_path / "sweep")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 8
    # in input order, LibreOffice's reports first, then Gnumeric's
    for line, (name, engine) in zip(lines, [(b.name, e) for e in ("LibreOffice", "Gnumeric") for b in books]):
        assert line.startswith(f"{name}: OK — ") and f"in {engine} (" in line


def test_both_engines_list_the_same_broken_cell(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb["Figure 11"]
    broken = next(c for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("=IFERROR(SERVER_CAPEX("))
    broken.value += "*1.01"  # an analyst's slip: capex 1% too high in one cell
    wb.save(tmp_path / "edited.xlsx")
    reports = verify.verify_workbooks([tmp_path / "edited.xlsx"], engine="all", jobs=1)
    for r in reports:
        assert not r.ok
        first, *linked = r.mismatches
        assert (first.sheet, first.cell) == ("Figure 11", broken.coordinate)
        assert first.got == pytest.approx(first.expected * 1.01, rel=1e-12)
        # the Beyond sheet links the report's capex (a formula pointing at that cell): it follows
        assert [(m.sheet, m.key, m.got) for m in linked] == [("Beyond", "report_capex_yi", first.got)]


# --- the poisoned-cache guard ------------------------------------------------------------------


def test_staged_copy_poisons_every_formula_cache_and_keeps_the_names_formulas_use(tmp_path):
    staged = verify.stage_copy(TEMPLATE, tmp_path / "staged.xlsx")
    formulas = openpyxl.load_workbook(TEMPLATE)
    original = openpyxl.load_workbook(TEMPLATE, data_only=True)
    values = openpyxl.load_workbook(staged, data_only=True)
    n = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                got = values[ws.title][c.coordinate].value
                if c.data_type == "f":
                    n += 1
                    assert got == verify.POISON, (ws.title, c.coordinate)
                else:
                    assert got == original[ws.title][c.coordinate].value
    assert n >= 140
    kept = set(openpyxl.load_workbook(staged).defined_names)
    used = {w.lower() for ws in formulas.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f" for w in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", c.value)}
    assert kept == {name for name in formulas.defined_names if name.lower() in used}
    assert "mau_wan_1" not in kept  # the named inputs: verify reads them from the user's file


def test_gnumeric_without_recalc_is_caught(monkeypatch):
    monkeypatch.setattr(recalc, "GNUMERIC_OPTIONS", ())  # ssconvert keeps the cached values
    (r,) = verify.verify_workbooks([TEMPLATE], engine="gnumeric")
    assert not r.ok
    n = sum(1 for ws in openpyxl.load_workbook(TEMPLATE).worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f")  # every formula cell of the workbook
    assert r.problems[0] == (f"Gnumeric did not recalculate {n} formula cell(s) (first: Figure 11!D7): "
                             "they still show the value planted before recalculation")


def test_libreoffice_that_never_recalculates_is_caught(monkeypatch):
    # OOXMLRecalcMode 1 = never recalculate (LibreOffice's own default asks or trusts the cache)
    monkeypatch.setattr(recalc, "_RECALC_ALWAYS", recalc._RECALC_ALWAYS.replace("<value>0</value>", "<value>1</value>"))
    (r,) = verify.verify_workbooks([TEMPLATE], engine="libreoffice", jobs=1)
    assert not r.ok
    assert r.problems[0].startswith("LibreOffice did not recalculate ")


# --- formula literals every engine parses --------------------------------------------------------


def test_no_formula_writes_an_exponent_without_its_sign():
    # the `formulas` Python engine rejects 1E8; 1E+8 parses everywhere (Excel writes it so too)
    bare = re.compile(r"(?<![A-Za-z_$])\d+(?:\.\d+)?[Ee]\d")
    wb = openpyxl.load_workbook(TEMPLATE)
    found = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "f" and bare.search(c.value)]
    assert found == []
    with zipfile.ZipFile(TEMPLATE) as z:
        assert b"1E+8" in z.read("xl/worksheets/sheet1.xml")


# --- options and their errors ---------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--timeout", "0"], "timeout must be a number of seconds > 0, got 0.0"),
    (["--timeout", "inf"], "timeout must be a number of seconds > 0, got inf"),
    (["--jobs", "0"], "jobs must be a whole number >= 1, got 0"),
])
def test_verify_option_errors(tmp_path, args, message):
    shutil.copyfile(TEMPLATE, tmp_path / "f.xlsx")
    assert_one_error(run("verify", "f.xlsx", *args, cwd=tmp_path), message)


def test_library_refuses_an_unknown_engine():
    with pytest.raises(InvalidInput, match=r"^engine must be one of libreoffice, gnumeric, got 'excel'$"):
        verify.verify_workbooks([TEMPLATE], engine="excel")


@pytest.mark.parametrize("command", ["verify", "pdf"])
def test_timeout_gives_up_with_one_line(tmp_path, command):
    shutil.copyfile(TEMPLATE, tmp_path / "f.xlsx")
    p = run(command, "f.xlsx", "--timeout", "0.05", cwd=tmp_path)
    assert_one_error(p, "LibreOffice did not finish within 0.05 s; gave up "
                        "(give more time with --timeout SECONDS)")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["f.xlsx"]  # no PDF, nothing half-written


def test_gnumeric_timeout_names_the_engine(tmp_path):
    with pytest.raises(WorkbookError, match=r"^Gnumeric did not finish within 0\.001 s; gave up"):
        verify.verify_workbooks([TEMPLATE], engine="gnumeric", timeout=0.001)


def test_pdf_with_a_timeout_renders(tmp_path):
    shutil.copyfile(TEMPLATE, tmp_path / "f.xlsx")
    p = run("pdf", "f.xlsx", "--timeout", "240", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "wrote f.pdf\n", p.stderr
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


def test_parallel_shares_keep_the_input_order(tmp_path):
    books = four_books(tmp_path / "in")
    outs = recalc.recalculate(books, tmp_path / "out", jobs=3)
    assert [o.name for o in outs] == [b.name for b in books]
    assert recalc._chunks(list(range(4)), 3) == [[0, 1], [2], [3]]
