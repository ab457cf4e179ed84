"""Write Figure 11 workbooks with XlsxWriter: the template and filled scenario workbooks.

The writer receives rows, numbers and formulas; it does no sizing maths.  Rows come from
:mod:`xlsizing.layout` (label zh/en, unit, number format, input or formula), numbers from the
sheet's ``evaluate`` function (:func:`xlsizing.layout.evaluate` for Figure 11) and formulas from
:func:`xlsizing.layout.formula`.

Why XlsxWriter: ``write_formula(..., value=...)`` stores each formula **with** its computed
result, so mail previews, pandas and ``openpyxl.load_workbook(data_only=True)`` see numbers
while the formulas stay live.  openpyxl writes formulas without cached values.

Every input cell and every computed cell has a workbook-level defined name,
``<prefix><row key>_<column>`` (:func:`xlsizing.layout.defined_name`): ``mau_wan_1``,
``capex_yi_4``; the scenario header cells are ``<prefix>scenario_name_<n>`` and
``<prefix>scenario_name_en_<n>``.  :mod:`xlsizing.fill` and :mod:`xlsizing.verify` find cells by
these names, never by coordinates.

Adding a sheet (the hook for other row sets)
--------------------------------------------
Describe the sheet with a :class:`SheetSpec` (its rows — any objects with the attributes of
:class:`xlsizing.layout.Row` —, its ``evaluate`` and ``inputs`` functions, a defined-name
``prefix`` unique in the workbook) and either pass it in ``write_workbook(..., sheets=[...])``
or call :func:`register_sheet` at import time of a module listed in :data:`SHEET_MODULES`
(``xlsizing.layout_beyond``), which adds it to every workbook written (the template included: then
regenerate ``templates/figure11.xlsx``) and makes :func:`xlsizing.verify.verify_workbooks` and
:func:`xlsizing.fill.fill_workbook` handle it.  A formula may reference a row of a sheet written earlier in the same workbook by its key
(list those keys in ``SheetSpec.reads``); the reference then points to that sheet's cell.

>>> import tempfile, pathlib, openpyxl
>>> from xlsizing.scenarios import load_builtin
>>> p = write_workbook(load_builtin("figure11"), pathlib.Path(tempfile.mkdtemp()) / "f11.xlsx")
>>> wb = openpyxl.load_workbook(p, data_only=True)
>>> round(read_named(wb, "capex_yi_2"), 2)
759.09
"""

from __future__ import annotations

import functools
import math
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from . import __version__, layout
from .errors import InvalidInput
from .fileio import atomic_write
from .scenarios import Scenario, load_builtin, to_inputs

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

MAX_SCENARIOS = 16_000  # Excel has 16,384 columns; three hold labels and units

FIRST_COL = 3  # columns A-C: Chinese label, English label, unit; scenarios from D
HEADER_ROW = 3  # 0-based: scenario names (zh); the next row holds the English names
FIRST_ROW = HEADER_ROW + 2

INPUT_BLUE = "#0000FF"  # sell-side convention: blue = typed input, black = formula
SECTION_FILL = "#DDEBF7"
HEADER_FILL = "#F2F2F2"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the writer caches per spec
class SheetSpec:
    """One sheet of rows for N scenario columns: what :func:`add_sheet` writes and verify checks.

    ``rows``: objects with ``key, zh, en, unit, fmt, section, text, doc, is_input, is_computed``
    (like :class:`xlsizing.layout.Row`).  ``evaluate(inputs) -> {key: array}`` computes every row
    from ``inputs(scenarios) -> {input key: array}``; ``formula(row, ref)`` renders a computed
    row's formula.  Optionally the same per scenario without numpy: ``column_inputs(scenario) ->
    {input key: float}`` and ``evaluate_column(those) -> {key: float}``; the writer then uses them
    (same numbers, no numpy import; :func:`sheet_values`), so a spec that replaces ``evaluate``
    must replace or clear (``None``) ``evaluate_column`` too.  ``prefix`` starts every defined name of the sheet (unique per workbook).
    ``chart``: ``(row key, title)`` of a native column chart by scenario, or None.
    """

    sheet: str
    rows: Sequence
    evaluate: Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]]
    inputs: Callable[[Sequence[Scenario]], Mapping[str, np.ndarray]] = to_inputs
    evaluate_column: Callable[[Mapping[str, float]], Mapping[str, float]] | None = None
    column_inputs: Callable[[Scenario], Mapping[str, float]] | None = None
    formula: Callable = layout.formula
    prefix: str = ""
    title_zh: str = ""
    title_en: str = ""
    source: str = ""
    section_titles: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    chart: tuple[str, str] | None = None
    reads: tuple[str, ...] = ()  # keys of rows on sheets written earlier that formulas use
    notes: tuple[tuple[str, str], ...] = ()  # (heading, text) lines for the Notes sheet
    # extra(book, worksheet, info, styles, first_free_row, values) -> (last row, last column) written:
    # blocks below the rows that are not one-value-per-scenario (the Beyond sheet's sensitivity grid)
    extra: Callable | None = None

    def name(self, key: str, column: int) -> str:
        return layout.defined_name(key, column, self.prefix)

    @property
    def input_rows(self):
        return [r for r in self.rows if r.is_input]

    @property
    def computed_rows(self):
        return [r for r in self.rows if r.is_computed]


FIGURE11_SHEET = SheetSpec(
    sheet="Figure 11",
    rows=layout.ROWS,
    evaluate=layout.evaluate,
    evaluate_column=layout.evaluate_column,
    column_inputs=lambda s: s.values,
    title_zh=layout.TITLE_ZH,
    title_en=layout.TITLE_EN,
    source=layout.SOURCE_LINE,
    section_titles=layout.SECTION_TITLES,
    chart=("capex_yi", "豆包大模型创造AI服务器需求（亿元）/ AI-server capex by scenario (亿元)"),
)

_REGISTERED: list[SheetSpec] = []


def register_sheet(spec: SheetSpec) -> SheetSpec:
    """Add ``spec`` to every workbook written from now on (and to verify/fill). Idempotent."""
    if spec.sheet == FIGURE11_SHEET.sheet or any(s.sheet == spec.sheet and s is not spec for s in _REGISTERED):
        raise ValueError(f"a sheet named {spec.sheet!r} is already registered")
    if spec not in _REGISTERED:
        _REGISTERED.append(spec)
    return spec


# Modules that register sheets when imported.  sheet_specs() imports them itself, so the sheets of
# a workbook never depend on which modules happened to be imported first.
SHEET_MODULES: tuple[str, ...] = ("xlsizing.layout_beyond",)


def sheet_specs() -> list[SheetSpec]:
    """Figure 11 first, then every registered sheet, in registration order."""
    import importlib

    for mod in SHEET_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:  # pragma: no cover - optional module not written yet
            if e.name != mod:
                raise
    return [FIGURE11_SHEET, *_REGISTERED]


# --- small helpers --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)  # a batch asks for the same few hundred references per workbook
def cell(row: int, col: int, absolute: bool = False, sheet: str | None = None) -> str:
    """The one place that turns (row, col) into an A1 reference (XlsxWriter's helper)."""
    from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

    ref = xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)
    return f"{quote_sheetname(sheet)}!{ref}" if sheet else ref


@functools.lru_cache(maxsize=1 << 14)  # labels and notes repeat in every workbook of a batch
def text_width(s: str) -> float:
    """Width of ``s`` in Excel character units (CJK characters count two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(s))


def _width(strings, lo=6.0, hi=60.0) -> float:
    w = max((text_width(s) for s in strings), default=0)
    # 1.15 and +2: margin for proportional fonts (Calibri vs. its substitute in LibreOffice)
    return float(min(hi, max(lo, w * 1.15 + 2)))


def read_named(wb, name: str):
    """The value of the single cell a defined name points to, in an openpyxl workbook."""
    ws, ref = named_cell(wb, name)
    return ws[ref].value


def named_cell(wb, name: str):
    """``(worksheet, "D5")`` of a workbook-level defined name in an openpyxl workbook, or KeyError.

    The KeyError says what is wrong: no such name, or a name that does not point to one cell of
    an existing sheet (a deleted column leaves ``#REF!``).  Names are resolved once per workbook
    (openpyxl re-parses a name's formula on every ``destinations`` call; a 200-column fill looks
    up tens of thousands of names).
    """
    cells = getattr(wb, "_xlsizing_named_cells", None)
    if cells is None:
        cells = {n: _resolve_name(wb, n, dn) for n, dn in wb.defined_names.items()}
        wb._xlsizing_named_cells = cells
    found = cells.get(name)
    if found is None:
        raise KeyError(f"no defined name {name}")
    if isinstance(found, str):
        raise KeyError(found)
    return wb[found[0]], found[1]


def _resolve_name(wb, name, dn):
    """``(sheet title, "D5")`` for a name pointing to one cell, else the message saying why not."""
    import re

    bad = f"defined name {name} = {dn.attr_text} does not point to one cell"
    try:
        (sheet, ref), = list(dn.destinations)
    except ValueError:
        return bad
    ref = ref.replace("$", "")
    if sheet not in wb.sheetnames or not re.fullmatch(r"[A-Z]{1,3}[0-9]{1,7}", ref):
        return bad
    return sheet, ref


# --- writing --------------------------------------------------------------------------------


class _Styles:
    """XlsxWriter formats, created once per workbook and cached by (kind, number format).

    Properties equal to the workbook default (Calibri 11) are left out: the cells look the same, and every format and every styled cell
    costs XML in each of a batch's thousand workbooks (bench/bench_batch.py).
    """

    def __init__(self, book):
        self.book = book
        self._cache = {}
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.subtitle = book.add_format({"italic": True, "font_color": "#404040"})
        self.header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "bottom": 1, "align": "center"})
        self.header_left = book.add_format({"bold": True, "bg_color": HEADER_FILL, "bottom": 1})
        self.section = book.add_format({"bold": True, "bg_color": SECTION_FILL})
        self.label = None  # plain labels: the default format, no style attribute per cell
        self.unit = book.add_format({"align": "center"})
        self.text = book.add_format({"italic": True, "align": "center"})
        self.source = book.add_format({"italic": True, "font_size": 9, "font_color": "#404040"})
        self.bold = book.add_format({"bold": True})

    def number(self, fmt: str, is_input: bool):
        """Inputs blue, formulas explicitly black (the convention, whatever the theme); right-aligned also
        when a result is text (an error)."""
        key = (fmt, is_input)
        if key not in self._cache:
            props = {"num_format": fmt, "align": "right", "font_color": INPUT_BLUE if is_input else "#000000"}
            self._cache[key] = self.book.add_format(props)
        return self._cache[key]


@dataclass
class SheetInfo:
    """Where :func:`add_sheet` put things: row index of each key, first/last scenario column."""

    spec: SheetSpec
    worksheet: object
    row_of: dict[str, int]
    n: int
    last_row: int
    scenario_names: tuple[str, ...] = ()  # the header texts, for blocks that show a scenario's name

    def ref(self, key: str, j: int, other_sheet: bool = False) -> str:
        return column_cell(self.row_of[key], j, self.spec.sheet if other_sheet else None)


def column_cell(row: int, j: int, sheet: str | None = None) -> str:
    """A1 reference of row ``row`` (0-based) in scenario column ``j`` (0-based: column D), optionally on ``sheet``.

    >>> column_cell(6, 0), column_cell(6, 1, "Figure 11")
    ('D7', "'Figure 11'!E7")
    """
    return cell(row, FIRST_COL + j, sheet=sheet)


def sheet_values(spec: SheetSpec, scenarios: Sequence[Scenario]) -> dict[str, list[float]]:
    """``{row key: [float per scenario]}``: per scenario without numpy when the spec can, else its arrays.

    Each row in its unit; both ways give the same numbers (tests/test_column_path.py).

    >>> v = sheet_values(FIGURE11_SHEET, load_builtin("figure11"))
    >>> [round(x, 2) for x in v["capex_yi"]]     # 亿元
    [455.46, 759.09, 1138.64, 1897.73]
    """
    if spec.evaluate_column is not None and spec.column_inputs is not None and len(scenarios) <= layout.COLUMN_PATH_MAX:
        return layout.columns(spec.evaluate_column, [spec.column_inputs(s) for s in scenarios])
    import numpy as np

    return {k: np.asarray(v, dtype=np.float64).tolist() for k, v in spec.evaluate(spec.inputs(scenarios)).items()}


@functools.lru_cache(maxsize=64)
def _positions(spec: SheetSpec, earlier: tuple[SheetSpec, ...]):
    """``(plan, row_of, external)`` of a sheet: the same in every workbook, so computed once per batch.

    ``plan``: ``("section", row, section)`` and ``("row", row, Row)`` in sheet order; ``row_of``:
    row index of each key; ``external``: ``{key: (sheet, row)}`` of the rows ``spec.reads`` from
    the sheets ``earlier``.  Rows sit below each other with a blank line and a heading between
    sections, so formulas may reference rows below them.
    """
    row_of: dict[str, int] = {}
    r = FIRST_ROW
    section = None
    plan = []
    for row in spec.rows:
        if row.section != section:
            if section is not None:
                r += 1  # blank line between sections
            section = row.section
            if section in spec.section_titles and plan:  # the first section needs no heading
                plan.append(("section", r, section))
                r += 1
        plan.append(("row", r, row))
        row_of[row.key] = r
        r += 1
    external = {}
    for other in earlier:
        for k, rk in _positions(other, ())[1].items():
            external.setdefault(k, (other.sheet, rk))
    missing = [k for k in spec.reads if k not in external]
    if missing:
        raise ValueError(f"sheet {spec.sheet!r} reads rows {missing} that no earlier sheet has")
    return tuple(plan), row_of, external


@functools.lru_cache(maxsize=1 << 14)
def _formula(spec: SheetSpec, earlier: tuple[SheetSpec, ...], key: str, j: int) -> str:
    """The formula of row ``key`` in scenario column ``j`` (0-based), cached for the workbooks of a batch."""
    plan, row_of, external = _positions(spec, earlier)
    row = next(item for kind, _, item in plan if kind == "row" and item.key == key)

    def ref(k):
        if k in row_of:
            return column_cell(row_of[k], j)
        sheet, r = external[k]
        return column_cell(r, j, sheet)

    return spec.formula(row, ref)


def add_sheet(book, spec: SheetSpec, scenarios: Sequence[Scenario], *, styles: _Styles | None = None,
              earlier: Sequence[SheetInfo] = ()) -> SheetInfo:
    """Write one sheet of ``spec.rows`` for ``scenarios`` (one column each) into an XlsxWriter book.

    Inputs are blue numbers with defined names, computed rows black formulas with their cached
    values (from ``spec.evaluate``), text rows merged across the scenario columns.  ``earlier``
    holds the sheets already written, for formulas that read their rows (``spec.reads``).
    """
    styles = styles or _Styles(book)
    n = len(scenarios)
    values = sheet_values(spec, scenarios)
    ws = book.add_worksheet(spec.sheet)
    last_col = FIRST_COL + n - 1

    ws.write_string(0, 0, spec.title_zh, styles.title)
    ws.write_string(1, 0, spec.title_en, styles.subtitle)
    ws.write_string(HEADER_ROW, 0, "项目", styles.header_left)
    ws.write_string(HEADER_ROW, 1, "Item", styles.header_left)
    ws.write_string(HEADER_ROW, 2, "单位", styles.header)
    ws.write_string(HEADER_ROW + 1, 0, "", styles.header_left)
    ws.write_string(HEADER_ROW + 1, 1, "", styles.header_left)
    ws.write_string(HEADER_ROW + 1, 2, "Unit", styles.header)
    for j, s in enumerate(scenarios):
        # scenario text is data: always a string, never a formula (write_string, not write)
        ws.write_string(HEADER_ROW, FIRST_COL + j, s.name, styles.header)
        ws.write_string(HEADER_ROW + 1, FIRST_COL + j, s.name_en or "", styles.header)
        book.define_name(spec.name("scenario_name", j + 1), "=" + cell(HEADER_ROW, FIRST_COL + j, True, spec.sheet))
        book.define_name(spec.name("scenario_name_en", j + 1),
                         "=" + cell(HEADER_ROW + 1, FIRST_COL + j, True, spec.sheet))

    plan, row_of, _ = _positions(spec, tuple(info.spec for info in earlier))
    earlier_specs = tuple(info.spec for info in earlier)

    widths_values: dict[int, list[str]] = {j: [s.name, s.name_en or ""] for j, s in enumerate(scenarios)}
    for kind, r, item in plan:
        if kind == "section":
            zh, en = spec.section_titles[item]
            ws.write_string(r, 0, zh, styles.section)
            ws.write_string(r, 1, en, styles.section)
            for c in range(2, last_col + 1):
                ws.write_blank(r, c, None, styles.section)
            continue
        row = item
        ws.write_string(r, 0, row.zh, styles.label)
        ws.write_string(r, 1, row.en, styles.label)
        ws.write_string(r, 2, row.unit, styles.unit)
        if row.text is not None:
            if n > 1:
                ws.merge_range(r, FIRST_COL, r, last_col, row.text, styles.text)
            else:
                ws.write_string(r, FIRST_COL, row.text, styles.text)
            continue
        fmt = styles.number(row.fmt, row.is_input)
        for j in range(n):
            v = values[row.key][j]
            widths_values[j].append(layout.display(row, v))
            if row.is_input:
                ws.write_number(r, FIRST_COL + j, v, fmt)
            else:
                # a non-finite result (an infeasible row of another sheet) is cached as #NUM!,
                # never as the text "nan" that Excel would reject
                ws.write_formula(r, FIRST_COL + j, _formula(spec, earlier_specs, row.key, j), fmt,
                                 v if math.isfinite(v) else "#NUM!")
            book.define_name(spec.name(row.key, j + 1), "=" + cell(r, FIRST_COL + j, True, spec.sheet))
    last = r
    r += 1
    ws.write_string(r, 0, spec.source, styles.source)

    # widths: labels, units, and every value at its displayed precision, so nothing shows ###
    labels = [row.zh for row in spec.rows] + ["项目"]
    ws.set_column(0, 0, _width(labels, hi=44))
    ws.set_column(1, 1, _width([row.en for row in spec.rows], hi=50))
    ws.set_column(2, 2, _width([row.unit for row in spec.rows] + ["单位", "Unit"]))
    for j in range(n):
        ws.set_column(FIRST_COL + j, FIRST_COL + j, _width(widths_values[j], lo=10, hi=40))

    ws.freeze_panes(FIRST_ROW, FIRST_COL)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.repeat_rows(HEADER_ROW, HEADER_ROW + 1)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer(f"&L&8xlsizing {__version__}&R&8&P / &N")

    end = r
    if spec.chart is not None and n > 1:  # a chart compares scenarios: one scenario shows its number alone
        key, title = spec.chart
        chart = book.add_chart({"type": "column"})
        cr = row_of[key]
        chart.add_series({
            "name": title,
            "categories": [spec.sheet, HEADER_ROW, FIRST_COL, HEADER_ROW, last_col],
            "values": [spec.sheet, cr, FIRST_COL, cr, last_col],
            "data_labels": {"value": True, "num_format": "#,##0"} if n <= 12 else None,
            "fill": {"color": "#2F5597"},
        })
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        ws.insert_chart(r + 2, 0, chart, {"x_scale": 1.25, "y_scale": 1.0})
        end = r + 2 + 16
    info = SheetInfo(spec, ws, dict(row_of), n, last, tuple(s.name for s in scenarios))
    if spec.extra is not None:
        extra_row, extra_col = spec.extra(book, ws, info, styles, end + 2, values)
        end, last_col = max(end, extra_row), max(last_col, extra_col)
    ws.print_area(0, 0, end, last_col)
    return info


def _notes_sheet(book, styles: _Styles, scenarios: Sequence[Scenario], specs: Sequence[SheetSpec]):
    ws = book.add_worksheet("Notes")
    r = 0
    seen: dict[int, list[str]] = {0: [], 1: [], 2: [], 3: []}

    def line(*cells, fmt=None):
        nonlocal r
        for c, text in enumerate(cells):
            ws.write_string(r, c, str(text), fmt or styles.label)
            if len(cells) > 1:  # single-cell lines are prose and may run across the page
                seen[c].append(str(text))
        r += 1

    line("说明 / Notes", fmt=styles.title)
    line(f"Written by xlsizing {__version__} (Python package); regenerate rather than edit by hand",
         fmt=styles.subtitle)
    r += 1
    line("来源 / Source", fmt=styles.bold)
    line(layout.SOURCE_LINE)
    line("Minsheng Securities, 2024-12-26, 豆包大模型推理算力需求测算, Figure 11 "
         "(三种假设情形下，豆包带来的推理需求测算).")
    r += 1
    line("公式 / Chain", fmt=styles.bold)
    line(layout.FORMULA_TEXT)
    line(layout.FORMULA_TEXT_EN)
    for row in layout.COMPUTED_ORDER:
        native = row.native.format(**{k: k for k in row.args})
        line(row.zh, row.en, row.unit, f"{row.key} = {native}")
    r += 1
    line("折算秒数 / Seconds basis", fmt=styles.bold)
    line("129,600 s = 86,400 s × 1.5 reproduces every printed number of Figure 11; the report does not "
         "explain the 1.5 (perhaps an 18-hour serving day × the 2 s inference time).")
    line("86,400 s (a calendar day) is the plain alternative: change the seconds-basis inputs "
         "(seconds_basis_1, ...) to 86400.")
    r += 1
    line("假设 / Assumptions (blue cells are inputs; each has a defined name <key>_<column>)", fmt=styles.bold)
    line("key", "English", "unit", "note", fmt=styles.header_left)
    for row in layout.INPUTS:
        default = "" if row.default is None else f"default {row.default:g}; "
        line(row.key, f"{row.zh} / {row.en}", row.unit, (default + row.doc).strip("; "))
    r += 1
    line("Excel functions / 自定义函数", fmt=styles.bold)
    udfs = ", ".join(row.udf for row in layout.HEADLINE)
    line(f"The headline rows call {udfs} from the xlsizing add-in through IFERROR(UDF(...), native formula).")
    line("Without the add-in the function is unknown (#NAME?), IFERROR falls back to the native formula, "
         "and the cell shows the same number. The add-in's own errors are text and stay visible.")
    line("Other rows are native formulas. Cached values are stored with every formula, so previews "
         "show numbers before any recalculation.")
    r += 1
    line("情形 / Scenarios", fmt=styles.bold)
    line("name", "English name", "", "note", fmt=styles.header_left)
    for j, s in enumerate(scenarios, start=1):
        for col, key in ((0, "notes_scenario_name"), (1, "notes_scenario_name_en"), (3, "notes_scenario_note")):
            book.define_name(f"{key}_{j}", "=" + cell(r, col, True, "Notes"))
        line(s.name, s.name_en or "", "", s.note or "")
    for spec in specs:
        for heading, text in spec.notes:
            r += 1
            line(heading, fmt=styles.bold)
            line(text)
    for c, strings in seen.items():
        ws.set_column(c, c, _width(strings, lo=8, hi=90))
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def build(book, scenarios: Sequence[Scenario], sheets: Sequence[SheetSpec] | None = None) -> list[SheetInfo]:
    """Write every sheet (Figure 11 first), then the Notes sheet, into an open XlsxWriter book."""
    scenarios = list(scenarios)
    if not scenarios:
        raise InvalidInput("scenarios must hold at least one scenario, got none")
    if len(scenarios) > MAX_SCENARIOS:
        raise InvalidInput(f"scenarios must hold at most {MAX_SCENARIOS} scenarios (Excel columns), "
                           f"got {len(scenarios)}")
    specs = list(sheets) if sheets is not None else sheet_specs()
    styles = _Styles(book)
    infos: list[SheetInfo] = []
    for spec in specs:
        infos.append(add_sheet(book, spec, scenarios, styles=styles, earlier=infos))
    _notes_sheet(book, styles, scenarios, specs)
    book.set_properties({"title": layout.TITLE_EN, "subject": layout.TITLE_ZH,
                         "comments": f"Written by xlsizing {__version__}"})
    return infos


def write_workbook(scenarios: Sequence[Scenario], path: str | os.PathLike, *, force: bool = False,
                   sheets: Sequence[SheetSpec] | None = None) -> Path:
    """Write a Figure 11 workbook with one column per scenario to ``path`` (atomically).

    Refuses an existing ``path`` unless ``force``.  ``sheets`` defaults to :func:`sheet_specs`.
    """
    import xlsxwriter

    scenarios = list(scenarios)

    def write(tmp: Path):
        # in_memory: XlsxWriter otherwise writes each XML part to a temp file first, which
        # doubled the cost of a workbook in a batch (bench/bench_batch.py)
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False, "in_memory": True})
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
