"""One filled Figure 11 workbook, whole process (BENCHMARKS.md target 2).

``xlsizing build -o figure11.xlsx --force`` (the installed console script, interpreter start-up,
imports, scenario loading, validation, styles, chart and the atomic write included) against a
floor timed in the same run: a bare script, also started as a fresh interpreter, that imports
only the same writer library (XlsxWriter) and writes the very same cells (every value, string,
formula with its cached result and every defined name of the workbook the command wrote), with
nothing else.  Both are timed from process start to exit.  Also printed: a bare ``python -c
pass`` start-up and the imports alone (numpy, XlsxWriter, every module the command loads), so a
miss can be attributed.

Both sides run as an installed program runs: with their modules' bytecode cached (``.pyc``).  The
bare writer is therefore a module imported by a one-line ``python -c`` (a ``__main__`` script is
never cached), and ``PYTHONDONTWRITEBYTECODE`` is dropped from the environment of every timed
process, with one untimed warm-up run each: a shell that sets it (as some CI images do) would
otherwise make the command recompile all of xlsizing at every start, which no ``pip install``ed
copy does.

Target: command / bare script <= 2.0.  Prints ratios only; no assertion (noisy machines).

    .venv/bin/python bench/bench_build.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_batch import read_cells  # noqa: E402 - the same cell extraction as the batch floor

XLSIZING = Path(sys.executable).parent / "xlsizing"

# the bare script: bench/bare_writer.py (imports only XlsxWriter) plus the cells as a literal
BARE = """\
import sys
import bare_writer

SPEC = {spec!r}


def main(path):
    bare_writer.write(SPEC, path)
"""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9, help="runs of each variant; the best is kept")
    a = ap.parse_args(argv)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        d = Path(tmp)
        timed([str(XLSIZING), "build", "-o", "figure11.xlsx", "--force"], d)
        spec = read_cells(d / "figure11.xlsx")
        cells = sum(len(c) for _, c in spec["sheets"])
        shutil.copy(Path(__file__).with_name("bare_writer.py"), d / "bare_writer.py")
        (d / "bare_script.py").write_text(BARE.format(spec=spec), "utf-8")
        variants = {
            "xlsizing build (command)": [str(XLSIZING), "build", "-o", "figure11.xlsx", "--force"],
            "bare XlsxWriter script": [py, "-c", "import sys, bare_script; bare_script.main(sys.argv[1])", "bare.xlsx"],
            "python -c pass": [py, "-c", "pass"],
            "import xlsxwriter": [py, "-c", "import xlsxwriter"],
            "import numpy": [py, "-c", "import numpy"],
            "import xlsizing.workbook": [py, "-c", "import xlsizing.workbook"],
            "import build's modules": [py, "-c", "import xlsizing.cli, xlsizing.cli_workbook, xlsizing.workbook, "
                                                 "xlsizing.sheets, xlsizing.catalog, xlsxwriter"],
        }
        for args in variants.values():  # warm-up: bytecode caches written, files in the page cache
            timed(args, d)
        best = {k: float("inf") for k in variants}
        for _ in range(a.repeat):  # interleaved: machine noise hits every variant alike
            for k, args in variants.items():
                best[k] = min(best[k], timed(args, d))
        read_cells(d / "bare.xlsx")  # the floor wrote a readable workbook
    base = best["python -c pass"]
    print(f"one Figure 11 workbook ({len(spec['sheets'])} sheets, {cells} cells, {len(spec['names'])} names), "
          f"best of {a.repeat} fresh processes")
    for k, t in best.items():
        print(f"  {k:<28} {t * 1e3:8.1f} ms   ({(t - base) * 1e3:7.1f} ms over bare python)")
    ratio = best["xlsizing build (command)"] / best["bare XlsxWriter script"]
    print(f"ratio build command / bare script:     {ratio:.2f}  (target <= 2.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
