"""Fill a user's own copy of the template by defined names, keeping its formatting and sheets.

An analyst may restyle the template (fonts, fills, extra sheets, moved columns widths...); as
long as the defined names (``mau_wan_1``, ``scenario_name_1``, ...) still point to the cells,
:func:`fill_workbook` writes new scenarios into them with openpyxl and leaves everything else
alone.  Scenario text is always stored as text, never as a formula.

openpyxl cannot store a formula's computed value, so after saving, the computed cells of the
xlsizing rows get their values from the Python engine written into the sheet XML — but only
where the cell still holds the layout's own formula (a formula the analyst changed keeps no
cached value, so no engine can show a number its formula does not compute).  The analyst's own
formulas elsewhere carry no cached value; the copy asks Excel to recalculate on open
(``fullCalcOnLoad``), and LibreOffice computes cells that have no value.

>>> import tempfile, pathlib
>>> from xlsizing.workbook import write_template
>>> from xlsizing.scenarios import make_scenario
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> t = write_template(d / "template.xlsx")
>>> s = [make_scenario(n, mau_wan=m, peak_multiplier=4) for n, m in [("A", 1e4), ("B", 2e4), ("C", 3e4), ("D", 4e4)]]
>>> fill_workbook(t, s, d / "filled.xlsx").name
'filled.xlsx'
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Mapping, Sequence
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape

from xlsxwriter.utility import quote_sheetname

from . import sheets as sheetlist
from .errors import InvalidInput, WorkbookError
from .fileio import atomic_write, check_output, load_workbook
from .precedents import Opaque, area_cells, trusted_cells
from .printing import short_label
from .refs import named_cell, read_named
from .scenarios import Scenario, scenario_values
from .scenarios import values as scenario_rows
from .sheets import formula
from .verify import _columns
from .workbook import INPUT_BLUE, LINK_GREEN
from .xlsm import check_fill_output, vba_project


def _set_text(wb, name: str, text: str) -> None:
    ws, ref = named_cell(wb, name)
    c = ws[ref]
    c.value = text
    c.data_type = "s"  # openpyxl would turn a leading "=" into a live formula


Cell = tuple[str, str]  # (sheet title, "D7")


def _addr(wb, spec, present, j: int, here: str):
    """``ref(key)`` of scenario column ``j`` (1-based) as the layout writes it, found by defined names."""

    def addr(key):
        owner = spec if key in spec.row else next(s for s, _ in present if key in s.row)
        other, r = named_cell(wb, owner.name(key, j))
        return r if other.title == here else f"{quote_sheetname(other.title)}!{r}"

    return addr


def _colour(c, rgb: str) -> None:
    """Give cell ``c`` the font colour ``rgb`` ("#0000FF"), keeping the rest of its font (the analyst's style)."""
    from copy import copy

    font = copy(c.font)
    font.color = "FF" + rgb.lstrip("#")
    c.font = font


def _follows_link(row, scenario) -> bool:
    """A linked input the scenario does not set: its cell holds a formula pointing at the row it follows."""
    return row.is_linked and row.key not in scenario_values(scenario)


def _expectations(wb, present, scenarios, values):
    """What xlsizing would have in this workbook: ``(formulas, values, constants)``.

    ``formulas``: ``{cell: layout formula}`` of every computed (or linked) cell of the xlsizing
    rows and of the sensitivity grids; ``values``: the engine's value of each (finite ones only);
    ``constants``: the input and header cells fill just wrote, and the grids' own input cells.
    """
    formulas: dict[Cell, str] = {}
    shown: dict[Cell, float | str] = {}
    constants: set[Cell] = set()
    n = len(scenarios)
    for spec, _ in present:
        for key in ("scenario_name", "scenario_name_en"):
            for j in range(1, n + 1):
                with contextlib.suppress(KeyError):
                    ws, ref = named_cell(wb, spec.name(key, j))
                    constants.add((ws.title, ref))
        for row in spec.rows:
            if not (row.is_input or row.is_computed):
                continue
            for j in range(1, n + 1):
                ws, ref = named_cell(wb, spec.name(row.key, j))
                if row.is_input and not _follows_link(row, scenarios[j - 1]):
                    constants.add((ws.title, ref))
                    continue
                try:
                    formulas[(ws.title, ref)] = formula(row, _addr(wb, spec, present, j, ws.title))
                except (KeyError, StopIteration):
                    continue
                x = float(values[row.key][j - 1])
                if math.isfinite(x):
                    shown[(ws.title, ref)] = x
        if spec.grid is not None:
            _grid_expectations(wb, spec, scenarios, formulas, shown, constants)
    return formulas, shown, constants


def _number_at(wb, name: str) -> tuple[Cell, float] | None:
    """The cell a name points to and its number, if it holds a typed (not computed) finite number."""
    try:
        ws, ref = named_cell(wb, name)
    except KeyError:
        return None
    x = ws[ref].value
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    return (ws.title, ref), float(x)


def _grid_expectations(wb, sheet, scenarios, formulas, shown, constants) -> None:
    """A sheet's sensitivity grid: its formulas, and its values from the grid's inputs as they stand
    (the selected scenario column, the row and column values in their cells)."""
    from .workbook import grid_formula, grid_name, grid_scenario_formula

    g, n = sheet.grid, len(scenarios)
    if grid_name(sheet, "column") not in wb.defined_names:
        return
    rows = [_number_at(wb, grid_name(sheet, "row", i + 1)) for i in range(len(g.row_values))]
    cols = [_number_at(wb, grid_name(sheet, "col", k + 1)) for k in range(len(g.col_values))]
    column = _number_at(wb, grid_name(sheet, "column"))
    for found in [*rows, *cols, column]:
        if found is not None:
            constants.add(found[0])
    chosen: int | None = 1
    if 1 < n <= g.choose_max:  # the grid's formulas CHOOSE the column; otherwise column 1
        chosen = int(column[1]) if column is not None and column[1] in range(1, n + 1) else None
    with contextlib.suppress(KeyError):
        ws, ref = named_cell(wb, grid_name(sheet, "scenario"))
        formulas[(ws.title, ref)] = grid_scenario_formula(sheet, n)
        if chosen is not None:
            shown[(ws.title, ref)] = read_named(wb, sheetlist.FIGURE11.name("scenario_name", chosen))
    grid = None
    if chosen is not None and None not in rows and None not in cols:
        base = scenario_values(scenarios[chosen - 1])
        owner = [s for s in sheetlist.SHEETS if g.result in s.row]
        grid = [[sheetlist.evaluate_column({**base, g.row_input: a[1], g.col_input: b[1]}, owner)[g.result]
                 for b in cols] for a in rows]
    for i in range(len(g.row_values)):
        for k in range(len(g.col_values)):
            try:
                ws, ref = named_cell(wb, grid_name(sheet, "", i + 1, k + 1))
            except KeyError:
                continue
            formulas[(ws.title, ref)] = grid_formula(sheet, n, i, k)
            if grid is not None and math.isfinite(grid[i][k]):
                shown[(ws.title, ref)] = grid[i][k]


def _cached_values(wb, present, scenarios, values) -> dict[Cell, float | str]:
    """``{cell: value}`` of the formula cells whose whole chain of precedents is xlsizing's own.

    A cell keeps a cached value only if it still holds the layout's formula and every cell it
    reads (followed through names and sheets, :mod:`xlsizing.precedents`) is an input fill wrote
    or such a cell itself: everything downstream of a formula the analyst changed stays empty,
    so no preview shows a number the workbook does not compute.
    """
    formulas, shown, constants = _expectations(wb, present, scenarios, values)
    for c in list(shown):
        if isinstance(shown[c], str) and shown[c] == "":
            del shown[c]  # an empty text result: leave it to the application
    trusted = trusted_cells(wb, formulas, constants)
    return {c: shown[c] for c in trusted if c in shown}


_UNKNOWN = object()


def _shown_value(wb, cached: dict[Cell, float | str], c: Cell):
    """The value cell ``c`` shows when opened: cached, typed or None (empty); ``_UNKNOWN`` for a formula
    left without a cached value."""
    if c in cached:
        return cached[c]
    x = wb[c[0]][c[1]].value
    if x is None or isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    if isinstance(x, str) and not x.startswith("="):
        return x
    return _UNKNOWN


def _refresh_chart_caches(wb, cached: dict[Cell, float | str]) -> None:
    """Make every chart's cached series (``numCache``/``strCache``) the values its cells will show.

    A series whose cells are not all known (a formula left without a cached value, a reference
    that cannot be followed) loses its cache, so applications draw it from the cells instead of
    showing the template's numbers.
    """
    from openpyxl.chart.data_source import NumData, NumVal, StrData, StrVal

    for ws in wb.worksheets:
        for chart in getattr(ws, "_charts", []):
            for ch in [chart, *getattr(chart, "_charts", [])]:
                _explicit_labels(getattr(ch, "dataLabels", None))
                for ser in getattr(ch, "series", []):
                    _explicit_labels(getattr(ser, "dLbls", None))
                    for src in (ser.tx, ser.cat, ser.val, ser.xVal, ser.yVal, ser.bubbleSize):
                        for attr in ("numRef", "strRef"):
                            ref = getattr(src, attr, None) if src is not None else None
                            if ref is not None and ref.f:
                                _refresh_ref(wb, cached, ws.title, ref, attr == "numRef",
                                             NumData, NumVal, StrData, StrVal)


def _explicit_labels(labels) -> None:
    """Write every ``show*`` flag of data labels: openpyxl leaves out the false ones it read, and
    LibreOffice then shows the series and category names in every label, over the chart."""
    if labels is None:
        return
    for flag in ("showLegendKey", "showVal", "showCatName", "showSerName", "showPercent", "showBubbleSize"):
        if getattr(labels, flag, None) is None:
            setattr(labels, flag, False)


def _refresh_ref(wb, cached, here, ref, numeric, NumData, NumVal, StrData, StrVal) -> None:
    cache = "numCache" if numeric else "strCache"
    try:
        vals = [_shown_value(wb, cached, c) for c in area_cells(wb, here, ref.f)]
    except Opaque:
        vals = [_UNKNOWN]
    if any(v is _UNKNOWN for v in vals) or (numeric and any(isinstance(v, str) for v in vals)):
        setattr(ref, cache, None)
    elif numeric:
        fmt = ref.numCache.formatCode if ref.numCache is not None else "General"
        ref.numCache = NumData(formatCode=fmt, ptCount=len(vals),
                               pt=[NumVal(idx=i, v=v) for i, v in enumerate(vals) if v is not None])
    else:
        ref.strCache = StrData(ptCount=len(vals), pt=[
            StrVal(idx=i, v=v if isinstance(v, str) else f"{v:g}") for i, v in enumerate(vals) if v is not None])


_FORMULA_CELL = re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"([^>]*)>(<f>[^<]*</f>)<v\s*/>')
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → zip member of its XML, from workbook.xml and its relationships."""
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
    parts = {}
    for sh in book.findall("m:sheets/m:sheet", _NS):
        t = target.get(sh.get(f"{{{_NS['r']}}}id"), "")
        parts[sh.get("name")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    return parts


_OVERRIDE = re.compile(r'<Override\b[^>]*?PartName="([^"]+)"[^>]*/>')


def _lost_parts(template: Path, saved: zipfile.ZipFile) -> tuple[dict[str, bytes], list[str]]:
    """What openpyxl's ``keep_vba`` drops of a VBA project: ``({member: bytes}, [Override tags])``.

    It copies ``xl/vbaProject.bin`` and a signature but not the signature's relationships part
    (``xl/_rels/vbaProject.bin.rels``) nor the signature's content type, without which Excel
    ignores (or refuses) the signature.
    """
    names = set(saved.namelist())
    with zipfile.ZipFile(template) as z:
        members = {n: z.read(n) for n in z.namelist()
                   if n.startswith("xl/_rels/vbaProject") and n not in names}
        types = z.read("[Content_Types].xml").decode("utf-8")
    have = saved.read("[Content_Types].xml").decode("utf-8")
    declared = set(_OVERRIDE.findall(have))
    overrides = [m.group(0) for m in _OVERRIDE.finditer(types)
                 if m.group(1).startswith("/xl/vbaProject") and m.group(1) not in declared
                 and m.group(1).lstrip("/") in names]
    return members, overrides


def _store_cached_values(saved: bytes, cached: dict[Cell, float | str], template: Path | None = None) -> bytes:
    """Write ``<v>`` values into the formula cells openpyxl saved without one (our own output).

    Members are copied unchanged otherwise (a VBA project stays byte for byte what it was); with
    ``template`` (a workbook with a VBA project), the parts of the project openpyxl drops are
    put back (:func:`_lost_parts`).
    """
    by_sheet: dict[str, dict[str, float | str]] = {}
    for (sheet, ref), v in cached.items():
        by_sheet.setdefault(sheet, {})[ref] = v
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = _sheet_parts(zin)
        by_part = {parts[t]: v for t, v in by_sheet.items() if t in parts}
        lost, overrides = _lost_parts(template, zin) if template is not None else ({}, [])
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml" and overrides:
                data = data.replace(b"</Types>", "".join(overrides).encode("utf-8") + b"</Types>")
            values = by_part.get(info.filename)
            if values:
                def put(m):
                    v = values.get(m.group(1))
                    if v is None:
                        return m.group(0)
                    attrs = re.sub(r'\s+t="[^"]*"', "", m.group(2))
                    if isinstance(v, str):
                        return f'<c r="{m.group(1)}"{attrs} t="str">{m.group(3)}<v>{xml_escape(v)}</v>'
                    return f'<c r="{m.group(1)}"{attrs}>{m.group(3)}<v>{v!r}</v>'

                data = _FORMULA_CELL.sub(put, data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
        for name, data in lost.items():
            zout.writestr(name, data)
    return out.getvalue()


def fill_workbook(template_path: str | os.PathLike, scenarios: Sequence[Scenario], out_path: str | os.PathLike,
                  *, force: bool = False, plan: Mapping | None = None) -> Path:
    """Write ``scenarios`` into the input cells of a copy of ``template_path`` (found by name).

    The template must have exactly one scenario column per scenario.  Writes ``out_path``
    atomically and refuses an existing one unless ``force``.  A template with macros (``.xlsm``)
    keeps its VBA project byte for byte and must be written to a ``.xlsm`` name; a template
    without macros to a ``.xlsx`` name (:mod:`xlsizing.xlsm`).

    ``plan``: the options of :func:`xlsizing.planner.plan` (``{}``: its defaults) to add the Plan
    sheet for these scenarios (:mod:`xlsizing.plan_fill`), replacing the one an earlier plan
    wrote.  Without it, a template holding a Plan sheet is refused: its configurations were
    planned for other scenarios.
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise InvalidInput("scenarios must hold at least one scenario, got none")
    check_output(out_path, force=force)
    src = Path(template_path)
    vba = vba_project(src)  # checks the zip before anything inflates it
    check_fill_output(src, out_path, vba is not None)
    # keep_vba keeps xl/vbaProject.bin and sets the macro-enabled content type; only with a project,
    # since openpyxl marks any workbook loaded with keep_vba as macro-enabled
    wb = load_workbook(src, keep_vba=vba is not None)
    names = wb.defined_names
    present = [(s, _columns(names, s)) for s in sheetlist.sheets()]
    present = [(s, n) for s, n in present if n]
    if not present:
        raise WorkbookError(f"{src}: no xlsizing input names (such as mau_wan_1) in this workbook; "
                            "fill a copy of the xlsizing template")
    for spec, n in present:
        if n != len(scenarios):
            raise WorkbookError(f"{src}: sheet {spec.title!r} has {n} scenario columns, got {len(scenarios)} "
                                "scenarios; give as many scenarios as columns, or write a new workbook "
                                "(write_workbook) for any number of columns")
    on_request = [s for s in sheetlist.ON_REQUEST if _columns(names, s)]
    if plan is not None:
        from .plan_fill import add_plan_sheet

        scenarios, _plans = add_plan_sheet(wb, src, scenarios, dict(plan), present,
                                           lambda spec, j, here: _addr(wb, spec, present, j, here))
        present.append((sheetlist.PLAN, len(scenarios)))
    elif on_request:
        raise WorkbookError(f"{src}: this template has a {on_request[0].title} sheet, planned for other scenarios; "
                            f"give --plan to plan these scenarios again, or delete the {on_request[0].title} sheet")
    values = scenario_rows(scenarios, [s for s, _ in present])
    try:
        for spec, n in present:
            for row in spec.inputs:
                for j in range(n):
                    ws, ref = named_cell(wb, spec.name(row.key, j + 1))
                    if _follows_link(row, scenarios[j]):
                        # not set by the scenario: the cell follows the row it links to
                        ws[ref].value = formula(row, _addr(wb, spec, present, j + 1, ws.title))
                        if row.is_linked:
                            _colour(ws[ref], LINK_GREEN)
                    else:
                        ws[ref].value = float(values[row.key][j])
                        if row.is_linked:  # a typed value replaces the link: an input, blue
                            _colour(ws[ref], INPUT_BLUE)
            for j, s in enumerate(scenarios):
                # chart_label: the shortened name a chart's axis shows (xlsizing.printing.short_label)
                for key, text in (("scenario_name", s.name), ("scenario_name_en", s.name_en or ""),
                                  ("chart_label", short_label(s.name))):
                    if spec.name(key, j + 1) in names:
                        _set_text(wb, spec.name(key, j + 1), text)
        for j, s in enumerate(scenarios):  # the Notes sheet's scenario table, if kept
            for key, text in (("notes_scenario_name", s.name), ("notes_scenario_name_en", s.name_en or ""),
                              ("notes_scenario_note", s.note or "")):
                name = f"{key}_{j + 1}"
                if name in names:
                    _set_text(wb, name, text)
    except KeyError as e:
        raise WorkbookError(f"{src}: {e.args[0]}; restore the name (Formulas > Name Manager) or start from "
                            "a fresh template") from None
    cached = _cached_values(wb, present, scenarios, values)
    _refresh_chart_caches(wb, cached)
    wb.calculation.fullCalcOnLoad = True

    def write(tmp: Path):
        saved = io.BytesIO()
        wb.save(saved)
        tmp.write_bytes(_store_cached_values(saved.getvalue(), cached, src if vba is not None else None))

    return atomic_write(out_path, write, force=force)
