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

import io
import math
import os
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Sequence
from xml.etree import ElementTree

from xlsxwriter.utility import quote_sheetname

from .errors import InvalidInput, WorkbookError
from .fileio import atomic_write, check_output, load_workbook
from . import sheets as sheetlist
from .refs import named_cell
from .scenarios import Scenario, scenario_values
from .scenarios import values as scenario_rows
from .sheets import formula
from .verify import _columns


def _set_text(wb, name: str, text: str) -> None:
    ws, ref = named_cell(wb, name)
    c = ws[ref]
    c.value = text
    c.data_type = "s"  # openpyxl would turn a leading "=" into a live formula


def _addr(wb, spec, present, j: int, here: str):
    """``ref(key)`` of scenario column ``j`` (1-based) as the layout writes it, found by defined names."""

    def addr(key):
        owner = spec if key in spec.row else next(s for s, _ in present if key in s.row)
        other, r = named_cell(wb, owner.name(key, j))
        return r if other.title == here else f"{quote_sheetname(other.title)}!{r}"

    return addr


def _cached_values(wb, present, scenarios, values) -> dict[str, dict[str, float]]:
    """``{sheet title: {"D7": value}}`` for computed cells that still hold the layout's formula."""
    out: dict[str, dict[str, float]] = {}
    for spec, n in present:
        for row in [r for r in spec.rows if r.is_computed or r.is_linked]:
            for j in range(1, n + 1):
                ws, ref = named_cell(wb, spec.name(row.key, j))
                try:
                    layout_formula = formula(row, _addr(wb, spec, present, j, ws.title))
                except (KeyError, StopIteration):
                    continue
                v = float(values[row.key][j - 1])
                if ws[ref].value == layout_formula and math.isfinite(v):
                    out.setdefault(ws.title, {})[ref] = v
    return out


_FORMULA_CELL = re.compile(r'(<c r="([A-Z]{1,3}[0-9]+)"[^>]*>)(<f>[^<]*</f>)<v\s*/>')
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


def _store_cached_values(saved: bytes, cached: dict[str, dict[str, float]]) -> bytes:
    """Write ``<v>`` values into the formula cells openpyxl saved without one (our own output)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = _sheet_parts(zin)
        by_part = {parts[t]: v for t, v in cached.items() if t in parts}
        for info in zin.infolist():
            data = zin.read(info)
            values = by_part.get(info.filename)
            if values:
                def put(m):
                    v = values.get(m.group(2))
                    return m.group(0) if v is None else f"{m.group(1)}{m.group(3)}<v>{v!r}</v>"

                data = _FORMULA_CELL.sub(put, data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
    return out.getvalue()


def fill_workbook(template_path: str | os.PathLike, scenarios: Sequence[Scenario], out_path: str | os.PathLike,
                  *, force: bool = False) -> Path:
    """Write ``scenarios`` into the input cells of a copy of ``template_path`` (found by name).

    The template must have exactly one scenario column per scenario.  Writes ``out_path``
    atomically and refuses an existing one unless ``force``.
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise InvalidInput("scenarios must hold at least one scenario, got none")
    check_output(out_path, force=force)
    src = Path(template_path)
    wb = load_workbook(src)
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
    values = scenario_rows(scenarios, [s for s, _ in present])
    try:
        for spec, n in present:
            for row in spec.inputs:
                for j in range(n):
                    ws, ref = named_cell(wb, spec.name(row.key, j + 1))
                    if row.is_linked and row.key not in scenario_values(scenarios[j]):
                        # not set by the scenario: the cell follows the row it links to
                        ws[ref].value = formula(row, _addr(wb, spec, present, j + 1, ws.title))
                    else:
                        ws[ref].value = float(values[row.key][j])
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
    cached = _cached_values(wb, present, scenarios, values)
    wb.calculation.fullCalcOnLoad = True

    def write(tmp: Path):
        saved = io.BytesIO()
        wb.save(saved)
        tmp.write_bytes(_store_cached_values(saved.getvalue(), cached))

    return atomic_write(out_path, write, force=force)
