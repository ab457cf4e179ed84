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
from typing import Sequence
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape

from xlsxwriter.utility import quote_sheetname

from .errors import InvalidInput, WorkbookError
from .fileio import atomic_write, check_output, load_workbook
from .scenarios import Scenario
from .precedents import Opaque, area_cells, trusted_cells
from .xlsm import check_fill_output, vba_project
from .workbook import FIGURE11_SHEET, named_cell, read_named, sheet_specs
from .verify import _columns


def _set_text(wb, name: str, text: str) -> None:
    ws, ref = named_cell(wb, name)
    c = ws[ref]
    c.value = text
    c.data_type = "s"  # openpyxl would turn a leading "=" into a live formula


Cell = tuple[str, str]  # (sheet title, "D7")


def _expectations(wb, present, scenarios):
    """What xlsizing would have in this workbook: ``(formulas, values, constants)``.

    ``formulas``: ``{cell: layout formula}`` of every computed cell of the xlsizing rows and of the
    Beyond sensitivity grid; ``values``: the engine's value of each (only finite ones);
    ``constants``: the input and header cells fill just wrote, and the grid's own input cells.
    """
    formulas: dict[Cell, str] = {}
    values: dict[Cell, float | str] = {}
    constants: set[Cell] = set()
    n = len(scenarios)
    engine = {}
    for spec, _ in present:
        engine[spec.sheet] = v = spec.evaluate(spec.inputs(scenarios))
        for row in spec.input_rows:
            for j in range(1, n + 1):
                ws, ref = named_cell(wb, spec.name(row.key, j))
                constants.add((ws.title, ref))
        for key in ("scenario_name", "scenario_name_en"):
            for j in range(1, n + 1):
                with contextlib.suppress(KeyError):
                    ws, ref = named_cell(wb, spec.name(key, j))
                    constants.add((ws.title, ref))
        for row in spec.computed_rows:
            for j in range(1, n + 1):
                ws, ref = named_cell(wb, spec.name(row.key, j))

                def addr(key, j=j, here=ws.title):
                    owner = spec if key in {r.key for r in spec.rows} else next(
                        s for s, _ in present if key in {r.key for r in s.rows})
                    other, r = named_cell(wb, owner.name(key, j))
                    return r if other.title == here else f"{quote_sheetname(other.title)}!{r}"

                try:
                    formulas[(ws.title, ref)] = spec.formula(row, addr)
                except (KeyError, StopIteration):
                    continue
                x = float(v[row.key][j - 1])
                if math.isfinite(x):
                    values[(ws.title, ref)] = x
    f11 = engine.get(FIGURE11_SHEET.sheet)
    if f11 is not None:
        _grid_expectations(wb, n, f11, formulas, values, constants)
    return formulas, values, constants


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


def _grid_expectations(wb, n: int, f11_values, formulas, values, constants) -> None:
    """The Beyond sensitivity grid: its formulas, and its values from the grid's inputs as they stand."""
    from . import layout_beyond as bx

    if bx.grid_name("column") not in wb.defined_names:
        return
    peaks = [_number_at(wb, bx.grid_name("peak", k + 1)) for k in range(len(bx.GRID_PEAK))]
    mfus = [_number_at(wb, bx.grid_name("mfu", i + 1)) for i in range(len(bx.GRID_MFU))]
    column = _number_at(wb, bx.grid_name("column"))
    for found in [*peaks, *mfus, column]:
        if found is not None:
            constants.add(found[0])
    chosen = 1
    if 1 < n <= bx.GRID_CHOOSE_MAX:  # the grid's formulas CHOOSE the column; otherwise column 1
        chosen = column[1] if column is not None and column[1] in range(1, n + 1) else None
    with contextlib.suppress(KeyError):
        ws, ref = named_cell(wb, bx.grid_name("scenario"))
        formulas[(ws.title, ref)] = bx.grid_scenario_formula(n)
        if chosen is not None:
            values[(ws.title, ref)] = read_named(wb, FIGURE11_SHEET.name("scenario_name", int(chosen)))
    grid = None
    if chosen is not None and None not in peaks and None not in mfus:
        grid = bx.grid_values(f11_values, int(chosen), mfu=[m[1] for m in mfus], peak=[p[1] for p in peaks])
    for i in range(len(bx.GRID_MFU)):
        for k in range(len(bx.GRID_PEAK)):
            try:
                ws, ref = named_cell(wb, bx.grid_name("", i + 1, k + 1))
            except KeyError:
                continue
            formulas[(ws.title, ref)] = bx.grid_formula(n, i, k)
            if grid is not None and math.isfinite(grid[i][k]):
                values[(ws.title, ref)] = grid[i][k]


def _cached_values(wb, present, scenarios) -> dict[Cell, float | str]:
    """``{cell: value}`` of the formula cells whose whole chain of precedents is xlsizing's own.

    A cell keeps a cached value only if it still holds the layout's formula and every cell it
    reads (followed through names and sheets, :mod:`xlsizing.precedents`) is an input fill wrote
    or such a cell itself: everything downstream of a formula the analyst changed stays empty,
    so no preview shows a number the workbook does not compute.
    """
    formulas, values, constants = _expectations(wb, present, scenarios)
    for c in list(values):
        if isinstance(values[c], str) and values[c] == "":
            del values[c]  # an empty text result: leave it to the application
    trusted = trusted_cells(wb, formulas, constants)
    return {c: values[c] for c in trusted if c in values}


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
                for ser in getattr(ch, "series", []):
                    for src in (ser.tx, ser.cat, ser.val, ser.xVal, ser.yVal, ser.bubbleSize):
                        for attr in ("numRef", "strRef"):
                            ref = getattr(src, attr, None) if src is not None else None
                            if ref is not None and ref.f:
                                _refresh_ref(wb, cached, ws.title, ref, attr == "numRef",
                                             NumData, NumVal, StrData, StrVal)


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


def _store_cached_values(saved: bytes, cached: dict[Cell, float | str]) -> bytes:
    """Write ``<v>`` values into the formula cells openpyxl saved without one (our own output).

    Members are copied unchanged otherwise (a VBA project stays byte for byte what it was).
    """
    by_sheet: dict[str, dict[str, float | str]] = {}
    for (sheet, ref), v in cached.items():
        by_sheet.setdefault(sheet, {})[ref] = v
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = _sheet_parts(zin)
        by_part = {parts[t]: v for t, v in by_sheet.items() if t in parts}
        for info in zin.infolist():
            data = zin.read(info)
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
    return out.getvalue()


def fill_workbook(template_path: str | os.PathLike, scenarios: Sequence[Scenario], out_path: str | os.PathLike,
                  *, force: bool = False) -> Path:
    """Write ``scenarios`` into the input cells of a copy of ``template_path`` (found by name).

    The template must have exactly one scenario column per scenario.  Writes ``out_path``
    atomically and refuses an existing one unless ``force``.  A template with macros (``.xlsm``)
    keeps its VBA project byte for byte and must be written to a ``.xlsm`` name; a template
    without macros to a ``.xlsx`` name (:mod:`xlsizing.xlsm`).
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
    present = [(s, _columns(names, s)) for s in sheet_specs()]
    present = [(s, n) for s, n in present if n]
    if not present:
        raise WorkbookError(f"{src}: no xlsizing input names (such as mau_wan_1) in this workbook; "
                            "fill a copy of the xlsizing template")
    for spec, n in present:
        if n != len(scenarios):
            raise WorkbookError(f"{src}: sheet {spec.sheet!r} has {n} scenario columns, got {len(scenarios)} "
                                "scenarios; give as many scenarios as columns, or write a new workbook "
                                "(write_workbook) for any number of columns")
    try:
        for spec, n in present:
            inputs = spec.inputs(scenarios)
            for row in spec.input_rows:
                for j in range(n):
                    ws, ref = named_cell(wb, spec.name(row.key, j + 1))
                    ws[ref].value = float(inputs[row.key][j])
            for j, s in enumerate(scenarios):
                for key, text in (("scenario_name", s.name), ("scenario_name_en", s.name_en or "")):
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
    cached = _cached_values(wb, present, scenarios)
    _refresh_chart_caches(wb, cached)
    wb.calculation.fullCalcOnLoad = True

    def write(tmp: Path):
        saved = io.BytesIO()
        wb.save(saved)
        tmp.write_bytes(_store_cached_values(saved.getvalue(), cached))

    return atomic_write(out_path, write, force=force)
