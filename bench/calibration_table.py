"""The calibration table of docs/beyond.md: published, measured serving figures against the model.

Each row: a workload someone measured and published (source cited), the model's step time for it
at 100% MFU and MBU (the speed of light; general form and simple roofline), the measured step time
the figure implies, and the efficiencies it implies (:func:`xlsizing.beyond.implied_efficiency`,
:func:`~xlsizing.beyond.implied_mfu`, :func:`~xlsizing.beyond.implied_mbu`).  Every number is
computed here from the library, so the docs cannot drift (tests/test_serving_sheet.py compares).

    .venv/bin/python bench/calibration_table.py          # prints the markdown table
    .venv/bin/python bench/calibration_table.py --write  # replaces the generated block in docs/beyond.md
"""

from __future__ import annotations

import sys

from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # loaded by path from the tests too
import docblock  # noqa: E402 - bench/docblock.py: the one generated-block writer

from xlsizing import beyond as b
from xlsizing import catalog, hfconfig

# Shapes of two models the catalog of shipped configs does not hold, from their public Hugging Face
# config.json files (meta-llama/Llama-2-7b-hf and meta-llama/Llama-2-70b-hf): the same fields as
# the shipped Llama configs, GQA with 8 KV heads for 70B only.
LLAMA_2_7B = dict(num_hidden_layers=32, hidden_size=4096, num_attention_heads=32, num_key_value_heads=32,
                  intermediate_size=11008, vocab_size=32000)
LLAMA_2_70B = dict(num_hidden_layers=80, hidden_size=8192, num_attention_heads=64, num_key_value_heads=8,
                   intermediate_size=28672, vocab_size=32000)

# NVIDIA TensorRT-LLM, docs/source/performance.md ("Performance of TensorRT-LLM", data of v0.6.1,
# github.com/NVIDIA/TensorRT-LLM), H100 GPUs (FP8, FP8 KV cache), static batches
# (gptSessionBenchmark), "Throughput (out tok/s/GPU)"; and its batch-1 first-token latency table.
TRT = "TensorRT-LLM performance.md (v0.6.1), H100 FP8"
# DeepSeek, "Day 6: One More Thing, DeepSeek-V3/R1 Inference System Overview" (2025-03-01,
# github.com/deepseek-ai/open-infra-index): per H800 node (8 GPUs) ~73.7k input tokens/s in
# prefill (cache hits included) or ~14.8k output tokens/s in decode; 20-22 output tokens/s per
# user; average KV length per output token 4,989; 56.3% of input tokens hit the KV cache.
DS = "DeepSeek inference-system overview (2025-03-01)"

LINK_EACH_WAY_GBS = {"H100": 450.0, "H800": 200.0}  # catalog: NVLink 900 / 400 GB/s, both directions added
LATENCY_US = b.COLLECTIVE_LATENCY_US


def _decode_row(label, source, shape, acc, precision, n, batch, ctx, measured_step_s, measured_text, comm=True):
    peak = catalog.peak_tflops(acc, precision)
    bw = catalog.figure_value(acc, "bandwidth_tbs")
    wbytes = catalog.bytes_per_weight(precision)
    w = b.weights_gb(shape.total_params / 1e8, wbytes)
    if shape.experts:
        w = b.weights_read_gb(w, shape.moe_layers, shape.experts, shape.experts_per_token, shape.hidden_size,
                              shape.expert_ffn, batch, wbytes)
    kv = shape.kv_bytes_per_token(wbytes if not shape.is_mla else 2.0)
    act = shape.active_params / 1e8
    t_comm = b.tp_allreduce_s(shape.layers, shape.hidden_size, batch, 2, n, LINK_EACH_WAY_GBS[acc], LATENCY_US) \
        if comm else 0.0
    general = b.decode_step_general_s(w, kv, ctx, batch, act, n, bw, 1.0, peak, 1.0, 1.0, t_comm)
    roofline = b.decode_step_general_s(w, kv, ctx, batch, act, n, bw, 1.0, peak, 1.0, 0.0, t_comm)
    tps_card = batch / measured_step_s / n
    return dict(label=label, source=source, measured=measured_text, general_ms=general * 1e3,
                roofline_ms=roofline * 1e3, measured_ms=measured_step_s * 1e3,
                eff=b.implied_efficiency(measured_step_s, general),
                mfu=b.implied_mfu(tps_card, act, peak),
                mbu=b.implied_mbu(tps_card, batch, w, kv, ctx, bw))


def _prefill_row(label, source, shape, acc, precision, n, tokens, measured_s, measured_text, comm=True,
                 computed_share=1.0):
    peak = catalog.peak_tflops(acc, precision)
    bw = catalog.figure_value(acc, "bandwidth_tbs")
    wbytes = catalog.bytes_per_weight(precision)
    w = b.weights_gb(shape.total_params / 1e8, wbytes)
    kv = shape.kv_bytes_per_token(wbytes if not shape.is_mla else 2.0)
    act = shape.active_params / 1e8
    t_comm = b.tp_allreduce_s(shape.layers, shape.hidden_size, tokens, 2, n, LINK_EACH_WAY_GBS[acc], LATENCY_US) \
        if comm else 0.0
    general = b.prefill_step_s(w, kv, tokens, 1, act, n, bw, 1.0, peak, 1.0, 1.0, t_comm)
    roofline = b.prefill_step_s(w, kv, tokens, 1, act, n, bw, 1.0, peak, 1.0, 0.0, t_comm)
    tps_card = tokens * computed_share / measured_s / n
    return dict(label=label, source=source, measured=measured_text, general_ms=general * 1e3,
                roofline_ms=roofline * 1e3, measured_ms=measured_s * 1e3,
                eff=b.implied_efficiency(measured_s, general), mfu=b.implied_mfu(tps_card, act, peak), mbu=None)


def rows() -> list[dict]:
    l7, l70, ds = hfconfig.parse(LLAMA_2_7B, "Llama-2-7B"), hfconfig.parse(LLAMA_2_70B, "Llama-2-70B"), \
        hfconfig.load("DeepSeek-V3")
    out = [
        # static batch, 128 in / 2,048 out: the mean context over the decode steps is 128 + 2048 / 2 = 1,152;
        # the measured step = batch / (tokens/s per GPU × GPUs) also carries the (small) prefill share
        _decode_row("Llama-2-7B, 1 × H100 FP8, batch 112, 128 in / 2,048 out", TRT, l7, "H100", "fp8", 1, 112,
                    1152, 112 / 6818 / 1, "6,818 out tok/s/GPU"),
        _decode_row("Llama-2-70B, 4 × H100 FP8 (TP 4), batch 480, 128 in / 2,048 out", TRT, l70, "H100", "fp8", 4,
                    480, 1152, 480 / 1486 / 4, "1,486 out tok/s/GPU"),
        _prefill_row("Llama-2-70B, 4 × H100 FP8 (TP 4), batch 1, 2,048-token prompt: first token", TRT, l70, "H100",
                     "fp8", 4, 2048, 0.109, "109 ms"),
        # decode: EP144 over 18 nodes; Little's law at 21 tokens/s per user (one token per step, no
        # speculative decoding stated): 1,850 tok/s per GPU × (1/21) s = 88.1 sequences per GPU,
        # × 144 GPUs = 12,686 a unit; DeepSeek overlaps communication with compute, so no comm term
        _decode_row("DeepSeek-V3/R1, H800 FP8, EP 144, ≈12,686 sequences, KV length 4,989", DS, ds, "H800", "fp8",
                    144, 14_800 / 8 / 21 * 144, 4989, 1 / 21, "14.8k out tok/s per node; 20–22 tok/s per user",
                    comm=False),
        # prefill: per GPU 73.7k / 8 = 9,212.5 input tokens/s, of which 43.75% miss the cache (the
        # day's share); a 4,096-token chunk on one GPU stands for the work (communication overlapped)
        _prefill_row("DeepSeek-V3/R1, H800 FP8, prefill, cache misses only (43.75%)", DS, ds, "H800", "fp8", 1,
                     4096, 4096 / (73_700 / 8 * (1 - b.CACHE_HIT_RATE)), "73.7k input tok/s per node", comm=False),
    ]
    return out


def markdown() -> str:
    """The calibration table as markdown (docs/beyond.md holds this text between markers)."""
    head = ("| workload | measured (source) | model step at 100% MFU/MBU: general / roofline | measured step "
            "| efficiency implied (model / measured) | MFU implied | MBU implied |\n"
            "|---|---|---:|---:|---:|---:|---:|\n")
    lines = []
    for r in rows():
        mbu = "–" if r["mbu"] is None else f"{r['mbu']:.0%}"
        lines.append(f"| {r['label']} | {r['measured']} ({r['source']}) | {r['general_ms']:.2f} / "
                     f"{r['roofline_ms']:.2f} ms | {r['measured_ms']:.2f} ms | {r['eff']:.0%} | {r['mfu']:.1%} | "
                     f"{mbu} |")
    return head + "\n".join(lines) + "\n"


BEGIN = "<!-- generated by bench/calibration_table.py: begin -->"
END = "<!-- generated by bench/calibration_table.py: end -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "beyond.md"


def main(argv) -> None:
    docblock.main(argv, markdown(), (DOC,), BEGIN, END)


if __name__ == "__main__":
    main(sys.argv[1:])
