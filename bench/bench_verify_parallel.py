"""`xlsizing verify` of many workbooks on 2 LibreOffice processes against 1 (BENCHMARKS.md target 7).

Writes ``--n`` (default 100) one-scenario workbooks, as ``xlsizing batch --outdir`` does, each a
different random scenario, then times the installed command the way a user runs it:

* one process:   ``xlsizing verify w001.xlsx … w100.xlsx --jobs 1``;
* two processes: the same with ``--jobs 2`` (each LibreOffice process converts half, with its
  own profile).

The floor timed in the same run is the machine's own parallelism: ``--jobs`` 1 and 2 over a
CPU-bound Python loop of about the same length (a 2-core machine shared with others gives less
than 2).  Every run must exit 0 with every workbook OK, or the timing means nothing.  Target:
speed-up of 2 processes >= 1.6.  ``--engine gnumeric`` times Gnumeric instead.  Prints ratios
only; no assertion (noisy machines).

    .venv/bin/python bench/bench_verify_parallel.py [--n 100] [--repeat 2] [--engine libreoffice]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from xlsizing.scenarios import make_scenario
from xlsizing.workbook import write_workbook

XLSIZING = Path(sys.executable).parent / "xlsizing"


def verify(files: list[str], cwd: Path, jobs: int, engine: str) -> float:
    t = time.perf_counter()
    p = subprocess.run([str(XLSIZING), "verify", *files, "--jobs", str(jobs), "--engine", engine],
                       cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0 or p.stdout.count(": OK — ") != len(files):
        raise SystemExit(f"verify failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
    return dt


def _spin(n: int) -> int:
    x = 0
    for i in range(n):
        x ^= i
    return x


def machine(jobs: int, n: int = 20_000_000) -> float:
    """Seconds for two equal CPU-bound tasks on ``jobs`` processes."""
    with ProcessPoolExecutor(jobs) as pool:
        t = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="workbooks (default 100)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each variant; the best is kept")
    ap.add_argument("--engine", default="libreoffice", choices=["libreoffice", "gnumeric"])
    a = ap.parse_args(argv)
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="bench-verify-par-") as tmp:
        d = Path(tmp)
        files = []
        for i in range(a.n):
            s = make_scenario(f"S{i + 1}", mau_wan=float(rng.uniform(1e3, 1e5)),
                              peak_multiplier=float(rng.uniform(1, 6)), mfu=float(rng.uniform(0.1, 1)))
            files.append(write_workbook([s], d / f"w{i + 1:03d}.xlsx").name)
        verify(files[:2], d, 2, a.engine)  # first start on this machine (page cache), not timed
        one = two = m1 = m2 = float("inf")
        for _ in range(a.repeat):  # alternated, so machine noise hits both alike
            one = min(one, verify(files, d, 1, a.engine))
            two = min(two, verify(files, d, 2, a.engine))
            m1, m2 = min(m1, machine(1)), min(m2, machine(2))
    print(f"verify {a.n} one-scenario workbooks in {a.engine} with the installed command, best of {a.repeat}")
    print(f"  --jobs 1   {one:8.2f} s   ({one / a.n * 1e3:6.1f} ms per workbook)")
    print(f"  --jobs 2   {two:8.2f} s   ({two / a.n * 1e3:6.1f} ms per workbook)")
    print(f"  floor: the machine's own speed-up of 2 processes over 1 on a CPU-bound loop: {m1 / m2:.2f}")
    print(f"speed-up of 2 processes over 1:   {one / two:.2f}  (target >= 1.6)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
