"""How a sheet prints: its scale, where pages break, and how long labels fit (the writer's print plan).

A recipient prints the workbook or gets it as a PDF, so every sheet must be readable on A4
landscape whatever the number of scenarios:

* **Scale**: one page wide at the scale that fits, but never below :data:`MIN_SCALE` percent
  (11-point text stays at least 7.7 points).  A sheet too wide for that prints across pages at
  :data:`MIN_SCALE`, with page breaks between scenario columns and the label columns repeated on
  every page.
* **Page breaks**: manual breaks keep each section (its heading with its rows), each chart and the
  sensitivity grid on one page: a block that does not fit in what is left of a page starts the
  next one.  Excel ignores manual breaks under "fit to page", so the scale is a fixed percentage
  (``set_print_scale``), computed here.
* **Long text**: :func:`lines` says how many lines a wrapped text needs in a given width, for
  row heights; :func:`short_label` shortens a scenario name for a chart axis (the full name stays
  in the header).

Estimates err on the safe side for both Excel and LibreOffice: a column-width unit is taken as
LibreOffice's 7.0 points (Excel: 5.25), a row as 15.5 points (Excel 15, LibreOffice about 14.9),
so a page holds at least what the plan puts on it.

Two scenario columns fit on one page at 84% (132.55 units × 7 pt = 928 pt into 784 pt);
sixteen would need 31%, so they print at 60%, five scenario columns a page, labels repeated:

>>> plan = plan_print([30, 50, 9, 20, 20], label_columns=3, blocks=[Block(0, 5 * 15.0)], repeat_height=30.0)
>>> plan.scale, plan.v_breaks, plan.h_breaks
(84, [], [])
>>> wide = plan_print([30, 50, 9] + [16] * 16, label_columns=3, blocks=[Block(0, 40 * 15.0)], repeat_height=30.0)
>>> wide.scale, wide.v_breaks, wide.repeat_labels
(60, [8, 13, 18], True)
>>> short_label("2025年乐观情形：豆包日活翻倍且推理时长增加", 16)
'2025年乐观情形…'
"""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

# A4 landscape in points, and the margins the writer sets (inches × 72)
PAGE_WIDTH_PT = 841.9
PAGE_HEIGHT_PT = 595.3
MARGIN_LEFT_RIGHT_IN = 0.4
MARGIN_TOP_BOTTOM_IN = 0.5
FOOTER_PT = 12.0  # the footer line shares the bottom margin; a little room for it

# one column-width unit as LibreOffice prints it, the wider of the two applications (Excel: 7 px =
# 5.25 pt): measured in a LibreOffice 7.4 PDF of a written workbook, column A (32.57 units) printed
# 143.6 pt wide at a 63% scale, i.e. 7.0 pt a unit at 100%
UNIT_PT = 7.0
ROW_PT = 15.5  # a default row: Excel 15 pt, LibreOffice about 14.9 pt (same PDF); the taller, rounded up
ORPHAN_ROWS = 4  # a section that must break starts a new page unless this many rows fit before the break
MIN_SCALE = 60  # percent: 11-point text prints at 6.6 points (a footnote), no smaller
MAX_SCALE = 100
CHART_LABEL_UNITS = 16  # a chart axis label longer than this (width units) is shortened


def printable_width_pt() -> float:
    return PAGE_WIDTH_PT - 2 * 72 * MARGIN_LEFT_RIGHT_IN


def printable_height_pt() -> float:
    return PAGE_HEIGHT_PT - 2 * 72 * MARGIN_TOP_BOTTOM_IN - FOOTER_PT


def column_pt(width: float) -> float:
    """Printed width at 100% of a column of ``width`` units (as passed to ``set_column``)."""
    return (width + 0.71) * UNIT_PT  # XlsxWriter stores width + 5 px of padding


@functools.lru_cache(maxsize=1 << 14)  # labels repeat in every workbook of a batch
def text_width(s: str) -> float:
    """Width of ``s`` in column-width units (CJK characters count two)."""
    return float(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(s)))


@functools.lru_cache(maxsize=1 << 14)
def lines(text: str, width_units: float, font_pt: float = 11.0) -> int:
    """Lines a wrapped ``text`` needs in a cell ``width_units`` wide (15% margin for proportional fonts)."""
    fits = max(1.0, width_units * 11.0 / font_pt)
    return max(1, math.ceil(text_width(text) * 1.15 / fits))


def short_label(name: str, max_units: float = CHART_LABEL_UNITS) -> str:
    """``name`` cut to at most ``max_units`` width units, ending in "…" when cut (a chart axis label)."""
    if text_width(name) <= max_units:
        return name
    out, w = "", 0.0
    for c in name:
        cw = text_width(c)
        if w + cw > max_units - 1:
            break
        out, w = out + c, w + cw
    return out.rstrip() + "…"


@dataclass(frozen=True)
class Block:
    """Rows that belong on one page: starting at row ``first`` (0-based), ``height`` points tall.

    ``breakable``: a block taller than a page may break inside (a long section); otherwise it
    is kept whole when it fits on a page.
    """

    first: int
    height: float
    breakable: bool = True


@dataclass
class PrintPlan:
    scale: int
    h_breaks: list[int] = field(default_factory=list)  # rows (0-based) that start a new page
    v_breaks: list[int] = field(default_factory=list)  # columns (0-based) that start a new page
    repeat_labels: bool = False


def columns_plan(widths: Sequence[float], label_columns: int) -> tuple[int, list[int]]:
    """``(scale %, columns that start a new page)`` for columns ``widths`` (the first ``label_columns`` repeat)."""
    total = sum(column_pt(w) for w in widths)
    fit = math.floor(100 * printable_width_pt() / total) if total else MAX_SCALE
    if fit >= MIN_SCALE:
        return min(MAX_SCALE, fit), []
    scale = MIN_SCALE
    room = printable_width_pt() * 100 / scale - sum(column_pt(w) for w in widths[:label_columns])
    breaks, used = [], 0.0
    for c in range(label_columns, len(widths)):
        w = column_pt(widths[c])
        if used + w > room and used > 0:
            breaks.append(c)
            used = 0.0
        used += w
    return scale, breaks


def plan_print(widths: Sequence[float], *, label_columns: int, blocks: Sequence[Block],
               repeat_height: float) -> PrintPlan:
    """The scale and page breaks of a sheet with columns ``widths`` and row ``blocks`` (in order).

    ``repeat_height``: points of the rows repeated at the top of every page after the first.
    """
    scale, v_breaks = columns_plan(widths, label_columns)
    one = one_page_scale(blocks, scale) if not v_breaks else None
    if one is not None:
        return PrintPlan(one)
    return PrintPlan(scale, row_breaks(blocks, scale, repeat_height), v_breaks, repeat_labels=bool(v_breaks))


ONE_PAGE_SHRINK = 0.8  # a sheet that fits on one page at 80% of its width scale (or more) prints on one page


def one_page_scale(blocks: Sequence[Block], scale: int) -> int | None:
    """The scale that puts the whole sheet on one page, if that is at most a little smaller than
    ``scale`` and still readable (the few-columns case: fit one page tall too); else None."""
    total = sum(b.height for b in blocks)
    fit = math.floor(100 * printable_height_pt() / total) if total else scale
    if fit >= scale:
        return scale
    return fit if fit >= max(MIN_SCALE, ONE_PAGE_SHRINK * scale) else None


def row_breaks(blocks: Sequence[Block], scale: int, repeat_height: float) -> list[int]:
    """Rows that start a new page so that no block that fits on a page is split (blocks in row order)."""
    page = printable_height_pt() * 100 / scale  # points of 100% content one page holds
    h_breaks: list[int] = []
    used = 0.0
    for b in blocks:
        too_tall = b.height > page - repeat_height
        if used > 0 and used + b.height > page and (not too_tall or not b.breakable
                                                    or page - used < ORPHAN_ROWS * ROW_PT):
            h_breaks.append(b.first)  # a heading never ends a page: at least ORPHAN_ROWS rows follow it
            used = repeat_height
        used += b.height
        while used > page:  # a block taller than a page flows on (the application breaks it)
            used = used - page + repeat_height
    return h_breaks
