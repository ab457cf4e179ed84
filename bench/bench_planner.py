"""Planner benchmark (issue 16): the search over >= 100,000 candidate configurations per scenario
(every catalog accelerator × 4 precisions × 1-8 cards per replica × batches 1-224) through
``xlsizing.planner.plan`` — argument checks, catalog look-ups, feasibility, the choice, the best per
accelerator, a reason per rejected family and the frontier included — against a bare numpy
evaluation of the same formulas (inline expressions on the same broadcast axes, a feasibility mask
and one argmin) timed in the same run.  Prints the ratio; no assertion (machines here are noisy).

    .venv/bin/python bench/bench_planner.py [--repeat 7] [--batches 224]
"""

from __future__ import annotations

import argparse

import numpy as np

from timing import best_of  # bench/timing.py
from xlsizing import catalog as cat
from xlsizing import sheets
from xlsizing import planner as pl
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
    price = np.array([(cat.card_price_wan(a) or nan) * fig(a, "cards_per_server") for a in accs])
    col = np.array
    return dict(peak=peak[:, :, None, None], bpw=bpw[None, :, None, None], kvb=np.maximum(bpw, 1.0)[None, :, None, None],
                mem=col([fig(a, "memory_gb") for a in accs])[:, None, None, None],
                bw=col([fig(a, "bandwidth_tbs") for a in accs])[:, None, None, None],
                tdp=col([fig(a, "tdp_w") for a in accs])[:, None, None, None],
                cps=col([fig(a, "cards_per_server") for a in accs])[:, None, None, None],
                price=price[:, None, None, None])


def floor(k, h, reps, bts, tpot, ttft):
    """The same formulas as bare numpy expressions, a feasibility mask and the argmin of the cost."""
    n = np.asarray(reps, dtype=float)[None, None, :, None]
    bt = np.asarray(bts, dtype=float)[None, None, None, :]
    with np.errstate(all="ignore"):
        rate = k["tokens_per_s_yi"] * k["peak_multiplier"]
        pre_rate = rate * k["input_share"] * (1 - k["cache_hit_rate"])
        dec_rate = rate * (1 - k["input_share"])
        w = k["total_params_yi"] * 1e8 * h["bpw"] / 1e9
        kv = 2 * k["layers"] * k["kv_heads"] * k["head_dim"] * h["kvb"]
        head = n * h["mem"] * k["usable_fraction"] - w - bt * k["context_tokens"] * kv / 1e9
        step = np.maximum((w * 1e9 + bt * k["context_tokens"] * kv) / (n * h["bw"] * 1e12 * k["mbu"]),
                          2 * k["active_params_yi"] * 1e8 * bt / (n * h["peak"] * 1e12 * k["mfu_decode"]))
        first = np.maximum(2 * k["active_params_yi"] * 1e8 * k["context_tokens"] * (1 - k["cache_hit_rate"])
                           / (n * h["peak"] * 1e12 * k["mfu_prefill"]), w * 1e9 / (n * h["bw"] * 1e12 * k["mbu"]))
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--batches", type=int, default=224)
    ap.add_argument("--no-pin", action="store_true", help="leave glibc's allocator as it is (noisier timings)")
    a = ap.parse_args()
    pinned = False if a.no_pin else pin_allocator()
    print(f"allocator pinned: {'yes' if pinned else 'no'} (see pin_allocator)")
    names = cat.default().names()
    reps, bts = list(range(1, 9)), list(range(1, a.batches + 1))
    scenarios = load_builtin("figure11")
    h = hardware(names, PRECISIONS)
    print(f"candidates per scenario: {len(names)} accelerators × {len(PRECISIONS)} precisions × {len(reps)} "
          f"replica sizes × {len(bts)} batches = {len(names) * len(PRECISIONS) * len(reps) * len(bts):,}")
    # cost: only the H20 has a CNY price in the catalog; with test prices for every card, all compete
    priced = {n: 100.0 for n in names}  # 万元 per server: a benchmark value, not a source
    h_priced = dict(h, price=np.full_like(h["price"], 100.0))
    worst = 0.0
    for label, prices, hh in (("catalog prices", None, h), ("every card priced", priced, h_priced)):
        print(f"objective cost per 1M tokens, {label}:")
        for s in scenarios:
            k = sheets.evaluate_column(scenario_values(s))

            def run():
                return pl.plan(s, accelerators=names, precisions=PRECISIONS, replica_cards=reps, batches=bts,
                               server_price_wan=prices)

            p = run()
            idx, cost = floor(k, hh, reps, bts, k["tpot_slo_s"], pl.TTFT_S)
            # same numbers, or the comparison is meaningless (the planner breaks cost ties by TPOT)
            assert abs(p.chosen.cost_per_mtok_yuan / cost[idx] - 1) < 1e-9
            pairs = [(best_of(lambda: floor(k, hh, reps, bts, k["tpot_slo_s"], pl.TTFT_S), 1), best_of(run, 1))
                     for _ in range(a.repeat)]
            t_floor, t_plan = min(x[0] for x in pairs), min(x[1] for x in pairs)
            worst = max(worst, t_plan / t_floor)
            print(f"  {s.name_en:>26}: {p.candidates:,} candidates; bare numpy {t_floor * 1e3:6.2f} ms, planner "
                  f"{t_plan * 1e3:6.2f} ms, ratio {t_plan / t_floor:.2f}×; chosen {p.chosen.label}")
    print(f"worst ratio {worst:.2f}× (target ≤ 3×)")


if __name__ == "__main__":
    main()
