"""Beyond Figure 11: a bandwidth-aware, MoE-aware sizing model that still fits in a spreadsheet.

The report sizes every token at ``2 × parameters`` FLOPs on one MFU.  This module splits the work
the way serving systems do (background and sources: docs/beyond.md):

* demand: peak token rate, split into input (prefill) and output (decode) tokens; prefix/KV-cache
  hits remove prefill work;
* MoE: FLOPs follow *active* parameters, weight memory and weight reads follow *total* ones;
* prefill cards are compute bound; decode is a roofline per replica of ``n`` cards at batch ``B``
  and average context ``ctx``::

      t_mem     = (weights + B × ctx × KV bytes per token) / (n × bandwidth × MBU)
      t_compute = 2 × N_active × B / (n × peak × MFU_decode)
      step      = max(t_mem, t_compute)            (jax-ml/scaling-book, "All About Transformer Inference")

* feasibility is a number, never a silent drop: :func:`memory_headroom_gb` (< 0: the batch does
  not fit), :func:`decode_feasible` (1 or 0) and :func:`infeasible_reason` (the text);
  :func:`max_batch` and :func:`bandwidth_cards_wan` raise with the reason on infeasible input;
* fleet and money: whole or fractional servers, capex per year with replacement, power, energy,
  electricity cost, cost per million tokens, implied tokens/s per card.

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
from ._args import ANY, AT_LEAST_ONE, FRACTION, NONNEGATIVE, POSITIVE, PROPORTION, checked, fmt_value, is_plain
from .errors import InvalidInput
from .units import DAYS_PER_YEAR, GIGA, HOURS_PER_YEAR, KILO, MEGA, TERA, WAN, YI


# Defaults, each from a public source or marked as an assumption (see docs/beyond.md).
# DeepSeek, "Day 6: One More Thing, DeepSeek-V3/R1 Inference System Overview" (2025-03-01,
# github.com/deepseek-ai/open-infra-index): 608B input tokens of which 342B (56.3%) hit the
# on-disk KV cache, 168B output tokens in 24 h -> input share 608 / 776 = 0.7835.
INPUT_SHARE = 608.0 / 776.0
CACHE_HIT_RATE = 342.0 / 608.0
MFU_PREFILL = 0.4  # domain notes: prefill MFU typically 0.3-0.6 (assumption, mid-range)
MFU_DECODE = 0.5  # the report's MFU, applied to the compute term of decode (assumption)
MBU = 0.7  # memory-bandwidth utilization, typically 0.6-0.8 (assumption, mid-range)
USABLE_HBM = 0.9  # share of card memory usable for weights + KV (vLLM's default gpu_memory_utilization)
TPOT_SLO_S = 0.05  # 50 ms per output token = 20 tokens/s per user (assumption)
# Epoch AI: 1,275 W per H100 including its share of the server = DGX H100 10.2 kW / 8 GPUs
# (NVIDIA DGX H100 datasheet); 1,275 / 700 W TDP = 1.8214 all-in watts per TDP watt.
SERVER_POWER_FACTOR = 1275.0 / 700.0
PUE = 1.25  # Epoch AI uses 1.2-1.3
LOAD_FACTOR = 0.7  # Epoch AI: average draw 70% of peak under partial load
LIFE_YEARS = 5.0  # replacement life of an AI server, 4-5 years (assumption)


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
    """Decode step (s) of a replica = max(memory time, compute time): weights + B×ctx×KV read at n×bandwidth×MBU vs 2×N_active×B FLOPs at n×peak×MFU.

    t_mem = (weights GB × 1e9 + B × ctx × KV bytes) / (n × TB/s × 1e12 × MBU);
    t_compute = 2 × active params (亿) × 1e8 × B / (n × TFLOPS × 1e12 × MFU_decode).

    >>> round(decode_step_s(140, 327680, 4096, 1, 700, 1, 3.35, 1.0, 989, 1.0) * 1000, 2)   # 70B BF16, H100
    42.19
    """
    t_mem = (weights_gb * GIGA + batch * context_tokens * kv_bytes_per_token) / (
        replica_cards * bandwidth_tbs * TERA * mbu)
    t_compute = 2.0 * active_params_yi * YI * batch / (replica_cards * peak_tflops * TERA * mfu_decode)
    return _num.maximum(t_mem, t_compute)


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
                        tpot_slo_s=TPOT_SLO_S):
    """Bandwidth-aware fleet cards (万张) = compute-bound prefill cards + roofline decode cards; raises if infeasible.

    The whole second-sheet chain in one call (scalars).  Raises
    :class:`~xlsizing.errors.InvalidInput` with the reason when the batch does not fit in the
    replica's memory or the step time exceeds the TPOT SLO.

    >>> kv = kv_bytes_per_token(96, 8, 128, 2)
    >>> round(bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 64, 8), 3)
    27.977
    >>> bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 300, 8)
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: infeasible: batch does not fit in memory: 51.98 GB short; step time 0.1318 s exceeds the TPOT SLO of 0.05 s
    """
    rate = peak_tokens_per_s_yi(tokens_per_s_yi, peak_multiplier)
    w = weights_gb(total_params_yi, bytes_per_weight)
    head = memory_headroom_gb(w, kv_bytes_per_token, context_tokens, batch, replica_cards, memory_gb,
                              usable_fraction)
    step = decode_step_s(w, kv_bytes_per_token, context_tokens, batch, active_params_yi, replica_cards,
                         bandwidth_tbs, mbu, peak_tflops, mfu_decode)
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


@checked(fleet_cards_wan=POSITIVE, installed_cards_wan=NONNEGATIVE, server_price_wan=POSITIVE,
         cards_per_server=AT_LEAST_ONE, life_years=POSITIVE)
def yearly_capex_yi(fleet_cards_wan, installed_cards_wan, server_price_wan, cards_per_server=8.0,
                    life_years=LIFE_YEARS):
    """Capex per year (亿元) = (MAX(cards − installed, 0) + installed / life) × server price / cards per server.

    New cards for growth plus replacement of the installed base over its life (straight line).

    >>> yearly_capex_yi(60, 40, 84, 8, 5)     # 20万 new + 8万 replaced = 28万 cards × 10.5万元
    294.0
    """
    new = _num.maximum(fleet_cards_wan - installed_cards_wan, 0.0)
    return (new + installed_cards_wan / life_years) * server_price_wan / cards_per_server


@checked(tdp_w=POSITIVE, server_power_factor=AT_LEAST_ONE)
def card_power_w(tdp_w, server_power_factor=SERVER_POWER_FACTOR):
    """All-in watts per card (with its share of CPU, memory, network, fans) = TDP (W) × server power factor.

    Default factor 1,275 / 700: Epoch AI's 1,275 W per H100 (DGX H100 10.2 kW / 8) over its TDP.

    >>> card_power_w(700)
    1275.0
    """
    return tdp_w * server_power_factor


@checked(fleet_cards_wan=POSITIVE, card_power_w=POSITIVE, pue=AT_LEAST_ONE, load_factor=FRACTION)
def fleet_power_mw(fleet_cards_wan, card_power_w, pue=PUE, load_factor=LOAD_FACTOR):
    """Average facility power (MW) = cards (万张) × 1e4 × all-in W per card × PUE × load factor / 1e6.

    >>> fleet_power_mw(1, 1275, 1.2, 0.7)     # 1万 H100, Epoch AI's assumptions
    10.71
    """
    return fleet_cards_wan * WAN * card_power_w * pue * load_factor / MEGA


@checked(fleet_power_mw=NONNEGATIVE)
def energy_gwh_per_year(fleet_power_mw):
    """Energy per year (GWh) = average power (MW) × 8,760 h / 1,000.

    >>> energy_gwh_per_year(10.0)
    87.6
    """
    return fleet_power_mw * HOURS_PER_YEAR / KILO


@checked(energy_gwh_per_year=NONNEGATIVE, power_price_yuan_kwh=NONNEGATIVE)
def electricity_cost_yi(energy_gwh_per_year, power_price_yuan_kwh):
    """Electricity cost per year (亿元) = energy (GWh) × 1e6 kWh/GWh × price (元/kWh) / 1e8.

    >>> electricity_cost_yi(87.6, 0.5)
    0.438
    """
    return energy_gwh_per_year * MEGA * power_price_yuan_kwh / YI


@checked(server_price_wan=POSITIVE, cards_per_server=AT_LEAST_ONE, life_years=POSITIVE)
def card_hour_yuan(server_price_wan, cards_per_server=8.0, life_years=LIFE_YEARS):
    """Amortized capex per card-hour (元) = server price (万元) × 1e4 / cards per server / (life × 8,760 h).

    >>> round(card_hour_yuan(84, 8, 5), 4)
    2.3973
    """
    return server_price_wan * WAN / cards_per_server / (life_years * HOURS_PER_YEAR)


@checked(fleet_cards_wan=POSITIVE, card_hour_yuan=NONNEGATIVE, electricity_cost_yi=NONNEGATIVE,
         daily_tokens_yi=POSITIVE)
def cost_per_mtok_yuan(fleet_cards_wan, card_hour_yuan, electricity_cost_yi, daily_tokens_yi):
    """Cost per 1M tokens (元) = (cards × 元/card-hour × 8,760 + electricity per year) / (daily tokens × 365 / 1e6).

    ``card_hour_yuan`` is amortized capex (:func:`card_hour_yuan`) or a rental price; with a
    rental price that includes power, pass 0 for electricity.

    >>> round(cost_per_mtok_yuan(43.37671, card_hour_yuan(84, 8, 5), 0, 40000), 4)
    6.2391
    """
    yearly = fleet_cards_wan * WAN * card_hour_yuan * HOURS_PER_YEAR + electricity_cost_yi * YI
    return yearly / (daily_tokens_yi * YI * DAYS_PER_YEAR / MEGA)


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
