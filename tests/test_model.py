"""The Figure 11 chain against the printed report and the hand-checked full-precision values.

Oracles: the printed table (Minsheng Securities, 2024-12-26, Figure 11, transcribed in
shared/reference/figure11.md "The table as printed") and the full-precision values in the same
file ("Full-precision values of the chain", checked by hand there).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsizing import model
from xlsizing.errors import InvalidInput, XlsizingError
from fig11 import ROW, display, evaluate, figure11_inputs

# Figure 11 as printed (the report is the oracle): tests/figure11_printed.py
from figure11_printed import FULL_CAPEX, FULL_CARDS, PRINTED  # noqa: E402

# figure11.md, "Full-precision values of the chain" (hand calculation): tokens/s (亿), FLOPS,
# cards (万张), capex (亿元).  Exact fractions where the chain allows: tokens/s = 40000×k/129600.
FULL = {
    "tokens_per_s_yi": [40000 / 129600, 200000 / 3 / 129600, 100000 / 129600, 400000 / 3 / 129600],
    "flops": [3.2098765432098765e19, 5.349794238683128e19, 8.024691358024691e19, 1.3374485596707819e20],
    "cards_wan": FULL_CARDS,
    "capex_yi": FULL_CAPEX,
}
# the prefixes printed in figure11.md, to prove FULL was not copied from the engine
FULL_PRINTED_PREFIX = {
    "tokens_per_s_yi": ["0.308641975", "0.514403292", "0.771604938", "1.028806584"],
    "cards_wan": ["43.37671", "72.29452", "108.44178", "180.73629"],
    "capex_yi": ["455.45545", "759.09243", "1138.63864", "1897.73106"],
}


@pytest.fixture(scope="module")
def fig11():
    return evaluate(figure11_inputs())


@pytest.mark.parametrize("key", list(PRINTED))
def test_every_printed_cell(fig11, key):
    assert [display(ROW[key], v) for v in fig11[key]] == PRINTED[key]


@pytest.mark.parametrize("key", list(FULL))
def test_full_precision(fig11, key):
    np.testing.assert_allclose(fig11[key], FULL[key], rtol=1e-9)


@pytest.mark.parametrize("key", list(FULL_PRINTED_PREFIX))
def test_full_precision_matches_figure11_md_digits(key):
    for value, prefix in zip(FULL[key], FULL_PRINTED_PREFIX[key]):
        decimals = len(prefix.split(".")[1])
        assert f"{value:.{decimals + 3}f}".startswith(prefix[:-1])
        assert abs(value - float(prefix)) < 10 ** -decimals


def test_headline_in_text_matches():
    # the report's text: "759、1139、1898 亿元" for the three 2025-2026E cases
    capex = evaluate(figure11_inputs())["capex_yi"][1:]
    assert [round(float(c)) for c in capex] == [759, 1139, 1898]


def test_scalar_chain_equals_layout(fig11):
    for i, (mau, peak) in enumerate([(6000, 4), (10000, 4), (15000, 4), (20000, 5)]):
        dau = model.dau_wan(mau)
        tok = model.daily_tokens_yi(dau)
        tps = model.tokens_per_s_yi(tok)
        flops = model.infer_flops(1300, tps, peak)
        cards = model.h20_cards_wan(flops)
        capex = model.server_capex_yi(cards)
        assert isinstance(capex, float)
        assert capex == pytest.approx(fig11["capex_yi"][i], rel=1e-15)


def test_calendar_day_alternative():
    # hand calculation: 86,400 instead of 129,600 multiplies everything downstream by 1.5
    base = model.tokens_per_s_yi(40000)
    cal = model.tokens_per_s_yi(40000, model.SECONDS_BASIS_CALENDAR)
    assert cal / base == pytest.approx(1.5, rel=1e-15)


def test_arrays_broadcast_and_shape():
    mau = np.array([[6000.0], [10000.0]])
    ratio = np.array([0.1, 0.15, 0.2])
    out = model.dau_wan(mau, ratio)
    assert out.shape == (2, 3)
    assert out[1, 1] == pytest.approx(1500)


# --- errors: exact messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: model.h20_cards_wan(1e19, 148, 1.5), "mfu must be in (0, 1], got 1.5"),
        (lambda: model.h20_cards_wan(1e19, 148, 0), "mfu must be in (0, 1], got 0"),
        (lambda: model.dau_wan(-5), "mau_wan must be > 0, got -5"),
        (lambda: model.dau_wan(0), "mau_wan must be > 0, got 0"),
        (lambda: model.infer_flops(1300, 0.3, 0.5), "peak_multiplier must be >= 1, got 0.5"),
        (lambda: model.infer_flops(float("nan"), 0.3, 4), "params_yi must be a finite number, got nan"),
        (lambda: model.infer_flops(1300, float("inf"), 4), "tokens_per_s_yi must be a finite number, got inf"),
        (lambda: model.tokens_per_s_yi("40000"), "daily_tokens_yi must be a number, got '40000'"),
        (lambda: model.tokens_per_s_yi(40000, None), "seconds_basis must be a number, got empty"),
        (lambda: model.server_capex_yi(True), "cards_wan must be a number, got True"),
        (lambda: model.dau_wan([6000, -1, 3]), "mau_wan must be > 0, got -1 (at index 1)"),
        (lambda: model.dau_wan([[6000, 1], [2, float("nan")]]),
         "mau_wan must be a finite number, got nan (at index (1, 1))"),
        (lambda: model.dau_wan([6000, "x"]), "mau_wan must be a number, got 'x' (at index 1)"),
        (lambda: model.dau_wan([[1, 2], [3]]),
         "mau_wan must be a number or a rectangular array of numbers, got a ragged array"),
        (lambda: model.dau_wan([1, 2, 3], [0.1, 0.2]),
         "array arguments have shapes that do not fit together: mau_wan (3,), activity_ratio (2,)"),
        (lambda: model.servers_wan(10, 0.5), "cards_per_server must be >= 1, got 0.5"),
    ],
)
def test_error_messages(call, message):
    with pytest.raises(InvalidInput) as e:
        call()
    assert str(e.value) == message
    assert isinstance(e.value, ValueError) and isinstance(e.value, XlsizingError)


# --- properties ------------------------------------------------------------------------------

pos = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
factor = st.floats(min_value=1.0, max_value=1e3)


def _cards_capex(tokens_per_s, params, peak):
    flops = model.infer_flops(params, tokens_per_s, peak)
    cards = model.h20_cards_wan(flops)
    return cards, model.server_capex_yi(cards)


@settings(max_examples=300, deadline=None)
@given(tps=pos, params=pos, peak=st.floats(min_value=1, max_value=100), k=factor,
       which=st.sampled_from(["tps", "params", "peak"]))
def test_monotone_and_linear(tps, params, peak, k, which):
    c0, x0 = _cards_capex(tps, params, peak)
    args = {"tps": tps, "params": params, "peak": peak}
    args[which] *= k
    c1, x1 = _cards_capex(args["tps"], args["params"], args["peak"])
    assert c1 >= c0 and x1 >= x0
    assert c1 == pytest.approx(c0 * k, rel=1e-12)
    assert x1 == pytest.approx(x0 * k, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(pos, pos, st.floats(min_value=1, max_value=100),
                          st.floats(min_value=1, max_value=5000), st.floats(min_value=0.01, max_value=1)),
                min_size=1, max_size=20))
def test_array_and_scalar_calls_agree(rows):
    tps, params, peak, tflops, mfu = (np.array(c) for c in zip(*rows))
    arr = model.h20_cards_wan(model.infer_flops(params, tps, peak), tflops, mfu)
    for i, r in enumerate(rows):
        scalar = model.h20_cards_wan(model.infer_flops(r[1], r[0], r[2]), r[3], r[4])
        assert arr[i] == scalar  # same kernel, same operations: bit-identical


@settings(max_examples=200, deadline=None)
@given(mau=st.floats(min_value=1, max_value=1e6), ratio=st.floats(min_value=0.01, max_value=1))
def test_more_users_never_fewer_cards(mau, ratio):
    a = evaluate({"mau_wan": mau, "peak_multiplier": 4, "activity_ratio": ratio})
    b = evaluate({"mau_wan": mau * 1.01, "peak_multiplier": 4, "activity_ratio": ratio})
    assert b["cards_wan"] >= a["cards_wan"] and math.isfinite(float(b["capex_yi"]))


def test_readme_examples_run():
    # the README's >>> examples are part of the contract with users
    import doctest
    from pathlib import Path

    readme = Path(__file__).resolve().parents[1] / "README.md"
    result = doctest.testfile(str(readme), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0
