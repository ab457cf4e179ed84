"""The product's sheets, in the order a workbook holds them: the one list everything else reads.

The workbook writer, ``fill``, ``verify``, the terminal / CSV / JSON renderer, scenario-file keys
and their rules, ``batch --grid``, the Notes sheet and the Excel functions' help all read
:data:`SHEETS` at the time they run.  Adding a sheet is one module of rows plus one entry here
(or, for a test or an extension, ``SHEETS.append(my_sheet)``); nothing registers itself on import.

>>> [s.title for s in SHEETS]
['Figure 11', 'Beyond', 'Economics']
>>> v = evaluate_column({"mau_wan": 10000, "peak_multiplier": 4})
>>> round(v["capex_yi"], 2), v["total_params_yi"]
(759.09, 1300.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from .base import (Grid, Row, Sheet, all_inputs, check_sheets, defined_name, display, evaluate_sheets,
                   evaluate_sheets_column, evaluate_sheets_grid, formula, owner_row)
from .beyond import BEYOND
from .economics import ECONOMICS
from .figure11 import FIGURE11
from .plan import PLAN

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

SHEETS: list[Sheet] = [FIGURE11, BEYOND, ECONOMICS]
# Sheets written only on request (``build --plan``), after SHEETS; ``verify`` recognises them too.
ON_REQUEST: list[Sheet] = [PLAN]

# Up to this many scenarios, evaluating one at a time on floats beats importing numpy (~60-100 ms)
# (bench/bench_build.py); beyond it the array path is cheaper.  Both give the same numbers.
COLUMN_PATH_MAX = 256

__all__ = ["SHEETS", "ON_REQUEST", "FIGURE11", "BEYOND", "ECONOMICS", "PLAN", "Row", "Sheet", "Grid", "evaluate",
           "evaluate_column", "evaluate_grid", "get", "row",
           "input_rows", "formula", "display", "defined_name", "COLUMN_PATH_MAX"]


def sheets(selected: Sequence[Sheet] | None = None) -> list[Sheet]:
    """``selected`` (checked), or every sheet of :data:`SHEETS` as it is now."""
    out = list(SHEETS if selected is None else selected)
    check_sheets(out)
    return out


def get(key_or_title: str) -> Sheet:
    """The sheet with this key (``beyond``) or title (``Beyond``), ignoring case; InvalidInput otherwise."""
    from ..errors import InvalidInput
    from ..suggest import did_you_mean

    k = key_or_title.strip().casefold()
    for s in SHEETS:
        if k in (s.key.casefold(), s.title.casefold()):
            return s
    keys = [s.key for s in SHEETS]
    raise InvalidInput(f"unknown sheet {key_or_title!r}{did_you_mean(key_or_title, keys)}; allowed: {', '.join(keys)}")


def row(key: str) -> Row:
    """The row ``key`` of whichever sheet defines it (KeyError if none)."""
    r = owner_row(SHEETS, key)
    if r is None:
        raise KeyError(key)
    return r


def input_rows(selected: Sequence[Sheet] | None = None) -> list[Row]:
    """Every input row of the sheets, in sheet order: the keys a scenario file may set."""
    return all_inputs(sheets(selected))


def evaluate(inputs: Mapping[str, object], selected: Sequence[Sheet] | None = None) -> dict[str, np.ndarray]:
    """Every row's value of the sheets for ``inputs`` (scalars or arrays, broadcast), checked once.

    ``selected`` defaults to every sheet; rows a selected sheet reads from a sheet left out must be
    given in ``inputs``.  Returns float64 arrays of the broadcast shape, keyed by row key.
    """
    return evaluate_sheets(sheets(selected), inputs, [*SHEETS, *ON_REQUEST])


def evaluate_grid(inputs: Mapping[str, object], grid, selected: Sequence[Sheet] | None = None) -> list[list[float]]:
    """A :class:`Grid`'s result for each of its row × column input values, on one scenario's ``inputs``.

    >>> g = BEYOND.grid
    >>> round(evaluate_grid({"mau_wan": 6000, "peak_multiplier": 4}, g, [FIGURE11])[3][2], 2)   # MFU 50%, peak 4
    455.46
    """
    return evaluate_sheets_grid(sheets(selected), inputs, grid.result, grid.row_input, grid.row_values,
                                grid.col_input, grid.col_values, [*SHEETS, *ON_REQUEST])


def evaluate_column(inputs: Mapping[str, object], selected: Sequence[Sheet] | None = None) -> dict[str, float]:
    """:func:`evaluate` for one scenario of plain numbers, as Python floats, without numpy (same numbers).

    >>> round(evaluate_column({"mau_wan": 6000, "peak_multiplier": 4}, [FIGURE11])["cards_wan"], 5)   # 万张
    43.37671
    """
    return evaluate_sheets_column(sheets(selected), inputs, [*SHEETS, *ON_REQUEST])
