"""The economics of the fleet (xlsizing.economics) against hand calculations and published examples.

Every expected value is a hand calculation written out beside it (inputs, steps, result) or a
published figure reproduced at its printed precision, the source named in the comment:

* DeepSeek, "Day 6: One More Thing, DeepSeek-V3/R1 Inference System Overview" (2025-03-01,
  github.com/deepseek-ai/open-infra-index, 202502OpenSourceWeek/day_6_...md): 226.75 nodes × 8
  H800 × $2 per GPU-hour = $87,072 a day; 608B input tokens of which 342B (56.3%) hit the KV
  cache, 168B output; R1 prices $0.14 / $0.55 / $2.19 per 1M; revenue $562,027; 545%.
* Epoch AI, "How much energy does ChatGPT use?" (Gradient Updates, 2025-02, epoch.ai/gradient-
  updates/how-much-energy-does-chatgpt-use) and its linked spreadsheet of five cases.
* Bernstein, "AI Value Chain: How much does a GW of data center capacity actually cost?" (2025-10,
  as reported by Investing.com): $5.9M per GB200/NVL72 rack = $3.4M compute + $2.5M physical
  infrastructure, ~5,900 racks per GW → $20B + $15B = $35B per GW; networking ~13% of the total.
* Minsheng Securities, 2024-12-26, Figure 11 (the report this project reproduces).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsizing import beyond
from xlsizing import economics as e
from xlsizing.errors import InvalidInput

# --- server price from its parts; capex split ----------------------------------------------------


def test_server_price_from_parts_reproduces_figure_11():
    # Figure 11 prints H20 单价 8.4万元 and H20服务器均价 84万元 for an 8-card server.
    # Hand: cards' share = 8 × 8.4 / 84 = 67.2 / 84 = 0.8; price = 8.4 × 8 / 0.8 = 84万元.
    assert e.CARD_SHARE == pytest.approx(0.8, rel=1e-15)
    assert e.server_price_wan(8.4, 8, 0.8) == pytest.approx(84.0, rel=1e-15)
    assert e.server_price_wan(8.4) == pytest.approx(84.0, rel=1e-15)  # the defaults are the report's
    # a 70% share (cards cheaper relative to the rest of the box): 8.4 × 8 / 0.7 = 96万元
    assert e.server_price_wan(8.4, 8, 0.7) == pytest.approx(96.0, rel=1e-15)


def test_capex_split_reproduces_bernstein_per_gw():
    # Bernstein (2025-10): ~5,900 GB200/NVL72 racks per GW; $3.4M compute + $2.5M infrastructure.
    # Hand, in 亿 USD: compute = 5,900 × 3.4M = 20.06B = 200.6亿; total = 200.6 / (3.4/5.9) = 348.1亿
    # ("$35B per GW"); infrastructure = 348.1 × 2.5/5.9 = 147.5亿 ("$15B"); networking 13% = 45.3亿.
    compute = 5900 * 3.4 / 100  # 亿 USD
    total = e.datacenter_capex_yi(compute, 3.4 / 5.9)
    assert total == pytest.approx(348.1, rel=1e-12)
    assert round(total / 10) == 35  # printed: $35B per GW
    assert round(compute / 10) == 20  # printed: $20B of rack equipment
    assert round(e.capex_part_yi(total, 2.5 / 5.9) / 10) == 15  # printed: $15B physical infrastructure
    assert e.capex_part_yi(total, 0.13) == pytest.approx(45.253, rel=1e-12)


def test_capex_split_defaults_sum_to_one():
    # Defaults from Bernstein: servers 3.4/5.9 − 0.13 = 0.446271, networking 0.13, facility
    # 2.5/5.9 = 0.423729; together (3.4 + 2.5) / 5.9 = 1.
    assert e.SERVER_SHARE == pytest.approx(0.4462711864, rel=1e-9)
    assert e.FACILITY_SHARE == pytest.approx(0.4237288136, rel=1e-9)
    assert e.SERVER_SHARE + e.NETWORKING_SHARE + e.FACILITY_SHARE == pytest.approx(1.0, rel=1e-15)
    assert e.shares_ok(e.SERVER_SHARE, e.NETWORKING_SHARE, e.FACILITY_SHARE) == 1.0
    # Figure 11 base-column server capex 455.46亿元 → data-centre capex 455.46 / 0.446271 = 1020.6亿元
    assert round(e.datacenter_capex_yi(455.46), 1) == 1020.6


# --- energy (Epoch AI) ----------------------------------------------------------------------------

# Epoch AI's spreadsheet, five cases: active params (B), output tokens, utilization, PUE, and the
# printed GPU-seconds, average GPU power (W) and Wh per query.  Shared: H100 peak 9.89e14 FLOP/s,
# 1,275 W per GPU (DGX H100 10.2 kW / 8), 0.7 power adjustment for partial utilization.
EPOCH_CASES = [
    # name, params (B), tokens, utilization, PUE, seconds, watts, Wh (all as printed)
    ("baseline GPT-4o", 100, 500, 0.10, 1.2, 1.01, 1071, 0.301),
    ("GPT-4o long output", 100, 1500, 0.10, 1.2, 3.03, 1071, 0.902),
    ("smaller model (4o-mini)", 20, 500, 0.10, 1.2, 0.20, 1071, 0.06),
    ("pessimistic", 200, 500, 0.05, 1.3, 4.04, 1160.25, 1.304),
    ("pessimistic + long output", 200, 1500, 0.05, 1.3, 12.13, 1160.25, 3.911),
]


@pytest.mark.parametrize("name, params_b, tokens, util, pue, seconds, watts, wh", EPOCH_CASES,
                         ids=[c[0] for c in EPOCH_CASES])
def test_energy_per_query_reproduces_epoch_ai(name, params_b, tokens, util, pue, seconds, watts, wh):
    params_yi = params_b * 10  # 100B = 1000亿
    flop = e.flop_per_query(params_yi, tokens)
    assert flop == pytest.approx(2 * params_b * 1e9 * tokens, rel=1e-15)
    s = e.card_seconds_per_query(flop, 989, util)
    assert round(s, 2) == seconds
    assert e.average_card_power_w(1275, 0.7, pue) == pytest.approx(watts, rel=1e-12)
    energy = e.energy_wh_per_query(params_yi, tokens, 989, util, 1275, 0.7, pue)
    assert round(energy, 3 if wh >= 0.1 else 2) == wh


def test_energy_per_query_hand_calculation():
    # Baseline by hand: 2 × 1e11 × 500 = 1e14 FLOP; 1e14 / (989e12 × 0.1) = 1.011122 s;
    # 1,275 W × 0.7 × 1.2 = 1,071 W; 1.011122 s × 1,071 W = 1,082.91 J; / 3,600 = 0.300809 Wh.
    expected = 1e14 / (989e12 * 0.1) * 1071 / 3600
    assert e.energy_wh_per_query(1000, 500, 989, 0.1, 1275, 0.7, 1.2) == pytest.approx(expected, rel=1e-14)
    assert round(expected, 6) == 0.300809


def test_energy_per_million_tokens():
    # Per 1M tokens = the baseline × 1e6 / 500: 0.300809 × 2,000 = 601.618 Wh ≈ 0.6 kWh.
    assert e.energy_wh_per_mtok(1000, 989, 0.1, 1275, 0.7, 1.2) == pytest.approx(
        e.energy_wh_per_query(1000, 500, 989, 0.1, 1275, 0.7, 1.2) * 2000, rel=1e-14)
    assert round(e.energy_wh_per_mtok(1000, 989, 0.1, 1275, 0.7, 1.2), 3) == 601.618


def test_token_energy_per_year():
    # 601.618 Wh per 1M tokens × 40000亿 tokens a day (= 4e6 M tokens) × 365 = 8.7836e11 Wh = 878.36 GWh
    assert e.token_energy_gwh_per_year(601.618, 40000) == pytest.approx(601.618 * 4e6 * 365 / 1e9, rel=1e-14)
    assert round(e.token_energy_gwh_per_year(601.618, 40000), 2) == 878.36


def test_fleet_power_energy_electricity_epoch_h100():
    # Epoch AI's 1,275 W per H100, PUE 1.2, 70% load; 1万 H100 by hand:
    #   power  = 10,000 × 1,275 W × 1.2 × 0.7 = 10.71 MW
    #   energy = 10.71 MW × 8,760 h = 93,819.6 MWh = 93.8196 GWh
    #   cost at 0.5 元/kWh = 93,819,600 kWh × 0.5 = 46,909,800 元 = 0.469098亿元
    assert e.card_power_w(700) == pytest.approx(1275.0, rel=1e-15)
    assert e.card_power_w(400, 1.5) == 600.0  # H20 TDP 400 W × 1.5
    mw = e.fleet_power_mw(1, 1275, 1.2, 0.7)
    assert mw == pytest.approx(10.71, rel=1e-14)
    assert e.energy_gwh_per_year(mw) == pytest.approx(93.8196, rel=1e-14)
    assert e.electricity_cost_yi(93.8196, 0.5) == pytest.approx(0.469098, rel=1e-14)


def test_one_definition_shared_with_beyond():
    # The Beyond sheet's power and cost rows call these very functions (no second definition).
    for name in ("card_power_w", "fleet_power_mw", "energy_gwh_per_year", "electricity_cost_yi",
                 "card_hour_yuan", "cost_per_mtok_yuan", "yearly_capex_yi"):
        assert getattr(beyond, name) is getattr(e, name), name
    for name in ("SERVER_POWER_FACTOR", "PUE", "LOAD_FACTOR", "LIFE_YEARS"):
        assert getattr(beyond, name) == getattr(e, name), name


# --- cost: owned, rented, per 1M tokens ----------------------------------------------------------


def test_owned_cost_per_year():
    # 759.09亿元 capex (Figure 11 保守), 5 years, 10亿元 electricity, 3% other opex:
    # 759.09 / 5 = 151.818; 0.03 × 759.09 = 22.7727; total = 151.818 + 10 + 22.7727 = 184.5907亿元
    assert e.owned_cost_yi_per_year(759.09, 5, 10, 0.03) == pytest.approx(184.5907, rel=1e-14)
    assert e.owned_cost_yi_per_year(100, 4, 0, 0) == 25.0


def test_rented_cost_reproduces_deepseek_day():
    # DeepSeek: "average occupancy of 226.75 nodes (each node contains 8 H800 GPUs) ... $2 per hour,
    # the total daily cost amounts to $87,072."  Hand: 226.75 × 8 = 1,814 GPUs = 0.1814万张;
    # 1,814 × $2 × 24 h = $87,072.  With fx 1 the result is in 万 USD.
    usd_wan = e.rented_cost_wan_per_day(226.75 * 8 / 1e4, 2.0, 1.0, 24)
    assert usd_wan * 1e4 == pytest.approx(87_072, rel=1e-14)
    # in 元 at the 2025-02-25 central parity 7.1726: 87,072 × 7.1726 = 624,532.63 元 = 62.453万元
    assert e.rented_cost_wan_per_day(0.1814, 2.0, e.USD_CNY) == pytest.approx(62.453263, rel=1e-8)
    # 12 hours a day cost half
    assert e.rented_cost_wan_per_day(0.1814, 2.0, 1.0, 12) == pytest.approx(usd_wan / 2, rel=1e-15)


def test_day_year_conversions():
    # 100万元 a day × 365 = 36,500万元 = 3.65亿元 a year, and back
    assert e.yearly_yi_from_daily_wan(100) == pytest.approx(3.65, rel=1e-15)
    assert e.daily_wan_from_yearly_yi(3.65) == pytest.approx(100, rel=1e-15)


def test_cost_per_million_tokens_deepseek():
    # DeepSeek's day: $87,072 over 608B + 168B = 776B tokens = 776,000 M tokens → $0.11221 per 1M.
    # Through the yearly path: 8.7072万 × 365 / 1e4 = 0.3178128 "亿" a year over 7760亿 tokens a day.
    yearly = e.yearly_yi_from_daily_wan(8.7072)
    assert e.yearly_cost_per_mtok_yuan(yearly, 7760) == pytest.approx(87_072 / 776_000, rel=1e-14)
    assert round(e.yearly_cost_per_mtok_yuan(yearly, 7760), 4) == 0.1122


def test_cost_per_million_tokens_amortized_report_fleet():
    # amortized: 84万元 / 8 cards / (5 × 8,760 h) = 105,000 / 43,800 = 2.39726 元 per card-hour
    assert e.card_hour_yuan(84, 8, 5) == pytest.approx(105_000 / 43_800, rel=1e-15)
    # report base fleet 43.37671万 cards for 40000亿 tokens a day, capex only:
    #   433,767.1 × 2.397260 × 8,760 = 9.10912e9 元 a year; tokens 4e12 × 365 = 1.46e9 M → 6.2391 元
    cost = e.cost_per_mtok_yuan(43.37671004337670, 105_000 / 43_800, 0, 40000)
    assert cost == pytest.approx(43.37671004337670e4 * (105_000 / 43_800) * 8760 / 1.46e9, rel=1e-13)
    assert round(cost, 4) == 6.2391
    # the same fleet's yearly cost through the one per-1M definition gives the same number
    yearly_yi = 43.37671004337670e4 * (105_000 / 43_800) * 8760 / 1e8
    assert e.yearly_cost_per_mtok_yuan(yearly_yi, 40000) == pytest.approx(cost, rel=1e-13)


# --- revenue and margin (DeepSeek) ---------------------------------------------------------------

DS_TOKENS_YI = 7760.0  # 608B + 168B = 776B = 7760亿 tokens in the 24 hours
DS_INPUT_SHARE = 608 / 776


def test_blended_price_hand():
    # input share 0.75, hit rate 0.5, prices 1 / 4 / 16 per 1M (DeepSeek R1's 元 list prices):
    # input = 0.5 × 1 + 0.5 × 4 = 2.5; blended = 0.75 × 2.5 + 0.25 × 16 = 1.875 + 4 = 5.875
    assert e.blended_price_per_mtok(0.75, 0.5, 1, 4, 16) == pytest.approx(5.875, rel=1e-15)


def test_revenue_reproduces_deepseek_day():
    # Printed inputs: 608B input at a 56.3% cache-hit rate, 168B output, R1 prices per 1M in USD.
    # Hand: hits 608 × 0.563 = 342.304B × $0.14 = $47,922.56; misses 265.696B × $0.55 = $146,132.80;
    # output 168B × $2.19 = $367,920; total $561,975.36.  The token counts are printed to three
    # figures, so the revenue is reproducible to three figures: $562k (printed: $562,027).
    rev = e.revenue_wan_per_day(DS_TOKENS_YI, DS_INPUT_SHARE, 0.563, 0.14, 0.55, 2.19) * 1e4
    assert rev == pytest.approx(561_975.36, rel=1e-12)
    assert round(rev, -3) == round(562_027, -3) == 562_000
    # the printed 342B of hits instead of the printed 56.3%: 342 × 0.14 + 266 × 0.55 + 367.92 = $562.1k
    rev_342 = e.revenue_wan_per_day(DS_TOKENS_YI, DS_INPUT_SHARE, 342 / 608, 0.14, 0.55, 2.19) * 1e4
    assert rev_342 == pytest.approx(562_100, rel=1e-12)
    assert round(rev_342, -3) == 562_000
    # every input rounded to its printed figure (±0.5B tokens, ±0.05 pp) brackets the printed revenue
    lo = (607.5 * 0.5625 * 0.14 + 607.5 * (1 - 0.5625) * 0.55 + 167.5 * 2.19) * 1000
    hi = (608.5 * 0.5635 * 0.14 + 608.5 * (1 - 0.5635) * 0.55 + 168.5 * 2.19) * 1000
    assert lo < 562_027 < hi


def test_margins_reproduce_deepseek_545():
    # DeepSeek: "total daily revenue would be $562,027, with a cost profit margin of 545%".
    # Hand: (562,027 − 87,072) / 87,072 = 474,955 / 87,072 = 5.45478 → 545%.
    assert e.cost_profit_margin(562_027, 87_072) == pytest.approx(474_955 / 87_072, rel=1e-15)
    assert f"{e.cost_profit_margin(562_027, 87_072):.0%}" == "545%"
    # from the printed inputs alone (revenue $561,975.36 at 56.3%): 474,903.36 / 87,072 = 5.45419 → 545%
    rev = e.revenue_wan_per_day(DS_TOKENS_YI, DS_INPUT_SHARE, 0.563, 0.14, 0.55, 2.19)
    cost = e.rented_cost_wan_per_day(226.75 * 8 / 1e4, 2.0)
    assert f"{e.cost_profit_margin(rev, cost):.0%}" == "545%"
    # gross margin of the same day: 474,955 / 562,027 = 84.51%
    assert round(e.gross_margin(562_027, 87_072), 4) == 0.8451
    # the two margins are one number seen two ways: gm = cpm / (1 + cpm)
    cpm = e.cost_profit_margin(562_027, 87_072)
    assert e.gross_margin(562_027, 87_072) == pytest.approx(cpm / (1 + cpm), rel=1e-14)


def test_revenue_utilization_scales_revenue_only():
    # half the tokens billed: half the revenue; the cost functions take no such argument
    full = e.revenue_wan_per_day(DS_TOKENS_YI, DS_INPUT_SHARE, 0.563, 0.14, 0.55, 2.19, 1.0, 1.0)
    half = e.revenue_wan_per_day(DS_TOKENS_YI, DS_INPUT_SHARE, 0.563, 0.14, 0.55, 2.19, 1.0, 0.5)
    assert half == pytest.approx(full / 2, rel=1e-15)
    assert "revenue_utilization" not in e.rented_cost_wan_per_day.rules


def test_revenue_in_yuan_with_exchange_rate():
    # $561,975.36 × 7.1726 元/$ = 4,030,824.5 元 = 403.08万元 a day = 14.71亿元 a year
    rev = e.revenue_wan_per_day(DS_TOKENS_YI, DS_INPUT_SHARE, 0.563, 0.14, 0.55, 2.19, e.USD_CNY)
    assert rev == pytest.approx(561_975.36 * 7.1726 / 1e4, rel=1e-12)
    assert round(e.yearly_yi_from_daily_wan(rev), 2) == 14.71


def test_payback_years():
    # 759.09亿元 capex, revenue 300亿元 a year, cash cost 40亿元 (electricity + opex):
    # 759.09 / (300 − 40) = 759.09 / 260 = 2.91958 years
    assert e.payback_years(759.09, 300, 40) == pytest.approx(759.09 / 260, rel=1e-15)
    assert e.payback_years(0, 10, 5) == 0.0


# --- capex by year -------------------------------------------------------------------------------


def test_year_tokens_grow():
    # 66,666.67亿 growing 50% a year: year 2 = 100,000; year 3 = 150,000
    assert e.year_daily_tokens_yi(40000 * 1500 / 900, 0.5, 1) == pytest.approx(66_666.6667, rel=1e-9)
    assert e.year_daily_tokens_yi(40000 * 1500 / 900, 0.5, 3) == pytest.approx(150_000, rel=1e-14)
    assert e.year_daily_tokens_yi(100, -0.5, 2) == 50.0  # shrinking usage


@pytest.mark.parametrize("mau_wan, peak, printed_capex", [
    (10000, 4, 759.09),   # 保守
    (15000, 4, 1138.64),  # 中性
    (20000, 5, 1897.73),  # 乐观
])
def test_schedule_first_year_is_figure_11(mau_wan, peak, printed_capex):
    # With no cards installed before, the first year's capex is the whole fleet: Figure 11's row
    # 豆包大模型创造AI服务器需求 (亿元), at its printed two decimals.
    tokens = 40000 * (mau_wan * 0.15) / 900
    cards = tokens / 129600 * 1e8 * 2 * 1300e8 * peak / (148e12 * 0.5) / 1e4  # the chain, by hand
    s = e.capex_schedule(cards, tokens, 0.5, 84)
    assert round(s["capex_yi"][0], 2) == printed_capex


def test_schedule_hand_calculation():
    # 保守: 72.29452万 cards needed in 2025E; tokens grow 50% a year; 5-year life and depreciation;
    # 10.5万元 per card slot (84万元 / 8).
    # 2025E: needed 72.29452, installed 0 → capex 72.29452 × 10.5 = 759.0924; installed 72.29452
    # 2026E: needed × 1.5 = 108.44178; new 36.14726 + replacement 72.29452/5 = 14.45890
    #        → 50.60616 × 10.5 = 531.3647; installed 108.44178
    # 2027E: needed 162.66267; new 54.22089 + replacement 108.44178/5 = 21.68836
    #        → 75.90925 × 10.5 = 797.0470; installed 162.66267
    # cumulative: 759.0924, 1290.4571, 2087.5042
    # depreciation (straight line, 5 years): 759.0924/5 = 151.8185; + 531.3647/5 = 258.0914;
    #        + 797.0470/5 = 417.5008
    c1 = 40000 * 1500 / 900 / 129600 * 1e8 * 2 * 1300e8 * 4 / (148e12 * 0.5) / 1e4
    s = e.capex_schedule(c1, 40000 * 1500 / 900, 0.5, 84, 3, 2025)
    assert s["year"] == ["2025E", "2026E", "2027E"]
    assert s["daily_tokens_yi"] == pytest.approx([66_666.6667, 100_000, 150_000], rel=1e-9)
    needed = [c1, c1 * 1.5, c1 * 2.25]
    assert s["cards_needed_wan"] == pytest.approx(needed, rel=1e-13)
    assert s["cards_installed_wan"] == pytest.approx(needed, rel=1e-13)
    capex = [c1 * 10.5, (0.5 * c1 + c1 / 5) * 10.5, (0.75 * c1 + 1.5 * c1 / 5) * 10.5]
    assert s["capex_yi"] == pytest.approx(capex, rel=1e-13)
    assert [round(x, 4) for x in s["capex_yi"]] == [759.0924, 531.3647, 797.047]
    assert [round(x, 4) for x in s["cumulative_capex_yi"]] == [759.0924, 1290.4571, 2087.5042]
    assert [round(x, 4) for x in s["depreciation_yi"]] == [151.8185, 258.0914, 417.5008]


def test_schedule_with_installed_base_and_shrinking_demand():
    # Installed before 2025E: the 2024年末 fleet 43.37671万; demand 72.29452 then shrinking 50%/year.
    # 2025E: new 28.91781 + replacement 43.37671/5 = 8.67534 → 37.59315 × 10.5 = 394.728亿元
    # 2026E: needed 36.14726 < installed 72.29452: no new cards, replacement 14.45890 × 10.5 = 151.8185
    base = 40000 * 1e8 / 129600 * 2 * 1300e8 * 4 / (148e12 * 0.5) / 1e4
    c1 = base * 1500 / 900
    s = e.capex_schedule(c1, 40000 * 1500 / 900, -0.5, 84, 2, installed_cards_wan=base)
    assert s["capex_yi"] == pytest.approx([(c1 - base + base / 5) * 10.5, (c1 / 5) * 10.5], rel=1e-13)
    assert round(s["capex_yi"][0], 3) == 394.728
    assert s["cards_installed_wan"] == pytest.approx([c1, c1], rel=1e-13)  # cards are kept


def test_depreciation_share_and_schedule():
    # 110亿元 bought in year 0, 5.5-year life: 20 a year for ages 0..4, 10 at age 5 (half a year), 0 after
    assert [e.depreciation_share(110, 5.5, a) for a in range(7)] == [20, 20, 20, 20, 20, 10, 0]
    # schedule [100, 50, 0] over 2 years: 50; 50 + 25; 0 + 25 + 0 (the 100 is fully written off)
    assert e.straight_line_depreciation_yi([100, 50, 0], 2) == [50, 75, 25]
    # the total written off equals the capex once every purchase has aged past its life
    dep = e.straight_line_depreciation_yi([100, 50, 0, 0, 0, 0, 0, 0], 5.5)
    assert sum(dep) == pytest.approx(150, rel=1e-14)


def test_schedule_scenarios_as_arrays():
    # the three 2025-2026E scenarios at once give the same numbers as three scalar calls
    tokens = np.array([40000 * 1500 / 900, 40000 * 2250 / 900, 40000 * 3000 / 900])
    cards = np.array([72.29451673896118, 108.44177510844177, 180.7362918474029])
    s = e.capex_schedule(cards, tokens, 0.5, 84)
    for i in range(3):
        one = e.capex_schedule(float(cards[i]), float(tokens[i]), 0.5, 84)
        for key in ("capex_yi", "cumulative_capex_yi", "depreciation_yi", "cards_installed_wan"):
            assert [float(v[i]) for v in s[key]] == pytest.approx(one[key], rel=1e-14)


# --- checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shares, ok", [
    ((0.45, 0.13, 0.42), 1.0),   # sum 1.00
    ((0.5, 0.1, 0.1), 1.0),      # sum 0.70: the rest is "other"
    ((0.6, 0.3, 0.2), 0.0),      # sum 1.10 > 1
    ((0.0, 0.5, 0.5), 0.0),      # a zero share is outside (0, 1]
    ((1.2, 0.0, 0.0), 0.0),      # above 1
    ((-0.1, 0.6, 0.5), 0.0),
])
def test_shares_ok(shares, ok):
    assert e.shares_ok(*shares) == ok


def test_other_checks_and_master():
    assert (e.fraction_ok(1.0), e.fraction_ok(1.0000001), e.fraction_ok(-0.5)) == (1.0, 0.0, 0.0)
    assert e.installed_covers_needed(72.29452, 72.29452) == 1.0
    assert e.installed_covers_needed(72.29452 * (1 - 1e-12), 72.29452) == 1.0  # rounding slack
    assert e.installed_covers_needed(72.0, 72.29452) == 0.0
    # 403.08万元 a day is 14.71242亿元 a year: same period; 403.08 typed as if yearly is not
    assert e.same_period_ok(403.08, 403.08 * 365 / 1e4) == 1.0
    assert e.same_period_ok(403.08, 403.08) == 0.0
    assert e.master_check(1.0, 1.0, 1.0, 1.0) == 1.0
    assert e.master_check(1.0, 0.0, 1.0) == 0.0
    assert e.master_check(np.array([1.0, 1.0]), np.array([1.0, 0.0])).tolist() == [1.0, 0.0]


# --- argument checking ---------------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: e.server_price_wan(8.4, 8, 0), "card_share must be in (0, 1], got 0"),
    (lambda: e.server_price_wan(8.4, 8, 1.2), "card_share must be in (0, 1], got 1.2"),
    (lambda: e.datacenter_capex_yi(-1, 0.5), "server_capex_yi must be > 0, got -1"),
    (lambda: e.capex_part_yi(100, 1.5), "share must be in [0, 1], got 1.5"),
    (lambda: e.energy_wh_per_query(1000, 500, 989, 1.5, 1275), "utilization must be in (0, 1], got 1.5"),
    (lambda: e.average_card_power_w(1275, 0.7, 0.9), "pue must be >= 1, got 0.9"),
    (lambda: e.rented_cost_wan_per_day(1, 2, 1, 25), "hours_per_day must be in (0, 24], got 25"),
    (lambda: e.rented_cost_wan_per_day(1, 2, 0), "fx_cny must be > 0, got 0"),
    (lambda: e.revenue_wan_per_day(1, 0.8, 0.5, 1, 4, 16, 1, 0), "revenue_utilization must be in (0, 1], got 0"),
    (lambda: e.revenue_wan_per_day(1, 1.1, 0.5, 1, 4, 16), "input_share must be in [0, 1], got 1.1"),
    (lambda: e.gross_margin(0, 5), "revenue_yi_per_year must be > 0, got 0"),
    (lambda: e.cost_profit_margin(5, 0), "cost_yi_per_year must be > 0, got 0"),
    (lambda: e.payback_years(100, 5, 8),
     "no payback: revenue 5 亿元 per year does not exceed the cash cost 8 亿元 per year"),
    (lambda: e.payback_years(100, [30, 5], 8),
     "no payback: revenue 5 亿元 per year does not exceed the cash cost 8 亿元 per year (at index 1)"),
    (lambda: e.year_daily_tokens_yi(100, -1, 2), "token_growth must be > -1, got -1"),
    (lambda: e.owned_cost_yi_per_year(100, 0), "depreciation_years must be > 0, got 0"),
    (lambda: e.capex_schedule(10, 100, 0.5, years=0), "years must be a whole number from 1 to 50, got 0"),
    (lambda: e.capex_schedule(10, 100, 0.5, years=2.5), "years must be a whole number from 1 to 50, got 2.5"),
    (lambda: e.capex_schedule(10, 100, -1.5), "token_growth must be > -1, got -1.5"),
    (lambda: e.straight_line_depreciation_yi([], 5), "capex_by_year_yi must have at least one year, got an empty list"),
    (lambda: e.straight_line_depreciation_yi(100, 5), "capex_by_year_yi must be a list of yearly capex, got 100"),
    (lambda: e.master_check(), "master_check needs at least one check, got none"),
    (lambda: e.fraction_ok("x"), "value must be a number, got 'x'"),
    (lambda: e.flop_per_query(float("nan"), 500), "active_params_yi must be a finite number, got nan"),
])
def test_bad_arguments(call, message):
    with pytest.raises(InvalidInput) as err:
        call()
    assert str(err.value) == message


# --- shapes, docstrings --------------------------------------------------------------------------


def test_scalar_in_float_out_and_arrays_broadcast():
    assert type(e.server_price_wan(8.4)) is float
    got = e.energy_wh_per_query(np.array([1000.0, 200.0]), 500, 989, 0.1, 1275, 0.7, 1.2)
    assert got.shape == (2,)
    assert got.tolist() == pytest.approx([0.300808898, 0.0601617796], rel=1e-8)
    rev = e.revenue_wan_per_day([[7760.0], [3880.0]], DS_INPUT_SHARE, 0.563, 0.14, 0.55, 2.19, 1.0, [1.0, 0.5])
    assert rev.shape == (2, 2)
    assert rev[1, 1] == pytest.approx(rev[0, 0] / 4, rel=1e-15)


PUBLIC = [f for n, f in vars(e).items() if callable(f) and not n.startswith("_")
          and getattr(f, "__module__", "") == "xlsizing.economics"]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__name__)
def test_docstrings(fn):
    doc = fn.__doc__ or ""
    first = doc.strip().splitlines()[0]
    assert 0 < len(first) <= 255  # the Excel Function Wizard text
    assert ">>> " in doc  # a runnable example (collected by --doctest-modules)
    assert "=" in first or fn.__name__ in ("capex_schedule",)  # the formula is on the first line


# --- invariants ----------------------------------------------------------------------------------

pos = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
frac = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(revenue=pos, cost=pos)
def test_margins_agree(revenue, cost):
    # both margins are the same profit (revenue − cost) over a different base
    profit = revenue - cost
    assert e.gross_margin(revenue, cost) * revenue == pytest.approx(profit, rel=1e-12, abs=1e-9 * max(revenue, cost))
    assert e.cost_profit_margin(revenue, cost) * cost == pytest.approx(profit, rel=1e-12,
                                                                       abs=1e-9 * max(revenue, cost))


@settings(max_examples=200, deadline=None)
@given(tokens=pos, share=frac, hit=frac, k=st.floats(min_value=1.0, max_value=10.0))
def test_more_tokens_never_less_revenue(tokens, share, hit, k):
    r1 = e.revenue_wan_per_day(tokens, share, hit, 1, 4, 16)
    assert e.revenue_wan_per_day(tokens * k, share, hit, 1, 4, 16) >= r1 * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(growth=st.floats(min_value=-0.9, max_value=3.0), life=st.floats(min_value=1.0, max_value=8.0),
       years=st.integers(min_value=1, max_value=8))
def test_schedule_cumulative_never_falls_and_installed_covers_needed(growth, life, years):
    s = e.capex_schedule(72.29, 66_666.67, growth, 84, years, life_years=life, depreciation_years=life)
    cum = s["cumulative_capex_yi"]
    assert all(b >= a for a, b in zip(cum, cum[1:]))
    assert all(e.installed_covers_needed(i, n) == 1.0
               for i, n in zip(s["cards_installed_wan"], s["cards_needed_wan"]))
    assert sum(s["depreciation_yi"]) <= cum[-1] * (1 + 1e-12)
    assert all(math.isfinite(x) for x in s["depreciation_yi"])


def test_docs_examples_run():
    # docs/economics.md: every ```python block is a doctest of the published examples
    import doctest
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "economics.md"
    result = doctest.testfile(str(path), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 10


def test_sheet_helpers_hand():
    # cards' share from Figure 11's printed prices: 8.4 × 8 / 84 = 0.8
    assert e.card_share_of_server(8.4, 8, 84) == pytest.approx(0.8, rel=1e-15)
    # cash cost = 12.11 electricity + 3% × 455.46 = 12.11 + 13.6638 = 25.7738亿元
    assert e.cash_cost_yi_per_year(455.46, 12.11, 0.03) == pytest.approx(25.7738, rel=1e-14)
    # net cash 75.85 − 25.7738 = 50.0762; payback 455.46 / 50.0762 = 9.0953 years
    net = e.net_cash_yi_per_year(75.85, 25.7738)
    assert net == pytest.approx(50.0762, rel=1e-13)
    assert e.payback_years_or_zero(455.46, net) == pytest.approx(455.46 / 50.0762, rel=1e-13)
    assert e.payback_years_or_zero(455.46, -1.0) == 0.0  # never pays back
    assert e.payback_years_or_zero(455.46, net) == pytest.approx(e.payback_years(455.46, 75.85, 25.7738), rel=1e-13)
    # cards grow with tokens: 72.29452 × 1.5² = 162.66267
    assert e.year_cards_wan(72.29452, 0.5, 3) == pytest.approx(162.66267, rel=1e-14)
    assert e.cumulative_capex_yi(759.0924, 531.3647) == pytest.approx(1290.4571, rel=1e-14)


def test_cards_at_another_peak_multiplier():
    # Figure 11's 保守 column sized at 4× (72.29452万 H20); at 5×: 72.29452 × 5 / 4 = 90.36815万,
    # and its first-year capex 90.36815 × 10.5 = 948.8655亿元 — what Figure 11 prints for the same
    # column with a 5× peak would be (the chain is linear in the peak multiplier)
    assert e.cards_at_peak_wan(72.29452, 5, 4) == pytest.approx(90.36815, rel=1e-14)
    assert e.cards_at_peak_wan(72.29452, 4, 4) == pytest.approx(72.29452, rel=1e-15)
    assert round(e.cards_at_peak_wan(72.29451673896118, 5, 4) * 10.5, 4) == 948.8655


def test_cards_installed_and_yearly_capex_hand():
    # installed = MAX(needed, before): growth adds cards, shrinking keeps them
    assert e.cards_installed_wan(108.44, 72.29) == 108.44 and e.cards_installed_wan(36.1, 72.29) == 72.29
    # 60万 needed, 40万 installed, 5-year life, 84万元 per 8 cards: (20 + 8) × 10.5 = 294亿元
    assert e.yearly_capex_yi(60, 40, 84, 8, 5) == pytest.approx(294.0, rel=1e-15)


def test_every_public_function_has_a_test_here():
    # each function of xlsizing.economics is called by name in this file, beyond the docstring sweep
    import inspect as _inspect
    import sys

    source = _inspect.getsource(sys.modules[__name__])
    missing = [f.__name__ for f in PUBLIC if f"e.{f.__name__}(" not in source]
    assert not missing, missing
