"""Scenarios from an Excel workbook: the analyst's own assumptions sheet becomes the input.

Two layouts are read, on every worksheet (or the one named):

* **a table**: the first non-empty row holds scenario keys as headers (``name``, ``mau_wan``,
  ``peak_multiplier``, ...), then one row per scenario, as a CSV scenario file;
* **the template's layout**: a column holds row keys (``mau_wan``) or the template's labels
  (``MAU`` / the Chinese label ``月活跃用户数``... as written by ``xlsizing build``), and each column
  to its right holding numbers in those rows is a scenario; its name is the text above its
  first value (the template's two header rows: the name, then the English name), else ``S1``...

Only typed values count: a formula cell (a computed row, or an input that follows another sheet)
is left out, as is an empty one (the default); an input of a later sheet typed at the value it
would have anyway counts as not set (:func:`xlsizing.scenarios.build_settled`).  The sheets of a workbook written by xlsizing
(Figure 11, Beyond, ...) line up by column, so their inputs merge into the same scenarios.
Validation is that of scenario files; errors name the cell (``'Figure 11'!D9``).

>>> import tempfile, pathlib
>>> from xlsizing.workbook import write_template
>>> p = write_template(pathlib.Path(tempfile.mkdtemp()) / "t.xlsx")
>>> [(s.name, s.values["mau_wan"]) for s in load_xlsx(p)]
[('2024年末', 6000.0), ('保守', 10000.0), ('中性', 15000.0), ('乐观', 20000.0)]
"""

from __future__ import annotations

import os
from pathlib import Path

from . import sheets as sheetlist
from .errors import ScenarioFileError
from .fileio import load_workbook
from .refs import column_letters
from .scenarios import TEXT_KEYS, Scenario, _Where, allowed_keys, build_settled


def _a1(sheet: str, row: int, col: int) -> str:
    """``'Figure 11'!D9`` for 1-based ``row``, ``col``."""
    title = f"'{sheet}'" if not sheet.replace("_", "").isalnum() else sheet
    return f"{title}!{column_letters(col)}{row}"


class _XlsxWhere(_Where):
    """Error locations in a workbook: the cell of each (scenario, key), else the scenario's column."""

    quotes = False

    def __init__(self, source: str, cells: dict, columns: list[str]):
        super().__init__(source, "")
        self.cells, self.columns = cells, columns

    def fail(self, msg: str, key: str | None = None, table: int | None = None, line: int | None = None):
        at = self.cells.get((table, key)) or (self.columns[table] if table is not None and table < len(self.columns)
                                             else None)
        raise ScenarioFileError(f"{self.source}: {at}: {msg}" if at else f"{self.source}: {msg}")


def _labels() -> dict[str, str]:
    """Every input row's key, Chinese and English label (case-folded) -> key."""
    out: dict[str, str] = {}
    for row in sheetlist.input_rows():
        for text in (row.en, row.zh):
            out.setdefault(text.strip().casefold(), row.key)
    for key in allowed_keys():
        out[key.casefold()] = key  # a key always wins over a label spelt the same
    return out


def _is_formula(v) -> bool:
    return isinstance(v, str) and v.startswith("=")


def _value(v):
    if isinstance(v, str):
        return v.strip() or None
    return v


def _table(ws, grid, source: str):
    """(tables, cells, columns) of a table layout, or None if the first non-empty row is no header."""
    allowed = set(allowed_keys())
    for r, line in enumerate(grid, start=1):
        texts = [(c, str(v).strip()) for c, v in enumerate(line, start=1) if v is not None and str(v).strip()]
        if not texts:
            continue
        keys = [(c, t) for c, t in texts if t in allowed]
        if len(keys) < 2 or len(keys) != len(texts):
            return None
        header = dict(keys)
        seen: dict[str, int] = {}
        for c, t in keys:
            if t in seen:
                raise ScenarioFileError(f"{source}: {_a1(ws.title, r, c)}: key {t!r} appears twice in the header "
                                        f"(also {_a1(ws.title, r, seen[t])})")
            seen[t] = c
        tables, cells, columns = [], {}, []
        for rr, row in enumerate(grid[r:], start=r + 1):
            if not any(_value(v) is not None for v in row):
                continue
            j = len(tables)
            table = {}
            for c, key in header.items():
                v = _value(row[c - 1]) if c - 1 < len(row) else None
                if v is None or _is_formula(v):
                    continue
                table[key] = str(v) if key in TEXT_KEYS else v
                cells[(j, key)] = _a1(ws.title, rr, c)
            tables.append(table)
            columns.append(f"{ws.title} row {rr}")
        return tables, cells, columns
    return None


def _template(ws, grid, labels):
    """(tables by scenario column, cells, columns) of a template layout, or None if no label column."""
    best = None
    width = max((len(line) for line in grid), default=0)
    for c in range(1, width + 1):
        rows = {r: labels[str(line[c - 1]).strip().casefold()] for r, line in enumerate(grid, start=1)
                if c - 1 < len(line) and isinstance(line[c - 1], str) and str(line[c - 1]).strip().casefold() in labels}
        if len(rows) >= 2 and (best is None or len(rows) > len(best[1])):
            best = (c, rows)
    if best is None:
        return None
    label_col, rows = best
    first = min(rows)
    scen_cols = []
    for c in range(label_col + 1, width + 1):
        vals = [grid[r - 1][c - 1] for r in rows if c - 1 < len(grid[r - 1])]
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) or _is_formula(v) for v in vals):
            scen_cols.append(c)
    tables, cells, columns, names = [], {}, [], []
    for j, c in enumerate(scen_cols):
        table = {}
        for r, key in rows.items():
            v = _value(grid[r - 1][c - 1]) if c - 1 < len(grid[r - 1]) else None
            if v is None or _is_formula(v) or key in TEXT_KEYS and key != "name":
                continue
            if key in table:
                continue  # a key's first row counts (a label may repeat further down)
            table[key] = v
            cells[(j, key)] = _a1(ws.title, r, c)
        run = []  # the block of text right above the scenario's first value: its name (and English name)
        for r in range(first - 1, 0, -1):
            v = grid[r - 1][c - 1] if c - 1 < len(grid[r - 1]) else None
            if not (isinstance(v, str) and v.strip() and not _is_formula(v)):
                if run or _value(v) is not None or r < first - 2:
                    break
                continue  # one empty cell right above (a scenario without an English name)
            run.insert(0, (r, v.strip()))
        name = None
        if run:
            (r, name), *rest = run
            cells[(j, "name")] = _a1(ws.title, r, c)
            if rest and "name_en" not in table:
                table["name_en"] = rest[0][1]
        names.append(name)
        tables.append(table)
        columns.append(f"{ws.title} column {column_letters(c)}")
    for t, n in zip(tables, names):
        if n is not None and "name" not in t:
            t["name"] = n
    return tables, cells, columns


def load_xlsx(path: str | os.PathLike, sheet: str | None = None) -> list[Scenario]:
    """Scenarios from the worksheets of an .xlsx (see the module doc); ``sheet``: only that worksheet.

    ScenarioFileError names the file and the cell (``'Figure 11'!D9``) of what is wrong.
    """
    p = Path(path)
    wb = load_workbook(p, read_only=True)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise ScenarioFileError(f"{p}: no worksheet {sheet!r}; it has {', '.join(wb.sheetnames)}")
        labels = _labels()
        merged: list[dict] | None = None
        cells: dict = {}
        columns: list[str] = []
        for ws in wb.worksheets:
            if sheet is not None and ws.title != sheet:
                continue
            grid = [list(line) for line in ws.iter_rows(values_only=True)]
            found = _table(ws, grid, str(p)) or _template(ws, grid, labels)
            if found is None or not found[0]:
                continue
            tables, c, cols = found
            if merged is None:
                merged, cells, columns = tables, dict(c), cols
                continue
            if len(tables) != len(merged):  # another sheet's columns do not line up: not the same scenarios
                continue
            for j, t in enumerate(tables):
                for k, v in t.items():
                    if k not in merged[j]:
                        merged[j][k] = v
                        cells[(j, k)] = c[(j, k)] if (j, k) in c else cells.get((j, k))
    finally:
        wb.close()
    if not merged:
        where = f"worksheet {sheet!r}" if sheet else "any worksheet"
        raise ScenarioFileError(f"{p}: no scenarios found in {where}: give a table with scenario keys as headers "
                                "(name, mau_wan, peak_multiplier, ...) or the template's layout (row keys or "
                                "labels in a column, one column per scenario)")
    return build_settled(_XlsxWhere(str(p), cells, columns), merged)
