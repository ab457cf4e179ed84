"""Beyond-sheet sweep benchmark (issue 13): a 10,000-scenario CSV through ``xlsizing beyond --format csv``
as a whole process, against a floor timed in the same run: a fresh interpreter that imports numpy,
parses the same CSV with the ``csv`` module, evaluates the same formulas vectorized (every Figure 11
row the Beyond sheet reads and every Beyond row) and writes the same CSV.  Prints the ratio (target
<= 3); no assertion (machines here are noisy).  Before timing, the two outputs are compared column by
column (1e-12 relative), so the floor provably does the same work.

    .venv/bin/python bench/bench_beyond_csv.py [--n 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import math
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from timing import best_of  # bench/timing.py

# The floor: a stand-alone script (numpy + csv only).  The sheet defaults are filled in by main()
# from the sheet definitions, so the floor evaluates exactly the rows xlsizing does.
FLOOR = r'''
import csv, sys
import numpy as np

D = __DEFAULTS__
src, dst = sys.argv[1], sys.argv[2]
with open(src, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
n = len(body)
cols = {k: [r[i] for r in body] for i, k in enumerate(head)}
x = {k: np.array(v, dtype=np.float64) for k, v in cols.items() if k != "name"}
def g(k, link=None):
    if k in x:
        return x[k]
    return np.full(n, D[link] if link and link not in x else (x[link] if link else D[k]))
mau, peak = x["mau_wan"], x["peak_multiplier"]
params, mfu, card = g("params_yi"), g("mfu"), g("card_tflops")
# Figure 11 rows the Beyond sheet reads
dau = mau * g("activity_ratio")
daily = g("ref_tokens_yi") * dau / g("ref_dau_wan")
tps = daily / g("seconds_basis")
flops = 2 * params * 1e8 * tps * 1e8 * peak
cards = flops / (card * 1e12 * mfu) / 1e4
cps, price = g("cards_per_server"), g("server_price_wan")
capex = cards / cps * price
# Beyond inputs (linked ones follow Figure 11)
act = x.get("active_params_yi", params); tot = x.get("total_params_yi", params)
pk = x.get("peak_tflops", card); mfu_p = x.get("mfu_prefill", mfu); mfu_d = x.get("mfu_decode", mfu)
fprice = x.get("fleet_server_price_wan", price); fcps = x.get("fleet_cards_per_server", cps)
v = {"active_params_yi": act, "total_params_yi": tot, "peak_tflops": pk, "mfu_prefill": mfu_p, "mfu_decode": mfu_d,
     "fleet_server_price_wan": fprice, "fleet_cards_per_server": fcps}
for k in D["__beyond_inputs__"]:
    if k not in v:
        v[k] = g(k)
L, kvh, hd, kvb, hid = v["layers"], v["kv_heads"], v["head_dim"], v["kv_bytes"], v["hidden_size"]
M, E, K, F = v["moe_layers"], v["experts"], v["experts_per_token"], v["expert_ffn"]
n_, B, ctx, bw, mbu = v["replica_cards"], v["batch"], v["context_tokens"], v["bandwidth_tbs"], v["mbu"]
v["kv_bytes_per_token"] = kvpt = 2 * L * kvh * hd * kvb
v["peak_tokens_per_s_yi"] = ptps = tps * peak
v["prefill_tokens_per_s_yi"] = pre = ptps * v["input_share"] * (1 - v["cache_hit_rate"])
v["decode_tokens_per_s_yi"] = dec = ptps * (1 - v["input_share"])
v["weights_gb"] = w = tot * 1e8 * v["bytes_per_weight"] / 1e9
cap = n_ * v["memory_gb"] * v["usable_fraction"]
v["batch_capacity"] = np.floor((cap - w) * 1e9 / (ctx * kvpt))
v["memory_headroom_gb"] = head_gb = cap - w - B * ctx * kvpt / 1e9
hit = E * (1 - (1 - np.minimum(K, E) / E) ** B)
v["weights_read_gb"] = wr = w - M * (E - hit) * 3 * hid * F * v["bytes_per_weight"] / 1e9
den = n_ * bw * 1e12 * mbu
v["weight_read_s"] = tw = wr * 1e9 / den
v["kv_read_s"] = tkv = B * ctx * kvpt / den
v["decode_compute_s"] = tc = 2 * act * 1e8 * B / (n_ * pk * 1e12 * mfu_d)
link, lat, ab = v["interconnect_gbs"] * 1e9, v["collective_latency_us"] / 1e6, v["activation_bytes"]
v["tp_allreduce_s"] = tp = np.where(n_ > 1, 2 * L * (2 * (n_ - 1) / n_ * hid * B * ab / link + lat), 0.0)
v["ep_alltoall_s"] = ep = np.where(n_ > 1, 2 * M * ((n_ - 1) / n_ * B * K * hid * ab / n_ / link + lat), 0.0)
epf = v["expert_parallel"]
v["comm_s"] = comm = tp * (1 - epf * M / (2 * L)) + epf * ep
v["decode_step_s"] = step = np.maximum(tw + tkv, tc + v["kv_serial_share"] * tkv) + comm
v["decode_feasible"] = np.where((head_gb >= 0) & (step <= v["tpot_slo_s"]), 1.0, 0.0)
v["decode_tokens_per_s_per_card"] = tpc = B / step / n_
v["prefill_cards_wan"] = pc = 2 * act * 1e8 * pre * 1e8 / (pk * 1e12 * mfu_p) / 1e4
v["decode_cards_wan"] = dc = dec * 1e8 / tpc / 1e4
v["fleet_cards_wan"] = fc = pc + dc
v["report_cards_wan"] = cards
v["cards_vs_report"] = fc / cards
v["tokens_per_s_per_card"] = ptps * 1e8 / (fc * 1e4)
v["report_tokens_per_s_per_card"] = ptps * 1e8 / (cards * 1e4)
v["servers_whole_wan"] = np.ceil(fc * 1e4 / fcps) / 1e4
v["servers_fractional_wan"] = fc / fcps
v["fleet_capex_yi"] = fc / fcps * fprice
v["report_capex_yi"] = capex
inst, life = v["installed_cards_wan"], v["life_years"]
v["yearly_capex_yi"] = (np.maximum(fc - inst, 0) + inst / life) * fprice / fcps
v["card_power_w"] = cpw = v["tdp_w"] * v["server_power_factor"]
v["fleet_power_mw"] = mw = fc * 1e4 * cpw * v["pue"] * v["load_factor"] / 1e6
v["energy_gwh_per_year"] = gwh = mw * 8760 / 1000
v["electricity_cost_yi"] = el = gwh * 1e6 * v["power_price_yuan_kwh"] / 1e8
v["card_hour_yuan"] = ch = fprice * 1e4 / fcps / (life * 8760)
v["cost_per_mtok_yuan"] = (fc * 1e4 * ch * 8760 + el * 1e8) / (daily * 1e8 * 365 / 1e6)
keys = D["__columns__"]
names = cols["name"]
with open(dst, "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["name", "name_en", *keys])
    arr = [np.broadcast_to(v[k], (n,)).tolist() for k in keys]
    for i in range(n):
        out.writerow([names[i], "", *[repr(a[i]) for a in arr]])
'''


def write_scenarios(path: Path, n: int) -> None:
    """``n`` seeded scenarios: demand, MFU and the serving inputs all vary (nothing is a cheap constant)."""
    import random

    rnd = random.Random(13)
    keys = ["name", "mau_wan", "peak_multiplier", "mfu", "batch", "context_tokens", "replica_cards",
            "bandwidth_tbs", "memory_gb", "kv_serial_share"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(keys)
        for i in range(n):
            w.writerow([f"s{i:05d}", repr(rnd.uniform(1e3, 1e5)), repr(rnd.uniform(1, 6)), repr(rnd.uniform(0.2, 0.7)),
                        float(rnd.randint(1, 256)), repr(rnd.uniform(256, 16384)), float(rnd.randint(1, 16)),
                        repr(rnd.uniform(1, 8)), repr(rnd.uniform(80, 200)), rnd.choice(("0", "1"))])


def floor_script(path: Path) -> None:
    from xlsizing.sheets import BEYOND, FIGURE11

    defaults = {r.key: r.default for r in FIGURE11.inputs if r.default is not None}
    defaults.update({r.key: r.default for r in BEYOND.inputs if r.default is not None})
    defaults["__beyond_inputs__"] = [r.key for r in BEYOND.inputs]
    defaults["__columns__"] = [r.key for r in BEYOND.rows if r.text is None]
    path.write_text(FLOOR.replace("__DEFAULTS__", repr(defaults)), encoding="utf-8")


def same_numbers(a: Path, b: Path) -> float:
    """The largest relative difference between two CSV outputs (same header, same names)."""
    with open(a, newline="", encoding="utf-8") as fa, open(b, newline="", encoding="utf-8") as fb:
        ra, rb = list(csv.reader(fa)), list(csv.reader(fb))
    if ra[0] != rb[0] or len(ra) != len(rb):
        raise SystemExit(f"outputs differ in shape: {len(ra)} vs {len(rb)} lines; headers equal: {ra[0] == rb[0]}")
    worst = 0.0
    for la, lb in zip(ra[1:], rb[1:]):
        if la[:2] != lb[:2]:
            raise SystemExit(f"names differ: {la[:2]} vs {lb[:2]}")
        for x, y in zip(la[2:], lb[2:]):
            x, y = float(x), float(y)
            if x != y and not (math.isnan(x) and math.isnan(y)):
                worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        scen, floor_py = d / "scenarios.csv", d / "floor.py"
        write_scenarios(scen, a.n)
        floor_script(floor_py)
        out_x, out_f = d / "xlsizing.csv", d / "floor.csv"

        def run_xlsizing():
            with open(out_x, "wb") as f:
                subprocess.run([sys.executable, "-m", "xlsizing", "beyond", str(scen), "--format", "csv"], stdout=f,
                               check=True)

        def run_floor():
            subprocess.run([sys.executable, str(floor_py), str(scen), str(out_f)], check=True)

        run_xlsizing()
        run_floor()
        diff = same_numbers(out_x, out_f)
        print(f"outputs agree: largest relative difference {diff:.3g} over {a.n:,} scenarios × "
              f"{len(open(out_x, encoding='utf-8').readline().split(',')) - 2} columns")
        tx = tf = math.inf
        for _ in range(a.repeat):  # interleaved, so background load hits both alike
            tx = min(tx, best_of(run_xlsizing, 1))
            tf = min(tf, best_of(run_floor, 1))
    print(textwrap.dedent(f"""\
        xlsizing beyond --format csv, {a.n:,} scenarios, whole process: {tx:.3f} s
        floor (fresh python + numpy, csv module, same formulas vectorized): {tf:.3f} s
        ratio: {tx / tf:.2f} (target <= 3)"""))


if __name__ == "__main__":
    main()
