"""Beyond Figure 11: a bandwidth-aware, MoE-aware sizing model that still fits in a spreadsheet.

The report sizes every token at ``2 × parameters`` FLOPs on one MFU.  This module splits the work
the way serving systems do (background and sources: docs/beyond.md):

* demand: peak token rate, split into input (prefill) and output (decode) tokens; prefix/KV-cache
  hits remove prefill work;
* MoE: FLOPs follow *active* parameters, weight memory and weight reads follow *total* ones;
* prefill cards are compute bound; a decode step of a replica of ``n`` cards at batch ``B`` and
  average context ``ctx`` is, in the general form of jax-ml/scaling-book ("All About Transformer
  Inference")::

      t_w    = weights read / (n × bandwidth × MBU)        (MoE: only the experts the batch hits)
      t_kv   = B × ctx × KV bytes per token / (n × bandwidth × MBU)
      t_c    = 2 × N_active × B / (n × peak × MFU_decode)
      step   = MAX(t_w + t_kv, t_c + kv_serial_share × t_kv) + t_comm

  ``kv_serial_share`` 1 = t_kv + MAX(t_w, t_c) (attention's KV read never hides under the
  matmuls), 0 = the simple roofline MAX(t_w + t_kv, t_c) (:func:`decode_step_s`); t_comm is the
  tensor-parallel all-reduce and expert-parallel all-to-all, added serially;

* feasibility is a number, never a silent drop: :func:`memory_headroom_gb` (< 0: the batch does
  not fit), :func:`decode_feasible` (1 or 0) and :func:`infeasible_reason` (the text);
  :func:`max_batch` and :func:`bandwidth_cards_wan` raise with the reason on infeasible input;
* fleet and money: whole or fractional servers, implied tokens/s per card; capex per year with
  replacement, power, energy, electricity cost and cost per million tokens are defined once in
  :mod:`xlsizing.economics` and re-exported here.

Units are in the names as in :mod:`xlsizing.model`: ``_yi`` = 亿 (1e8), ``_wan`` = 万 (1e4),
``_gb`` = 1e9 bytes, ``_tbs`` = 1e12 bytes/s, ``_tflops`` = 1e12 FLOP/s, ``_s`` seconds,
``_w`` watts, ``_mw`` megawatts, ``_gwh`` GWh, ``_yuan`` 元.  Fleet rates are in 亿 tokens/s and
cards in 万张, like the chain; per-card and per-replica figures are in plain units.

>>> kv = kv_bytes_per_token(96, 8, 128, 2)
>>> step = decode_step_s(weights_gb(1300, 2), kv, 4096, 64, 1300, 8, 4.0, 0.7, 148, 0.5)
>>> round(decode_tokens_per_s_per_card(64, step, 8), 1)     # H20, BF16, dense 130B: compute bound
284.6
"""

from __future__ import annotations

from . import _num
from ._args import ANY, AT_LEAST_ONE, FRACTION, NONNEGATIVE, POSITIVE, PROPORTION, Rule, checked, fmt_value, is_plain
from .errors import InvalidInput
from .model import MFU
from .units import DAYS_PER_YEAR, GIGA, HOURS_PER_YEAR, KILO, MEGA, TERA, WAN, YI  # noqa: F401 - re-exported
# Power, energy, cost per card-hour and per 1M tokens, and capex per year have ONE definition, in
# the economics module; this module re-exports them (and their defaults) for the Beyond sheet.
from .economics import (  # noqa: F401 - re-exported
    LIFE_YEARS, LOAD_FACTOR, PUE, SERVER_POWER_FACTOR, card_hour_yuan, card_power_w, cost_per_mtok_yuan,
    electricity_cost_yi, energy_gwh_per_year, fleet_power_mw, yearly_capex_yi,
)

# Defaults, each from a public source or marked as an assumption (see docs/beyond.md).
# DeepSeek, "Day 6: One More Thing, DeepSeek-V3/R1 Inference System Overview" (2025-03-01,
# github.com/deepseek-ai/open-infra-index): 608B input tokens of which 342B (56.3%) hit the
# on-disk KV cache, 168B output tokens in 24 h -> input share 608 / 776 = 0.7835.
INPUT_SHARE = 608.0 / 776.0
CACHE_HIT_RATE = 342.0 / 608.0
# Prefill (typically 30-60%, domain notes) and the compute term of decode default to the report's MFU:
# the Beyond sheet links both to Figure 11's mfu, and the Excel functions take the same default.
MFU_PREFILL = MFU
MFU_DECODE = MFU
MBU = 0.7  # memory-bandwidth utilization, typically 0.6-0.8 (assumption, mid-range)
USABLE_HBM = 0.9  # share of card memory usable for weights + KV (vLLM's default gpu_memory_utilization)
TPOT_SLO_S = 0.05  # 50 ms per output token = 20 tokens/s per user (assumption)
# SERVER_POWER_FACTOR, PUE, LOAD_FACTOR (Epoch AI) and LIFE_YEARS: see xlsizing.economics.
# Share of the KV-cache read that does not hide under the matmuls' compute: 1 = the general form of
# jax-ml/scaling-book, "All About Transformer Inference" (jax-ml.github.io/scaling-book/inference,
# "Theoretical Step Time (General)": attention is always bandwidth bound and runs between the
# weight matmuls); 0 = the simple roofline max(all memory, all compute) the Beyond sheet used first.
KV_SERIAL_SHARE = 1.0
# Time a collective takes however small it is (launch + synchronisation), in microseconds.
# Assumption: order of magnitude of NCCL small-message all-reduce latency inside one NVLink server.
COLLECTIVE_LATENCY_US = 10.0
ACTIVATION_BYTES = 2.0  # activations exchanged in BF16 (assumption; DeepSeek dispatches in FP8 = 1)
FFN_MATRICES = 3.0  # gated FFN (SwiGLU): gate, up and down projections, each hidden × ffn

# "0 (roofline) to 1 (general form)": a closed interval, unlike FRACTION and PROPORTION
SHARE = Rule("in [0, 1]", lo=0.0, hi=1.0, lo_open=False, hi_open=False)


# --- demand ---------------------------------------------------------------------------------


@checked(tokens_per_s_yi=POSITIVE, peak_multiplier=AT_LEAST_ONE)
def peak_tokens_per_s_yi(tokens_per_s_yi, peak_multiplier):
    """Peak token rate (亿 tokens/s) = average tokens/s (亿) × peak-to-average multiplier.

    >>> round(peak_tokens_per_s_yi(40000 / 129600, 4), 6)
    1.234568
    """
    return tokens_per_s_yi * peak_multiplier


@checked(peak_tokens_per_s_yi=POSITIVE, input_share=PROPORTION, cache_hit_rate=PROPORTION)
def prefill_tokens_per_s_yi(peak_tokens_per_s_yi, input_share=INPUT_SHARE, cache_hit_rate=CACHE_HIT_RATE):
    """Prefill tokens to compute (亿/s) = token rate × input share × (1 − KV-cache hit rate).

    Cached prefixes need no prefill.  Defaults: DeepSeek's published day (input share 78.4%,
    cache hits 56.3%).

    >>> prefill_tokens_per_s_yi(1.0, 0.75, 0.5)
    0.375
    """
    return peak_tokens_per_s_yi * input_share * (1.0 - cache_hit_rate)


@checked(peak_tokens_per_s_yi=POSITIVE, input_share=PROPORTION)
def decode_tokens_per_s_yi(peak_tokens_per_s_yi, input_share=INPUT_SHARE):
    """Output (decode) tokens (亿/s) = token rate × (1 − input share).

    >>> decode_tokens_per_s_yi(1.0, 0.75)
    0.25
    """
    return peak_tokens_per_s_yi * (1.0 - input_share)


# --- cards for a compute-bound load (any accelerator, any precision) --------------------------


@checked(flops=POSITIVE, peak_tflops=POSITIVE, mfu=FRACTION)
def cards_wan(flops, peak_tflops, mfu):
    """Cards (万张) for a compute load = FLOP/s / (peak TFLOPS × 1e12 × MFU); any card, any precision.

    ``peak_tflops`` comes from the catalog (``catalog.peak_tflops("H20", "fp8")`` = 296).
    ``model.h20_cards_wan`` is the report's special case (148 TFLOPS, 50%).

    >>> round(cards_wan(3.2098765432098766e19, 296, 0.5), 5)     # Figure 11 base column on H20 FP8
    21.68836
    """
    return flops / (peak_tflops * TERA * mfu) / WAN


@checked(prefill_tokens_per_s_yi=NONNEGATIVE, active_params_yi=POSITIVE, peak_tflops=POSITIVE,
         mfu_prefill=FRACTION)
def prefill_cards_wan(prefill_tokens_per_s_yi, active_params_yi, peak_tflops, mfu_prefill=MFU_PREFILL):
    """Prefill cards (万张) = 2 × active params × prefill tokens/s / (peak TFLOPS × 1e12 × MFU_prefill).

    Compute bound; FLOPs follow *active* parameters (MoE).  Parameters and tokens/s in 亿.

    >>> round(prefill_cards_wan(0.1, 370, 1979, 0.4), 4)    # 1e7 tok/s of DeepSeek-V3 (37B active) on H800
    0.0935
    """
    return 2.0 * (active_params_yi * YI) * (prefill_tokens_per_s_yi * YI) / (peak_tflops * TERA * mfu_prefill) / WAN


# --- memory: weights and KV cache -------------------------------------------------------------


@checked(total_params_yi=POSITIVE, bytes_per_weight=POSITIVE)
def weights_gb(total_params_yi, bytes_per_weight):
    """Weight memory (GB) = total params (亿) × 1e8 × bytes per weight / 1e9; MoE: all experts count.

    >>> weights_gb(6710, 1)      # DeepSeek-V3, 671B total, FP8
    671.0
    """
    return total_params_yi * YI * bytes_per_weight / GIGA


@checked(layers=AT_LEAST_ONE, kv_heads=AT_LEAST_ONE, head_dim=AT_LEAST_ONE, kv_bytes=POSITIVE)
def kv_bytes_per_token(layers, kv_heads, head_dim, kv_bytes=2.0):
    """KV-cache bytes per token (MHA/GQA) = 2 (K and V) × layers × KV heads × head dim × bytes per element.

    >>> kv_bytes_per_token(80, 8, 128, 2)       # Llama-2/3 70B (GQA, 8 KV heads), BF16
    327680.0
    """
    return 2.0 * layers * kv_heads * head_dim * kv_bytes


@checked(layers=AT_LEAST_ONE, kv_lora_rank=AT_LEAST_ONE, rope_dim=NONNEGATIVE, kv_bytes=POSITIVE)
def kv_bytes_per_token_mla(layers, kv_lora_rank, rope_dim, kv_bytes=2.0):
    """KV-cache bytes per token (MLA, DeepSeek-V2/V3) = (kv_lora_rank + rope dim) × layers × bytes.

    >>> kv_bytes_per_token_mla(61, 512, 64, 2)   # DeepSeek-V3: 61 layers, rank 512, rope 64
    70272.0
    """
    return (kv_lora_rank + rope_dim) * layers * kv_bytes


@checked(weights_gb=POSITIVE, kv_bytes_per_token=POSITIVE, context_tokens=POSITIVE, batch=NONNEGATIVE,
         replica_cards=AT_LEAST_ONE, memory_gb=POSITIVE, usable_fraction=FRACTION)
def memory_headroom_gb(weights_gb, kv_bytes_per_token, context_tokens, batch, replica_cards, memory_gb,
                       usable_fraction=USABLE_HBM):
    """Free memory (GB) of a replica = n × HBM × usable − weights − B × ctx × KV bytes / 1e9; < 0: does not fit.

    >>> round(memory_headroom_gb(260, 393216, 4096, 64, 8, 96, 0.9), 3)
    328.121
    """
    return (replica_cards * memory_gb * usable_fraction - weights_gb
            - batch * context_tokens * kv_bytes_per_token / GIGA)


@checked(weights_gb=POSITIVE, kv_bytes_per_token=POSITIVE, context_tokens=POSITIVE, replica_cards=AT_LEAST_ONE,
         memory_gb=POSITIVE, usable_fraction=FRACTION)
def batch_capacity(weights_gb, kv_bytes_per_token, context_tokens, replica_cards, memory_gb,
                   usable_fraction=USABLE_HBM):
    """Sequences whose KV cache fits beside the weights = INT((n × HBM × usable − weights) × 1e9 / (ctx × KV bytes)); < 1: infeasible.

    The flag form of :func:`max_batch` (which raises instead): a number usable per row and in
    the sheet.

    >>> batch_capacity(260, 393216, 4096, 2, 96, 0.9)
    -55.0
    """
    return _num.floor((replica_cards * memory_gb * usable_fraction - weights_gb) * GIGA
                    / (context_tokens * kv_bytes_per_token))


def max_batch(weights_gb, kv_bytes_per_token, context_tokens, replica_cards, memory_gb, usable_fraction=USABLE_HBM):
    """Largest batch (sequences) whose KV cache fits = ⌊(n × HBM GB × usable − weights GB) × 1e9 / (ctx × KV bytes)⌋; raises if none fits.

    Raises :class:`~xlsizing.errors.InvalidInput` naming the shortfall when fewer than one sequence
    fits (the weights alone, or weights plus one context, exceed the usable memory).

    >>> max_batch(260, 393216, 4096, 8, 96, 0.9)
    267.0
    >>> max_batch(260, 393216, 4096, 2, 96, 0.9)
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: infeasible: weights need 260 GB but 2 cards × 96 GB × 0.9 hold 172.8 GB
    """
    out = batch_capacity(weights_gb, kv_bytes_per_token, context_tokens, replica_cards, memory_gb,
                         usable_fraction)
    import numpy as np

    bad = np.asarray(out) < 1
    if bad.any():
        a = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in
                                  (weights_gb, replica_cards, memory_gb, usable_fraction, out)))
        i = int(np.flatnonzero(bad.ravel())[0]) if bad.ndim else 0
        w, n, m, u, _ = (float(x.ravel()[i]) for x in a)
        where = f" (at index {i})" if bad.ndim else ""
        usable = n * m * u
        if w >= usable:
            raise InvalidInput(f"infeasible: weights need {fmt_value(w)} GB but {fmt_value(n)} cards × "
                               f"{fmt_value(m)} GB × {fmt_value(u)} hold {fmt_value(round(usable, 9))} GB{where}")
        raise InvalidInput(f"infeasible: after {fmt_value(w)} GB of weights, {fmt_value(round(usable - w, 9))} GB "
                           f"is left: not enough for one sequence's KV cache{where}")
    return out


# --- decode roofline --------------------------------------------------------------------------


@checked(weights_gb=POSITIVE, kv_bytes_per_token=POSITIVE, context_tokens=POSITIVE, batch=AT_LEAST_ONE,
         active_params_yi=POSITIVE, replica_cards=AT_LEAST_ONE, bandwidth_tbs=POSITIVE, mbu=FRACTION,
         peak_tflops=POSITIVE, mfu_decode=FRACTION)
def decode_step_s(weights_gb, kv_bytes_per_token, context_tokens, batch, active_params_yi, replica_cards,
                  bandwidth_tbs, mbu, peak_tflops, mfu_decode=MFU_DECODE):
    """Decode step (s), simple roofline = max(memory time, compute time): weights + B×ctx×KV read at n×bandwidth×MBU vs 2×N_active×B FLOPs.

    The ``kv_serial_share = 0`` case of :func:`decode_step_general_s` / :func:`step_time_s`, kept
    for comparison (and as the Excel function ``DECODE_STEP_S``); optimistic when compute bound.

    t_mem = (weights GB × 1e9 + B × ctx × KV bytes) / (n × TB/s × 1e12 × MBU);
    t_compute = 2 × active params (亿) × 1e8 × B / (n × TFLOPS × 1e12 × MFU_decode).

    >>> round(decode_step_s(140, 327680, 4096, 1, 700, 1, 3.35, 1.0, 989, 1.0) * 1000, 2)   # 70B BF16, H100
    42.19
    """
    t_mem = (weights_gb * GIGA + batch * context_tokens * kv_bytes_per_token) / (
        replica_cards * bandwidth_tbs * TERA * mbu)
    t_compute = 2.0 * active_params_yi * YI * batch / (replica_cards * peak_tflops * TERA * mfu_decode)
    return _num.maximum(t_mem, t_compute)


# --- step time in the general form: each term its own quantity (one sheet row each) -------------
#
# jax-ml/scaling-book, "All About Transformer Inference" (jax-ml.github.io/scaling-book/inference),
# "Theoretical Step Time (General)":
#     step = B × KV bytes / total bandwidth  +  max(2 × B × params / total FLOP/s, weight bytes / total bandwidth)
# Attention reads the KV cache between the weight matmuls and is always bandwidth bound, so its time
# does not hide under compute.  The simple roofline max(weights + KV, compute) agrees when the
# matmuls are memory bound and is optimistic when they are compute bound.
#
# What overlaps with what (the choice made here): the weight read overlaps the matmul compute
# (the roofline max); the KV read overlaps nothing when kv_serial_share = 1 (the general form) and
# everything when it is 0 (the simple roofline); communication overlaps nothing — it is added
# serially, the conservative choice (overlapping all-reduce with compute needs kernel fusion or
# micro-batching that a sizing model cannot assume).


@checked(weights_read_gb=POSITIVE, replica_cards=AT_LEAST_ONE, bandwidth_tbs=POSITIVE, mbu=FRACTION)
def weight_read_s(weights_read_gb, replica_cards, bandwidth_tbs, mbu=MBU):
    """Time (s) to read a step's weights = weights read GB × 1e9 / (n cards × TB/s × 1e12 × MBU).

    Dense: all the weights (:func:`weights_gb`); MoE: only the experts the batch hits
    (:func:`weights_read_gb`).

    >>> round(weight_read_s(260, 8, 4.0, 0.7) * 1000, 3)     # 130B BF16 on 8 × H20, ms
    11.607
    """
    return weights_read_gb * GIGA / (replica_cards * bandwidth_tbs * TERA * mbu)


@checked(kv_bytes_per_token=POSITIVE, context_tokens=POSITIVE, batch=AT_LEAST_ONE, replica_cards=AT_LEAST_ONE,
         bandwidth_tbs=POSITIVE, mbu=FRACTION)
def kv_read_s(kv_bytes_per_token, context_tokens, batch, replica_cards, bandwidth_tbs, mbu=MBU):
    """Time (s) to read the batch's KV cache = B × ctx × KV bytes per token / (n × TB/s × 1e12 × MBU).

    >>> round(kv_read_s(393216, 4096, 64, 8, 4.0, 0.7) * 1000, 3)   # 130B, batch 64, ctx 4,096 on 8 × H20, ms
    4.602
    """
    return batch * context_tokens * kv_bytes_per_token / (replica_cards * bandwidth_tbs * TERA * mbu)


@checked(active_params_yi=POSITIVE, batch=AT_LEAST_ONE, replica_cards=AT_LEAST_ONE, peak_tflops=POSITIVE,
         mfu_decode=FRACTION)
def decode_compute_s(active_params_yi, batch, replica_cards, peak_tflops, mfu_decode=MFU_DECODE):
    """Matmul time (s) of one decode step = 2 × active params (亿) × 1e8 × B / (n × TFLOPS × 1e12 × MFU_decode).

    >>> round(decode_compute_s(1300, 64, 8, 148, 0.5) * 1000, 3)     # 130B BF16, batch 64, 8 × H20, ms
    28.108
    """
    return 2.0 * active_params_yi * YI * batch / (replica_cards * peak_tflops * TERA * mfu_decode)


@checked(weight_read_s=NONNEGATIVE, kv_read_s=NONNEGATIVE, decode_compute_s=NONNEGATIVE, comm_s=NONNEGATIVE,
         kv_serial_share=SHARE)
def step_time_s(weight_read_s, kv_read_s, decode_compute_s, comm_s=0.0, kv_serial_share=KV_SERIAL_SHARE):
    """Step time (s) = MAX(weights + KV, compute + share × KV) + communication; share 1 = general form, 0 = roofline.

    With ``kv_serial_share`` s:  MAX(t_w + t_kv, t_c + s × t_kv) + t_comm.
    s = 1 gives t_kv + MAX(t_w, t_c), the general form of jax-ml/scaling-book ("All About
    Transformer Inference"); s = 0 gives MAX(t_w + t_kv, t_c), the simple roofline.  A value in
    between says what share of the KV read does not hide under the matmuls.  Communication
    (:func:`tp_allreduce_s`, :func:`ep_alltoall_s`) is added serially: nothing overlaps it.

    >>> round(step_time_s(0.011607, 0.004602, 0.028108, 0, 1) * 1000, 3)   # general: 4.602 + 28.108
    32.71
    >>> round(step_time_s(0.011607, 0.004602, 0.028108, 0, 0) * 1000, 3)   # roofline: max(16.209, 28.108)
    28.108
    """
    return _num.maximum(weight_read_s + kv_read_s, decode_compute_s + kv_serial_share * kv_read_s) + comm_s


@checked(weights_gb=POSITIVE, kv_bytes_per_token=POSITIVE, context_tokens=POSITIVE, batch=AT_LEAST_ONE,
         active_params_yi=POSITIVE, replica_cards=AT_LEAST_ONE, bandwidth_tbs=POSITIVE, mbu=FRACTION,
         peak_tflops=POSITIVE, mfu_decode=FRACTION, kv_serial_share=SHARE, comm_s=NONNEGATIVE)
def decode_step_general_s(weights_gb, kv_bytes_per_token, context_tokens, batch, active_params_yi, replica_cards,
                          bandwidth_tbs, mbu, peak_tflops, mfu_decode=MFU_DECODE, kv_serial_share=KV_SERIAL_SHARE,
                          comm_s=0.0):
    """Decode step (s) = MAX(t_w + t_kv, t_c + share × t_kv) + comm: general form (share 1) or roofline (0), in one call.

    t_w = weights GB × 1e9 / (n × TB/s × 1e12 × MBU); t_kv = B × ctx × KV bytes / (n × TB/s × 1e12 × MBU);
    t_c = 2 × active params (亿) × 1e8 × B / (n × TFLOPS × 1e12 × MFU_decode);
    step = MAX(t_w + t_kv, t_c + kv_serial_share × t_kv) + comm_s (see :func:`step_time_s`).
    ``kv_serial_share`` 0 reproduces :func:`decode_step_s` (the simple roofline).

    >>> round(decode_step_general_s(260, 393216, 4096, 64, 1300, 8, 4.0, 0.7, 148, 0.5) * 1000, 2)    # general
    32.71
    >>> round(decode_step_general_s(260, 393216, 4096, 64, 1300, 8, 4.0, 0.7, 148, 0.5, 0) * 1000, 2)  # roofline
    28.11
    """
    t_w = weights_gb * GIGA / (replica_cards * bandwidth_tbs * TERA * mbu)
    t_kv = batch * context_tokens * kv_bytes_per_token / (replica_cards * bandwidth_tbs * TERA * mbu)
    t_c = 2.0 * active_params_yi * YI * batch / (replica_cards * peak_tflops * TERA * mfu_decode)
    return _num.maximum(t_w + t_kv, t_c + kv_serial_share * t_kv) + comm_s


@checked(weights_gb=POSITIVE, kv_bytes_per_token=POSITIVE, prompt_tokens=POSITIVE, batch=AT_LEAST_ONE,
         active_params_yi=POSITIVE, replica_cards=AT_LEAST_ONE, bandwidth_tbs=POSITIVE, mbu=FRACTION,
         peak_tflops=POSITIVE, mfu_prefill=FRACTION, kv_serial_share=SHARE, comm_s=NONNEGATIVE)
def prefill_step_s(weights_gb, kv_bytes_per_token, prompt_tokens, batch, active_params_yi, replica_cards,
                   bandwidth_tbs, mbu, peak_tflops, mfu_prefill=MFU_PREFILL, kv_serial_share=KV_SERIAL_SHARE,
                   comm_s=0.0):
    """Prefill step (s) of B prompts of L tokens = MAX(t_w + t_kv, t_c + share × t_kv) + comm, as decode with B × L tokens.

    t_c = 2 × active params (亿) × 1e8 × B × L / (n × TFLOPS × 1e12 × MFU_prefill);
    t_kv = B × L × KV bytes / (n × TB/s × 1e12 × MBU) (the cache written once);
    t_w = weights GB × 1e9 / (n × TB/s × 1e12 × MBU).  Compute bound for any real prompt.  The
    attention-score FLOPs (4 × layers × heads × head dim × L / 2 per token, causal) are not
    included: about 2.5% of the matmul FLOPs for a 130B model at L = 2,048.

    >>> round(prefill_step_s(260, 393216, 2048, 1, 1300, 8, 4.0, 0.7, 148, 0.4) * 1000, 1)   # one 2k prompt, 8 × H20
    1124.4
    """
    tokens = batch * prompt_tokens
    t_w = weights_gb * GIGA / (replica_cards * bandwidth_tbs * TERA * mbu)
    t_kv = tokens * kv_bytes_per_token / (replica_cards * bandwidth_tbs * TERA * mbu)
    t_c = 2.0 * active_params_yi * YI * tokens / (replica_cards * peak_tflops * TERA * mfu_prefill)
    return _num.maximum(t_w + t_kv, t_c + kv_serial_share * t_kv) + comm_s


# --- communication per step ---------------------------------------------------------------------


@checked(layers=AT_LEAST_ONE, hidden_size=AT_LEAST_ONE, batch=AT_LEAST_ONE, activation_bytes=POSITIVE,
         replica_cards=AT_LEAST_ONE, interconnect_gbs=POSITIVE, collective_latency_us=NONNEGATIVE)
def tp_allreduce_s(layers, hidden_size, batch, activation_bytes, replica_cards, interconnect_gbs,
                   collective_latency_us=COLLECTIVE_LATENCY_US):
    """Tensor-parallel all-reduce time (s) per step = IF(m > 1, 2 × layers × (2 × (m − 1)/m × hidden × B × bytes / (GB/s × 1e9) + latency µs × 1e-6), 0), m = INT(n).

    Two all-reduces per layer (after attention and after the FFN, Megatron-style tensor
    parallelism), each of B × hidden activations; a ring all-reduce moves 2 × (n − 1)/n of the
    message through each card's link.  ``interconnect_gbs`` is one card's bandwidth in one
    direction (NVLink "900 GB/s" is the two directions added: 450 each way).  ``batch`` is the
    tokens in the step (decode: the batch; prefill: batch × prompt tokens).  The ring counts whole
    cards, m = INT(n).  Zero on one card.
    Added to the step serially (see :func:`step_time_s`).

    >>> round(tp_allreduce_s(96, 12288, 64, 2, 8, 450, 10) * 1000, 3)    # 130B-class on 8 × H20, ms
    3.094
    >>> tp_allreduce_s(96, 12288, 64, 2, 1, 450, 10)
    0.0
    """
    ring = _num.floor(replica_cards)  # whole cards: a ring of INT(n); n − 1 stays exact (no cancellation)
    volume = 2.0 * (ring - 1.0) / ring * hidden_size * batch * activation_bytes
    per_step = 2.0 * layers * (volume / (interconnect_gbs * GIGA) + collective_latency_us / MEGA)
    return _num.where(ring > 1.0, per_step, 0.0)


@checked(moe_layers=NONNEGATIVE, hidden_size=AT_LEAST_ONE, batch=AT_LEAST_ONE, experts_per_token=AT_LEAST_ONE,
         activation_bytes=POSITIVE, replica_cards=AT_LEAST_ONE, interconnect_gbs=POSITIVE,
         collective_latency_us=NONNEGATIVE)
def ep_alltoall_s(moe_layers, hidden_size, batch, experts_per_token, activation_bytes, replica_cards,
                  interconnect_gbs, collective_latency_us=COLLECTIVE_LATENCY_US):
    """Expert-parallel all-to-all time (s) per step = IF(m > 1, 2 × MoE layers × ((m − 1)/m × B × k × hidden × bytes / m / (GB/s × 1e9) + latency µs × 1e-6), 0), m = INT(n).

    Per MoE layer a dispatch and a combine; each card holds B/n of the tokens and sends each token
    to its k experts, of which (n − 1)/n sit on other cards (routing spread evenly; load imbalance
    is not modelled).  ``interconnect_gbs``: one card's bandwidth in one direction.  Zero on one
    card and for a dense model (0 MoE layers).  Added to the step serially.

    >>> round(ep_alltoall_s(58, 7168, 256, 8, 1, 16, 450, 10) * 1e3, 3)    # DeepSeek-V3-like on 16 cards, ms
    1.382
    """
    ring = _num.floor(replica_cards)  # whole cards, as tp_allreduce_s
    volume = (ring - 1.0) / ring * batch * experts_per_token * hidden_size * activation_bytes
    per_step = 2.0 * moe_layers * (volume / ring / (interconnect_gbs * GIGA) + collective_latency_us / MEGA)
    return _num.where(ring > 1.0, per_step, 0.0)


@checked(tp_allreduce_s=NONNEGATIVE, ep_alltoall_s=NONNEGATIVE, expert_parallel=SHARE, layers=AT_LEAST_ONE,
         moe_layers=NONNEGATIVE)
def step_comm_s(tp_allreduce_s, ep_alltoall_s, expert_parallel, layers, moe_layers):
    """Communication per step (s) = all-reduce × (1 − EP × MIN(MoE layers, layers) / (2 × layers)) + EP × all-to-all; EP 0 or 1.

    Experts split tensor-parallel (``expert_parallel`` = 0): two all-reduces in every layer
    (:func:`tp_allreduce_s`).  Expert parallel (1): each MoE layer's FFN all-reduce is replaced by a
    dispatch and a combine (:func:`ep_alltoall_s`); attention keeps its all-reduce.

    >>> step_comm_s(0.003, 0.001, 0, 61, 58)
    0.003
    >>> round(step_comm_s(0.003, 0.001, 1, 61, 58), 6)     # 0.003 × (1 − 58/122) + 0.001
    0.002574
    """
    # MIN(MoE layers, layers): the sheet does not check that one is part of the other
    moe = _num.minimum(moe_layers, layers)
    return tp_allreduce_s * (1.0 - expert_parallel * moe / (2.0 * layers)) + expert_parallel * ep_alltoall_s


# --- MoE from its shape ---------------------------------------------------------------------------


def _not_more(small_name, small, big_name, big):
    """Raise InvalidInput unless small <= big elementwise (a relation one rule per argument cannot say)."""
    if isinstance(small, (int, float)) and isinstance(big, (int, float)):  # the numpy-free path
        if small > big:
            raise InvalidInput(f"{small_name} must be <= {big_name} ({fmt_value(big)}), got {fmt_value(small)}")
        return
    import numpy as np

    s, g = np.broadcast_arrays(np.asarray(small, dtype=float), np.asarray(big, dtype=float))
    bad = s > g
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        where = f" (at index {i})" if bad.ndim else ""
        raise InvalidInput(f"{small_name} must be <= {big_name} ({fmt_value(float(g.ravel()[i]))}), "
                           f"got {fmt_value(float(s.ravel()[i]))}{where}")


def _related(public, kernel_fn):
    """Give ``public`` the kernel and rules of the checked ``kernel_fn`` (what the sheet evaluator reads)."""
    public.kernel, public.rules = kernel_fn.kernel, kernel_fn.rules
    return public


@checked(experts=AT_LEAST_ONE, experts_per_token=AT_LEAST_ONE, batch=AT_LEAST_ONE)
def _expected_experts_read(experts, experts_per_token, batch):
    # MIN(k, E): the Excel function evaluates the kernel without the k <= E check
    return experts * (1.0 - (1.0 - _num.minimum(experts_per_token, experts) / experts) ** batch)


def expected_experts_read(experts, experts_per_token, batch):
    """Distinct routed experts a step reads per MoE layer = E × (1 − (1 − k/E)^B), top-k routing, B tokens.

    Each token picks k of E experts; if the picks are spread evenly, an expert escapes all B tokens
    with probability (1 − k/E)^B.  k at B = 1, approaching E as B grows; never above MIN(E, B × k).
    Shared experts are read always and come on top (:func:`weights_read_gb`).  k must be <= E.

    >>> expected_experts_read(8, 2, 1), round(expected_experts_read(8, 2, 64), 6)   # Mixtral-8x7B
    (2.0, 8.0)
    >>> round(expected_experts_read(256, 8, 64), 2)                              # DeepSeek-V3, batch 64
    222.44
    """
    out = _expected_experts_read(experts, experts_per_token, batch)
    _not_more("experts_per_token", experts_per_token, "experts", experts)
    return out


_related(expected_experts_read, _expected_experts_read)


@checked(other_params_yi=NONNEGATIVE, layers=AT_LEAST_ONE, dense_layers=NONNEGATIVE, hidden_size=AT_LEAST_ONE,
         dense_ffn=NONNEGATIVE, experts=AT_LEAST_ONE, shared_experts=NONNEGATIVE, expert_ffn=AT_LEAST_ONE)
def _moe_total_params_yi(other_params_yi, layers, dense_layers, hidden_size, dense_ffn, experts, shared_experts,
                         expert_ffn):
    moe = (layers - dense_layers) * ((experts + shared_experts) * FFN_MATRICES * hidden_size * expert_ffn
                                     + hidden_size * experts)
    return other_params_yi + (dense_layers * FFN_MATRICES * hidden_size * dense_ffn + moe) / YI


def moe_total_params_yi(other_params_yi, layers, dense_layers, hidden_size, dense_ffn, experts, shared_experts,
                        expert_ffn):
    """Total parameters (亿) of an MoE = other + (dense layers × 3·h·f_dense + MoE layers × ((E + shared) × 3·h·f_expert + h·E)) / 1e8.

    ``other_params_yi``: everything but the FFNs (attention, embeddings, norms), in 亿; MoE layers =
    layers − dense layers; each FFN is gated (gate, up, down: 3 × hidden × FFN size); the router is
    hidden × E per MoE layer.  dense_layers must be <= layers.

    >>> round(moe_total_params_yi(16.0, 32, 0, 4096, 14336, 8, 0, 14336), 1)    # Mixtral-8x7B: ≈ 467亿
    467.0
    """
    out = _moe_total_params_yi(other_params_yi, layers, dense_layers, hidden_size, dense_ffn, experts,
                               shared_experts, expert_ffn)
    _not_more("dense_layers", dense_layers, "layers", layers)
    return out


_related(moe_total_params_yi, _moe_total_params_yi)


@checked(other_params_yi=NONNEGATIVE, layers=AT_LEAST_ONE, dense_layers=NONNEGATIVE, hidden_size=AT_LEAST_ONE,
         dense_ffn=NONNEGATIVE, experts=AT_LEAST_ONE, experts_per_token=AT_LEAST_ONE, shared_experts=NONNEGATIVE,
         expert_ffn=AT_LEAST_ONE)
def _moe_active_params_yi(other_params_yi, layers, dense_layers, hidden_size, dense_ffn, experts, experts_per_token,
                          shared_experts, expert_ffn):
    moe = (layers - dense_layers) * ((experts_per_token + shared_experts) * FFN_MATRICES * hidden_size * expert_ffn
                                     + hidden_size * experts)
    return other_params_yi + (dense_layers * FFN_MATRICES * hidden_size * dense_ffn + moe) / YI


def moe_active_params_yi(other_params_yi, layers, dense_layers, hidden_size, dense_ffn, experts, experts_per_token,
                         shared_experts, expert_ffn):
    """Active parameters per token (亿) = other + (dense layers × 3·h·f_dense + MoE layers × ((k + shared) × 3·h·f_expert + h·E)) / 1e8.

    As :func:`moe_total_params_yi` with the k routed experts a token uses instead of all E
    (the router still multiplies by all E).  dense_layers <= layers, experts_per_token <= experts.

    >>> round(moe_active_params_yi(16.0, 32, 0, 4096, 14336, 8, 2, 0, 14336), 1)  # Mixtral-8x7B: ≈ 129亿
    128.8
    """
    out = _moe_active_params_yi(other_params_yi, layers, dense_layers, hidden_size, dense_ffn, experts,
                                experts_per_token, shared_experts, expert_ffn)
    _not_more("dense_layers", dense_layers, "layers", layers)
    _not_more("experts_per_token", experts_per_token, "experts", experts)
    return out


_related(moe_active_params_yi, _moe_active_params_yi)


@checked(weights_gb=POSITIVE, moe_layers=NONNEGATIVE, experts=AT_LEAST_ONE, experts_per_token=AT_LEAST_ONE,
         hidden_size=AT_LEAST_ONE, expert_ffn=NONNEGATIVE, batch=AT_LEAST_ONE, bytes_per_weight=POSITIVE)
def _weights_read_gb(weights_gb, moe_layers, experts, experts_per_token, hidden_size, expert_ffn, batch,
                     bytes_per_weight):
    # Unread experts = E × (1 − k/E)^B, computed directly (not E − hit, which cancels), and the power as
    # EXP(MAX(B × LN(MAX(1 − k/E, 1e-300)), −700)): LibreOffice answers #NUM! for a power that
    # underflows (0.5^1074), EXP(−700) = 9.9e-305 is as good as 0 here.  MIN(k, E): the sheet
    # evaluates the kernel without the k <= E check; a k above E reads all E.
    left = 1.0 - _num.minimum(experts_per_token, experts) / experts
    miss = _num.exp(_num.maximum(batch * _num.log(_num.maximum(left, 1e-300)), -700.0))
    return weights_gb - moe_layers * experts * miss * FFN_MATRICES * hidden_size * expert_ffn * bytes_per_weight / GIGA


def weights_read_gb(weights_gb, moe_layers, experts, experts_per_token, hidden_size, expert_ffn, batch,
                    bytes_per_weight):
    """Weight bytes (GB) one step reads = weights − MoE layers × E × (1 − k/E)^B × 3·h·f_expert × bytes / 1e9 (experts no token hits).

    All weights minus the routed experts no token of the batch hits (in expectation,
    :func:`expected_experts_read`); shared experts, attention and dense layers are always read.
    A dense model: 0 MoE layers (the weights unchanged; E, k and the expert FFN then do not matter).  Memory still holds all of them
    (:func:`weights_gb`).  experts_per_token must be <= experts.

    >>> round(weights_read_gb(93.4, 32, 8, 2, 4096, 14336, 1, 2), 2)    # Mixtral-8x7B FP16, batch 1: 2 of 8 experts
    25.75
    >>> round(weights_read_gb(93.4, 32, 8, 2, 4096, 14336, 64, 2), 2)   # batch 64: all 8
    93.4
    """
    out = _weights_read_gb(weights_gb, moe_layers, experts, experts_per_token, hidden_size, expert_ffn, batch,
                           bytes_per_weight)
    _not_more("experts_per_token", experts_per_token, "experts", experts)
    if (out <= 0) if isinstance(out, float) else bool((out <= 0).any()):
        raise InvalidInput("the MoE shape does not fit weights_gb: the experts a step skips weigh more than all "
                           "the weights; check moe_layers, experts and expert_ffn against total_params_yi")
    return out


_related(weights_read_gb, _weights_read_gb)


# --- calibration: the efficiency a measurement implies --------------------------------------------


@checked(tokens_per_s_per_card=POSITIVE, active_params_yi=POSITIVE, peak_tflops=POSITIVE)
def implied_mfu(tokens_per_s_per_card, active_params_yi, peak_tflops):
    """MFU a measured throughput implies = 2 × active params (亿) × 1e8 × tokens/s per card / (TFLOPS × 1e12).

    Prefill or decode; FLOPs follow active parameters (attention-score FLOPs not counted).

    >>> round(implied_mfu(9000, 370, 1979), 3)    # DeepSeek's ≈9k prefill tokens/s per H800 (FP8)
    0.337
    """
    return 2.0 * active_params_yi * YI * tokens_per_s_per_card / (peak_tflops * TERA)


@checked(decode_tokens_per_s_per_card=POSITIVE, batch=AT_LEAST_ONE, weights_read_gb=POSITIVE,
         kv_bytes_per_token=NONNEGATIVE, context_tokens=NONNEGATIVE, bandwidth_tbs=POSITIVE)
def implied_mbu(decode_tokens_per_s_per_card, batch, weights_read_gb, kv_bytes_per_token, context_tokens,
                bandwidth_tbs):
    """MBU a measured decode throughput implies = (weights read × 1e9 + B × ctx × KV) × tokens/s per card / (B × TB/s × 1e12).

    A step reads the weights and the batch's KV cache once, spread over the replica's n cards;
    step = B / (tokens/s per card × n), so n cancels.  Pure bandwidth: compute and communication
    time are charged to the memory system, so this is a lower bound on the true MBU.

    >>> round(implied_mbu(23.9, 1, 140, 327680, 1, 3.35), 3)      # 70B BF16, 1 × H100, 23.9 tok/s
    0.999
    """
    return ((weights_read_gb * GIGA + batch * context_tokens * kv_bytes_per_token) * decode_tokens_per_s_per_card
            / (batch * bandwidth_tbs * TERA))


@checked(measured_s=POSITIVE, model_s=POSITIVE)
def implied_efficiency(measured_s, model_s):
    """Efficiency a measured step time implies = model step at full efficiency (s) / measured step (s).

    Give the model's time with MFU = MBU = 1 (the speed of light): the ratio is the share of the
    roofline the measured system reaches, whatever bounds it.

    >>> round(implied_efficiency(0.05, 0.02), 12)
    0.4
    """
    return model_s / measured_s


@checked(batch=AT_LEAST_ONE, decode_step_s=POSITIVE, replica_cards=AT_LEAST_ONE)
def decode_tokens_per_s_per_card(batch, decode_step_s, replica_cards):
    """Output tokens/s per card = batch / step time / cards per replica.

    >>> decode_tokens_per_s_per_card(64, 0.032, 8)
    250.0
    """
    return batch / decode_step_s / replica_cards


@checked(decode_tokens_per_s_yi=NONNEGATIVE, decode_tokens_per_s_per_card=POSITIVE)
def decode_cards_wan(decode_tokens_per_s_yi, decode_tokens_per_s_per_card):
    """Decode cards (万张) = output tokens/s (亿) × 1e8 / tokens/s per card / 1e4.

    >>> decode_cards_wan(0.25, 250.0)
    10.0
    """
    return decode_tokens_per_s_yi * YI / decode_tokens_per_s_per_card / WAN


@checked(memory_headroom_gb=ANY, decode_step_s=POSITIVE, tpot_slo_s=POSITIVE)
def decode_feasible(memory_headroom_gb, decode_step_s, tpot_slo_s=TPOT_SLO_S):
    """Feasible = 1 when the batch fits in memory (headroom GB ≥ 0) and the step time (s) meets the TPOT SLO (s), else 0.

    >>> decode_feasible(10.0, 0.03, 0.05), decode_feasible(-1.0, 0.03, 0.05), decode_feasible(5, 0.06, 0.05)
    (1.0, 0.0, 0.0)
    """
    return _num.where((memory_headroom_gb >= 0) & (decode_step_s <= tpot_slo_s), 1.0, 0.0)


def infeasible_reason(memory_headroom_gb, decode_step_s, tpot_slo_s=TPOT_SLO_S):
    """Why a decode setting is infeasible ('' when it is feasible); a list of texts for array input.

    >>> infeasible_reason(-12.5, 0.03, 0.05)
    'batch does not fit in memory: 12.5 GB short'
    >>> infeasible_reason(3.0, 0.08, 0.05)
    'step time 0.08 s exceeds the TPOT SLO of 0.05 s'
    """
    decode_feasible(memory_headroom_gb, decode_step_s, tpot_slo_s)  # validates

    def reason(hi, si, li):
        reasons = []
        if hi < 0:
            reasons.append(f"batch does not fit in memory: {-hi:.4g} GB short")
        if si > li:
            reasons.append(f"step time {si:.4g} s exceeds the TPOT SLO of {li:.4g} s")
        return "; ".join(reasons)

    args = (memory_headroom_gb, decode_step_s, tpot_slo_s)
    if all(is_plain(x) for x in args):  # one column: no numpy import (the terminal table)
        return reason(*(float(x) for x in args))
    import numpy as np

    h, s, slo = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in args))
    out = [reason(hi, si, li) for hi, si, li in zip(h.ravel(), s.ravel(), slo.ravel())]
    return out[0] if h.ndim == 0 else out


@checked(prefill_cards_wan=NONNEGATIVE, decode_cards_wan=NONNEGATIVE)
def fleet_cards_wan(prefill_cards_wan, decode_cards_wan):
    """Cards (万张) of a disaggregated fleet = prefill cards + decode cards.

    >>> fleet_cards_wan(1.5, 2.25)
    3.75
    """
    return prefill_cards_wan + decode_cards_wan


def bandwidth_cards_wan(tokens_per_s_yi, peak_multiplier, active_params_yi, total_params_yi, bytes_per_weight,
                        peak_tflops, memory_gb, bandwidth_tbs, kv_bytes_per_token, context_tokens, batch,
                        replica_cards, input_share=INPUT_SHARE, cache_hit_rate=CACHE_HIT_RATE,
                        mfu_prefill=MFU_PREFILL, mfu_decode=MFU_DECODE, mbu=MBU, usable_fraction=USABLE_HBM,
                        tpot_slo_s=TPOT_SLO_S, kv_serial_share=KV_SERIAL_SHARE, comm_s=0.0, weights_read_gb=None):
    """Bandwidth-aware fleet cards (万张) = compute-bound prefill cards + decode cards at the general-form step; raises if infeasible.

    The whole second-sheet chain in one call (scalars).  The decode step is
    :func:`decode_step_general_s` (``kv_serial_share`` 0: the simple roofline) plus ``comm_s``
    (e.g. :func:`tp_allreduce_s`); ``weights_read_gb`` (MoE: :func:`weights_read_gb`) defaults to
    all the weights.  Raises :class:`~xlsizing.errors.InvalidInput` with the reason when the batch
    does not fit in the replica's memory or the step time exceeds the TPOT SLO.

    >>> kv = kv_bytes_per_token(96, 8, 128, 2)
    >>> round(bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 64, 8), 3)
    25.797
    >>> round(bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 64, 8, kv_serial_share=0), 3)
    24.26
    >>> bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 300, 8)
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: infeasible: batch does not fit in memory: 51.98 GB short; step time 0.1533 s exceeds the TPOT SLO of 0.05 s
    """
    rate = peak_tokens_per_s_yi(tokens_per_s_yi, peak_multiplier)
    w = weights_gb(total_params_yi, bytes_per_weight)
    head = memory_headroom_gb(w, kv_bytes_per_token, context_tokens, batch, replica_cards, memory_gb,
                              usable_fraction)
    step = decode_step_general_s(w if weights_read_gb is None else weights_read_gb, kv_bytes_per_token,
                                 context_tokens, batch, active_params_yi, replica_cards, bandwidth_tbs, mbu,
                                 peak_tflops, mfu_decode, kv_serial_share, comm_s)
    reason = infeasible_reason(head, step, tpot_slo_s)
    if isinstance(reason, list):
        bad = [(i, r) for i, r in enumerate(reason) if r]
        if bad:
            raise InvalidInput(f"infeasible: {bad[0][1]} (at index {bad[0][0]})")
    elif reason:
        raise InvalidInput(f"infeasible: {reason}")
    pre = prefill_cards_wan(prefill_tokens_per_s_yi(rate, input_share, cache_hit_rate), active_params_yi,
                            peak_tflops, mfu_prefill)
    dec = decode_cards_wan(decode_tokens_per_s_yi(rate, input_share),
                           decode_tokens_per_s_per_card(batch, step, replica_cards))
    return fleet_cards_wan(pre, dec)


# --- servers, capex, power, cost --------------------------------------------------------------


@checked(cards_wan=POSITIVE)
def report_cards_wan(cards_wan):
    """The report's compute-only H20 cards (万张) = Figure 11's cards, shown beside the bandwidth-aware ones.

    >>> report_cards_wan(43.4)
    43.4
    """
    return cards_wan


@checked(capex_yi=POSITIVE)
def report_capex_yi(capex_yi):
    """The report's AI-server capex (亿元) = Figure 11's capex, shown beside the bandwidth-aware capex.

    >>> report_capex_yi(455.46)
    455.46
    """
    return capex_yi


@checked(fleet_cards_wan=POSITIVE, cards_wan=POSITIVE)
def cards_vs_report(fleet_cards_wan, cards_wan):
    """Bandwidth-aware cards ÷ the report's compute-only cards (1 = the same, 0.5 = half).

    >>> cards_vs_report(21.7, 43.4)
    0.5
    """
    return fleet_cards_wan / cards_wan


@checked(fleet_cards_wan=POSITIVE, cards_per_server=AT_LEAST_ONE)
def servers_whole_wan(fleet_cards_wan, cards_per_server=8.0):
    """Whole servers (万台) = −INT(−cards × 1e4 / cards per server) / 1e4 (rounded up) — a part-filled server is bought whole.

    >>> servers_whole_wan(43.37671, 8)
    5.4221
    """
    return _num.ceil(fleet_cards_wan * WAN / cards_per_server) / WAN


@checked(fleet_cards_wan=POSITIVE, cards_per_server=AT_LEAST_ONE)
def servers_fractional_wan(fleet_cards_wan, cards_per_server=8.0):
    """Fractional servers (万台) = cards (万张) / cards per server, unrounded as in the report.

    >>> servers_fractional_wan(43.37671, 8)
    5.42208875
    """
    return fleet_cards_wan / cards_per_server


@checked(fleet_cards_wan=POSITIVE, server_price_wan=POSITIVE, cards_per_server=AT_LEAST_ONE)
def fleet_capex_yi(fleet_cards_wan, server_price_wan, cards_per_server=8.0):
    """Server capex (亿元) = cards (万张) / cards per server × server price (万元); 万 × 万 = 亿.

    >>> round(fleet_capex_yi(43.37671, 84, 8), 2)
    455.46
    """
    return fleet_cards_wan / cards_per_server * server_price_wan


# card_power_w, fleet_power_mw, energy_gwh_per_year, electricity_cost_yi, card_hour_yuan,
# cost_per_mtok_yuan and yearly_capex_yi: defined in xlsizing.economics, imported above.


@checked(peak_tokens_per_s_yi=POSITIVE, fleet_cards_wan=POSITIVE)
def tokens_per_s_per_card(peak_tokens_per_s_yi, fleet_cards_wan):
    """Implied tokens/s per card at peak = peak tokens/s (亿) × 1e8 / (cards (万张) × 1e4): a sanity figure.

    >>> round(tokens_per_s_per_card(40000 / 129600 * 4, 43.37671004337670), 1)   # the report: ≈285 per H20
    284.6
    """
    return peak_tokens_per_s_yi * YI / (fleet_cards_wan * WAN)


@checked(peak_tokens_per_s_yi=POSITIVE, cards_wan=POSITIVE)
def report_tokens_per_s_per_card(peak_tokens_per_s_yi, cards_wan):
    """Tokens/s per H20 implied by the report's compute-only cards = peak tokens/s × 1e8 / (cards × 1e4).

    >>> round(report_tokens_per_s_per_card(40000 / 129600 * 4, 43.37671004337670), 1)
    284.6
    """
    return peak_tokens_per_s_yi * YI / (cards_wan * WAN)
