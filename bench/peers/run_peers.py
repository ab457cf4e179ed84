"""Run peer roofline / serving-estimate tools on the issue-13 workloads and save what they say.

Runs INSIDE the separate peers virtual environment (see README.md in this folder), never in the
project's own venv: llm-analysis, genz-llm and aiconfigurator are not xlsizing dependencies.
LLM-Viewer is not on PyPI: pass its source checkout with --llm-viewer (or $PEERS_LLM_VIEWER).

    python bench/peers/run_peers.py --llm-viewer ../LLM-Viewer --out bench/peers/results.json

Every tool runs at full efficiency (its defaults where they already are 100%, otherwise set to
1.0) so differences come from the terms each tool models, not from efficiency knobs.  Each record
holds the decode step (ms), tokens/s per card, the terms the tool exposes and the exact settings.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import warnings
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIGS = HERE / "configs"
HARDWARE = HERE / "hardware"
GIB = 2 ** 30

# The workloads of issue 13.  ctx = tokens already in the KV cache when the decode step runs;
# prefill = one pass over `ctx` prompt tokens for each of the `batch` sequences.
WORKLOADS = {
    "A-b1": dict(model="llama-2-13b", gpu="A100-SXM-80GB", tp=1, batch=1, ctx=1024, dtype="fp16"),
    "A-b16": dict(model="llama-2-13b", gpu="A100-SXM-80GB", tp=1, batch=16, ctx=1024, dtype="fp16"),
    "B": dict(model="glm-130b", gpu="H20", tp=8, batch=64, ctx=1024, dtype="bf16"),
    "C": dict(model="mixtral-8x7b", gpu="H100-SXM", tp=2, batch=64, ctx=1024, dtype="fp16"),
    # not in the brief: batch 1 shows the MoE expert-read term (2 of 8 experts hit, not all 8)
    "C-b1": dict(model="mixtral-8x7b", gpu="H100-SXM", tp=2, batch=1, ctx=1024, dtype="fp16"),
}

# Datasheet figures (the same as xlsizing/data/accelerators.toml, sources there):
# A100 SXM 80GB: NVIDIA A100 datasheet; H100 SXM: NVIDIA H100 datasheet; H20: SemiAnalysis
# 2023-11-09 spec sheet.  NVLink per direction = half the bidirectional figure.
GPUS = {
    "A100-SXM-80GB": dict(tflops=312.0, bw_bytes_s=2.039e12, mem_gb=80.0, link_bytes_s=300e9),
    "H100-SXM": dict(tflops=989.0, bw_bytes_s=3.35e12, mem_gb=80.0, link_bytes_s=450e9),
    "H20": dict(tflops=148.0, bw_bytes_s=4.0e12, mem_gb=96.0, link_bytes_s=450e9),
}


def hf_config(model):
    return json.loads((CONFIGS / model / "config.json").read_text())


def version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@contextlib.contextmanager
def quiet():
    """Peer tools print banners and tables; keep stdout for our JSON."""
    buf = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(buf):
        warnings.simplefilter("ignore")
        yield buf


# --- llm-analysis (cli99/llm-analysis, PyPI llm-analysis) -------------------------------------


def run_llm_analysis(name, w):
    from llm_analysis.analysis import LLMAnalysis
    from llm_analysis.config import DtypeConfig, GPUConfig, ModelConfig, ParallelismConfig, get_gpu_config_by_name
    from llm_analysis.logger import logger as la_logger

    la_logger.setLevel(logging.ERROR)
    c = hf_config(w["model"])
    gated = 1.5  # SwiGLU has 3 matrices; llm-analysis counts 2 x hidden x ffn_embed_dim MLP weights
    model = ModelConfig(
        name=w["model"], num_layers=c["num_hidden_layers"], n_head=c["num_attention_heads"],
        hidden_dim=c["hidden_size"], vocab_size=c["vocab_size"], max_seq_len=c["max_position_embeddings"],
        num_key_value_heads=c["num_key_value_heads"], ffn_embed_dim=int(c["intermediate_size"] * gated),
        expansion_ratio=c["intermediate_size"] * gated / c["hidden_size"], model_type="llama",
        moe_num_experts=c.get("num_local_experts", 1), moe_top_k=c.get("num_experts_per_tok", 1))
    shipped = {"A100-SXM-80GB": "a100-sxm-80gb", "H100-SXM": "h100-sxm-80gb"}
    if w["gpu"] in shipped:
        gpu = get_gpu_config_by_name(shipped[w["gpu"]])
        gpu_source = f"shipped gpu_configs/{shipped[w['gpu']]}.json"
    else:
        gpu = GPUConfig(**json.loads((HARDWARE / "llm-analysis-h20.json").read_text()))
        gpu_source = "bench/peers/hardware/llm-analysis-h20.json"
    la = LLMAnalysis(model, gpu, DtypeConfig(), ParallelismConfig(tp_size=w["tp"]))
    with quiet():
        # seq_len + num_tokens_to_generate is the KV length the decode step reads: ctx in total.
        dec = la.inference(batch_size_per_gpu=w["batch"], seq_len=w["ctx"] - 1, num_tokens_to_generate=1,
                           layernorm_dtype_bytes=2)
        pre = la.inference(batch_size_per_gpu=w["batch"], seq_len=w["ctx"], num_tokens_to_generate=1,
                           layernorm_dtype_bytes=2)
    ms = 1e3
    step = dec["decode_latency"] * ms
    return dict(
        tool="llm-analysis", version=version("llm-analysis"), workload=name, variant="default (100%)",
        decode_step_ms=step, tokens_per_s_per_card=w["batch"] / (step / ms) / w["tp"],
        prefill_ms=pre["prefill_latency"] * ms,
        terms_ms=dict(
            attn_linear=dec["decode_latency_fwd_attn"] * ms, mlp=dec["decode_latency_fwd_mlp"] * ms,
            layernorm=dec["decode_latency_fwd_layernorm"] * ms, tp_comm=dec["decode_latency_fwd_tp_comm"] * ms,
            input_embedding=dec["decode_latency_fwd_input_embedding"] * ms,
            output_embedding=dec["decode_latency_fwd_output_embedding_loss"] * ms,
            kv_cache=dec["kv_cache_latency"] * ms),
        bytes_per_card=dict(weights=dec["weight_memory_per_gpu"], kv_cache=dec["kv_cache_memory_per_gpu"]),
        efficiency=dict(flops=dec["flops_efficiency"], hbm=dec["hbm_memory_efficiency"]),
        settings=dict(gpu=gpu.__dict__, gpu_source=gpu_source, model=model.__dict__, tp=w["tp"],
                      batch=w["batch"], seq_len=w["ctx"] - 1, num_tokens_to_generate=1, dtype="w16a16e16"),
    )


# --- GenZ (abhibambhaniya/GenZ-LLM-Analyzer, PyPI genz-llm) -----------------------------------


def genz_model(c):
    from GenZ.Models import ModelConfig

    return ModelConfig(
        model=c.get("_name", "custom"), vocab_size=c["vocab_size"], max_model_len=c["max_position_embeddings"],
        hidden_size=c["hidden_size"], intermediate_size=c["intermediate_size"], num_ffi=2,
        num_decoder_layers=c["num_hidden_layers"], num_attention_heads=c["num_attention_heads"],
        num_key_value_heads=c["num_key_value_heads"], hidden_act=c["hidden_act"],
        num_experts=c.get("num_local_experts", 1), expert_top_k=c.get("num_experts_per_tok", 1))


def run_genz(name, w, variant):
    from GenZ.LLM_inference import decode_moddeling, prefill_moddeling
    from Systems.system_configs import system_configs

    c = dict(hf_config(w["model"]), _name=w["model"])
    g = GPUS[w["gpu"]]
    shipped = {"A100-SXM-80GB": "A100_80GB_GPU", "H100-SXM": "H100_GPU"}
    if variant == "shipped":
        # GenZ's own system preset where it has one; for the H20 the figures typed the way its
        # presets are typed (GB/s).  GenZ reads 'Memory_BW' and 'ICN' as binary GB/s (2^30 B/s,
        # GenZ/unit.py binary_dicts), so a preset's bandwidth is 7.4% above the datasheet's.
        system = dict(system_configs[shipped[w["gpu"]]]) if w["gpu"] in shipped else dict(
            Flops=g["tflops"], Memory_size=g["mem_gb"], Memory_BW=g["bw_bytes_s"] / 1e9,
            ICN=g["link_bytes_s"] / 1e9, real_values=True)
    else:
        # Datasheet bytes/s expressed in GenZ's binary units, so bytes/s equal the datasheet's.
        system = dict(Flops=g["tflops"], Memory_size=g["mem_gb"], Memory_BW=g["bw_bytes_s"] / GIB,
                      ICN=g["link_bytes_s"] / GIB, real_values=True)
    with quiet():
        dec = decode_moddeling(model=genz_model(c), batch_size=w["batch"], input_tokens=w["ctx"], output_tokens=0,
                               Bb=1, system_name=dict(system), system_eff=1, bits="bf16",
                               tensor_parallel=w["tp"])
        pre = prefill_moddeling(model=genz_model(c), batch_size=w["batch"], input_tokens=w["ctx"],
                                system_name=dict(system), system_eff=1, bits="bf16", tensor_parallel=w["tp"])
    st = dec["summary_table"].iloc[0]
    df = dec["model_df"]
    mib = 2 ** 20
    # Per-op terms summed over the model (GenZ's model_df has one row per op and layer repeat).
    reps = df["Num ops (MFLOP)"] * 0 + 1
    weights_mib = float((df["Input_w (MB)"] * reps).sum())
    step = float(dec["Latency"])
    return dict(
        tool="GenZ", version=version("genz-llm"), workload=name,
        variant="shipped preset (binary GB/s)" if variant == "shipped" else "datasheet bytes/s",
        decode_step_ms=step, tokens_per_s_per_card=float(dec["Throughput"]) / w["tp"],
        prefill_ms=float(pre["Latency"]),
        terms_ms=dict(linear=float(st["Linear Latency (msec)"]), attention=float(st["Attn Latency (msec)"]),
                      communication=float(st["Comm Latency (msec)"])),
        runtime_breakdown_ms={k: float(v) for k, v in dec["Runtime_breakdown"].to_dict().items()}
        if dec["Runtime_breakdown"] is not None else None,
        bytes_per_card=dict(weights=float(st["Total Weights (MB)"]) * mib, kv_cache=float(st["KV Cache (MB)"]) * mib,
                            unused_weights=float(st["Unused Weights (MB)"]) * mib),
        efficiency=dict(compute=1.0, memory=1.0, note="system_eff=1"),
        settings=dict(system=system, tp=w["tp"], batch=w["batch"], input_tokens=w["ctx"], output_tokens=0,
                      bits="bf16", weights_mib_in_ops=weights_mib),
    )


# --- LLM-Viewer (hahnyuan/LLM-Viewer, source checkout) ----------------------------------------


def run_llm_viewer(name, w, root):
    c = hf_config(w["model"])
    if c.get("num_local_experts", 1) > 1:
        return dict(tool="LLM-Viewer", workload=name, unsupported="no MoE layers in LLM-Viewer's model "
                    "configs (configs/*.py describe one dense decoder layer)")
    sys.path.insert(0, str(root))
    cwd = os.getcwd()
    os.chdir(root)  # ModelAnalyzer imports configs/<name>.py relative to the checkout
    try:
        from hardwares.hardware_params import hardware_params
        from model_analyzer import ModelAnalyzer

        g = GPUS[w["gpu"]]
        shipped = {"A100-SXM-80GB": "nvidia_A100_80G", "H100-SXM": "nvidia_H100_SXM"}
        # LLM-Viewer models one device and has no tensor parallelism; n cards are modelled as one
        # device with n x compute and n x bandwidth, i.e. ideal TP with no communication.
        if w["gpu"] in shipped and w["tp"] == 1:
            hw = shipped[w["gpu"]]
        else:
            hw = f"xlsizing_{w['gpu']}_x{w['tp']}"
            hardware_params[hw] = {"bandwidth": g["bw_bytes_s"] * w["tp"], "FP16": g["tflops"] * 1e12 * w["tp"],
                                   "INT8": 2 * g["tflops"] * 1e12 * w["tp"], "onchip_buffer": 33792e3}
        with quiet():
            an = ModelAnalyzer(str(CONFIGS / w["model"]), hw, config_file="configs/Llama.py")
            res = an.analyze(seqlen=w["ctx"], batchsize=w["batch"], w_bit=16, a_bit=16, kv_bit=16)
        tot = res["total_results"]
        d = tot["decode"]
        hwp = hardware_params[hw]
        step = d["inference_time"] * 1e3
        layers = c["num_hidden_layers"]
        per_layer = {k: v["inference_time"] * 1e3 * (1 if k == "lm_head" else layers)
                     for k, v in res["decode"].items()}
        bound = {k: v["bound"] for k, v in res["decode"].items()}
        return dict(
            tool="LLM-Viewer", version="git " + git_head(root), workload=name,
            variant="shipped hardware" if hw in shipped.values() else f"{w['tp']} x {w['gpu']} as one device",
            decode_step_ms=step, tokens_per_s_per_card=w["batch"] / (step / 1e3) / w["tp"],
            prefill_ms=tot["prefill"]["inference_time"] * 1e3,
            terms_ms=per_layer, bound=bound,
            bytes_per_card=dict(weights=d["load_weight"] / w["tp"], kv_cache=d["load_kv_cache"] / w["tp"],
                                activations=(d["load_act"] + d["store_act"]) / w["tp"]),
            flops_per_card=d["OPs"] / w["tp"],
            efficiency=dict(compute=1.0, memory=1.0, note="roofline only, no efficiency factors"),
            settings=dict(hardware=hw, hardware_params=hwp, seqlen=w["ctx"], batchsize=w["batch"],
                          w_bit=16, a_bit=16, kv_bit=16, use_flashattention=False),
        )
    finally:
        os.chdir(cwd)
        sys.path.remove(str(root))


def git_head(root):
    head = (Path(root) / ".git" / "HEAD").read_text().strip()
    if head.startswith("ref:"):
        ref = Path(root) / ".git" / head.split()[1]
        if ref.exists():
            return ref.read_text().strip()[:12]
        packed = (Path(root) / ".git" / "packed-refs").read_text().splitlines()
        return next(l.split()[0] for l in packed if l.endswith(head.split()[1]))[:12]
    return head[:12]


# --- NVIDIA aiconfigurator (ai-dynamo/aiconfigurator, PyPI aiconfigurator) --------------------


def run_aiconfigurator(name, w, database_mode="SOL"):
    from aiconfigurator.cli.api import cli_estimate

    logging.getLogger("aiconfigurator").setLevel(logging.ERROR)
    systems = {"A100-SXM-80GB": "a100_sxm", "H100-SXM": "h100_sxm", "H20": "h20_sxm"}
    c = hf_config(w["model"])
    moe = c.get("num_local_experts", 1) > 1
    kw = dict(moe_tp_size=w["tp"], moe_ep_size=1) if moe else {}
    with quiet():
        try:
            r = cli_estimate(str(CONFIGS / w["model"]), systems[w["gpu"]], mode="static", database_mode=database_mode,
                             isl=w["ctx"], osl=2, batch_size=w["batch"], tp_size=w["tp"],
                             systems_paths=f"default,{HARDWARE}", **kw)
        except Exception as exc:  # a missing measured database is a result, not a crash
            return dict(tool="aiconfigurator", version=version("aiconfigurator"), workload=name,
                        variant=database_mode, unsupported=f"{type(exc).__name__}: {exc}")
    summ = r.summary
    gen = {k: float(v) for k, v in summ.get_generation_latency_dict().items()}
    src = dict(summ.get_generation_source_dict())
    mem = {k: float(v) for k, v in summ.get_memory().items()}  # GiB per card
    return dict(
        tool="aiconfigurator", version=version("aiconfigurator"), workload=name,
        variant=f"{database_mode} ({'speed of light' if database_mode == 'SOL' else 'measured kernels'})",
        decode_step_ms=float(r.tpot), tokens_per_s_per_card=w["batch"] / (float(r.tpot) / 1e3) / w["tp"],
        prefill_ms=float(r.ttft), terms_ms=gen, sources=src, memory_gib_per_card=mem,
        efficiency=dict(note="SOL: peak FLOPS and bandwidth, no empirical scaling" if database_mode == "SOL"
                        else "measured kernel tables"),
        settings=dict(system=systems[w["gpu"]], backend=r.backend_name, backend_version=r.backend_version,
                      mode="static", isl=w["ctx"], osl=2, batch_size=w["batch"], tp=w["tp"], **kw),
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llm-viewer", default=os.environ.get("PEERS_LLM_VIEWER"),
                   help="path of a hahnyuan/LLM-Viewer checkout (skipped if absent)")
    p.add_argument("--out", default=str(HERE / "results.json"))
    p.add_argument("--silicon", action="store_true",
                   help="also run aiconfigurator on its measured-kernel database where it has one")
    args = p.parse_args(argv)
    rows = []
    for name, w in WORKLOADS.items():
        rows.append(run_llm_analysis(name, w))
        rows.append(run_genz(name, w, "shipped"))
        rows.append(run_genz(name, w, "datasheet"))
        if args.llm_viewer:
            rows.append(run_llm_viewer(name, w, Path(args.llm_viewer).resolve()))
        rows.append(run_aiconfigurator(name, w, "SOL"))
        if args.silicon:
            rows.append(run_aiconfigurator(name, w, "SILICON"))
    for r in rows:
        step = r.get("decode_step_ms")
        print(f"{r['workload']:6} {r['tool']:15} {r.get('variant', ''):34} "
              + (f"{step:9.3f} ms  {r['tokens_per_s_per_card']:9.1f} tok/s/card" if step else r.get("unsupported", "")))
    out = dict(workloads=WORKLOADS, gpus=GPUS, python=sys.version.split()[0], results=rows)
    Path(args.out).write_text(json.dumps(out, indent=1, default=str) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
