"""Excel function benchmark: whole-range calls against single-cell calls, and the import cost.

1. Per-row cost of ONE ``H20_CARDS`` call over a 10,000-row column against 10,000 single-cell
   calls, both with the arguments xlwings hands over in Excel (2-D lists of rows, ``ndim=2``).
   Target: the range call is at least 20x cheaper per row.  The pure numpy kernel on the same
   column is printed as the floor.  (In Excel each single-cell call also pays a COM round trip,
   which this Python-only measurement leaves out: the real gap is wider.)
2. Import time of ``xlsizing.udfs`` against a bare ``import xlwings``, each in fresh interpreters
   (the cold start of Excel's Python server), with numpy's share.  Target: at most 100 ms extra.

Prints numbers and ratios only; no assertion (machines here are noisy).

    .venv/bin/python bench/bench_udfs.py [--rows 10000] [--repeat 5] [--starts 7]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import numpy as np

from timing import best_of  # bench/timing.py
from xlsizing import model
from xlsizing.udfs import H20_CARDS


def cold_import(stmt: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", stmt], check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--starts", type=int, default=7, help="fresh interpreters per import measurement")
    a = ap.parse_args()

    rng = np.random.default_rng(4)
    flops = rng.uniform(1e18, 1e21, a.rows)
    column = [[float(x)] for x in flops]  # a column range as xlwings passes it
    card, mfu = [[148.0]], [[0.5]]
    want = model.h20_cards_wan(flops, 148.0, 0.5)
    assert np.array_equal(np.array(H20_CARDS(column, card, mfu))[:, 0], want)  # same numbers

    def singles():
        for row in column:
            H20_CARDS([row], card, mfu)

    t_range = t_single = t_kernel = float("inf")
    for _ in range(a.repeat):  # interleaved, so machine noise hits all three alike
        t_range = min(t_range, best_of(lambda: H20_CARDS(column, card, mfu), 1))
        t_single = min(t_single, best_of(singles, 1))
        t_kernel = min(t_kernel, best_of(lambda: model.h20_cards_wan.kernel(flops, 148.0, 0.5), 1))
    n = a.rows
    print(f"rows                                   {n:>10,}")
    print(f"one range call       per row           {t_range / n * 1e6:>10.3f} us   (total {t_range * 1e3:.1f} ms)")
    print(f"{n:,} single-cell calls  per row      {t_single / n * 1e6:>10.3f} us   (total {t_single * 1e3:.1f} ms)")
    print(f"numpy kernel floor   per row           {t_kernel / n * 1e6:>10.3f} us")
    print(f"range call cheaper per row by          {t_single / t_range:>10.1f}x  (target >= 20x)")
    print(f"range call / numpy kernel              {t_range / t_kernel:>10.1f}x  (cost of reading Excel-shaped lists)")

    stmts = {"python only": "pass", "import numpy": "import numpy", "import xlwings": "import xlwings",
             "import xlsizing.udfs": "import xlsizing.udfs"}
    times = {k: float("inf") for k in stmts}
    for _ in range(a.starts):
        for k, s in stmts.items():
            times[k] = min(times[k], cold_import(s))
    base = times["python only"]
    print()
    for k in stmts:
        print(f"{k:<22} cold start {times[k] * 1e3:>8.1f} ms   (+{(times[k] - base) * 1e3:6.1f} ms over bare python)")
    extra = times["import xlsizing.udfs"] - times["import xlwings"]
    print(f"xlsizing.udfs over bare xlwings        {extra * 1e3:>8.1f} ms  (target <= 100 ms; numpy is already "
          f"imported by xlwings, so its {(times['import numpy'] - base) * 1e3:.0f} ms are not extra)")

    # where the extra goes, measured inside one interpreter that has already imported xlwings
    cum, parts = importtime_breakdown()
    print(f"inside one process after import xlwings: xlsizing.udfs adds {cum:.1f} ms; largest parts:")
    for name, ms in parts[:6]:
        print(f"    {name:<34} {ms:>7.1f} ms")


def importtime_breakdown() -> tuple[float, list[tuple[str, float]]]:
    """``python -X importtime``: cumulative ms of xlsizing.udfs and of its direct imports."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import xlwings; import xlsizing.udfs"],
                         capture_output=True, text=True, check=True).stderr
    rows = []
    for line in err.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line[len("import time:"):].split("|")
            if cum.strip().isdigit():
                rows.append((name[1:].rstrip(), int(cum) / 1e3))  # keep the nesting indent
    # importtime prints children before their parent; direct children of a top-level import are
    # indented by exactly two spaces more
    start = max(i for i, (n, _) in enumerate(rows) if n == "xlwings")
    block = rows[start + 1:]
    total = next(ms for n, ms in block if n == "xlsizing.udfs")
    children = sorted(((n.strip(), ms) for n, ms in block if n.startswith("  ") and not n.startswith("   ")),
                      key=lambda r: -r[1])
    return total, children


if __name__ == "__main__":
    main()
