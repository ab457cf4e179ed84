"""The economics of the fleet: server price from its parts, energy, cost, revenue, margin, capex by year.

Figure 11 stops at one capex number.  This module answers the analyst's next questions with the
formulas public analyses use (background and sources: ``docs/economics.md``):

* **server price from its parts** — card price × cards per server ÷ the cards' share of a server's
  value (the report's own 8 × 8.4万元 ÷ 84万元 = 80%), and the data-centre capex split into
  servers, networking and facility by shares (Bernstein, 2025-10: $5.9M per GB200 NVL72 rack =
  $3.4M compute + $2.5M physical infrastructure; networking ≈13% of the total);
* **energy** per query and per 1M tokens (Wh) the way Epoch AI estimated ChatGPT's (2025-02):
  2 × active parameters × tokens FLOPs, run at a utilization of the card's peak, drawing the
  card's all-in power × load factor × PUE; fleet power, energy and electricity per year;
* **cost** per year owned (capex ÷ depreciation years + electricity + other opex as a share of
  capex) or rented (price per card-hour × cards × hours), and per 1M tokens from either;
* **revenue and margin** from prices per 1M tokens for cache-hit input, cache-miss input and
  output tokens, as DeepSeek priced its theoretical day (2025-03-01); gross margin
  (revenue − cost) ÷ revenue and the cost-profit margin (revenue − cost) ÷ cost that DeepSeek
  published; payback years of the capex;
* **capex by year**: usage growing each year → cards needed → cards installed → new + replacement
  capex, cumulative capex and straight-line depreciation;
* **checks** that return 1 (holds) or 0, and a master check.

Units are in the names as in :mod:`xlsizing.model`: ``_wan`` = 万 (1e4), ``_yi`` = 亿 (1e8);
money in 元 (``_yuan``), 万元 per day (``_wan_per_day``) and 亿元 per year (``_yi_per_year``);
``_w`` watts, ``_mw`` megawatts, ``_wh`` watt-hours, ``_gwh`` GWh; ``_per_mtok`` per 1M tokens.
Token and rental prices are taken as the sources print them (USD or 元 per 1M tokens, per
card-hour) with ``fx_cny``: 元 per unit of the price currency (1 for 元 prices, ``USD_CNY`` for
dollar prices).

>>> round(energy_wh_per_query(1000, 500, 989, 0.1, 1275, 0.7, 1.2), 3)    # Epoch AI: GPT-4o ≈ 0.3 Wh
0.301
>>> cost = rented_cost_wan_per_day(226.75 * 8 / 1e4, 2.0)                  # DeepSeek's day, in 万 USD
>>> rev = revenue_wan_per_day(7760, 608 / 776, 0.563, 0.14, 0.55, 2.19)
>>> round(cost * 1e4), round(rev * 1e4, -3), f"{cost_profit_margin(rev, cost):.0%}"
(87072, 562000.0, '545%')
"""

from __future__ import annotations

from . import _num
from ._args import ANY, AT_LEAST_ONE, FRACTION, NONNEGATIVE, POSITIVE, Rule, as_array, checked, fmt_value
from .errors import InvalidInput
from .model import CARD_PRICE_WAN, CARDS_PER_SERVER, SERVER_PRICE_WAN
from .units import DAYS_PER_YEAR, GIGA, HOURS_PER_DAY, HOURS_PER_YEAR, KILO, MEGA, SECONDS_PER_HOUR, TERA, WAN, YI

SHARE = Rule("in [0, 1]", lo=0.0, hi=1.0, lo_open=False, hi_open=False)
GROWTH = Rule("> -1", lo=-1.0)
HOURS_IN_DAY = Rule("in (0, 24]", lo=0.0, hi=24.0, hi_open=False)
# Checks compare sums of shares with 1 and installed with needed cards up to this relative slack,
# so defaults that sum to 1 in exact arithmetic (0.13 + 2.5/5.9 + ...) pass despite float rounding.
CHECK_TOLERANCE = 1e-9

# --- defaults, each from a public source or marked as an assumption ---------------------------

# Minsheng Securities, 2024-12-26, Figure 11: H20 at 8.4万元, 8 cards, 84万元 per server, so the
# cards are 8 × 8.4 / 84 = 80% of the server's price (the report prints the card price, unused).
CARD_SHARE = CARDS_PER_SERVER * CARD_PRICE_WAN / SERVER_PRICE_WAN
# Bernstein, "AI Value Chain: How much does a GW of data center capacity actually cost?"
# (2025-10, reported by Investing.com): $5.9M all-in capex per GB200/NVL72 rack = $3.4M compute
# hardware + $2.5M physical infrastructure; networking (switches, NICs, DPUs, cables) ≈13% of
# the total.  GPU 39% + CPU 3% + networking 13% + storage 1.4% ≈ 56% ≈ 3.4 / 5.9, so the 13% sits
# inside the $3.4M: servers = 3.4/5.9 − 0.13, networking 0.13, facility = 2.5/5.9 (sum 1).
NETWORKING_SHARE = 0.13
FACILITY_SHARE = 2.5 / 5.9
SERVER_SHARE = 3.4 / 5.9 - NETWORKING_SHARE
# Epoch AI, "How much energy does ChatGPT use?" (Gradient Updates, 2025-02, epoch.ai) and its
# spreadsheet: 1,275 W per H100 including its share of the server (DGX H100 10.2 kW / 8 GPUs),
# PUE 1.2 (1.1-1.3 for AI data centres per SemiAnalysis), 70% average draw under partial load
# (Microsoft), 10% FLOP utilization, 100B active parameters and 500 output tokens for GPT-4o.
SERVER_POWER_FACTOR = 1275.0 / 700.0  # all-in W per TDP W of an H100 (700 W TDP)
PUE = 1.25  # Epoch AI uses 1.2-1.3: the mid-point
LOAD_FACTOR = 0.7
EPOCH_UTILIZATION = 0.1
EPOCH_ACTIVE_PARAMS_YI = 1000.0  # 100B
EPOCH_TOKENS_PER_QUERY = 500.0
H100_TFLOPS = 989.0  # H100 SXM BF16 dense (NVIDIA datasheet; Epoch AI's 9.89e14)
# Replacement life of an AI server: 4-5 years (assumption: 5, domain notes).  Depreciation: the
# hyperscalers' 10-K filings put servers at 5 years (Amazon, 2022), 5.5 (Meta, 2025) and 6
# (Microsoft FY2023, Alphabet 2023); 5 is the shortest of them and equals the replacement life.
LIFE_YEARS = 5.0
DEPRECIATION_YEARS = 5.0
OPEX_SHARE = 0.03  # other opex (maintenance, support, staff, space) per year, share of capex: assumption
# USD→CNY: CFETS central parity 717.26 yuan per 100 USD on 2025-02-25 (Xinhua, "Market exchange
# rates in China -- Feb. 25", china.org.cn), the week of DeepSeek's published day.
USD_CNY = 7.1726
# DeepSeek, "Day 6: One More Thing, DeepSeek-V3/R1 Inference System Overview" (2025-03-01,
# github.com/deepseek-ai/open-infra-index): R1 list prices per 1M tokens, in USD.
R1_PRICE_HIT_USD = 0.14
R1_PRICE_MISS_USD = 0.55
R1_PRICE_OUTPUT_USD = 2.19
H800_HOUR_USD = 2.0  # DeepSeek's assumed leasing cost of one H800 per hour
TOKEN_GROWTH = 0.5  # tokens per day grow 50% a year in the capex schedule: assumption
FIRST_YEAR = 2025
SCHEDULE_YEARS = 3  # 2025E-2027E


# --- server price from its parts; capex split -------------------------------------------------


@checked(card_price_wan=POSITIVE, cards_per_server=AT_LEAST_ONE, card_share=FRACTION)
def server_price_wan(card_price_wan, cards_per_server=CARDS_PER_SERVER, card_share=CARD_SHARE):
    """Server price (万元) = card price (万元) × cards per server ÷ the cards' share of the server's value.

    The report's H20 server: 8.4万元 × 8 ÷ 80% = 84万元 (Figure 11 prints both prices).

    >>> server_price_wan(8.4, 8, 0.8)
    84.0
    """
    return card_price_wan * cards_per_server / card_share


@checked(card_price_wan=POSITIVE, cards_per_server=AT_LEAST_ONE, server_price_wan=POSITIVE)
def card_share_of_server(card_price_wan, cards_per_server, server_price_wan):
    """Cards' share of the server's value = card price (万元) × cards per server ÷ server price (万元).

    Figure 11: 8.4万元 × 8 ÷ 84万元 = 80%.

    >>> round(card_share_of_server(8.4, 8, 84), 12)
    0.8
    """
    return card_price_wan * cards_per_server / server_price_wan


@checked(server_capex_yi=POSITIVE, server_share=FRACTION)
def datacenter_capex_yi(server_capex_yi, server_share=SERVER_SHARE):
    """Data-centre capex (亿元) = server capex (亿元) ÷ servers' share of the total capex.

    Default share: Bernstein's 3.4/5.9 − 0.13 = 44.6% (compute hardware without networking).

    >>> datacenter_capex_yi(60, 0.6)
    100.0
    """
    return server_capex_yi / server_share


@checked(datacenter_capex_yi=NONNEGATIVE, share=SHARE)
def capex_part_yi(datacenter_capex_yi, share):
    """Part of the data-centre capex (亿元) = total capex (亿元) × its share (networking, facility, servers).

    >>> capex_part_yi(100, 0.13)
    13.0
    """
    return datacenter_capex_yi * share


# --- energy -----------------------------------------------------------------------------------


@checked(active_params_yi=POSITIVE, tokens_per_query=POSITIVE)
def flop_per_query(active_params_yi, tokens_per_query):
    """FLOP per query = 2 × active parameters (亿) × 1e8 × tokens per query.

    Epoch AI's GPT-4o: 2 × 100B × 500 = 1e14.

    >>> flop_per_query(1000, 500)
    100000000000000.0
    """
    return 2.0 * active_params_yi * YI * tokens_per_query


@checked(flop_per_query=POSITIVE, peak_tflops=POSITIVE, utilization=FRACTION)
def card_seconds_per_query(flop_per_query, peak_tflops, utilization):
    """Card-seconds per query (s) = FLOP per query ÷ (peak TFLOPS × 1e12 × utilization).

    Epoch AI: 1e14 / (989e12 × 10%) = 1.01 s of one H100.

    >>> round(card_seconds_per_query(1e14, 989, 0.1), 2)
    1.01
    """
    return flop_per_query / (peak_tflops * TERA * utilization)


@checked(card_power_w=POSITIVE, load_factor=FRACTION, pue=AT_LEAST_ONE)
def average_card_power_w(card_power_w, load_factor=LOAD_FACTOR, pue=PUE):
    """Average facility power per card (W) = all-in watts per card × load factor (average ÷ peak) × PUE.

    Epoch AI: 1,275 W × 0.7 × 1.2 = 1,071 W.

    >>> average_card_power_w(1275, 0.7, 1.2)
    1071.0
    """
    return card_power_w * load_factor * pue


@checked(active_params_yi=POSITIVE, tokens_per_query=POSITIVE, peak_tflops=POSITIVE, utilization=FRACTION,
         card_power_w=POSITIVE, load_factor=FRACTION, pue=AT_LEAST_ONE)
def energy_wh_per_query(active_params_yi, tokens_per_query, peak_tflops, utilization, card_power_w,
                        load_factor=LOAD_FACTOR, pue=PUE):
    """Energy per query (Wh) = 2 × active params × tokens ÷ (peak × utilization) × card W × load factor × PUE ÷ 3,600.

    Epoch AI's method (2025-02): FLOPs of the query, run at a utilization of the card's peak,
    for as many card-seconds, drawing the average facility power per card.  Parameters in 亿,
    peak in TFLOPS, power in W (all-in, with the card's share of the server).

    >>> round(energy_wh_per_query(1000, 500, 989, 0.1, 1275, 0.7, 1.2), 3)   # GPT-4o: ~0.3 Wh
    0.301
    """
    seconds = card_seconds_per_query.kernel(flop_per_query.kernel(active_params_yi, tokens_per_query),
                                            peak_tflops, utilization)
    return seconds * average_card_power_w.kernel(card_power_w, load_factor, pue) / SECONDS_PER_HOUR


@checked(active_params_yi=POSITIVE, peak_tflops=POSITIVE, utilization=FRACTION, card_power_w=POSITIVE,
         load_factor=FRACTION, pue=AT_LEAST_ONE)
def energy_wh_per_mtok(active_params_yi, peak_tflops, utilization, card_power_w, load_factor=LOAD_FACTOR,
                       pue=PUE):
    """Energy per 1M tokens (Wh) = energy of a 1,000,000-token query (:func:`energy_wh_per_query`).

    Epoch AI's GPT-4o assumptions: 0.301 Wh per 500 tokens → 601.6 Wh per 1M tokens.

    >>> round(energy_wh_per_mtok(1000, 989, 0.1, 1275, 0.7, 1.2), 1)
    601.6
    """
    return energy_wh_per_query.kernel(active_params_yi, MEGA, peak_tflops, utilization, card_power_w,
                                      load_factor, pue)


@checked(energy_wh_per_mtok=NONNEGATIVE, daily_tokens_yi=NONNEGATIVE)
def token_energy_gwh_per_year(energy_wh_per_mtok, daily_tokens_yi):
    """Energy per year (GWh) of the tokens served = Wh per 1M tokens × daily tokens (亿) × 100 × 365 ÷ 1e9.

    A bottom-up cross-check of :func:`energy_gwh_per_year` (which starts from the cards).

    >>> round(token_energy_gwh_per_year(601.6, 40000), 1)
    878.3
    """
    return energy_wh_per_mtok * (daily_tokens_yi * YI / MEGA) * DAYS_PER_YEAR / GIGA


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


# --- cost: owned or rented, per day, per year, per 1M tokens ----------------------------------


@checked(capex_yi=NONNEGATIVE, depreciation_years=POSITIVE, electricity_cost_yi=NONNEGATIVE, opex_share=SHARE)
def owned_cost_yi_per_year(capex_yi, depreciation_years=DEPRECIATION_YEARS, electricity_cost_yi=0.0,
                           opex_share=OPEX_SHARE):
    """Cost of an owned fleet per year (亿元) = capex ÷ depreciation years + electricity + other opex share × capex.

    >>> owned_cost_yi_per_year(100, 5, 3, 0.03)     # 20 + 3 + 3
    26.0
    """
    return capex_yi / depreciation_years + electricity_cost_yi + opex_share * capex_yi


@checked(cards_wan=NONNEGATIVE, card_hour_price=NONNEGATIVE, fx_cny=POSITIVE, hours_per_day=HOURS_IN_DAY)
def rented_cost_wan_per_day(cards_wan, card_hour_price, fx_cny=1.0, hours_per_day=HOURS_PER_DAY):
    """Cost of a rented fleet per day (万元) = cards (万张) × price per card-hour × fx (元 per price unit) × hours.

    万张 × 元 = 万元.  DeepSeek: 226.75 nodes × 8 H800 × $2 × 24 h = $87,072.

    >>> round(rented_cost_wan_per_day(0.1814, 2.0) * 1e4)       # fx 1: the result is in 万 USD
    87072
    """
    return cards_wan * card_hour_price * fx_cny * hours_per_day


@checked(per_day_wan=ANY)
def yearly_yi_from_daily_wan(per_day_wan):
    """Per year (亿元) = per day (万元) × 365 ÷ 1e4.

    >>> yearly_yi_from_daily_wan(100)
    3.65
    """
    return per_day_wan * DAYS_PER_YEAR / WAN


@checked(per_year_yi=ANY)
def daily_wan_from_yearly_yi(per_year_yi):
    """Per day (万元) = per year (亿元) × 1e4 ÷ 365.

    >>> daily_wan_from_yearly_yi(3.65)
    100.0
    """
    return per_year_yi * WAN / DAYS_PER_YEAR


@checked(cost_yi_per_year=NONNEGATIVE, daily_tokens_yi=POSITIVE)
def yearly_cost_per_mtok_yuan(cost_yi_per_year, daily_tokens_yi):
    """Cost per 1M tokens (元) = cost per year (亿元) × 1e8 ÷ (daily tokens (亿) × 1e8 × 365 ÷ 1e6).

    >>> yearly_cost_per_mtok_yuan(14.6, 40000)       # 14.6亿元 over 1.46e9 M tokens a year
    1.0
    """
    return cost_yi_per_year * YI / (daily_tokens_yi * YI * DAYS_PER_YEAR / MEGA)


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
    rental price that includes power, pass 0 for electricity.  The yearly cost in 亿元 goes
    through :func:`yearly_cost_per_mtok_yuan`, the one definition of a cost per 1M tokens.

    >>> round(cost_per_mtok_yuan(43.37671, card_hour_yuan(84, 8, 5), 0, 40000), 4)
    6.2391
    """
    yearly_yi = fleet_cards_wan * card_hour_yuan * HOURS_PER_YEAR / WAN + electricity_cost_yi
    return yearly_cost_per_mtok_yuan.kernel(yearly_yi, daily_tokens_yi)


# --- revenue and margin -----------------------------------------------------------------------


@checked(input_share=SHARE, cache_hit_rate=SHARE, price_hit_per_mtok=NONNEGATIVE, price_miss_per_mtok=NONNEGATIVE,
         price_output_per_mtok=NONNEGATIVE)
def blended_price_per_mtok(input_share, cache_hit_rate, price_hit_per_mtok, price_miss_per_mtok,
                           price_output_per_mtok):
    """Average price per 1M tokens = input share × (hit rate × hit price + (1 − hit rate) × miss price) + (1 − input share) × output price.

    In the prices' own currency.  DeepSeek R1 on its published day (608B input, 56.3% hits,
    168B output): $0.7242 per 1M tokens.

    >>> round(blended_price_per_mtok(608 / 776, 0.563, 0.14, 0.55, 2.19), 4)
    0.7242
    """
    input_price = cache_hit_rate * price_hit_per_mtok + (1.0 - cache_hit_rate) * price_miss_per_mtok
    return input_share * input_price + (1.0 - input_share) * price_output_per_mtok


@checked(daily_tokens_yi=NONNEGATIVE, input_share=SHARE, cache_hit_rate=SHARE, price_hit_per_mtok=NONNEGATIVE,
         price_miss_per_mtok=NONNEGATIVE, price_output_per_mtok=NONNEGATIVE, fx_cny=POSITIVE,
         revenue_utilization=FRACTION)
def revenue_wan_per_day(daily_tokens_yi, input_share, cache_hit_rate, price_hit_per_mtok, price_miss_per_mtok,
                        price_output_per_mtok, fx_cny=1.0, revenue_utilization=1.0):
    """Token revenue per day (万元) = daily tokens (亿) × 100 (M tokens per 亿) × blended price per 1M × fx × utilization ÷ 1e4.

    ``revenue_utilization`` is the share of served tokens billed at the list prices (1: every
    token, DeepSeek's "theoretical" revenue; free web/app use and night discounts lower it); it
    scales revenue, never cost.  ``fx_cny``: 元 per unit of the prices' currency.

    >>> round(revenue_wan_per_day(7760, 608 / 776, 0.563, 0.14, 0.55, 2.19) * 1e4)   # fx 1: USD
    561975
    """
    price = blended_price_per_mtok.kernel(input_share, cache_hit_rate, price_hit_per_mtok, price_miss_per_mtok,
                                          price_output_per_mtok)
    return daily_tokens_yi * YI / MEGA * price * fx_cny * revenue_utilization / WAN


@checked(revenue_yi_per_year=POSITIVE, cost_yi_per_year=NONNEGATIVE)
def gross_margin(revenue_yi_per_year, cost_yi_per_year):
    """Gross margin = (revenue − cost) ÷ revenue, both in the same currency and period (e.g. 亿元 per year).

    DeepSeek's day: (562,027 − 87,072) ÷ 562,027 = 84.5%.

    >>> round(gross_margin(562027, 87072), 4)
    0.8451
    """
    return (revenue_yi_per_year - cost_yi_per_year) / revenue_yi_per_year


@checked(revenue_yi_per_year=NONNEGATIVE, cost_yi_per_year=POSITIVE)
def cost_profit_margin(revenue_yi_per_year, cost_yi_per_year):
    """Cost-profit margin = (revenue − cost) ÷ cost, same currency and period: the form DeepSeek published (545%).

    >>> f"{cost_profit_margin(562027, 87072):.0%}"
    '545%'
    """
    return (revenue_yi_per_year - cost_yi_per_year) / cost_yi_per_year


def _positive_net(net, revenue, cash_cost):
    """Raise naming the shortfall where revenue does not exceed the cash cost (payback undefined)."""
    if type(net) is float:
        if not net > 0:
            raise InvalidInput(f"no payback: revenue {fmt_value(revenue)} 亿元 per year does not exceed the cash "
                               f"cost {fmt_value(cash_cost)} 亿元 per year")
        return
    import numpy as np

    bad = ~(np.asarray(net) > 0)
    if bad.any():
        r, c, _ = np.broadcast_arrays(np.asarray(revenue, float), np.asarray(cash_cost, float), np.asarray(net))
        i = int(np.flatnonzero(bad.ravel())[0]) if bad.ndim else 0
        where = f" (at index {i})" if bad.ndim else ""
        raise InvalidInput(f"no payback: revenue {fmt_value(float(r.ravel()[i]))} 亿元 per year does not exceed the "
                           f"cash cost {fmt_value(float(c.ravel()[i]))} 亿元 per year{where}")


@checked(capex_yi=NONNEGATIVE, revenue_yi_per_year=NONNEGATIVE, cash_cost_yi_per_year=NONNEGATIVE)
def payback_years(capex_yi, revenue_yi_per_year, cash_cost_yi_per_year):
    """Payback (years) = capex (亿元) ÷ (revenue − cash cost) per year (亿元); cash cost excludes depreciation.

    Raises :class:`~xlsizing.errors.InvalidInput` when revenue does not exceed the cash cost
    (the capex is never paid back).

    >>> payback_years(100, 30, 5)
    4.0
    >>> payback_years(100, 5, 5)
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: no payback: revenue 5 亿元 per year does not exceed the cash cost 5 亿元 per year
    """
    net = revenue_yi_per_year - cash_cost_yi_per_year
    _positive_net(net, revenue_yi_per_year, cash_cost_yi_per_year)
    return capex_yi / net


@checked(capex_yi=NONNEGATIVE, electricity_cost_yi=NONNEGATIVE, opex_share=SHARE)
def cash_cost_yi_per_year(capex_yi, electricity_cost_yi, opex_share=OPEX_SHARE):
    """Cash cost per year (亿元) = electricity (亿元) + other opex share × capex (亿元): the owned cost without depreciation.

    >>> cash_cost_yi_per_year(100, 3, 0.03)
    6.0
    """
    return electricity_cost_yi + opex_share * capex_yi


@checked(revenue_yi_per_year=NONNEGATIVE, cash_cost_yi_per_year=NONNEGATIVE)
def net_cash_yi_per_year(revenue_yi_per_year, cash_cost_yi_per_year):
    """Net cash per year (亿元) = revenue (亿元) − cash cost (亿元); what pays the capex back.

    >>> net_cash_yi_per_year(30, 5)
    25.0
    """
    return revenue_yi_per_year - cash_cost_yi_per_year


@checked(capex_yi=NONNEGATIVE, net_cash_yi_per_year=ANY)
def payback_years_or_zero(capex_yi, net_cash_yi_per_year):
    """Payback (years) = capex (亿元) ÷ net cash per year (亿元) when net cash > 0, else 0 (never pays back).

    The sheet's form of :func:`payback_years` (a cell cannot raise): 0 marks "never", and the
    sheet shows beside it whether the capex pays back.

    >>> payback_years_or_zero(100, 25), payback_years_or_zero(100, -5)
    (4.0, 0.0)
    """
    positive = net_cash_yi_per_year > 0
    return _num.where(positive, capex_yi / _num.where(positive, net_cash_yi_per_year, 1.0), 0.0)


# --- capex by year ----------------------------------------------------------------------------


@checked(start_daily_tokens_yi=POSITIVE, token_growth=GROWTH, year_index=AT_LEAST_ONE)
def year_daily_tokens_yi(start_daily_tokens_yi, token_growth, year_index):
    """Daily tokens (亿) in year k = starting daily tokens (亿) × (1 + yearly growth)^(k − 1); year 1 is the start.

    >>> year_daily_tokens_yi(66666.67, 0.5, 3)
    150000.0075
    """
    return start_daily_tokens_yi * (1.0 + token_growth) ** (year_index - 1.0)


@checked(cards_wan=NONNEGATIVE, peak_multiplier=AT_LEAST_ONE, base_peak_multiplier=AT_LEAST_ONE)
def cards_at_peak_wan(cards_wan, peak_multiplier, base_peak_multiplier):
    """Cards (万张) at another peak multiplier = cards (万张) × peak multiplier ÷ the peak multiplier they were sized for.

    The report's chain is linear in the peak multiplier: 72.29万 H20 sized for 4× need 90.37万 at 5×.

    >>> round(cards_at_peak_wan(72.29452, 5, 4), 3)
    90.368
    """
    return cards_wan * peak_multiplier / base_peak_multiplier


@checked(start_cards_wan=NONNEGATIVE, token_growth=GROWTH, year_index=AT_LEAST_ONE)
def year_cards_wan(start_cards_wan, token_growth, year_index):
    """Cards needed (万张) in year k = cards needed in year 1 (万张) × (1 + yearly token growth)^(k − 1).

    The report's chain is linear in tokens (cards = 2 × params × tokens/s × peak ÷ (peak FLOPS ×
    MFU)), so cards grow with the tokens (:func:`year_daily_tokens_yi`).

    >>> round(year_cards_wan(72.29452, 0.5, 2), 5)
    108.44178
    """
    return year_daily_tokens_yi.kernel(start_cards_wan, token_growth, year_index)


@checked(cumulative_before_yi=NONNEGATIVE, capex_yi=NONNEGATIVE)
def cumulative_capex_yi(cumulative_before_yi, capex_yi):
    """Cumulative capex (亿元) = cumulative capex to the year before (亿元) + this year's capex (亿元).

    >>> cumulative_capex_yi(759.09, 531.36)
    1290.45
    """
    return cumulative_before_yi + capex_yi


@checked(cards_needed_wan=NONNEGATIVE, installed_before_wan=NONNEGATIVE)
def cards_installed_wan(cards_needed_wan, installed_before_wan):
    """Cards installed (万张) at the end of a year = MAX(cards needed, cards installed before); cards are kept.

    >>> cards_installed_wan(72.3, 43.4), cards_installed_wan(30, 43.4)
    (72.3, 43.4)
    """
    return _num.maximum(cards_needed_wan, installed_before_wan)


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


@checked(capex_yi=NONNEGATIVE, depreciation_years=POSITIVE, age_years=NONNEGATIVE)
def depreciation_share(capex_yi, depreciation_years, age_years):
    """Straight-line depreciation (亿元) in a year of capex bought age_years before = capex × MAX(0, MIN(1, D − age)) ÷ D.

    Age 0 is the year of purchase; a fractional life (5.5 years) depreciates half a year's share
    in its last year.

    >>> depreciation_share(110, 5.5, 0), depreciation_share(110, 5.5, 5), depreciation_share(110, 5.5, 6)
    (20.0, 10.0, 0.0)
    """
    left = _num.maximum(0.0, _num.minimum(1.0, depreciation_years - age_years))
    return capex_yi * left / depreciation_years


def straight_line_depreciation_yi(capex_by_year_yi, depreciation_years=DEPRECIATION_YEARS):
    """Depreciation per year (亿元) of a capex schedule = Σ over past years j ≤ k of depreciation_share(capex_j, D, k − j).

    ``capex_by_year_yi`` is a list (one number per year, or one array of scenarios per year);
    the result has as many years.

    >>> straight_line_depreciation_yi([100, 50, 0], 5)
    [20.0, 30.0, 30.0]
    """
    if isinstance(capex_by_year_yi, (str, bytes)) or not hasattr(capex_by_year_yi, "__len__"):
        raise InvalidInput(f"capex_by_year_yi must be a list of yearly capex, got {fmt_value(capex_by_year_yi)}")
    if len(capex_by_year_yi) == 0:
        raise InvalidInput("capex_by_year_yi must have at least one year, got an empty list")
    out = []
    for k in range(len(capex_by_year_yi)):
        total = 0.0
        for j in range(k + 1):
            total = total + depreciation_share(capex_by_year_yi[j], depreciation_years, float(k - j))
        out.append(total)
    return out


def capex_schedule(start_cards_wan, start_daily_tokens_yi, token_growth=TOKEN_GROWTH, server_price_wan=SERVER_PRICE_WAN,
                   years=SCHEDULE_YEARS, first_year=FIRST_YEAR, cards_per_server=CARDS_PER_SERVER,
                   life_years=LIFE_YEARS, depreciation_years=DEPRECIATION_YEARS, installed_cards_wan=0.0):
    """Capex schedule by year: tokens and the cards they need grow → cards installed → new + replacement capex.

    Year k (1 = ``first_year``): daily tokens = start × (1 + growth)^(k − 1)
    (:func:`year_daily_tokens_yi`); cards needed likewise from the first year's cards — the
    report's chain is linear in tokens (:func:`year_cards_wan`); capex = :func:`yearly_capex_yi`
    on the cards installed the year before (``installed_cards_wan`` before year 1); cards
    installed = :func:`cards_installed_wan`; cumulative capex; depreciation =
    :func:`straight_line_depreciation_yi`.  Returns a dict of lists, one element per year, under
    the keys ``year``, ``daily_tokens_yi``, ``cards_needed_wan``, ``cards_installed_wan``,
    ``capex_yi``, ``cumulative_capex_yi``, ``depreciation_yi``.  Numeric arguments may be arrays
    of scenarios (each element of a list is then an array).  The Economics sheet computes the
    same rows with the same functions.

    With no cards installed before, year 1's capex is Figure 11's (保守: 72.29452万 H20 for
    66,666.67亿 tokens a day → 759.09亿元):

    >>> from xlsizing import model
    >>> cards = model.h20_cards_wan(model.infer_flops(1300, model.tokens_per_s_yi(40000 * 1500 / 900), 4))
    >>> s = capex_schedule(cards, 40000 * 1500 / 900, 0.5, 84)
    >>> s["year"], [round(c, 2) for c in s["capex_yi"]]
    (['2025E', '2026E', '2027E'], [759.09, 531.36, 797.05])
    """
    if not (isinstance(years, int) and not isinstance(years, bool) and 1 <= years <= 50):
        raise InvalidInput(f"years must be a whole number from 1 to 50, got {fmt_value(years)}")
    if not (isinstance(first_year, int) and not isinstance(first_year, bool) and 1900 <= first_year <= 2200):
        raise InvalidInput(f"first_year must be a year from 1900 to 2200, got {fmt_value(first_year)}")
    rows = {k: [] for k in ("year", "daily_tokens_yi", "cards_needed_wan", "cards_installed_wan", "capex_yi",
                            "cumulative_capex_yi")}
    installed = installed_cards_wan
    cumulative = 0.0
    for k in range(1, years + 1):
        tokens = year_daily_tokens_yi(start_daily_tokens_yi, token_growth, float(k))
        needed = year_cards_wan(start_cards_wan, token_growth, float(k))
        capex = yearly_capex_yi(needed, installed, server_price_wan, cards_per_server, life_years)
        installed = cards_installed_wan(needed, installed)
        cumulative = capex if k == 1 else cumulative_capex_yi(cumulative, capex)
        for key, value in (("year", f"{first_year + k - 1}E"), ("daily_tokens_yi", tokens),
                           ("cards_needed_wan", needed), ("cards_installed_wan", installed), ("capex_yi", capex),
                           ("cumulative_capex_yi", cumulative)):
            rows[key].append(value)
    rows["depreciation_yi"] = straight_line_depreciation_yi(rows["capex_yi"], depreciation_years)
    return rows


# --- checks: 1 when the check holds, else 0 (a spreadsheet's TRUE/FALSE) ----------------------


def _flag(condition):
    return _num.where(condition, 1.0, 0.0)


@checked(server_share=ANY, networking_share=ANY, facility_share=ANY)
def shares_ok(server_share, networking_share, facility_share):
    """Shares check = 1 when each capex share is in (0, 1] and servers + networking + facility ≤ 1 (+1e-9 for rounding), else 0.

    >>> shares_ok(0.45, 0.13, 0.42), shares_ok(0.6, 0.3, 0.2), shares_ok(0.0, 0.13, 0.42)
    (1.0, 0.0, 0.0)
    """
    each = ((server_share > 0) & (server_share <= 1) & (networking_share > 0) & (networking_share <= 1)
            & (facility_share > 0) & (facility_share <= 1))
    return _flag(each & (server_share + networking_share + facility_share <= 1.0 + CHECK_TOLERANCE))


@checked(value=ANY)
def fraction_ok(value):
    """Fraction check = 1 when 0 < value ≤ 1 (a share or a utilization), else 0.

    >>> fraction_ok(0.5), fraction_ok(1.2), fraction_ok(0.0)
    (1.0, 0.0, 0.0)
    """
    return _flag((value > 0) & (value <= 1))


@checked(cards_installed_wan=ANY, cards_needed_wan=ANY)
def installed_covers_needed(cards_installed_wan, cards_needed_wan):
    """Cards check = 1 when cards installed (万张) ≥ cards needed (万张), up to a relative 1e-9 for rounding, else 0.

    >>> installed_covers_needed(72.3, 72.3), installed_covers_needed(43.4, 72.3)
    (1.0, 0.0)
    """
    slack = CHECK_TOLERANCE * _num.maximum(1.0, abs(cards_needed_wan))
    return _flag(cards_installed_wan >= cards_needed_wan - slack)


@checked(per_day_wan=ANY, per_year_yi=ANY)
def same_period_ok(per_day_wan, per_year_yi):
    """Period check = 1 when a yearly figure (亿元) = its daily figure (万元) × 365 ÷ 1e4 (within 1e-9), else 0: like with like.

    >>> same_period_ok(100, 3.65), same_period_ok(100, 365)
    (1.0, 0.0)
    """
    expected = per_day_wan * DAYS_PER_YEAR / WAN
    return _flag(abs(per_year_yi - expected) <= CHECK_TOLERANCE * _num.maximum(1.0, abs(expected)))


def master_check(*checks):
    """Master check = 1 when every check is 1 (the sheet's AND of its named checks), else 0.

    >>> master_check(1.0, 1.0, 1.0), master_check(1.0, 0.0)
    (1.0, 0.0)
    """
    if not checks:
        raise InvalidInput("master_check needs at least one check, got none")
    values = [as_array(f"check {i + 1}", c, ANY) for i, c in enumerate(checks)]
    import numpy as np

    out = np.ones(np.broadcast_shapes(*(v.shape for v in values)))
    for v in values:
        out = out * (v == 1.0)
    return float(out) if out.ndim == 0 else out

