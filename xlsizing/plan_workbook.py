"""Workbooks with a Plan sheet: the planner's choice per scenario as inputs, its figures as live formulas.

The search runs in Python (:func:`xlsizing.planner.plan`); this module only writes what it found:
the Plan sheet's rows (:data:`xlsizing.sheets.PLAN`: the chosen configuration as blue inputs, the
Beyond sheet's formulas for it), then below them, as numbers, the chosen configuration of each
scenario as text, the best configuration per accelerator, and the frontier of throughput per card
against tokens/s per user with a native scatter chart.  ``verify`` checks the Plan sheet's
formulas like every sheet's.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Sequence

from . import planner
from . import sheets as sheetlist
from .errors import InvalidInput
from .fileio import atomic_write
from .scenarios import Scenario
from .sheets import PLAN

TABLE = (  # (heading, Config attribute or None for computed, number format)
    ("卡数 / cards", "cards", "#,##0"), ("服务器 / servers", "servers", "#,##0"),
    ("资本开支 / capex (亿元)", "fleet_capex_yi", "#,##0.00"), ("功率 / power (MW)", "fleet_power_mw", "#,##0.0"),
    ("每百万token成本 / 元 per 1M tokens", "cost_per_mtok_yuan", "0.0000"),
    ("TPOT (ms)", "tpot_ms", "0.0"), ("TTFT (s)", "ttft_s", "0.00"),
    ("单卡解码token/s / decode tokens/s per card", "decode_tokens_per_s_per_card", "#,##0"),
)


def planned_scenarios(scenarios: Sequence[Scenario], plans: Sequence[planner.Plan]) -> list[Scenario]:
    """The scenarios with the Plan sheet's inputs set to each one's chosen configuration and targets.

    A scenario without a feasible configuration keeps the sheet's defaults (the Beyond sheet's
    configuration); its row ``plan_meets_targets`` then shows 0 and the reason is written below.
    """
    if len(plans) != len(scenarios):
        raise InvalidInput(f"plans must hold one plan per scenario ({len(scenarios)}), got {len(plans)}")
    out = []
    for s, p in zip(scenarios, plans):
        extra = {"plan_tpot_s": p.tpot_s, "plan_ttft_target_s": p.ttft_s}
        if p.prompt_tokens is not None:
            extra["plan_prompt_tokens"] = p.prompt_tokens
        if p.chosen is not None:
            lacks = [k for k, v in p.chosen.inputs.items() if v != v]  # NaN: a figure the catalog lacks
            if lacks:
                raise InvalidInput(f"the Plan sheet of {s.name!r} needs {', '.join(lacks)} for {p.chosen.accelerator} "
                                   f"(the {p.objective} objective chose it without): give it (--price NAME=万元 or "
                                   f"a catalog file), or plan by cost")
            extra.update({"plan_" + k: float(v) for k, v in p.chosen.inputs.items()})
        out.append(dataclasses.replace(s, extra={**s.extra, **extra}))
    return out


def _value(c: planner.Config, attr: str):
    return c.decode_step_s * 1000 if attr == "tpot_ms" else getattr(c, attr)


def write_extras(book, ws, first_row: int, plans: Sequence[planner.Plan], styles) -> int:
    """Below the Plan sheet's rows: chosen configuration per scenario, best per accelerator, the frontier and its chart."""
    from .workbook import FIRST_COL

    r = first_row
    ws.write_string(r, 0, "选定配置", styles.bold)
    ws.write_string(r, 1, "Chosen configuration", styles.bold)
    for j, p in enumerate(plans):
        ws.write_string(r, FIRST_COL + j, p.chosen.label if p.chosen else "none meets the targets")
    r += 2
    ws.write_string(r, 0, "各加速卡最优配置", styles.bold)
    ws.write_string(r, 1, "Best configuration per accelerator (the search's numbers; * = chosen)", styles.bold)
    r += 1
    heads = ["情形 / scenario", "加速卡 / accelerator", "配置 / configuration", *[h for h, _a, _f in TABLE]]
    for c, h in enumerate(heads):
        ws.write_string(r, c, h, styles.header_left if c < 3 else styles.header)
    for p in plans:
        for a, b in p.best.items():
            r += 1
            ws.write_string(r, 0, p.scenario)
            ws.write_string(r, 1, a + (" *" if p.chosen is not None and a == p.chosen.accelerator else ""))
            ws.write_string(r, 2, f"{b.precision.upper()} ×{b.replica_cards}{' EP' if b.expert_parallel else ''}, "
                                  f"batch {b.batch}")
            for c, (_h, attr, fmt) in enumerate(TABLE, start=3):
                x = _value(b, attr)
                if x is None:
                    ws.write_string(r, c, "n/a")
                else:
                    ws.write_number(r, c, x, styles.number(fmt, "value"))
        for a, why in p.infeasible.items():
            r += 1
            ws.write_string(r, 0, p.scenario)
            ws.write_string(r, 1, a)
            ws.write_string(r, 2, "no feasible configuration: " + why)
    # the frontier of the first scenario (it depends on the model and the hardware, not on the demand)
    p = next((x for x in plans if x.frontier), None)
    if p is None:
        return r + 1
    r += 2
    ws.write_string(r, 0, "前沿", styles.bold)
    ws.write_string(r, 1, f"Frontier on {p.frontier_accelerator}: decode tokens/s per card against tokens/s per "
                          f"user (1 = meets the targets)", styles.bold)
    r += 1
    for c, h in enumerate(("单用户token/s / tokens/s per user", "单卡token/s / tokens/s per card",
                           "配置 / configuration", "满足目标 / meets")):
        ws.write_string(r, c, h, styles.header)
    head = r
    for f in p.frontier:
        r += 1
        ws.write_number(r, 0, f.tokens_per_s_per_user, styles.number("#,##0.0", "value"))
        ws.write_number(r, 1, f.decode_tokens_per_s_per_card, styles.number("#,##0.0", "value"))
        ws.write_string(r, 2, f"{f.precision.upper()} ×{f.replica_cards}{' EP' if f.expert_parallel else ''}, "
                              f"batch {f.batch}")
        ws.write_number(r, 3, 1 if f.meets_targets else 0)
    chart = book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    title = PLAN.title
    chart.add_series({
        "name": f"{p.frontier_accelerator}",
        "categories": [title, head + 1, 0, r, 0],
        "values": [title, head + 1, 1, r, 1],
        "marker": {"type": "circle", "size": 5},
    })
    chart.set_title({"name": f"吞吐-交互前沿 / Throughput per card vs tokens/s per user ({p.frontier_accelerator})",
                     "name_font": {"size": 11}})
    chart.set_x_axis({"name": "tokens/s per user", "num_format": "#,##0", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"name": "decode tokens/s per card", "num_format": "#,##0"})
    chart.set_legend({"none": True})
    ws.insert_chart(head, 6, chart, {"x_scale": 1.3, "y_scale": 1.1})
    return max(r, head + 18) + 1


def write(scenarios: Sequence[Scenario], path: str | os.PathLike, plans: Sequence[planner.Plan], *,
          force: bool = False) -> Path:
    """Write the workbook of ``scenarios`` with every sheet plus the Plan sheet for ``plans`` (atomically)."""
    import xlsxwriter

    from .workbook import build

    scenarios = planned_scenarios(list(scenarios), list(plans))
    selected = [*sheetlist.SHEETS, PLAN]

    def put(tmp: Path):
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False, "in_memory": True})
        try:
            infos = build(book, scenarios, selected)
            info = next(i for i in infos if i.sheet is PLAN)
            from .workbook import _Styles

            start = info.last_row + (20 if info.n > 1 else 3)  # below the rows' chart (16 rows tall)
            end = write_extras(book, info.worksheet, start, plans, _Styles(book))
            info.worksheet.print_area(0, 0, end, max(12, 3 + info.n))
        finally:
            book.close()

    return atomic_write(path, put, force=force)


def write_planned(scenarios: Sequence[Scenario], path: str | os.PathLike, *, force: bool = False,
                  **options) -> Path:
    """Plan every scenario (:func:`xlsizing.planner.plan` with ``options``) and write the workbook with its Plan sheet."""
    scenarios = list(scenarios)
    return write(scenarios, path, planner.plan_scenarios(scenarios, **options), force=force)


def chosen_cell(column: int) -> str:
    """The defined name of the planned cards of scenario ``column`` (1-based), for formulas elsewhere.

    >>> chosen_cell(2)
    'pl_plan_fleet_cards_wan_2'
    """
    return PLAN.name("plan_fleet_cards_wan", column)


__all__ = ["planned_scenarios", "write", "write_planned", "write_extras", "chosen_cell"]
