"""pandas in and out: every sheet's rows as a tidy DataFrame, and scenarios from a DataFrame.

:func:`to_frame` gives one row per (scenario, sheet row): columns ``scenario``, ``sheet``,
``key``, ``zh``, ``en``, ``unit``, ``value`` (each value in the row's unit, computed by the one
evaluator, :func:`xlsizing.scenarios.values`).  The wide form, one column per scenario, rows
and scenarios in their order, is one line of pandas::

    wide = df.set_index(["sheet", "key", "scenario"]).value.unstack(sort=False)

:func:`from_frame` reads scenarios
back: from a wide table (one row per scenario, keys as column names, as a CSV scenario file) or
from :func:`to_frame`'s tidy form.  Both go through the scenario files' validation, so the rules
and messages are the same, located by the DataFrame's row (position and index label) and column.

pandas is imported here only: ``import xlsizing`` and the Excel functions do not load it.

>>> df = to_frame()
>>> round(df.query("key == 'capex_yi' and scenario == '保守'").value.item(), 2)   # 亿元, the report's 759.09
759.09
>>> [s.name for s in from_frame(df)]
['2024年末', '保守', '中性', '乐观']
"""

from __future__ import annotations

import math
from typing import Sequence

from . import sheets as sheetlist
from .errors import InvalidInput, ScenarioFileError
from .scenarios import TEXT_KEYS, Scenario, _build, _Where, allowed_keys, build_settled, load_builtin, values
from .suggest import did_you_mean

COLUMNS = ["scenario", "sheet", "key", "zh", "en", "unit", "value"]
TIDY = {"scenario", "key", "value"}  # the columns that make a frame tidy (to_frame's form)


def _selected(sheet) -> list:
    if sheet is None:
        return sheetlist.sheets()
    if isinstance(sheet, sheetlist.Sheet):
        return [sheet]
    if isinstance(sheet, str):
        return [sheetlist.get(sheet)]
    raise InvalidInput(f"sheet must be a sheet's key or title (e.g. 'figure11', 'Beyond') or None, got {sheet!r}")


def to_frame(scenarios: Sequence[Scenario] | None = None, sheet=None):
    """Every row of ``sheet`` (default: every sheet) for ``scenarios`` (default: the report's four) as a tidy DataFrame.

    Columns: ``scenario`` (name), ``sheet`` (title), ``key``, ``zh``, ``en``, ``unit``, ``value``;
    one row per scenario and sheet row (inputs and computed rows; text rows left out), in sheet
    and row order, then scenario order.
    """
    import pandas as pd

    scenarios = load_builtin("figure11") if scenarios is None else list(scenarios)
    if not scenarios or not all(isinstance(s, Scenario) for s in scenarios):
        raise InvalidInput("scenarios must be a non-empty list of scenarios (load_any, make_scenario, "
                           f"from_frame), got {scenarios!r:.80}")
    chosen = _selected(sheet)
    vals = values(scenarios)  # every sheet: later sheets read the earlier ones
    records = [(s.name, sh.title, row.key, row.zh, row.en, row.unit, float(vals[row.key][j]))
               for sh in chosen for row in sh.rows if row.text is None
               for j, s in enumerate(scenarios)]
    return pd.DataFrame.from_records(records, columns=COLUMNS)


class _FrameWhere(_Where):
    """Error locations in a DataFrame: its row (position and index label) and column."""

    quotes = False

    def __init__(self, source: str, labels: list, cells: dict | None = None):
        super().__init__(source, "")
        self.labels, self.cells = labels, cells or {}

    def fail(self, msg: str, key: str | None = None, table: int | None = None, line: int | None = None):
        if self.cells:  # tidy: the row holding (scenario, key)
            at = self.cells.get((table, key))
            loc = f"{self.source} row {at[0] + 1} (index {at[1]!r})" if at else self.source
        elif table is not None and table < len(self.labels):
            loc = f"{self.source} row {table + 1} (index {self.labels[table]!r})"
            if key is not None:
                loc += f", column {key!r}"
        else:
            loc = self.source
        raise ScenarioFileError(f"{loc}: {msg}")


def _cell(v):
    """A DataFrame cell as a scenario-file value: None for empty (NaN, None, ''), numpy numbers as floats."""
    if v is None:
        return None
    if isinstance(v, str):
        return v.strip() or None
    if hasattr(v, "item") and not isinstance(v, (list, dict)):
        v = v.item()  # numpy scalar -> Python
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def from_frame(df, source: str = "DataFrame") -> list[Scenario]:
    """Scenarios from a DataFrame: wide (one row per scenario, keys as columns) or tidy (:func:`to_frame`).

    Wide: the columns are scenario keys (``name``, ``mau_wan``, ``mfu``, ...; the index is not
    read); an empty cell takes the default, as in a CSV file.  Tidy: the rows of input keys are
    read (computed rows are left out: they follow from the inputs), an input equal to what it
    would be anyway (its default, or the row it links to) counts as not set.  ScenarioFileError
    names the DataFrame row (position and index label) and the column.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InvalidInput(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if df.empty:
        raise ScenarioFileError(f"{source}: no scenarios: the DataFrame has no rows")
    if TIDY <= set(df.columns):
        return _from_tidy(df, source)
    allowed = allowed_keys()
    labels = list(df.index)
    where = _FrameWhere(source, labels)
    cols = [str(c).strip() for c in df.columns]
    for i, key in enumerate(cols):
        if key not in allowed:
            raise ScenarioFileError(f"{source} column {i + 1} ({key!r}): unknown key "
                                    f"{key!r}{did_you_mean(key, allowed, allowed=True)}")
        if cols.index(key) != i:
            raise ScenarioFileError(f"{source} column {i + 1} ({key!r}): key {key!r} appears twice")
    tables = []
    for row in df.itertuples(index=False, name=None):
        table = {}
        for key, v in zip(cols, row):
            v = _cell(v)
            if v is None:
                continue
            if key in TEXT_KEYS and not isinstance(v, str):
                v = str(v)
            table[key] = v
        tables.append(table)
    return _build(where, {}, tables)


def _from_tidy(df, source: str) -> list[Scenario]:
    inputs = {r.key: r for r in sheetlist.input_rows()}
    allowed = set(allowed_keys())
    order: dict[str, int] = {}
    tables: list[dict] = []
    cells: dict = {}
    for pos, (label, name, key, v) in enumerate(zip(df.index, df["scenario"], df["key"], df["value"])):
        name, key = str(name), str(key)
        if key not in inputs:
            if sheetlist.owner_row(sheetlist.SHEETS, key) is not None:
                continue  # a computed row (dau_wan too): it follows from the inputs
            if key in allowed:
                raise ScenarioFileError(f"{source} row {pos + 1} (index {label!r}), column 'key': {key!r} is not "
                                        "an input row; a tidy frame gives the input rows (to_frame's keys)")
            raise ScenarioFileError(f"{source} row {pos + 1} (index {label!r}), column 'key': unknown key "
                                    f"{key!r}{did_you_mean(key, sorted(allowed), allowed=True)}")
        j = order.setdefault(name, len(order))
        if j == len(tables):
            tables.append({"name": name})
        if key in tables[j]:
            raise ScenarioFileError(f"{source} row {pos + 1} (index {label!r}): scenario {name!r} gives {key!r} twice")
        cells[(j, key)] = (pos, label)
        v = _cell(v)
        if v is not None:
            tables[j][key] = v
    return build_settled(_FrameWhere(source, [], cells), tables)
