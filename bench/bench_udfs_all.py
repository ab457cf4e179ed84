"""Target 4 for EVERY registered Excel function, not only H20_CARDS (bench/bench_udfs.py).

For each function in ``xlsizing.udfs.__all__`` (what Import Functions registers): the per-row
cost of ONE call over a 10,000-row column against the per-row cost of single-cell calls, with
the arguments xlwings hands over (2-D lists of rows).  The column varies the first argument
(numbers spread over a factor of 2 for which the function answers rather than refuses, or catalog
names for text arguments); the other arguments are
single cells holding valid values found by a small search from the defaults.  Target: every
function's range call at least 20x cheaper per row.  Prints a table and the worst ratio; no
assertion (noisy machines).

    .venv/bin/python bench/bench_udfs_all.py [--rows 10000] [--singles 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import inspect
import random

from timing import best_of  # bench/timing.py
from xlsizing import catalog, udfs, udfs_table

CANDIDATES = [1.0, 0.5, 100.0, 4.0, 0.03, 1e19, -1.0, "H20", "bf16", "memory_gb"]


def valid_arguments(fn) -> list:
    """Arguments for which ``fn`` answers (defaults first, then a coordinate search)."""
    params = list(inspect.signature(fn).parameters.values())
    args = {p.name: (p.default if p.default is not p.empty else CANDIDATES[0]) for p in params}
    tried = {p.name: 0 for p in params}
    for _ in range(80):
        r = fn(*args.values())
        if not isinstance(r, str):
            break
        bad = next((p for p in args if r.startswith(p + " ") or r.startswith(p + ":")), None)
        if bad is None or tried[bad] + 1 >= len(CANDIDATES):
            break
        tried[bad] += 1
        args[bad] = CANDIDATES[tried[bad]]
    if isinstance(fn(*args.values()), str):  # an answer in words ("infeasible: ..."): look for a number
        for name in list(args):
            for c in CANDIDATES:
                if not isinstance(fn(*{**args, name: c}.values()), str):
                    args[name] = c
                    return list(args.values())
    return list(args.values())


def column(fn, base: list, rows: int, rng: random.Random) -> list:
    """The first argument as a column: numbers around ``base[0]`` for which ``fn`` gives numbers."""
    first = base[0]
    if isinstance(first, str):
        names = catalog.default().names() if first == "H20" else [first]
        return [[names[i % len(names)]] for i in range(rows)]
    rest = [[[v]] for v in base[1:]]
    tries = [[[first * rng.uniform(lo, hi)] for _ in range(rows)] for lo, hi in ((1.0, 2.0), (0.5, 1.0), (1.0, 1.0))]
    return min(tries, key=lambda c: sum(refused(r[0]) for r in fn(c, *rest)))


def refused(v) -> bool:
    """A refusal or an infeasibility message (an answer in words such as "OK" is an answer)."""
    return isinstance(v, str) and (" must be " in v or v.startswith("infeasible"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000, help="rows of the range call (default 10000)")
    ap.add_argument("--singles", type=int, default=2_000, help="single-cell calls timed per function (per-row "
                                                                "cost; default 2000)")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    rng = random.Random(3)
    rows = []
    for name in udfs.__all__:
        if name in udfs_table.__all__:
            continue  # one whole table per call (SIZING_TABLE): no per-row form to compare
        fn = getattr(udfs, name)
        base = valid_arguments(fn)
        col = column(fn, base, a.rows, rng)
        rest = [[[v]] for v in base[1:]]
        out = fn(col, *rest)
        answered = sum(1 for r in out if not refused(r[0]))
        singles = col[: a.singles]

        def one_by_one():
            for cell in singles:
                fn([cell], *rest)

        t_range = t_single = float("inf")
        for _ in range(a.repeat):  # interleaved: machine noise hits both alike
            t_range = min(t_range, best_of(lambda: fn(col, *rest), 1))
            t_single = min(t_single, best_of(one_by_one, 1))
        per_range, per_single = t_range / a.rows, t_single / len(singles)
        rows.append((name, per_range, per_single, per_single / per_range, answered))
    print(f"{'function':<24} {'range us/row':>12} {'single us/row':>14} {'cheaper':>8}  rows answered (not refused)")
    for name, r, s, ratio, ok in rows:
        flag = "" if ratio >= 20 else "   <-- below 20x"
        print(f"{name:<24} {r * 1e6:12.2f} {s * 1e6:14.1f} {ratio:7.0f}x  {ok:>6}/{a.rows}{flag}")
    worst = min(rows, key=lambda r: r[3])
    below = [r[0] for r in rows if r[3] < 20]
    print(f"functions below 20x: {len(below)} of {len(rows)}" + (f" ({', '.join(below)})" if below else ""))
    print(f"worst range call cheaper per row by:   {worst[3]:.1f}x  ({worst[0]}; target >= 20x for every function)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
