"""What the product writes at its largest, it reads back and verifies; zip bombs stay refused.

``batch --one-workbook`` accepts up to 16,000 scenario columns; that workbook is a 24 MB file
declaring 235 MB uncompressed (measured), which the old 100 MiB limit refused as a possible zip
bomb.  The limits now (xlsizing/fileio.py): anything up to 100 MiB; up to 512 MiB only if no
part above 1 MiB inflates more than 50 times its compressed size (the 16,000-column workbook's
parts: 6-17×; a bomb of zeros: about 1,000×).  Oracles: the file xlsizing itself writes, the
hand-built bombs of test_adversarial_workbooks.py, and LibreOffice and Gnumeric recalculating a
1,000-column workbook (which took LibreOffice over 300 s before verification left the unused
defined names out of the staged copy; 6 s after).
"""

from __future__ import annotations

import os
import shutil
import zipfile
import zlib

import pytest

from xlsizing import verify
from xlsizing.errors import WorkbookError
from xlsizing.fileio import MAX_RATIO, MAX_UNCOMPRESSED, MAX_UNCOMPRESSED_ANY, check_xlsx
from xlsizing.scenarios import make_scenario
from xlsizing.workbook import write_workbook

from test_adversarial_workbooks import MIB, _small, _zeros, _zip, zip_bomb
from test_cli import assert_one_error, run

ENGINES = shutil.which("soffice") is not None and shutil.which("ssconvert") is not None


def scenarios(n: int):
    """``n`` distinct scenarios (MAU 1,000 + i 万, MFU from 0.3 to 0.8, peak ×4): hand-picked inputs."""
    return [make_scenario(f"S{i + 1}", mau_wan=1000.0 + i, peak_multiplier=4.0, mfu=0.3 + 0.5 * i / n)
            for i in range(n)]


@pytest.fixture(scope="module")
def widest(tmp_path_factory):
    """The widest workbook batch --one-workbook writes: 16,000 scenario columns (about a minute)."""
    return write_workbook(scenarios(16_000), tmp_path_factory.mktemp("widest") / "all.xlsx")


def test_the_widest_batch_workbook_is_read_back(widest):
    with zipfile.ZipFile(widest) as z:
        infos = z.infolist()
    total = sum(i.file_size for i in infos)
    assert total > MAX_UNCOMPRESSED_ANY  # the old single limit refused it
    assert check_xlsx(widest) == widest
    worst = max(i.file_size / i.compress_size for i in infos if i.file_size > MIB)
    assert worst < MAX_RATIO / 2  # measured 16.5 (docProps/app.xml): a wide margin to the limit
    names = verify.defined_names(widest)
    assert names["mau_wan_16000"][0] == "Figure 11"
    # the staged copy the engines get keeps only the names formulas use: a few, not 560,000
    staged = verify.stage_copy(widest, widest.parent / "staged.xlsx")
    with zipfile.ZipFile(staged) as z:
        assert z.read("xl/workbook.xml").count(b"<definedName ") < 1000


@pytest.mark.skipif(not ENGINES, reason="LibreOffice and Gnumeric are installed by scripts/test.sh")
def test_a_thousand_column_workbook_verifies_in_both_engines(tmp_path):
    path = write_workbook(scenarios(1000), tmp_path / "wide.xlsx")
    p = run("verify", "wide.xlsx", "--engine", "all", cwd=tmp_path, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = p.stdout.splitlines()
    assert len(lines) == 2 and all(ln.startswith("wide.xlsx: OK — 35000 computed cells") for ln in lines)
    assert path.is_file()


def padded_bomb(path, zeros_mib: int, padding: int):
    """``padding`` bytes of incompressible data (stored) beside a part of ``zeros_mib`` MiB of zeros.

    The whole file's ratio looks harmless (a large file); only the one part gives it away.
    """
    noise = os.urandom(padding)
    data, crc = _zeros(zeros_mib)
    return _zip(path, [_small("[Content_Types].xml", "<Types/>"), _small("xl/workbook.xml", "<workbook/>"),
                       ("xl/media/image1.bin", noise, zlib.crc32(noise), len(noise), 0),
                       ("xl/worksheets/sheet1.xml", data, crc, zeros_mib * MIB, 8)])


@pytest.mark.parametrize("kind", ["bomb-300MiB", "padded-bomb"])
def test_bombs_under_the_size_cap_are_refused_by_their_ratio(tmp_path, kind):
    if kind == "bomb-300MiB":
        path = zip_bomb(tmp_path / "b.xlsx", mib=300)
    else:
        path = padded_bomb(tmp_path / "b.xlsx", zeros_mib=200, padding=40 * 10**6)
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    total = sum(i.file_size for i in infos)
    assert MAX_UNCOMPRESSED_ANY < total < MAX_UNCOMPRESSED  # the size cap alone would let it in
    part = next(i for i in infos if i.filename == "xl/worksheets/sheet1.xml")
    ratio = part.file_size / part.compress_size
    message = (f"{path}: declares {total} bytes uncompressed, and its part xl/worksheets/sheet1.xml inflates "
               f"{ratio:.0f} times its compressed size (above {MAX_UNCOMPRESSED_ANY} bytes in all, at most "
               f"{MAX_RATIO} times); refusing to open a possible zip bomb")
    with pytest.raises(WorkbookError) as e:
        check_xlsx(path)
    assert str(e.value) == message
    assert ratio > 500
    p = run("verify", path.name, cwd=tmp_path)
    assert_one_error(p, message.replace(str(path), path.name))


def test_a_bomb_over_the_cap_names_the_cap(tmp_path):
    path = zip_bomb(tmp_path / "b.xlsx", mib=600)
    with pytest.raises(WorkbookError, match=rf"declares {600 * MIB + 19} bytes uncompressed \(limit {MAX_UNCOMPRESSED}\)"):
        check_xlsx(path)
