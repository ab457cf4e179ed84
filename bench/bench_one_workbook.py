"""`batch --one-workbook` of 10,000 scenarios against bare XlsxWriter writing the same cells (target 9).

Writes one workbook of ``--n`` (default 10,000) scenario columns, a 100 × 100 grid over the
report's 2024年末 column (MFU × peak multiplier), with the installed command, then writes the very
same cells again with bare XlsxWriter in a fresh process: the floor, ``bare_writer.write`` (the
floor of the other workbook benchmarks) fed every string, number, formula with its cached result,
formatted blank, every cell's format and every defined name, read back from the command's
workbook; no widths, merges, charts or print setup.  A last step reads the floor's file back and
checks it holds the same cells, formats and names.  Each runs in its own process; the wall time,
the CPU time (user + system: what the work costs on a shared machine, where the wall time also
counts the waits for a core) and the peak memory (``ru_maxrss`` of that process) are printed for
both, the floor in XlsxWriter's default mode (every cell kept in memory until the file is written)
and in its ``constant_memory`` mode (rows streamed to disk, as xlsizing writes workbooks of 2,000
columns or more).  Target: command / floor <= 2 in time.  Prints ratios only; no assertion.

    .venv/bin/python bench/bench_one_workbook.py [--n 10000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import functools
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

def floor(spec_path: str, out: str, mode: str) -> None:
    """The floor, in a fresh process (``--floor``): :func:`bare_writer.write` of the cells in ``spec_path``.

    The file (:func:`extract`) holds the formats, then each sheet's title and its cells in chunks,
    then the defined names in chunks; they are fed to the writer one chunk at a time, so this
    process never holds them all and its memory is XlsxWriter's.  Prints the seconds and the CPU
    seconds of the write, and the peak RSS before and after it (KiB).
    """
    import resource

    import bare_writer  # bench/ is this script's folder: first on sys.path

    def cpu():
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    with open(spec_path, "rb") as f:
        formats = pickle.load(f)
        pending = [pickle.load(f)]

        def items(kind):
            while pending[0] is not None and pending[0][0] == kind:
                yield from pending[0][1]
                pending[0] = pickle.load(f)

        def sheets():
            while pending[0] is not None and pending[0][0] == "sheet":
                title = pending[0][1]
                pending[0] = pickle.load(f)
                yield title, items("cells")

        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t, c = time.perf_counter(), cpu()
        bare_writer.write({"sheets": sheets(), "names": items("names"), "formats": formats}, out,
                          constant_memory=mode == "constant_memory")
        print(time.perf_counter() - t, cpu() - c, base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def extract(workbook: str, spec_path: str) -> None:
    """``--extract``: the cells, formats and names of ``workbook`` (:func:`read_cells`) into ``spec_path`` for the floor.

    A process of its own, so the benchmark's own process stays small: a child's peak RSS starts
    from its parent's size on Linux (fork), which would count against the command and the floor.
    """
    spec = read_cells(Path(workbook))
    with open(spec_path, "wb") as f:
        dump = functools.partial(pickle.dump, file=f, protocol=pickle.HIGHEST_PROTOCOL)
        dump(spec["formats"])
        for title, cells in spec["sheets"]:
            dump(("sheet", title))
            for k in range(0, len(cells), 5000):
                dump(("cells", cells[k:k + 5000]))
        for k in range(0, len(spec["names"]), 5000):
            dump(("names", spec["names"][k:k + 5000]))
        dump(None)
    print(sum(len(c) for _, c in spec["sheets"]), len(spec["names"]))


def check(workbook: str, bare: str) -> None:
    """``--check``: fail unless the floor's ``bare`` workbook holds the cells, formats and names of ``workbook``."""
    differs = same_cells(read_cells(Path(workbook)), read_cells(Path(bare)))
    if differs:
        raise SystemExit(f"the floor did not write the command's cells: {differs}")


def run_timed(args: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall time, CPU time (user + system, s), peak RSS (KiB) and standard output of a child process."""
    t = time.perf_counter()
    p = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    out, err = p.stdout.read().decode(), p.stderr.read().decode()
    p.stdout.close(), p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[:3]} failed:\n{out}{err}")
    return dt, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out


def _col(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, n - 1


def read_formats(z) -> list[dict]:
    """XlsxWriter format properties of each cell format (``cellXfs``) of a workbook's styles part.

    What xlsizing's formats set: number format, bold, italic, size and colour of the font, a solid
    fill, a thin bottom border, horizontal alignment and wrapping.
    """
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    root = ElementTree.fromstring(z.read("xl/styles.xml"))
    codes = {int(n.get("numFmtId")): n.get("formatCode") for n in root.iter(ns + "numFmt")}

    def rgb(el):
        return None if el is None or el.get("rgb") is None else "#" + el.get("rgb")[2:]

    fonts = []
    for font in root.find(ns + "fonts"):
        props = {"bold": font.find(ns + "b") is not None, "italic": font.find(ns + "i") is not None}
        size = font.find(ns + "sz")
        if size is not None:
            props["font_size"] = float(size.get("val"))
        if rgb(font.find(ns + "color")):
            props["font_color"] = rgb(font.find(ns + "color"))
        fonts.append(props)
    fills = [rgb(fill.find(f"{ns}patternFill/{ns}fgColor")) for fill in root.find(ns + "fills")]
    bottoms = [b.find(ns + "bottom") is not None and b.find(ns + "bottom").get("style") == "thin"
               for b in root.find(ns + "borders")]
    formats = []
    for xf in root.find(ns + "cellXfs"):
        number = int(xf.get("numFmtId", 0))
        props = {**({"num_format": codes.get(number, number)} if number else {}), **fonts[int(xf.get("fontId", 0))]}
        if fills[int(xf.get("fillId", 0))]:
            props["bg_color"] = fills[int(xf.get("fillId", 0))]
        if bottoms[int(xf.get("borderId", 0))]:
            props["bottom"] = 1
        align = xf.find(ns + "alignment")
        if align is not None:
            if align.get("horizontal"):
                props["align"] = align.get("horizontal")
            if align.get("wrapText") == "1":
                props["text_wrap"] = True
        formats.append(props)
    return formats


def read_cells(path: Path) -> dict:
    """Every cell of an .xlsx (row, column, value or formula, cached value, format index), its formats
    and its defined names: what the floor writes again.  A formatted blank cell has the value None."""
    import zipfile

    from xlsizing.verify import _worksheets

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    sheets = []
    with zipfile.ZipFile(path) as z:
        parts, sst = _worksheets(z)
        formats = read_formats(z)
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
                style = int(el.get("s", 0)) or None  # 0: the default format, none given
                f, v, t = el.find(ns + "f"), el.find(ns + "v"), el.get("t", "n")
                if t == "inlineStr":
                    value = "".join(x.text or "" for x in el.iter(ns + "t"))
                    cells.append((r, c, value, None, style))
                elif f is not None:
                    cached = None if v is None else (v.text if t in ("str", "e") else float(v.text))
                    cells.append((r, c, "=" + (f.text or ""), cached, style))
                elif v is not None:
                    cells.append((r, c, strings[int(v.text)] if t == "s" else float(v.text), None, style))
                elif style is not None:
                    cells.append((r, c, None, None, style))
                el.clear()
            sheets.append((title, cells))
        names = []
        for _, el in ElementTree.iterparse(z.open("xl/workbook.xml")):
            if el.tag == ns + "definedName" and el.get("localSheetId") is None:
                names.append((el.get("name"), el.text))
    return {"sheets": sheets, "names": names, "formats": formats}


def same_cells(a: dict, b: dict) -> str:
    """'' when two :func:`read_cells` results hold the same cells with the same formats and names, else the first difference."""
    def shown(spec):
        fmts = spec["formats"]
        return [(title, [(*cell[:4], None if cell[4] is None else tuple(sorted(fmts[cell[4]].items())))
                         for cell in cells]) for title, cells in spec["sheets"]]

    if a["names"] != b["names"]:
        return "defined names differ"
    for (ta, ca), (tb, cb) in zip(shown(a), shown(b)):
        if ta != tb or len(ca) != len(cb):
            return f"sheet {ta!r}: {len(ca)} cells, {tb!r}: {len(cb)}"
        for x, y in zip(ca, cb):
            if x != y:
                return f"sheet {ta!r}: {x} against {y}"
    return "" if len(a["sheets"]) == len(b["sheets"]) else "different sheets"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="scenario columns, a square number (default 10,000)")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved runs of each; the best is kept")
    # the child processes: the floor, the extraction of the command's cells, the check of the floor's
    ap.add_argument("--floor", nargs=3, metavar=("SPEC", "OUT", "MODE"), help=argparse.SUPPRESS)
    ap.add_argument("--extract", nargs=2, metavar=("XLSX", "SPEC"), help=argparse.SUPPRESS)
    ap.add_argument("--check", nargs=2, metavar=("XLSX", "BARE"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    for child, run in ((a.floor, floor), (a.extract, extract), (a.check, check)):
        if child:
            run(*child)
            return 0
    side = round(a.n ** 0.5)
    grid = ["--grid", f"mfu=0.2:{0.2 + 0.005 * (side - 1):.3f}:0.005",
            "--grid", f"peak_multiplier=1:{1 + 0.05 * (side - 1):.2f}:0.05"]
    me = [sys.executable, str(Path(__file__).resolve())]
    load = [os.getloadavg()[0]]
    modes = ("default", "constant_memory")
    with tempfile.TemporaryDirectory(prefix="bench-one-") as tmp:
        d = Path(tmp)
        cmd = [str(XLSIZING), "batch", "--base", "2024年末", *grid, "--one-workbook", "all.xlsx", "--force"]
        runs = {"command": [], **{m: [] for m in modes}}
        for i in range(a.repeat):  # interleaved, so background load hits the command and the floors alike
            runs["command"].append(run_timed(cmd, d))
            if i == 0:
                cells, names = map(int, run_timed([*me, "--extract", "all.xlsx", "spec.pickle"], d)[3].split())
            for mode in modes:
                runs[mode].append(run_timed([*me, "--floor", "spec.pickle", f"bare-{mode}.xlsx", mode], d))
            load.append(os.getloadavg()[0])
        run_timed([*me, "--check", "all.xlsx", "bare-constant_memory.xlsx"], d)  # exits 1 if not the same cells
    print(f"one workbook of {side * side:,} scenario columns: {cells:,} cells with their formats, {names:,} "
          f"defined names; best of {a.repeat}; load average {min(load):.1f}-{max(load):.1f}")
    wall, cpu, rss = (min(x[k] for x in runs["command"]) for k in range(3))  # the best of each
    print(f"  xlsizing batch --one-workbook (whole process)  {wall:7.1f} s, CPU {cpu:7.1f} s   peak {rss / 1024:6.0f} MiB")
    floors = {}
    for mode in modes:
        printed = [x[3].split() for x in runs[mode]]
        t, c, base = min(float(p[0]) for p in printed), min(float(p[1]) for p in printed), int(printed[0][2])
        peak = min(x[2] for x in runs[mode])
        floors[mode] = (t, c, peak)
        print(f"  bare XlsxWriter, {mode:<16} (the write)  {t:7.1f} s, CPU {c:7.1f} s   peak {peak / 1024:6.0f} MiB "
              f"({(peak - base) / 1024:.0f} MiB above its start)")
    print("  the floor wrote the command's cells, with their formats, and its names (checked)")
    for mode, (t, c, peak) in floors.items():
        print(f"ratio command / bare XlsxWriter ({mode}): CPU time {cpu / c:.2f}, wall time {wall / t:.2f} "
              f"(target <= 2); peak memory {rss / peak:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
