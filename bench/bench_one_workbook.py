"""`batch --one-workbook` of 10,000 scenarios against bare XlsxWriter writing the same cells (target 8).

Writes one workbook of ``--n`` (default 10,000) scenario columns, a 100 × 100 grid over the
report's 2024年末 column (MFU × peak multiplier), with the installed command, then writes the very
same cells again with bare XlsxWriter (every string, number, formula with its cached result and
every defined name, read back from the command's workbook; no formats, widths or charts) in a
fresh process: the floor.  Each runs in its own process; the time and the peak memory (``ru_maxrss``
of that process) are printed for both, the floor in XlsxWriter's default mode (every cell kept in
memory until the file is written) and in its ``constant_memory`` mode (rows streamed to disk, as
xlsizing writes workbooks of 2,000 columns or more).  Target: command / floor <= 2 in time.
Prints ratios only; no assertion (noisy machines).

    .venv/bin/python bench/bench_one_workbook.py [--n 10000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
XLSIZING = Path(sys.executable).parent / "xlsizing"

FLOOR = r'''
import pickle, resource, sys, time
import xlsxwriter
mode = sys.argv[3]
f = open(sys.argv[1], "rb")
names = pickle.load(f)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
book = xlsxwriter.Workbook(sys.argv[2], {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False, **({"constant_memory": True} if mode == "constant_memory" else {})})
ws = None
while True:  # the cells arrive in chunks, so this process never holds them all: its memory is XlsxWriter's
    item = pickle.load(f)
    if item is None:
        break
    if isinstance(item, str):
        ws = book.add_worksheet(item)
        continue
    for r, c, v, cached in item:
        if isinstance(v, str) and v.startswith("="):
            ws.write_formula(r, c, v, None, cached if cached is not None else 0)
        elif isinstance(v, str):
            ws.write_string(r, c, v)
        else:
            ws.write_number(r, c, v)
for name, ref in names:
    book.define_name(name, "=" + ref)
book.close()
print(time.perf_counter() - t, base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
'''

def run_timed(args: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of a child process."""
    t = time.perf_counter()
    p = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    out, err = p.stdout.read().decode(), p.stderr.read().decode()
    p.stdout.close(), p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[:3]} failed:\n{out}{err}")
    return dt, usage.ru_maxrss, out


def _col(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, n - 1


def read_cells(path: Path) -> dict:
    """Every cell (row, column, value or formula, cached value) and every defined name of an .xlsx."""
    import zipfile

    from xlsizing.verify import _worksheets

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    sheets = []
    with zipfile.ZipFile(path) as z:
        parts, sst = _worksheets(z)
        strings = []
        if sst:
            for _, el in ElementTree.iterparse(z.open(sst)):
                if el.tag == ns + "si":
                    strings.append("".join(t.text or "" for t in el.iter(ns + "t")))
                    el.clear()
        for title, part in parts:
            cells = []
            for _, el in ElementTree.iterparse(z.open(part)):
                if el.tag != ns + "c":
                    continue
                r, c = _col(el.get("r"))
                f, v, t = el.find(ns + "f"), el.find(ns + "v"), el.get("t", "n")
                if t == "inlineStr":
                    value = "".join(x.text or "" for x in el.iter(ns + "t"))
                    cells.append((r, c, value, None))
                elif f is not None:
                    cached = None if v is None else (v.text if t in ("str", "e") else float(v.text))
                    cells.append((r, c, "=" + (f.text or ""), cached))
                elif v is not None:
                    cells.append((r, c, strings[int(v.text)] if t == "s" else float(v.text), None))
                el.clear()
            sheets.append((title, cells))
        names = []
        for _, el in ElementTree.iterparse(z.open("xl/workbook.xml")):
            if el.tag == ns + "definedName" and el.get("localSheetId") is None:
                names.append((el.get("name"), el.text))
    return {"sheets": sheets, "names": names}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="scenario columns, a square number (default 10,000)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best is kept")
    a = ap.parse_args(argv)
    side = round(a.n ** 0.5)
    grid = ["--grid", f"mfu=0.2:{0.2 + 0.005 * (side - 1):.3f}:0.005",
            "--grid", f"peak_multiplier=1:{1 + 0.05 * (side - 1):.2f}:0.05"]
    with tempfile.TemporaryDirectory(prefix="bench-one-") as tmp:
        d = Path(tmp)
        cmd = [str(XLSIZING), "batch", "--base", "2024年末", *grid, "--one-workbook", "all.xlsx", "--force"]
        best_cmd = min((run_timed(cmd, d) for _ in range(a.repeat)), key=lambda x: x[0])
        spec = read_cells(d / "all.xlsx")
        cells = sum(len(c) for _, c in spec["sheets"])
        with open(d / "spec.pickle", "wb") as f:  # names first, then each sheet's title and cells in chunks
            pickle.dump(spec["names"], f, protocol=pickle.HIGHEST_PROTOCOL)
            for title, sheet_cells in spec["sheets"]:
                pickle.dump(title, f)
                for i in range(0, len(sheet_cells), 5000):
                    pickle.dump(sheet_cells[i:i + 5000], f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(None, f)
        del spec
        floors = {}
        for mode in ("default", "constant_memory"):
            runs = [run_timed([sys.executable, "-c", FLOOR, str(d / "spec.pickle"), str(d / "bare.xlsx"), mode], d)
                    for _ in range(a.repeat)]
            floors[mode] = min(runs, key=lambda x: float(x[2].split()[0]))
    t_cmd, rss_cmd, out = best_cmd
    print(f"one workbook of {side * side:,} scenario columns ({cells:,} cells), best of {a.repeat}")
    print(f"  xlsizing batch --one-workbook (whole process)   {t_cmd:7.1f} s   peak {rss_cmd / 1024:7.0f} MiB")
    for mode, (_, rss, line) in floors.items():
        t, base, peak = float(line.split()[0]), int(line.split()[1]), int(line.split()[2])
        print(f"  bare XlsxWriter, {mode:<16} (writing only)  {t:7.1f} s   peak {peak / 1024:7.0f} MiB "
              f"({(peak - base) / 1024:.0f} MiB above its start)")
    for mode in floors:
        t_floor = float(floors[mode][2].split()[0])
        print(f"ratio command / bare XlsxWriter ({mode}) time: {t_cmd / t_floor:.2f}  (target <= 2); "
              f"peak memory: {rss_cmd / floors[mode][1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
