"""Excel functions of the economics: server price from its parts, energy, cost, revenue, margin, capex by year.

One-line shells over :mod:`xlsizing.economics`, built with :func:`xlsizing.udfs_core.cells` (ranges
spill, bad elements show a message, empty optional cells take the default), with the arguments of
the model functions in the same order (the Economics sheet writes ``IFERROR(TOKEN_REVENUE(…),
<native>)``).  :mod:`xlsizing.udfs` imports every name of ``__all__``, so the add-in's *Import
Functions* registers them with the others.

>>> round(ENERGY_PER_QUERY(1000, 500, 989, 0.1, 1275, 0.7, 1.2), 3)      # Epoch AI: GPT-4o ≈ 0.3 Wh
0.301
>>> f"{COST_PROFIT_MARGIN(562027, 87072):.0%}", PAYBACK_YEARS(100, 5, 8)
('545%', 'no payback: revenue 5 亿元 per year does not exceed the cash cost 8 亿元 per year')
"""

from __future__ import annotations

from . import economics as ec
from .udfs_core import cells, udf

# Help texts shared by several functions (Excel cuts each at 255 characters).
H = {
    "cards_per_server": "Cards per server, at least 1. Default 8.",
    "card_share": "Cards' share of the server's value, in (0, 1]. Default 0.8 (Figure 11: 8 × 8.4万元 ÷ 84万元).",
    "server_capex": "Server capex in 亿元 (1e8 CNY), e.g. 759.09 (Figure 11, 保守).",
    "dc_capex": "Data-centre capex in 亿元 (1e8 CNY); DATACENTER_CAPEX.",
    "active_params": "Active parameters per token in 亿 (1e8), e.g. 1000 = 100B (Epoch AI's GPT-4o).",
    "tokens_per_query": "Tokens per query, e.g. 500 (Epoch AI's typical ChatGPT answer).",
    "peak_tflops": "Dense peak of one card in TFLOPS (1e12 FLOP/s), e.g. 989 (H100 BF16), 148 (H20).",
    "utilization": "FLOP utilization of the peak, in (0, 1], e.g. 0.1 (Epoch AI) or 0.5 (the report's MFU).",
    "card_power_w": "All-in watts per card incl. its server share, e.g. 1275 (H100, Epoch AI); CARD_POWER_W.",
    "load_factor": "Average power as a share of peak, in (0, 1]. Default 0.7 (Epoch AI).",
    "pue": "Power usage effectiveness, at least 1. Default 1.25 (Epoch AI uses 1.2-1.3).",
    "daily_tokens": "Daily tokens in 亿 (1e8) tokens, e.g. 40000 (Doubao, December 2024).",
    "capex": "Capex in 亿元 (1e8 CNY).",
    "electricity": "Electricity cost per year in 亿元; ELECTRICITY_COST.",
    "opex_share": "Other opex per year as a share of capex, in [0, 1]. Default 0.03 (assumption).",
    "depreciation_years": "Depreciation years, > 0. Default 5 (servers: Amazon 5, Meta 5.5, Microsoft 6).",
    "fx_cny": "元 per unit of the price currency: 1 for 元 prices, 7.1726 for USD (CFETS parity 2025-02-25).",
    "input_share": "Share of tokens that are input tokens, in [0, 1], e.g. 0.7835 (DeepSeek: 608B of 776B).",
    "cache_hit_rate": "Share of input tokens that hit the KV cache, in [0, 1], e.g. 0.563 (DeepSeek's day).",
    "price_hit": "Price per 1M input tokens on a cache hit, as the source prints it, e.g. 0.14 (USD, DeepSeek-R1).",
    "price_miss": "Price per 1M input tokens on a cache miss, as printed, e.g. 0.55 (USD, DeepSeek-R1).",
    "price_output": "Price per 1M output tokens, as printed, e.g. 2.19 (USD, DeepSeek-R1).",
    "revenue_year": "Revenue per year in 亿元 (or any currency and period, the same as the cost).",
    "cost_year": "Cost per year in 亿元 (or any currency and period, the same as the revenue).",
    "growth": "Yearly growth of daily tokens, > -1, e.g. 0.5 = +50% a year.",
    "year_index": "Year of the schedule, 1 = the first year (2025E), at least 1.",
    "life_years": "Replacement life of a server in years. Default 5.",
}


# --- server price from its parts; capex split ----------------------------------------------------


@udf(ec.server_price_wan, card_price="Price of one card in 万元 (10,000 CNY), e.g. 8.4 (the report's H20).",
     cards_per_server=H["cards_per_server"], card_share=H["card_share"])
def SERVER_PRICE(card_price, cards_per_server=8.0, card_share=ec.CARD_SHARE):
    """Server price (万元) = card price (万元) × cards per server ÷ the cards' share of the server's value.

    >>> SERVER_PRICE(8.4, 8, 0.8)
    84.0
    """
    return cells(ec.server_price_wan, card_price=card_price, cards_per_server=cards_per_server, card_share=card_share)


@udf(ec.card_share_of_server, card_price="Price of one card in 万元, e.g. 8.4.",
     cards_per_server="Cards per server, at least 1, e.g. 8.", server_price="Price of one server in 万元, e.g. 84.")
def CARD_SHARE(card_price, cards_per_server, server_price):
    """Cards' share of the server's value = card price (万元) × cards per server ÷ server price (万元).

    >>> round(CARD_SHARE(8.4, 8, 84), 12)
    0.8
    """
    return cells(ec.card_share_of_server, card_price=card_price, cards_per_server=cards_per_server,
                 server_price=server_price)


@udf(ec.datacenter_capex_yi, server_capex=H["server_capex"],
     server_share="Servers' share of the data-centre capex, in (0, 1]. Default 0.446 (Bernstein 2025-10: 3.4/5.9 "
                  "− 0.13).")
def DATACENTER_CAPEX(server_capex, server_share=ec.SERVER_SHARE):
    """Data-centre capex (亿元) = server capex (亿元) ÷ servers' share of the total capex.

    >>> DATACENTER_CAPEX(60, 0.6)
    100.0
    """
    return cells(ec.datacenter_capex_yi, server_capex=server_capex, server_share=server_share)


@udf(ec.capex_part_yi, datacenter_capex=H["dc_capex"],
     share="Share of the part, in [0, 1], e.g. 0.13 networking, 0.424 facility (Bernstein 2025-10).")
def CAPEX_PART(datacenter_capex, share):
    """Part of the data-centre capex (亿元) = total capex (亿元) × its share (networking, facility, servers).

    >>> CAPEX_PART(100, 0.13)
    13.0
    """
    return cells(ec.capex_part_yi, datacenter_capex=datacenter_capex, share=share)


# --- energy ---------------------------------------------------------------------------------------


@udf(ec.energy_wh_per_query, active_params=H["active_params"], tokens_per_query=H["tokens_per_query"],
     peak_tflops=H["peak_tflops"], utilization=H["utilization"], card_power_w=H["card_power_w"],
     load_factor=H["load_factor"], pue=H["pue"])
def ENERGY_PER_QUERY(active_params, tokens_per_query, peak_tflops, utilization, card_power_w,
                     load_factor=ec.LOAD_FACTOR, pue=ec.PUE):
    """Energy per query (Wh) = 2 × active params × tokens ÷ (peak × utilization) × card W × load factor × PUE ÷ 3,600.

    >>> round(ENERGY_PER_QUERY(1000, 500, 989, 0.1, 1275, 0.7, 1.2), 3)
    0.301
    """
    return cells(ec.energy_wh_per_query, active_params=active_params, tokens_per_query=tokens_per_query,
                 peak_tflops=peak_tflops, utilization=utilization, card_power_w=card_power_w,
                 load_factor=load_factor, pue=pue)


@udf(ec.energy_wh_per_mtok, active_params=H["active_params"], peak_tflops=H["peak_tflops"],
     utilization=H["utilization"], card_power_w=H["card_power_w"], load_factor=H["load_factor"], pue=H["pue"])
def ENERGY_PER_MTOK(active_params, peak_tflops, utilization, card_power_w, load_factor=ec.LOAD_FACTOR, pue=ec.PUE):
    """Energy per 1M tokens (Wh) = ENERGY_PER_QUERY for 1,000,000 tokens; Epoch AI's GPT-4o ≈ 602 Wh.

    >>> round(ENERGY_PER_MTOK(1000, 989, 0.1, 1275, 0.7, 1.2), 1)
    601.6
    """
    return cells(ec.energy_wh_per_mtok, active_params=active_params, peak_tflops=peak_tflops, utilization=utilization,
                 card_power_w=card_power_w, load_factor=load_factor, pue=pue)


@udf(ec.token_energy_gwh_per_year, energy_wh_per_mtok="Energy per 1M tokens in Wh; ENERGY_PER_MTOK.",
     daily_tokens=H["daily_tokens"])
def TOKEN_ENERGY_GWH(energy_wh_per_mtok, daily_tokens):
    """Energy per year (GWh) of the tokens served = Wh per 1M tokens × daily tokens (亿) × 100 × 365 ÷ 1e9.

    >>> round(TOKEN_ENERGY_GWH(601.6, 40000), 1)
    878.3
    """
    return cells(ec.token_energy_gwh_per_year, energy_wh_per_mtok=energy_wh_per_mtok, daily_tokens=daily_tokens)


# --- cost -----------------------------------------------------------------------------------------


@udf(ec.owned_cost_yi_per_year, capex=H["capex"], depreciation_years=H["depreciation_years"],
     electricity=H["electricity"] + " Default 0.", opex_share=H["opex_share"])
def OWNED_COST(capex, depreciation_years=ec.DEPRECIATION_YEARS, electricity=0.0, opex_share=ec.OPEX_SHARE):
    """Cost of an owned fleet per year (亿元) = capex ÷ depreciation years + electricity + other opex share × capex.

    >>> OWNED_COST(100, 5, 3, 0.03)
    26.0
    """
    return cells(ec.owned_cost_yi_per_year, capex=capex, depreciation_years=depreciation_years,
                 electricity=electricity, opex_share=opex_share)


@udf(ec.rented_cost_wan_per_day, cards="Cards rented in 万张 (10,000 cards), e.g. 0.1814 (DeepSeek's 1,814 H800).",
     card_hour_price="Rental price per card-hour, as the source prints it, e.g. 2 (USD, DeepSeek's H800).",
     fx_cny=H["fx_cny"] + " Default 1.", hours_per_day="Rented hours per day, in (0, 24]. Default 24.")
def RENTED_COST(cards, card_hour_price, fx_cny=1.0, hours_per_day=24.0):
    """Cost of a rented fleet per day (万元) = cards (万张) × price per card-hour × fx (元 per price unit) × hours.

    >>> round(RENTED_COST(0.1814, 2.0) * 1e4)
    87072
    """
    return cells(ec.rented_cost_wan_per_day, cards=cards, card_hour_price=card_hour_price, fx_cny=fx_cny,
                 hours_per_day=hours_per_day)


@udf(ec.yearly_yi_from_daily_wan, per_day="An amount per day in 万元 (10,000 CNY).")
def PER_YEAR(per_day):
    """Per year (亿元) = per day (万元) × 365 ÷ 1e4.

    >>> PER_YEAR(100)
    3.65
    """
    return cells(ec.yearly_yi_from_daily_wan, per_day=per_day)


@udf(ec.daily_wan_from_yearly_yi, per_year="An amount per year in 亿元 (1e8 CNY).")
def PER_DAY(per_year):
    """Per day (万元) = per year (亿元) × 1e4 ÷ 365.

    >>> PER_DAY(3.65)
    100.0
    """
    return cells(ec.daily_wan_from_yearly_yi, per_year=per_year)


@udf(ec.yearly_cost_per_mtok_yuan, cost_year="Cost per year in 亿元; OWNED_COST, or PER_YEAR(RENTED_COST(…)).",
     daily_tokens=H["daily_tokens"])
def COST_PER_MTOK_YEARLY(cost_year, daily_tokens):
    """Cost per 1M tokens (元) = cost per year (亿元) × 1e8 ÷ (daily tokens (亿) × 1e8 × 365 ÷ 1e6).

    >>> COST_PER_MTOK_YEARLY(14.6, 40000)
    1.0
    """
    return cells(ec.yearly_cost_per_mtok_yuan, cost_year=cost_year, daily_tokens=daily_tokens)


@udf(ec.cash_cost_yi_per_year, capex=H["capex"], electricity=H["electricity"], opex_share=H["opex_share"])
def CASH_COST(capex, electricity, opex_share=ec.OPEX_SHARE):
    """Cash cost per year (亿元) = electricity (亿元) + other opex share × capex (亿元): owned cost without depreciation.

    >>> CASH_COST(100, 3, 0.03)
    6.0
    """
    return cells(ec.cash_cost_yi_per_year, capex=capex, electricity=electricity, opex_share=opex_share)


# --- revenue and margin ---------------------------------------------------------------------------


@udf(ec.blended_price_per_mtok, input_share=H["input_share"], cache_hit_rate=H["cache_hit_rate"],
     price_hit=H["price_hit"], price_miss=H["price_miss"], price_output=H["price_output"])
def BLENDED_PRICE(input_share, cache_hit_rate, price_hit, price_miss, price_output):
    """Average price per 1M tokens = input share × (hit rate × hit price + (1 − hit rate) × miss price) + output share × output price.

    >>> round(BLENDED_PRICE(608 / 776, 0.563, 0.14, 0.55, 2.19), 4)
    0.7242
    """
    return cells(ec.blended_price_per_mtok, input_share=input_share, cache_hit_rate=cache_hit_rate,
                 price_hit=price_hit, price_miss=price_miss, price_output=price_output)


@udf(ec.revenue_wan_per_day, daily_tokens=H["daily_tokens"], input_share=H["input_share"],
     cache_hit_rate=H["cache_hit_rate"], price_hit=H["price_hit"], price_miss=H["price_miss"],
     price_output=H["price_output"], fx_cny=H["fx_cny"] + " Default 1.",
     revenue_utilization="Share of tokens billed at the list prices, in (0, 1]. Default 1 (every token).")
def TOKEN_REVENUE(daily_tokens, input_share, cache_hit_rate, price_hit, price_miss, price_output, fx_cny=1.0,
                  revenue_utilization=1.0):
    """Token revenue per day (万元) = daily tokens (亿) × 100 × BLENDED_PRICE × fx × revenue utilization ÷ 1e4.

    >>> round(TOKEN_REVENUE(7760, 608 / 776, 0.563, 0.14, 0.55, 2.19) * 1e4)
    561975
    """
    return cells(ec.revenue_wan_per_day, daily_tokens=daily_tokens, input_share=input_share,
                 cache_hit_rate=cache_hit_rate, price_hit=price_hit, price_miss=price_miss,
                 price_output=price_output, fx_cny=fx_cny, revenue_utilization=revenue_utilization)


@udf(ec.gross_margin, revenue=H["revenue_year"], cost=H["cost_year"])
def GROSS_MARGIN(revenue, cost):
    """Gross margin = (revenue − cost) ÷ revenue, both in the same currency and period.

    >>> round(GROSS_MARGIN(562027, 87072), 4)
    0.8451
    """
    return cells(ec.gross_margin, revenue=revenue, cost=cost)


@udf(ec.cost_profit_margin, revenue=H["revenue_year"], cost=H["cost_year"])
def COST_PROFIT_MARGIN(revenue, cost):
    """Cost-profit margin = (revenue − cost) ÷ cost, same currency and period: DeepSeek's 545% form.

    >>> f"{COST_PROFIT_MARGIN(562027, 87072):.0%}"
    '545%'
    """
    return cells(ec.cost_profit_margin, revenue=revenue, cost=cost)


@udf(ec.payback_years, capex=H["capex"], revenue="Revenue per year in 亿元.",
     cash_cost="Cash cost per year in 亿元 (power + other opex, no depreciation); CASH_COST.")
def PAYBACK_YEARS(capex, revenue, cash_cost):
    """Payback (years) = capex (亿元) ÷ (revenue − cash cost) per year (亿元); says so when it never pays back.

    >>> PAYBACK_YEARS(100, 30, 5)
    4.0
    """
    return cells(ec.payback_years, capex=capex, revenue=revenue, cash_cost=cash_cost)


# --- capex by year --------------------------------------------------------------------------------


@udf(ec.year_daily_tokens_yi, start_daily_tokens="Daily tokens in the first year in 亿 (1e8) tokens.",
     growth=H["growth"], year_index=H["year_index"])
def YEAR_TOKENS(start_daily_tokens, growth, year_index):
    """Daily tokens (亿) in year k = starting daily tokens (亿) × (1 + yearly growth)^(k − 1).

    >>> YEAR_TOKENS(100, 0.5, 3)
    225.0
    """
    return cells(ec.year_daily_tokens_yi, start_daily_tokens=start_daily_tokens, growth=growth, year_index=year_index)


@udf(ec.cards_at_peak_wan, cards="Cards in 万张 (10,000 cards), sized for base_peak_multiplier.",
     peak_multiplier="The peak multiplier to size for, at least 1, e.g. 5.",
     base_peak_multiplier="The peak multiplier the cards were sized for, at least 1, e.g. 4 (Figure 11).")
def CARDS_AT_PEAK(cards, peak_multiplier, base_peak_multiplier):
    """Cards (万张) at another peak multiplier = cards (万张) × peak multiplier ÷ the peak multiplier they were sized for.

    >>> CARDS_AT_PEAK(72, 5, 4)
    90.0
    """
    return cells(ec.cards_at_peak_wan, cards=cards, peak_multiplier=peak_multiplier,
                 base_peak_multiplier=base_peak_multiplier)


@udf(ec.year_cards_wan, start_cards="Cards needed in the first year in 万张 (10,000 cards).", growth=H["growth"],
     year_index=H["year_index"])
def YEAR_CARDS(start_cards, growth, year_index):
    """Cards needed (万张) in year k = first year's cards (万张) × (1 + yearly token growth)^(k − 1).

    >>> YEAR_CARDS(72, 0.5, 2)
    108.0
    """
    return cells(ec.year_cards_wan, start_cards=start_cards, growth=growth, year_index=year_index)


@udf(ec.cards_installed_wan, cards_needed="Cards needed this year in 万张.",
     installed_before="Cards installed at the end of the year before in 万张, 0 or more.")
def CARDS_INSTALLED(cards_needed, installed_before):
    """Cards installed (万张) at the end of a year = MAX(cards needed, cards installed before).

    >>> CARDS_INSTALLED(72.3, 43.4)
    72.3
    """
    return cells(ec.cards_installed_wan, cards_needed=cards_needed, installed_before=installed_before)


@udf(ec.depreciation_share, capex="Capex of one year in 亿元.", depreciation_years=H["depreciation_years"],
     age_years="Years since that capex was spent: 0 in its own year.")
def DEPRECIATION(capex, depreciation_years, age_years):
    """Straight-line depreciation (亿元) this year of capex bought age_years before = capex × MAX(0, MIN(1, D − age)) ÷ D.

    >>> DEPRECIATION(110, 5.5, 5)
    10.0
    """
    return cells(ec.depreciation_share, capex=capex, depreciation_years=depreciation_years, age_years=age_years)


__all__ = ["SERVER_PRICE", "CARD_SHARE", "DATACENTER_CAPEX", "CAPEX_PART", "ENERGY_PER_QUERY", "ENERGY_PER_MTOK",
           "TOKEN_ENERGY_GWH", "OWNED_COST", "RENTED_COST", "PER_YEAR", "PER_DAY", "COST_PER_MTOK_YEARLY",
           "CASH_COST", "BLENDED_PRICE", "TOKEN_REVENUE", "GROSS_MARGIN", "COST_PROFIT_MARGIN", "PAYBACK_YEARS",
           "YEAR_TOKENS", "CARDS_AT_PEAK", "YEAR_CARDS", "CARDS_INSTALLED", "DEPRECIATION"]
