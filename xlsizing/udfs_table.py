"""A whole sized table from one formula: ``=SIZING_TABLE(B2:E8)`` spills every row of every sheet.

The argument is a range of scenario inputs laid out as in the template: the first column holds
row keys (``mau_wan``) or the template's labels (``MAU``, ``峰值倍数``, ``Peak multiplier``, any
case), each further column is a scenario, and a first row whose first cell is empty holds the
scenario names (a ``name`` row does the same; without either the scenarios are S1, S2, ...).  An
empty cell takes the row's default; text rows (``accelerator``, ``precision``, ``name_en``, ...)
hold text.  ``layout="rows"`` reads the transposed range (keys across the first row, a scenario
per row, as a CSV scenario file); empty ``layout`` picks the side holding more keys.

Every typed value counts, as in a CSV scenario file, and the validation is the scenario files' own
(``dau_wan`` for ``mau_wan``, ``card_share``, conflicts, rules), with the
location inside the range: ``inputs row 3 (mfu), column 2: mfu = 1.5: must be in (0, 1]``.

The result goes through xlwings' DataFrame converter (``@xw.ret("df", index=False)``; the string
alias, so registering the function needs no pandas): a header row ``sheet | key | 中文 | English |
unit | <scenario names>``, then one row per row of :data:`xlsizing.sheets.SHEETS` (or of the one
sheet ``sheet`` names), the values computed by the one evaluator (:func:`xlsizing.to_frame`).
Excel 365 spills it.  A bad input gives one message, as a one-cell table.  This module imports
pandas only when the function runs (xlwings itself imports it at start when it is installed).

>>> t = SIZING_TABLE([[None, "保守"], ["mau_wan", 10000], ["峰值倍数", 4]], "figure11")
>>> t.columns.tolist()
['sheet', 'key', '中文', 'English', 'unit', '保守']
>>> row = t.set_index("key").loc["capex_yi"]            # the report's 759.09亿元
>>> row["中文"], row["unit"], round(float(row["保守"]), 2)
('豆包大模型创造AI服务器需求', '亿元', 759.09)
>>> SIZING_TABLE([["mau_wan", 10000], ["mfu", 1.5]]).columns.tolist()
['inputs row 2 (mfu), column 2: mfu = 1.5: must be in (0, 1]']
"""

from __future__ import annotations

import math
import re

import xlwings as xw

from . import sheets as sheetlist
from .errors import InvalidInput, ScenarioFileError, XlsizingError
from .scenarios import _Where
from .udfs_core import ERROR_CODES, _short, udf

# What xlwings' DataFrame converter is told (by its alias "df": no pandas import at registration):
# no index column, the column names as the header row.  Tests run the converter with the same options.
RET = {"convert": "df", "index": False, "header": True}
HEADER = ("sheet", "key", "中文", "English", "unit")
LAYOUTS = ("columns", "rows")
_LABEL = re.compile(r"\Ascenario \d+: ")  # the scenario files' own prefix; the range position replaces it
_SCENARIO = re.compile(r"\bscenario (\d+)\b")  # "already used by scenario 1": said as the range's column


def _single(name: str, v, allowed: str):
    """The text of a one-cell argument (xlwings passes 2-D lists); empty → ``""``."""
    while isinstance(v, (list, tuple)):
        if len(v) != 1:
            raise InvalidInput(f"{name} must be a single cell, got a range")
        v = v[0]
    if v is None:
        return ""
    if not isinstance(v, str) or v in ERROR_CODES:
        shown = v if isinstance(v, str) else _shown(v)
        raise InvalidInput(f"{name} must be {allowed}, got {shown}")
    return v.strip()


def _cell(v):
    """A cell as a value: None for empty (None, '', blanks), text stripped."""
    if isinstance(v, str):
        return v.strip() or None
    return v


def _shown(v) -> str:
    """A cell that should have been text, as Excel shows it."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return _text(v)
    return "a date or time" if hasattr(v, "year") or hasattr(v, "hour") else type(v).__name__


def _text(v) -> str:
    """A number in a text row (a scenario named 2025) as the text Excel shows."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


class _RangeWhere(_Where):
    """Error locations inside the ``inputs`` range: the cell of each (scenario, key), else the scenario's line."""

    quotes = False

    def __init__(self, cells: dict, lines: list[str]):
        super().__init__("inputs", "")
        self.cells, self.lines = cells, lines

    def _line(self, j: int, default: str) -> str:
        return self.lines[j] if 0 <= j < len(self.lines) else default

    def fail(self, msg: str, key: str | None = None, table: int | None = None, line: int | None = None):
        at = self.cells.get((table, key)) or (self.lines[table] if table is not None and table < len(self.lines)
                                              else None)
        msg = _SCENARIO.sub(lambda m: self._line(int(m.group(1)) - 1, m.group(0)), _LABEL.sub("", msg))
        raise ScenarioFileError(f"inputs {at}: {msg}" if at else f"inputs: {msg}")


def _grid(inputs) -> list[list]:
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise InvalidInput("inputs must be a range: row keys (or labels) in the first column, a column per "
                           f"scenario, got {'a single value' if not isinstance(inputs, (list, tuple)) else 'nothing'}")
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in inputs]
    if any(len(r) != len(rows[0]) for r in rows):
        raise InvalidInput("inputs must be a rectangular range, got rows of different lengths")
    return [[_cell(v) for v in r] for r in rows]


def _keys() -> tuple[dict, list, dict]:
    """(text → input key, candidates for "did you mean", text → computed row) of the sheets as they are now."""
    from .scenarios import allowed_keys
    from .xlsx_scenarios import _labels

    names = list(allowed_keys())
    for r in sheetlist.input_rows():
        names += [r.en, r.zh]
    computed = {}
    for sh in sheetlist.SHEETS:
        for r in sh.rows:
            if r.is_computed:
                for text in (r.key, r.en, r.zh):
                    computed.setdefault(text.strip().casefold(), r.key)
    return _labels(), list(dict.fromkeys(names)), computed


def _count_keys(cells, labels) -> int:
    return sum(isinstance(v, str) and v.casefold() in labels for v in cells)


class _Range:
    """The grid of a columns layout (a transposed one for ``rows``) and how its positions are said."""

    def __init__(self, grid: list[list], layout: str):
        self.grid, self.layout = grid, layout
        self.across = "column" if layout == "columns" else "row"  # one scenario per ``across``

    def pos(self, r: int, c: int, key: str | None = None) -> str:
        first, second = ("row", "column") if self.layout == "columns" else ("column", "row")
        return f"{first} {r + 1}" + (f" ({key})" if key else "") + f", {second} {c + 1}"

    def value(self, r: int, c: int, key: str | None = None):
        """The cell's value; an error cell (#N/A, ...) is refused, naming the row key."""
        v = self.grid[r][c]
        if isinstance(v, str) and v in ERROR_CODES:
            raise ScenarioFileError(f"inputs {self.pos(r, c, key)}: "
                                    + (f"{key} is the error {v}" if key else f"the cell holds the error {v}"))
        return v


def _row_keys(rng: _Range, start: int) -> dict[str, int]:
    """Input key → row of the grid, from its first column (keys or labels, blank rows skipped)."""
    from .suggest import did_you_mean

    labels, names, computed = _keys()
    rows: dict[str, int] = {}
    for r in range(start, len(rng.grid)):
        first = rng.value(r, 0)
        if first is None:
            if any(v is not None for v in rng.grid[r][1:]):
                raise ScenarioFileError(f"inputs {rng.pos(r, 0)}: values without a row key; write a key "
                                        "(e.g. mau_wan) or its label in the first cell")
            continue
        if not isinstance(first, str):
            raise ScenarioFileError(f"inputs {rng.pos(r, 0)}: a row key must be text (e.g. mau_wan, or a "
                                    f"label), got {_shown(first)}")
        key = labels.get(first.casefold())
        if key is None and first.casefold() in computed:
            key = computed[first.casefold()]
            what = "a computed row" if key == first else f"the computed row {key}"
            alias = f" (or write the key {key}: scenario files take it as an input)" if key in labels.values() else ""
            raise ScenarioFileError(f"inputs {rng.pos(r, 0)}: {first!r} is {what}; give input rows only{alias}")
        if key is None:
            hint = did_you_mean(first, names, allowed=True, where="the keys of templates/scenarios-starter.toml")
            raise ScenarioFileError(f"inputs {rng.pos(r, 0)}: unknown row key {first!r}{hint}")
        if key in rows:
            raise ScenarioFileError(f"inputs {rng.pos(r, 0, key)}: {key} is given twice (also "
                                    f"{rng.pos(rows[key], 0)})")
        rows[key] = r
    return rows


def _as_text(v):
    return _text(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def scenarios_from_range(inputs, layout: str = "") -> list:
    """Scenarios from a range as xlwings hands it over (a list of rows; ``None`` for empty cells).

    ``layout``: ``"columns"`` (keys down the first column, a column per scenario), ``"rows"``
    (keys across the first row, a row per scenario) or ``""`` (the side with more keys; columns
    on a tie).  A column (row) left empty is no scenario.  ScenarioFileError names the position
    in the range (``row 3 (mfu), column 2``); the rules are those of scenario files.

    >>> [(s.name, s.values["mau_wan"]) for s in scenarios_from_range([[None, "a", "b"], ["MAU", 6000, 3000],
    ...                                                                ["peak_multiplier", 4, 2]])]
    [('a', 6000.0), ('b', 3000.0)]
    """
    from .scenarios import TEXT_KEYS, _build

    grid = _grid(inputs)
    if layout not in ("",) + LAYOUTS:
        raise InvalidInput(f"layout must be \"columns\", \"rows\" or empty, got {layout!r}")
    if not layout:
        labels = _keys()[0]
        layout = "rows" if _count_keys(grid[0], labels) > _count_keys((r[0] for r in grid), labels) else "columns"
    rng = _Range(grid if layout == "columns" else [list(c) for c in zip(*grid)], layout)
    if len(rng.grid[0]) < 2:
        raise InvalidInput(f"inputs must hold a {rng.across} of row keys and a {rng.across} per scenario, "
                           f"got one {rng.across}")
    start = 1 if rng.grid[0][0] is None else 0  # a first line with an empty first cell: the scenario names
    rows = _row_keys(rng, start)
    tables, cells, lines = [], {}, []
    for c in range(1, len(rng.grid[0])):
        header = rng.value(0, c, "name") if start else None
        if header is None and all(rng.grid[r][c] is None for r in rows.values()):
            continue  # an empty column of the range: no scenario
        j, table = len(tables), {}
        for key, r in rows.items():
            v = rng.value(r, c, key)
            if v is not None:
                table[key] = _as_text(v) if key in TEXT_KEYS else v
                cells[(j, key)] = rng.pos(r, c, key)
        if header is not None and "name" not in table:
            table["name"] = _as_text(header)
            cells[(j, "name")] = rng.pos(0, c, "name")
        name = table.get("name")
        lines.append(f"{rng.across} {c + 1}" + (f" ({name!r})" if isinstance(name, str) else ""))
        tables.append(table)
    if not tables:
        raise InvalidInput(f"inputs hold no scenario: every {rng.across} after the row keys is empty")
    return _build(_RangeWhere(cells, lines), {}, tables)  # the CSV files' path: every typed value is set


def sizing_frame(scenarios, sheet=None):
    """The wide table of ``scenarios``: HEADER columns, then one column of values per scenario.

    One row per row of ``sheet`` (default: every sheet of SHEETS; text rows left out), in order,
    from :func:`xlsizing.to_frame`.  An empty unit is an empty cell; a value that is not a finite
    number shows ``#NUM!`` as the other functions do.
    """
    import pandas as pd

    from .frames import to_frame

    tidy = to_frame(scenarios, sheet)
    wide = tidy.set_index(["sheet", "key", "scenario"]).value.unstack(sort=False)  # frames.py's one-liner
    labels = tidy.drop_duplicates(["sheet", "key"])[["sheet", "key", "zh", "en", "unit"]].reset_index(drop=True)
    order = [s.name for s in scenarios]
    wide = wide.loc[list(zip(labels["sheet"], labels["key"])), order].reset_index(drop=True)
    labels["unit"] = pd.Series([u or None for u in labels["unit"]], dtype=object)  # no unit: an empty cell
    for name in order:
        col = wide[name]
        if not col.map(math.isfinite).all():
            wide[name] = col.astype(object).where(col.map(math.isfinite), "#NUM!")
    out = pd.concat([labels, wide], axis=1)
    out.columns = [*HEADER, *order]  # positional: a scenario may be named like a label column
    return out


def _message(msg: str):
    """A one-cell table holding ``msg``: what the DataFrame converter writes for a refused call."""
    import pandas as pd

    return pd.DataFrame(columns=[_short(msg)])


@udf(inputs="Scenario inputs: row keys (mau_wan) or labels (MAU, 峰值倍数) in the first column, a column per "
            "scenario, names in a first row with an empty first cell. Empty cell = default.",
     sheet="Which sheet to spill: figure11, beyond or economics (key or title). Empty = every sheet.",
     layout="\"columns\" (a column per scenario), \"rows\" (keys across the first row, a row per scenario) "
            "or empty: the side holding more keys (columns on a tie).")
# below @udf: xlwings' ret decorator re-runs its func decorator, which resets the category; udf's comes last
@xw.ret(**RET)
def SIZING_TABLE(inputs, sheet="", layout=""):
    """Whole sized table of the scenarios in a range: sheet, key, 中文, English, unit, then a column per scenario, every row of every sheet (or one); spills.

    >>> SIZING_TABLE([["mau_wan", 6000], ["peak_multiplier", 4]], "Figure 11").shape  # the header: column names
    (20, 6)
    """
    try:
        which = _single("sheet", sheet, "a sheet's key or title (figure11, beyond, economics) or empty") or None
        how = _single("layout", layout, '"columns", "rows" or empty').casefold()
        if which is not None:
            which = sheetlist.get(which)
        return sizing_frame(scenarios_from_range(inputs, how), which)
    except XlsizingError as e:
        return _message(str(e))
    except Exception as e:  # noqa: BLE001 - a UDF must never hand Excel a traceback
        return _message(f"xlsizing internal error: {type(e).__name__}: {e}")


__all__ = ["SIZING_TABLE"]
