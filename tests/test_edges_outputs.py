"""Outputs: never over the command's own input, the extension of what is written, full disks, read-only targets.

Oracle: the CLI contract (docs/cli.md): a refused or failed output is one ``Error: <file>: <reason>``
line per file (exit 2), no traceback (no "Exception ignored in ZipFile.__del__"), nothing left
behind; the inputs stay byte for byte.  Full-disk and read-only targets are real filesystems: a
64 kB tmpfs mounted for the test, and one mounted read-only (root only; skipped otherwise, with the reason).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from test_cli import GOOD, XLSIZING, assert_one_error, listing, run


@pytest.fixture
def files(tmp_path):
    (tmp_path / "m.toml").write_text(GOOD, "utf-8")
    (tmp_path / "c.csv").write_text("name,mau_wan,peak_multiplier\na,6000,4\n", "utf-8")
    assert run("build", "m.toml", "-o", "p.xlsx", cwd=tmp_path).returncode == 0
    return tmp_path


SAME = "is an input of this command ({}); writing the output there would destroy it, even with --force; give another output name"


@pytest.mark.parametrize("args, output, inp", [
    (["build", "m.toml", "-o", "m.toml", "--force"], "m.toml", "m.toml"),
    (["build", "m.toml", "-o", "./x/../m.toml", "--force"], "./x/../m.toml", "m.toml"),
    (["build", "m.toml", "-o", "link.toml", "--force"], "link.toml", "m.toml"),  # a hard link to m.toml
    (["pdf", "p.xlsx", "-o", "p.xlsx", "--force"], "p.xlsx", "p.xlsx"),
    (["batch", "c.csv", "--one-workbook", "c.csv", "--force"], "c.csv", "c.csv"),
    (["fill", "p.xlsx", "m.toml", "-o", "p.xlsx", "--force"], "p.xlsx", "p.xlsx"),
    (["table", "m.toml", "-o", "m.toml", "--force"], "m.toml", "m.toml"),
])
def test_never_over_an_input_even_with_force(files, args, output, inp):
    os.link(files / "m.toml", files / "link.toml")
    before = listing(files)
    assert_one_error(run(*args, cwd=files), f"{output}: " + SAME.format(inp))
    assert listing(files) == before


@pytest.mark.parametrize("args, message", [
    (["build", "-o", "out.txt"], "out.txt: a workbook must be named .xlsx (or .xlsm), not .txt"),
    (["build", "-o", "out"], "out: a workbook must be named .xlsx (or .xlsm), it has no extension"),
    (["batch", "--one-workbook", "all.csv"], "all.csv: a workbook must be named .xlsx (or .xlsm), not .csv"),
    (["pdf", "p.xlsx", "-o", "p2.xlsx"], "p2.xlsx: a PDF must be named .pdf, not .xlsx"),
    (["fill", "p.xlsx", "-o", "f.pdf"], "f.pdf: a workbook must be named .xlsx (or .xlsm), not .pdf"),
    (["init", "s.txt"], "s.txt: a scenario file must be named .toml, not .txt"),
    (["table", "--format", "csv", "-o", "t.txt"], "t.txt: a CSV file must be named .csv, not .txt"),
])
def test_extension_of_what_is_written(files, args, message):
    before = listing(files)
    assert_one_error(run(*args, cwd=files), message)
    assert listing(files) == before


def test_upper_case_and_xlsm_extensions_are_accepted(files):
    assert run("build", "-o", "A.XLSX", cwd=files).returncode == 0
    assert run("table", "-o", "t.CSV", "--format", "csv", cwd=files).returncode == 0


def test_batch_outdir_holding_an_input(files):
    # an input named like the batch's first numbered workbook, in the output folder itself
    shutil.copyfile(files / "c.csv", files / "0001-a.csv")
    p = run("batch", "0001-a.csv", "--outdir", ".", "--force", cwd=files)
    assert p.returncode == 0, p.stderr  # 0001-a.xlsx is another file: fine
    assert (files / "0001-a.csv").read_text("utf-8").startswith("name,")


# --- a full disk and a read-only filesystem --------------------------------------------------


def _mount(d: Path, *opts: str):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem for the test needs root")
    d.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(opts), "tmpfs", str(d)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")


@pytest.fixture
def small(tmp_path):
    """A 64 kB filesystem: about two workbooks fit."""
    d = tmp_path / "small"
    _mount(d, "size=64k")
    yield d
    subprocess.run(["umount", str(d)], check=True)


@pytest.fixture
def full(small):
    """The 64 kB filesystem, filled to the last block."""
    with open(small / "filler", "wb", buffering=0) as f:
        for size in (4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass
    return small


@pytest.fixture
def readonly(tmp_path):
    d = tmp_path / "ro"
    _mount(d, "size=64k", "ro")
    yield d
    subprocess.run(["umount", str(d)], check=True)


def _no_noise(p):
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr


@pytest.mark.parametrize("args, output", [
    (["build", "-o", "{d}/a.xlsx"], "{d}/a.xlsx"),
    (["batch", "--one-workbook", "{d}/a.xlsx"], "{d}/a.xlsx"),
    (["init", "{d}/s.toml"], "{d}/s.toml"),
    (["table", "--format", "csv", "-o", "{d}/t.csv"], "{d}/t.csv"),
    (["fill", "tpl.xlsx", "-o", "{d}/f.xlsx"], "{d}/f.xlsx"),
])
def test_full_disk_is_one_error_line(full, tmp_path, args, output):
    if args[0] == "fill":
        assert run("build", "-o", "tpl.xlsx", cwd=tmp_path).returncode == 0
    before = listing(full)
    p = run(*[a.format(d="small") for a in args], cwd=tmp_path)
    _no_noise(p)
    assert_one_error(p, f"{output.format(d='small')}: cannot write it: No space left on device; nothing was written")
    assert listing(full) == before


def test_full_disk_behind_a_redirection(full, tmp_path):
    with open(full / "out.csv", "w") as out:
        p = subprocess.run([str(XLSIZING), "table", "--format", "csv"], stdout=out, stderr=subprocess.PIPE,
                           text=True, cwd=tmp_path)
    _no_noise(p)
    assert_one_error(p, "standard output: cannot write it: No space left on device")


def test_batch_on_a_disk_that_fills_up(small, tmp_path):
    p = run("batch", "--base", "保守", "--grid", "mfu=0.3:0.7:0.1", "--outdir", "small/new", "-j", "1", cwd=tmp_path)
    _no_noise(p)
    assert p.returncode == 2
    written = sorted(x.name for x in (small / "new").iterdir())
    assert 1 <= len(written) < 5
    errors = p.stderr.splitlines()
    # one line per failed workbook, then the count
    failed = [f"0{i:03d}" for i in range(len(written) + 1, 6)]
    assert errors[:-1] == [f"Error: small/new/{n}-保守_mfu={v}.xlsx: cannot write it: No space left on device; "
                           "nothing was written" for n, v in zip(failed, ["0.3", "0.4", "0.5", "0.6", "0.7"][len(written):])]
    assert errors[-1] == f"Error: {len(failed)} of 5 workbooks failed (listed above); {len(written)} written"


def test_failed_batch_leaves_no_new_folder(full, tmp_path):
    p = run("batch", "--base", "保守", "--grid", "mfu=0.3,0.4", "--outdir", "small/new/deeper", cwd=tmp_path)
    _no_noise(p)
    assert p.returncode == 2 and p.stderr.splitlines()[-1] == "Error: 2 of 2 workbooks failed (listed above); 0 written"
    assert not (full / "new").exists()  # the folders it made are gone again


def test_read_only_filesystem(readonly, tmp_path):
    p = run("build", "-o", "ro/x.xlsx", cwd=tmp_path)
    _no_noise(p)
    assert_one_error(p, "ro/x.xlsx: cannot write it: Read-only file system; nothing was written")
    p = run("batch", "--base", "保守", "--grid", "mfu=0.3,0.4", "--outdir", "ro/new", cwd=tmp_path)
    assert_one_error(p, "cannot create output folder ro/new: Read-only file system")
    p = run("init", "ro/s.toml", cwd=tmp_path)
    assert_one_error(p, "ro/s.toml: cannot write it: Read-only file system; nothing was written")
    assert list(readonly.iterdir()) == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by scripts/test.sh")
def test_pdf_onto_a_full_disk(full, tmp_path):
    assert run("build", "-o", "p.xlsx", cwd=tmp_path).returncode == 0
    before = listing(full)
    p = run("pdf", "p.xlsx", "-o", "small/p.pdf", cwd=tmp_path)
    _no_noise(p)
    assert_one_error(p, "small/p.pdf: cannot write it: No space left on device; nothing was written")
    assert listing(full) == before
