"""The Excel functions of xlsizing.udfs, called the way xlwings calls them.

On Linux the xlwings decorators do nothing, so these tests hand the functions what xlwings hands
them in Excel (every argument is declared ``ndim=2, err_to_str=True``): a 2-D list of rows for a
range or a single cell, ``None`` for an empty cell, ``"#N/A"``-style strings for error cells,
text, booleans, and the Python defaults for omitted arguments.  Python callers may also pass
plain scalars and 1-D lists.

Oracles: the printed Figure 11 table and its full-precision values (shared/reference/figure11.md,
as transcribed in tests/test_model.py), hand calculations in the comments, and the messages of
xlsizing.model's own argument checks (the UDFs must reuse them, renamed to the Excel argument).
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlwings.conversion import PandasDataFrameConverter

from xlsizing import model, udfs, udfs_table
import fig11 as layout
from xlsizing.errors import InvalidInput, UnknownAccelerator
from fig11 import ROW, display
from xlsizing.udfs import (DAILY_TOKENS, DAU, H20_CARDS, INFER_FLOPS, SERVER_CAPEX, SERVERS, TOKENS_PER_S,
                           cells)

CHAIN = {  # Excel function → model function it wraps
    "DAU": model.dau_wan, "DAILY_TOKENS": model.daily_tokens_yi, "TOKENS_PER_S": model.tokens_per_s_yi,
    "INFER_FLOPS": model.infer_flops, "H20_CARDS": model.h20_cards_wan, "SERVERS": model.servers_wan,
    "SERVER_CAPEX": model.server_capex_yi,
}
EXCEL_ARGS = {  # the Excel argument names (Function Wizard), in model order
    "DAU": ["mau", "activity_ratio"], "DAILY_TOKENS": ["dau", "ref_tokens", "ref_dau"],
    "TOKENS_PER_S": ["daily_tokens", "seconds_basis"], "INFER_FLOPS": ["params", "tokens_per_s", "peak_multiplier"],
    "H20_CARDS": ["flops", "card_tflops", "mfu"], "SERVERS": ["cards", "cards_per_server"],
    "SERVER_CAPEX": ["cards", "server_price", "cards_per_server"],
}
GOOD = {  # one valid value per Excel argument (any valid value works for the shape tests)
    "mau": 6000.0, "activity_ratio": 0.15, "dau": 900.0, "ref_tokens": 40000.0, "ref_dau": 900.0,
    "daily_tokens": 40000.0, "seconds_basis": 129600.0, "params": 1300.0, "tokens_per_s": 0.3,
    "peak_multiplier": 4.0, "flops": 3.2e19, "card_tflops": 148.0, "mfu": 0.5, "cards": 43.0,
    "cards_per_server": 8.0, "server_price": 84.0,
}
FN = {name: getattr(udfs, name) for name in CHAIN}

# Figure 11 as printed (inputs and outputs), columns 2024年末, 保守, 中性, 乐观.
MAU = [6000, 10000, 15000, 20000]
PEAK = [4, 4, 4, 5]
from figure11_printed import FULL_CAPEX, FULL_CARDS  # noqa: E402  (figure11.md full precision)
from figure11_printed import PRINTED as _ALL_PRINTED  # noqa: E402

PRINTED = {k: _ALL_PRINTED[k] for k in ("dau_wan", "daily_tokens_yi", "tokens_per_s_yi", "flops", "cards_wan", "capex_yi")}


def chain(mau, peak):
    """The template's chain as nested worksheet calls, every optional argument left to its default."""
    dau = DAU(mau)
    tokens = DAILY_TOKENS(dau)
    tps = TOKENS_PER_S(tokens)
    flops = INFER_FLOPS(1300, tps, peak)
    cards = H20_CARDS(flops)
    return {"dau_wan": dau, "daily_tokens_yi": tokens, "tokens_per_s_yi": tps, "flops": flops,
            "cards_wan": cards, "capex_yi": SERVER_CAPEX(cards)}


# --- Figure 11 through the worksheet functions ---------------------------------------------------


@pytest.mark.parametrize("col", range(4))
def test_nested_single_cells_print_figure11(col):
    got = chain([[MAU[col]]], [[PEAK[col]]])  # single cells, as xlwings passes them (ndim=2)
    for key, printed in PRINTED.items():
        assert display(ROW[key], got[key][0][0]) == printed[col], key
    assert got["cards_wan"][0][0] == pytest.approx(FULL_CARDS[col], rel=1e-12)
    assert got["capex_yi"][0][0] == pytest.approx(FULL_CAPEX[col], rel=1e-12)


def test_nested_formula_over_the_template_row_spills_figure11():
    # =SERVER_CAPEX(H20_CARDS(INFER_FLOPS(1300, TOKENS_PER_S(DAILY_TOKENS(DAU(B2:E2))), B8:E8)))
    got = chain([MAU], [PEAK])
    for key, printed in PRINTED.items():
        assert [display(ROW[key], v) for v in got[key][0]] == printed, key
    # the report's headline text: 759, 1139 and 1898 亿元 for the three 2025-2026E cases
    assert [round(v) for v in got["capex_yi"][0][1:]] == [759, 1139, 1898]


def test_explicit_arguments_in_layout_formula_order_match_defaults():
    # layout.formula writes IFERROR(H20_CARDS(flops,card_tflops,mfu),…): every argument given
    inputs = layout.figure11_inputs()
    v = layout.evaluate(inputs)
    for row in layout.HEADLINE:
        fn = getattr(udfs, row.udf)
        args = [[list(map(float, v[k]))] for k in row.args]  # one row of four cells per argument
        assert fn(*args) == [list(map(float, v[row.key]))], row.key


# --- the Excel functions are the model functions ---------------------------------------------------


def test_every_layout_udf_exists_with_the_model_signature():
    for row in layout.HEADLINE:
        assert row.udf in udfs.__all__
        assert len(inspect.signature(getattr(udfs, row.udf)).parameters) == len(row.args)


@pytest.mark.parametrize("name", list(CHAIN))
def test_signature_matches_model(name):
    params = list(inspect.signature(FN[name]).parameters.values())
    mparams = list(inspect.signature(CHAIN[name]).parameters.values())
    assert [p.name for p in params] == EXCEL_ARGS[name]
    assert [p.default for p in params] == [p.default for p in mparams]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)


@pytest.mark.parametrize("name", list(CHAIN))
def test_arrays_equal_the_engine(name):
    rng = np.random.default_rng(4)
    args = []
    for a, p in zip(EXCEL_ARGS[name], inspect.signature(CHAIN[name]).parameters):
        lo = 1.0 if a in ("peak_multiplier", "cards_per_server") else 0.01
        hi = 1.0 if a in ("activity_ratio", "mfu") else 1e4
        args.append(rng.uniform(lo, hi, (50, 3)))
    want = CHAIN[name](*args)
    got = FN[name](*(x.tolist() for x in args))
    assert np.array_equal(np.array(got), want)  # same kernel: bit for bit


# --- shapes --------------------------------------------------------------------------------------

H = 3.2e19 / (148e12 * 0.5) / 1e4  # hand calculation: cards for 3.2E+19 FLOP/s at the defaults


@pytest.mark.parametrize("flops, mfu, want", [
    (3.2e19, 0.5, H),                                    # scalars (Python caller) → a number
    ([[3.2e19]], [[0.5]], [[H]]),                        # single cells (xlwings, ndim=2) → 1×1
    ([3.2e19, 6.4e19], 0.5, [H, 2 * H]),                 # 1-D list (Python caller) → 1-D list
    ([[3.2e19], [6.4e19]], [[0.5]], [[H], [2 * H]]),     # a column stays a column
    ([[3.2e19, 6.4e19]], 0.5, [[H, 2 * H]]),             # a row stays a row
    ([[3.2e19], [6.4e19]], [[0.5, 0.25]], [[H, 2 * H], [2 * H, 4 * H]]),  # column × row → block
    ([[3.2e19, 3.2e19], [6.4e19, 6.4e19]], [[0.5, 0.25], [0.5, 0.25]], [[H, 2 * H], [2 * H, 4 * H]]),
    ([], 0.5, []),                                       # an empty list → an empty list
])
def test_shapes(flops, mfu, want):
    got = H20_CARDS(flops, 148, mfu)
    assert np.allclose(np.array(got, dtype=float), np.array(want, dtype=float), rtol=1e-15)
    assert np.shape(got) == np.shape(want)
    assert type(got) is type(want)


def test_tuples_from_com_are_read_like_lists():
    # pywin32 hands a range's raw value over as a tuple of tuples
    assert SERVERS(((80.0,), (160.0,))) == [[10.0], [20.0]]


# --- what each kind of cell value gives ----------------------------------------------------------


@pytest.mark.parametrize("flops, mfu, want", [
    (None, 0.5, None),                                         # empty required cell → empty result
    ("", 0.5, None),                                           # "" (a formula's blank) → empty result
    (3.2e19, None, H),                                         # empty optional cell → its default (0.5)
    (3.2e19, "", H),
    ("#N/A", 0.5, "#N/A"),                                     # error cells pass through
    ("#DIV/0!", 0.5, "#DIV/0!"), ("#VALUE!", 0.5, "#VALUE!"), ("#REF!", 0.5, "#REF!"),
    ("#NAME?", 0.5, "#NAME?"), ("#NUM!", 0.5, "#NUM!"), ("#NULL!", 0.5, "#NULL!"), ("#SPILL!", 0.5, "#SPILL!"),
    (3.2e19, "#N/A", "#N/A"),
    ("abc", 0.5, "flops must be a number, got 'abc'"),         # text
    ("3.2e19", 0.5, "flops must be a number, got '3.2e19'"),   # numbers stored as text are refused too
    (True, 0.5, "flops must be a number, got TRUE"),           # booleans
    (3.2e19, False, "mfu must be a number, got FALSE"),
    (dt.datetime(2024, 12, 26), 0.5, "flops must be a number, got a date or time"),
    (-1.0, 0.5, "flops must be > 0, got -1"),                  # the model's rules and wording
    (0.0, 0.5, "flops must be > 0, got 0"),
    (3.2e19, 1.5, "mfu must be in (0, 1], got 1.5"),
    (3.2e19, 50, "mfu must be in (0, 1], got 50 (write 50% or 0.5)"),  # 50 meant as 50%
    (3.2e19, 0, "mfu must be in (0, 1], got 0"),
    (math.nan, 0.5, "flops must be a finite number, got nan"),
    (math.inf, 0.5, "flops must be a finite number, got inf"),
    (10 ** 400, 0.5, "flops must be a finite number, got a number too large"),
    ("abc", 1.5, "flops must be a number, got 'abc'"),         # the leftmost bad argument decides
    (None, 1.5, None),
    ("params must be > 0, got -1", 0.5, "params must be > 0, got -1"),  # a nested call's message passes
    ("a must be\nb", 0.5, "flops must be a number, got 'a must be\\nb'"),  # …but never a line break
    (1e308, 1e-300, "#NUM!"),                                  # overflow of the result
])
def test_cell_values(flops, mfu, want):
    got = H20_CARDS(flops, 148, mfu)
    assert got == (pytest.approx(want, rel=1e-15) if isinstance(want, float) else want)
    # the same value inside a range fails (or computes) only its own element
    arr = H20_CARDS([[3.2e19], [flops], [6.4e19]], 148, [[0.5], [mfu], [0.5]])
    assert arr[0][0] == pytest.approx(H, rel=1e-15) and arr[2][0] == pytest.approx(2 * H, rel=1e-15)
    assert arr[1][0] == (pytest.approx(want, rel=1e-15) if isinstance(want, float) else want)


def test_one_bad_element_among_many():
    col = [[float(i + 1) * 1e19] for i in range(1000)]
    col[500] = ["oops"]
    col[700] = [None]
    out = H20_CARDS(col)
    assert out[500] == ["flops must be a number, got 'oops'"] and out[700] == [None]
    good = [row[0] for i, row in enumerate(out) if i not in (500, 700)]
    assert all(isinstance(v, float) for v in good) and len(good) == 998
    assert out[0][0] == pytest.approx(1e19 / (148e12 * 0.5) / 1e4, rel=1e-15)  # hand calculation


def test_empty_optional_cells_inside_a_range_take_the_default():
    assert SERVER_CAPEX([[80.0], [80.0]], [[None], [42.0]], 8) == [[840.0], [420.0]]  # 80/8×84, 80/8×42


@pytest.mark.parametrize("call, want", [
    (lambda: H20_CARDS([[1.0, 2.0], [3.0]]), "flops must be a rectangular range, got rows of different lengths"),
    (lambda: H20_CARDS([[1.0], [2.0], [3.0]], 148, [[0.5], [0.5]]),
     "ranges must be the same size or a single cell, got flops 3×1, mfu 2×1"),
    (lambda: SERVERS([[[1.0]], [2.0]]), "cards must be a rectangular range, got rows of different lengths"),
])
def test_whole_call_messages(call, want):
    assert call() == want


@pytest.mark.parametrize("name", list(CHAIN))
def test_messages_are_the_model_messages_with_excel_names(name):
    mnames = list(inspect.signature(CHAIN[name]).parameters)
    for i, (xname, mname) in enumerate(zip(EXCEL_ARGS[name], mnames)):
        for bad in (-5.0, 0.0, 1e9 if xname in ("activity_ratio", "mfu") else None):
            if bad is None:
                continue
            margs = [GOOD[a] for a in EXCEL_ARGS[name]]
            margs[i] = bad
            try:
                CHAIN[name](*margs)
            except InvalidInput as e:
                want = re.sub(rf"^{mname}\b", xname, str(e))
            else:
                continue  # a valid value for this argument
            assert FN[name](*margs) == want


# --- the helper for other UDF modules (issue 6) --------------------------------------------------


def _peak(accel, precision_bits):
    """A plain (unchecked) function with a text argument, like a catalog lookup."""
    table = {"H20": 148.0, "H100": 989.0}
    if accel not in table:
        raise UnknownAccelerator(f"unknown accelerator {accel!r}")
    if np.any(np.asarray(precision_bits) <= 0):
        raise InvalidInput(f"precision_bits must be > 0, got {precision_bits}")
    return table[accel] * 16 / np.asarray(precision_bits, dtype=float)


@pytest.mark.parametrize("accel, bits, want", [
    ("H20", [[16.0], [8.0]], [[148.0], [296.0]]),            # scalar text, numeric range: one call
    ([["H20"]], [[8.0]], [[296.0]]),                        # a 1×1 text range is its value
    ("B300", 16.0, "unknown accelerator 'B300'"),            # the function's own message
    ("H20", [[16.0], [-1.0]], [[148.0], ["precision_bits must be > 0, got -1.0"]]),  # per element
    ([["H20"], ["H100"]], 16.0, [[148.0], [989.0]]),         # a text range: element by element
    ("#N/A", 16.0, "#N/A"),
    (None, 16.0, "unknown accelerator None"),                # no default: the function decides
])
def test_cells_with_plain_functions_and_text(accel, bits, want):
    assert cells(_peak, text=("accel",), accel=accel, precision_bits=bits) == want


# --- bad input never escapes as an exception ----------------------------------------------------

ERRORS = sorted(udfs.ERROR_CODES)
cell = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30),
    st.integers(min_value=10 ** 308, max_value=10 ** 400),
    st.booleans(),
    st.text(max_size=60),
    st.sampled_from(ERRORS + ["", "mfu must be > 0, got 0"]),
    st.datetimes(),
)
value = st.one_of(
    cell,
    st.lists(cell, max_size=5),
    st.lists(st.lists(cell, max_size=4), max_size=4),  # 2-D, possibly ragged or empty
)


def _flat(x):
    if isinstance(x, pd.DataFrame):  # SIZING_TABLE: the cells xlwings' DataFrame converter writes
        x = PandasDataFrameConverter.write_value(x, udfs_table.RET)
    if isinstance(x, list):
        for v in x:
            yield from _flat(v)
    else:
        yield x


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(list(CHAIN)), args=st.lists(value, min_size=3, max_size=3))
def test_any_cell_values_never_raise(name, args):
    fn = FN[name]
    n = len(inspect.signature(fn).parameters)
    out = fn(*args[:n])
    for v in _flat(out):
        assert v is None or isinstance(v, str) and 0 < len(v) <= 200 or (
            type(v) is float and math.isfinite(v)), repr(v)
        assert not (isinstance(v, str) and "internal error" in v), v


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=1e-3, max_value=1e6), min_size=1, max_size=20))
def test_more_flops_never_fewer_cards(xs):
    out = H20_CARDS([[x] for x in sorted(xs)])
    vals = [row[0] for row in out]
    assert vals == sorted(vals)


excel_range = st.integers(1, 4).flatmap(  # what xlwings delivers with ndim=2: rectangular, never empty
    lambda c: st.lists(st.lists(cell, min_size=c, max_size=c), min_size=1, max_size=4))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(udfs.__all__), args=st.lists(st.one_of(cell, excel_range), min_size=12, max_size=12))
def test_every_registered_function_never_raises(name, args):
    # every function Import Functions registers, including those of xlsizing.udfs_beyond
    fn = getattr(udfs, name)
    out = fn(*args[:len(inspect.signature(fn).parameters)])
    for v in _flat(out):
        assert v is None or isinstance(v, str) and 0 < len(v) <= 200 or (
            type(v) is float and math.isfinite(v)), repr(v)
        assert not (isinstance(v, str) and "internal error" in v), v


def _verdict(headroom_gb):
    """A plain function that answers in words, like a feasibility check."""
    return "OK" if headroom_gb >= 0 else f"short by {-headroom_gb:g} GB"


def test_cells_with_a_function_that_answers_in_words():
    assert cells(_verdict, headroom_gb=[[3.0], [-2.5], ["x"]]) == [
        ["OK"], ["short by 2.5 GB"], ["headroom_gb must be a number, got 'x'"]]
