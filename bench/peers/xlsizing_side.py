"""xlsizing's side of the peer comparison: the issue-13 workloads through xlsizing.beyond.

Runs in the project's own environment (no peer tool needed):

    python bench/peers/xlsizing_side.py                 # table of xlsizing's terms and forms
    python bench/peers/xlsizing_side.py --markdown      # + the side-by-side tables of
                                                        #   docs/serving-comparison.md, read from
                                                        #   bench/peers/results.json

The model shapes are the same config.json files the peer tools read (bench/peers/configs/), the
accelerator figures come from xlsizing's catalog, and every efficiency is 1.0 (MBU = MFU = 1), as
the peers were run.  Two forms are computed:

* current  — ``decode_step_s``: MAX(weights + KV, compute), every expert read, no communication;
* general  — ``decode_step_general_s`` + ``tp_allreduce_s`` with ``weights_read_gb``: KV +
  MAX(weights, compute) + serial communication, MoE reading the experts a batch hits (expected).

The general-form functions are on branch ``serving``; where this checkout lacks them, the general
form is computed here from the same formula (and the record says so).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the checkout's xlsizing, not an installed copy

from xlsizing import beyond, catalog  # noqa: E402

from run_peers import WORKLOADS, hf_config as load_config  # noqa: E402  (stdlib-only at import)

CATALOG_NAME = {"A100-SXM-80GB": "A100", "H100-SXM": "H100", "H20": "H20"}
BYTES = 2.0  # FP16 / BF16 weights, KV cache and activations


def shape(c):
    """Parameter counts and KV bytes per token from a Hugging Face config.json."""
    h, layers, inter = c["hidden_size"], c["num_hidden_layers"], c["intermediate_size"]
    heads, kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
    head_dim = c.get("head_dim") or h // heads
    experts, k = c.get("num_local_experts", 1), c.get("num_experts_per_tok", 1)
    attn = h * heads * head_dim * 2 + h * kv_heads * head_dim * 2  # q, o + k, v
    ffn_one = 3 * h * inter  # gated FFN: gate, up, down
    router = h * experts if experts > 1 else 0
    per_layer_other = attn + 2 * h + router
    embed = c["vocab_size"] * h * (1 if c.get("tie_word_embeddings") else 2)
    other = layers * per_layer_other + embed + h
    return dict(
        layers=layers, hidden=h, experts=experts, experts_per_token=k, expert_ffn=inter,
        total_params=other + layers * experts * ffn_one, active_params=other + layers * k * ffn_one,
        other_params=other, kv_bytes_per_token=beyond.kv_bytes_per_token(layers, kv_heads, head_dim, BYTES),
        moe_layers=layers if experts > 1 else 0)


def link_gbs(name):
    """Per-card interconnect bandwidth, one direction (GB/s): half the catalog's NVLink figure."""
    acc = catalog.get(name)
    try:
        return acc.value("interconnect_gbs")
    except Exception:  # catalogs without a numeric interconnect figure: read the text
        text = str(acc.interconnect.value if hasattr(acc.interconnect, "value") else acc.interconnect)
        return float(re.search(r"NVLink (\d+(?:\.\d+)?) GB/s", text).group(1)) / 2


def compute(name, w):
    c = load_config(w["model"])
    s = shape(c)
    acc = CATALOG_NAME[w["gpu"]]
    bw, peak = catalog.figure_value(acc, "bandwidth_tbs"), catalog.peak_tflops(acc, "bf16")
    n, b, ctx = w["tp"], w["batch"], w["ctx"]
    weights = beyond.weights_gb(s["total_params"] / 1e8, BYTES)
    act_yi = s["active_params"] / 1e8
    kv = s["kv_bytes_per_token"]
    ms = 1e3
    current = beyond.decode_step_s(weights, kv, ctx, b, act_yi, n, bw, 1.0, peak, 1.0) * ms
    have = all(hasattr(beyond, f) for f in ("decode_step_general_s", "tp_allreduce_s", "weights_read_gb"))
    link = link_gbs(acc)
    if have:
        read = beyond.weights_read_gb(weights, s["moe_layers"], s["experts"], s["experts_per_token"], s["hidden"],
                                      s["expert_ffn"], b, BYTES)
        comm = beyond.tp_allreduce_s(s["layers"], s["hidden"], b, BYTES, n, link) * ms
        comm_bw_only = beyond.tp_allreduce_s(s["layers"], s["hidden"], b, BYTES, n, link, 0.0) * ms
        def gen(wgb, mbu=1.0, mfu=1.0):
            return beyond.decode_step_general_s(wgb, kv, ctx, b, act_yi, n, bw, mbu, peak, mfu) * ms

        general_all_experts, general_no_comm = gen(weights), gen(read)
        latency_us = beyond.COLLECTIVE_LATENCY_US
        source = "xlsizing.beyond (decode_step_general_s, tp_allreduce_s, weights_read_gb)"
    else:  # the same formulas, written out (jax-ml/scaling-book "All About Transformer Inference")
        hit = s["experts"] * (1 - (1 - s["experts_per_token"] / s["experts"]) ** b)
        read = weights - s["moe_layers"] * (s["experts"] - hit) * 3 * s["hidden"] * s["expert_ffn"] * BYTES / 1e9
        latency_us = 10.0
        vol = 2 * (n - 1) / n * s["hidden"] * b * BYTES
        comm = 2 * s["layers"] * (vol / (link * 1e9) + latency_us / 1e6) * ms if n > 1 else 0.0
        comm_bw_only = 2 * s["layers"] * vol / (link * 1e9) * ms if n > 1 else 0.0

        def gen(wgb, mbu=1.0, mfu=1.0):
            t_w, t_kv = wgb * 1e9 / (n * bw * 1e12 * mbu), b * ctx * kv / (n * bw * 1e12 * mbu)
            return (t_kv + max(t_w, 2 * s["active_params"] * b / (n * peak * 1e12 * mfu))) * ms

        general_all_experts, general_no_comm = gen(weights), gen(read)
        source = "written out here (this checkout's xlsizing.beyond has no general form yet)"
    general = general_no_comm + comm
    # The same at xlsizing's default efficiencies, for the measured-kernel peers (aiconfigurator SILICON).
    general_defaults = gen(read, beyond.MBU, beyond.MFU_DECODE) + comm
    terms = dict(
        weights_read=read * 1e9 / (n * bw * 1e12) * ms,
        weights_all=weights * 1e9 / (n * bw * 1e12) * ms,
        kv_read=b * ctx * kv / (n * bw * 1e12) * ms,
        compute=2 * s["active_params"] * b / (n * peak * 1e12) * ms,
        tp_allreduce=comm, tp_allreduce_bandwidth_only=comm_bw_only)
    # Prefill of B prompts of ctx tokens, general form, all-reduce over B x ctx tokens.
    tokens = b * ctx
    if hasattr(beyond, "prefill_step_s"):
        pcomm = beyond.tp_allreduce_s(s["layers"], s["hidden"], tokens, BYTES, n, link)
        prefill = beyond.prefill_step_s(weights, kv, ctx, b, act_yi, n, bw, 1.0, peak, 1.0, 1.0, pcomm) * ms
    else:
        pcomm = 2 * s["layers"] * (2 * (n - 1) / n * s["hidden"] * tokens * BYTES / (link * 1e9)
                                   + latency_us / 1e6) if n > 1 else 0.0
        t_w, t_kv = weights * 1e9 / (n * bw * 1e12), tokens * kv / (n * bw * 1e12)
        t_c = 2 * s["active_params"] * tokens / (n * peak * 1e12)
        prefill = (max(t_w + t_kv, t_c + t_kv) + pcomm) * ms
    return dict(
        tool="xlsizing", workload=name, source=source,
        current_ms=current, general_ms=general, general_all_experts_no_comm_ms=general_all_experts,
        general_no_comm_ms=general_no_comm, general_at_defaults_ms=general_defaults,
        defaults=dict(mbu=beyond.MBU, mfu_decode=beyond.MFU_DECODE),
        tokens_per_s_per_card=dict(current=b / (current / ms) / n, general=b / (general / ms) / n),
        prefill_ms=prefill, terms_ms=terms,
        inputs=dict(weights_gb=weights, weights_read_gb=read, active_params_yi=act_yi, kv_bytes_per_token=kv,
                    context_tokens=ctx, batch=b, replica_cards=n, bandwidth_tbs=bw, peak_tflops=peak,
                    interconnect_gbs_one_way=link, collective_latency_us=latency_us, mbu=1.0, mfu=1.0),
        shape=s)


def table(rows):
    out = [f"{'workload':8} {'current':>9} {'general':>9} {'w_all':>7} {'w_read':>7} {'kv':>7} {'compute':>8} {'comm':>7}"]
    for r in rows:
        t = r["terms_ms"]
        out.append(f"{r['workload']:8} {r['current_ms']:9.3f} {r['general_ms']:9.3f} {t['weights_all']:7.3f} "
                   f"{t['weights_read']:7.3f} {t['kv_read']:7.3f} {t['compute']:8.3f} {t['tp_allreduce']:7.3f}")
    return "\n".join(out)


def markdown(xl_rows, peer_file):
    """The side-by-side tables of docs/serving-comparison.md, one per workload."""
    peers = json.loads(Path(peer_file).read_text())["results"]
    def col(p):  # LLM-Viewer's one column: its own A100 entry on A, n cards as one device on B
        return (p["tool"], "" if p["tool"] == "LLM-Viewer" else p.get("variant", ""))

    cols = []
    for p in peers:
        key = col(p)
        if key not in cols and "decode_step_ms" in p:
            cols.append(key)
    head = ["workload"] + [f"{t} {v}" for t, v in cols] + ["xlsizing current", "xlsizing general"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for xl in xl_rows:
        cells = [xl["workload"]]
        for key in cols:
            hit = [p for p in peers if p["workload"] == xl["workload"] and col(p) == key
                   and "decode_step_ms" in p]
            cells.append(f"{hit[0]['decode_step_ms']:.2f}" if hit else "–")
        cells += [f"{xl['current_ms']:.2f}", f"{xl['general_ms']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for xl in xl_rows:
        name, w = xl["workload"], WORKLOADS[xl["workload"]]
        lines += [f"#### {name}: {w['model']} on {w['tp']} × {w['gpu']}, batch {w['batch']}, context {w['ctx']}", "",
                  "| tool (mode) | decode step ms | tokens/s per card | matmuls ms | attention / KV ms | "
                  "communication ms | other ms | prefill ms |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for p in peers:
            if p["workload"] != name:
                continue
            label = f"{p['tool']} {p.get('version') or ''}, {p.get('variant', '')}"
            if "decode_step_ms" not in p:
                why = "no MoE layers" if p["tool"] == "LLM-Viewer" else "no measured H20 kernel tables"
                lines.append(f"| {p['tool']} | not supported ({why}) | | | | | | |")
                continue
            mm, kvt, cm, ot = split_terms(p)
            lines.append(f"| {label} | {p['decode_step_ms']:.2f} | {p['tokens_per_s_per_card']:,.0f} | {mm} | {kvt} | "
                         f"{cm} | {ot} | {p['prefill_ms']:,.1f} |")
        t = xl["terms_ms"]
        pf = f"{xl['prefill_ms']:,.1f}" if xl["prefill_ms"] else "–"
        lines.append(f"| xlsizing current: MAX(weights + KV, compute) | {xl['current_ms']:.2f} | "
                     f"{xl['tokens_per_s_per_card']['current']:,.0f} | w {t['weights_all']:.2f}, c {t['compute']:.2f} | "
                     f"{t['kv_read']:.2f} (inside the MAX) | 0 | 0 | – |")
        lines.append(f"| xlsizing general: KV + MAX(weights read, compute) + comm | {xl['general_ms']:.2f} | "
                     f"{xl['tokens_per_s_per_card']['general']:,.0f} | MAX(w {t['weights_read']:.2f}, c {t['compute']:.2f}) | "
                     f"{t['kv_read']:.2f} | {t['tp_allreduce']:.2f} | 0 | {pf} |")
        lines.append(f"| xlsizing general at its defaults (MBU {xl['defaults']['mbu']}, MFU {xl['defaults']['mfu_decode']}) | "
                     f"{xl['general_at_defaults_ms']:.2f} | {w['batch'] / (xl['general_at_defaults_ms'] / 1e3) / w['tp']:,.0f} "
                     f"| | | | | |")
        lines.append("")
    return "\n".join(lines)


def _f(x):
    return "–" if x is None else f"{x:.2f}"


def split_terms(p):
    """Map each tool's own breakdown onto weights / KV / compute / communication / other (ms).

    Only the tools that expose separate terms are split; per-op rooflines (LLM-Viewer, GenZ,
    aiconfigurator) give each op's time as its own MAX(compute, memory), so a column holds the
    ops of that kind, bound by whichever side wins for them (see the doc's notes).
    """
    t = p["terms_ms"]
    tool = p["tool"]
    if tool == "llm-analysis":
        other = t["layernorm"] + t["input_embedding"] + t["output_embedding"]
        return _f(t["attn_linear"] + t["mlp"]), _f(t["kv_cache"]), _f(t["tp_comm"]), _f(other)
    if tool == "GenZ":
        rb = p["runtime_breakdown_ms"]
        return _f(t["linear"] - rb["Embedding"]), _f(t["attention"]), _f(t["communication"]), _f(rb["Embedding"])
    if tool == "LLM-Viewer":
        linear = sum(v for k, v in t.items() if k.endswith("_proj") or k == "lm_head")
        attn = sum(v for k, v in t.items() if k in ("qk_matmul", "sv_matmul", "softmax", "fused_attention"))
        return _f(linear), _f(attn), "0 (no TP)", _f(p["decode_step_ms"] - linear - attn)
    if tool == "aiconfigurator":
        linear = sum(v for k, v in t.items() if k.endswith("_gemm") or k == "generation_moe")
        attn = t.get("generation_attention", 0.0)
        comm = sum(v for k, v in t.items() if "_ar" in k or "dispatch" in k or k.endswith("p2p"))
        return _f(linear), _f(attn), _f(comm), _f(p["decode_step_ms"] - linear - attn - comm)
    return "?", "?", "?", "?"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(HERE / "xlsizing_results.json"))
    p.add_argument("--markdown", action="store_true", help="print the doc's side-by-side tables too")
    p.add_argument("--peers", default=str(HERE / "results.json"))
    args = p.parse_args(argv)
    rows = [compute(name, w) for name, w in WORKLOADS.items()]
    print(table(rows))
    Path(args.out).write_text(json.dumps(dict(results=rows), indent=1) + "\n")
    print(f"wrote {args.out}")
    if args.markdown:
        print()
        print(markdown(rows, args.peers))


if __name__ == "__main__":
    main()
