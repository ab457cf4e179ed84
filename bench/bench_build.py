"""One filled Figure 11 workbook, whole process (BENCHMARKS.md target 2).

``xlsizing build -o figure11.xlsx --force`` (the installed console script, interpreter start-up,
imports, scenario loading, validation, styles, chart and the atomic write included) against a
floor timed in the same run: a bare script, also started as a fresh interpreter, that imports
only the same writer library (XlsxWriter) and writes the very same cells (every value, string,
formula with its cached result and every defined name of the workbook the command wrote), with
nothing else.  Both are timed from process start to exit.  Also printed: a bare ``python -c
pass`` start-up and the import of ``xlsizing.workbook`` alone, so a miss can be attributed.

Target: command / bare script <= 2.0.  Prints ratios only; no assertion (noisy machines).

    .venv/bin/python bench/bench_build.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_batch import read_cells  # noqa: E402 - the same cell extraction as the batch floor

XLSIZING = Path(sys.executable).parent / "xlsizing"

BARE = '''\
import sys
import xlsxwriter

SPEC = {spec!r}


def main(path):
    book = xlsxwriter.Workbook(path, {{"strings_to_formulas": False, "strings_to_numbers": False,
                                      "strings_to_urls": False}})
    for title, cells in SPEC["sheets"]:
        ws = book.add_worksheet(title)
        for r, c, v, cached in cells:
            if isinstance(v, str) and v.startswith("="):
                ws.write_formula(r, c, v, None, cached if cached is not None else 0)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    for name, ref in SPEC["names"]:
        book.define_name(name, "=" + ref)
    book.close()


main(sys.argv[1])
'''


def timed(args: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
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
        bare = d / "bare_writer.py"
        bare.write_text(BARE.format(spec=spec), "utf-8")
        # compile once outside the timing, as Python caches the command's own modules as .pyc
        subprocess.run([py, "-c", f"import py_compile; py_compile.compile({str(bare)!r})"], check=True)
        variants = {
            "xlsizing build (command)": [str(XLSIZING), "build", "-o", "figure11.xlsx", "--force"],
            "bare XlsxWriter script": [py, str(bare), "bare.xlsx"],
            "python -c pass": [py, "-c", "pass"],
            "import xlsizing.workbook": [py, "-c", "import xlsizing.workbook"],
        }
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
