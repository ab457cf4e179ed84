"""Write xlsizing workbooks with XlsxWriter: the template and filled scenario workbooks.

The writer receives rows, numbers and formulas; it does no sizing maths.  Rows and sheets come from
:mod:`xlsizing.sheets` (the one ordered list :data:`xlsizing.sheets.SHEETS`), numbers from its one
evaluator and formulas from :func:`xlsizing.sheets.formula`.

Why XlsxWriter: ``write_formula(..., value=...)`` stores each formula **with** its computed
result, so mail previews, pandas and ``openpyxl.load_workbook(data_only=True)`` see numbers
while the formulas stay live.  openpyxl writes formulas without cached values.

Every input cell and every computed cell has a workbook-level defined name,
``<prefix><row key>_<column>`` (:meth:`xlsizing.sheets.Sheet.name`): ``mau_wan_1``,
``capex_yi_4``, ``bx_batch_2``; the scenario header cells are ``<prefix>scenario_name_<n>`` and
``<prefix>scenario_name_en_<n>``.  :mod:`xlsizing.fill` and :mod:`xlsizing.verify` find cells by
these names, never by coordinates.  A formula may reference a row of an earlier sheet by its key:
the reference then points to that sheet's cell.  A linked input (:attr:`xlsizing.sheets.Row.link`)
that the scenario does not set is written as a formula pointing at the row it follows, in green
(the sell-side colour of a link to another sheet); set by the scenario, it is a blue input.

>>> import tempfile, pathlib, openpyxl
>>> from xlsizing.scenarios import load_builtin
>>> from xlsizing.refs import read_named
>>> p = write_workbook(load_builtin("figure11"), pathlib.Path(tempfile.mkdtemp()) / "f11.xlsx")
>>> wb = openpyxl.load_workbook(p, data_only=True)
>>> round(read_named(wb, "capex_yi_2"), 2)
759.09
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from . import printing
from . import sheets as sheetlist
from ._version import __version__
from .errors import InvalidInput
from .fileio import atomic_write
from .refs import cell, column_letters, column_template
from .scenarios import Scenario, load_builtin, scenario_values, sheet_heading
from .scenarios import values as scenario_rows
from .sheets import Sheet, display
from .sheets.base import check_sheets, decimals, depends_on, inline_formula

MAX_SCENARIOS = 16_000  # Excel has 16,384 columns; three hold labels and units

FIRST_COL = 3  # columns A-C: Chinese label, English label, unit; scenarios from D
HEADER_ROW = 3  # 0-based: scenario names (zh); the next row holds the English names
FIRST_ROW = HEADER_ROW + 2

INPUT_BLUE = "#0000FF"  # sell-side convention: blue = typed input, black = formula, green = link
LINK_GREEN = "#008000"
SECTION_FILL = "#DDEBF7"
HEADER_FILL = "#F2F2F2"


# --- small helpers --------------------------------------------------------------------------


def column_width(strings, lo=6.0, hi=60.0) -> float:
    """The column width that shows the widest of ``strings``, within [``lo``, ``hi``].

    Units: Excel's column width (characters of the default font); a CJK character counts two
    (:func:`xlsizing.printing.text_width`), plus a margin for proportional fonts.

    >>> column_width(["H20 cards needed"]), column_width(["需要H20卡数量"]), column_width([])
    (20.4, 16.95, 6.0)
    """
    return _width_of(max((printing.text_width(s) for s in strings), default=0), lo, hi)


def _width_of(w: float, lo=6.0, hi=60.0) -> float:
    """The column width for text ``w`` character units wide."""
    # 1.15 and +2: margin for proportional fonts (Calibri vs. its substitute in LibreOffice)
    return float(min(hi, max(lo, w * 1.15 + 2)))


@functools.lru_cache(maxsize=1 << 10)
def _shown_length_bound(row) -> Callable[[float], int]:
    """``bound(v)``: at least the width of ``display(row, v)``, without formatting ``v``.

    Only the widest value of a column sets its width, so a value whose bound is no wider than the
    widest so far need not be formatted (:func:`xlsizing.sheets.display` rounds through Decimal:
    about 40 µs, for 1,700,000 values in a workbook of 10,000 scenarios).  Digits before the point:
    at most those of ``int(|v| × (1 + 1e-14)) + 1`` (display rounds to 15 significant digits, then
    to the format's decimals, half away from zero); a sign, the point and the decimals; ``E+308``
    or a percent sign.  Text formats and non-finite values: their text's own width.

    >>> from xlsizing.sheets import FIGURE11
    >>> row = FIGURE11.row["capex_yi"]
    >>> [(display(row, v), _shown_length_bound(row)(v)) for v in (759.0909, -9.999, 0.0, 99999.996)]
    [('759.09', 6), ('-10.00', 6), ('0.00', 4), ('100000.00', 9)]
    """
    if row.fmt == "@" or row.fmt.startswith('"'):
        return lambda v: printing.text_width(display(row, v))
    d = decimals(row)
    point = d + 1 if d else 0
    if "E+" in row.fmt:
        return lambda v: printing.text_width(display(row, v)) if not math.isfinite(v) else (v < 0) + 1 + point + 5
    percent = row.fmt.endswith("%")
    scale = 100.0 * (1 + 1e-14) if percent else 1 + 1e-14

    def bound(v):
        if not math.isfinite(v):
            return printing.text_width(display(row, v))
        return (v < 0) + len(str(int(abs(v) * scale) + 1)) + point + percent

    return bound


# --- writing --------------------------------------------------------------------------------


def _style(props: dict):
    """A format of :class:`_Styles` with ``props``, added to the workbook when first used."""
    def make(self):
        return self.book.add_format(props)

    return functools.cached_property(make)


class _Styles:
    """XlsxWriter formats, created once per workbook and cached by (kind, number format).

    Properties equal to the workbook default (Calibri 11) are left out: the cells look the same, and every format and every styled cell
    costs XML in each of a batch's thousand workbooks (bench/bench_batch.py).
    """

    def __init__(self, book):
        self.book = book
        self._cache = {}
        self.label = None  # plain labels: the default format, no style attribute per cell
        self._wrapped = {}

    # each made on first use: a format costs every workbook of a batch, used or not
    title = _style({"bold": True, "font_size": 14})
    subtitle = _style({"italic": True, "font_color": "#404040"})
    header = _style({"bold": True, "bg_color": HEADER_FILL, "bottom": 1, "align": "center"})
    header_left = _style({"bold": True, "bg_color": HEADER_FILL, "bottom": 1})
    section = _style({"bold": True, "bg_color": SECTION_FILL})
    unit = _style({"align": "center"})
    text = _style({"italic": True, "align": "center"})
    source = _style({"italic": True, "font_size": 9, "font_color": "#404040"})
    bold = _style({"bold": True})

    def wrapped(self, kind: str):
        """The ``kind`` format ("text", "source", "header", "header_left") with text wrapping, made once."""
        if kind not in self._wrapped:
            props = {"plain": {}, "bold": {"bold": True},
                     "text": {"italic": True, "align": "center"},
                     "source": {"italic": True, "font_size": 9, "font_color": "#404040"},
                     "header": {"bold": True, "bg_color": HEADER_FILL, "bottom": 1, "align": "center"},
                     "header_left": {"bold": True, "bg_color": HEADER_FILL, "bottom": 1}}[kind]
            self._wrapped[kind] = self.book.add_format({**props, "text_wrap": True})
        return self._wrapped[kind]

    def number(self, fmt: str, kind):
        """Inputs blue, links green, formulas explicitly black (the convention, whatever the theme);
        right-aligned also when a result is text (an error).  ``kind``: True/"input", False/"formula", "link"."""
        kind = {True: "input", False: "formula"}.get(kind, kind)
        key = (fmt, kind)
        if key not in self._cache:
            color = {"input": INPUT_BLUE, "link": LINK_GREEN}.get(kind, "#000000")
            self._cache[key] = self.book.add_format({"num_format": fmt, "align": "right", "font_color": color})
        return self._cache[key]


@dataclass
class SheetInfo:
    """Where :func:`add_sheet` put things: row index of each key, the number of scenario columns."""

    sheet: Sheet
    worksheet: object
    row_of: dict[str, int]
    n: int
    last_row: int
    widths: dict[int, float] = field(default_factory=dict)  # column -> width set, for the print plan
    heights: dict[int, float] = field(default_factory=dict)  # row -> height set (points; 0 = hidden)
    grid: list | None = None  # the sensitivity grid's values, once computed
    scenarios: tuple = ()

    def ref(self, key: str, j: int, other_sheet: bool = False) -> str:
        return column_cell(self.row_of[key], j, self.sheet.title if other_sheet else None)


def column_cell(row: int, j: int, sheet: str | None = None) -> str:
    """A1 reference of row ``row`` (0-based) in scenario column ``j`` (0-based: column D), optionally on ``sheet``.

    >>> column_cell(6, 0), column_cell(6, 1, "Figure 11")
    ('D7', "'Figure 11'!E7")
    """
    return cell(row, FIRST_COL + j, sheet=sheet)


def sheet_values(scenarios: Sequence[Scenario], sheets: Sequence[Sheet] | None = None) -> dict[str, list[float]]:
    """``{row key: [float per scenario]}``: :func:`xlsizing.scenarios.values` (the one evaluator)."""
    return scenario_rows(scenarios, sheets)


@functools.lru_cache(maxsize=64)
def sheet_positions(sheet: Sheet, earlier: tuple[Sheet, ...]):
    """``(plan, row_of, external)`` of a sheet: the same in every workbook, so computed once per batch.

    ``plan``: ``("section", row, section)`` and ``("row", row, Row)`` in sheet order; ``row_of``:
    row index of each key; ``external``: ``{key: (sheet title, row)}`` of the rows of the sheets
    ``earlier``.  Rows sit below each other with a blank line and a heading between sections, so
    formulas may reference rows below them.  Row indices are 0-based worksheet rows.

    >>> from xlsizing.sheets import BEYOND, FIGURE11
    >>> plan, row_of, external = sheet_positions(FIGURE11, ())
    >>> plan[0][:2], row_of["mau_wan"], row_of["capex_yi"]  # MAU on worksheet row 6, capex on row 20
    (('row', 5), 5, 19)
    >>> sheet_positions(BEYOND, (FIGURE11,))[2]["params_yi"]  # a linked input reads Figure 11's row 8
    ('Figure 11', 7)
    """
    row_of: dict[str, int] = {}
    r = FIRST_ROW
    section = None
    plan = []
    for row in sheet.rows:
        if row.section != section:
            if section is not None:
                r += 1  # blank line between sections
            section = row.section
            if section in sheet.section_titles and plan:  # the first section needs no heading
                plan.append(("section", r, section))
                r += 1
        plan.append(("row", r, row))
        row_of[row.key] = r
        r += 1
    external = {}
    for i, other in enumerate(earlier):  # an earlier sheet may itself read the sheets before it
        for k, rk in sheet_positions(other, earlier[:i])[1].items():
            external.setdefault(k, (other.title, rk))
    missing = [k for k in sheet.reads if k not in external]
    if missing:
        raise ValueError(f"sheet {sheet.title!r} reads rows {missing} that no earlier sheet has")
    return tuple(plan), row_of, external


def _ref_function(sheet: Sheet, earlier: tuple[Sheet, ...], letters: str):
    """``ref(key)``: the reference to row ``key`` (of ``sheet`` or a sheet ``earlier``) in column ``letters``."""
    _, row_of, external = sheet_positions(sheet, earlier)

    def ref(k):
        title, r = (None, row_of[k]) if k in row_of else external[k]
        head, tail = column_template(r, sheet=title)
        return head + letters + tail

    return ref


_COLUMN = "\x00"  # stands for the column letters in a formula template (never in a formula or a title)


@functools.lru_cache(maxsize=1 << 10)
def _formula_parts(sheet: Sheet, earlier: tuple[Sheet, ...], key: str) -> tuple[str, ...]:
    """Row ``key``'s formula cut where its column letters go: every reference of a row's formula is to its
    own scenario column, so ``letters.join(parts)`` is the formula of that column, built once per row
    instead of once per cell (10,000 columns: 1,700,000 formulas).

    >>> from xlsizing.sheets import FIGURE11
    >>> "E".join(_formula_parts(FIGURE11, (), "dau_wan"))
    '=E6*E23'
    """
    return tuple(sheetlist.formula(sheet.row[key], _ref_function(sheet, earlier, _COLUMN)).split(_COLUMN))


def _is_set(scenario: Scenario, key: str) -> bool:
    return key in scenario.values or key in scenario.extra  # scenario_values(scenario), without the merged dict


@functools.lru_cache(maxsize=16)
def _label_widths(sheet: Sheet) -> tuple[float, float, float]:
    """Widths of a sheet's label columns (Chinese, English, unit): the same in every workbook."""
    return (column_width([row.zh for row in sheet.rows] + ["项目"], hi=44),
            column_width([row.en for row in sheet.rows], hi=50),
            column_width([row.unit for row in sheet.rows] + ["单位", "Unit"]))


def add_sheet(book, sheet: Sheet, scenarios: Sequence[Scenario], values: dict[str, list[float]], *,
              styles: _Styles | None = None, earlier: Sequence[SheetInfo] = ()) -> SheetInfo:
    """Write one sheet of ``sheet.rows`` for ``scenarios`` (one column each) into an XlsxWriter book.

    Inputs are blue numbers with defined names, computed rows black formulas with their cached
    values (``values``, from the one evaluator), linked inputs green formulas (or blue numbers where
    the scenario sets them), text rows merged across the scenario columns.  ``earlier`` holds the
    sheets already written, for formulas that read their rows.
    """
    styles = styles or _Styles(book)
    n = len(scenarios)
    from .xlsx_worksheet import XlsizingWorksheet  # XlsxWriter is loaded only by a write

    ws = book.add_worksheet(sheet.title, worksheet_class=XlsizingWorksheet)
    last_col = FIRST_COL + n - 1

    earlier_sheets = tuple(info.sheet for info in earlier)
    plan, row_of, _ = sheet_positions(sheet, earlier_sheets)
    last = max((r for _, r, _ in plan), default=FIRST_ROW)
    source_row = last + 1
    info = SheetInfo(sheet, ws, dict(row_of), n, last, scenarios=tuple(scenarios))

    # widths first (labels, units, every value at its displayed precision, so nothing shows ###),
    # then every row in order: in constant_memory mode a row is written out when the next one
    # starts, so its wrapped text and its height must be known when it is written
    widest = [0] * n  # per scenario column: the widest value shown (its displayed text)
    for kind, _, row in plan:
        if kind == "row" and row.text is None:
            bound = _shown_length_bound(row)
            for j, v in enumerate(values[row.key]):
                if bound(v) > widest[j]:  # else its text cannot be the widest: not formatted at all
                    widest[j] = max(widest[j], printing.text_width(display(row, v)))
    for c, w in enumerate(_label_widths(sheet)):
        _set_width(info, c, w)
    for j, s in enumerate(scenarios):
        # a long name wraps in its header instead of widening the column
        names = min(column_width([s.name, s.name_en or ""]), NAME_WIDTH_MAX)
        _set_width(info, FIRST_COL + j, max(names, _width_of(widest[j], lo=10, hi=40)))
    if sheet.grid is not None:  # the grid shares the first scenario columns: wide enough for both
        _widen_for_grid(info, sheet)
    pplan = _print_columns(info)

    title_zh, title_en, _ = sheet_heading(sheet, scenarios)  # the report's only for its own scenarios
    ws.write_string(0, 0, title_zh, styles.title)
    ws.write_string(1, 0, title_en, styles.subtitle)
    # the column letters of every scenario column; a defined name's target is "=" + head + letters +
    # tail around them (refs.column_template), made once per row
    letters = [column_letters(FIRST_COL + j + 1) for j in range(n)]
    for r, key, names, labels in ((HEADER_ROW, "scenario_name", [s.name for s in scenarios], ("项目", "Item", "单位")),
                                  (HEADER_ROW + 1, "scenario_name_en", [s.name_en or "" for s in scenarios],
                                   ("", "", "Unit"))):
        # a long name wraps in its header; the full name stays there
        k = max(printing.lines(name, info.widths.get(FIRST_COL + j, 8.43)) for j, name in enumerate(names))
        fmt = styles.wrapped("header") if k > 1 else styles.header
        if k > 1:
            _set_height(info, r, k * printing.ROW_PT)
        for c, (text, style) in enumerate(zip(labels, (styles.header_left, styles.header_left, styles.header))):
            ws.write_string(r, c, text, style)
        head, tail = column_template(r, True, sheet.title)
        head = "=" + head
        for j, name in enumerate(names):
            # scenario text is data: always a string, never a formula (write_string, not write)
            ws.write_string(r, FIRST_COL + j, name, fmt)
            book.define_name(sheet.name(key, j + 1), head + letters[j] + tail)

    # the formula line merges only across the scenario columns of the first printed page: a merged
    # text across a page break would be cut in two
    text_last = FIRST_COL + n - 1 if not pplan.v_breaks else min(FIRST_COL + n - 1, pplan.v_breaks[0] - 1)
    room = sum(info.widths.get(c, 8.43) for c in range(FIRST_COL, text_last + 1))
    r = FIRST_ROW
    for kind, r, item in plan:
        if kind == "section":
            zh, en = sheet.section_titles[item]
            ws.write_string(r, 0, zh, styles.section)
            ws.write_string(r, 1, en, styles.section)
            for c in range(2, last_col + 1):
                ws.write_blank(r, c, None, styles.section)
            continue
        row = item
        # a label wider than its column (capped widths) wraps onto more lines
        k = [printing.lines(text, info.widths.get(c, 8.43)) for c, text in ((0, row.zh), (1, row.en))]
        if row.text is not None:
            k.append(printing.lines(row.text, room))
        if max(k) > 1:
            _set_height(info, r, max(k) * printing.ROW_PT)
        ws.write_string(r, 0, row.zh, styles.wrapped("plain") if k[0] > 1 else styles.label)
        ws.write_string(r, 1, row.en, styles.wrapped("plain") if k[1] > 1 else styles.label)
        ws.write_string(r, 2, row.unit, styles.unit)
        if row.text is not None:
            fmt = styles.wrapped("text") if k[2] > 1 else styles.text
            if text_last > FIRST_COL:
                ws.merge_range(r, FIRST_COL, r, text_last, row.text, fmt)
            else:
                ws.write_string(r, FIRST_COL, row.text, fmt)
            continue
        typed = computed = None  # the row's two formats, made when first used (a format costs each workbook)
        parts = _formula_parts(sheet, earlier_sheets, row.key) if row.is_computed or row.is_linked else ()
        head, tail = column_template(r, True, sheet.title)
        head = "=" + head
        for j, v in enumerate(values[row.key]):
            if row.is_input and not (row.is_linked and not _is_set(scenarios[j], row.key)):
                typed = typed or styles.number(row.fmt, "input")
                ws.write_number(r, FIRST_COL + j, v, typed)
            else:
                computed = computed or styles.number(row.fmt, "link" if row.is_input else "formula")
                # a non-finite result (an infeasible row of another sheet) is cached as #NUM!,
                # never as the text "nan" that Excel would reject
                ws.write_formula(r, FIRST_COL + j, letters[j].join(parts), computed,
                                 v if math.isfinite(v) else "#NUM!")
            book.define_name(sheet.name(row.key, j + 1), head + letters[j] + tail)
    r = source_row
    labels = sum(info.widths.get(c, 8.43) for c in range(FIRST_COL))  # printed on every page
    source = sheet_heading(sheet, scenarios)[2]  # the report's only for its own scenarios
    _set_height(info, source_row, max(printing.ROW_PT, printing.lines(source, labels, font_pt=9) * 12.0))
    ws.merge_range(source_row, 0, source_row, FIRST_COL - 1, source, styles.wrapped("source"))

    ws.freeze_panes(FIRST_ROW, FIRST_COL)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(HEADER_ROW, HEADER_ROW + 1)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer(f"&L&8xlsizing {__version__}&R&8&P / &N")

    end = r
    blocks: list[int] = []  # rows that start a block kept on one page (besides the sections)
    if sheet.chart is not None and n > 1:  # a chart compares scenarios: one scenario shows its number alone
        key, title = sheet.chart
        chart = book.add_chart({"type": "column"})
        cr = row_of[key]
        categories = _chart_labels(book, info, styles, scenarios, r + 1)
        if categories != HEADER_ROW:
            chart.show_hidden_data()  # the short labels sit in a hidden row
        blocks.append(r + 2)
        chart.add_series({
            "name": title,
            "categories": [sheet.title, categories, FIRST_COL, categories, last_col],
            "values": [sheet.title, cr, FIRST_COL, cr, last_col],
            "data_labels": {"value": True, "num_format": "#,##0"} if n <= 12 else None,
            "fill": {"color": "#2F5597"},
        })
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        ws.insert_chart(r + 2, 0, chart, {"x_scale": 1.25, "y_scale": 1.0})
        end = r + 2 + CHART_ROWS
    if sheet.series_chart is not None:
        blocks.append(end + 2)
        end = _write_series_chart(book, ws, sheet, row_of, n, end)
    if sheet.grid is not None:
        blocks += [end + 2, end + 2 + 3 + len(sheet.grid.row_values) + 1]  # the grid table, its chart
        grid_row, grid_col = _write_grid(book, ws, info, styles, end + 2, scenarios, earlier)
        end, last_col = max(end, grid_row), max(last_col, grid_col)
    ws.print_area(0, 0, end, last_col)
    sections = [row for kind, row, _ in plan if kind == "section"]
    _apply_print_plan(info, pplan, sections + blocks, end)
    return info


SERIES_CHART_MAX = 16  # scenarios drawn in a series chart; more would be unreadable (Excel allows 255)


def _write_series_chart(book, ws, sheet: Sheet, row_of, n: int, end: int) -> int:
    """A clustered column chart over the consecutive rows ``sheet.series_chart`` names (the capex
    schedule's years), one series per scenario column; returns the last row it covers."""
    keys, title = sheet.series_chart
    rows = [row_of[k] for k in keys]
    if rows != list(range(rows[0], rows[0] + len(rows))):  # pragma: no cover - a programming error
        raise ValueError(f"sheet {sheet.title!r}: the chart rows {keys} are not consecutive")
    chart = book.add_chart({"type": "column"})
    shown = min(n, SERIES_CHART_MAX)
    for j in range(shown):
        chart.add_series({
            "name": [sheet.title, HEADER_ROW, FIRST_COL + j],
            "categories": [sheet.title, rows[0], 0, rows[-1], 0],
            "values": [sheet.title, rows[0], FIRST_COL + j, rows[-1], FIRST_COL + j],
        })
    more = f" (first {shown} of {n} scenarios)" if shown < n else ""
    chart.set_title({"name": title + more, "name_font": {"size": 11}})
    chart.set_legend({"position": "bottom"} if shown > 1 else {"none": True})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    ws.insert_chart(end + 2, 0, chart, {"x_scale": 1.25, "y_scale": 1.0})
    return end + 2 + CHART_ROWS


# --- print layout: widths, wrapped text, chart labels, scale and page breaks (xlsizing.printing) ---

NAME_WIDTH_MAX = 20.0  # a scenario column is never widened beyond this for its name alone
CHART_ROWS = 16  # rows a chart (288 px high) covers in LibreOffice (18 px rows); Excel's 20 px rows: 15


def _set_width(info: SheetInfo, col: int, width: float) -> None:
    info.worksheet.set_column(col, col, width)
    info.widths[col] = width


def _set_height(info: SheetInfo, row: int, height: float, hidden: bool = False) -> None:
    info.worksheet.set_row(row, height, None, {"hidden": True} if hidden else None)
    info.heights[row] = 0.0 if hidden else height


def _widen_for_grid(info: SheetInfo, sheet: Sheet) -> None:
    """Give the grid's columns their own widths: wide enough for its values and headers (the grid
    shares its first columns with the scenario columns; the others are its own)."""
    from dataclasses import replace

    g = sheet.grid
    owners = {key: s for s in sheetlist.SHEETS for key in s.row}
    # the names are those of the grid's first scenario column: the writer's cached values
    info.grid = grid_values(sheet, info.scenarios[0])
    shown = replace(owners[g.result].row[g.result], fmt=g.fmt)
    colrow = replace(owners[g.col_input].row[g.col_input], fmt=g.col_fmt)
    for k, b in enumerate(g.col_values):
        strings = [display(colrow, b).replace('"×"', "×") + "×"] + [f"{display(shown, row[k])}," for row in info.grid]
        c = FIRST_COL + k
        _set_width(info, c, max(info.widths.get(c, 0.0), column_width(strings, lo=8, hi=20)))
    rowrow = replace(owners[g.row_input].row[g.row_input], fmt=g.row_fmt)
    _set_width(info, 2, max(info.widths.get(2, 0.0), column_width([display(rowrow, a) for a in g.row_values])))


def _print_columns(info: SheetInfo) -> printing.PrintPlan:
    """Scale and column page breaks of a sheet, from the widths set (rows are planned at the end)."""
    widths = [info.widths.get(c, 8.43) for c in range(max(info.widths) + 1)]
    scale, v_breaks = printing.columns_plan(widths, label_columns=FIRST_COL)
    return printing.PrintPlan(scale, [], v_breaks, repeat_labels=bool(v_breaks))


def _chart_labels(book, info: SheetInfo, styles: _Styles, scenarios, row: int) -> int:
    """The row the scenario chart takes its category labels from: the header row, or (when a name is
    too long for an axis label) a hidden row of shortened names, named ``<prefix>chart_label_<n>``."""
    if all(printing.text_width(s.name) <= printing.CHART_LABEL_UNITS for s in scenarios):
        return HEADER_ROW
    ws, sheet = info.worksheet, info.sheet
    for j, s in enumerate(scenarios):
        ws.write_string(row, FIRST_COL + j, printing.short_label(s.name, printing.CHART_LABEL_UNITS), styles.label)
        book.define_name(sheet.name("chart_label", j + 1), "=" + cell(row, FIRST_COL + j, True, sheet.title))
    _set_height(info, row, printing.ROW_PT, hidden=True)
    return row


def _apply_print_plan(info: SheetInfo, pplan: printing.PrintPlan, starts: Sequence[int], end: int) -> None:
    """Fixed print scale, column breaks, and row breaks that keep each block (section, chart, grid)
    on one page; label columns repeated when the sheet prints across pages."""
    ws = info.worksheet
    starts = sorted({r for r in starts if FIRST_ROW < r <= end})
    edges = [0, *starts, end + 1]

    def height(r0, r1):
        return sum(info.heights.get(r, printing.ROW_PT if r else 20.0) for r in range(r0, r1))

    blocks = [printing.Block(a, height(a, b), breakable=(b - a) > CHART_ROWS + 2)
              for a, b in zip(edges, edges[1:])]
    repeat = height(HEADER_ROW, HEADER_ROW + 2)
    one = printing.one_page_scale(blocks, pplan.scale) if not pplan.v_breaks else None
    if one is not None:  # few rows and columns: the whole sheet on one page
        pplan.scale, pplan.h_breaks = one, []
    else:
        pplan.h_breaks = printing.row_breaks(blocks, pplan.scale, repeat)
    ws.set_print_scale(pplan.scale)
    if pplan.h_breaks:
        ws.set_h_pagebreaks(pplan.h_breaks)
    if pplan.v_breaks:
        ws.set_v_pagebreaks(pplan.v_breaks)
        ws.repeat_columns(0, FIRST_COL - 1)


NOTES_WIDTH_MAX = (30.0, 45.0, 10.0, 70.0)  # the Notes columns: key/name, English, unit, note


def _notes_print(ws, styles: _Styles, r0: int, parts) -> None:
    """Write the Notes lines so they print readably: capped column widths, long cells wrapped (prose
    across the four columns), a fixed scale, and no heading left at the bottom of a page.

    ``parts``: the note parts (:func:`_notes_part`) in order, the first starting at row ``r0``.  The
    widths come from every part's table cells; the layout of a part at those widths is computed
    once per process (the chain and assumptions are the same in every workbook of a batch).
    """
    widths = tuple(float(min(NOTES_WIDTH_MAX[c], max(8.0, max((p.widest[c] for p in parts), default=0) * 1.15 + 2)))
                   for c in range(4))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    fmts = {None: styles.label, "title": styles.title, "subtitle": styles.subtitle, "bold": styles.bold,
            "header_left": styles.header_left}
    heights: dict[int, float] = {}
    headings = []
    r = r0
    for part in parts:
        for offset, cells, fmt, k, wraps in _notes_layout(part, widths):
            row = r + offset
            if len(cells) == 1:
                if wraps[0]:
                    ws.merge_range(row, 0, row, 3, cells[0], styles.wrapped(_PLAIN[fmt]))
                else:
                    ws.write_string(row, 0, cells[0], fmts[fmt])
                if fmt == "bold":
                    headings.append(row)
            else:
                for c, text in enumerate(cells):
                    ws.write_string(row, c, text, styles.wrapped(_PLAIN[fmt]) if wraps[c] else fmts[fmt])
            if k > 1:
                ws.set_row(row, k * printing.ROW_PT)
                heights[row] = k * printing.ROW_PT
        r += part.rows
    end = r - 1
    scale, _ = printing.columns_plan(list(widths), label_columns=4)
    edges = [0, *[h for h in headings if h > 0], end + 1]
    blocks = [printing.Block(a, sum(heights.get(x, printing.ROW_PT) for x in range(a, b)))
              for a, b in zip(edges, edges[1:])]
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    one = printing.one_page_scale(blocks, scale)
    ws.set_print_scale(one or scale)
    if one is None:
        ws.set_h_pagebreaks(printing.row_breaks(blocks, scale, 0.0))


_PLAIN = {None: "plain", "bold": "bold", "header_left": "header_left"}  # formats whose long cells wrap


@dataclass(frozen=True)
class _NotesPart:
    """Consecutive Notes lines: ``(row offset, cells, format name)``; ``rows`` includes blank rows."""

    lines: tuple[tuple[int, tuple[str, ...], str | None], ...]
    rows: int
    widest: tuple[float, float, float, float]  # widest text of the table (several-cell) lines, per column


def _notes_part(items) -> _NotesPart:
    """A :class:`_NotesPart` from ``items``: ``None`` (a blank row) or ``(cells, format name)``."""
    lines, widest, r = [], [0.0] * 4, 0
    for item in items:
        if item is not None:
            cells, fmt = tuple(str(t) for t in item[0]), item[1]
            lines.append((r, cells, fmt))
            if len(cells) > 1:  # single-cell lines are prose, wrapped across the four columns
                for c, text in enumerate(cells):
                    widest[c] = max(widest[c], printing.text_width(text))
        r += 1
    return _NotesPart(tuple(lines), r, tuple(widest))


@functools.lru_cache(maxsize=64)  # a part's layout at the widths: the same in every workbook of a batch
def _notes_layout(part: _NotesPart, widths: tuple[float, ...]) -> tuple:
    """Each line of ``part`` as ``(offset, cells, format, lines tall, wrapped per cell)`` at ``widths``."""
    out = []
    for offset, cells, fmt in part.lines:
        if len(cells) == 1:
            k = printing.lines(cells[0], sum(widths), font_pt=14 if fmt == "title" else 11)
            wrap = k > 1 and fmt in _PLAIN
            out.append((offset, cells, fmt, k if wrap else 1, (wrap,)))
        else:
            each = [printing.lines(t, widths[c]) for c, t in enumerate(cells)]
            k = max(each)
            out.append((offset, cells, fmt, k, tuple(k > 1 and e > 1 and fmt in _PLAIN for e in each)))
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _notes_sheets_part(sheets: tuple[Sheet, ...]) -> _NotesPart:
    """The Notes lines that depend on the sheets only: each chain, each sheet's assumptions, the functions."""
    items: list = []
    for sheet in sheets:
        items += [None, ((f"公式 / Chain: {sheet.title}",), "bold")]
        items += [((text,), None) for text in sheet.formula_lines]
        for row in sheet.order:
            native = row.native.format(**{k: k for k in row.args})
            items.append(((row.zh, row.en, row.unit, f"{row.key} = {native}"), None))
    for sheet in sheets:
        items += [None, ((f"假设 / Assumptions: {sheet.title} (blue cells are inputs, green cells follow another "
                          f"sheet; each has a defined name {sheet.prefix}<key>_<column>)",), "bold"),
                  (("key", "English", "unit", "note"), "header_left")]
        for row in sheet.inputs:
            if row.is_linked:
                target = sheetlist.row(row.link)
                owner = next(s.title for s in sheetlist.SHEETS if row.link in s.row)
                default = f"follows {owner} {row.link} ({target.en}) unless set; "
            else:
                default = "" if row.default is None else f"default {row.default:g}; "
            items.append(((row.key, f"{row.zh} / {row.en}", row.unit, (default + row.doc).strip("; ")), None))
    udfs = ", ".join(row.udf for sheet in sheets for row in sheet.headline)
    items += [None, (("Excel functions / 自定义函数",), "bold"),
              ((f"The headline rows call {udfs} from the xlsizing add-in through IFERROR(UDF(...), native formula).",),
               None),
              (("Without the add-in the function is unknown (#NAME?), IFERROR falls back to the native formula, "
                "and the cell shows the same number. The add-in's own errors are text and stay visible.",), None),
              (("Other rows are native formulas. Cached values are stored with every formula, so previews "
                "show numbers before any recalculation.",), None)]
    return _notes_part(items)


@functools.lru_cache(maxsize=16)
def _notes_sheet_notes(sheets: tuple[Sheet, ...]) -> _NotesPart:
    """Each sheet's own notes, the last lines of the Notes sheet."""
    items: list = []
    for sheet in sheets:
        for heading, text in sheet.notes:
            items += [None, ((heading,), "bold"), *(((part,), None) for part in text.split("\n"))]
    return _notes_part(items)


# --- the sensitivity grid: one computed row over two inputs, built from the rows ------------------


def grid_name(sheet: Sheet, what: str, *idx: int) -> str:
    """Defined names of a sheet's grid: ``bx_grid_column``, ``bx_grid_row_2`` (row input), ``bx_grid_col_3``, ``bx_grid_2_3``."""
    return sheet.prefix + "grid_" + "_".join([what, *map(str, idx)] if what else list(map(str, idx)))


def grid_values(sheet: Sheet, scenario: Scenario) -> list[list[float]]:
    """The grid of ``sheet`` in Python for one scenario: its result for each row value × column value.

    The same evaluator as every sheet, on the scenario's inputs with the two grid inputs replaced.
    """
    g = sheet.grid
    base = scenario_values(scenario)
    owner = [s for s in sheetlist.SHEETS if g.result in s.row]
    return sheetlist.evaluate_grid(base, g, owner)


def _grid_formula(sheet: Sheet, j_ref, i: int, k: int) -> str:
    """The formula of grid cell (i, k): the chain from the two varied inputs to the result, inlined."""
    g = sheet.grid
    universe = {key: r for s in sheetlist.SHEETS for key, r in s.row.items()}
    varied = {g.row_input, g.col_input}
    through = {key for key in universe if depends_on(universe, key, varied)}

    def ref(key):
        if key == g.row_input:
            return grid_name(sheet, "row", i + 1)
        if key == g.col_input:
            return grid_name(sheet, "col", k + 1)
        return j_ref(key)

    return "=" + inline_formula(universe, g.result, ref, through)


def _grid_pick(sheet: Sheet, n: int):
    """``pick(key)``: the selected scenario column's cell of row ``key`` (or its header), by defined name."""
    owners = {key: s for s in sheetlist.SHEETS for key in s.row}

    def pick(key):
        owner = owners.get(key, sheetlist.FIGURE11)  # scenario_name: the Figure 11 header
        names = [owner.name(key, j) for j in range(1, n + 1)]
        return f"CHOOSE({grid_name(sheet, 'column')},{','.join(names)})" if 1 < n <= sheet.grid.choose_max else names[0]

    return pick


@functools.lru_cache(maxsize=1 << 12)  # the same 25 formulas in every workbook of a batch
def grid_formula(sheet: Sheet, n: int, i: int, k: int) -> str:
    """The formula of grid cell (row ``i``, column ``k``, 0-based) in a workbook of ``n`` scenarios (fill checks it)."""
    return _grid_formula(sheet, _grid_pick(sheet, n), i, k)


def grid_scenario_formula(sheet: Sheet, n: int) -> str:
    """The formula showing the name of the scenario the grid sizes, beside its column number."""
    return "=" + _grid_pick(sheet, n)("scenario_name")


def _write_grid(book, ws, info: SheetInfo, styles: _Styles, row0: int, scenarios, earlier) -> tuple[int, int]:
    """Write ``info.sheet.grid`` and its line chart below the rows; returns (last row, last column)."""
    sheet, g, n = info.sheet, info.sheet.grid, info.n
    choose = n <= g.choose_max
    owners = {key: s for s in sheetlist.SHEETS for key in s.row}

    title = sheet.title
    r = row0
    ws.write_string(r, 0, g.title_zh, styles.bold)
    ws.write_string(r, 1, g.title_en, styles.bold)
    r += 1
    ws.write_string(r, 0, "情形列号", styles.label)
    ws.write_string(r, 1, f"Scenario column (1-{n if choose else 1}) the grid sizes", styles.label)
    ws.write_number(r, FIRST_COL, 1, styles.number("0", "input" if choose else "formula"))
    book.define_name(grid_name(sheet, "column"), "=" + cell(r, FIRST_COL, True, title))
    # the scenario's name beside its number: a recipient reads names, not column numbers
    ws.write_formula(r, FIRST_COL + 1, grid_scenario_formula(sheet, n), styles.bold, scenarios[0].name)
    book.define_name(grid_name(sheet, "scenario"), "=" + cell(r, FIRST_COL + 1, True, title))
    r += 1
    rlab, clab = owners[g.row_input].row[g.row_input], owners[g.col_input].row[g.col_input]
    ws.write_string(r, 0, f"{rlab.zh} ＼ {clab.zh}", styles.header_left)
    # the English axis text is longer than column B: wrapped (printing.lines) rather than cut off by C
    axes = f"{rlab.en} (rows) × {clab.en} (columns)"
    ws.write_string(r, 1, axes, styles.wrapped("header_left"))
    _set_height(info, r, printing.lines(axes, info.widths.get(1, 8.43)) * printing.ROW_PT)
    ws.write_string(r, 2, rlab.zh, styles.header)
    head = r
    for k, b in enumerate(g.col_values):
        ws.write_number(r, FIRST_COL + k, b, styles.number(g.col_fmt, "input"))
        book.define_name(grid_name(sheet, "col", k + 1), "=" + cell(r, FIRST_COL + k, True, title))
    grid = info.grid if info.grid is not None else grid_values(sheet, scenarios[0])
    for i, a in enumerate(g.row_values):
        r += 1
        ws.write_number(r, 2, a, styles.number(g.row_fmt, "input"))
        book.define_name(grid_name(sheet, "row", i + 1), "=" + cell(r, 2, True, title))
        for k in range(len(g.col_values)):
            v = grid[i][k]
            ws.write_formula(r, FIRST_COL + k, grid_formula(sheet, n, i, k), styles.number(g.fmt, "formula"),
                             v if math.isfinite(v) else "#NUM!")
            book.define_name(grid_name(sheet, "", i + 1, k + 1), "=" + cell(r, FIRST_COL + k, True, title))
    last_col = FIRST_COL + len(g.col_values) - 1
    chart = book.add_chart({"type": "line"})
    for k in range(len(g.col_values)):
        chart.add_series({
            "name": [title, head, FIRST_COL + k],
            "categories": [title, head + 1, 2, head + len(g.row_values), 2],
            "values": [title, head + 1, FIRST_COL + k, head + len(g.row_values), FIRST_COL + k],
            "marker": {"type": "circle"},
        })
    chart.set_title({"name": g.chart_title, "name_font": {"size": 11}})
    chart.set_x_axis({"name": rlab.en, "num_format": g.row_fmt})
    chart.set_y_axis({"name": owners[g.result].row[g.result].unit, "num_format": g.fmt,
                      "major_gridlines": {"visible": True}})
    ws.insert_chart(r + 2, 0, chart, {"x_scale": 1.25, "y_scale": 1.0})
    return r + 2 + 16, last_col


# --- the Notes sheet ------------------------------------------------------------------------------


def _notes_sheet(book, styles: _Styles, scenarios: Sequence[Scenario], sheets: Sequence[Sheet]):
    from .xlsx_worksheet import XlsizingWorksheet

    ws = book.add_worksheet("Notes", worksheet_class=XlsizingWorksheet)
    head = _notes_part([(("说明 / Notes",), "title"),
                        ((f"Written by xlsizing {__version__} (Python package); regenerate rather than edit by hand",),
                         "subtitle"),
                        None,
                        (("来源 / Source",), "bold"),
                        ((sheet_heading(sheetlist.FIGURE11, scenarios)[2],), None),
                        (("Method: Minsheng Securities, 2024-12-26, 豆包大模型推理算力需求测算, Figure 11 "
                          "(三种假设情形下，豆包带来的推理需求测算).",), None)])
    body = _notes_sheets_part(tuple(sheets))
    table = _notes_part([None, (("情形 / Scenarios",), "bold"), (("name", "English name", "", "note"), "header_left"),
                         *(((s.name, s.name_en or "", "", s.note or ""), None) for s in scenarios)])
    first = head.rows + body.rows + 3  # the row of the first scenario's line
    for j in range(1, len(scenarios) + 1):
        for col, key in ((0, "notes_scenario_name"), (1, "notes_scenario_name_en"), (3, "notes_scenario_note")):
            book.define_name(f"{key}_{j}", "=" + cell(first + j - 1, col, True, "Notes"))
    _notes_print(ws, styles, 0, (head, body, table, _notes_sheet_notes(tuple(sheets))))


def build(book, scenarios: Sequence[Scenario], sheets: Sequence[Sheet] | None = None) -> list[SheetInfo]:
    """Write every sheet (default: :data:`xlsizing.sheets.SHEETS`, in order), then the Notes sheet."""
    scenarios = list(scenarios)
    if not scenarios:
        raise InvalidInput("scenarios must hold at least one scenario, got none")
    if len(scenarios) > MAX_SCENARIOS:
        raise InvalidInput(f"scenarios must hold at most {MAX_SCENARIOS} scenarios (Excel columns), "
                           f"got {len(scenarios)}")
    selected = sheetlist.sheets(sheets)
    check_sheets(selected, reads=True)
    values = sheet_values(scenarios, selected)
    styles = _Styles(book)
    infos: list[SheetInfo] = []
    for sheet in selected:
        infos.append(add_sheet(book, sheet, scenarios, values, styles=styles, earlier=infos))
    _notes_sheet(book, styles, scenarios, selected)
    title_zh, title_en, _ = sheet_heading(sheetlist.FIGURE11, scenarios)
    book.set_properties({"title": title_en or title_zh, "subject": title_zh,
                         "comments": f"Written by xlsizing {__version__}"})
    return infos


CONSTANT_MEMORY_FROM = 2000  # scenario columns from which rows stream to disk (half the memory, slower)


def write_workbook(scenarios: Sequence[Scenario], path: str | os.PathLike, *, force: bool = False,
                   sheets: Sequence[Sheet] | None = None) -> Path:
    """Write a workbook with one column per scenario to ``path`` (atomically).

    Refuses an existing ``path`` unless ``force``.  ``sheets`` defaults to every sheet of
    :data:`xlsizing.sheets.SHEETS`.
    """
    import xlsxwriter

    scenarios = list(scenarios)

    # in_memory: XlsxWriter otherwise writes each XML part to a temp file first, which doubled
    # the cost of a workbook in a batch (bench/bench_batch.py).  Wide workbooks instead write each
    # row out as soon as it is complete (constant_memory: every sheet is written row by row), so
    # the cells of 10,000 scenarios are never all in memory (bench/bench_one_workbook.py).
    mode = {"constant_memory": True} if len(scenarios) >= CONSTANT_MEMORY_FROM else {"in_memory": True}

    def write(tmp: Path):
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False, **mode})
        try:
            build(book, scenarios, sheets)
        finally:
            book.close()

    if not scenarios:
        raise InvalidInput("scenarios must hold at least one scenario, got none")
    return atomic_write(path, write, force=force)


def write_template(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write the Figure 11 template: the report's four scenario columns (``templates/figure11.xlsx``)."""
    return write_workbook(load_builtin("figure11"), path, force=force)
