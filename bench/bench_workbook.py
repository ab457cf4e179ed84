"""Workbook benchmark: writing, and recalculating in LibreOffice, against floors timed in the same run.

* write: ``write_workbook`` (styles, defined names, cached values, Notes sheet, chart) against a
  floor that writes the same numbers and formulas (with cached values) with bare XlsxWriter;
* recalc: LibreOffice's marginal cost per extra workbook in one batched call, against the
  floor of one call with a single workbook (startup);
* verify: ``verify_workbooks`` against the bare recalculation of the same files.

Prints ratios; no assertion (machines here are noisy).

    .venv/bin/python bench/bench_workbook.py [--columns 200] [--files 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import xlsxwriter

from xlsizing import layout
from xlsizing.recalc import make_profile, recalculate
from xlsizing.scenarios import make_scenario, to_inputs
from xlsizing.verify import verify_workbooks
from xlsizing.workbook import write_workbook


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def floor_write(path: Path, scenarios):
    """Same cells, no styles, names, notes or chart: what XlsxWriter itself costs."""
    values = layout.evaluate(to_inputs(scenarios))
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    row_of = {r.key: i for i, r in enumerate(layout.ROWS)}
    for i, r in enumerate(layout.ROWS):
        if r.text is not None:
            continue
        for j in range(len(scenarios)):
            v = float(values[r.key][j])
            if r.is_input:
                ws.write_number(i, 3 + j, v)
            else:
                f = layout.formula(r, lambda k, j=j: xlsxwriter.utility.xl_rowcol_to_cell(row_of[k], 3 + j))
                ws.write_formula(i, 3 + j, f, None, v)
    book.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--columns", type=int, default=200)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    scen = [make_scenario(f"S{i}", mau_wan=1000.0 + i, peak_multiplier=4) for i in range(a.columns)]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        counter = iter(range(10**6))
        for n in (1, a.columns):
            ours = best(lambda: write_workbook(scen[:n], d / f"w{next(counter)}.xlsx"), a.repeat)
            bare = best(lambda: floor_write(d / f"f{next(counter)}.xlsx", scen[:n]), a.repeat)
            print(f"write {n:>5} columns: write_workbook {ours * 1e3:8.1f} ms, bare XlsxWriter "
                  f"{bare * 1e3:8.1f} ms, ratio {ours / bare:5.2f}")
        files = [write_workbook(scen[i:i + 4], d / f"b{i}.xlsx") for i in range(a.files)]
        prof = make_profile(d / "profile")
        recalculate(files[:1], d / "warm", profile=prof)  # first start initialises the profile
        one = best(lambda: recalculate(files[:1], d / f"o{next(counter)}", profile=prof), a.repeat)
        many = best(lambda: recalculate(files, d / f"m{next(counter)}", profile=prof), a.repeat)
        extra = (many - one) / (len(files) - 1)
        print(f"recalc: 1 workbook {one:.2f} s (startup floor); {len(files)} in one call {many:.2f} s; "
              f"{extra:.3f} s per extra workbook = {extra / one:.2f} x the startup floor")
        ver = best(lambda: verify_workbooks(files, profile=prof), a.repeat)
        print(f"verify {len(files)} workbooks: {ver:.2f} s, ratio to the bare recalculation {ver / many:.2f}")


if __name__ == "__main__":
    main()
