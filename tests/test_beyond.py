"""The bandwidth-aware, MoE-aware model (xlsizing.beyond) against hand calculations and public examples.

Every expected value is either a hand calculation written out beside it (inputs, steps, result)
or a worked example from a public source named in the comment.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsizing import beyond as b
from xlsizing import catalog, model
from xlsizing.errors import InvalidInput

# --- KV cache ------------------------------------------------------------------------------------


def test_kv_gqa_llama_70b_matches_published_sizes():
    # Llama-3.1-70B config.json: num_hidden_layers 80, num_key_value_heads 8, head_dim 128 (8192/64).
    # Hand: 2 × 80 × 8 × 128 × 2 bytes = 327,680 bytes per token.
    kv = b.kv_bytes_per_token(80, 8, 128, 2)
    assert kv == 327_680.0
    # Spheron, "KV cache optimization guide" (spheron.network/blog/kv-cache-optimization-guide),
    # Llama 3.1 70B at BF16: ~1.3 GB at 4,096 tokens and ~42.9 GB at 131,072 tokens, one user.
    assert round(kv * 4096 / 1e9, 1) == 1.3
    assert round(kv * 131_072 / 1e9, 1) == 42.9


def test_kv_mla_deepseek_v3():
    # DeepSeek-V3 config.json: num_hidden_layers 61, kv_lora_rank 512, qk_rope_head_dim 64.
    # MLA caches the compressed latent plus the decoupled RoPE key (DeepSeek-V2 paper, §2.1):
    # (512 + 64) × 61 layers × 2 bytes (BF16) = 576 × 61 × 2 = 70,272 bytes ≈ 70 KB per token.
    assert b.kv_bytes_per_token_mla(61, 512, 64, 2) == 70_272.0
    # the same model with GQA-style full heads would need 2 × 61 × 128 × 128 × 2 = 3,997,696 bytes:
    # MLA is 57× smaller
    assert round(b.kv_bytes_per_token(61, 128, 128, 2) / 70_272.0) == 57


# --- MoE: FLOPs follow active, memory follows total --------------------------------------------


def test_moe_deepseek_v3_active_vs_total():
    # DeepSeek-V3 technical report: 671B total parameters, 37B activated per token.
    # Weights at FP8 (1 byte): 671e9 bytes = 671 GB; at BF16 1,342 GB.
    assert b.weights_gb(6710, 1) == 671.0
    assert b.weights_gb(6710, 2) == 1342.0
    # Prefill of 1e7 tokens/s (0.1亿) on H800 FP8 (1,979 TFLOPS dense) at MFU 0.4:
    # 2 × 37e9 × 1e7 = 7.4e17 FLOP/s; / (1979e12 × 0.4 = 7.916e14) = 934.82 cards = 0.093482万
    assert b.prefill_cards_wan(0.1, 370, 1979, 0.4) == pytest.approx(7.4e17 / 7.916e14 / 1e4, rel=1e-12)
    assert round(b.prefill_cards_wan(0.1, 370, 1979, 0.4) * 1e4, 2) == 934.82


def test_decode_step_70b_on_h100_batch_1():
    # Hand: 70B at BF16 = 140 GB; one H100 reads 3.35 TB/s: 140e9 / 3.35e12 = 41.79 ms per step (batch 1,
    # 1-token context), the "about 42 milliseconds per token" of Stanford CS336's inference lecture notes
    # (engineeringmaxxing.com/micro/lessons/cs336-10-inference.html).  Compute: 2 × 70e9 / 989e12 = 0.14 ms.
    step = b.decode_step_s(140, 327_680, 1, 1, 700, 1, 3.35, 1.0, 989, 1.0)
    assert step == pytest.approx((140e9 + 327_680) / 3.35e12, rel=1e-12)
    assert round(step * 1000) == 42


def test_decode_roofline_crossover_is_the_scaling_book_critical_batch():
    # jax-ml/scaling-book, "All About Transformer Inference": on TPU v5e (197 TFLOPS BF16, 8.2e11 B/s HBM)
    # decode of LLaMA 70B becomes compute bound near batch 240 = 197e12 / 8.2e11 (bf16 weights, 16 chips).
    # Hand at B = 240, n = 16, KV ignored (1-token context, tiny):
    #   t_mem     = 140e9 / (16 × 8.2e11)        = 10.671 ms
    #   t_compute = 2 × 70e9 × 240 / (16 × 197e12) = 3.36e13 / 3.152e15 = 10.660 ms
    t_mem = 140e9 / (16 * 8.2e11)
    t_compute = 2 * 70e9 * 240 / (16 * 197e12)
    assert abs(t_mem / t_compute - 1) < 0.002
    step = b.decode_step_s(140, 1e-9, 1, 240, 700, 16, 0.82, 1.0, 197, 1.0)
    assert step == pytest.approx(max(t_mem, t_compute), rel=1e-9)
    # below the critical batch the step is the weight read; above it, compute
    assert b.decode_step_s(140, 1e-9, 1, 100, 700, 16, 0.82, 1.0, 197, 1.0) == pytest.approx(t_mem, rel=1e-9)
    assert b.decode_step_s(140, 1e-9, 1, 480, 700, 16, 0.82, 1.0, 197, 1.0) == pytest.approx(2 * t_compute, rel=1e-9)


# Hand calculation of the H20 decode table in docs/beyond.md, BF16 column, written out:
#   model: 130B dense (the report), KV = 2 × 96 layers × 8 KV heads × 128 × 2 bytes = 393,216 B/token
#   replica: 8 × H20 (96 GB, 4.0 TB/s, 148 TFLOPS BF16), batch 64, context 4,096, MBU 0.7, MFU_decode 0.5
#   weights       = 1300亿 × 2 bytes = 260 GB
#   KV of batch   = 64 × 4096 × 393,216 = 103.079 GB
#   t_mem         = (260e9 + 103.079e9) / (8 × 4e12 × 0.7 = 2.24e13)        = 16.209 ms
#   t_compute     = 2 × 130e9 × 64 / (8 × 148e12 × 0.5 = 5.92e14) = 1.664e13 / 5.92e14 = 28.108 ms
#   step          = 28.108 ms (compute bound: the H20's 148 TFLOPS is the limit at batch 64)
#   tokens/s/card = 64 / 0.028108 / 8 = 284.62
#   headroom      = 8 × 96 × 0.9 − 260 − 103.079 = 328.121 GB
#   max batch     = ⌊(691.2 − 260) e9 / (4096 × 393,216)⌋ = ⌊267.72⌋ = 267
H20 = dict(w=260.0, kv=393_216.0, ctx=4096.0, batch=64.0, act=1300.0, n=8.0, bw=4.0, mbu=0.7, peak=148.0, mfu=0.5)


def test_h20_decode_hand_calculation():
    h = H20
    step = b.decode_step_s(h["w"], h["kv"], h["ctx"], h["batch"], h["act"], h["n"], h["bw"], h["mbu"], h["peak"],
                           h["mfu"])
    assert step == pytest.approx(1.664e13 / 5.92e14, rel=1e-12)
    assert round(step * 1000, 3) == 28.108
    assert round(b.decode_tokens_per_s_per_card(64, step, 8), 2) == 284.62
    assert round(b.memory_headroom_gb(260, 393_216, 4096, 64, 8, 96, 0.9), 3) == 328.121
    assert b.max_batch(260, 393_216, 4096, 8, 96, 0.9) == 267.0
    # FP8 weights and KV (1 byte), FP8 peak 296: t_mem = (130 + 51.54) e9 / 2.24e13 = 8.104 ms,
    # t_compute = 1.664e13 / (8 × 296e12 × 0.5) = 14.054 ms -> 569.2 tokens/s per card
    step8 = b.decode_step_s(130, 196_608, 4096, 64, 1300, 8, 4.0, 0.7, 296, 0.5)
    assert round(step8 * 1000, 3) == 14.054
    assert round(b.decode_tokens_per_s_per_card(64, step8, 8), 1) == 569.2


def test_memory_bound_case_on_h20_moe():
    # MoE on H20 (DeepSeek-V3-like, 37B active / 671B total at FP8, MLA KV 70,272 B/token at BF16),
    # replica of 16 cards, batch 256, context 4096 — by hand:
    #   weights = 671 GB; KV = 256 × 4096 × 70,272 = 73.687 GB
    #   t_mem     = (671 + 73.687) e9 / (16 × 4e12 × 0.7 = 4.48e13) = 16.622 ms
    #   t_compute = 2 × 37e9 × 256 / (16 × 296e12 × 0.5 = 2.368e15) = 8.0 ms   -> memory bound
    step = b.decode_step_s(671, 70_272, 4096, 256, 370, 16, 4.0, 0.7, 296, 0.5)
    assert step == pytest.approx((671e9 + 256 * 4096 * 70_272) / 4.48e13, rel=1e-12)
    assert round(step * 1000, 3) == 16.622


# --- feasibility: flagged with the reason, never dropped ----------------------------------------


def test_weights_that_do_not_fit_raise_with_the_reason():
    # 260 GB of weights on 2 H20: 2 × 96 × 0.9 = 172.8 GB usable
    with pytest.raises(InvalidInput) as e:
        b.max_batch(260, 393_216, 4096, 2, 96, 0.9)
    assert str(e.value) == "infeasible: weights need 260 GB but 2 cards × 96 GB × 0.9 hold 172.8 GB"
    # 3 cards: 259.2 GB usable, still short; 4 cards: 345.6 − 260 = 85.6 GB -> ⌊85.6e9 / 1.61e9⌋ = 53
    with pytest.raises(InvalidInput) as e:
        b.max_batch(260, 393_216, 4096, [8, 3], 96, 0.9)
    assert str(e.value) == "infeasible: weights need 260 GB but 3 cards × 96 GB × 0.9 hold 259.2 GB (at index 1)"
    assert b.max_batch(260, 393_216, 4096, [4, 8], 96, 0.9).tolist() == [53.0, 267.0]


def test_weights_fit_but_not_one_sequence():
    # 8 cards × 10 GB × 0.9 = 72 GB; weights 71.9 GB; one sequence needs 4096 × 393,216 = 1.61 GB
    with pytest.raises(InvalidInput) as e:
        b.max_batch(71.9, 393_216, 4096, 8, 10, 0.9)
    assert str(e.value) == ("infeasible: after 71.9 GB of weights, 0.1 GB is left: not enough for one "
                            "sequence's KV cache")


@pytest.mark.parametrize("headroom, step, slo, flag, reason", [
    (10.0, 0.03, 0.05, 1.0, ""),
    (0.0, 0.05, 0.05, 1.0, ""),                  # on the boundary: feasible
    (-12.5, 0.03, 0.05, 0.0, "batch does not fit in memory: 12.5 GB short"),
    (3.0, 0.08, 0.05, 0.0, "step time 0.08 s exceeds the TPOT SLO of 0.05 s"),
    (-1.0, 0.1, 0.05, 0.0, "batch does not fit in memory: 1 GB short; step time 0.1 s exceeds the TPOT SLO of 0.05 s"),
])
def test_feasibility_flag_and_reason(headroom, step, slo, flag, reason):
    assert b.decode_feasible(headroom, step, slo) == flag
    assert b.infeasible_reason(headroom, step, slo) == reason


def test_reasons_per_element_for_arrays():
    assert b.infeasible_reason([1.0, -2.0], [0.01, 0.01], 0.05) == ["", "batch does not fit in memory: 2 GB short"]
    assert b.decode_feasible([1.0, -2.0], [0.01, 0.01], 0.05).tolist() == [1.0, 0.0]


def test_bandwidth_cards_refuses_infeasible_settings():
    kv = b.kv_bytes_per_token(96, 8, 128, 2)
    # batch 300 on 8 H20 at 4,096 context: KV 300 × 4096 × 393,216 = 483.18 GB > 431.2 GB free
    # (51.98 GB short); step, general form = t_kv + t_c = 483.18e9 / 2.24e13 + 2 × 130e9 × 300 / 5.92e14
    # = 21.57 + 131.76 = 153.3 ms > 50 ms (the simple roofline said 131.8 ms: kv_serial_share=0)
    with pytest.raises(InvalidInput) as e:
        b.bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 300, 8)
    assert str(e.value) == ("infeasible: batch does not fit in memory: 51.98 GB short; "
                            "step time 0.1533 s exceeds the TPOT SLO of 0.05 s")
    with pytest.raises(InvalidInput) as e:
        b.bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 300, 8, kv_serial_share=0)
    assert str(e.value).endswith("step time 0.1318 s exceeds the TPOT SLO of 0.05 s")


def test_bandwidth_cards_report_base_column_by_hand():
    # Report base column: 0.308642亿 tokens/s × 4 = 1.234568亿/s at peak.
    # input share 608/776, cache hits 342/608 (DeepSeek's published day):
    #   prefill = 1.234568 × (608/776) × (266/608) = 1.234568 × 266/776 = 0.423188亿/s
    #   prefill cards at the default prefill MFU (the report's 0.5) = 2 × 130e9 × 0.423188e8 / (148e12 × 0.5 = 7.4e13)
    #   / 1e4 = 14.8688万
    #   decode  = 1.234568 × 168/776 = 0.267276亿/s; the general-form step t_kv + t_c = 4.6018 + 28.1081 =
    #   32.7099 ms -> 64 / 0.0327099 / 8 = 244.574 tok/s/card -> 10.9283万 (the simple roofline's 28.1081 ms:
    #   284.6154 tok/s/card -> 9.3908万, with kv_serial_share=0)
    rate = 40000 / 129600 * 4
    pre = 2 * 130e9 * rate * 1e8 * (608 / 776) * (1 - 342 / 608) / (148e12 * 0.5) / 1e4
    step = 64 * 4096 * 393_216 / 2.24e13 + 1.664e13 / 5.92e14
    dec = rate * 1e8 * (1 - 608 / 776) / (64 / step / 8) / 1e4
    dec_roofline = rate * 1e8 * (1 - 608 / 776) / (64 / (1.664e13 / 5.92e14) / 8) / 1e4
    assert round(pre, 4) == 14.8688 and round(dec, 4) == 10.9283 and round(dec_roofline, 4) == 9.3908
    kv = b.kv_bytes_per_token(96, 8, 128, 2)
    got = b.bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 64, 8)
    assert got == pytest.approx(pre + dec, rel=1e-12)
    got0 = b.bandwidth_cards_wan(40000 / 129600, 4, 1300, 1300, 2, 148, 96, 4.0, kv, 4096, 64, 8, kv_serial_share=0)
    assert got0 == pytest.approx(pre + dec_roofline, rel=1e-12)


# --- demand split, servers, money ---------------------------------------------------------------


def test_token_split_deepseek_day():
    # DeepSeek, "DeepSeek-V3/R1 Inference System Overview" (2025-03-01): 608B input tokens, 342B of them
    # (56.3%) cache hits, 168B output tokens in 24 h.  Prefill work = 608 − 342 = 266B; output = 168B.
    day = 776.0  # 608 + 168, in 1e9 tokens
    assert b.prefill_tokens_per_s_yi(day, b.INPUT_SHARE, b.CACHE_HIT_RATE) == pytest.approx(266.0, rel=1e-12)
    assert b.decode_tokens_per_s_yi(day, b.INPUT_SHARE) == pytest.approx(168.0, rel=1e-12)
    assert f"{b.CACHE_HIT_RATE:.2%}" == "56.25%"  # DeepSeek prints 56.3%


def test_card_agnostic_cards_reproduce_the_report_on_h20():
    # cards_wan with the catalog's H20 BF16 peak is the report's H20_CARDS (Figure 11 base: 43.37671万)
    flops = model.infer_flops(1300, 40000 / 129600, 4)
    assert b.cards_wan(flops, catalog.peak_tflops("H20", "bf16"), 0.5) == model.h20_cards_wan(flops)
    # FP8 doubles the peak: half the cards (43.37671 / 2 = 21.688355)
    assert round(b.cards_wan(flops, catalog.peak_tflops("H20", "fp8"), 0.5), 6) == 21.688355


@pytest.mark.parametrize("cards, per_server, whole, fractional", [
    (43.37671004337670, 8, 5.4221, 5.4220887554),   # 433,767.1 cards / 8 = 54,220.89 -> 54,221 servers
    (80.0, 8, 10.0, 10.0),                          # exact: no rounding
    (0.0001, 8, 0.0001, 0.0000125),                 # 1 card still needs a whole server
])
def test_servers_whole_and_fractional(cards, per_server, whole, fractional):
    assert b.servers_whole_wan(cards, per_server) == pytest.approx(whole, rel=1e-12)
    assert round(b.servers_fractional_wan(cards, per_server), 10) == fractional


def test_yearly_capex_with_replacement():
    # 60万 cards needed, 40万 installed, 5-year life, 84万元 per 8-card server (10.5万元 per card):
    # new 20万 + replacement 40/5 = 8万 -> 28万 cards × 10.5万元 = 294亿元
    assert b.yearly_capex_yi(60, 40, 84, 8, 5) == pytest.approx(294.0, rel=1e-12)
    # shrinking demand buys no new cards, only replacements: (0 + 40/5) × 10.5 = 84亿元
    assert b.yearly_capex_yi(30, 40, 84, 8, 5) == pytest.approx(84.0, rel=1e-12)


def test_power_energy_and_electricity_epoch_h100():
    # Epoch AI: 1,275 W per H100 including its server share (DGX H100 10.2 kW / 8 GPUs), PUE 1.2-1.3,
    # 70% average load.  Hand for 1万 H100 at PUE 1.2:
    #   power  = 10,000 × 1,275 W × 1.2 × 0.7 = 10.71 MW
    #   energy = 10.71 MW × 8,760 h = 93,819.6 MWh = 93.8196 GWh
    #   cost at 0.5 元/kWh = 93,819,600 kWh × 0.5 = 46,909,800 元 = 0.469098亿元
    assert b.card_power_w(700) == pytest.approx(1275.0, rel=1e-12)
    assert 10_200 / 8 == 1275.0
    mw = b.fleet_power_mw(1, 1275, 1.2, 0.7)
    assert mw == pytest.approx(10.71, rel=1e-12)
    gwh = b.energy_gwh_per_year(mw)
    assert gwh == pytest.approx(93.8196, rel=1e-12)
    assert b.electricity_cost_yi(gwh, 0.5) == pytest.approx(0.469098, rel=1e-12)


def test_cost_per_million_tokens():
    # amortized: 84万元 / 8 cards / (5 × 8,760 h) = 105,000 / 43,800 = 2.39726 元 per card-hour
    assert b.card_hour_yuan(84, 8, 5) == pytest.approx(105_000 / 43_800, rel=1e-12)
    # report base fleet 43.37671万 cards for 40000亿 tokens a day, capex only:
    #   433,767.1 × 2.397260 × 8,760 = 9.10912e9 元 a year; tokens 4e12 × 365 = 1.46e15 = 1.46e9 M
    #   -> 6.2391 元 per 1M tokens
    cost = b.cost_per_mtok_yuan(43.37671004337670, 105_000 / 43_800, 0, 40000)
    assert cost == pytest.approx(43.37671004337670e4 * (105_000 / 43_800) * 8760 / 1.46e9, rel=1e-12)
    assert round(cost, 4) == 6.2391
    # a rental price: 1万 cards at 10 元/hour for 1000亿 tokens a day = 8.76e8 元 / 3.65e7 M = 24 元
    assert b.cost_per_mtok_yuan(1, 10, 0, 1000) == pytest.approx(24.0, rel=1e-12)


def test_implied_tokens_per_card_sanity():
    # domain notes: "Minsheng's table implies only ≈285 tok/s per H20" (peak tokens/s over the cards):
    # 0.308642亿 × 4 / 43.37671万 = 1.234568e8 / 433,767.1 = 284.62
    assert round(b.report_tokens_per_s_per_card(40000 / 129600 * 4, 43.37671004337670), 2) == 284.62
    assert b.tokens_per_s_per_card(2.0, 1.0) == 20_000.0  # 2亿/s over 1万 cards


# --- argument checking ---------------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: b.decode_step_s(140, 327680, 4096, 1, 700, 1, 3.35, 1.5, 989, 0.5), "mbu must be in (0, 1], got 1.5"),
    (lambda: b.decode_step_s(140, 327680, 4096, 0.5, 700, 1, 3.35, 0.7, 989), "batch must be >= 1, got 0.5"),
    (lambda: b.prefill_tokens_per_s_yi(1, 0.8, 1.0), "cache_hit_rate must be in [0, 1), got 1"),
    (lambda: b.kv_bytes_per_token(80, 8, 128, "2"), "kv_bytes must be a number, got '2'"),
    (lambda: b.fleet_power_mw(1, 1275, 0.9, 0.7), "pue must be >= 1, got 0.9"),
    (lambda: b.yearly_capex_yi(1, -1, 84), "installed_cards_wan must be >= 0, got -1"),
    (lambda: b.weights_gb(float("nan"), 2), "total_params_yi must be a finite number, got nan"),
])
def test_bad_arguments(call, message):
    with pytest.raises(InvalidInput) as e:
        call()
    assert str(e.value) == message


# --- invariants ----------------------------------------------------------------------------------

pos = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
frac = st.floats(min_value=0.01, max_value=1.0)


@settings(max_examples=200, deadline=None)
@given(w=pos, kv=pos, ctx=st.floats(1, 1e6), batch=st.floats(1, 1e4), act=pos, n=st.floats(1, 64), bw=pos,
       mbu=frac, peak=pos, mfu=frac, k=st.floats(1.0, 10.0))
def test_step_time_monotone(w, kv, ctx, batch, act, n, bw, mbu, peak, mfu, k):
    base = b.decode_step_s(w, kv, ctx, batch, act, n, bw, mbu, peak, mfu)
    assert b.decode_step_s(w, kv, ctx, batch * k, act, n, bw, mbu, peak, mfu) >= base * (1 - 1e-12)
    assert b.decode_step_s(w, kv, ctx, batch, act, n, bw * k, mbu, peak, mfu) <= base * (1 + 1e-12)
    # tokens per card never fall with a bigger batch (the weight read is shared)
    tpc = b.decode_tokens_per_s_per_card(batch, base, n)
    step_k = b.decode_step_s(w, kv, ctx, batch * k, act, n, bw, mbu, peak, mfu)
    assert b.decode_tokens_per_s_per_card(batch * k, step_k, n) >= tpc * (1 - 1e-9)


@settings(max_examples=200, deadline=None)
@given(rate=pos, share=st.floats(0.0, 0.99), hit=st.floats(0.0, 0.99), k=st.floats(1.0, 100.0))
def test_more_tokens_never_fewer_cards(rate, share, hit, k):
    def cards(r):
        return (b.prefill_cards_wan(b.prefill_tokens_per_s_yi(r, share, hit), 1300, 148, 0.4)
                + b.decode_cards_wan(b.decode_tokens_per_s_yi(r, share), 284.6))
    assert cards(rate * k) >= cards(rate) * (1 - 1e-12)


def test_arrays_broadcast():
    got = b.decode_step_s(140, 327680, 4096, np.array([1.0, 64.0, 512.0]), 700, 1, 3.35, 1.0, 989, 1.0)
    by_hand = [max((140e9 + B * 4096 * 327680) / 3.35e12, 2 * 70e9 * B / 989e12) for B in (1, 64, 512)]
    assert got == pytest.approx(by_hand, rel=1e-12)
    assert all(math.isfinite(x) for x in got)


# --- docstrings: Function Wizard text, formula, units, a runnable example ------------------------

PUBLIC = [f for n, f in vars(b).items() if callable(f) and not n.startswith("_") and getattr(f, "__module__", "")
          == "xlsizing.beyond"]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__name__)
def test_docstrings(fn):
    doc = fn.__doc__ or ""
    first = doc.strip().splitlines()[0]
    assert 0 < len(first) <= 255
    assert ">>> " in doc  # a runnable example (collected by --doctest-modules)
    assert "=" in first or fn.__name__ in ("infeasible_reason",)  # the formula is on the first line


# --- step time in the general form (jax-ml/scaling-book) ----------------------------------------


def test_scaling_book_pop_quiz_general_form():
    # jax-ml/scaling-book, "All About Transformer Inference" (jax-ml.github.io/scaling-book/inference),
    # pop quiz: 30B dense in int8 on a TPU v5e 4x4 (16 chips, 8.1e11 B/s and 1.97e14 bf16 FLOP/s each),
    # 8,192 context, 100 kB/token KV (819 MB per sequence).
    #   batch 4:   "(4 * 819e6 + 30e9) / (16 * 8.1e11) = 2.5 ms"   (2.567 ms; the book cuts it to 2.5)
    #   batch 256: "(256 * 819e6) / (16 * 8.1e11) + (2 * 256 * 30e9) / (16 * 1.97e14) = 21ms"
    args = dict(weights_gb=30, kv_bytes_per_token=100e3, context_tokens=8192, active_params_yi=300,
                replica_cards=16, bandwidth_tbs=0.81, mbu=1.0, peak_tflops=197, mfu_decode=1.0)
    small = b.decode_step_general_s(batch=4, **args)
    assert small == pytest.approx((4 * 819.2e6 + 30e9) / (16 * 8.1e11), rel=1e-12)   # memory bound: forms agree
    assert small == pytest.approx(b.decode_step_s(batch=4, **args), rel=1e-12)
    big = b.decode_step_general_s(batch=256, **args)
    assert big == pytest.approx(256 * 819.2e6 / (16 * 8.1e11) + 2 * 256 * 30e9 / (16 * 1.97e14), rel=1e-12)
    assert round(big * 1000) == 21
    # the simple roofline misses the KV read hidden under nothing: max(2.315 + 16.182, 4.873) = 18.50 ms
    assert round(b.decode_step_s(batch=256, **args) * 1000, 2) == 18.50


def test_general_and_roofline_forms_differ_when_compute_bound_130b_on_8_h20():
    # The report's headline case: 130B dense BF16 on 8 × H20 (148 TFLOPS, 4.0 TB/s), batch 64, context 4,096,
    # GQA 96 layers × 8 KV heads × 128 × 2 bytes = 393,216 B/token, MBU 0.7, MFU_decode 0.5.  By hand:
    #   t_w  = 260e9 / (8 × 4e12 × 0.7 = 2.24e13)               = 11.607 ms
    #   t_kv = 64 × 4096 × 393,216 = 1.03079e11 / 2.24e13       =  4.602 ms
    #   t_c  = 2 × 130e9 × 64 = 1.664e13 / (8 × 148e12 × 0.5)   = 28.108 ms   (compute bound)
    #   roofline = max(11.607 + 4.602, 28.108)                  = 28.108 ms
    #   general  = 4.602 + max(11.607, 28.108)                  = 32.710 ms   (+16.4%: the roofline is optimistic)
    t_w, t_kv, t_c = 260e9 / 2.24e13, 64 * 4096 * 393_216 / 2.24e13, 1.664e13 / 5.92e14
    assert round(b.weight_read_s(260, 8, 4.0, 0.7) * 1000, 3) == 11.607
    assert round(b.kv_read_s(393_216, 4096, 64, 8, 4.0, 0.7) * 1000, 3) == 4.602
    assert round(b.decode_compute_s(1300, 64, 8, 148, 0.5) * 1000, 3) == 28.108
    general = b.decode_step_general_s(260, 393_216, 4096, 64, 1300, 8, 4.0, 0.7, 148, 0.5)
    roofline = b.decode_step_general_s(260, 393_216, 4096, 64, 1300, 8, 4.0, 0.7, 148, 0.5, 0)
    assert general == pytest.approx(t_kv + t_c, rel=1e-12) and round(general * 1000, 1) == 32.7
    assert roofline == pytest.approx(t_c, rel=1e-12) and round(roofline * 1000, 1) == 28.1
    assert roofline == b.decode_step_s(260, 393_216, 4096, 64, 1300, 8, 4.0, 0.7, 148, 0.5)
    assert round(general / roofline - 1, 3) == 0.164
    # the same from the terms, as the sheet computes it
    assert b.step_time_s(t_w, t_kv, t_c, 0, 1) == pytest.approx(general, rel=1e-12)
    assert b.step_time_s(t_w, t_kv, t_c, 0, 0) == pytest.approx(roofline, rel=1e-12)
    # tokens per card: 64 / 0.032710 / 8 = 244.57 (the roofline said 284.62)
    assert round(b.decode_tokens_per_s_per_card(64, general, 8), 2) == 244.57


def test_memory_bound_forms_agree():
    # 70B BF16 on one H100 at batch 1 (see test_decode_step_70b_on_h100_batch_1): weights dominate,
    # t_w + t_kv > t_c + t_kv, so both forms give (140e9 + 4096 × 327,680) / 3.35e12 = 42.19 ms
    g = b.decode_step_general_s(140, 327_680, 4096, 1, 700, 1, 3.35, 1.0, 989, 1.0)
    assert g == pytest.approx((140e9 + 4096 * 327_680) / 3.35e12, rel=1e-12)
    assert g == pytest.approx(b.decode_step_s(140, 327_680, 4096, 1, 700, 1, 3.35, 1.0, 989, 1.0), rel=1e-12)


def test_prefill_step_by_hand():
    # one 2,048-token prompt of the 130B model on 8 × H20, MFU_prefill 0.4:
    #   t_c  = 2 × 130e9 × 2048 = 5.3248e14 / (8 × 148e12 × 0.4 = 4.736e14) = 1.124324 s
    #   t_kv = 2048 × 393,216 / 2.24e13 = 0.036 ms (written once); t_w = 11.607 ms < t_c
    #   step = 1.124324 + 0.000036 = 1.124360 s
    got = b.prefill_step_s(260, 393_216, 2048, 1, 1300, 8, 4.0, 0.7, 148, 0.4)
    assert got == pytest.approx(5.3248e14 / 4.736e14 + 2048 * 393_216 / 2.24e13, rel=1e-12)
    # with communication added serially
    assert b.prefill_step_s(260, 393_216, 2048, 1, 1300, 8, 4.0, 0.7, 148, 0.4, 1, 0.1) == pytest.approx(got + 0.1)


# --- communication ------------------------------------------------------------------------------


def test_tensor_parallel_all_reduce_by_hand():
    # 96 layers, hidden 12,288, batch 64, BF16 activations, 8 cards, 450 GB/s each way (NVLink 900 GB/s
    # bidirectional), 10 µs per collective.  Per all-reduce: 2 × 7/8 × 12,288 × 64 × 2 = 2,752,512 bytes
    # through each card -> 2,752,512 / 450e9 = 6.1167 µs, + 10 µs = 16.1167 µs; two per layer:
    # 192 × 16.1167 µs = 3.0944 ms
    per = 2 * 7 / 8 * 12_288 * 64 * 2 / 450e9 + 10e-6
    assert b.tp_allreduce_s(96, 12_288, 64, 2, 8, 450, 10) == pytest.approx(192 * per, rel=1e-12)
    assert round(b.tp_allreduce_s(96, 12_288, 64, 2, 8, 450, 10) * 1000, 4) == 3.0944
    assert b.tp_allreduce_s(96, 12_288, 64, 2, 1, 450, 10) == 0.0        # one card: nothing to reduce
    assert b.tp_allreduce_s(96, 12_288, 64, 2, [1, 2], 450, 0).tolist() == [0.0, 2 * 96 * 12_288 * 64 * 2 / 450e9]


def test_expert_parallel_all_to_all_by_hand():
    # DeepSeek-V3-like: 58 MoE layers, hidden 7,168, batch 256, top-8, FP8 dispatch (1 byte), 16 cards,
    # 450 GB/s, 10 µs.  Per collective each card sends 15/16 × 256/16 × 8 × 7,168 × 1 = 860,160 bytes
    # -> 1.9115 µs + 10 µs; dispatch and combine: 2 × 58 × 11.9115 µs = 1.38173 ms
    per = 15 / 16 * 256 / 16 * 8 * 7168 / 450e9 + 10e-6
    assert b.ep_alltoall_s(58, 7168, 256, 8, 1, 16, 450, 10) == pytest.approx(116 * per, rel=1e-12)
    assert b.ep_alltoall_s(58, 7168, 256, 8, 1, 1, 450, 10) == 0.0
    assert b.ep_alltoall_s(0, 7168, 256, 8, 1, 16, 450, 10) == 0.0      # a dense model: no MoE layers


# --- MoE from its shape -------------------------------------------------------------------------


def test_expected_experts_read_by_hand():
    # E = 8, k = 2 (Mixtral): 1 − (6/8)^B of the experts are hit
    #   B = 1: 8 × (1 − 0.75) = 2;  B = 4: 8 × (1 − 0.31640625) = 5.46875;  B = 64: 8 × (1 − 1.0e-8) ≈ 8
    assert b.expected_experts_read(8, 2, 1) == pytest.approx(2.0, rel=1e-12)
    assert b.expected_experts_read(8, 2, 4) == pytest.approx(5.46875, rel=1e-12)
    assert b.expected_experts_read(8, 2, 64) == pytest.approx(8 * (1 - 0.75 ** 64), rel=1e-12)
    # DeepSeek-V3 (256 routed, top-8) at batch 64: 256 × (1 − (31/32)^64) = 256 × 0.868925 = 222.44
    assert round(b.expected_experts_read(256, 8, 64), 2) == 222.44


def test_weights_read_per_step_mixtral():
    # Mixtral-8x7B FP16: 46.7B × 2 = 93.4 GB stored; one expert FFN = 3 × 4096 × 14,336 = 176,160,768
    # weights × 2 bytes = 0.35232 GB per layer; at batch 1 the 6 experts no token hits in each of 32
    # layers are not read: 93.4 − 32 × 6 × 0.352322 = 93.4 − 67.646 = 25.754 GB
    expert_gb = 3 * 4096 * 14_336 * 2 / 1e9
    assert b.weights_read_gb(93.4, 32, 8, 2, 4096, 14_336, 1, 2) == pytest.approx(93.4 - 32 * 6 * expert_gb,
                                                                                   rel=1e-12)
    assert b.weights_read_gb(93.4, 0, 8, 2, 4096, 14_336, 1, 2) == 93.4     # dense: everything read
    # the step time then follows: batch 1 on 2 × H100 (3.35 TB/s), MBU 1 reads 25.754 GB, not 93.4
    step = b.decode_step_general_s(b.weights_read_gb(93.4, 32, 8, 2, 4096, 14_336, 1, 2), 131_072, 1024, 1, 129,
                                   2, 3.35, 1.0, 989, 1.0)
    assert step == pytest.approx((93.4e9 - 32 * 6 * expert_gb * 1e9 + 1024 * 131_072) / 6.7e12, rel=1e-12)


def test_moe_params_from_shape_mixtral():
    # Mixtral-8x7B: other params (embeddings 2 × 32000 × 4096, attention 32 × (2 × 4096² + 2 × 4096 × 1024),
    # norms 65 × 4096) = 262,144,000 + 1,342,177,280 + 266,240 = 1,604,587,520 = 16.0458752亿;
    # experts 32 × 8 × 176,160,768, routers 32 × 4096 × 8:
    #   total  = 1,604,587,520 + 45,097,156,608 + 1,048,576 = 46,702,792,704 (Mistral AI: 46.7B)
    #   active = 1,604,587,520 + 11,274,289,152 + 1,048,576 = 12,879,925,248 (Mistral AI: 12.9B)
    assert b.moe_total_params_yi(16.0458752, 32, 0, 4096, 14336, 8, 0, 14336) == pytest.approx(467.02792704,
                                                                                               rel=1e-12)
    assert b.moe_active_params_yi(16.0458752, 32, 0, 4096, 14336, 8, 2, 0, 14336) == pytest.approx(128.79925248,
                                                                                                   rel=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: b.expected_experts_read(8, 9, 4), "experts_per_token must be <= experts (8), got 9"),
    (lambda: b.expected_experts_read([8, 8], [2, 9], 4), "experts_per_token must be <= experts (8), got 9 (at index 1)"),
    (lambda: b.expected_experts_read(8, 0.5, 4), "experts_per_token must be >= 1, got 0.5"),
    (lambda: b.moe_total_params_yi(1, 32, 40, 4096, 14336, 8, 0, 14336), "dense_layers must be <= layers (32), got 40"),
    (lambda: b.weights_read_gb(93.4, 32, 8, 9, 4096, 14336, 1, 2), "experts_per_token must be <= experts (8), got 9"),
    (lambda: b.step_time_s(0.01, 0.01, 0.01, 0, 1.5), "kv_serial_share must be in [0, 1], got 1.5"),
    (lambda: b.tp_allreduce_s(96, 12288, 64, 2, 8, 0, 10), "interconnect_gbs must be > 0, got 0"),
    (lambda: b.implied_mfu(9000, 370, -1), "peak_tflops must be > 0, got -1"),
])
def test_bad_arguments_of_the_serving_terms(call, message):
    with pytest.raises(InvalidInput) as e:
        call()
    assert str(e.value) == message


# --- calibration ------------------------------------------------------------------------------


def test_implied_efficiencies_by_hand():
    # MFU: 9,000 prefill tokens/s per H800 of a 37B-active model, FP8 peak 1,979 TFLOPS:
    #   2 × 37e9 × 9000 = 6.66e14 / 1.979e15 = 0.33654
    assert b.implied_mfu(9000, 370, 1979) == pytest.approx(6.66e14 / 1.979e15, rel=1e-12)
    # MBU: 70B BF16 on one H100 at 23.9 tokens/s, batch 1, 1-token context:
    #   (140e9 + 327,680) × 23.9 / 3.35e12 = 0.99884
    assert b.implied_mbu(23.9, 1, 140, 327_680, 1, 3.35) == pytest.approx((140e9 + 327_680) * 23.9 / 3.35e12,
                                                                          rel=1e-12)
    # a measured 50 ms step against a 20 ms speed-of-light model step: 40% of the roofline
    assert b.implied_efficiency(0.05, 0.02) == pytest.approx(0.4, rel=1e-12)


# --- invariants of the serving terms ----------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(w=pos, kv=pos, ctx=st.floats(1, 1e6), batch=st.floats(1, 1e4), act=pos, n=st.floats(1, 64), bw=pos,
       mbu=frac, peak=pos, mfu=frac, share=st.floats(0.0, 1.0), comm=st.floats(0.0, 1.0), k=st.floats(1.0, 10.0))
def test_general_step_never_decreases(w, kv, ctx, batch, act, n, bw, mbu, peak, mfu, share, comm, k):
    def step(**c):
        a = dict(weights_gb=w, kv_bytes_per_token=kv, context_tokens=ctx, batch=batch, active_params_yi=act,
                 replica_cards=n, bandwidth_tbs=bw, mbu=mbu, peak_tflops=peak, mfu_decode=mfu,
                 kv_serial_share=share, comm_s=comm)
        return b.decode_step_general_s(**{**a, **c})
    base = step()
    tol = 1 - 1e-12
    assert step(batch=batch * k) >= base * tol                 # bigger batch
    assert step(context_tokens=ctx * k) >= base * tol          # longer context
    assert step(bandwidth_tbs=bw / k) >= base * tol            # lower bandwidth
    assert step(kv_serial_share=min(1.0, share + 0.1)) >= base * tol
    assert step(kv_serial_share=1.0) >= step(kv_serial_share=0.0) * tol   # the general form is never lower
    assert base >= b.decode_step_s(w, kv, ctx, batch, act, n, bw, mbu, peak, mfu) * tol


@settings(max_examples=200, deadline=None)
@given(layers=st.integers(1, 200), hidden=st.integers(64, 32768), batch=st.floats(1, 1e5), n=st.integers(2, 64),
       link=st.floats(1, 2000), lat=st.floats(0, 100), k=st.integers(1, 8))
def test_communication_zero_on_one_card_and_grows_with_replica(layers, hidden, batch, n, link, lat, k):
    assert b.tp_allreduce_s(layers, hidden, batch, 2, 1, link, lat) == 0.0
    assert b.ep_alltoall_s(layers, hidden, batch, k, 2, 1, link, lat) == 0.0
    one, more = (b.tp_allreduce_s(layers, hidden, batch, 2, m, link, lat) for m in (n, n + 1))
    assert 0 < one <= more
    # expert parallel: the volume per card falls as B/n, but never below the latency floor
    assert b.ep_alltoall_s(layers, hidden, batch, k, 2, n, link, lat) >= 2 * layers * lat * 1e-6 * (1 - 1e-12)


@settings(max_examples=300, deadline=None)
@given(e=st.integers(1, 512), data=st.data(), batch=st.floats(1, 1e4))
def test_expected_experts_bounded_and_tend_to_all(e, data, batch):
    k = data.draw(st.integers(1, e))
    hit = b.expected_experts_read(e, k, batch)
    assert hit <= min(e, batch * k) * (1 + 1e-12)
    assert hit >= min(k, e) * (1 - 1e-12)                       # at least the k one token uses
    assert b.expected_experts_read(e, k, batch * 2) >= hit * (1 - 1e-12)
    assert b.expected_experts_read(e, k, 1e7) == pytest.approx(e, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(e=st.integers(1, 256), data=st.data(), batch=st.floats(1, 4096), k=st.floats(1.0, 8.0),
       ctx=st.floats(1, 1e5), n=st.integers(1, 64))
def test_moe_step_never_decreases_with_batch(e, data, batch, k, ctx, n):
    # more tokens hit more experts: the weights read, and so the step, never fall as the batch grows
    topk = data.draw(st.integers(1, e))
    w_total = 700.0 + 40 * e * 3 * 4096 * 1024 * 1e-9 * 2           # other weights + every expert, GB

    def step(bt):
        w = b.weights_read_gb(w_total, 40, e, topk, 4096, 1024, bt, 2)
        comm = b.tp_allreduce_s(40, 4096, bt, 2, n, 450, 10)
        return b.decode_step_general_s(w, 131_072, ctx, bt, 130, n, 3.35, 0.7, 989, 0.5, 1.0, comm)

    assert b.weights_read_gb(w_total, 40, e, topk, 4096, 1024, batch * k, 2) >= \
        b.weights_read_gb(w_total, 40, e, topk, 4096, 1024, batch, 2) * (1 - 1e-12)
    assert step(batch * k) >= step(batch) * (1 - 1e-12)
