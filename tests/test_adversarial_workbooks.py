"""Adversarial: untrusted workbooks given to fill and verify, through the library and the command.

Oracles: the size limits of xlsizing.fileio (declared uncompressed bytes, entries, file bytes),
the CLI contract (exit 2, exactly one ``Error: <file>…`` line, no traceback, no output file), and
the operating system's own account of memory (``os.wait4`` rusage of the child process: peak
resident set size), so "memory stays bounded" is measured, not assumed.

Complements tests/test_workbook_files.py (a 200 MB honest zip bomb, a text file, a truncated
file, 2001 entries and a damaged deflate stream, each with its exact message) and
tests/test_cli_libreoffice.py (verify of a text file and a missing file): here the bombs are
1 GiB, one of them lies about its size, the XML inside is an entity bomb, files are huge,
renamed from other formats or damaged at seeded random places, and memory is measured.
"""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from xlsizing.errors import WorkbookError
from xlsizing.fileio import MAX_FILE_BYTES, MAX_UNCOMPRESSED, check_xlsx
from xlsizing.fill import fill_workbook
from xlsizing.scenarios import load_builtin
from xlsizing.workbook import write_template

from test_cli import XLSIZING

MIB = 1024 * 1024
BOMB_MIB = 1024  # what the bombs inflate to
MEMORY_LIMIT_MIB = 200  # peak RSS allowed for a command refusing a 1 GiB bomb (a normal fill: ~80 MiB)


# --- building hostile files -------------------------------------------------------------------


def _zip(path: Path, entries: list[tuple[str, bytes, int, int, int]]) -> Path:
    """A zip written by hand: ``(name, deflated data, crc, declared size, method)`` per entry.

    Writing the structures directly lets an entry declare a size other than what its data
    inflates to (zipfile would not), and lets a 1 GiB bomb be built in well under a second.
    """
    out, central = bytearray(), bytearray()
    for name, data, crc, size, method in entries:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(n), 0)
        out += n + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data),
                               size, len(n), 0, 0, 0, 0, 0, offset) + n
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + eocd))
    return path


def _small(name: str, text: str):
    raw = text.encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw), 8


def _zeros(mib: int) -> tuple[bytes, int]:
    """Raw deflate of ``mib`` MiB of zeros and its CRC, built from one compressed MiB."""
    chunk = b"\0" * MIB
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)  # a full flush: every MiB compresses alike
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    return block * mib + c.flush(zlib.Z_FINISH), crc


def zip_bomb(path: Path, mib: int = BOMB_MIB, declared: int | None = None) -> Path:
    """A ~1 MB .xlsx-shaped zip whose sheet inflates to ``mib`` MiB; ``declared`` may lie."""
    data, crc = _zeros(mib)
    return _zip(path, [_small("[Content_Types].xml", "<Types/>"), _small("xl/workbook.xml", "<workbook/>"),
                       ("xl/worksheets/sheet1.xml", data, crc, mib * MIB if declared is None else declared, 8)])


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
          + "]>\n")
EXTERNAL = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def entity_bomb(template: Path, dest: Path, part: str, doctype: str = LAUGHS, ref: str = "&lol9;") -> Path:
    """``template`` with a DOCTYPE declaring a billion-laughs (or external) entity used in ``part``."""
    with zipfile.ZipFile(template) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                body = data.decode().split("?>", 1)[-1]
                if "<sheetData>" in body:
                    cell = f'<row r="999"><c r="A999" t="inlineStr"><is><t>{ref}</t></is></c></row>'
                    body = body.replace("<sheetData>", "<sheetData>" + cell, 1)
                else:
                    body = body.replace("<sheets>", f"<sheets>{ref}", 1)
                data = (doctype + body).encode()
            zout.writestr(info, data)
    return dest


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("adv-tpl") / "template.xlsx")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, template) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    f = {
        "bomb": zip_bomb(d / "bomb.xlsx"),
        "lying-bomb": zip_bomb(d / "lying-bomb.xlsx", declared=10_000),
        "laughs-workbook": entity_bomb(template, d / "laughs-workbook.xlsx", "xl/workbook.xml"),
        "laughs-sheet": entity_bomb(template, d / "laughs-sheet.xlsx", "xl/worksheets/sheet1.xml"),
        "external-entity": entity_bomb(template, d / "external-entity.xlsx", "xl/worksheets/sheet1.xml",
                                       EXTERNAL, "&xxe;"),
    }
    future = bytearray(template.read_bytes())  # every entry claims to need zip version 19.5
    pos = future.find(b"PK\x01\x02")
    while pos != -1:
        future[pos + 6] = 195
        pos = future.find(b"PK\x01\x02", pos + 4)
    (d / "future-zip-version.xlsx").write_bytes(bytes(future))
    f["future-zip-version"] = d / "future-zip-version.xlsx"
    huge = d / "huge.xlsx"  # a sparse file: 51 MB on paper, nothing on disk
    with open(huge, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + MIB)
    f["huge"] = huge
    renamed = {
        "empty": b"",
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
        "png": b"\x89PNG\r\n\x1a\n" + bytes(200),
        "xls-ole2": bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504),
        "gzip": zlib.compress(template.read_bytes()),
        "html": b"<html><body><table><tr><td>6000</td></tr></table></body></html>",
        "csv": "名称,MAU\n2024年末,6000\n".encode(),
    }
    for name, data in renamed.items():
        (d / f"{name}.xlsx").write_bytes(data)
        f[name] = d / f"{name}.xlsx"
    with zipfile.ZipFile(d / "ods.xlsx", "w") as z:  # a LibreOffice spreadsheet renamed
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    f["ods"] = d / "ods.xlsx"
    with zipfile.ZipFile(d / "docx.xlsx", "w") as z:  # a Word document renamed
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    f["docx"] = d / "docx.xlsx"
    (d / "folder.xlsx").mkdir()
    f["folder"] = d / "folder.xlsx"
    os.symlink("/dev/zero", d / "device.xlsx")
    f["device"] = d / "device.xlsx"
    return f


# What each hostile file must be refused with (prefix after "<path>: ").
REFUSAL = {
    "bomb": f"declares {BOMB_MIB * MIB + 19} bytes uncompressed (limit {MAX_UNCOMPRESSED}); refusing to open a "
            "possible zip bomb",
    "lying-bomb": "cannot read the workbook",
    "laughs-workbook": "cannot read the workbook",
    "laughs-sheet": "cannot read the workbook",
    "external-entity": "cannot read the workbook",
    "future-zip-version": "cannot read the workbook",
    "huge": f"{MAX_FILE_BYTES + MIB} bytes is too large for a sizing workbook (limit {MAX_FILE_BYTES})",
    "empty": "not an .xlsx workbook",
    "pdf": "not an .xlsx workbook",
    "png": "not an .xlsx workbook",
    "xls-ole2": "not an .xlsx workbook",
    "gzip": "not an .xlsx workbook",
    "html": "not an .xlsx workbook",
    "csv": "not an .xlsx workbook",
    "ods": "not an .xlsx workbook (no xl/workbook.xml inside the zip)",
    "docx": "not an .xlsx workbook (no xl/workbook.xml inside the zip)",
    "folder": "not a file",
    "device": "not a file",
}
# zip directories that look fine: only parsing the XML (openpyxl, or LibreOffice in verify) finds them
FOUND_BY_PARSING = ["lying-bomb", "laughs-workbook", "laughs-sheet", "external-entity"]
# refused by the zip checks alone, before any parser or LibreOffice sees them
REFUSED_BEFORE_PARSING = [k for k in REFUSAL if k not in FOUND_BY_PARSING]


def one_line(message: str) -> bool:
    return "\n" not in message and "Traceback" not in message and len(message) < 600


# --- library ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(REFUSAL))
def test_fill_refuses_hostile_workbooks(hostile, tmp_path, kind):
    p = hostile[kind]
    with pytest.raises(WorkbookError) as e:
        fill_workbook(p, load_builtin(), tmp_path / "out.xlsx")
    assert str(e.value).startswith(f"{p}: {REFUSAL[kind]}"), str(e.value)
    assert one_line(str(e.value)), str(e.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", REFUSED_BEFORE_PARSING)
def test_verify_refuses_before_starting_libreoffice(hostile, kind, monkeypatch):
    from xlsizing import recalc, verify

    def no_libreoffice(*a, **k):  # pragma: no cover - reached only if a check is missing
        raise AssertionError("LibreOffice was started for a file the zip checks must refuse")

    monkeypatch.setattr(recalc, "soffice_path", no_libreoffice)
    p = hostile[kind]
    with pytest.raises(WorkbookError) as e:
        verify.verify_workbooks([p])
    assert str(e.value) == f"{p}: {REFUSAL[kind]}" or str(e.value).startswith(f"{p}: {REFUSAL[kind]}")
    assert one_line(str(e.value))


@pytest.mark.parametrize("kind", FOUND_BY_PARSING)
def test_verify_names_the_users_file_when_parsing_fails(hostile, kind, lo_profile):
    from xlsizing.verify import verify_workbooks

    p = hostile[kind]
    with pytest.raises(WorkbookError) as e:
        verify_workbooks([p], profile=lo_profile)
    msg = str(e.value)
    assert str(p) in msg and "wb00000" not in msg and one_line(msg), msg  # not the internal staged copy


def damaged(good: bytes, rng: random.Random, how: str) -> bytes:
    """A copy of ``good`` with its tail cut at a random place (``"cut"``), or 1-8 bytes overwritten
    anywhere (``"bytes"``) or inside the zip's central directory (``"central"``)."""
    data = bytearray(good)
    if how == "cut":
        return bytes(data[: rng.randrange(len(data))])
    start = bytes(data).find(b"PK\x01\x02") if how == "central" else 0
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(start, len(data))] = rng.randrange(256)
    return bytes(data)


def test_corrupt_files_at_seeded_random_places(template, tmp_path):
    # 80 copies of a real template, each with 1-8 bytes overwritten (anywhere, or inside the zip's
    # central directory) or the tail cut at a random place; fill either writes a loadable workbook
    # or refuses with one clean line, nothing else
    rng = random.Random(7)
    good = template.read_bytes()
    outcomes = {"refused": 0, "filled": 0}
    for i in range(80):
        src = tmp_path / f"c{i}.xlsx"
        src.write_bytes(damaged(good, rng, ("bytes", "bytes", "central", "cut")[i % 4]))
        out = tmp_path / f"c{i}-out.xlsx"
        try:
            fill_workbook(src, load_builtin(), out)
        except WorkbookError as e:
            assert str(e).startswith(f"{src}: ") and one_line(str(e)), str(e)
            assert not out.exists()
            outcomes["refused"] += 1
        else:
            check_xlsx(out)
            outcomes["filled"] += 1
    assert sum(outcomes.values()) == 80 and outcomes["refused"] >= 40, outcomes


# --- memory: measured in a child process -------------------------------------------------------------


# Peak RSS is read by a small launcher process: Linux carries a process's peak RSS across exec, so a
# command started straight from pytest would report pytest's own (large) peak, not its own.
MEASURE = ("import json, os, subprocess, sys\n"
           "with open(sys.argv[1], 'wb') as o, open(sys.argv[2], 'wb') as e:\n"
           "    p = subprocess.Popen(sys.argv[3:], stdout=o, stderr=e)\n"
           "    _, status, usage = os.wait4(p.pid, 0)\n"
           "    p.returncode = os.waitstatus_to_exitcode(status)\n"
           "print(json.dumps([p.returncode, usage.ru_maxrss]))\n")


def run_measured(args: list[str], cwd: Path) -> tuple[int, str, str, float]:
    """Run ``args``; return (exit code, stdout, stderr, peak RSS of that process in MiB)."""
    import json

    out, err = cwd / ".stdout", cwd / ".stderr"
    launcher = subprocess.run([sys.executable, "-c", MEASURE, str(out), str(err), *args], cwd=cwd,
                              capture_output=True, text=True, timeout=300, check=True)
    code, maxrss_kib = json.loads(launcher.stdout)  # ru_maxrss is in KiB on Linux
    text = out.read_text(), err.read_text()
    out.unlink()
    err.unlink()
    return code, text[0], text[1], maxrss_kib / 1024


LIBRARY_FILL = ("import sys; from xlsizing.fill import fill_workbook; from xlsizing.scenarios import load_builtin\n"
                "from xlsizing.errors import WorkbookError\n"
                "try:\n    fill_workbook(sys.argv[1], load_builtin(), sys.argv[2])\n"
                "except WorkbookError as e:\n    print(e); raise SystemExit(2)\n")


@pytest.mark.parametrize("kind", ["bomb", "lying-bomb", "laughs-workbook", "laughs-sheet"])
@pytest.mark.parametrize("how", ["library", "cli-fill", "cli-verify"])
def test_memory_stays_bounded(hostile, tmp_path, kind, how):
    p = hostile[kind]
    if how == "cli-verify" and kind == "lying-bomb":  # verify refuses XML declaring a DTD before LibreOffice
        pytest.skip("LibreOffice inflates it first: covered by test_verify_names_the_users_file_when_parsing_fails")
    args = {"library": [sys.executable, "-c", LIBRARY_FILL, str(p), "out.xlsx"],
            "cli-fill": [str(XLSIZING), "fill", str(p), "-o", "out.xlsx"],
            "cli-verify": [str(XLSIZING), "verify", str(p)]}[how]
    code, out, err, peak = run_measured(args, tmp_path)
    assert code == 2, (out, err)
    if how == "library":
        assert out.startswith(f"{p}: {REFUSAL[kind]}")
    else:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {p}: {REFUSAL[kind]}"), err
    assert peak < MEMORY_LIMIT_MIB, f"peak RSS {peak:.0f} MiB refusing a {BOMB_MIB} MiB bomb"
    assert list(tmp_path.iterdir()) == []


def test_a_bomb_would_really_take_the_memory(tmp_path):
    # the control: the same bomb, inflated without the checks, takes its full size in memory
    p = zip_bomb(tmp_path / "b.xlsx", mib=256)
    code, out, err, peak = run_measured(
        [sys.executable, "-c", "import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).read("
                               "'xl/worksheets/sheet1.xml')))", str(p)], tmp_path)
    assert code == 0 and out.strip() == str(256 * MIB)
    assert peak > 256


# --- the command: every hostile file, fill and verify ------------------------------------------------


def test_cli_refuses_every_hostile_file(hostile, tmp_path):
    cases = [(k, cmd) for k in REFUSAL for cmd in ("fill", "verify")
             if cmd == "fill" or k in REFUSED_BEFORE_PARSING]

    def one(case):
        kind, cmd = case
        d = tmp_path / f"{kind}-{cmd}"
        d.mkdir()
        args = ["fill", str(hostile[kind]), "-o", "out.xlsx"] if cmd == "fill" else ["verify", str(hostile[kind])]
        p = subprocess.run([str(XLSIZING), *args], cwd=d, capture_output=True, text=True, timeout=300)
        lines = p.stderr.splitlines()
        ok = (p.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"Error: {hostile[kind]}: {REFUSAL[kind]}")
              and "Traceback" not in p.stderr and list(d.iterdir()) == [])
        return case, ok, p.stderr[:300]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, cases))
    bad = [r for r in results if not r[1]]
    assert len(results) == 2 * len(REFUSAL) - (len(REFUSAL) - len(REFUSED_BEFORE_PARSING))
    assert not bad, bad
