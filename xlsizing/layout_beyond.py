"""The rows of the "Beyond" sheet, defined once: the report's compute-only cards next to bandwidth-aware ones.

Same :class:`xlsizing.layout.Row` as Figure 11: each computed row names the
:mod:`xlsizing.beyond` function that computes it (its parameter names are the keys of the rows it
reads) and the native spreadsheet formula with the same ``{key}`` placeholders; a LibreOffice
recalculation test checks that both agree.  The sheet reads the demand (tokens/s, peak
multiplier, daily tokens), the report's cards and capex and the server assumptions from the
Figure 11 sheet of the same workbook (:data:`READS`), so a change there flows through.  Its own
inputs (:data:`INPUTS`) default to the report's 130B dense model on H20 at BF16 (every default and
its source: docs/beyond.md).

>>> from xlsizing.scenarios import load_builtin
>>> v = evaluate(sheet_inputs(load_builtin("figure11")))
>>> [round(float(x), 2) for x in v["fleet_cards_wan"]]     # bandwidth-aware, H20 BF16
[27.98, 46.63, 69.94, 116.57]
>>> [round(float(x), 2) for x in v["report_cards_wan"]]    # the report, compute-only
[43.38, 72.29, 108.44, 180.74]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping, Sequence

from . import beyond, layout
from ._args import AT_LEAST_ONE, FRACTION, NONNEGATIVE, POSITIVE, PROPORTION, as_array, as_float, checked, scalar_call

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
from .errors import InvalidInput
from .layout import Row, dependency_order
from .units import TERA_XL, WAN_XL, YI_XL

SHEET = "Beyond"
PREFIX = "bx_"  # defined names of this sheet: bx_<key>_<column>
MODEL, DEMAND, HARDWARE, SERVING, FLEET, MONEY = "model", "demand", "hardware", "serving", "fleet", "money"
SECTION_TITLES = {
    MODEL: ("模型（MoE：激活/总参数）", "Model (MoE: active vs total parameters)"),
    DEMAND: ("需求拆分（输入/输出、缓存命中）", "Demand split (input/output tokens, KV-cache hits)"),
    HARDWARE: ("加速卡与精度", "Accelerator and precision (from the catalog)"),
    SERVING: ("解码 roofline（每个副本）", "Decode roofline (per replica of n cards)"),
    FLEET: ("卡数：报告（纯算力） vs 带宽感知", "Cards: the report (compute-only) vs bandwidth-aware"),
    MONEY: ("服务器、资本开支、电力与单位成本", "Servers, capex, power and unit cost"),
}
TITLE_ZH = "超越图11：带宽感知、MoE 感知的推理算力测算"
TITLE_EN = "Beyond Figure 11: bandwidth-aware, MoE-aware sizing of the same scenarios"
SOURCE_LINE = ("Model: xlsizing (docs/beyond.md). Roofline: jax-ml/scaling-book, 'All About Transformer Inference'. "
               "Token split and cache hits: DeepSeek-V3/R1 Inference System Overview (2025-03-01). "
               "Power: Epoch AI (1,275 W per H100 incl. server share). Accelerator figures: xlsizing catalog.")

# rows of the Figure 11 sheet that this sheet's formulas read
READS = ("tokens_per_s_yi", "peak_multiplier", "daily_tokens_yi", "cards_wan", "capex_yi", "server_price_wan",
         "cards_per_server", "params_yi", "card_tflops")

GB_XL = beyond.GIGA_XL


@checked(cards_wan=POSITIVE)
def report_cards_wan(cards_wan):
    """The report's compute-only H20 cards (万张), shown beside the bandwidth-aware ones (from Figure 11).

    >>> report_cards_wan(43.4)
    43.4
    """
    return cards_wan


@checked(capex_yi=POSITIVE)
def report_capex_yi(capex_yi):
    """The report's AI-server capex (亿元), shown beside the bandwidth-aware capex (from Figure 11).

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


def _in(key, zh, en, unit, fmt, default, rule, section, doc=""):
    return Row(key, zh, en, unit, fmt, section=section, default=default, rule=rule, doc=doc)


ROWS: tuple[Row, ...] = (
    # --- model ---------------------------------------------------------------------------------
    _in("active_params_yi", "激活参数量", "Active parameters per token (FLOPs follow these)", "亿", "#,##0", 1300.0,
        POSITIVE, MODEL, "The report's 130B dense model: active = total. DeepSeek-V3: 370 of 6710."),
    _in("total_params_yi", "总参数量", "Total parameters (memory and weight reads follow these)", "亿", "#,##0",
        1300.0, POSITIVE, MODEL, "MoE: every expert is stored and, at serving batch sizes, read each step."),
    _in("layers", "层数", "Layers", "", "0", 96.0, AT_LEAST_ONE, MODEL,
        "Assumption for a 130B-class dense model (Doubao's architecture is not published)."),
    _in("kv_heads", "KV头数", "KV heads (GQA)", "", "0", 8.0, AT_LEAST_ONE, MODEL, "Assumption (GQA with 8 KV heads)."),
    _in("head_dim", "头维度", "Head dimension", "", "0", 128.0, AT_LEAST_ONE, MODEL, "Assumption."),
    _in("kv_bytes", "KV缓存每元素字节", "KV-cache bytes per element", "B", "0.0", 2.0, POSITIVE, MODEL,
        "2 = BF16 KV cache, 1 = FP8."),
    Row("kv_bytes_per_token", "每token KV缓存", "KV-cache bytes per token", "B", "#,##0", section=MODEL,
        fn=beyond.kv_bytes_per_token, udf="KV_BYTES_PER_TOKEN", native="2*{layers}*{kv_heads}*{head_dim}*{kv_bytes}"),
    # --- demand --------------------------------------------------------------------------------
    Row("peak_tokens_per_s_yi", "峰值每秒token", "Peak tokens per second", "亿", "0.0000", section=DEMAND,
        fn=beyond.peak_tokens_per_s_yi, native="{tokens_per_s_yi}*{peak_multiplier}"),
    _in("input_share", "输入token占比", "Input (prompt) share of tokens", "", "0.0%", beyond.INPUT_SHARE, PROPORTION,
        DEMAND, "DeepSeek's published day (2025-03-01): 608B input of 776B tokens."),
    _in("cache_hit_rate", "KV缓存命中率", "KV/prefix-cache hit rate of input tokens", "", "0.0%", beyond.CACHE_HIT_RATE,
        PROPORTION, DEMAND, "DeepSeek's published day: 342B of 608B input tokens hit the on-disk cache."),
    Row("prefill_tokens_per_s_yi", "需计算的输入token/s", "Prefill tokens to compute per second", "亿", "0.0000",
        section=DEMAND, fn=beyond.prefill_tokens_per_s_yi,
        native="{peak_tokens_per_s_yi}*{input_share}*(1-{cache_hit_rate})"),
    Row("decode_tokens_per_s_yi", "输出token/s", "Output (decode) tokens per second", "亿", "0.0000", section=DEMAND,
        fn=beyond.decode_tokens_per_s_yi, native="{peak_tokens_per_s_yi}*(1-{input_share})"),
    # --- hardware ------------------------------------------------------------------------------
    _in("peak_tflops", "加速卡峰值算力", "Accelerator dense peak at the chosen precision", "TFLOPS", "#,##0.0", 148.0,
        POSITIVE, HARDWARE, "Catalog: H20 148 (BF16), 296 (FP8). 'xlsizing catalog show h20' lists sources."),
    _in("bytes_per_weight", "每参数字节", "Bytes per weight", "B", "0.0", 2.0, POSITIVE, HARDWARE,
        "BF16/FP16 2, FP8/INT8 1, FP4 0.5."),
    _in("memory_gb", "单卡显存", "Memory per card", "GB", "0", 96.0, POSITIVE, HARDWARE, "Catalog: H20 96 GB HBM3."),
    _in("bandwidth_tbs", "单卡显存带宽", "Memory bandwidth per card", "TB/s", "0.00", 4.0, POSITIVE, HARDWARE,
        "Catalog: H20 4.0 TB/s."),
    _in("tdp_w", "单卡功耗", "Board power per card (TDP)", "W", "#,##0", 400.0, POSITIVE, HARDWARE,
        "Catalog: H20 400 W."),
    _in("mfu_prefill", "预填充MFU", "Prefill MFU", "", "0%", beyond.MFU_PREFILL, FRACTION, HARDWARE,
        "Typically 30-60% (assumption: 40%)."),
    _in("mfu_decode", "解码MFU", "Decode MFU (compute term)", "", "0%", beyond.MFU_DECODE, FRACTION, HARDWARE,
        "Assumption: the report's 50%."),
    _in("mbu", "带宽利用率MBU", "Memory-bandwidth utilization (MBU)", "", "0%", beyond.MBU, FRACTION, HARDWARE,
        "Typically 60-80% (assumption: 70%)."),
    _in("usable_fraction", "可用显存比例", "Usable share of memory (weights + KV)", "", "0%", beyond.USABLE_HBM,
        FRACTION, HARDWARE, "vLLM's default gpu_memory_utilization 0.9."),
    # --- serving -------------------------------------------------------------------------------
    _in("replica_cards", "每副本卡数", "Cards per decode replica (n)", "张", "0", 8.0, AT_LEAST_ONE, SERVING,
        "One 8-card server holds a 130B BF16 model (260 GB) with room for KV cache."),
    _in("batch", "批大小", "Decode batch per replica (B)", "", "0", 64.0, AT_LEAST_ONE, SERVING, "Assumption."),
    _in("context_tokens", "平均上下文长度", "Average context per sequence (ctx)", "tokens", "#,##0", 4096.0, POSITIVE,
        SERVING, "Assumption."),
    _in("tpot_slo_s", "每token时延上限", "Time-per-output-token SLO", "s", "0.000", beyond.TPOT_SLO_S, POSITIVE,
        SERVING, "50 ms = 20 tokens/s per user (assumption)."),
    Row("weights_gb", "权重显存", "Weight memory", "GB", "#,##0.0", section=SERVING, fn=beyond.weights_gb,
        native=f"{{total_params_yi}}*{YI_XL}*{{bytes_per_weight}}/{GB_XL}"),
    Row("batch_capacity", "最大可容纳批", "Largest batch that fits (< 1: infeasible)", "", "#,##0", section=SERVING,
        fn=beyond.batch_capacity,
        native=f"INT(({{replica_cards}}*{{memory_gb}}*{{usable_fraction}}-{{weights_gb}})*{GB_XL}"
               f"/({{context_tokens}}*{{kv_bytes_per_token}}))"),
    Row("memory_headroom_gb", "显存余量", "Memory headroom at this batch (< 0: does not fit)", "GB", "#,##0.0",
        section=SERVING, fn=beyond.memory_headroom_gb,
        native=f"{{replica_cards}}*{{memory_gb}}*{{usable_fraction}}-{{weights_gb}}"
               f"-{{batch}}*{{context_tokens}}*{{kv_bytes_per_token}}/{GB_XL}"),
    Row("decode_step_s", "解码步时", "Decode step time: max(memory, compute)", "s", "0.0000", section=SERVING,
        fn=beyond.decode_step_s, udf="DECODE_STEP_S",
        native=f"MAX(({{weights_gb}}*{GB_XL}+{{batch}}*{{context_tokens}}*{{kv_bytes_per_token}})"
               f"/({{replica_cards}}*{{bandwidth_tbs}}*{TERA_XL}*{{mbu}}),"
               f"2*{{active_params_yi}}*{YI_XL}*{{batch}}/({{replica_cards}}*{{peak_tflops}}*{TERA_XL}*{{mfu_decode}}))"),
    Row("decode_feasible", "可行(1)/不可行(0)", "Feasible: fits in memory and meets the SLO (1/0)", "", "0",
        section=SERVING, fn=beyond.decode_feasible,
        native="IF(AND({memory_headroom_gb}>=0,{decode_step_s}<={tpot_slo_s}),1,0)"),
    Row("decode_tokens_per_s_per_card", "单卡解码token/s", "Decode tokens/s per card", "tokens/s", "#,##0.0",
        section=SERVING, fn=beyond.decode_tokens_per_s_per_card, native="{batch}/{decode_step_s}/{replica_cards}"),
    # --- fleet ---------------------------------------------------------------------------------
    Row("prefill_cards_wan", "预填充卡数", "Prefill cards (compute bound)", "万张", "#,##0.00", section=FLEET,
        fn=beyond.prefill_cards_wan, udf="PREFILL_CARDS",
        native=f"2*{{active_params_yi}}*{YI_XL}*{{prefill_tokens_per_s_yi}}*{YI_XL}"
               f"/({{peak_tflops}}*{TERA_XL}*{{mfu_prefill}})/{WAN_XL}"),
    Row("decode_cards_wan", "解码卡数", "Decode cards (roofline)", "万张", "#,##0.00", section=FLEET,
        fn=beyond.decode_cards_wan, udf="DECODE_CARDS",
        native=f"{{decode_tokens_per_s_yi}}*{YI_XL}/{{decode_tokens_per_s_per_card}}/{WAN_XL}"),
    Row("fleet_cards_wan", "带宽感知卡数", "Cards, bandwidth-aware (prefill + decode)", "万张", "#,##0.00",
        section=FLEET, fn=beyond.fleet_cards_wan, native="{prefill_cards_wan}+{decode_cards_wan}"),
    Row("report_cards_wan", "报告卡数（纯算力）", "Cards, the report (compute-only, Figure 11)", "万张", "#,##0.00",
        section=FLEET, fn=report_cards_wan, native="{cards_wan}"),
    Row("cards_vs_report", "带宽感知/报告", "Bandwidth-aware ÷ report", "×", "0.00", section=FLEET,
        fn=cards_vs_report, native="{fleet_cards_wan}/{cards_wan}"),
    Row("tokens_per_s_per_card", "单卡token/s（峰值，带宽感知）", "Implied tokens/s per card at peak, bandwidth-aware",
        "tokens/s", "#,##0", section=FLEET, fn=beyond.tokens_per_s_per_card,
        native=f"{{peak_tokens_per_s_yi}}*{YI_XL}/({{fleet_cards_wan}}*{WAN_XL})"),
    Row("report_tokens_per_s_per_card", "单卡token/s（峰值，报告）", "Implied tokens/s per card at peak, the report",
        "tokens/s", "#,##0", section=FLEET, fn=beyond.report_tokens_per_s_per_card,
        native=f"{{peak_tokens_per_s_yi}}*{YI_XL}/({{cards_wan}}*{WAN_XL})"),
    # --- money ---------------------------------------------------------------------------------
    Row("servers_whole_wan", "服务器（整台）", "Servers, whole (rounded up)", "万台", "#,##0.0000", section=MONEY,
        fn=beyond.servers_whole_wan,
        # -INT(-x), not ROUNDUP: LibreOffice's ROUNDUP keeps only about 12 significant digits of
        # large values (ROUNDUP(9597212727366.05, 0) = 9597212727370 in LibreOffice 7.4)
        native=f"-INT(-({{fleet_cards_wan}}*{WAN_XL}/{{cards_per_server}}))/{WAN_XL}"),
    Row("servers_fractional_wan", "服务器（小数，同报告）", "Servers, fractional (as the report)", "万台", "#,##0.0000",
        section=MONEY, fn=beyond.servers_fractional_wan, native="{fleet_cards_wan}/{cards_per_server}"),
    Row("fleet_capex_yi", "带宽感知服务器资本开支", "Server capex, bandwidth-aware", "亿元", "#,##0.00", section=MONEY,
        fn=beyond.fleet_capex_yi, native="{fleet_cards_wan}/{cards_per_server}*{server_price_wan}"),
    Row("report_capex_yi", "报告服务器资本开支", "Server capex, the report (Figure 11)", "亿元", "#,##0.00",
        section=MONEY, fn=report_capex_yi, native="{capex_yi}"),
    _in("installed_cards_wan", "已部署卡数", "Cards already installed", "万张", "#,##0.00", 0.0, NONNEGATIVE, MONEY,
        "0 = a green-field fleet; yearly capex then equals the fleet's capex."),
    _in("life_years", "更换周期", "Replacement life", "年", "0.0", beyond.LIFE_YEARS, POSITIVE, MONEY,
        "AI servers are replaced after 4-5 years (assumption: 5)."),
    Row("yearly_capex_yi", "年度资本开支（新增+更换）", "Capex per year (new cards + replacement)", "亿元", "#,##0.00",
        section=MONEY, fn=beyond.yearly_capex_yi,
        native="(MAX({fleet_cards_wan}-{installed_cards_wan},0)+{installed_cards_wan}/{life_years})"
               "*{server_price_wan}/{cards_per_server}"),
    _in("server_power_factor", "整机功耗系数", "All-in watts per TDP watt (server share)", "×", "0.000",
        beyond.SERVER_POWER_FACTOR, AT_LEAST_ONE, MONEY, "Epoch AI: 1,275 W per 700 W H100 (DGX H100 10.2 kW / 8)."),
    _in("pue", "PUE", "Power usage effectiveness (PUE)", "", "0.00", beyond.PUE, AT_LEAST_ONE, MONEY,
        "Epoch AI uses 1.2-1.3."),
    _in("load_factor", "平均负载率", "Average load (share of peak power)", "", "0%", beyond.LOAD_FACTOR, FRACTION,
        MONEY, "Epoch AI: 70%."),
    _in("power_price_yuan_kwh", "电价", "Electricity price", "元/kWh", "0.00", 0.5, NONNEGATIVE, MONEY,
        "Assumption: 0.5 元/kWh."),
    Row("card_power_w", "单卡整机功耗", "All-in watts per card", "W", "#,##0", section=MONEY, fn=beyond.card_power_w,
        native="{tdp_w}*{server_power_factor}"),
    Row("fleet_power_mw", "平均功率", "Average facility power", "MW", "#,##0.0", section=MONEY,
        fn=beyond.fleet_power_mw, udf="FLEET_POWER_MW",
        native=f"{{fleet_cards_wan}}*{WAN_XL}*{{card_power_w}}*{{pue}}*{{load_factor}}/1E6"),
    Row("energy_gwh_per_year", "年用电量", "Energy per year", "GWh", "#,##0", section=MONEY,
        fn=beyond.energy_gwh_per_year, native="{fleet_power_mw}*8760/1000"),
    Row("electricity_cost_yi", "年电费", "Electricity cost per year", "亿元", "#,##0.00", section=MONEY,
        fn=beyond.electricity_cost_yi, native=f"{{energy_gwh_per_year}}*1E6*{{power_price_yuan_kwh}}/{YI_XL}"),
    Row("card_hour_yuan", "单卡小时折旧", "Amortized capex per card-hour", "元", "0.00", section=MONEY,
        fn=beyond.card_hour_yuan, native=f"{{server_price_wan}}*{WAN_XL}/{{cards_per_server}}/({{life_years}}*8760)"),
    Row("cost_per_mtok_yuan", "每百万token成本", "Cost per 1M tokens (capex + power)", "元", "0.00", section=MONEY,
        fn=beyond.cost_per_mtok_yuan, udf="COST_PER_MTOK",
        native=f"({{fleet_cards_wan}}*{WAN_XL}*{{card_hour_yuan}}*8760+{{electricity_cost_yi}}*{YI_XL})"
               f"/({{daily_tokens_yi}}*{YI_XL}*365/1E6)"),
)

ROW: dict[str, Row] = {r.key: r for r in ROWS}
INPUTS: tuple[Row, ...] = tuple(r for r in ROWS if r.is_input)
COMPUTED: tuple[Row, ...] = tuple(r for r in ROWS if r.is_computed)


COMPUTED_ORDER = dependency_order(COMPUTED, {r.key for r in INPUTS} | set(READS))


def defaults(n: int = 1) -> dict[str, np.ndarray]:
    """Every input of this sheet at its default, ``n`` columns."""
    import numpy as np

    return {r.key: np.full(n, r.default, dtype=np.float64) for r in INPUTS}


def sheet_inputs(scenarios: Sequence, overrides: Mapping[str, object] | None = None) -> dict[str, np.ndarray]:
    """What the sheet needs for ``scenarios``: the Figure 11 values it reads plus its own inputs.

    A scenario's own Beyond inputs (:attr:`xlsizing.scenarios.Scenario.beyond`, from a scenario
    file) replace the defaults; ``overrides`` then sets some inputs for every scenario (a number or
    one per scenario), e.g. ``{"peak_tflops": 296, "bytes_per_weight": 1}`` for FP8.
    """
    import numpy as np

    from .scenarios import to_inputs

    fig = layout.evaluate(to_inputs(scenarios))
    n = len(scenarios)
    out = {k: np.array(fig[k], dtype=np.float64) for k in READS}
    out.update(defaults(n))
    for r in INPUTS:  # what the scenarios set themselves (scenario files: Scenario.beyond)
        own = [getattr(s, "beyond", {}).get(r.key) for s in scenarios]
        if any(x is not None for x in own):
            out[r.key] = np.array([r.default if x is None else x for x in own], dtype=np.float64)
    for k, v in (overrides or {}).items():
        if k not in ROW or not ROW[k].is_input:
            raise InvalidInput(f"unknown input {k!r} of the {SHEET} sheet; allowed: {', '.join(r.key for r in INPUTS)}")
        out[k] = np.broadcast_to(as_array(k, v, ROW[k].rule), (n,)).astype(np.float64)
    return out


def column_inputs(scenario) -> dict[str, float]:
    """:func:`sheet_inputs` of one scenario as Python floats (no numpy): what :func:`evaluate_column` takes.

    The Figure 11 values the sheet reads (:data:`READS`), then every input of this sheet: the
    scenario's own (:attr:`xlsizing.scenarios.Scenario.beyond`) or the default; each in its row's unit.

    >>> from xlsizing.scenarios import load_builtin
    >>> ins = column_inputs(load_builtin("figure11")[0])
    >>> ins["peak_tflops"], round(ins["tokens_per_s_yi"], 6)      # TFLOPS, 亿 tokens/s
    (148.0, 0.308642)
    """
    fig = layout.evaluate_column(scenario.values)
    own = getattr(scenario, "beyond", {})
    return {**{k: fig[k] for k in READS}, **{r.key: float(own.get(r.key, r.default)) for r in INPUTS}}


def _checked(inputs: Mapping[str, object], convert) -> dict:
    values = {}
    for r in INPUTS:
        if r.key not in inputs:
            raise InvalidInput(f"{r.key} is required ({r.en}, {r.unit or 'ratio'})")
        values[r.key] = convert(r.key, inputs[r.key], r.rule)
    for k in READS:
        if k not in inputs:
            raise InvalidInput(f"{k} is required (read from the Figure 11 sheet)")
        values[k] = convert(k, inputs[k], layout.ROW[k].rule or POSITIVE)
    return values


def evaluate_column(inputs: Mapping[str, object]) -> dict[str, float]:
    """:func:`evaluate` for one scenario of plain numbers, as Python floats, without numpy (same numbers).

    Every row in its unit; the same checks and messages as :func:`evaluate`.

    >>> from xlsizing.scenarios import load_builtin
    >>> round(evaluate_column(column_inputs(load_builtin("figure11")[0]))["fleet_cards_wan"], 2)   # 万张
    27.98
    """
    return layout.scalar_rows(COMPUTED_ORDER, _checked(inputs, as_float))


def evaluate(inputs: Mapping[str, object]) -> dict[str, np.ndarray]:
    """Every row's value from this sheet's inputs and the Figure 11 values it reads (checked once)."""
    import numpy as np

    values = _checked(inputs, as_array)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in values.values()))
    except ValueError:
        raise InvalidInput("input arrays have shapes that do not fit together") from None
    with np.errstate(all="ignore"):
        for r in COMPUTED_ORDER:
            values[r.key] = np.asarray(r.fn.kernel(*(values[a] for a in r.args)), dtype=np.float64)
    return {k: np.broadcast_to(v, shape) for k, v in values.items()}


def reasons(values: Mapping[str, np.ndarray]) -> list[str]:
    """Per column: why the decode setting is infeasible, '' when it is feasible."""
    r = beyond.infeasible_reason(values["memory_headroom_gb"], values["decode_step_s"], values["tpot_slo_s"])
    return r if isinstance(r, list) else [r]


def _check_rows():  # every placeholder is a row here or a Figure 11 row read from that sheet
    for r in COMPUTED:
        unknown = set(re.findall(r"\{(\w+)\}", r.native)) - set(ROW) - set(READS)
        if unknown:  # pragma: no cover
            raise TypeError(f"row {r.key}: unknown placeholders {sorted(unknown)}")
    overlap = set(ROW) & set(layout.ROW)
    if overlap:  # pragma: no cover - defined names would clash with the Figure 11 sheet's keys
        raise TypeError(f"rows {sorted(overlap)} duplicate Figure 11 rows")


_check_rows()


# --- sensitivity grid: the report's compute-only capex over MFU × peak multiplier ---------------

GRID_MFU = (0.2, 0.3, 0.4, 0.5, 0.6)  # rows; public serving data implies 10-40% (docs/beyond.md)
GRID_PEAK = (2.0, 3.0, 4.0, 5.0, 6.0)  # columns; the report uses 4 and 5
GRID_CHOOSE_MAX = 16  # scenario columns the grid's selector can choose from (CHOOSE over names)


def grid_name(what: str, *idx: int) -> str:
    """Defined names of the grid: ``bx_grid_column``, ``bx_grid_mfu_2``, ``bx_grid_peak_3``, ``bx_grid_2_3``."""
    return PREFIX + "grid_" + "_".join([what, *map(str, idx)] if what else list(map(str, idx)))


def grid_values(values: Mapping[str, Sequence[float]], column: int = 1, mfu=GRID_MFU,
                peak=GRID_PEAK) -> list[list[float]]:
    """The grid in Python: capex (亿元) of scenario ``column`` (1-based) for each MFU (rows) × peak multiplier.

    The report's chain (:mod:`xlsizing.model`) with the scenario's parameters, tokens/s, card
    peak, cards per server and server price; only MFU and the peak multiplier vary.
    """
    from . import model

    j = column - 1
    params, tps, tflops, per_server, price = (float(values[k][j]) for k in (
        "params_yi", "tokens_per_s_yi", "card_tflops", "cards_per_server", "server_price_wan"))

    def capex(m, p):
        flops = scalar_call(model.infer_flops.kernel, [params, tps, float(p)])
        cards = scalar_call(model.h20_cards_wan.kernel, [flops, tflops, float(m)])
        return scalar_call(model.server_capex_yi.kernel, [cards, price, per_server])

    return [[capex(m, p) for p in peak] for m in mfu]


def _grid_pick(key: str, n: int) -> str:
    """The selected scenario column's cell of row ``key`` on the Figure 11 sheet, by defined name."""
    names = [layout.defined_name(key, j) for j in range(1, n + 1)]
    return f"CHOOSE({grid_name('column')},{','.join(names)})" if 1 < n <= GRID_CHOOSE_MAX else names[0]


def grid_formula(n: int, i: int, k: int) -> str:
    """The formula of grid cell MFU row ``i``, peak column ``k`` (0-based) in a workbook of ``n`` scenarios.

    >>> grid_formula(1, 0, 0)[:40]
    '=2*params_yi_1*1E8*tokens_per_s_yi_1*1E8'
    """
    parts = {key: _grid_pick(key, n) for key in ("params_yi", "tokens_per_s_yi", "card_tflops",
                                                  "cards_per_server", "server_price_wan")}
    return (f"=2*{parts['params_yi']}*{YI_XL}*{parts['tokens_per_s_yi']}*{YI_XL}*{grid_name('peak', k + 1)}"
            f"/({parts['card_tflops']}*{TERA_XL}*{grid_name('mfu', i + 1)})/{WAN_XL}"
            f"/{parts['cards_per_server']}*{parts['server_price_wan']}")


def grid_scenario_formula(n: int) -> str:
    """The formula showing the name of the scenario the grid sizes (beside its column number)."""
    return "=" + _grid_pick("scenario_name", n)


def write_grid(book, ws, info, styles, row0: int, values) -> tuple[int, int]:
    """Write the sensitivity grid and its line chart below the rows (the SheetSpec ``extra`` hook)."""
    from .workbook import FIRST_COL, cell

    n = info.n
    choose = n <= GRID_CHOOSE_MAX

    r = row0
    ws.write_string(r, 0, "敏感性：报告口径资本开支", styles.bold)
    ws.write_string(r, 1, "Sensitivity: the report's compute-only capex (亿元) over MFU × peak multiplier",
                    styles.bold)
    r += 1
    ws.write_string(r, 0, "情形列号", styles.label)
    ws.write_string(r, 1, f"Scenario column (1-{n if choose else 1}) the grid sizes", styles.label)
    ws.write_number(r, FIRST_COL, 1, styles.number("0", choose))
    book.define_name(grid_name("column"), "=" + cell(r, FIRST_COL, True, info.spec.sheet))
    # the scenario's name beside its number (a recipient reads names, not column numbers)
    ws.write_formula(r, FIRST_COL + 1, grid_scenario_formula(n), styles.bold, info.scenario_names[0])
    book.define_name(grid_name("scenario"), "=" + cell(r, FIRST_COL + 1, True, info.spec.sheet))
    r += 1
    ws.write_string(r, 0, "MFU ＼ 峰值倍数", styles.header_left)
    ws.write_string(r, 1, "MFU (rows) × peak multiplier (columns)", styles.header_left)
    ws.write_string(r, 2, "MFU", styles.header)
    head = r
    for k, pk in enumerate(GRID_PEAK):
        ws.write_number(r, FIRST_COL + k, pk, styles.number('0"×"', True))
        book.define_name(grid_name("peak", k + 1), "=" + cell(r, FIRST_COL + k, True, info.spec.sheet))
    grid = grid_values(values, 1)
    for i, mf in enumerate(GRID_MFU):
        r += 1
        ws.write_number(r, 2, mf, styles.number("0%", True))
        book.define_name(grid_name("mfu", i + 1), "=" + cell(r, 2, True, info.spec.sheet))
        for k in range(len(GRID_PEAK)):
            ws.write_formula(r, FIRST_COL + k, grid_formula(n, i, k), styles.number("#,##0", False), grid[i][k])
            book.define_name(grid_name("", i + 1, k + 1), "=" + cell(r, FIRST_COL + k, True, info.spec.sheet))
    last_col = FIRST_COL + len(GRID_PEAK) - 1
    if last_col >= FIRST_COL + n:  # grid columns right of the scenario columns
        ws.set_column(FIRST_COL + n, last_col, 10)
    chart = book.add_chart({"type": "line"})
    for k, pk in enumerate(GRID_PEAK):
        chart.add_series({
            "name": [info.spec.sheet, head, FIRST_COL + k],
            "categories": [info.spec.sheet, head + 1, 2, head + len(GRID_MFU), 2],
            "values": [info.spec.sheet, head + 1, FIRST_COL + k, head + len(GRID_MFU), FIRST_COL + k],
            "marker": {"type": "circle"},
        })
    chart.set_title({"name": "报告口径资本开支 vs MFU（按峰值倍数）/ Capex vs MFU by peak multiplier (亿元)",
                     "name_font": {"size": 11}})
    chart.set_x_axis({"name": "MFU", "num_format": "0%"})
    chart.set_y_axis({"name": "亿元", "num_format": "#,##0", "major_gridlines": {"visible": True}})
    ws.insert_chart(r + 2, 0, chart, {"x_scale": 1.25, "y_scale": 1.0})
    return r + 2 + 16, last_col


def sheet_spec():
    """The :class:`xlsizing.workbook.SheetSpec` of this sheet (built lazily: workbook imports layout)."""
    from .workbook import SheetSpec

    return SheetSpec(
        sheet=SHEET, rows=ROWS, evaluate=evaluate, inputs=sheet_inputs, evaluate_column=evaluate_column,
        column_inputs=column_inputs, formula=layout.formula, prefix=PREFIX,
        title_zh=TITLE_ZH, title_en=TITLE_EN, source=SOURCE_LINE, section_titles=SECTION_TITLES,
        chart=("fleet_cards_wan", "带宽感知卡数（万张）/ Bandwidth-aware cards by scenario (万张)"), reads=READS,
        extra=write_grid,
        notes=(("超越图11 / Beyond Figure 11",
                "The Beyond sheet sizes the same scenarios with prefill (compute bound) + decode (roofline over "
                "weights, KV cache and compute) on the accelerator in its inputs; 'feasible' = 0 flags a batch that "
                "does not fit in memory or a step time over the SLO. See docs/beyond.md."),),
    )


def _register():
    # workbook.SHEET_MODULES names this module: every workbook (template, filled, batch) gets the sheet
    from .workbook import register_sheet

    register_sheet(SPEC)


SPEC = sheet_spec()
_register()


# --- the comparison table of docs/beyond.md (generated, never typed) ----------------------------

PRECISION_VARIANTS = {
    # accelerator figures from the catalog; FP8 also stores the KV cache in 1 byte
    "BF16": {"precision": "bf16", "kv_bytes": 2.0},
    "FP8": {"precision": "fp8", "kv_bytes": 1.0},
}


def precision_overrides(accelerator: str = "H20", precision: str = "bf16", kv_bytes: float | None = None,
                        catalog=None) -> dict:
    """Sheet inputs for an accelerator at a precision, from the catalog (peak, bytes, memory, bandwidth, TDP)."""
    from . import catalog as cat

    acc = cat.get(accelerator, catalog)
    catalog = cat
    out = {"peak_tflops": acc.peak_tflops(precision), "bytes_per_weight": catalog.bytes_per_weight(precision),
           "memory_gb": acc.value("memory_gb"), "bandwidth_tbs": acc.value("bandwidth_tbs")}
    if "tdp_w" in acc.figures:
        out["tdp_w"] = acc.value("tdp_w")
    if kv_bytes is not None:
        out["kv_bytes"] = kv_bytes
    return out


def comparison_markdown(scenarios=None, accelerator: str = "H20") -> str:
    """Markdown tables: the report's compute-only cards vs bandwidth-aware cards at BF16 and FP8."""
    from .scenarios import load_builtin

    scenarios = list(scenarios or load_builtin("figure11"))
    runs = {}
    for label, v in PRECISION_VARIANTS.items():
        ov = precision_overrides(accelerator, v["precision"], v["kv_bytes"])
        runs[label] = evaluate(sheet_inputs(scenarios, ov))
    base = runs["BF16"]

    def f(x, d=2):
        return f"{float(x):,.{d}f}"

    lines = [
        f"| scenario | peak tokens/s (亿) | report: cards (万张) | BF16: prefill + decode = cards (万张) | BF16 ÷ report "
        f"| FP8: prefill + decode = cards (万张) | FP8 ÷ report | report capex (亿元) | BF16 capex (亿元) | FP8 capex (亿元) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for j, s in enumerate(scenarios):
        b, e = runs["BF16"], runs["FP8"]
        lines.append(
            f"| {s.name} / {s.name_en} | {f(base['peak_tokens_per_s_yi'][j], 4)} | {f(base['report_cards_wan'][j])} "
            f"| {f(b['prefill_cards_wan'][j])} + {f(b['decode_cards_wan'][j])} = **{f(b['fleet_cards_wan'][j])}** "
            f"| {f(b['cards_vs_report'][j])}× "
            f"| {f(e['prefill_cards_wan'][j])} + {f(e['decode_cards_wan'][j])} = **{f(e['fleet_cards_wan'][j])}** "
            f"| {f(e['cards_vs_report'][j])}× | {f(base['report_capex_yi'][j])} | {f(b['fleet_capex_yi'][j])} "
            f"| {f(e['fleet_capex_yi'][j])} |")
    lines += ["", "Per replica of the decode roofline (the same in every scenario):", "",
              "| precision | weights (GB) | KV per token (B) | batch that fits | step time (ms) | bound by "
              "| decode tokens/s per card | feasible | implied tokens/s per card at peak (fleet) |",
              "|---|--:|--:|--:|--:|---|--:|---|--:|"]
    for label, r in runs.items():
        t_mem = ((r["weights_gb"][0] * beyond.GIGA + r["batch"][0] * r["context_tokens"][0] * r["kv_bytes_per_token"][0])
                 / (r["replica_cards"][0] * r["bandwidth_tbs"][0] * 1e12 * r["mbu"][0]))
        bound = "memory bandwidth" if t_mem >= r["decode_step_s"][0] else "compute"
        reason = reasons(r)[0]
        lines.append(
            f"| {label} | {f(r['weights_gb'][0], 0)} | {f(r['kv_bytes_per_token'][0], 0)} | {f(r['batch_capacity'][0], 0)} "
            f"| {f(r['decode_step_s'][0] * 1000, 1)} | {bound} | {f(r['decode_tokens_per_s_per_card'][0], 0)} "
            f"| {'yes' if r['decode_feasible'][0] == 1 else 'no: ' + reason} | {f(r['tokens_per_s_per_card'][0], 0)} |")
    lines.append(f"| report (compute-only) | | | | | compute (MFU 50%) | | | "
                 f"{f(base['report_tokens_per_s_per_card'][0], 0)} |")
    return "\n".join(lines) + "\n"


def decode_grid_markdown(accelerator: str = "H20", precision: str = "bf16", batches=(8, 16, 32, 64, 128, 256),
                         contexts=(1024, 4096, 16384, 65536)) -> str:
    """Markdown: decode tokens/s per card over batch × context at the sheet's defaults; infeasible cells say why."""
    ov = precision_overrides(accelerator, precision)
    d = {r.key: float(r.default) for r in INPUTS} | ov
    kv = beyond.kv_bytes_per_token(d["layers"], d["kv_heads"], d["head_dim"], d["kv_bytes"])
    w = beyond.weights_gb(d["total_params_yi"], d["bytes_per_weight"])
    head = "| context \\ batch | " + " | ".join(str(b) for b in batches) + " |"
    lines = [head, "|---|" + "--:|" * len(batches)]
    for ctx in contexts:
        cells = []
        for bt in batches:
            step = beyond.decode_step_s(w, kv, ctx, bt, d["active_params_yi"], d["replica_cards"], d["bandwidth_tbs"],
                                        d["mbu"], d["peak_tflops"], d["mfu_decode"])
            room = beyond.memory_headroom_gb(w, kv, ctx, bt, d["replica_cards"], d["memory_gb"], d["usable_fraction"])
            t_mem = (w * beyond.GIGA + bt * ctx * kv) / (d["replica_cards"] * d["bandwidth_tbs"] * 1e12 * d["mbu"])
            tpc = beyond.decode_tokens_per_s_per_card(bt, step, d["replica_cards"])
            why = beyond.infeasible_reason(room, step, d["tpot_slo_s"])
            if room < 0:
                cells.append("does not fit")
            else:
                cells.append(f"{tpc:,.0f} {'(M)' if t_mem >= step else '(C)'}" + (" over SLO" if why else ""))
        lines.append(f"| {ctx:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_text(scenarios: Sequence, overrides: Mapping[str, object] | None = None) -> str:
    """The Beyond rows as aligned text (zh label, en label, one column per scenario), infeasible reasons last."""
    from .table import _pad, width

    v = evaluate(sheet_inputs(scenarios, overrides))
    head = [["", "", *[s.name for s in scenarios]], ["", "", *[s.name_en or "" for s in scenarios]]]
    body, section = [], None
    for r in ROWS:
        if r.section != section and section is not None:
            body.append(None)
        section = r.section
        label = f"{r.zh} ({r.unit})" if r.unit else r.zh
        body.append([label, r.en, *[layout.display(r, x) for x in v[r.key]]])
    n = 2 + len(scenarios)
    widths = [max(width(line[i]) for line in head + [b for b in body if b]) for i in range(n)]
    out = [TITLE_ZH, TITLE_EN, ""]
    for line in head + [None] + body:
        out.append("" if line is None else "  ".join(_pad(c, widths[i], i >= 2) for i, c in enumerate(line)).rstrip())
    why = [f"{s.name}: {r}" for s, r in zip(scenarios, reasons(v)) if r]
    if why:
        out += ["", "Infeasible (feasible = 0):", *[f"  {w}" for w in why]]
    out += ["", SOURCE_LINE]
    return "\n".join(out) + "\n"
