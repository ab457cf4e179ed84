"""The Beyond sheet as the tests use it: its rows, and its evaluation from scenarios (a thin view of xlsizing.sheets).

``sheet_inputs(scenarios, overrides)`` is every input of both sheets for ``scenarios`` with
``overrides`` (one value or one per scenario) set for every scenario; ``evaluate`` runs the one
evaluator on Figure 11 and Beyond.
"""

import numpy as np

from xlsizing import beyond, catalog
from xlsizing.scenarios import scenario_values, to_inputs
from xlsizing.sheets import BEYOND, FIGURE11
from xlsizing.sheets import evaluate as _evaluate
from xlsizing.sheets import evaluate_column as _evaluate_column
from xlsizing.workbook import grid_name as _grid_name
from xlsizing.workbook import grid_values as _grid_values  # noqa: F401 - used by tests

FIGURE11 = FIGURE11
ROWS = BEYOND.rows
ROW = BEYOND.row
INPUTS = BEYOND.inputs
COMPUTED = BEYOND.computed
GRID_MFU = BEYOND.grid.row_values
GRID_PEAK = BEYOND.grid.col_values
precision_overrides = catalog.preset_inputs


def sheet_inputs(scenarios, overrides=None):
    out = to_inputs(scenarios, [FIGURE11, BEYOND])
    n = len(scenarios)
    for k, v in (overrides or {}).items():
        out[k] = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).copy()
    return out


def evaluate(inputs):
    return _evaluate(inputs, [FIGURE11, BEYOND])


def column_inputs(scenario):
    """Every input of both sheets for one scenario: its own, else the default, else the linked row's value."""
    own = scenario_values(scenario)
    fig = _evaluate_column(own, [FIGURE11])
    return {**{r.key: own[r.key] for r in FIGURE11.inputs},
            **{r.key: float(own.get(r.key, fig[r.link] if r.is_linked else r.default)) for r in INPUTS}}


def evaluate_column(inputs):
    return _evaluate_column(inputs, [FIGURE11, BEYOND])


def reasons(values):
    r = beyond.infeasible_reason(values["memory_headroom_gb"], values["decode_step_s"], values["tpot_slo_s"])
    return r if isinstance(r, list) else [r]


def grid_name(what, *idx):
    what = {"mfu": "row", "peak": "col"}.get(what, what)
    return _grid_name(BEYOND, what, *idx)
