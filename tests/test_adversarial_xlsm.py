""".xlsm round trips: every real VBA project we have, through build, fill and fill again; hostile ones refused.

Oracles: the VBA projects of XlsxWriter's test suite (tests/data/xlsxwriter/README.md: 6
``vbaProject.bin`` files and 5 Excel-saved ``.xlsm``, one of them signed), compared byte for byte
after every step; the content type Excel requires of a macro-enabled workbook
(``application/vnd.ms-excel.sheet.macroEnabled.main+xml``); LibreOffice (``xlsizing verify``, one
run for every workbook of the round trips) for the values; the CLI contract for the hostile
inputs (exit 2, one ``Error:`` line, no traceback, nothing written).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xlsizing.fill import fill_workbook
from xlsizing.scenarios import load_builtin, make_scenario
from xlsizing.verify import verify_workbooks
from xlsizing.xlsm import MACRO_CONTENT_TYPE, VBA_PART, VBA_SIGNATURE_PART, workbook_content_type, write_workbook_xlsm

DATA = Path(__file__).parent / "data" / "xlsxwriter"
BINS = sorted(DATA.glob("vbaProject0[1-5].bin")) + [DATA / "vbaProject-example.bin"]
XLSMS = sorted(DATA.glob("*.xlsm"))
SOURCES = [("bin", p) for p in BINS] + [("xlsm", p) for p in XLSMS]
COLUMNS = (1, 4, 16)  # a batch file, the report's four, many
XLSIZING = [sys.executable, "-m", "xlsizing"]


def member(path: Path, name: str) -> bytes | None:
    with zipfile.ZipFile(path) as z:
        return z.read(name) if name in z.namelist() else None


def project_of(kind: str, src: Path) -> tuple[bytes, bytes | None, bytes]:
    """(vbaProject.bin, signature or None, expected workbook code name) of a source."""
    if kind == "bin":
        return src.read_bytes(), None, b"ThisWorkbook"
    m = re.search(rb'<workbookPr[^>]*codeName="([^"]+)"', member(src, "xl/workbook.xml"))
    return member(src, VBA_PART), member(src, VBA_SIGNATURE_PART), m.group(1) if m else b"ThisWorkbook"


def scenarios(n: int, rng: random.Random):
    # the report's columns (MAU 6,000-25,000 万, peak 4-5), shuffled: this suite is about the VBA
    # project's round trip, not the numbers; random inputs and margins near zero are the engines'
    # question (tests/test_adversarial_engine_vs_libreoffice.py, tests/test_verify_tolerance.py)
    report = load_builtin()
    return [make_scenario(f"情形{j + 1}", mau_wan=rng.choice(report).values["mau_wan"],
                          peak_multiplier=rng.choice([4, 5])) for j in range(n)]


@pytest.fixture(scope="module")
def round_trips(tmp_path_factory):
    """Every source × column count: build → fill → fill of the filled copy; every workbook kept."""
    d = tmp_path_factory.mktemp("xlsm")
    rng = random.Random(14)
    trips = []
    for kind, src in SOURCES:
        for n in COLUMNS:
            stem = f"{src.stem}-{n}"
            how = {"vba_project": src} if kind == "bin" else {"vba_from": src}
            built = write_workbook_xlsm(scenarios(n, rng), d / f"{stem}.xlsm", **how)
            filled = fill_workbook(built, scenarios(n, rng), d / f"{stem}-filled.xlsm")
            again = fill_workbook(filled, scenarios(n, rng), d / f"{stem}-filled-again.xlsm")
            trips.append((kind, src, n, [built, filled, again]))
    return trips


def test_every_round_trip_keeps_the_project_byte_for_byte(round_trips):
    checked = 0
    for kind, src, n, books in round_trips:
        vba, signature, codename = project_of(kind, src)
        for p in books:
            assert member(p, VBA_PART) == vba, p.name
            assert member(p, VBA_SIGNATURE_PART) == signature, p.name
            assert workbook_content_type(p) == MACRO_CONTENT_TYPE, p.name
            assert re.search(rb'<workbookPr[^>]*codeName="' + re.escape(codename) + b'"',
                             member(p, "xl/workbook.xml")), p.name
            assert b"relationships/vbaProject" in member(p, "xl/_rels/workbook.xml.rels"), p.name
            if signature is not None:
                assert b"vbaProjectSignature" in member(p, "xl/_rels/vbaProject.bin.rels"), p.name
                assert b'PartName="/xl/vbaProjectSignature.bin"' in member(p, "[Content_Types].xml"), p.name
            assert zipfile.ZipFile(p).testzip() is None
            checked += 1
    assert checked == len(SOURCES) * len(COLUMNS) * 3 == 99  # 11 sources × 3 column counts × 3 steps


def test_every_round_trip_verifies_in_libreoffice(round_trips):
    books = [p for *_, bs in round_trips for p in bs]
    reports = verify_workbooks(books, timeout=600)
    bad = [r.summary() for r in reports if not r.ok]
    assert not bad, "\n".join(bad[:5])
    assert len(reports) == 99


def _hostile(d: Path) -> dict[str, tuple[list, str]]:
    """name → (command args, the start of its one Error line)."""
    rng = random.Random(1414)
    good = DATA / "vbaProject01.bin"
    (d / "empty.bin").write_bytes(b"")
    (d / "text.bin").write_text("Sub Hello()\nEnd Sub\n")
    (d / "random.bin").write_bytes(rng.randbytes(4096))
    (d / "zip.bin").write_bytes((DATA / "macro01.xlsm").read_bytes())  # an .xlsm named .bin
    with open(d / "huge.bin", "wb") as f:  # sparse: 25 MB on paper, nothing on disk
        f.write(good.read_bytes())
        f.truncate(25 * 1024 * 1024)
    os.mkdir(d / "folder.bin")
    write_workbook_xlsm(load_builtin(), d / "macro.xlsm", vba_project=good)
    with zipfile.ZipFile(d / "macro.xlsm") as zin, zipfile.ZipFile(d / "nobin.xlsm", "w") as zout:
        for info in zin.infolist():  # an .xlsm whose project was deleted
            if info.filename != VBA_PART:
                zout.writestr(info, zin.read(info))
    with zipfile.ZipFile(d / "bomb.xlsm", "w", zipfile.ZIP_DEFLATED) as z:  # the project inflates to 120 MB
        with zipfile.ZipFile(d / "macro.xlsm") as zin:
            for info in zin.infolist():
                if info.filename != VBA_PART:
                    z.writestr(info, zin.read(info))
        z.writestr(VBA_PART, bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * (120 * 1024 * 1024))
    cases = {}
    for name in ("empty.bin", "text.bin", "random.bin", "zip.bin"):
        cases[f"build --vba-project {name}"] = (["build", "-o", "o.xlsm", "--vba-project", name],
                                                f"Error: {name}: not a VBA project")
    cases["build --vba-project huge.bin"] = (["build", "-o", "o.xlsm", "--vba-project", "huge.bin"],
                                             "Error: vba_project huge.bin: 26214400 bytes is too large")
    cases["build --vba-project folder.bin"] = (["build", "-o", "o.xlsm", "--vba-project", "folder.bin"],
                                               "Error: vba_project folder.bin: no such file")
    cases["build --vba-from nobin.xlsm"] = (["build", "-o", "o.xlsm", "--vba-from", "nobin.xlsm"],
                                            "Error: nobin.xlsm: no VBA project")
    cases["build --vba-from bomb.xlsm"] = (["build", "-o", "o.xlsm", "--vba-from", "bomb.xlsm"],
                                           "Error: bomb.xlsm: declares")
    cases["build --vba-from text.bin"] = (["build", "-o", "o.xlsm", "--vba-from", "text.bin"],
                                          "Error: text.bin: not an .xlsx workbook")
    cases["fill bomb.xlsm"] = (["fill", "bomb.xlsm", "-o", "o.xlsm"], "Error: bomb.xlsm: declares")
    cases["fill macro.xlsm -o .xlsx"] = (["fill", "macro.xlsm", "-o", "o.xlsx"], "Error: o.xlsx: macro.xlsm holds macros")
    cases["fill nobin.xlsm -o .xlsm"] = (["fill", "nobin.xlsm", "-o", "o.xlsm"],
                                         "Error: o.xlsm: nobin.xlsm has no VBA project")
    cases["build -o .xlsm"] = (["build", "-o", "o.xlsm"], "Error: o.xlsm is a macro-enabled workbook name")
    cases["build -o .xlsx --vba-project"] = (["build", "-o", "o.xlsx", "--vba-project", str(good)],
                                             "Error: o.xlsx: a workbook with a VBA project must be named .xlsm")
    return cases


def test_hostile_vba_inputs_are_refused_in_one_line(tmp_path):
    cases = _hostile(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    for name, (args, start) in cases.items():
        p = subprocess.run([*XLSIZING, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        lines = p.stderr.strip().splitlines()
        assert (p.returncode, len(lines)) == (2, 1), (name, p.stderr)
        assert lines[0].startswith(start), (name, lines[0])
        assert "Traceback" not in p.stderr and "internal error" not in p.stderr, name
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    assert len(cases) == 14
