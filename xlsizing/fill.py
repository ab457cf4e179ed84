"""Fill a user's own copy of the template by defined names, keeping its formatting and sheets.

An analyst may restyle the template (fonts, fills, extra sheets, moved columns widths...); as
long as the defined names (``mau_wan_1``, ``scenario_name_1``, ...) still point to the cells,
:func:`fill_workbook` writes new scenarios into them with openpyxl and leaves everything else
alone.  Scenario text is always stored as text, never as a formula.

openpyxl cannot store a formula's computed value: the filled copy carries no cached values and
asks Excel to recalculate on open (``fullCalcOnLoad``).  Where previews must show numbers, write
a fresh workbook with :func:`xlsizing.workbook.write_workbook` instead.

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

import os
from pathlib import Path
from typing import Sequence

from .errors import InvalidInput, WorkbookError
from .fileio import atomic_write, check_output, load_workbook
from .scenarios import Scenario
from .workbook import named_cell, sheet_specs
from .verify import _columns


def _set_text(wb, name: str, text: str) -> None:
    ws, ref = named_cell(wb, name)
    c = ws[ref]
    c.value = text
    c.data_type = "s"  # openpyxl would turn a leading "=" into a live formula


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
    wb.calculation.fullCalcOnLoad = True
    return atomic_write(out_path, lambda tmp: wb.save(tmp), force=force)
