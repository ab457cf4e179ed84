"""Run every benchmark of BENCHMARKS.md and print one summary table (each target, ratio, verdict).

Each script runs as its own process with the sizes the targets name (1,000,000 scenarios, 1,000
workbooks, 10,000 rows, 50 workbooks); its full output is printed as it finishes, then the table.
Every ratio is measured against a floor timed in the same run, so the table means something on a
busy machine too; the load average before and after each script is printed beside it.

    .venv/bin/python bench/run_all.py [--only engine,build,...] [--markdown] [--quick]

``--quick`` uses smaller sizes (a smoke test of the scripts, not the published figures).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (id, script, args, quick args, [(target text, regex for the ratio, comparison, bound)])
BENCHES = [
    ("engine", "bench_engine.py", ["--n", "1000000", "--repeat", "7"], ["--n", "100000", "--repeat", "3"], [
        ("1. engine sweep of 1,000,000 scenarios / hand-written numpy", r"ratio engine / floor\s+([\d.]+)x", "<=", 2.0),
    ]),
    ("build", "bench_build.py", ["--repeat", "9"], ["--repeat", "2"], [
        ("2. `xlsizing build` process / bare XlsxWriter script process", r"ratio build command / bare script:\s+([\d.]+)",
         "<=", 2.0),
    ]),
    ("batch", "bench_batch.py", ["--n", "1000", "--repeat", "3"], ["--n", "100", "--repeat", "1"], [
        ("3a. batch of 1,000: per-workbook cost, 1 worker / floor (bare XlsxWriter, own process)",
         r"ratio per-workbook cost, 1 worker / floor:\s+([\d.]+)", "<=", 1.5),
        ("3a, floor 2: the same, / bare XlsxWriter replaying the very same workbooks (formats, charts)",
         r"ratio per-workbook cost, 1 worker / floor 2:\s+([\d.]+)", "<=", 1.5),
        ("3b. batch of 1,000: speed-up of 2 workers over 1", r"speed-up 2 workers / 1 worker:\s+([\d.]+)", ">=", 1.6),
    ]),
    ("udfs", "bench_udfs.py", ["--rows", "10000", "--repeat", "5", "--starts", "9"], ["--repeat", "2", "--starts", "3"], [
        ("4a. H20_CARDS: 10,000-row range call cheaper per row than single calls",
         r"range call cheaper per row by\s+([\d.]+)x", ">=", 20.0),
        ("4b. import xlsizing.udfs - import xlwings (ms)", r"xlsizing.udfs over bare xlwings\s+([-\d.]+) ms", "<=", 100.0),
    ]),
    ("udfs_all", "bench_udfs_all.py", ["--rows", "10000", "--singles", "2000", "--repeat", "3"],
     ["--rows", "2000", "--singles", "300", "--repeat", "1"], [
        ("4c. every registered function: worst range-call advantage per row",
         r"worst range call cheaper per row by:\s+([\d.]+)x", ">=", 20.0),
    ]),
    ("verify", "bench_verify.py", ["--n", "50", "--repeat", "2"], ["--n", "6", "--repeat", "1"], [
        ("5. verify 50 workbooks: 50 separate LibreOffice runs / one run", r"ratio separate runs / one run:\s+([\d.]+)",
         ">=", 5.0),
    ]),
    ("beyond_csv", "bench_beyond_csv.py", ["--n", "10000", "--repeat", "5"], ["--n", "1000", "--repeat", "1"], [
        ("6. `xlsizing beyond --format csv`, 10,000 scenarios, process / numpy floor process",
         r"ratio:\s+([\d.]+)", "<=", 3.0),
    ]),
    ("one_workbook", "bench_one_workbook.py", ["--n", "10000", "--repeat", "2"], ["--n", "400", "--repeat", "1"], [
        ("9. `batch --one-workbook` of 10,000 scenarios / bare XlsxWriter (constant_memory), CPU time",
         r"ratio command / bare XlsxWriter \(constant_memory\): CPU time\s+([\d.]+)", "<=", 2.0),
        ("9, against bare XlsxWriter's default mode, CPU time",
         r"ratio command / bare XlsxWriter \(default\): CPU time\s+([\d.]+)", "<=", 2.0),
    ]),
]


def machine() -> list[str]:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "unknown"
    try:
        kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    lo = "not installed"
    exe = shutil.which("soffice")
    if exe:
        try:
            lo = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            lo = "unknown"
    return [f"cores (nproc): {len(os.sched_getaffinity(0))}", f"memory: {mem}", f"CPU: {cpu}",
            f"Python: {platform.python_version()} ({platform.machine()}, {platform.system()} {platform.release()})",
            f"LibreOffice: {lo}"]


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated ids: " + ",".join(b[0] for b in BENCHES))
    ap.add_argument("--markdown", action="store_true", help="print the summary as a Markdown table")
    ap.add_argument("--quick", action="store_true", help="small sizes: check the scripts run, not the targets")
    a = ap.parse_args(argv)
    chosen = a.only.split(",") if a.only else [b[0] for b in BENCHES]
    unknown = set(chosen) - {b[0] for b in BENCHES}
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    info = machine()
    print("\n".join(info), flush=True)
    rows = []
    for bid, script, args, quick, targets in BENCHES:
        if bid not in chosen:
            continue
        cmd = [sys.executable, str(HERE / script), *(quick if a.quick else args)]
        shown = " ".join([".venv/bin/python", f"bench/{script}", *(quick if a.quick else args)])
        print(f"\n$ {shown}    (load average before: {load()})", flush=True)
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - t
        print(p.stdout + p.stderr, end="", flush=True)
        print(f"[{took:.0f} s; load average after: {load()}]", flush=True)
        for text, pattern, op, bound in targets:
            m = re.search(pattern, p.stdout)
            if p.returncode != 0 or not m:
                rows.append((text, "failed", f"{op} {bound:g}", "ERROR", shown))
                continue
            v = float(m.group(1))
            ok = v <= bound if op == "<=" else v >= bound
            rows.append((text, f"{v:g}", f"{op} {bound:g}", "met" if ok else "MISSED", shown))
    print()
    if a.markdown:
        print("| target | measured | target | verdict | rerun |")
        print("|---|---:|---|---|---|")
        for text, v, target, verdict, shown in rows:
            print(f"| {text} | {v} | {target} | {verdict} | `{shown}` |")
    else:
        width = max(len(r[0]) for r in rows) if rows else 10
        for text, v, target, verdict, _ in rows:
            print(f"{text:<{width}}  {v:>8}  {target:<8}  {verdict}")
    return 0 if all(r[3] == "met" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
