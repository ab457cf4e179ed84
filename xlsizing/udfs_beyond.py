"""Excel functions beyond Figure 11: the accelerator catalog and the bandwidth-aware, MoE-aware model.

One-line shells over :mod:`xlsizing.beyond` and :mod:`xlsizing.catalog`, built with
:func:`xlsizing.udfs_core.cells` (ranges spill, bad elements show a message, empty optional cells
take the default).  :mod:`xlsizing.udfs` imports every name of ``__all__`` into its own namespace,
so the add-in's *Import Functions* registers them with the Figure 11 chain.  Arguments are in the
order of the model functions (the Beyond sheet writes ``IFERROR(DECODE_STEP_S(…), <native>)``).

>>> ACCEL_PEAK("nvidia-h20", "fp8"), ACCEL_PEAK("H2O")
(296.0, "unknown accelerator 'H2O'; did you mean H20?")
>>> round(DECODE_STEP_S(140, 327680, 1, 1, 700, 1, 3.35, 1, 989, 1) * 1000, 1)
41.8
>>> MAX_BATCH(260, 393216, 4096, [[2], [8]], 96, 0.9)
[['infeasible: weights need 260 GB but 2 cards × 96 GB × 0.9 hold 172.8 GB'], [267.0]]
"""

from __future__ import annotations

import numpy as np

from . import beyond, catalog
from .udfs_core import cells, udf

# Help texts shared by several functions (Excel cuts each at 255 characters).
H = {
    "accelerator": "Accelerator name from the xlsizing catalog, e.g. \"H20\", \"H100\", \"MI300X\", \"Ascend 910B\" "
                   "(case, spaces and dashes ignored).",
    "precision": "Precision: \"bf16\" (default), \"fp16\", \"fp8\", \"int8\" or \"fp4\".",
    "flops": "Compute demand in FLOP/s (FLOPS), e.g. 3.2E+19; the result of INFER_FLOPS.",
    "peak_tflops": "Dense peak of one card at the serving precision in TFLOPS (1e12 FLOP/s), e.g. 148 (H20 BF16); "
                   "ACCEL_PEAK gives it.",
    "mfu": "Model FLOPs utilization, a fraction in (0, 1], e.g. 50% or 0.5.",
    "peak_tokens": "Peak tokens per second in 亿 (1e8) tokens/s: average tokens/s × peak multiplier.",
    "input_share": "Share of tokens that are input (prompt) tokens, in [0, 1). Default 0.7835 (DeepSeek's published "
                   "day: 608B of 776B).",
    "cache_hit_rate": "Share of input tokens served from the KV/prefix cache, in [0, 1). Default 0.5625 "
                      "(DeepSeek: 342B of 608B).",
    "active_params": "Active parameters per token in 亿 (1e8), e.g. 370 = 37B (DeepSeek-V3). Dense: all parameters.",
    "total_params": "Total parameters in 亿 (1e8), e.g. 6710 = 671B (DeepSeek-V3); all MoE experts count.",
    "bytes_per_weight": "Bytes per stored weight: 2 (BF16/FP16), 1 (FP8/INT8), 0.5 (FP4).",
    "weights_gb": "Weight memory of the model in GB (1e9 bytes); the result of WEIGHTS_GB.",
    "kv_per_token": "KV-cache bytes per token; the result of KV_BYTES_PER_TOKEN (or _MLA).",
    "context": "Average context per sequence in tokens (prompt + generated so far), e.g. 4096.",
    "batch": "Sequences decoded together by one replica (batch), at least 1.",
    "replica_cards": "Cards that hold one copy of the model (tensor/expert parallel), at least 1, e.g. 8.",
    "memory_gb": "Memory per card in GB, e.g. 96 (H20); ACCEL_FIGURE(name, \"memory_gb\") gives it.",
    "usable": "Share of card memory usable for weights and KV cache, in (0, 1]. Default 0.9.",
    "bandwidth": "Memory bandwidth per card in TB/s (1e12 bytes/s), e.g. 4.0 (H20).",
    "mbu": "Memory-bandwidth utilization, in (0, 1], typically 0.6-0.8.",
    "mfu_decode": "MFU of the compute term of decode, in (0, 1]. Default 0.5.",
    "headroom": "Memory headroom in GB; the result of MEMORY_HEADROOM_GB (negative: does not fit).",
    "step": "Decode step time in seconds; the result of DECODE_STEP_S.",
    "slo": "Time-per-output-token limit in seconds. Default 0.05 (20 tokens/s per user).",
    "fleet_cards": "Accelerator cards in 万张 (10,000 cards).",
    "cards_per_server": "Cards per server, at least 1. Default 8.",
    "server_price": "Price of one server in 万元 (10,000 CNY), e.g. 84 (the report's H20 server).",
    "life_years": "Replacement life of a server in years. Default 5.",
}


def _peak(accelerator, precision="bf16"):
    return catalog.peak_tflops(accelerator, precision)


def _figure(accelerator, figure):
    return catalog.figure_value(accelerator, figure)


def _bytes(precision):
    return catalog.bytes_per_weight(precision)


# --- catalog -------------------------------------------------------------------------------------


@udf(_peak, accelerator=H["accelerator"], precision=H["precision"])
def ACCEL_PEAK(accelerator, precision="bf16"):
    """Dense peak (TFLOPS; TOPS for int8) of a catalog accelerator at a precision, e.g. ACCEL_PEAK("H20","fp8") = 296.

    >>> ACCEL_PEAK("H100"), ACCEL_PEAK("A100", "fp8")
    (989.0, 'A100 has no fp8 peak in the catalog; available: bf16, int8')
    """
    return cells(_peak, text=("accelerator", "precision"), accelerator=accelerator, precision=precision)


@udf(_figure, accelerator=H["accelerator"],
     figure="Figure name: \"memory_gb\", \"bandwidth_tbs\", \"interconnect_gbs\", \"tdp_w\", \"bf16_tflops\", "
            "\"fp8_tflops\", \"int8_tops\", \"fp4_tflops\", \"tf32_tflops\", \"fp32_tflops\" or \"cards_per_server\".")
def ACCEL_FIGURE(accelerator, figure):
    """A catalog figure of an accelerator, e.g. ACCEL_FIGURE("H20","bandwidth_tbs") = 4 (TB/s); units in the figure name.

    >>> ACCEL_FIGURE("h20", "memory_gb")
    96.0
    """
    return cells(_figure, text=("accelerator", "figure"), accelerator=accelerator, figure=figure)


@udf(_bytes, precision=H["precision"])
def BYTES_PER_WEIGHT(precision):
    """Bytes per stored weight at a precision: bf16/fp16 2, fp8/int8 1, fp4 0.5.

    >>> BYTES_PER_WEIGHT("fp8")
    1.0
    """
    return cells(_bytes, text=("precision",), precision=precision)


@udf(beyond.cards_wan, flops=H["flops"], peak_tflops=H["peak_tflops"], mfu=H["mfu"])
def CARDS(flops, peak_tflops, mfu):
    """Cards (万张) for a compute load on any card = flops / (peak_tflops × 1e12 × mfu) / 1e4.

    >>> round(CARDS(3.2098765432098766e19, 296, 0.5), 5)
    21.68836
    """
    return cells(beyond.cards_wan, flops=flops, peak_tflops=peak_tflops, mfu=mfu)


def _cards_on(flops, accelerator, precision="bf16", mfu=0.5):
    return beyond.cards_wan(flops, catalog.peak_tflops(accelerator, precision), mfu)


@udf(_cards_on, flops=H["flops"], accelerator=H["accelerator"], precision=H["precision"],
     mfu=H["mfu"] + " Default 0.5.")
def CARDS_ON(flops, accelerator, precision="bf16", mfu=0.5):
    """Cards (万张) of a catalog accelerator = flops / (its dense peak at precision × 1e12 × mfu) / 1e4.

    >>> round(CARDS_ON(3.2098765432098766e19, "H20"), 5), round(CARDS_ON(3.2098765432098766e19, "h20", "fp8"), 5)
    (43.37671, 21.68836)
    """
    return cells(_cards_on, text=("accelerator", "precision"), flops=flops, accelerator=accelerator,
                 precision=precision, mfu=mfu)


# --- demand split ---------------------------------------------------------------------------------


@udf(beyond.peak_tokens_per_s_yi, tokens_per_s="Average tokens per second in 亿 (1e8) tokens/s; TOKENS_PER_S.",
     peak_multiplier="Peak-to-average multiplier, at least 1 (the report: 4 or 5).")
def PEAK_TOKENS_PER_S(tokens_per_s, peak_multiplier):
    """Peak tokens per second (亿/s) = average tokens/s (亿) × peak multiplier.

    >>> PEAK_TOKENS_PER_S(0.5, 4)
    2.0
    """
    return cells(beyond.peak_tokens_per_s_yi, tokens_per_s=tokens_per_s, peak_multiplier=peak_multiplier)


@udf(beyond.prefill_tokens_per_s_yi, peak_tokens=H["peak_tokens"], input_share=H["input_share"],
     cache_hit_rate=H["cache_hit_rate"])
def PREFILL_TOKENS(peak_tokens, input_share=beyond.INPUT_SHARE, cache_hit_rate=beyond.CACHE_HIT_RATE):
    """Prefill tokens to compute (亿/s) = peak tokens/s × input share × (1 − KV-cache hit rate).

    >>> PREFILL_TOKENS(1, 0.75, 0.5)
    0.375
    """
    return cells(beyond.prefill_tokens_per_s_yi, peak_tokens=peak_tokens, input_share=input_share,
                 cache_hit_rate=cache_hit_rate)


@udf(beyond.decode_tokens_per_s_yi, peak_tokens=H["peak_tokens"], input_share=H["input_share"])
def DECODE_TOKENS(peak_tokens, input_share=beyond.INPUT_SHARE):
    """Output (decode) tokens (亿/s) = peak tokens/s × (1 − input share).

    >>> DECODE_TOKENS(1, 0.75)
    0.25
    """
    return cells(beyond.decode_tokens_per_s_yi, peak_tokens=peak_tokens, input_share=input_share)


@udf(beyond.prefill_cards_wan, prefill_tokens="Prefill tokens to compute in 亿 (1e8) tokens/s; PREFILL_TOKENS.",
     active_params=H["active_params"], peak_tflops=H["peak_tflops"],
     mfu_prefill="Prefill MFU, in (0, 1], typically 0.3-0.6. Default 0.5 (the report's MFU, as the Beyond sheet).")
def PREFILL_CARDS(prefill_tokens, active_params, peak_tflops, mfu_prefill=beyond.MFU_PREFILL):
    """Prefill cards (万张) = 2 × active params (亿) × 1e8 × prefill tokens/s (亿) × 1e8 / (peak TFLOPS × 1e12 × MFU) / 1e4.

    >>> round(PREFILL_CARDS(0.1, 370, 1979, 0.4), 4)
    0.0935
    """
    return cells(beyond.prefill_cards_wan, prefill_tokens=prefill_tokens, active_params=active_params,
                 peak_tflops=peak_tflops, mfu_prefill=mfu_prefill)


# --- memory -------------------------------------------------------------------------------------


@udf(beyond.weights_gb, total_params=H["total_params"], bytes_per_weight=H["bytes_per_weight"])
def WEIGHTS_GB(total_params, bytes_per_weight):
    """Weight memory (GB) = total params (亿) × 1e8 × bytes per weight / 1e9.

    >>> WEIGHTS_GB(6710, 1)
    671.0
    """
    return cells(beyond.weights_gb, total_params=total_params, bytes_per_weight=bytes_per_weight)


@udf(beyond.kv_bytes_per_token, layers="Transformer layers, e.g. 80.", kv_heads="KV heads (GQA), e.g. 8.",
     head_dim="Head dimension, e.g. 128.", kv_bytes="Bytes per KV-cache element: 2 (BF16, default) or 1 (FP8).")
def KV_BYTES_PER_TOKEN(layers, kv_heads, head_dim, kv_bytes=2.0):
    """KV-cache bytes per token (MHA/GQA) = 2 × layers × KV heads × head dim × bytes per element.

    >>> KV_BYTES_PER_TOKEN(80, 8, 128)
    327680.0
    """
    return cells(beyond.kv_bytes_per_token, layers=layers, kv_heads=kv_heads, head_dim=head_dim, kv_bytes=kv_bytes)


@udf(beyond.kv_bytes_per_token_mla, layers="Transformer layers, e.g. 61 (DeepSeek-V3).",
     kv_lora_rank="Compressed KV rank (kv_lora_rank), e.g. 512.", rope_dim="Decoupled RoPE key dimension, e.g. 64.",
     kv_bytes="Bytes per KV-cache element: 2 (BF16, default) or 1 (FP8).")
def KV_BYTES_PER_TOKEN_MLA(layers, kv_lora_rank, rope_dim, kv_bytes=2.0):
    """KV-cache bytes per token (MLA) = (kv_lora_rank + rope dim) × layers × bytes per element.

    >>> KV_BYTES_PER_TOKEN_MLA(61, 512, 64)
    70272.0
    """
    return cells(beyond.kv_bytes_per_token_mla, layers=layers, kv_lora_rank=kv_lora_rank, rope_dim=rope_dim,
                 kv_bytes=kv_bytes)


@udf(beyond.memory_headroom_gb, weights_gb=H["weights_gb"], kv_per_token=H["kv_per_token"], context=H["context"],
     batch="Sequences decoded together by one replica (batch), 0 or more.", replica_cards=H["replica_cards"],
     memory_gb=H["memory_gb"], usable=H["usable"])
def MEMORY_HEADROOM_GB(weights_gb, kv_per_token, context, batch, replica_cards, memory_gb, usable=beyond.USABLE_HBM):
    """Free memory (GB) of a replica = n × memory × usable − weights − batch × context × KV bytes / 1e9; < 0: does not fit.

    >>> round(MEMORY_HEADROOM_GB(260, 393216, 4096, 64, 8, 96), 3)
    328.121
    """
    return cells(beyond.memory_headroom_gb, weights_gb=weights_gb, kv_per_token=kv_per_token, context=context,
                 batch=batch, replica_cards=replica_cards, memory_gb=memory_gb, usable=usable)


@udf(beyond.max_batch, weights_gb=H["weights_gb"], kv_per_token=H["kv_per_token"], context=H["context"],
     replica_cards=H["replica_cards"], memory_gb=H["memory_gb"], usable=H["usable"])
def MAX_BATCH(weights_gb, kv_per_token, context, replica_cards, memory_gb, usable=beyond.USABLE_HBM):
    """Largest batch whose KV cache fits = INT((n × memory × usable − weights) × 1e9 / (context × KV bytes)); says why if none fits.

    >>> MAX_BATCH(260, 393216, 4096, 8, 96)
    267.0
    """
    return cells(beyond.max_batch, weights_gb=weights_gb, kv_per_token=kv_per_token, context=context,
                 replica_cards=replica_cards, memory_gb=memory_gb, usable=usable)


# --- decode roofline ------------------------------------------------------------------------------


@udf(beyond.decode_step_s, weights_gb=H["weights_gb"], kv_per_token=H["kv_per_token"], context=H["context"],
     batch=H["batch"], active_params=H["active_params"], replica_cards=H["replica_cards"],
     bandwidth=H["bandwidth"], mbu=H["mbu"], peak_tflops=H["peak_tflops"], mfu_decode=H["mfu_decode"])
def DECODE_STEP_S(weights_gb, kv_per_token, context, batch, active_params, replica_cards, bandwidth, mbu, peak_tflops,
                  mfu_decode=beyond.MFU_DECODE):
    """Decode step (s) = MAX((weights + batch × context × KV) / (n × TB/s × MBU), 2 × active params × batch / (n × TFLOPS × MFU)).

    >>> round(DECODE_STEP_S(260, 393216, 4096, 64, 1300, 8, 4, 0.7, 148) * 1000, 3)
    28.108
    """
    return cells(beyond.decode_step_s, weights_gb=weights_gb, kv_per_token=kv_per_token, context=context,
                 batch=batch, active_params=active_params, replica_cards=replica_cards, bandwidth=bandwidth, mbu=mbu,
                 peak_tflops=peak_tflops, mfu_decode=mfu_decode)


# --- the general-form step, communication, MoE reads, calibration -----------------------------------

S = {
    "weight_s": "Time to read the step's weights in seconds: weights read (GB) × 1e9 / (n × TB/s × 1e12 × MBU).",
    "kv_s": "Time to read the batch's KV cache in seconds: batch × context × KV bytes / (n × TB/s × 1e12 × MBU).",
    "compute_s": "Matmul time of the step in seconds: 2 × active params × batch / (n × TFLOPS × 1e12 × MFU).",
    "comm_s": "Communication per step in seconds (TP_ALLREDUCE_S, EP_ALLTOALL_S), added serially. Default 0.",
    "share": "Share of the KV read not hidden under compute: 1 = general form (default), 0 = simple roofline.",
    "layers": "Transformer layers, at least 1.",
    "moe_layers": "MoE layers (0 = dense model), at least 0.",
    "hidden": "Hidden size (width of one token's activations), at least 1, e.g. 8192.",
    "tokens": "Tokens in the step: the decode batch, or batch × prompt tokens for prefill; at least 1.",
    "act_bytes": "Bytes per exchanged activation: 2 (BF16) or 1 (FP8).",
    "link": "Interconnect bandwidth per card in one direction, GB/s (NVLink 900 GB/s = 450 each way).",
    "latency": "Latency per collective in microseconds. Default 10.",
    "experts": "Routed experts per MoE layer (E), at least 1, e.g. 256 (DeepSeek-V3).",
    "k": "Routed experts each token uses (top-k), at least 1 and at most E, e.g. 8.",
    "expert_ffn": "FFN size of one expert, e.g. 2048 (DeepSeek-V3); 0 for a dense model.",
    "tokens_per_card": "Measured tokens/s per card (prefill or decode).",
}


@udf(beyond.step_time_s, weight_s=S["weight_s"], kv_s=S["kv_s"], compute_s=S["compute_s"], comm_s=S["comm_s"],
     share=S["share"])
def STEP_TIME_S(weight_s, kv_s, compute_s, comm_s=0.0, share=beyond.KV_SERIAL_SHARE):
    """Step time (s) = MAX(weights + KV, compute + share × KV) + communication; share 1 = general form, 0 = roofline.

    >>> round(STEP_TIME_S(0.011607, 0.004602, 0.028108) * 1000, 3), round(STEP_TIME_S(0.011607, 0.004602, 0.028108, 0, 0) * 1000, 3)
    (32.71, 28.108)
    """
    return cells(beyond.step_time_s, weight_s=weight_s, kv_s=kv_s, compute_s=compute_s, comm_s=comm_s, share=share)


@udf(beyond.tp_allreduce_s, layers=S["layers"], hidden=S["hidden"], tokens=S["tokens"], act_bytes=S["act_bytes"],
     replica_cards=H["replica_cards"], link=S["link"], latency=S["latency"])
def TP_ALLREDUCE_S(layers, hidden, tokens, act_bytes, replica_cards, link, latency=beyond.COLLECTIVE_LATENCY_US):
    """Tensor-parallel all-reduce time (s) per step = 2 × layers × (2 (m−1)/m × hidden × tokens × bytes / GB/s + latency), m = INT(cards); 0 on one card.

    >>> round(TP_ALLREDUCE_S(96, 12288, 64, 2, 8, 450) * 1000, 3)
    3.094
    """
    return cells(beyond.tp_allreduce_s, layers=layers, hidden=hidden, tokens=tokens, act_bytes=act_bytes,
                 replica_cards=replica_cards, link=link, latency=latency)


@udf(beyond.ep_alltoall_s, moe_layers=S["moe_layers"], hidden=S["hidden"], tokens=S["tokens"], k=S["k"],
     act_bytes=S["act_bytes"], replica_cards=H["replica_cards"], link=S["link"], latency=S["latency"])
def EP_ALLTOALL_S(moe_layers, hidden, tokens, k, act_bytes, replica_cards, link, latency=beyond.COLLECTIVE_LATENCY_US):
    """Expert-parallel all-to-all time (s) per step = 2 × MoE layers × ((m−1)/m × tokens × k × hidden × bytes / m / GB/s + latency), m = INT(cards).

    >>> round(EP_ALLTOALL_S(58, 7168, 256, 8, 1, 16, 450) * 1000, 3)
    1.382
    """
    return cells(beyond.ep_alltoall_s, moe_layers=moe_layers, hidden=hidden, tokens=tokens, k=k, act_bytes=act_bytes,
                 replica_cards=replica_cards, link=link, latency=latency)


@udf(beyond.expected_experts_read, experts=S["experts"], k=S["k"], batch=S["tokens"])
def EXPERTS_READ(experts, k, batch):
    """Distinct routed experts a step reads per MoE layer = E × (1 − (1 − k/E)^batch).

    >>> EXPERTS_READ(8, 2, 1), round(EXPERTS_READ(256, 8, 64), 2)
    (2.0, 222.44)
    """
    return cells(beyond.expected_experts_read, experts=experts, k=k, batch=batch)


@udf(beyond.weights_read_gb, weights_gb=H["weights_gb"], moe_layers=S["moe_layers"], experts=S["experts"], k=S["k"],
     hidden=S["hidden"], expert_ffn=S["expert_ffn"], batch=S["tokens"], bytes_per_weight=H["bytes_per_weight"])
def WEIGHTS_READ_GB(weights_gb, moe_layers, experts, k, hidden, expert_ffn, batch, bytes_per_weight):
    """Weights (GB) one step reads = weights − MoE layers × E × (1 − k/E)^batch × 3 × hidden × expert FFN × bytes / 1e9.

    >>> round(WEIGHTS_READ_GB(93.4, 32, 8, 2, 4096, 14336, 1, 2), 2)
    25.75
    """
    return cells(beyond.weights_read_gb, weights_gb=weights_gb, moe_layers=moe_layers, experts=experts, k=k,
                 hidden=hidden, expert_ffn=expert_ffn, batch=batch, bytes_per_weight=bytes_per_weight)


@udf(beyond.implied_mfu, tokens_per_card=S["tokens_per_card"], active_params=H["active_params"],
     peak_tflops=H["peak_tflops"])
def IMPLIED_MFU(tokens_per_card, active_params, peak_tflops):
    """MFU a measured throughput implies = 2 × active params (亿) × 1e8 × tokens/s per card / (TFLOPS × 1e12).

    >>> round(IMPLIED_MFU(9000, 370, 1979), 3)
    0.337
    """
    return cells(beyond.implied_mfu, tokens_per_card=tokens_per_card, active_params=active_params,
                 peak_tflops=peak_tflops)


@udf(beyond.implied_mbu, tokens_per_card=S["tokens_per_card"], batch=H["batch"], weights_gb=H["weights_gb"],
     kv_per_token=H["kv_per_token"], context=H["context"], bandwidth=H["bandwidth"])
def IMPLIED_MBU(tokens_per_card, batch, weights_gb, kv_per_token, context, bandwidth):
    """MBU a measured decode throughput implies = (weights × 1e9 + batch × context × KV) × tokens/s per card / (batch × TB/s × 1e12).

    >>> round(IMPLIED_MBU(23.9, 1, 140, 327680, 1, 3.35), 3)
    0.999
    """
    return cells(beyond.implied_mbu, tokens_per_card=tokens_per_card, batch=batch, weights_gb=weights_gb,
                 kv_per_token=kv_per_token, context=context, bandwidth=bandwidth)


@udf(beyond.decode_tokens_per_s_per_card, batch=H["batch"], step=H["step"], replica_cards=H["replica_cards"])
def DECODE_TOKENS_PER_CARD(batch, step, replica_cards):
    """Decode tokens/s per card = batch / step time (s) / cards per replica.

    >>> DECODE_TOKENS_PER_CARD(64, 0.032, 8)
    250.0
    """
    return cells(beyond.decode_tokens_per_s_per_card, batch=batch, step=step, replica_cards=replica_cards)


@udf(beyond.decode_cards_wan, decode_tokens="Output tokens per second in 亿 (1e8) tokens/s; DECODE_TOKENS.",
     tokens_per_card="Decode tokens/s per card; DECODE_TOKENS_PER_CARD.")
def DECODE_CARDS(decode_tokens, tokens_per_card):
    """Decode cards (万张) = output tokens/s (亿) × 1e8 / tokens/s per card / 1e4.

    >>> DECODE_CARDS(0.25, 250)
    10.0
    """
    return cells(beyond.decode_cards_wan, decode_tokens=decode_tokens, tokens_per_card=tokens_per_card)


@udf(beyond.decode_feasible, headroom=H["headroom"], step=H["step"], slo=H["slo"])
def DECODE_FEASIBLE(headroom, step, slo=beyond.TPOT_SLO_S):
    """1 when the batch fits in memory (headroom ≥ 0) and the step time meets the SLO, else 0; DECODE_REASON says why.

    >>> DECODE_FEASIBLE(10, 0.03), DECODE_FEASIBLE(-1, 0.03)
    (1.0, 0.0)
    """
    return cells(beyond.decode_feasible, headroom=headroom, step=step, slo=slo)


@udf(beyond.decode_feasible, headroom=H["headroom"], step=H["step"], slo=H["slo"])
def DECODE_REASON(headroom, step, slo=beyond.TPOT_SLO_S):
    """Why a decode setting is infeasible ("OK" when it is feasible): memory shortfall or step time over the SLO.

    >>> DECODE_REASON(-12.5, 0.03), DECODE_REASON(3, 0.02)
    ('batch does not fit in memory: 12.5 GB short', 'OK')
    """
    flags = cells(beyond.decode_feasible, headroom=headroom, step=step, slo=slo)
    try:
        if not isinstance(flags, list):
            return _reason_text(flags, _one(headroom), _one(step), _one(slo))
        f = np.array(flags, dtype=object)
        h, st, lim = (np.broadcast_to(np.array(x, dtype=object), f.shape) for x in (headroom, step, slo))
        out = f.copy()  # empty, error codes and messages shown as they are
        ok = np.fromiter((isinstance(v, float) for v in f.flat), dtype=bool, count=f.size).reshape(f.shape)
        if ok.any():  # one vectorised call over every element the checks let through
            limits = [beyond.TPOT_SLO_S if v is None or v == "" else v for v in lim[ok]]
            texts = beyond.infeasible_reason(h[ok].astype(float), st[ok].astype(float),
                                             np.array(limits, dtype=float))
            out[ok] = np.array([t or "OK" for t in texts], dtype=object)
        return out.tolist()
    except (ValueError, TypeError):  # shapes cells accepted but numpy does not: the flags say enough
        return flags


def _reason_text(flag, h, s, lim):
    if not isinstance(flag, float):  # empty, an error code or a message: shown as it is
        return flag
    lim = beyond.TPOT_SLO_S if lim is None or lim == "" else float(lim)
    return beyond.infeasible_reason(float(h), float(s), lim) or "OK"


def _one(x):
    while isinstance(x, (list, tuple)) and len(x) == 1:
        x = x[0]
    return x


# --- fleet, servers, money ------------------------------------------------------------------------


@udf(beyond.fleet_cards_wan, prefill_cards="Prefill cards in 万张 (10,000 cards); PREFILL_CARDS.",
     decode_cards="Decode cards in 万张 (10,000 cards); DECODE_CARDS.")
def FLEET_CARDS(prefill_cards, decode_cards):
    """Cards (万张) of a disaggregated fleet = prefill cards + decode cards.

    >>> FLEET_CARDS(1.5, 2.25)
    3.75
    """
    return cells(beyond.fleet_cards_wan, prefill_cards=prefill_cards, decode_cards=decode_cards)


@udf(beyond.servers_whole_wan, fleet_cards=H["fleet_cards"], cards_per_server=H["cards_per_server"])
def SERVERS_WHOLE(fleet_cards, cards_per_server=8.0):
    """Whole servers (万台) = ROUNDUP(cards × 1e4 / cards per server, 0) / 1e4; SERVERS is the report's fractional form.

    >>> SERVERS_WHOLE(43.37671)
    5.4221
    """
    return cells(beyond.servers_whole_wan, fleet_cards=fleet_cards, cards_per_server=cards_per_server)


@udf(beyond.yearly_capex_yi, fleet_cards="Cards needed this year in 万张 (10,000 cards).",
     installed_cards="Cards already installed in 万张 (10,000 cards), 0 or more.", server_price=H["server_price"],
     cards_per_server=H["cards_per_server"], life_years=H["life_years"])
def YEARLY_CAPEX(fleet_cards, installed_cards, server_price, cards_per_server=8.0, life_years=beyond.LIFE_YEARS):
    """Capex per year (亿元) = (MAX(cards − installed, 0) + installed / life) × server price (万元) / cards per server.

    >>> YEARLY_CAPEX(60, 40, 84, 8, 5)
    294.0
    """
    return cells(beyond.yearly_capex_yi, fleet_cards=fleet_cards, installed_cards=installed_cards,
                 server_price=server_price, cards_per_server=cards_per_server, life_years=life_years)


@udf(beyond.card_power_w, tdp_w="Board power of one card in W (TDP), e.g. 700 (H100), 400 (H20).",
     server_power_factor="All-in watts per TDP watt (CPU, memory, network share), at least 1. Default 1275/700 "
                         "(Epoch AI, H100).")
def CARD_POWER_W(tdp_w, server_power_factor=beyond.SERVER_POWER_FACTOR):
    """All-in watts per card = TDP (W) × server power factor (default 1,275 / 700, Epoch AI's H100 incl. server share).

    >>> CARD_POWER_W(700)
    1275.0
    """
    return cells(beyond.card_power_w, tdp_w=tdp_w, server_power_factor=server_power_factor)


@udf(beyond.fleet_power_mw, fleet_cards=H["fleet_cards"], card_power_w="All-in watts per card; CARD_POWER_W.",
     pue="Power usage effectiveness, at least 1. Default 1.25.",
     load_factor="Average draw as a share of peak, in (0, 1]. Default 0.7 (Epoch AI).")
def FLEET_POWER_MW(fleet_cards, card_power_w, pue=beyond.PUE, load_factor=beyond.LOAD_FACTOR):
    """Average facility power (MW) = cards (万张) × 1e4 × all-in W per card × PUE × load factor / 1e6.

    >>> FLEET_POWER_MW(1, 1275, 1.2, 0.7)
    10.71
    """
    return cells(beyond.fleet_power_mw, fleet_cards=fleet_cards, card_power_w=card_power_w, pue=pue,
                 load_factor=load_factor)


@udf(beyond.energy_gwh_per_year, power_mw="Average power in MW; FLEET_POWER_MW.")
def ENERGY_GWH(power_mw):
    """Energy per year (GWh) = average power (MW) × 8,760 h / 1,000.

    >>> ENERGY_GWH(10)
    87.6
    """
    return cells(beyond.energy_gwh_per_year, power_mw=power_mw)


@udf(beyond.electricity_cost_yi, energy_gwh="Energy per year in GWh; ENERGY_GWH.",
     price_yuan_kwh="Electricity price in 元 (CNY) per kWh, e.g. 0.5.")
def ELECTRICITY_COST(energy_gwh, price_yuan_kwh):
    """Electricity cost per year (亿元) = energy (GWh) × 1e6 kWh/GWh × price (元/kWh) / 1e8.

    >>> ELECTRICITY_COST(87.6, 0.5)
    0.438
    """
    return cells(beyond.electricity_cost_yi, energy_gwh=energy_gwh, price_yuan_kwh=price_yuan_kwh)


@udf(beyond.card_hour_yuan, server_price=H["server_price"], cards_per_server=H["cards_per_server"],
     life_years=H["life_years"])
def CARD_HOUR_COST(server_price, cards_per_server=8.0, life_years=beyond.LIFE_YEARS):
    """Amortized capex per card-hour (元) = server price (万元) × 1e4 / cards per server / (life years × 8,760 h).

    >>> round(CARD_HOUR_COST(84), 4)
    2.3973
    """
    return cells(beyond.card_hour_yuan, server_price=server_price, cards_per_server=cards_per_server,
                 life_years=life_years)


@udf(beyond.cost_per_mtok_yuan, fleet_cards=H["fleet_cards"],
     card_hour_yuan="Cost per card-hour in 元: CARD_HOUR_COST (amortized capex) or a rental price.",
     electricity_cost="Electricity per year in 亿元; ELECTRICITY_COST (0 when a rental price includes power).",
     daily_tokens="Daily tokens in 亿 (1e8) tokens; DAILY_TOKENS.")
def COST_PER_MTOK(fleet_cards, card_hour_yuan, electricity_cost, daily_tokens):
    """Cost per 1M tokens (元) = (cards × 1e4 × 元/card-hour × 8,760 + electricity × 1e8) / (daily tokens × 1e8 × 365 / 1e6).

    >>> COST_PER_MTOK(1, 10, 0, 1000)
    24.0
    """
    return cells(beyond.cost_per_mtok_yuan, fleet_cards=fleet_cards, card_hour_yuan=card_hour_yuan,
                 electricity_cost=electricity_cost, daily_tokens=daily_tokens)


@udf(beyond.tokens_per_s_per_card, peak_tokens=H["peak_tokens"], fleet_cards=H["fleet_cards"])
def TOKENS_PER_CARD(peak_tokens, fleet_cards):
    """Implied tokens/s per card at peak = peak tokens/s (亿) × 1e8 / (cards (万张) × 1e4): a sanity figure.

    >>> round(TOKENS_PER_CARD(40000 / 129600 * 4, 43.3767100433767), 1)
    284.6
    """
    return cells(beyond.tokens_per_s_per_card, peak_tokens=peak_tokens, fleet_cards=fleet_cards)


__all__ = ["ACCEL_PEAK", "ACCEL_FIGURE", "BYTES_PER_WEIGHT", "CARDS", "CARDS_ON", "PEAK_TOKENS_PER_S", "PREFILL_TOKENS",
           "DECODE_TOKENS", "PREFILL_CARDS", "WEIGHTS_GB", "KV_BYTES_PER_TOKEN", "KV_BYTES_PER_TOKEN_MLA",
           "MEMORY_HEADROOM_GB", "MAX_BATCH", "DECODE_STEP_S", "DECODE_TOKENS_PER_CARD", "DECODE_CARDS",
           "DECODE_FEASIBLE", "DECODE_REASON", "FLEET_CARDS", "SERVERS_WHOLE", "YEARLY_CAPEX", "CARD_POWER_W",
           "FLEET_POWER_MW", "ENERGY_GWH", "ELECTRICITY_COST", "CARD_HOUR_COST", "COST_PER_MTOK", "TOKENS_PER_CARD",
           "STEP_TIME_S", "TP_ALLREDUCE_S", "EP_ALLTOALL_S", "EXPERTS_READ", "WEIGHTS_READ_GB", "IMPLIED_MFU",
           "IMPLIED_MBU"]
