"""Planner benchmark (issue 16): the search over >= 100,000 candidate configurations per scenario
(every catalog accelerator × 4 precisions × 1-8 cards per replica × batches 1-320) through
``xlsizing.planner.plan`` — argument checks, catalog look-ups, feasibility, the choice, the best per
accelerator, a reason per rejected family and the frontier included — against a bare numpy
evaluation of the same formulas (inline expressions on the same broadcast axes, a feasibility mask
and one argmin) timed in the same run.  Prints the ratio; no assertion (machines here are noisy).

The floor evaluates every candidate of the grid; the planner evaluates the (accelerator,
precision) rows that can be feasible — a peak at that precision and the figures the objective
needs — and rejects the others from the catalog with their reason.  Both counts are printed.

    .venv/bin/python bench/bench_planner.py [--repeat 21] [--rounds 3] [--batches 320]
"""

from __future__ import annotations

import argparse

import numpy as np

from timing import best_of  # bench/timing.py
from xlsizing import catalog as cat
from xlsizing import sheets
from xlsizing import planner as pl
from xlsizing.errors import MissingFigure
from xlsizing.scenarios import load_builtin, scenario_values

PRECISIONS = ("bf16", "fp8", "int8", "fp4")


def hardware(names, precisions):
    """The catalog's figures as arrays (built once, outside the floor's timing: the floor gets them free)."""
    accs = [cat.get(n) for n in names]
    nan = float("nan")

    def fig(a, f):
        return a.value(f) if f in a.figures else nan

    peak = np.array([[a.peak_tflops(p) if cat.PRECISIONS[p] in a.figures else nan for p in precisions] for a in accs])
    bpw = np.array([cat.bytes_per_weight(p) for p in precisions])
    def server_price(a):  # the catalog's server price in 万元 (USD converted, a card price made a server's)
        try:
            return cat.server_price_wan(a)
        except MissingFigure:
            return nan

    price = np.array([server_price(a) for a in accs])

    def col(f):
        return np.array([fig(a, f) for a in accs])[:, None, None, None]

    return dict(peak=peak[:, :, None, None], bpw=bpw[None, :, None, None], kvb=np.maximum(bpw, 1.0)[None, :, None, None],
                mem=col("memory_gb"), bw=col("bandwidth_tbs"), tdp=col("tdp_w"), cps=col("cards_per_server"),
                link=col("interconnect_gbs"), price=price[:, None, None, None])


def floor(k, h, reps, bts, tpot, ttft):
    """The same formulas (the Beyond sheet's serving model) as bare numpy expressions, a mask, one argmin."""
    n = np.asarray(reps, dtype=float)[None, None, :, None]
    bt = np.asarray(bts, dtype=float)[None, None, None, :]
    with np.errstate(all="ignore"):
        rate = k["tokens_per_s_yi"] * k["peak_multiplier"]
        pre_rate = rate * k["input_share"] * (1 - k["cache_hit_rate"])
        dec_rate = rate * (1 - k["input_share"])
        w = k["total_params_yi"] * 1e8 * h["bpw"] / 1e9
        kv = 2 * k["layers"] * k["kv_heads"] * k["head_dim"] * h["kvb"]
        head = n * h["mem"] * k["usable_fraction"] - w - bt * k["context_tokens"] * kv / 1e9
        # decode step, general form: MAX(t_w + t_kv, t_c + share × t_kv) + communication
        e, kk = k["experts"], min(k["experts_per_token"], k["experts"])
        w_read = w - k["moe_layers"] * (e - e * (1 - (1 - kk / e) ** bt)) * 3 * k["hidden_size"] * k["expert_ffn"] \
            * h["bpw"] / 1e9
        per = n * h["bw"] * 1e12 * k["mbu"]
        t_w, t_kv = w_read * 1e9 / per, bt * k["context_tokens"] * kv / per
        t_c = 2 * k["active_params_yi"] * 1e8 * bt / (n * h["peak"] * 1e12 * k["mfu_decode"])
        lat = k["collective_latency_us"] / 1e6
        tp = np.where(n > 1, 2 * k["layers"] * (2 * (n - 1) / n * k["hidden_size"] * bt * k["activation_bytes"]
                                                / (h["link"] * 1e9) + lat), 0.0)
        ep = np.where(n > 1, 2 * k["moe_layers"] * ((n - 1) / n * bt * k["experts_per_token"] * k["hidden_size"]
                                                    * k["activation_bytes"] / n / (h["link"] * 1e9) + lat), 0.0)
        comm = tp * (1 - k["expert_parallel"] * k["moe_layers"] / (2 * k["layers"])) + k["expert_parallel"] * ep
        step = np.maximum(t_w + t_kv, t_c + k["kv_serial_share"] * t_kv) + comm
        # TTFT: the prefill step of the uncached prompt with its all-reduce
        toks = k["context_tokens"] * (1 - k["cache_hit_rate"])
        p_kv = toks * kv / per
        p_c = 2 * k["active_params_yi"] * 1e8 * toks / (n * h["peak"] * 1e12 * k["mfu_prefill"])
        p_comm = np.where(n > 1, 2 * k["layers"] * (2 * (n - 1) / n * k["hidden_size"] * toks * k["activation_bytes"]
                                                    / (h["link"] * 1e9) + lat), 0.0)
        first = np.maximum(w * 1e9 / per + p_kv, p_c + k["kv_serial_share"] * p_kv) + p_comm
        tpc = bt / step / n
        pre = 2 * k["active_params_yi"] * 1e8 * pre_rate * 1e8 / (h["peak"] * 1e12 * k["mfu_prefill"]) / 1e4
        cards = pre + dec_rate * 1e8 / tpc / 1e4
        mw = cards * 1e4 * h["tdp"] * k["server_power_factor"] * k["pue"] * k["load_factor"] / 1e6
        elec = mw * 8760 / 1000 * 1e6 * k["power_price_yuan_kwh"] / 1e8
        card_hour = h["price"] * 1e4 / h["cps"] / (k["life_years"] * 8760)
        cost = (cards * 1e4 * card_hour * 8760 + elec * 1e8) / (k["daily_tokens_yi"] * 1e8 * 365 / 1e6)
        ok = (head >= 0) & (step <= tpot) & (first <= ttft) & np.isfinite(cost)
        return np.unravel_index(int(np.argmin(np.where(ok, cost, np.inf))), cost.shape), cost


def pin_allocator() -> bool:
    """Keep freed memory in the process (glibc): both timings then measure the arithmetic, not page faults.

    Between calls glibc returns the freed top of the heap to the system (its trim threshold is
    about twice the largest array freed) at points that depend on what else is allocated, and
    the next call faults every page in again: either timing, the floor's or the planner's, then
    swings by 4× from run to run.  Raising the mmap and trim thresholds (mallopt) removes that
    noise for both alike.  Returns False where glibc is not there (the bench still runs).
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # glibc malloc.h
        return bool(libc.mallopt(m_mmap_threshold, 256 << 20) and libc.mallopt(m_trim_threshold, 1 << 30))
    except (OSError, AttributeError):
        return False


def _setup(batches: int, priced: bool):
    names = cat.default().names()
    reps, bts = list(range(1, 9)), list(range(1, batches + 1))
    h = hardware(names, PRECISIONS)
    prices = {n: 100.0 for n in names} if priced else None  # 万元 per server: a benchmark value, not a source
    if priced:
        h = dict(h, price=np.full_like(h["price"], 100.0))
    return names, reps, bts, h, prices


def child(which: str, column: int, priced: bool, batches: int, repeat: int) -> None:
    """One side of the comparison, timed in its own process (its own allocator state): prints milliseconds."""
    names, reps, bts, h, prices = _setup(batches, priced)
    s = load_builtin("figure11")[column]
    k = sheets.evaluate_column(scenario_values(s))
    if which == "floor":
        def fn():
            return floor(k, h, reps, bts, k["tpot_slo_s"], pl.TTFT_S)
    else:
        def fn():
            return pl.plan(s, accelerators=names, precisions=PRECISIONS, replica_cards=reps, batches=bts,
                           server_price_wan=prices)
    fn()
    print(min(cpu_seconds(fn) for _ in range(repeat)), min(best_of(fn, 1) for _ in range(repeat)))


def cpu_seconds(fn) -> float:
    """CPU seconds of one call of ``fn`` (this process only): what the work costs, whatever else the machine runs.

    On a shared machine a call longer than the scheduler's slice is preempted almost every time,
    so wall-clock minima penalise the longer side (here: the planner) by a whole slice; CPU time
    does not count the time the process waited.
    """
    import time

    t = time.process_time()
    fn()
    return time.process_time() - t


def _in_child(which: str, column: int, priced: bool, batches: int, repeat: int) -> tuple[float, float]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, __file__, "--child", which, "--column", str(column), "--batches",
                          str(batches), "--repeat", str(repeat), *(["--priced"] if priced else [])],
                         capture_output=True, text=True, check=True)
    cpu, wall = out.stdout.strip().splitlines()[-1].split()
    return float(cpu), float(wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=21, help="timed calls per process")
    ap.add_argument("--rounds", type=int, default=3, help="processes per side and case, alternated")
    ap.add_argument("--batches", type=int, default=320)
    ap.add_argument("--no-pin", action="store_true", help="leave glibc's allocator as it is (noisier timings)")
    ap.add_argument("--child", choices=("floor", "plan"), help=argparse.SUPPRESS)
    ap.add_argument("--column", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--priced", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    pinned = False if a.no_pin else pin_allocator()
    if a.child:
        child(a.child, a.column, a.priced, a.batches, a.repeat)
        return
    print(f"allocator pinned: {'yes' if pinned else 'no'} (see pin_allocator); each side timed in its own process "
          f"({a.rounds} alternated processes × best of {a.repeat} calls)")
    worst = worst_wall = 0.0
    for priced in (False, True):
        names, reps, bts, h, prices = _setup(a.batches, priced)
        if not priced:
            print(f"candidates per scenario: {len(names)} accelerators × {len(PRECISIONS)} precisions × {len(reps)} "
                  f"replica sizes × {len(bts)} batches = {len(names) * len(PRECISIONS) * len(reps) * len(bts):,}")
        print(f"objective cost per 1M tokens, {'every card priced (100万元 a server)' if priced else 'catalog prices'}:")
        for j, s in enumerate(load_builtin("figure11")):
            k = sheets.evaluate_column(scenario_values(s))
            p = pl.plan(s, accelerators=names, precisions=PRECISIONS, replica_cards=reps, batches=bts,
                        server_price_wan=prices)
            idx, cost = floor(k, h, reps, bts, k["tpot_slo_s"], pl.TTFT_S)
            # same numbers, or the comparison is meaningless (the planner breaks cost ties by TPOT)
            assert abs(p.chosen.cost_per_mtok_yuan / cost[idx] - 1) < 1e-9
            f_cpu = f_wall = p_cpu = p_wall = float("inf")
            for _ in range(a.rounds):
                c, w = _in_child("floor", j, priced, a.batches, a.repeat)
                f_cpu, f_wall = min(f_cpu, c), min(f_wall, w)
                c, w = _in_child("plan", j, priced, a.batches, a.repeat)
                p_cpu, p_wall = min(p_cpu, c), min(p_wall, w)
            worst, worst_wall = max(worst, p_cpu / f_cpu), max(worst_wall, p_wall / f_wall)
            # the rows the planner evaluates: a peak at the precision, a server price and a TDP (cost)
            rows = np.isfinite(h["peak"][..., 0, 0]) & np.isfinite(h["price"][:, :, 0, 0]) & np.isfinite(h["tdp"][:, :, 0, 0])
            print(f"  {s.name_en:>26}: {p.candidates:,} candidates ({int(rows.sum()) * len(reps) * len(bts):,} "
                  f"evaluated by the planner); CPU: bare numpy {f_cpu * 1e3:5.2f} ms, planner "
                  f"{p_cpu * 1e3:5.2f} ms, ratio {p_cpu / f_cpu:.2f}× (wall clock {f_wall * 1e3:5.2f} / "
                  f"{p_wall * 1e3:5.2f} ms, {p_wall / f_wall:.2f}×); chosen {p.chosen.label}")
    print(f"worst CPU-time ratio {worst:.2f}×, worst wall-clock ratio {worst_wall:.2f}× (target ≤ 3×)")


if __name__ == "__main__":
    main()
