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
from dataclasses import dataclass
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


# --- what goes below the Plan sheet's rows, whichever library writes it ---------------------------
#
# The rows themselves are a sheet like the others (xlsizing.sheets.PLAN: XlsxWriter writes them
# with workbook.add_sheet, fill with openpyxl from the same rows and formulas); below them come
# numbers and text from the search, laid out once here as cells and one chart, and rendered by
# two thin writers: write_extras (XlsxWriter) and xlsizing.plan_fill (openpyxl).


@dataclass(frozen=True)
class Cell:
    """One cell below the rows: text or a number; ``style`` bold / header / header_left / None; ``fmt`` a number format."""

    row: int  # 0-based, as XlsxWriter counts
    col: int
    value: str | float
    style: str | None = None
    fmt: str | None = None


@dataclass(frozen=True)
class FrontierChart:
    """The native scatter chart of the frontier: x and y columns over data rows ``first``..``last`` (0-based)."""

    accelerator: str
    first: int
    last: int
    anchor: tuple[int, int]  # (row, column) of its top-left corner
    x_col: int = 0
    y_col: int = 1
    x_name: str = "tokens/s per user"
    y_name: str = "decode tokens/s per card"
    num_format: str = "#,##0"
    x_scale: float = 1.3
    y_scale: float = 1.1

    @property
    def title(self) -> str:
        return f"吞吐-交互前沿 / Throughput per card vs tokens/s per user ({self.accelerator})"


@dataclass(frozen=True)
class Extras:
    cells: tuple[Cell, ...]
    chart: FrontierChart | None
    end: int  # the first row after them


def extras_first_row(last_row: int, n: int) -> int:
    """Where the extras start: below the rows' chart of planned cards (16 rows tall, drawn for 2+ scenarios)."""
    return last_row + (20 if n > 1 else 3)


def print_columns(n: int) -> int:
    """The last column (0-based) the Plan sheet prints, for ``n`` scenario columns (the extras' tables are wider)."""
    return max(12, 3 + n)


def _family(b) -> str:
    return f"{b.precision.upper()} ×{b.replica_cards}{' EP' if b.expert_parallel else ''}, batch {b.batch}"


def extras(plans: Sequence[planner.Plan], first_row: int) -> Extras:
    """Chosen configuration per scenario, best per accelerator, the frontier and its chart, as cells from ``first_row``."""
    from .workbook import FIRST_COL

    cells: list[Cell] = []

    def put(r, c, value, style=None, fmt=None):
        cells.append(Cell(r, c, value, style, fmt))

    r = first_row
    put(r, 0, "选定配置", "bold")
    put(r, 1, "Chosen configuration", "bold")
    for j, p in enumerate(plans):
        put(r, FIRST_COL + j, p.chosen.label if p.chosen else "none meets the targets")
    r += 2
    put(r, 0, "各加速卡最优配置", "bold")
    put(r, 1, "Best configuration per accelerator (the search's numbers; * = chosen)", "bold")
    r += 1
    heads = ["情形 / scenario", "加速卡 / accelerator", "配置 / configuration", *[h for h, _a, _f in TABLE]]
    for c, h in enumerate(heads):
        put(r, c, h, "header_left" if c < 3 else "header")
    for p in plans:
        for a, b in p.best.items():
            r += 1
            put(r, 0, p.scenario)
            put(r, 1, a + (" *" if p.chosen is not None and a == p.chosen.accelerator else ""))
            put(r, 2, _family(b))
            for c, (_h, attr, fmt) in enumerate(TABLE, start=3):
                x = _value(b, attr)
                if x is None:
                    put(r, c, "n/a")
                else:
                    put(r, c, float(x), fmt=fmt)
        for a, why in p.infeasible.items():
            r += 1
            put(r, 0, p.scenario)
            put(r, 1, a)
            put(r, 2, "no feasible configuration: " + why)
    # the frontier of the first scenario (it depends on the model and the hardware, not on the demand)
    p = next((x for x in plans if x.frontier), None)
    if p is None:
        return Extras(tuple(cells), None, r + 1)
    r += 2
    put(r, 0, "前沿", "bold")
    put(r, 1, f"Frontier on {p.frontier_accelerator}: decode tokens/s per card against tokens/s per "
              f"user (1 = meets the targets)", "bold")
    r += 1
    for c, h in enumerate(("单用户token/s / tokens/s per user", "单卡token/s / tokens/s per card",
                           "配置 / configuration", "满足目标 / meets")):
        put(r, c, h, "header")
    head = r
    for f in p.frontier:
        r += 1
        put(r, 0, float(f.tokens_per_s_per_user), fmt="#,##0.0")
        put(r, 1, float(f.decode_tokens_per_s_per_card), fmt="#,##0.0")
        put(r, 2, _family(f))
        put(r, 3, 1.0 if f.meets_targets else 0.0)
    chart = FrontierChart(p.frontier_accelerator, head + 1, r, (head, 6))
    return Extras(tuple(cells), chart, max(r, head + 18) + 1)


def write_extras(book, ws, first_row: int, plans: Sequence[planner.Plan], styles) -> int:
    """The XlsxWriter writer of :func:`extras`; returns the first row after them."""
    layout = extras(plans, first_row)
    for c in layout.cells:
        if isinstance(c.value, str):
            ws.write_string(c.row, c.col, c.value, getattr(styles, c.style) if c.style else None)
        else:
            ws.write_number(c.row, c.col, c.value, styles.number(c.fmt, "value") if c.fmt else None)
    ch = layout.chart
    if ch is None:
        return layout.end
    chart = book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    title = PLAN.title
    chart.add_series({
        "name": ch.accelerator,
        "categories": [title, ch.first, ch.x_col, ch.last, ch.x_col],
        "values": [title, ch.first, ch.y_col, ch.last, ch.y_col],
        "marker": {"type": "circle", "size": 5},
    })
    chart.set_title({"name": ch.title, "name_font": {"size": 11}})
    chart.set_x_axis({"name": ch.x_name, "num_format": ch.num_format, "major_gridlines": {"visible": True}})
    chart.set_y_axis({"name": ch.y_name, "num_format": ch.num_format})
    chart.set_legend({"none": True})
    ws.insert_chart(*ch.anchor, chart, {"x_scale": ch.x_scale, "y_scale": ch.y_scale})
    return layout.end


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

            end = write_extras(book, info.worksheet, extras_first_row(info.last_row, info.n), plans, _Styles(book))
            info.worksheet.print_area(0, 0, end, print_columns(info.n))
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


__all__ = ["planned_scenarios", "write", "write_planned", "write_extras", "extras", "extras_first_row", "Cell",
           "Extras", "FrontierChart", "chosen_cell"]
