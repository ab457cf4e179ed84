"""The rows of the "Plan" sheet: the planner's chosen configuration as inputs, its figures as native formulas.

The search is Python (:func:`xlsizing.planner.plan`); what it chose stays live in the workbook.  The
inputs are the chosen configuration of each scenario (the catalog figures of its accelerator at
its precision, its cards per replica and batch) and the targets; the computed rows are **the
Beyond sheet's own rows** that depend on those inputs, re-keyed with a ``plan_`` prefix (same
model functions, same native formulas with the placeholders renamed), plus the TTFT and the
"meets the targets" flag of the planner.  Rows the Beyond sheet computes from the scenario alone
(demand, model shape, efficiencies) are read from it.  So a change of the serving model on the
Beyond sheet reaches this sheet without a line typed twice.

Written only on request (``xlsizing build … --plan``); :data:`xlsizing.sheets.ON_REQUEST` lets
``verify`` recognise it.

>>> from xlsizing.sheets import FIGURE11, BEYOND, evaluate_column
>>> v = evaluate_column({"mau_wan": 6000, "peak_multiplier": 4}, [FIGURE11, BEYOND, PLAN])
>>> v["plan_decode_step_s"] == v["decode_step_s"], round(v["plan_ttft_s"], 4)   # defaults: Beyond's configuration
(True, 0.8219)
"""

from __future__ import annotations

import functools
import inspect
import re

from .. import catalog as cat
from .. import planner_model as pm
from .._args import AT_LEAST_ONE, POSITIVE, checked
from ..units import GIGA_XL, TERA_XL, YI_XL
from .base import Row, Sheet, depends_on, row_in
from .beyond import BEYOND
from .figure11 import FIGURE11

# The candidate axes replace these inputs of the sheets; every other row keeps the scenario's value.
HARDWARE_KEYS = ("peak_tflops", "bytes_per_weight", "kv_bytes", "memory_gb", "bandwidth_tbs", "tdp_w",
                 "fleet_server_price_wan", "fleet_cards_per_server", "replica_cards", "batch")
# Catalog figures taken per accelerator when the Beyond sheet has an input of that name (the serving
# model's scale-up interconnect, GB/s per card each way): then they are candidate inputs too; a
# figure the entry lacks rules out its replicas of several cards (one card does not communicate).
OPTIONAL_FIGURES = ("interconnect_gbs",)
# Inputs of the replica layout the planner may search besides the card count (MoE: experts split
# expert-parallel or tensor-parallel)
LAYOUT_KEYS = ("expert_parallel",)


@functools.lru_cache(maxsize=1)
def hardware_keys() -> tuple[str, ...]:
    """:data:`HARDWARE_KEYS` plus the :data:`OPTIONAL_FIGURES` that both the Beyond sheet and the catalog know."""
    figures = tuple(f for f in OPTIONAL_FIGURES if f in BEYOND.row and BEYOND.row[f].is_input and f in cat.FIGURES)
    layout = tuple(f for f in LAYOUT_KEYS if f in BEYOND.row and BEYOND.row[f].is_input)
    return HARDWARE_KEYS + figures + layout



def _ttft_native() -> str:
    """:func:`ttft_s` as a spreadsheet formula: the prefill step of the uncached tokens, plus the Beyond
    sheet's TP all-reduce formula for those tokens."""
    tokens = "({prompt_tokens}*(1-{cache_hit_rate}))"
    per = f"({{replica_cards}}*{{bandwidth_tbs}}*{TERA_XL}*{{mbu}})"
    t_w, t_kv = f"{{weights_gb}}*{GIGA_XL}/{per}", f"{tokens}*{{kv_bytes_per_token}}/{per}"
    t_c = f"2*{{active_params_yi}}*{YI_XL}*{tokens}/({{replica_cards}}*{{peak_tflops}}*{TERA_XL}*{{mfu_prefill}})"
    comm = BEYOND.row["tp_allreduce_s"].native.replace("{batch}", tokens)
    return f"MAX({t_w}+{t_kv},{t_c}+{{kv_serial_share}}*{t_kv})+{comm}"


PREFIX = "plan_"
CONFIG, FIGURES_SECTION = "config", "figures"
SECTION_TITLES = {
    CONFIG: ("规划选定的配置（输入）", "The configuration the planner chose (inputs)"),
    FIGURES_SECTION: ("该配置的测算（公式）", "Its figures, recomputed by formulas"),
}
# Beyond rows this sheet shows for the chosen configuration (with everything they need)
SHOWN = ("weights_gb", "kv_bytes_per_token", "batch_capacity", "memory_headroom_gb", "decode_step_s",
         "decode_tokens_per_s_per_card", "prefill_cards_wan", "decode_cards_wan", "fleet_cards_wan", "cards_vs_report",
         "servers_whole_wan", "fleet_capex_yi", "card_power_w", "fleet_power_mw", "energy_gwh_per_year",
         "electricity_cost_yi", "card_hour_yuan", "cost_per_mtok_yuan")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _source_row(key: str) -> Row:
    return BEYOND.row[key] if key in BEYOND.row else FIGURE11.row[key]


def _renamed(fn, names: dict, name: str):
    """``fn`` (a checked model function) with its parameters renamed by ``names``: same kernel, same rules."""
    old = list(inspect.signature(fn.kernel).parameters)
    kernel = fn.kernel

    def renamed(*args):
        return kernel(*args)

    renamed.__signature__ = inspect.Signature(
        [inspect.Parameter(names.get(p, p), inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in old])
    renamed.__name__ = renamed.__qualname__ = name
    renamed.__doc__ = fn.__doc__
    return checked(**{names.get(p, p): fn.rules[p] for p in old})(renamed)


def _by_parameter(row: Row, names: dict) -> dict:
    """``names`` (row key → new key) as the model's parameter → new key, through the row's ``bind``."""
    params = inspect.signature(row.fn.kernel).parameters
    return {p: names.get(a, a) for p, a in zip(params, row.args)}


def _native(native: str, names: dict) -> str:
    return _PLACEHOLDER.sub(lambda m: "{" + names.get(m.group(1), m.group(1)) + "}", native)


def _rows() -> tuple[Row, ...]:
    hw = set(hardware_keys())
    chain = [r for r in BEYOND.order if r.key in SHOWN or any(
        r.key in BEYOND.row[s].args or depends_on(BEYOND.row, s, {r.key}) for s in SHOWN)]
    chain = [r for r in chain if depends_on(BEYOND.row, r.key, hw)]
    names = {k: PREFIX + k for k in (*hardware_keys(), *(r.key for r in chain))}
    rows = []
    for k in hardware_keys():  # the chosen configuration: inputs, defaults = the Beyond sheet's
        src = _source_row(k)
        # a linked input (the card peak, the server) defaults to the row it follows (Figure 11's H20)
        default = src.default if src.default is not None else _source_row(src.link).default
        rows.append(row_in(PREFIX + k, src.zh, src.en, src.unit, src.fmt, default, src.rule, CONFIG,
                           "The planner's choice (catalog figure of its accelerator at its precision)."))
    rows.append(row_in("plan_tpot_s", "每token时延目标", "TPOT target", "s", "0.000", None, POSITIVE, CONFIG,
                       "Follows the Beyond sheet's TPOT SLO unless set.", link="tpot_slo_s"))
    rows.append(row_in("plan_ttft_target_s", "首token时延目标", "TTFT target", "s", "0.00", pm.TTFT_S, POSITIVE,
                       CONFIG, "MLPerf Inference's Llama-2-70B server TTFT limit, 2 s (assumption)."))
    rows.append(row_in("plan_prompt_tokens", "首token预填充长度", "Prompt tokens prefilled for the TTFT", "tokens",
                       "#,##0", None, AT_LEAST_ONE, CONFIG, "Follows the average context unless set.",
                       link="context_tokens"))
    ordered = sorted(chain, key=lambda r: (SHOWN.index(r.key) if r.key in SHOWN else -1))
    for r in ordered:  # the Beyond rows the configuration changes, re-keyed
        rows.append(Row(PREFIX + r.key, r.zh, r.en, r.unit, r.fmt, FIGURES_SECTION,
                        fn=_renamed(r.fn, _by_parameter(r, names), PREFIX + r.key), native=_native(r.native, names)))
    ttft_names = {"prompt_tokens": "plan_prompt_tokens", **{k: names[k] for k in pm.TTFT_ARGS if k in names}}
    rows.append(Row("plan_ttft_s", "首token时延", "Time to first token (one prompt's prefill)", "s", "0.000",
                    FIGURES_SECTION, fn=_renamed(pm.ttft_s, ttft_names, "plan_ttft_s"),
                    native=_native(_ttft_native(), ttft_names)))
    rows.append(Row("plan_tokens_per_s_per_user", "单用户token/s", "Output tokens/s per user (1 / TPOT)", "tokens/s",
                    "#,##0.0", FIGURES_SECTION,
                    fn=_renamed(pm.tokens_per_s_per_user, names, "plan_tokens_per_s_per_user"),
                    native=_native(pm.USER_NATIVE, names)))
    meets = {"memory_headroom_gb": names["memory_headroom_gb"], "decode_step_s": names["decode_step_s"],
             "tpot_s": "plan_tpot_s", "ttft_s": "plan_ttft_s", "ttft_target_s": "plan_ttft_target_s"}
    rows.append(Row("plan_meets_targets", "满足时延目标(1/0)", "Meets the targets: fits, TPOT and TTFT (1/0)", "", "0",
                    FIGURES_SECTION, fn=_renamed(pm.meets_targets, meets, "plan_meets_targets"),
                    native=_native(pm.MEETS_NATIVE, meets)))
    return tuple(rows)


PLAN = Sheet(
    key="plan",
    title="Plan",
    rows=_rows(),
    prefix="pl_",  # defined names: pl_plan_<key>_<column>
    title_zh="规划：满足时延目标的最低成本配置",
    title_en="Plan: the cheapest configuration that meets the latency targets (xlsizing plan)",
    source=("Search: xlsizing.planner (docs/planner.md) over the catalog's accelerators × precisions × replica sizes "
            "× batches; figures: the Beyond sheet's rows for the chosen configuration."),
    section_titles=SECTION_TITLES,
    chart=("plan_fleet_cards_wan", "规划卡数（万张）/ Planned cards by scenario (万张)"),
    notes=(("规划 / Plan", "The Plan sheet holds, per scenario, the configuration xlsizing's planner chose (inputs, "
                          "blue) and its figures recomputed with the Beyond sheet's formulas; below them, the best "
                          "configuration per accelerator and the frontier of throughput per card against speed per "
                          "user. See docs/planner.md."),),
)
