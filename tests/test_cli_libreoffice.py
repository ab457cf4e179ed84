"""The installed ``xlsizing`` command with LibreOffice as the engine: verify, fill, batch, pdf.

Oracles: LibreOffice headless recalculating every workbook (``xlsizing verify`` compares each
computed cell with the Python engine to 1e-12 relative); the printed Figure 11 (Minsheng
Securities, 2024-12-26) for the labels and values the PDF must show.  Each test makes a single
LibreOffice call for all of its workbooks.
"""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from test_cli import XLSIZING, run

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by scripts/test.sh")


def test_build_then_verify_and_a_broken_formula_is_listed(tmp_path):
    assert run("build", cwd=tmp_path).returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "figure11.xlsx")
    ws = wb.worksheets[0]
    broken = next(c for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("=IFERROR(SERVER_CAPEX("))
    broken.value = broken.value + "*1.01"  # an analyst's slip: capex 1% too high in one cell
    wb.save(tmp_path / "edited.xlsx")

    p = run("verify", "figure11.xlsx", "edited.xlsx", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    assert p.stdout.startswith("figure11.xlsx: OK — ")
    err = p.stderr.splitlines()
    # the broken cell and the Beyond sheet's report-capex cell that reads it
    assert err[0].startswith("edited.xlsx: FAILED — 2 of ") and "computed cells differ" in err[0]
    assert f"!{broken.coordinate}" in err[1]  # the readable list names the cell
    assert err[-1] == "Error: 1 of 2 workbooks differ from the engine (cells listed above)"
    assert "Traceback" not in p.stderr


def test_build_verify_flag(tmp_path):
    p = run("build", "--verify", "-o", "f.xlsx", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.startswith("wrote f.xlsx\nf.xlsx: OK — ")


@pytest.mark.parametrize("content, message", [
    (b"not a workbook", "bad.xlsx: not an .xlsx workbook (not a valid zip file: File is not a zip file)"),
    (None, "bad.xlsx: no such file"),
])
def test_verify_refuses_non_workbooks(tmp_path, content, message):
    if content is not None:
        (tmp_path / "bad.xlsx").write_bytes(content)
    p = run("verify", "bad.xlsx", cwd=tmp_path)
    assert p.returncode == 2 and p.stderr == f"Error: {message}\n"


def test_batch_of_100_workbooks_each_verifies(tmp_path):
    # 20 MFU values × 5 peak multipliers over the report's base column = 100 workbooks,
    # then all of them recalculated in ONE LibreOffice run (--verify)
    p = run("batch", "--base", "2024年末", "--grid", "mfu=0.05:1:0.05", "--grid", "peak_multiplier=1:5",
            "--outdir", "sweep", "--verify", cwd=tmp_path, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = p.stdout.splitlines()
    assert lines[0].startswith("wrote 100 of 100 workbooks")
    assert len(lines) == 101 and all(": OK — " in ln for ln in lines[1:])
    assert len(list((tmp_path / "sweep").glob("*.xlsx"))) == 100


def test_fill_keeps_a_restyled_template(tmp_path):
    assert run("build", "-o", "template.xlsx", cwd=tmp_path).returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "template.xlsx")
    ws = wb.worksheets[0]
    dest = next(iter(wb.defined_names["mau_wan_1"].destinations))
    mau = ws[dest[1].replace("$", "")]
    mau.fill = PatternFill("solid", fgColor="FFFF00")
    mau.font = Font(name="Arial", size=14, bold=True, color="C00000")
    ws.column_dimensions["A"].width = 55
    extra = wb.create_sheet("My notes")
    extra["A1"] = "analyst's own sheet"
    wb.save(tmp_path / "restyled.xlsx")

    scen = "".join(f'[[scenario]]\nname = "{n}"\nmau_wan = {m}\npeak_multiplier = {k}\nmfu = 0.4\n'
                   for n, m, k in [("甲", 7000, 3), ("乙", 12000, 4), ("丙", 18000, 4), ("丁", 25000, 6)])
    (tmp_path / "mine.toml").write_text(scen, "utf-8")
    p = run("fill", "restyled.xlsx", "mine.toml", "-o", "filled.xlsx", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "wrote filled.xlsx\n", p.stderr

    out = openpyxl.load_workbook(tmp_path / "filled.xlsx")
    ws2 = out.worksheets[0]
    cell = ws2[mau.coordinate]
    assert cell.value == 7000
    assert cell.fill.fgColor.rgb.endswith("FFFF00") and cell.font.bold and cell.font.size == 14
    assert cell.font.color.rgb.endswith("C00000") and cell.font.name == "Arial"
    assert ws2.column_dimensions["A"].width == 55
    assert out["My notes"]["A1"].value == "analyst's own sheet"

    v = run("verify", "filled.xlsx", cwd=tmp_path)  # the filled copy computes what the engine computes
    assert v.returncode == 0, v.stderr


def test_pdf_shows_chinese_labels(tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is installed by scripts/test.sh")
    assert run("build", cwd=tmp_path).returncode == 0
    p = run("pdf", "figure11.xlsx", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "wrote figure11.pdf\n", p.stderr
    text = subprocess.run(["pdftotext", "-layout", "figure11.pdf", "-"], cwd=tmp_path, capture_output=True,
                          text=True).stdout
    # labels and values as printed in Figure 11
    for printed in ("豆包大模型创造AI服务器需求", "需要H20卡数量", "2024年末", "乐观", "1897.73", "3.20988E+19"):
        assert printed in text, printed
    assert "###" not in text
    again = run("pdf", "figure11.xlsx", cwd=tmp_path)
    assert again.returncode == 2 and again.stderr == "Error: figure11.pdf already exists; use --force to overwrite it\n"
