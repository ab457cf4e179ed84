"""Loading CSV scenario files grows linearly with the number of scenarios (BENCHMARKS.md target 6).

Writes two CSV files of random scenarios (``--small``, default 10,000 rows, and ``--large``,
default 100,000), then times :func:`xlsizing.scenarios.load_csv` on each.  A linear loader takes
about 10× as long for 10× the scenarios; the target allows 12×.  The floor, timed in the same
run, is the standard library's ``csv`` module reading the same files (the parse alone).  Before
the fix the duplicate-name check compared each scenario with all earlier ones (quadratic: 2.8 s
for 10,000 scenarios).  Prints ratios only; no assertion (noisy machines).

    .venv/bin/python bench/bench_load.py [--small 10000] [--large 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_of  # noqa: E402

from xlsizing.scenarios import load_csv  # noqa: E402


def write_csv(path: Path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mau, peak, mfu = rng.uniform(1e3, 1e5, n), rng.uniform(1, 6, n), rng.uniform(0.1, 1, n)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "mau_wan", "peak_multiplier", "mfu"])
        w.writerows([f"S{i + 1}", f"{a:.6g}", f"{b:.6g}", f"{c:.6g}"] for i, (a, b, c) in enumerate(zip(mau, peak, mfu)))


def parse_only(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        small, large = Path(tmp) / "small.csv", Path(tmp) / "large.csv"
        write_csv(small, a.small, 1)
        write_csv(large, a.large, 2)
        assert len(load_csv(small)) == a.small and len(load_csv(large)) == a.large
        t_small = best_of(lambda: load_csv(small), a.repeat)
        t_large = best_of(lambda: load_csv(large), a.repeat)
        f_small = best_of(lambda: parse_only(small), a.repeat)
        f_large = best_of(lambda: parse_only(large), a.repeat)
    print(f"load_csv, best of {a.repeat}")
    print(f"  {a.small:>9,} scenarios   {t_small:8.3f} s   (csv module alone {f_small * 1e3:7.1f} ms)")
    print(f"  {a.large:>9,} scenarios   {t_large:8.3f} s   (csv module alone {f_large * 1e3:7.1f} ms)")
    print(f"  per scenario: {t_small / a.small * 1e6:.1f} µs and {t_large / a.large * 1e6:.1f} µs")
    print(f"ratio {a.large:,} / {a.small:,} scenarios:   {t_large / t_small:.2f}x  "
          f"(target <= {12 * a.large / a.small / 10:g}; csv module alone {f_large / f_small:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
