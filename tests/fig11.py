"""The Figure 11 sheet's rows and its evaluation alone, as the tests use them (a thin view of xlsizing.sheets).

``evaluate`` / ``evaluate_column`` run the one evaluator on the Figure 11 sheet only.
"""

from xlsizing.scenarios import load_builtin, to_inputs
from xlsizing.sheets import FIGURE11, defined_name, display, formula  # noqa: F401 - re-exported for tests
from xlsizing.sheets.figure11 import FORMULA_TEXT, FORMULA_TEXT_EN, SOURCE_LINE, TITLE_EN, TITLE_ZH  # noqa: F401
from xlsizing.sheets import evaluate as _evaluate
from xlsizing.sheets import evaluate_column as _evaluate_column

ROWS = FIGURE11.rows
ROW = FIGURE11.row
INPUTS = FIGURE11.inputs
COMPUTED = FIGURE11.computed
COMPUTED_ORDER = FIGURE11.order
HEADLINE = FIGURE11.headline


def evaluate(inputs):
    return _evaluate(inputs, [FIGURE11])


def evaluate_column(inputs):
    return _evaluate_column(inputs, [FIGURE11])


def figure11_inputs():
    return to_inputs(load_builtin("figure11"), [FIGURE11])


def columns(evaluate_one, inputs):
    """``{row key: [value per column]}`` from ``evaluate_one`` of each column (the float path, column by column)."""
    cols = [evaluate_one(c) for c in inputs]
    return {k: [c[k] for c in cols] for k in (cols[0] if cols else ())}
