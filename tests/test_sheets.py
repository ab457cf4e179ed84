"""The sheet abstraction (xlsizing.sheets): one evaluator, linked inputs, the ordered list, its checks.

Oracles: the Figure 11 chain in xlsizing.model (itself checked against the printed report in
tests/test_model.py) and hand calculations written out in each test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xlsizing import model, sheets
from xlsizing._args import POSITIVE, checked
from xlsizing.errors import InvalidInput
from xlsizing.sheets import BEYOND, FIGURE11, SHEETS, Row, Sheet, evaluate, evaluate_column
from xlsizing.sheets.base import check_sheets, row_in

BASE = {"mau_wan": 6000, "peak_multiplier": 4}  # Figure 11's 2024年末 column (Minsheng, 2024-12-26)


def test_the_product_lists_its_sheets_in_workbook_order():
    assert [s.key for s in SHEETS][:2] == ["figure11", "beyond"]
    assert sheets.get("Beyond") is BEYOND and sheets.get("FIGURE11") is FIGURE11
    with pytest.raises(InvalidInput) as e:
        sheets.get("beyon")
    assert str(e.value).startswith("unknown sheet 'beyon' (did you mean 'beyond'?); allowed: figure11, beyond")


def test_one_evaluator_gives_the_chain_of_the_model():
    # hand chain through xlsizing.model: 6000万 MAU → 455.46亿元 (the report's printed capex)
    v = evaluate_column(BASE, [FIGURE11])
    cards = model.h20_cards_wan(model.infer_flops(1300, model.tokens_per_s_yi(model.daily_tokens_yi(
        model.dau_wan(6000))), 4))
    assert v["cards_wan"] == cards and f"{v['capex_yi']:.2f}" == "455.46"
    arrays = evaluate({"mau_wan": np.array([6000.0, 10000.0]), "peak_multiplier": 4.0}, [FIGURE11])
    assert arrays["cards_wan"][0] == cards and arrays["capex_yi"].shape == (2,)


def test_a_linked_input_follows_its_row_unless_set():
    # Beyond's total_params_yi follows Figure 11's params_yi; set, it stands alone
    assert evaluate_column({**BASE, "params_yi": 2600})["total_params_yi"] == 2600
    assert evaluate_column({**BASE, "params_yi": 2600, "total_params_yi": 6710})["total_params_yi"] == 6710
    # arrays: NaN = "not set, follow the link" per element
    v = evaluate({**BASE, "params_yi": np.array([2600.0, 2600.0]), "total_params_yi": np.array([math.nan, 6710.0])})
    assert v["total_params_yi"].tolist() == [2600.0, 6710.0]
    # a followed value must still meet the input's own rule: mfu 1 → prefill MFU 1 is allowed
    assert evaluate_column({**BASE, "mfu": 1.0})["mfu_prefill"] == 1.0


def test_errors_name_the_argument_and_what_is_allowed():
    with pytest.raises(InvalidInput) as e:
        evaluate_column({**BASE, "mfuu": 0.5})
    assert str(e.value).startswith("unknown input 'mfuu' (did you mean 'mfu'?); allowed: mau_wan, params_yi, ")
    with pytest.raises(InvalidInput) as e:
        evaluate_column({"peak_multiplier": 4})
    assert str(e.value) == "mau_wan is required (Monthly active users, 万人)"
    with pytest.raises(InvalidInput) as e:
        evaluate_column({**BASE, "total_params_yi": -1})
    assert str(e.value) == "total_params_yi must be > 0, got -1"
    # a sheet evaluated alone needs the rows it reads from the sheets left out
    with pytest.raises(InvalidInput) as e:
        evaluate_column({}, [BEYOND])
    assert str(e.value).endswith("is required (read from the Figure 11 sheet)")


def test_shapes_that_do_not_fit_are_named():
    with pytest.raises(InvalidInput) as e:
        evaluate({"mau_wan": np.ones(2), "peak_multiplier": np.ones(3)}, [FIGURE11])
    assert str(e.value) == "input arrays have shapes that do not fit together: mau_wan (2,), peak_multiplier (3,)"


@checked(toy_x=POSITIVE)
def _double(toy_x):
    """Twice x = 2 × toy_x.

    >>> _double(2.0)
    4.0
    """
    return 2 * toy_x


def test_sheet_lists_are_checked():
    toy = Sheet("toy", "Toy", (row_in("toy_x", "x", "x", "", "0", 1.0, POSITIVE),
                               Row("toy_y", "y", "y", "", "0", fn=_double, native="2*{toy_x}")), prefix="toy_")
    check_sheets([FIGURE11, toy], reads=True)
    clash = Sheet("clash", "Clash", (row_in("mfu", "m", "m", "", "0", 1.0, POSITIVE),), prefix="c_")
    with pytest.raises(ValueError, match="row 'mfu' is already a row of sheet 'Figure 11'"):
        check_sheets([FIGURE11, clash])
    with pytest.raises(ValueError, match="sheet 'Beyond' reads 'tokens_per_s_yi', which no earlier sheet defines"):
        check_sheets([BEYOND], reads=True)
    with pytest.raises(ValueError, match="two sheets are titled 'Toy'"):
        check_sheets([toy, Sheet("toy2", "Toy", (), prefix="t2_")])
    with pytest.raises(TypeError, match="formula uses"):
        Row("bad", "b", "b", "", "0", fn=_double, native="2*{other}")
    assert toy.reads == () and [r.key for r in toy.order] == ["toy_y"]
    assert sheets.formula(toy.row["toy_y"], lambda k: k.upper()) == "=2*TOY_X"


def test_evaluate_grid_is_the_full_evaluation_cell_by_cell():
    # the sensitivity grid recomputes only the rows that move; each cell must be the number a full
    # evaluation with the two inputs replaced gives, to the last bit (random scenarios, and a grid
    # whose inputs a later sheet's linked inputs follow)
    import random

    rng = random.Random(11)
    g = sheets.BEYOND.grid
    for _ in range(200):
        base = {"mau_wan": rng.uniform(1, 1e6), "peak_multiplier": rng.uniform(1, 10),
                "params_yi": rng.uniform(1, 1e5), "card_tflops": rng.uniform(1, 5000)}
        want = [[sheets.evaluate_column({**base, g.row_input: a, g.col_input: b}, [sheets.FIGURE11])[g.result]
                 for b in g.col_values] for a in g.row_values]
        assert sheets.evaluate_grid(base, g, [sheets.FIGURE11]) == want
    linked = sheets.Grid(result="fleet_cards_wan", row_input="mfu", row_values=(0.2, 0.5), col_input="params_yi",
                         col_values=(100.0, 6710.0), title_zh="", title_en="", chart_title="")
    both = [sheets.FIGURE11, sheets.BEYOND]
    for base in ({"mau_wan": 6000, "peak_multiplier": 4}, {"mau_wan": 6000, "peak_multiplier": 4, "mfu_prefill": 0.3}):
        want = [[sheets.evaluate_column({**base, "mfu": a, "params_yi": b}, both)["fleet_cards_wan"]
                 for b in linked.col_values] for a in linked.row_values]
        assert sheets.evaluate_grid(base, linked, both) == want
    # the scenario that sets MFU prefill keeps it: fewer prefill cards move with MFU (hand check: differs)
    assert sheets.evaluate_grid({"mau_wan": 6000, "peak_multiplier": 4}, linked, both) != \
        sheets.evaluate_grid({"mau_wan": 6000, "peak_multiplier": 4, "mfu_prefill": 0.3}, linked, both)
