"""Adversarial: commands killed with SIGKILL in the middle of writing lose nothing.

Oracle: the file system after the kill.  A killed ``build``, ``fill`` or ``batch --force`` must
leave every previous output byte-for-byte intact or replaced by a whole new workbook (openpyxl
opens it), never a partial file and never a stray temporary file.  The kill lands while the
process holds its nameless output file open (seen in /proc), at seeded random moments.

tests/test_cli.py already kills ``batch --one-workbook`` mid-write over a previous file and a
fresh ``batch --outdir`` mid-run; this file covers the ``build`` and ``fill`` commands and a
``batch --force`` that is replacing a folder of previous workbooks when it dies.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest

from xlsizing.batch import output_paths, plan
from xlsizing.scenarios import load_builtin

from test_cli import XLSIZING

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see writes in progress")

PREVIOUS = b"previous version: the analyst's own file"


def writing(pid: int, folder: Path) -> bool:
    """True while ``pid`` holds an open nameless (O_TMPFILE) file in ``folder``: a write in progress."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(str(folder)) and link.endswith("(deleted)") for link in links)


def kill_mid_write(args: list[str], cwd: Path, delay: float) -> bool:
    """Start ``args``; SIGKILL its process group ``delay`` s after its write begins. True if caught."""
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    caught = False
    try:
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline:
            if writing(proc.pid, cwd):
                time.sleep(delay)
                caught = proc.poll() is None
                break
            time.sleep(0.005)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    return caught


def big_scenarios(path: Path, n: int) -> Path:
    rows = "".join(f'[[scenario]]\nname = "s{i}"\nmau_wan = {1000 + i}\npeak_multiplier = {1 + i % 5}\n'
                   for i in range(n))
    path.write_text(rows, "utf-8")
    return path


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.3])
def test_build_killed_mid_write_keeps_previous_file(tmp_path, delay):
    big_scenarios(tmp_path / "many.toml", 3000)
    (tmp_path / "out.xlsx").write_bytes(PREVIOUS)
    caught = kill_mid_write([str(XLSIZING), "build", "many.toml", "-o", "out.xlsx", "--force"], tmp_path, delay)
    assert caught, "the write finished before it could be interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.toml", "out.xlsx"]  # no temp or partial file
    assert (tmp_path / "out.xlsx").read_bytes() == PREVIOUS


@pytest.fixture(scope="module")
def wide_template(tmp_path_factory):
    d = tmp_path_factory.mktemp("wide")
    big_scenarios(d / "many.toml", 250)
    assert subprocess.run([str(XLSIZING), "build", "many.toml", "-o", "tpl.xlsx"], cwd=d,
                          capture_output=True).returncode == 0
    return d


@pytest.mark.parametrize("delay", [0.0, 0.2])
def test_fill_killed_mid_write_keeps_previous_file(tmp_path, wide_template, delay):
    for name in ("many.toml", "tpl.xlsx"):
        (tmp_path / name).write_bytes((wide_template / name).read_bytes())
    (tmp_path / "out.xlsx").write_bytes(PREVIOUS)
    caught = kill_mid_write([str(XLSIZING), "fill", "tpl.xlsx", "many.toml", "-o", "out.xlsx", "--force"],
                            tmp_path, delay)
    assert caught, "the write finished before it could be interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.toml", "out.xlsx", "tpl.xlsx"]
    assert (tmp_path / "out.xlsx").read_bytes() == PREVIOUS


def test_batch_force_killed_mid_run_replaces_whole_files_only(tmp_path):
    grid = ["mfu=0.002:1:0.002"]  # 500 workbooks
    names = [p.name for p in output_paths(plan(load_builtin(), grid, ["2024年末"]), tmp_path / "o")]
    (tmp_path / "o").mkdir()
    for n in names:
        (tmp_path / "o" / n).write_bytes(PREVIOUS)
    rng = random.Random(9)
    target = rng.randint(30, 120)  # kill once this many workbooks have been replaced
    proc = subprocess.Popen([str(XLSIZING), "batch", "--base", "2024年末", "--grid", grid[0], "--outdir", "o",
                             "--force", "--jobs", "2"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline:
            replaced = sum(1 for n in names if (tmp_path / "o" / n).stat().st_size != len(PREVIOUS))
            if replaced >= target:
                break
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers (their own process group)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be interrupted"
    time.sleep(0.2)
    present = sorted(p.name for p in (tmp_path / "o").iterdir())
    stray = [n for n in present if n not in names]
    # the only possible leftover: a finished workbook linked under a hidden name whose rename over
    # the old file was cut off (atomic_write's replace step); it must at least be a whole workbook
    assert all(n.startswith(".") for n in stray), stray
    old = new = 0
    for n in names + stray:
        data = (tmp_path / "o" / n).read_bytes()
        if data == PREVIOUS:
            old += 1
        else:
            openpyxl.load_workbook(tmp_path / "o" / n, read_only=True).close()  # whole, or this raises
            new += 1
    assert set(names) <= set(present)  # no previous workbook was lost
    assert target <= new - len(stray) < len(names) and old + new - len(stray) == len(names)
