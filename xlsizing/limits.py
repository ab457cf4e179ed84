"""Results a spreadsheet can hold: every input within its rule must give results within range.

An input rule such as ``mau_wan > 0`` admits 1e300 and 1e-300, whose results overflow to
infinity or shrink below anything a spreadsheet shows.  :func:`check_results` evaluates the
scenarios once and refuses the first result outside ``[MIN_RESULT, MAX_RESULT]`` with one message
naming the scenario (and its file), the result row, its value and the limit, so no command shows
``inf``, writes ``Infinity`` into JSON or fails later inside a writer.

Why these limits: Excel holds numbers from 2.2251E-308 to 9.99999999999999E+307 ("Excel
specifications and limits", Microsoft Support, "Calculation specifications and limits");
the workbook's formulas multiply and divide by 1E4, 1E8 and 1E12, so results are kept eight
orders of magnitude inside that range, where every intermediate of the native formulas stays
finite and normal as well.

>>> from xlsizing.scenarios import make_scenario
>>> check_results([make_scenario("ok", mau_wan=6000, peak_multiplier=4)])
>>> check_results([make_scenario("big", mau_wan=1e300, peak_multiplier=4)])
Traceback (most recent call last):
...
xlsizing.errors.InvalidInput: <arguments>: scenario 'big': daily_tokens_yi (Daily tokens) = 6.66666666666667e+300 overflows: results must be at most 1e+300 in size; make the inputs smaller
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from ._args import fmt_value
from .errors import InvalidInput

MAX_RESULT = 1e300
MIN_RESULT = 1e-300


def _bad(v: float, positive: bool) -> str | None:
    """'overflows' / 'underflows' when ``v`` is outside the range, else None."""
    if not math.isfinite(v) or abs(v) > MAX_RESULT:
        return "overflows"
    if positive and abs(v) < MIN_RESULT:  # the chain of positive inputs has positive results: 0 is underflow
        return "underflows"
    return None


def _fail(scenario, row, v: float, why: str):
    where = f"{scenario.source}: " if getattr(scenario, "source", "") else ""
    if why == "overflows":
        limit = f"results must be at most {MAX_RESULT:g} in size; make the inputs smaller"
    else:
        limit = f"results must be at least {MIN_RESULT:g} in size; make the inputs larger"
    raise InvalidInput(f"{where}scenario {scenario.name!r}: {row.key} ({row.en}) = {fmt_value(v)} {why}: {limit}")


def _scan(scenarios, rows, values: Mapping, positive: bool) -> None:
    """Refuse the first out-of-range result, row by row in the order they are computed."""
    for r in rows:
        col = values[r.key]
        for j, v in enumerate(col):
            why = _bad(float(v), positive)
            if why:
                _fail(scenarios[j], r, float(v), why)


def check_results(scenarios: Sequence) -> None:
    """Raise InvalidInput if a result of ``scenarios`` on any sheet (:data:`xlsizing.sheets.SHEETS`) is out of range.

    Results are checked sheet by sheet, each in the order it is computed, so the message names
    the first result to leave the range.  Figure 11's results are all positive (its inputs are),
    so one below :data:`MIN_RESULT` is an underflow there; the other sheets also hold differences
    and 0/1 flags, so only overflow is refused on them.
    """
    from . import sheets as sheetlist
    from .scenarios import values

    scenarios = list(scenarios)
    if not scenarios:
        return
    # Figure 11 first: later sheets link inputs to its rows, and a link to an infinite row would
    # be refused by the link's rule without naming the scenario
    _scan(scenarios, sheetlist.FIGURE11.order, values(scenarios, [sheetlist.FIGURE11]), positive=True)
    try:
        v = values(scenarios)  # the one evaluator, as table and build use it (numpy only for many scenarios)
    except InvalidInput:
        for s in scenarios:  # name the scenario whose linked input is out of its rule
            try:
                values([s])
            except InvalidInput as e:
                where = f"{s.source}: " if s.source else ""
                raise InvalidInput(f"{where}scenario {s.name!r}: {e}") from None
        raise
    for sheet in sheetlist.sheets():
        if sheet is not sheetlist.FIGURE11:
            _scan(scenarios, sheet.order, v, positive=False)
