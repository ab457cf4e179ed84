"""The rows of the "Economics / 经济性" sheet, defined once: server price from its parts, energy, cost, revenue, margin, capex by year.

Each computed row names the :mod:`xlsizing.economics` function that computes it and the native
formula with the same ``{key}`` placeholders.  Where a model function's parameter is a quantity
this sheet keeps under another key (the fleet's cards are ``econ_cards_wan``, its server capex
``econ_server_capex_yi``), the row calls the same function with that parameter renamed
(:func:`alias`), so there is still one definition of every formula.

The fleet priced here follows the other sheets: its cards and daily tokens are **linked inputs**
(Figure 11's ``cards_wan`` and ``daily_tokens_yi`` unless a scenario sets them, e.g. to the Beyond
sheet's bandwidth-aware cards), the utilization of the energy estimate follows Figure 11's MFU,
and the rows read Figure 11's card and server prices and Beyond's all-in watts per card, PUE,
load factor, electricity price, input share, cache-hit rate, replacement life and installed
cards.  The capex-by-year schedule has one row per year (:data:`YEARS` from :data:`FIRST_YEAR`,
default 2025E-2027E) and a native chart; the checks block ends with a master check that
``xlsizing verify`` reports when it is FALSE.  Every default and its source: docs/economics.md.

>>> from xlsizing.sheets import evaluate_column
>>> v = evaluate_column({"mau_wan": 10000, "peak_multiplier": 4})
>>> round(v["capex_y1_yi"], 2), round(v["owned_cost_per_mtok_yuan"], 3), v["master_check"]
(759.09, 8.005, 1.0)
"""

from __future__ import annotations

import inspect
from typing import Callable

from .. import _num, beyond
from .. import economics as ec
from .._args import AT_LEAST_ONE, FRACTION, NONNEGATIVE, POSITIVE, checked
from ..units import DAYS_PER_YEAR_XL, HOURS_PER_YEAR_XL, KILO_XL, MEGA_XL, SECONDS_PER_HOUR_XL, TERA_XL, WAN_XL, YI_XL
from .base import Row, Sheet, row_in

YEARS = ec.SCHEDULE_YEARS  # columns of the schedule: 2025E, 2026E, 2027E
FIRST_YEAR = ec.FIRST_YEAR
CHECK_FMT = '"TRUE";"TRUE";"FALSE"'  # 1 shows TRUE, 0 FALSE: a number the engines compare, a word people read
TOL_XL = "1E-9"  # ec.CHECK_TOLERANCE


def alias(fn: Callable, name: str, rename: dict[str, str] | None = None, fixed: dict[str, float] | None = None,
          doc: str | None = None) -> Callable:
    """``fn`` with parameters renamed (``rename``: fn's name → row key) and some fixed (``fixed``): the same kernel.

    The result is a checked function whose parameter names are the keys of the rows it reads, in
    ``fn``'s order; its rules are ``fn``'s.

    >>> f = alias(ec.capex_part_yi, "networking_capex_yi", {"share": "networking_share"})
    >>> list(inspect.signature(f).parameters), f(100, 0.13)
    (['datacenter_capex_yi', 'networking_share'], 13.0)
    """
    rename, fixed = rename or {}, fixed or {}
    params = [p for p in inspect.signature(fn).parameters]
    new = [rename.get(p, p) for p in params if p not in fixed]
    kernel_of = fn.kernel

    def kernel(*args):
        given = iter(args)
        return kernel_of(*(fixed[p] if p in fixed else next(given) for p in params))

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = doc or fn.__doc__
    kernel.__signature__ = inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                              for n in new])
    rules = {rename.get(p, p): fn.rules[p] for p in params if p not in fixed}
    return checked(**rules)(kernel)


def _combined(name: str, rules: dict, combine: Callable, doc: str) -> Callable:
    """A checked function of the rows ``rules`` names (each with its rule) computing ``combine(*values)``."""

    def kernel(*args):
        return combine(*args)

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = doc
    kernel.__signature__ = inspect.Signature([inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                              for k in rules])
    return checked(**rules)(kernel)


def year_label(k: int) -> str:
    """The label of schedule year ``k`` (1-based): ``2025E`` for the first."""
    return f"{FIRST_YEAR + k - 1}E"


FLEET, SERVER, ENERGY, COST, REVENUE, CHECKS = "fleet", "server", "energy", "cost", "revenue", "checks"
S_TOKENS, S_NEEDED, S_INSTALLED, S_CAPEX, S_CUMULATIVE, S_DEPRECIATION = (
    "s_tokens", "s_needed", "s_installed", "s_capex", "s_cumulative", "s_depreciation")
SECTION_TITLES = {
    FLEET: ("规模（链接图11）", "The fleet priced (linked to Figure 11 unless set)"),
    SERVER: ("服务器价格拆分与资本开支结构", "Server price from its parts; data-centre capex split"),
    ENERGY: ("能耗：每次查询、每百万token、全年", "Energy per query, per 1M tokens and per year"),
    COST: ("成本：自有（折旧+电费+其他）与租赁", "Cost: owned (depreciation + power + other opex) or rented"),
    REVENUE: ("收入、毛利率、成本利润率、回收期", "Revenue, gross margin, cost-profit margin, payback"),
    S_TOKENS: ("分年：日均token", "Capex by year: daily tokens"),
    S_NEEDED: ("分年：所需卡数", "Capex by year: cards needed"),
    S_INSTALLED: ("分年：在网卡数", "Capex by year: cards installed (year end)"),
    S_CAPEX: ("分年：增量资本开支（新增+更换）", "Capex by year: incremental capex (new + replacement)"),
    S_CUMULATIVE: ("分年：累计资本开支", "Capex by year: cumulative capex"),
    S_DEPRECIATION: ("分年：折旧（直线法）", "Capex by year: depreciation (straight line)"),
    CHECKS: ("校验", "Checks (TRUE = holds)"),
}


def _schedule_rows(years: int) -> list[Row]:
    rows = []
    for k in range(1, years + 1):
        y = year_label(k)
        rows.append(Row(f"tokens_y{k}_yi", y, f"Daily tokens {y}", "亿", "#,##0", S_TOKENS,
                        fn=alias(ec.year_daily_tokens_yi, f"tokens_y{k}_yi",
                                 {"start_daily_tokens_yi": "econ_daily_tokens_yi"}, {"year_index": float(k)}),
                        native=f"{{econ_daily_tokens_yi}}*(1+{{token_growth}})^{k - 1}"))
    rows.append(Row("schedule_start_cards_wan", "首年所需卡数", "Cards needed in the first year, at the schedule's peak "
                    "multiplier", "万张", "#,##0.00", S_NEEDED,
                    fn=alias(ec.cards_at_peak_wan, "schedule_start_cards_wan",
                             {"cards_wan": "econ_cards_wan", "peak_multiplier": "schedule_peak_multiplier",
                              "base_peak_multiplier": "peak_multiplier"}),
                    native="{econ_cards_wan}*{schedule_peak_multiplier}/{peak_multiplier}"))
    for k in range(1, years + 1):
        y = year_label(k)
        rows.append(Row(f"cards_needed_y{k}_wan", y, f"Cards needed {y}", "万张", "#,##0.00", S_NEEDED,
                        fn=alias(ec.year_cards_wan, f"cards_needed_y{k}_wan",
                                 {"start_cards_wan": "schedule_start_cards_wan"}, {"year_index": float(k)}),
                        native=f"{{schedule_start_cards_wan}}*(1+{{token_growth}})^{k - 1}"))
    for k in range(1, years + 1):
        y = year_label(k)
        before = "installed_cards_wan" if k == 1 else f"cards_installed_y{k - 1}_wan"
        rows.append(Row(f"cards_installed_y{k}_wan", y, f"Cards installed at the end of {y}", "万张", "#,##0.00",
                        S_INSTALLED,
                        fn=alias(ec.cards_installed_wan, f"cards_installed_y{k}_wan",
                                 {"cards_needed_wan": f"cards_needed_y{k}_wan", "installed_before_wan": before}),
                        native=f"MAX({{cards_needed_y{k}_wan}},{{{before}}})"))
    for k in range(1, years + 1):
        y = year_label(k)
        before = "installed_cards_wan" if k == 1 else f"cards_installed_y{k - 1}_wan"
        rows.append(Row(f"capex_y{k}_yi", y, f"Capex {y} (new + replacement)", "亿元", "#,##0.00", S_CAPEX,
                        fn=alias(ec.yearly_capex_yi, f"capex_y{k}_yi",
                                 {"fleet_cards_wan": f"cards_needed_y{k}_wan", "installed_cards_wan": before}),
                        native=f"(MAX({{cards_needed_y{k}_wan}}-{{{before}}},0)+{{{before}}}/{{life_years}})"
                               "*{server_price_wan}/{cards_per_server}",
                        # new cards = needed − installed: a difference, compared at the size of its terms
                        scale=lambda v, n=f"cards_needed_y{k}_wan", b=before: (
                            (abs(v[n]) + abs(v[b])) * v["server_price_wan"] / v["cards_per_server"])))
    for k in range(1, years + 1):
        y = year_label(k)
        if k == 1:
            fn = alias(ec.cumulative_capex_yi, "cumulative_capex_y1_yi", {"capex_yi": "capex_y1_yi"},
                       {"cumulative_before_yi": 0.0})
            native = "{capex_y1_yi}"
        else:
            fn = alias(ec.cumulative_capex_yi, f"cumulative_capex_y{k}_yi",
                       {"cumulative_before_yi": f"cumulative_capex_y{k - 1}_yi", "capex_yi": f"capex_y{k}_yi"})
            native = f"{{cumulative_capex_y{k - 1}_yi}}+{{capex_y{k}_yi}}"
        rows.append(Row(f"cumulative_capex_y{k}_yi", y, f"Cumulative capex to {y}", "亿元", "#,##0.00", S_CUMULATIVE,
                        fn=fn, native=native))
    for k in range(1, years + 1):
        y = year_label(k)
        keys = [f"capex_y{j}_yi" for j in range(1, k + 1)]

        def dep(*args, _k=k):
            *capex, d = args
            total = 0.0
            for j, c in enumerate(capex, start=1):
                total = total + ec.depreciation_share.kernel(c, d, float(_k - j))
            return total

        doc = (f"Depreciation in {y} (亿元) = Σ over years j ≤ {k} of capex_j × MAX(0, MIN(1, D − ({k} − j))) ÷ D "
               "(straight line over D depreciation years).")
        rules = {key: ec.depreciation_share.rules["capex_yi"] for key in keys}
        rules["depreciation_years"] = ec.depreciation_share.rules["depreciation_years"]
        fn = _combined(f"depreciation_y{k}_yi", rules, dep, doc)
        native = "+".join(f"{{capex_y{j}_yi}}*MAX(0,MIN(1,{{depreciation_years}}-{k - j}))/{{depreciation_years}}"
                          for j in range(1, k + 1))
        rows.append(Row(f"depreciation_y{k}_yi", y, f"Depreciation {y}", "亿元", "#,##0.00", S_DEPRECIATION,
                        fn=fn, native=native))
    return rows


def _check_rows(years: int) -> list[Row]:
    fr = ec.fraction_ok
    rows = [
        Row("check_shares", "资本开支占比", "Capex shares each in (0, 1], summing to at most 1", "", CHECK_FMT, CHECKS,
            fn=ec.shares_ok,
            native=("IF(AND({server_share}>0,{server_share}<=1,{networking_share}>0,{networking_share}<=1,"
                    "{facility_share}>0,{facility_share}<=1,"
                    f"{{server_share}}+{{networking_share}}+{{facility_share}}<=1+{TOL_XL}),1,0)")),
    ]
    for key, zh, en in (("card_share", "卡占服务器价值比例", "Cards' share of the server value in (0, 1]"),
                        ("query_utilization", "查询利用率", "Utilization of the energy estimate ≤ 1"),
                        ("revenue_utilization", "收入利用率", "Revenue utilization ≤ 1")):
        rows.append(Row(f"check_{key}", zh, en, "", CHECK_FMT, CHECKS,
                        fn=alias(fr, f"check_{key}", {"value": key}),
                        native=f"IF(AND({{{key}}}>0,{{{key}}}<=1),1,0)"))
    inst = [(f"cards_installed_y{k}_wan", f"cards_needed_y{k}_wan") for k in range(1, years + 1)]

    def covered(*args):
        out = 1.0
        for i in range(0, len(args), 2):
            out = out * ec.installed_covers_needed.kernel(args[i], args[i + 1])
        return out

    keys = [k for pair in inst for k in pair]
    rows.append(Row("check_installed", "在网卡数≥所需", "Cards installed ≥ cards needed, every year", "", CHECK_FMT,
                    CHECKS,
                    fn=_combined("check_installed", {k: ec.installed_covers_needed.rules["cards_installed_wan"]
                                                     for k in keys}, covered, "Cards check = 1 when, every year, cards installed (万张) ≥ cards needed "
                                          "(万张) up to a relative 1e-9, else 0."),
                    native="IF(AND(" + ",".join(f"{{{i}}}>={{{n}}}-{TOL_XL}*MAX(1,ABS({{{n}}}))" for i, n in inst)
                           + "),1,0)"))
    for key, day, year, zh, en in (
            ("check_revenue_period", "revenue_wan_per_day", "revenue_yi_per_year", "收入同口径",
             "Revenue per year = per day × 365 (same currency and period)"),
            ("check_owned_period", "owned_cost_wan_per_day", "owned_cost_yi_per_year", "自有成本同口径",
             "Owned cost per day = per year ÷ 365 (same currency and period)"),
            ("check_rented_period", "rented_cost_wan_per_day", "rented_cost_yi_per_year", "租赁成本同口径",
             "Rented cost per year = per day × 365 (same currency and period)")):
        expected = f"{{{day}}}*{DAYS_PER_YEAR_XL}/{WAN_XL}"
        rows.append(Row(key, zh, en, "", CHECK_FMT, CHECKS,
                        fn=alias(ec.same_period_ok, key, {"per_day_wan": day, "per_year_yi": year}),
                        native=f"IF(ABS({{{year}}}-{expected})<={TOL_XL}*MAX(1,ABS({expected})),1,0)"))
    checks = [r.key for r in rows]
    rows.append(Row("master_check", "总校验", "Master check: every check above holds", "", CHECK_FMT, CHECKS,
                    fn=_combined("master_check", {c: ec.fraction_ok.rules["value"] for c in checks}, _all_one,
                                 "Master check = 1 when every check of the sheet is 1, else 0."),
                    native="IF(AND(" + ",".join(f"{{{c}}}=1" for c in checks) + "),1,0)"))
    return rows


def _margin_scale(v, cost: str, base: str):
    """(revenue − cost) ÷ base is known to max(|revenue|, |cost|) ÷ |base| × the terms' relative error."""
    return _num.maximum(abs(v["revenue_yi_per_year"]), abs(v[cost])) / abs(v[base])


def _all_one(*flags):
    """1.0 when every flag is 1, else 0.0 (floats or arrays): the master check."""
    out = 1.0
    for f in flags:
        out = out * _num.where(f == 1.0, 1.0, 0.0)
    return out


def rows(years: int = YEARS) -> tuple[Row, ...]:
    """Every row of the sheet, with a capex schedule of ``years`` years from :data:`FIRST_YEAR`."""
    return (
        # --- the fleet priced: linked to Figure 11 ---------------------------------------------
        row_in("econ_cards_wan", "卡数", "Cards of the fleet priced", "万张", "#,##0.00", None, POSITIVE, FLEET,
               "Follows Figure 11's cards unless set (e.g. to the Beyond sheet's bandwidth-aware cards).",
               link="cards_wan"),
        row_in("econ_daily_tokens_yi", "日均token", "Daily tokens served", "亿", "#,##0", None, POSITIVE, FLEET,
               "Follows Figure 11's daily tokens unless set.", link="daily_tokens_yi"),
        Row("econ_server_capex_yi", "服务器资本开支", "Server capex of the fleet", "亿元", "#,##0.00", FLEET,
            fn=alias(beyond.fleet_capex_yi, "econ_server_capex_yi", {"fleet_cards_wan": "econ_cards_wan"}),
            native="{econ_cards_wan}/{cards_per_server}*{server_price_wan}"),
        # --- server price from its parts; capex split -------------------------------------------
        row_in("card_share", "卡占服务器价值比例", "Cards' share of the server's value", "", "0.0%", ec.CARD_SHARE,
               FRACTION, SERVER, "Figure 11: 8 × 8.4万元 ÷ 84万元 = 80%. A scenario may give card_share instead of "
               "server_price_wan: the server price is then card price × cards per server ÷ card_share."),
        Row("server_price_from_parts_wan", "服务器价格（由卡价推算）", "Server price from its parts", "万元", "#,##0.00",
            SERVER, fn=ec.server_price_wan, udf="SERVER_PRICE",
            native="{card_price_wan}*{cards_per_server}/{card_share}"),
        Row("implied_card_share", "隐含卡价值占比", "Cards' share implied by Figure 11's prices", "", "0.0%", SERVER,
            fn=ec.card_share_of_server, native="{card_price_wan}*{cards_per_server}/{server_price_wan}"),
        row_in("server_share", "服务器占数据中心资本开支", "Servers' share of data-centre capex", "", "0.0%",
               ec.SERVER_SHARE, FRACTION, SERVER,
               "Bernstein (2025-10): $3.4M compute of $5.9M per GB200 NVL72 rack, less 13% networking."),
        row_in("networking_share", "网络占比", "Networking share of data-centre capex", "", "0.0%",
               ec.NETWORKING_SHARE, ec.SHARE, SERVER, "Bernstein (2025-10): networking ~13% of the total."),
        row_in("facility_share", "机房设施占比", "Facility share of data-centre capex", "", "0.0%", ec.FACILITY_SHARE,
               ec.SHARE, SERVER, "Bernstein (2025-10): $2.5M physical infrastructure of $5.9M per rack."),
        Row("datacenter_capex_yi", "数据中心资本开支", "Data-centre capex (servers ÷ their share)", "亿元", "#,##0.00",
            SERVER, fn=alias(ec.datacenter_capex_yi, "datacenter_capex_yi", {"server_capex_yi": "econ_server_capex_yi"}),
            udf="DATACENTER_CAPEX", native="{econ_server_capex_yi}/{server_share}"),
        Row("networking_capex_yi", "网络资本开支", "Networking capex", "亿元", "#,##0.00", SERVER,
            fn=alias(ec.capex_part_yi, "networking_capex_yi", {"share": "networking_share"}),
            native="{datacenter_capex_yi}*{networking_share}"),
        Row("facility_capex_yi", "机房设施资本开支", "Facility capex", "亿元", "#,##0.00", SERVER,
            fn=alias(ec.capex_part_yi, "facility_capex_yi", {"share": "facility_share"}),
            native="{datacenter_capex_yi}*{facility_share}"),
        # --- energy -----------------------------------------------------------------------------
        row_in("tokens_per_query", "每次查询token数", "Tokens per query", "tokens", "#,##0", ec.EPOCH_TOKENS_PER_QUERY,
               POSITIVE, ENERGY, "Epoch AI (2025-02): 500 output tokens for a typical GPT-4o query."),
        row_in("query_utilization", "算力利用率（能耗）", "FLOP utilization of the energy estimate", "", "0%", None,
               FRACTION, ENERGY, "Follows Figure 11's MFU unless set; Epoch AI uses 10%.", link="mfu"),
        Row("energy_wh_per_query", "每次查询能耗", "Energy per query", "Wh", "0.000", ENERGY,
            fn=alias(ec.energy_wh_per_query, "energy_wh_per_query", {"utilization": "query_utilization"}),
            udf="ENERGY_PER_QUERY",
            native=f"2*{{active_params_yi}}*{YI_XL}*{{tokens_per_query}}/({{peak_tflops}}*{TERA_XL}"
                   f"*{{query_utilization}})*({{card_power_w}}*{{load_factor}}*{{pue}})/{SECONDS_PER_HOUR_XL}"),
        Row("energy_wh_per_mtok", "每百万token能耗", "Energy per 1M tokens", "Wh", "#,##0.0", ENERGY,
            fn=alias(ec.energy_wh_per_mtok, "energy_wh_per_mtok", {"utilization": "query_utilization"}),
            udf="ENERGY_PER_MTOK",
            native=f"2*{{active_params_yi}}*{YI_XL}*{MEGA_XL}/({{peak_tflops}}*{TERA_XL}"
                   f"*{{query_utilization}})*({{card_power_w}}*{{load_factor}}*{{pue}})/{SECONDS_PER_HOUR_XL}"),
        Row("econ_power_mw", "平均功率", "Average facility power of the fleet", "MW", "#,##0.0", ENERGY,
            fn=alias(ec.fleet_power_mw, "econ_power_mw", {"fleet_cards_wan": "econ_cards_wan"}),
            native=f"{{econ_cards_wan}}*{WAN_XL}*{{card_power_w}}*{{pue}}*{{load_factor}}/{MEGA_XL}"),
        Row("econ_energy_gwh", "年用电量", "Energy per year of the fleet", "GWh", "#,##0", ENERGY,
            fn=alias(ec.energy_gwh_per_year, "econ_energy_gwh", {"fleet_power_mw": "econ_power_mw"}),
            native=f"{{econ_power_mw}}*{HOURS_PER_YEAR_XL}/{KILO_XL}"),
        Row("token_energy_gwh", "年用电量（按token）", "Energy per year of the tokens (per-1M estimate)", "GWh",
            "#,##0", ENERGY,
            fn=alias(ec.token_energy_gwh_per_year, "token_energy_gwh", {"daily_tokens_yi": "econ_daily_tokens_yi"}),
            native=f"{{energy_wh_per_mtok}}*({{econ_daily_tokens_yi}}*{YI_XL}/{MEGA_XL})*{DAYS_PER_YEAR_XL}/1E+9"),
        Row("econ_electricity_yi", "年电费", "Electricity cost per year", "亿元", "#,##0.00", ENERGY,
            fn=alias(ec.electricity_cost_yi, "econ_electricity_yi", {"energy_gwh_per_year": "econ_energy_gwh"}),
            native=f"{{econ_energy_gwh}}*{MEGA_XL}*{{power_price_yuan_kwh}}/{YI_XL}"),
        # --- cost -------------------------------------------------------------------------------
        row_in("depreciation_years", "折旧年限", "Depreciation years", "年", "0.0", ec.DEPRECIATION_YEARS, POSITIVE,
               COST, "Hyperscalers' 10-Ks: servers 5 (Amazon), 5.5 (Meta), 6 (Microsoft, Alphabet) years."),
        row_in("opex_share", "其他运营成本（占资本开支）", "Other opex per year, share of capex", "", "0.0%",
               ec.OPEX_SHARE, ec.SHARE, COST, "Maintenance, support, staff, space (assumption: 3%)."),
        Row("owned_cost_yi_per_year", "自有：年成本", "Owned: cost per year", "亿元", "#,##0.00", COST,
            fn=alias(ec.owned_cost_yi_per_year, "owned_cost_yi_per_year",
                     {"capex_yi": "econ_server_capex_yi", "electricity_cost_yi": "econ_electricity_yi"}),
            udf="OWNED_COST",
            native="{econ_server_capex_yi}/{depreciation_years}+{econ_electricity_yi}+{opex_share}*{econ_server_capex_yi}"),
        Row("owned_cost_wan_per_day", "自有：日成本", "Owned: cost per day", "万元", "#,##0.0", COST,
            fn=alias(ec.daily_wan_from_yearly_yi, "owned_cost_wan_per_day", {"per_year_yi": "owned_cost_yi_per_year"}),
            native=f"{{owned_cost_yi_per_year}}*{WAN_XL}/{DAYS_PER_YEAR_XL}"),
        row_in("card_hour_price", "租赁单价（每卡时）", "Rental price per card-hour (price currency)", "", "0.00",
               ec.H800_HOUR_USD, POSITIVE, COST, "DeepSeek (2025-03-01) assumes $2 per H800-hour; no public H20 "
               "price found."),
        row_in("fx_cny", "汇率（元/价格货币）", "Exchange rate: 元 per unit of the price currency", "元", "0.0000",
               ec.USD_CNY, POSITIVE, COST, "USD→CNY 7.1726: CFETS central parity on 2025-02-25 (Xinhua). 1 when the "
               "prices are in 元."),
        row_in("hours_per_day", "每日租用小时", "Rented hours per day", "h", "0", ec.HOURS_PER_DAY, ec.HOURS_IN_DAY,
               COST, "24 = rented all day."),
        Row("rented_cost_wan_per_day", "租赁：日成本", "Rented: cost per day", "万元", "#,##0.0", COST,
            fn=alias(ec.rented_cost_wan_per_day, "rented_cost_wan_per_day", {"cards_wan": "econ_cards_wan"}),
            udf="RENTED_COST", native="{econ_cards_wan}*{card_hour_price}*{fx_cny}*{hours_per_day}"),
        Row("rented_cost_yi_per_year", "租赁：年成本", "Rented: cost per year", "亿元", "#,##0.00", COST,
            fn=alias(ec.yearly_yi_from_daily_wan, "rented_cost_yi_per_year", {"per_day_wan": "rented_cost_wan_per_day"}),
            native=f"{{rented_cost_wan_per_day}}*{DAYS_PER_YEAR_XL}/{WAN_XL}"),
        Row("owned_cost_per_mtok_yuan", "自有：每百万token成本", "Owned: cost per 1M tokens", "元", "0.000", COST,
            fn=alias(ec.yearly_cost_per_mtok_yuan, "owned_cost_per_mtok_yuan",
                     {"cost_yi_per_year": "owned_cost_yi_per_year", "daily_tokens_yi": "econ_daily_tokens_yi"}),
            udf="COST_PER_MTOK_YEARLY",
            native=f"{{owned_cost_yi_per_year}}*{YI_XL}/({{econ_daily_tokens_yi}}*{YI_XL}*{DAYS_PER_YEAR_XL}/{MEGA_XL})"),
        Row("rented_cost_per_mtok_yuan", "租赁：每百万token成本", "Rented: cost per 1M tokens", "元", "0.000", COST,
            fn=alias(ec.yearly_cost_per_mtok_yuan, "rented_cost_per_mtok_yuan",
                     {"cost_yi_per_year": "rented_cost_yi_per_year", "daily_tokens_yi": "econ_daily_tokens_yi"}),
            native=f"{{rented_cost_yi_per_year}}*{YI_XL}/({{econ_daily_tokens_yi}}*{YI_XL}*{DAYS_PER_YEAR_XL}/{MEGA_XL})"),
        # --- revenue and margin -----------------------------------------------------------------
        row_in("price_hit_per_mtok", "输入价格（缓存命中）", "Price per 1M input tokens, cache hit (price currency)", "",
               "0.00", ec.R1_PRICE_HIT_USD, NONNEGATIVE, REVENUE, "DeepSeek-R1 list price $0.14 (2025-03-01)."),
        row_in("price_miss_per_mtok", "输入价格（缓存未命中）", "Price per 1M input tokens, cache miss (price currency)",
               "", "0.00", ec.R1_PRICE_MISS_USD, POSITIVE, REVENUE, "DeepSeek-R1 list price $0.55 (2025-03-01)."),
        row_in("price_output_per_mtok", "输出价格", "Price per 1M output tokens (price currency)", "", "0.00",
               ec.R1_PRICE_OUTPUT_USD, POSITIVE, REVENUE, "DeepSeek-R1 list price $2.19 (2025-03-01)."),
        row_in("revenue_utilization", "收入利用率", "Revenue utilization: share of tokens billed at list price", "",
               "0%", 1.0, FRACTION, REVENUE, "1 = every token billed (DeepSeek's theoretical revenue). Scales revenue, "
               "not cost."),
        Row("blended_price_per_mtok", "加权平均价格", "Blended price per 1M tokens (price currency)", "", "0.0000",
            REVENUE, fn=ec.blended_price_per_mtok, udf="BLENDED_PRICE",
            native="{input_share}*({cache_hit_rate}*{price_hit_per_mtok}+(1-{cache_hit_rate})*{price_miss_per_mtok})"
                   "+(1-{input_share})*{price_output_per_mtok}"),
        Row("revenue_wan_per_day", "日收入", "Token revenue per day", "万元", "#,##0.0", REVENUE,
            fn=alias(ec.revenue_wan_per_day, "revenue_wan_per_day", {"daily_tokens_yi": "econ_daily_tokens_yi"}),
            udf="TOKEN_REVENUE",
            native=f"{{econ_daily_tokens_yi}}*{YI_XL}/{MEGA_XL}*({{input_share}}*({{cache_hit_rate}}"
                   f"*{{price_hit_per_mtok}}+(1-{{cache_hit_rate}})*{{price_miss_per_mtok}})+(1-{{input_share}})"
                   f"*{{price_output_per_mtok}})*{{fx_cny}}*{{revenue_utilization}}/{WAN_XL}"),
        Row("revenue_yi_per_year", "年收入", "Token revenue per year", "亿元", "#,##0.00", REVENUE,
            fn=alias(ec.yearly_yi_from_daily_wan, "revenue_yi_per_year", {"per_day_wan": "revenue_wan_per_day"}),
            native=f"{{revenue_wan_per_day}}*{DAYS_PER_YEAR_XL}/{WAN_XL}"),
        Row("gross_margin_owned", "毛利率（自有）", "Gross margin, owned: (revenue − cost) ÷ revenue", "", "0.0%",
            REVENUE, fn=alias(ec.gross_margin, "gross_margin_owned", {"cost_yi_per_year": "owned_cost_yi_per_year"}),
            udf="GROSS_MARGIN", native="({revenue_yi_per_year}-{owned_cost_yi_per_year})/{revenue_yi_per_year}",
            scale=lambda v: _margin_scale(v, "owned_cost_yi_per_year", "revenue_yi_per_year")),
        Row("cost_profit_margin_owned", "成本利润率（自有）", "Cost-profit margin, owned: (revenue − cost) ÷ cost", "",
            "0.0%", REVENUE,
            fn=alias(ec.cost_profit_margin, "cost_profit_margin_owned", {"cost_yi_per_year": "owned_cost_yi_per_year"}),
            udf="COST_PROFIT_MARGIN",
            native="({revenue_yi_per_year}-{owned_cost_yi_per_year})/{owned_cost_yi_per_year}",
            scale=lambda v: _margin_scale(v, "owned_cost_yi_per_year", "owned_cost_yi_per_year")),
        Row("gross_margin_rented", "毛利率（租赁）", "Gross margin, rented: (revenue − cost) ÷ revenue", "", "0.0%",
            REVENUE, fn=alias(ec.gross_margin, "gross_margin_rented", {"cost_yi_per_year": "rented_cost_yi_per_year"}),
            native="({revenue_yi_per_year}-{rented_cost_yi_per_year})/{revenue_yi_per_year}",
            scale=lambda v: _margin_scale(v, "rented_cost_yi_per_year", "revenue_yi_per_year")),
        Row("cost_profit_margin_rented", "成本利润率（租赁）", "Cost-profit margin, rented: (revenue − cost) ÷ cost", "",
            "0.0%", REVENUE,
            fn=alias(ec.cost_profit_margin, "cost_profit_margin_rented",
                     {"cost_yi_per_year": "rented_cost_yi_per_year"}),
            native="({revenue_yi_per_year}-{rented_cost_yi_per_year})/{rented_cost_yi_per_year}",
            scale=lambda v: _margin_scale(v, "rented_cost_yi_per_year", "rented_cost_yi_per_year")),
        Row("cash_cost_yi_per_year", "年现金成本（电费+其他）", "Cash cost per year (power + other opex)", "亿元",
            "#,##0.00", REVENUE,
            fn=alias(ec.cash_cost_yi_per_year, "cash_cost_yi_per_year",
                     {"capex_yi": "econ_server_capex_yi", "electricity_cost_yi": "econ_electricity_yi"}),
            native="{econ_electricity_yi}+{opex_share}*{econ_server_capex_yi}"),
        Row("net_cash_yi_per_year", "年净现金流", "Net cash per year (revenue − cash cost)", "亿元", "#,##0.00",
            REVENUE, fn=ec.net_cash_yi_per_year, native="{revenue_yi_per_year}-{cash_cost_yi_per_year}",
            scale=lambda v: _num.maximum(abs(v["revenue_yi_per_year"]), abs(v["cash_cost_yi_per_year"]))),
        Row("payback_years", "回收期（0=无法回收）", "Payback of the server capex (0 = never)", "年", "0.0", REVENUE,
            fn=alias(ec.payback_years_or_zero, "payback_years", {"capex_yi": "econ_server_capex_yi"}),
            native="IF({net_cash_yi_per_year}>0,{econ_server_capex_yi}/{net_cash_yi_per_year},0)"),
        # --- capex by year ----------------------------------------------------------------------
        row_in("token_growth", "token年增速", "Yearly growth of daily tokens", "", "0%", ec.TOKEN_GROWTH, ec.GROWTH,
               S_TOKENS, "Assumption: 50% a year. The first year is Figure 11's scenario; cards grow with tokens."),
        row_in("schedule_peak_multiplier", "分年峰值倍数", "Peak multiplier the schedule sizes cards for", "×", "0.0",
               None, AT_LEAST_ONE, S_TOKENS, "Follows Figure 11's peak multiplier unless set; cards scale with it.",
               link="peak_multiplier"),
        *_schedule_rows(years),
        *_check_rows(years),
    )


TITLE_ZH = "经济性：服务器价格、能耗、成本、收入、利润率与分年资本开支"
TITLE_EN = "Economics: server price from its parts, energy, cost, revenue, margin and capex by year"
SOURCE_LINE = ("Model: xlsizing (docs/economics.md). Energy: Epoch AI, 'How much energy does ChatGPT use?' (2025-02). "
               "Cost, revenue, margin: DeepSeek, 'DeepSeek-V3/R1 Inference System Overview' (2025-03-01). Capex split: "
               "Bernstein (2025-10). USD→CNY: CFETS central parity 2025-02-25.")


def economics_sheet(years: int = YEARS) -> Sheet:
    """The Economics sheet with a capex schedule of ``years`` years (default 2025E-2027E)."""
    if not (isinstance(years, int) and 1 <= years <= 20):
        raise ValueError(f"years must be a whole number from 1 to 20, got {years!r}")
    all_rows = rows(years)
    checks = next(r for r in all_rows if r.key == "master_check").args
    labels = {r.key: r.en for r in all_rows}

    def failing(*flags):
        """The checks that fail in one column ('' when every check holds): what the terminal lists."""
        return "; ".join(f"{labels[k]} ({k})" for k, f in zip(checks, flags) if f != 1)

    return Sheet(
        key="economics",
        title="Economics",
        rows=all_rows,
        prefix="ec_",  # defined names of this sheet: ec_<key>_<column>
        title_zh=TITLE_ZH,
        title_en=TITLE_EN,
        source=SOURCE_LINE,
        section_titles=SECTION_TITLES,
        series_chart=(tuple(f"capex_y{k}_yi" for k in range(1, years + 1)),
                      "分年增量资本开支（亿元）/ Capex by year and scenario (亿元)"),
        master="master_check",
        explain=(failing, *checks),
        explain_title="Master check FALSE (the checks that fail):",
        notes=(("经济性 / Economics",
                "The Economics sheet prices the fleet of the Figure 11 sheet (its cards and daily tokens are green "
                "links unless a scenario sets them): server price from the card price and the cards' share, the "
                "data-centre capex split, energy per query and per 1M tokens (Epoch AI's method), cost owned and "
                "rented, token revenue at list prices with the cache-hit split, gross and cost-profit margins "
                "(DeepSeek's form), payback, and capex by year. The master check is TRUE only when every check "
                "holds; xlsizing verify reports it when FALSE. See docs/economics.md."),),
    )


ECONOMICS = economics_sheet()
