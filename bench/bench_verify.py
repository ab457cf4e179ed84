"""Verification in one LibreOffice run against one run per workbook (BENCHMARKS.md target 5).

Writes ``--n`` (default 50) one-scenario workbooks, as ``xlsizing batch --outdir`` does, each a
different random scenario, then times the installed command the way a user runs it:

* one run:       ``xlsizing verify w01.xlsx … w50.xlsx``  (one LibreOffice start for all);
* separate runs: ``xlsizing verify wNN.xlsx`` fifty times, one after the other.

Every run must exit 0 (every computed cell of every sheet agrees with the engine), or the
timing means nothing.  Target: separate runs / one run >= 5.  Also printed: LibreOffice's
start-up (one workbook) and its marginal cost per extra workbook, from the same runs.
Prints ratios only; no assertion (noisy machines).

    .venv/bin/python bench/bench_verify.py [--n 50] [--repeat 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from xlsizing.scenarios import make_scenario
from xlsizing.workbook import write_workbook

XLSIZING = Path(sys.executable).parent / "xlsizing"


def verify(files: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    p = subprocess.run([str(XLSIZING), "verify", *files], cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0 or p.stdout.count(": OK — ") != len(files):
        raise SystemExit(f"verify failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
    return dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50, help="workbooks (default 50)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each variant; the best is kept")
    a = ap.parse_args(argv)
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        d = Path(tmp)
        files = []
        for i in range(a.n):
            s = make_scenario(f"S{i + 1}", mau_wan=float(rng.uniform(1e3, 1e5)),
                              peak_multiplier=float(rng.uniform(1, 6)), mfu=float(rng.uniform(0.1, 1)))
            files.append(write_workbook([s], d / f"w{i + 1:02d}.xlsx").name)
        verify(files[:1], d)  # first start of LibreOffice on this machine (page cache), not timed
        one = sep = first = float("inf")
        for _ in range(a.repeat):  # alternated, so machine noise hits both alike
            one = min(one, verify(files, d))
            times = [verify([f], d) for f in files]
            sep, first = min(sep, sum(times)), min(first, min(times))
    n = a.n
    print(f"verify {n} one-scenario workbooks with the installed command, best of {a.repeat}")
    print(f"  one run, {n} workbooks            {one:8.2f} s   ({one / n * 1e3:7.1f} ms per workbook)")
    print(f"  {n} separate runs                 {sep:8.2f} s   ({sep / n * 1e3:7.1f} ms per workbook)")
    print(f"  start-up (fastest single run)     {first:8.2f} s; marginal cost per extra workbook in one run "
          f"{(one - first) / max(1, n - 1) * 1e3:.0f} ms")
    print(f"ratio separate runs / one run:      {sep / one:.2f}  (target >= 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
