"""CSV in and out as analysts have it: Excel's encodings and number formats in, safe CSV for Excel out.

Oracles: the bytes Excel writes for each "Save as" type (Microsoft, "Import or export text (.txt or
.csv) files": "CSV UTF-8" is UTF-8 with a byte-order mark, "Unicode Text" is UTF-16 LE with a
byte-order mark and tab-separated, "CSV" is the system code page — GBK (CP936) on a Chinese
Windows, whose superset GB18030 reads it); OWASP "CSV Injection" for the characters that start a
formula (=, +, -, @, tab, carriage return) and its fix (a leading single quote); hand-written
expectations for Excel's number display ("10,000" is 10000, "50%" is 0.5).  The report's base
column (mau_wan 6000, peak_multiplier 4) gives capex 455.46 亿元 (Figure 11 as printed).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from xlsizing.csvin import decode, excel_number
from xlsizing.errors import ScenarioFileError, WorkbookError
from xlsizing.fileio import check_xlsx
from xlsizing.scenarios import load_csv

from test_cli import assert_one_error, run

DATA = Path(__file__).parent / "data"
TEXT = 'name,name_en,mau_wan,peak_multiplier,mfu\n保守,conservative,"6,000", 4 ,50%\n'
TABS = "name\tname_en\tmau_wan\tpeak_multiplier\tmfu\n保守\tconservative\t\"6,000\"\t 4 \t50%\n"


@pytest.mark.parametrize("label, data", [
    ("CSV UTF-8 (with BOM)", TEXT.encode("utf-8-sig")),
    ("UTF-8 without BOM", TEXT.encode("utf-8")),
    ("CSV (逗号分隔), GBK", TEXT.encode("gbk")),
    ("GB18030", TEXT.encode("gb18030")),
    ("Unicode text: UTF-16 LE with BOM, tabs", TABS.encode("utf-16")),
    ("UTF-16 BE with BOM, tabs", b"\xfe\xff" + TABS.encode("utf-16-be")),
    ("UTF-16 LE without BOM", TABS.encode("utf-16-le")),
    ("UTF-32 with BOM", TEXT.encode("utf-32")),
    ("semicolons", TEXT.replace(",", ";").replace('"6;000"', "6000").encode("utf-8")),
    ("CRLF line ends", TEXT.replace("\n", "\r\n").encode("gbk")),
])
def test_every_encoding_excel_writes(tmp_path, label, data):
    (tmp_path / "s.csv").write_bytes(data)
    (s,) = load_csv(tmp_path / "s.csv")
    assert (s.name, s.name_en, s.values["mau_wan"], s.values["peak_multiplier"], s.values["mfu"]) == \
        ("保守", "conservative", 6000.0, 4.0, 0.5), label
    p = run("table", "s.csv", "--sheet", "figure11", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "455.46" in p.stdout and "保守" in p.stdout


@pytest.mark.parametrize("cell, value", [
    ("10,000", 10000.0), (" 10,000 ", 10000.0), ("1,234,567.5", 1234567.5), ("50%", 0.5), ("56.25%", 0.5625),
    ("50 %", 0.5), ("\u00a06000\u3000", 6000.0), ("1.5E+03", 1500.0), ("-4", -4.0),
    ("1,00", None), ("10,0000", None), ("4x", None), ("", None), ("1_000", None), ("%", None),
])
def test_numbers_as_excel_shows_them(cell, value):
    assert excel_number(cell) == value


@pytest.mark.parametrize("data, message", [
    (b"name,mau_wan,peak_multiplier\na,6000,4\nb\xff\xfe\xfd,6000,4\n",
     "s.csv:3: not UTF-8 text, nor GB18030 (bytes 0xFF 0xFE); save it from Excel as \"CSV UTF-8\" or give --encoding"),
    ("name,mau_wan,peak_multiplier\na,6000,4\ncafé,6000,4\n".encode("latin-1"),
     "s.csv:3: not UTF-8 text, nor GB18030 (bytes 0xE9 0x2C); save it from Excel as \"CSV UTF-8\" or give --encoding"),
    (b"\xef\xbb\xbfname,mau_wan\n\xff,1\n",
     "s.csv:2: not UTF-8 text although it starts with its byte-order mark (bytes 0xFF 0x2C); "
     "save it from Excel as \"CSV UTF-8\" or give --encoding"),
    ("name\tmau_wan\n".encode("utf-16") + b"\x00\xd8",  # a lone surrogate on line 2
     "s.csv:2: not UTF-16 text although it starts with its byte-order mark (bytes 0x00 0xD8); "
     "save it from Excel as \"CSV UTF-8\" or give --encoding"),
    (b"name,mau_wan\x00,peak\n", "s.csv: not a text file (binary data); expected CSV with a header of scenario keys"),
    (b"\xef\xbb\xbf", "s.csv: empty file; expected CSV with a header of scenario keys"),
    ("name;mau_wan;peak_multiplier\na;6000,5;4\n".encode(),
     "s.csv:2: scenario 1: mau_wan: '6000,5' has a comma: in a semicolon-separated file it may be a decimal "
     "comma; write the number with a decimal point (0.5) and no thousands separator"),
])
def test_encoding_and_format_errors_name_the_line(tmp_path, data, message):
    (tmp_path / "s.csv").write_bytes(data)
    assert_one_error(run("table", "s.csv", cwd=tmp_path), message)


def test_encoding_option(tmp_path):
    (tmp_path / "s.csv").write_bytes("name,mau_wan,peak_multiplier\ncafé,6000,4\n".encode("cp1252"))
    p = run("table", "s.csv", "--encoding", "cp1252", "--format", "csv", "--sheet", "figure11", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.splitlines()[1].startswith("café,")
    (tmp_path / "g.csv").write_bytes("name,mau_wan,peak_multiplier\n保守,6000,4\n".encode("utf-8"))
    assert_one_error(run("table", "g.csv", "--encoding", "ascii", cwd=tmp_path),
                     "g.csv:2: not ascii text (bytes 0xE4 0xBF); check --encoding")
    assert_one_error(run("table", "g.csv", "--encoding", "klingon", cwd=tmp_path),
                     "--encoding 'klingon': unknown encoding; e.g. utf-8, utf-16, gb18030, big5, cp1252 "
                     "(Python's codec names)")


def test_decode_reports_what_it_used():
    assert decode("a,b\n".encode("utf-16"), "s.csv")[1] == "utf-16"
    assert decode("保守".encode("gbk"), "s.csv") == ("保守", "gb18030")
    with pytest.raises(ScenarioFileError, match=r"^s.csv:1: not UTF-8 text, nor GB18030"):
        decode(b"\x81\x30", "s.csv")


def test_password_protected_workbook():
    # tests/data/README.md: the Figure 11 workbook encrypted with the password "secret"
    with pytest.raises(WorkbookError, match="password-protected"):
        check_xlsx(DATA / "password-secret.xlsx")


@pytest.mark.parametrize("cmd", [["verify"], ["fill"], ["pdf"]])
def test_password_protected_workbook_on_the_command_line(tmp_path, cmd):
    (tmp_path / "locked.xlsx").write_bytes((DATA / "password-secret.xlsx").read_bytes())
    args = {"verify": ["locked.xlsx"], "fill": ["locked.xlsx", "-o", "o.xlsx"], "pdf": ["locked.xlsx", "-o", "o.pdf"]}
    assert_one_error(run(cmd[0], *args[cmd[0]], cwd=tmp_path),
                     "locked.xlsx: the workbook is password-protected (encrypted); open it in Excel, remove the "
                     "password (File > Info > Protect Workbook > Encrypt with Password) and save it again")


def test_old_xls_is_named_as_such(tmp_path):
    (tmp_path / "old.xlsx").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    assert_one_error(run("verify", "old.xlsx", cwd=tmp_path),
                     "old.xlsx: not an .xlsx workbook (an OLE2 compound file: an old .xls workbook or another "
                     "Office file); save it as .xlsx")


# --- CSV out ---------------------------------------------------------------------------------

HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "=HYPERLINK(\"http://x\")"]


@pytest.mark.parametrize("cell, out", [("=1+1", "'=1+1"), ("\rCR", "'\rCR"), ("\tx", "'\tx"), ("保守", "保守"),
                                       ("a=b", "a=b"), ("", "")])
def test_csv_text(cell, out):
    from xlsizing.render import csv_text

    assert csv_text(cell) == out  # a scenario name cannot hold CR (one line), the escaping still covers it


def test_formula_like_names_are_escaped_and_numbers_are_not(tmp_path):
    # OWASP CSV Injection: prefix a single quote to a cell starting with = + - @ tab CR
    rows = "".join(f"[[scenario]]\nname = {json.dumps(n)}\nname_en = {json.dumps(n)}\nmau_wan = 6000\n"
                   "peak_multiplier = 4\n" for n in HOSTILE)  # JSON strings are TOML basic strings here
    (tmp_path / "s.toml").write_text(rows, encoding="utf-8")
    p = run("table", "s.toml", "--format", "csv", "--sheet", "figure11", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    got = list(csv.DictReader(io.StringIO(p.stdout)))
    assert [r["name"] for r in got] == ["'" + n for n in HOSTILE]
    assert all(float(r["mau_wan"]) == 6000.0 for r in got)  # numbers untouched
    assert got[0]["name_en"] == "'=1+1"


def test_csv_file_for_excel_has_a_bom(tmp_path):
    p = run("table", "--format", "csv", "-o", "t.csv", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "wrote t.csv\n"
    data = (tmp_path / "t.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfname,") and "保守".encode() in data
    assert run("table", "--format", "csv", "-o", "n.csv", "--no-bom", cwd=tmp_path).returncode == 0
    assert (tmp_path / "n.csv").read_bytes().startswith(b"name,")
    # the terminal: no BOM unless asked
    assert run("table", "--format", "csv", cwd=tmp_path).stdout.startswith("name,")
    assert run("table", "--format", "csv", "--bom", cwd=tmp_path).stdout.startswith("\ufeffname,")
    # and what xlsizing writes, it reads back (the BOM and the escaped names)
    assert run("table", "--format", "csv", "-o", "t2.csv", "--force", cwd=tmp_path).returncode == 0
    assert_one_error(run("table", "t.csv", cwd=tmp_path))  # a results table is not a scenario file: one clear line


def test_an_existing_csv_output_needs_force(tmp_path):
    (tmp_path / "t.csv").write_text("mine", "utf-8")
    assert_one_error(run("table", "--format", "csv", "-o", "t.csv", cwd=tmp_path),
                     "t.csv already exists; use --force to overwrite it")
    assert (tmp_path / "t.csv").read_text("utf-8") == "mine"
