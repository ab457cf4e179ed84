"""The Plan sheet of a filled workbook (``xlsizing fill TEMPLATE SCENARIOS --plan``), written with openpyxl.

What ``build --plan`` writes with XlsxWriter, written into a user's template: the rows of
:data:`xlsizing.sheets.PLAN` at the positions the XlsxWriter layout gives them
(:func:`xlsizing.workbook.sheet_positions`), their formulas from :func:`xlsizing.sheets.formula` (the
references found by the template's defined names, as :mod:`xlsizing.fill` finds them for its own
formulas, so a fresh template gets the very formula texts ``build --plan`` writes), the chart of
planned cards, and below them the cells and the frontier chart of
:func:`xlsizing.plan_workbook.extras` (one layout, two thin writers).  The inputs' values, the
scenario names and the cached values are then written by :func:`xlsizing.fill.fill_workbook` like
every sheet's: a cell keeps a cached value only when its precedents are the layout's own.

A template that already has a Plan sheet: the one an earlier ``--plan`` wrote (its cells carry the
``pl_…`` defined names) is replaced in place; any other sheet of that name is refused.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from xlsxwriter.utility import quote_sheetname

from . import plan_workbook as pw
from . import planner, printing
from . import sheets as sheetlist
from ._version import __version__
from .errors import WorkbookError
from .refs import cell, forget_names, named_cell
from .scenarios import Scenario, sheet_heading
from .sheets import PLAN, Sheet, formula
from .workbook import (CHART_ROWS, FIRST_COL, FIRST_ROW, HEADER_FILL, HEADER_ROW, INPUT_BLUE, LINK_GREEN,
                       SECTION_FILL, column_width, sheet_positions)

Addr = Callable[[Sheet, int, str], Callable[[str], str]]  # (sheet, column 1-based, here) -> ref(key)


def _argb(rgb: str) -> str:
    return "FF" + rgb.lstrip("#")


def _header(center: bool) -> dict:
    return {"font": Font(bold=True), "fill": PatternFill("solid", fgColor=_argb(HEADER_FILL)),
            "border": Border(bottom=Side(style="thin")),
            "alignment": Alignment(horizontal="center") if center else Alignment()}


STYLES = {  # the XlsxWriter formats of xlsizing.workbook._Styles, in openpyxl's terms
    "title": {"font": Font(bold=True, size=14)},
    "subtitle": {"font": Font(italic=True, color=_argb("#404040"))},
    "header": _header(True),
    "header_left": _header(False),
    "section": {"font": Font(bold=True), "fill": PatternFill("solid", fgColor=_argb(SECTION_FILL))},
    "unit": {"alignment": Alignment(horizontal="center")},
    "source": {"font": Font(italic=True, size=9, color=_argb("#404040")),
               "alignment": Alignment(wrap_text=True, vertical="top")},
    "bold": {"font": Font(bold=True)},
}
NUMBER_COLOURS = {"input": INPUT_BLUE, "link": LINK_GREEN, "formula": "#000000", "value": "#000000"}


def _put(ws, r: int, c: int, value=None, style: str | None = None, fmt: str | None = None, kind: str | None = None):
    """Cell (``r``, ``c``) 0-based, as XlsxWriter counts: its value (text stays text), style and number format."""
    x = ws.cell(row=r + 1, column=c + 1)
    if value is not None:
        x.value = value
        if isinstance(value, str) and not value.startswith("="):
            x.data_type = "s"  # never a formula, whatever the text
    for attr, v in STYLES.get(style, {}).items():
        setattr(x, attr, v)
    if fmt is not None or kind is not None:
        x.number_format = fmt or "General"
        x.font = Font(color=_argb(NUMBER_COLOURS[kind or "value"]))
        x.alignment = Alignment(horizontal="right")
    return x


# --- the Plan sheet already in the template ---------------------------------------------------------

_OUR_NAME = re.compile(r"^" + re.escape(PLAN.prefix) + r"(?:"
                       + "|".join(re.escape(k) for k in sorted({*PLAN.row, "scenario_name", "scenario_name_en",
                                                               "chart_label"}, key=len, reverse=True))
                       + r")_[0-9]+$")


def _our_names(wb) -> list[str]:
    return [n for n in wb.defined_names if _OUR_NAME.match(n)]


def existing_plan_sheet(wb, src) -> int | None:
    """The position of the Plan sheet an earlier ``--plan`` wrote into the template (None: there is none).

    Refuses a sheet named Plan (in any case: Excel's sheet names ignore it) that holds none of the
    Plan sheet's defined names, and Plan names pointing to a sheet of another name (a renamed Plan
    sheet), rather than overwrite or duplicate a sheet xlsizing does not own.
    """
    title = PLAN.title
    clash = [t for t in wb.sheetnames if t.casefold() == title.casefold()]
    owners = set()
    for n in _our_names(wb):
        try:
            owners.add(named_cell(wb, n)[0].title)
        except KeyError:
            continue  # a name left broken (#REF!) by a deleted sheet: replaced below
    forget_names(wb)
    others = sorted(owners - {title})
    if others:
        raise WorkbookError(f"{src}: the Plan sheet's defined names (such as {PLAN.name('plan_batch', 1)}) point to "
                            f"sheet {others[0]!r}; rename that sheet back to {title!r} for --plan to replace it, "
                            f"or delete it")
    if clash and (clash[0] != title or title not in owners):
        raise WorkbookError(f"{src}: the template has its own sheet named {clash[0]!r} (it holds none of the Plan "
                            f"sheet's defined names, pl_…); rename it: --plan writes its sheet as {title!r}")
    return wb.sheetnames.index(title) if clash else None


def _remove_old(wb, index: int | None) -> None:
    """Remove the old Plan sheet and its names: the layout's, and any other ``pl_…`` name pointing into it
    (a row an older xlsizing wrote), which would otherwise point into the new sheet."""
    gone = set(_our_names(wb))
    if index is not None:
        title = wb.sheetnames[index]  # (sheetnames, not worksheets: a chart sheet counts in the order)
        for n in wb.defined_names:
            if n.startswith(PLAN.prefix):
                try:
                    if named_cell(wb, n)[0].title == title:
                        gone.add(n)
                except KeyError:
                    continue
        wb.remove(wb[title])
    for n in gone:
        del wb.defined_names[n]
    forget_names(wb)


def _position(wb, present, index: int | None) -> int:
    """Where the Plan sheet goes: where the old one was, else after the xlsizing sheets (before Notes)."""
    if index is not None:
        return index
    if "Notes" in wb.sheetnames:
        return wb.sheetnames.index("Notes")
    last = 0
    for spec, _n in present:
        try:
            last = max(last, wb.sheetnames.index(named_cell(wb, spec.name(spec.input_rows[0].key, 1))[0].title))
        except KeyError:
            continue
    return last + 1


# --- writing it ---------------------------------------------------------------------------------------


def _define(wb, name: str, r: int, c: int) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names[name] = DefinedName(name, attr_text=cell(r, c, True, PLAN.title))


def _title(text: str, size: int = 11):
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun

    props = CharacterProperties(sz=size * 100, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _ref(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """``Plan!$D$4:$G$4`` from 0-based corners (as XlsxWriter's charts spell their ranges)."""
    return f"{quote_sheetname(PLAN.title)}!{cell(first_row, first_col, True)}:{cell(last_row, last_col, True)}"


def _size(chart, x_scale: float, y_scale: float) -> None:
    # XlsxWriter's default chart is 480 × 288 px; openpyxl sizes in cm (96 px per inch)
    chart.width, chart.height = 480 * x_scale / 96 * 2.54, 288 * y_scale / 96 * 2.54


def _cards_chart(ws, row_of, scenarios, categories_row: int, anchor_row: int) -> None:
    """The column chart of planned cards by scenario (``PLAN.chart``), as ``add_sheet`` draws it."""
    from openpyxl.chart import BarChart
    from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumRef, StrRef
    from openpyxl.chart.label import DataLabelList
    from openpyxl.chart.series import Series, SeriesLabel
    from openpyxl.chart.shapes import GraphicalProperties

    key, title = PLAN.chart
    n = len(scenarios)
    last_col = FIRST_COL + n - 1
    chart = BarChart()
    chart.type = "col"
    ser = Series(val=NumDataSource(numRef=NumRef(f=_ref(row_of[key], FIRST_COL, row_of[key], last_col))),
                 tx=SeriesLabel(v=title))
    ser.cat = AxDataSource(strRef=StrRef(f=_ref(categories_row, FIRST_COL, categories_row, last_col)))
    ser.graphicalProperties = GraphicalProperties(solidFill="2F5597")
    if n <= 12:
        ser.dLbls = DataLabelList(showVal=True, numFmt="#,##0")
    chart.series.append(ser)
    chart.title = _title(title)
    chart.legend = None
    chart.y_axis.numFmt = "#,##0"
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 otherwise hides the axes in Excel
    chart.plotVisOnly = categories_row == HEADER_ROW  # the short labels sit in a hidden row
    _size(chart, 1.25, 1.0)
    ws.add_chart(chart, cell(anchor_row, 0))


def _frontier_chart(ws, ch: pw.FrontierChart) -> None:
    """The scatter chart of :class:`xlsizing.plan_workbook.FrontierChart`, as XlsxWriter draws it."""
    from openpyxl.chart import ScatterChart
    from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumRef
    from openpyxl.chart.marker import Marker
    from openpyxl.chart.series import Series, SeriesLabel

    chart = ScatterChart(scatterStyle="lineMarker")
    ser = Series(yVal=NumDataSource(numRef=NumRef(f=_ref(ch.first, ch.y_col, ch.last, ch.y_col))),
                 xVal=AxDataSource(numRef=NumRef(f=_ref(ch.first, ch.x_col, ch.last, ch.x_col))),
                 tx=SeriesLabel(v=ch.accelerator))
    ser.marker = Marker(symbol="circle", size=5)
    ser.smooth = False
    chart.series.append(ser)
    chart.title = _title(ch.title)
    chart.legend = None
    chart.x_axis.title, chart.y_axis.title = ch.x_name, ch.y_name
    chart.x_axis.numFmt = chart.y_axis.numFmt = ch.num_format
    chart.x_axis.delete = chart.y_axis.delete = False
    _size(chart, ch.x_scale, ch.y_scale)
    ws.add_chart(chart, cell(*ch.anchor))


def _write(wb, ws, scenarios: Sequence[Scenario], plans: Sequence[planner.Plan], addr: Addr) -> None:
    """Every cell of the Plan sheet but the inputs' values and the scenario names (``fill`` writes those)."""
    n = len(scenarios)
    layout, row_of, _ = sheet_positions(PLAN, tuple(sheetlist.SHEETS))
    _widths(ws, scenarios, [item for kind, _r, item in layout if kind == "row"])
    title_zh, title_en, source = sheet_heading(PLAN, scenarios)
    _put(ws, 0, 0, title_zh, "title")
    _put(ws, 1, 0, title_en, "subtitle")
    for c, text in enumerate(("项目", "Item", "单位")):
        _put(ws, HEADER_ROW, c, text, "header" if c == 2 else "header_left")
    for c, text in enumerate(("", "", "Unit")):
        _put(ws, HEADER_ROW + 1, c, text, "header" if c == 2 else "header_left")
    for j in range(n):
        _put(ws, HEADER_ROW, FIRST_COL + j, None, "header")
        _put(ws, HEADER_ROW + 1, FIRST_COL + j, None, "header")
        _define(wb, PLAN.name("scenario_name", j + 1), HEADER_ROW, FIRST_COL + j)
        _define(wb, PLAN.name("scenario_name_en", j + 1), HEADER_ROW + 1, FIRST_COL + j)
    last = FIRST_ROW
    for kind, r, item in layout:  # first every name, so every formula below finds its cells
        if kind == "row" and item.text is None:
            for j in range(n):
                _define(wb, PLAN.name(item.key, j + 1), r, FIRST_COL + j)
    forget_names(wb)
    for kind, r, item in layout:
        last = r
        if kind == "section":
            zh, en = PLAN.section_titles[item]
            _put(ws, r, 0, zh, "section")
            _put(ws, r, 1, en, "section")
            for c in range(2, FIRST_COL + n):
                _put(ws, r, c, None, "section")
            continue
        _put(ws, r, 0, item.zh)
        _put(ws, r, 1, item.en)
        _put(ws, r, 2, item.unit, "unit")
        if item.text is not None:
            _put(ws, r, FIRST_COL, item.text)
            continue
        for j in range(n):
            if item.is_input:  # its value (or its link's formula) is fill's to write
                _put(ws, r, FIRST_COL + j, fmt=item.fmt, kind="link" if item.is_linked else "input")
            else:
                _put(ws, r, FIRST_COL + j, formula(item, addr(PLAN, j + 1, PLAN.title)), fmt=item.fmt, kind="formula")
    _wrap(ws, scenarios, [(r, item) for kind, r, item in layout if kind == "row"])
    source_row = last + 1
    _put(ws, source_row, 0, source, "source")
    ws.merge_cells(start_row=source_row + 1, start_column=1, end_row=source_row + 1, end_column=FIRST_COL)
    room = sum(ws.column_dimensions[c].width for c in "ABC")
    ws.row_dimensions[source_row + 1].height = max(printing.ROW_PT, printing.lines(source, room, font_pt=9) * 12.0)
    if n > 1:
        labels_row = HEADER_ROW
        if any(printing.text_width(s.name) > printing.CHART_LABEL_UNITS for s in scenarios):
            labels_row = source_row + 1  # a hidden row of short names (fill writes them by their names)
            for j in range(n):
                _define(wb, PLAN.name("chart_label", j + 1), labels_row, FIRST_COL + j)
            ws.row_dimensions[labels_row + 1].hidden = True
        _cards_chart(ws, row_of, scenarios, labels_row, source_row + 2)
    extras = pw.extras(plans, pw.extras_first_row(last, n))
    for c in extras.cells:
        _put(ws, c.row, c.col, c.value, c.style, c.fmt, "value" if c.fmt else None)
    if extras.chart is not None:
        _frontier_chart(ws, extras.chart)
    rows_end = source_row + 2 + CHART_ROWS if n > 1 else source_row
    starts = [r for kind, r, _item in layout if kind == "section"] + ([source_row + 2] if n > 1 else [])
    _page(ws, n, max(extras.end, rows_end), starts, rows_end)
    forget_names(wb)


def _widths(ws, scenarios, items) -> None:
    """Column widths from the labels, units and names, as the XlsxWriter Plan sheet sets them."""
    from openpyxl.utils import get_column_letter

    widths = {0: column_width([i.zh for i in items] + ["项目"], hi=44),
              1: column_width([i.en for i in items], hi=50),
              2: column_width([i.unit for i in items] + ["单位", "Unit"])}
    for j, s in enumerate(scenarios):
        widths[FIRST_COL + j] = max(min(column_width([s.name, s.name_en or ""]), 20.0), 12.0)
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c + 1)].width = w


def _wrap(ws, scenarios, label_rows) -> None:
    """Long row labels and scenario names wrap in their cells, their rows as tall as needed (as ``add_sheet``)."""
    from openpyxl.utils import get_column_letter

    def width(c):
        return ws.column_dimensions[get_column_letter(c + 1)].width or 8.43

    for r, row in label_rows:
        k = [printing.lines(text, width(c)) for c, text in ((0, row.zh), (1, row.en))]
        if max(k) > 1:
            for c, kc in enumerate(k):
                if kc > 1:
                    ws.cell(row=r + 1, column=c + 1).alignment = Alignment(wrap_text=True)
            ws.row_dimensions[r + 1].height = max(k) * printing.ROW_PT
    for r, names in ((HEADER_ROW, [s.name for s in scenarios]), (HEADER_ROW + 1, [s.name_en or "" for s in scenarios])):
        k = max(printing.lines(name, width(FIRST_COL + j)) for j, name in enumerate(names))
        if k > 1:
            for j in range(len(names)):
                ws.cell(row=r + 1, column=FIRST_COL + j + 1).alignment = Alignment(horizontal="center", wrap_text=True)
            ws.row_dimensions[r + 1].height = k * printing.ROW_PT


def _page(ws, n: int, end: int, starts: Sequence[int], rows_end: int) -> None:
    """Frozen panes, page setup, print area, and the print plan of ``add_sheet`` (:mod:`xlsizing.printing`):
    its scale, and row breaks that keep each block starting at ``starts`` (sections, the chart) on one page."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    ws.freeze_panes = cell(FIRST_ROW, FIRST_COL)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_title_rows = f"{HEADER_ROW + 1}:{HEADER_ROW + 2}"
    ws.oddFooter.left.text, ws.oddFooter.left.size = f"xlsizing {__version__}", 8
    ws.oddFooter.right.text, ws.oddFooter.right.size = "&P / &N", 8
    ws.print_area = f"A1:{cell(end, pw.print_columns(n))}"
    widths = [ws.column_dimensions[get_column_letter(c + 1)].width or 8.43 for c in range(FIRST_COL + n)]
    scale, v_breaks = printing.columns_plan(widths, label_columns=FIRST_COL)

    def height(r0, r1):
        return sum(ws.row_dimensions[r + 1].height or (printing.ROW_PT if r else 20.0) for r in range(r0, r1))

    edges = [0, *sorted({r for r in starts if FIRST_ROW < r <= rows_end}), rows_end + 1]
    blocks = [printing.Block(a, height(a, b), breakable=(b - a) > CHART_ROWS + 2) for a, b in zip(edges, edges[1:])]
    one = printing.one_page_scale(blocks, scale) if not v_breaks else None
    if one is not None:
        scale, h_breaks = one, []
    else:
        h_breaks = printing.row_breaks(blocks, scale, height(HEADER_ROW, HEADER_ROW + 2))
    ws.page_setup.scale = scale
    for r in h_breaks:
        ws.row_breaks.append(Break(id=r))
    for c in v_breaks:
        ws.col_breaks.append(Break(id=c))
    if v_breaks:
        ws.print_title_cols = f"A:{get_column_letter(FIRST_COL)}"


def add_plan_sheet(wb, src, scenarios: Sequence[Scenario], options: dict, present, addr: Addr
                   ) -> tuple[list[Scenario], list[planner.Plan]]:
    """Plan ``scenarios`` (:func:`xlsizing.planner.plan` with ``options``) and write the Plan sheet into ``wb``.

    ``present``: the ``(sheet, columns)`` of the template (the Plan sheet reads the Beyond
    sheet's rows: it must be there); ``addr(sheet, j, here)``: fill's reference function.
    Returns the scenarios with the Plan sheet's inputs set (:func:`xlsizing.plan_workbook.planned_scenarios`)
    and the plans; the sheet's inputs, names and cached values are fill's to write.
    """
    have = {k for spec, _n in present for k in spec.row}
    missing = [k for k in PLAN.reads if k not in have]
    if missing:
        owner = next((s.title for s in sheetlist.SHEETS if missing[0] in s.row), "?")
        raise WorkbookError(f"{src}: the Plan sheet reads the {owner} sheet's rows ({missing[0]}, …), and this "
                            f"template has no {owner} sheet (no names such as "
                            f"{next(s for s in sheetlist.SHEETS if s.title == owner).name(missing[0], 1)}); "
                            f"fill a copy of the current template (xlsizing build -o template.xlsx)")
    old = existing_plan_sheet(wb, src)
    plans = planner.plan_scenarios(list(scenarios), **options)
    planned = pw.planned_scenarios(list(scenarios), plans)
    index = _position(wb, present, old)
    _remove_old(wb, old)
    ws = wb.create_sheet(PLAN.title, index)
    _write(wb, ws, planned, plans, addr)
    return planned, plans


__all__ = ["add_plan_sheet", "existing_plan_sheet"]
