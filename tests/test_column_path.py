"""The numpy-free path (one scenario at a time on Python floats) gives the array path's numbers.

A build or table of a few scenarios evaluates each scenario on floats so that the command never
imports numpy (BENCHMARKS.md target 2).  The oracle here is the array path itself
(:func:`xlsizing.layout.evaluate`, :func:`xlsizing.layout_beyond.evaluate`), which the printed
Figure 11 values and LibreOffice check elsewhere: every value must be the same float to the last
bit (nan where the array path gives nan, the same sign of zero), and every bad input must give
the same message.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from xlsizing import _args, beyond, model
import fig11 as layout
import beyond_view as lb
from xlsizing.errors import InvalidInput
from xlsizing.scenarios import load_builtin, make_scenario, to_inputs


def same(a: float, b: float) -> bool:
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def logu(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def random_scenarios(rng, n, extreme=True):
    """Valid inputs over many decades; with ``extreme``, up to where products overflow to inf."""
    out = []
    for i in range(n):
        big = extreme and i % 10 == 0  # every tenth: magnitudes whose products leave float range
        out.append(make_scenario(
            f"s{i}", mau_wan=logu(rng, 1e-3, 1e300 if big else 1e6), activity_ratio=float(rng.uniform(1e-9, 1)),
            params_yi=logu(rng, 1e-3, 1e300 if big else 1e5), peak_multiplier=float(rng.uniform(1, 1e3)),
            card_tflops=logu(rng, 1e-6, 1e6), mfu=float(rng.uniform(1e-9, 1)), server_price_wan=logu(rng, 1e-3, 1e6),
            ref_tokens_yi=logu(rng, 1e-3, 1e9), ref_dau_wan=logu(rng, 1e-3, 1e6), seconds_basis=logu(rng, 1, 1e9),
            cards_per_server=float(rng.integers(1, 65)), card_price_wan=logu(rng, 1, 100),
            inference_time_s=logu(rng, 0.01, 100)))
    return out


def test_figure11_rows_are_bit_identical_on_both_paths():
    # 2,000 random scenarios plus the report's four columns
    rng = np.random.default_rng(11)
    scen = load_builtin("figure11") + random_scenarios(rng, 2000)
    with np.errstate(over="ignore"):  # the extremes overflow to inf on purpose
        arrays = layout.evaluate(to_inputs(scen))
    cols = layout.columns(layout.evaluate_column, [s.values for s in scen])
    assert set(cols) == set(arrays)
    bad = [(k, j, cols[k][j], float(arrays[k][j])) for k in arrays for j in range(len(scen))
           if not same(cols[k][j], arrays[k][j])]
    assert bad == []
    assert any(math.isinf(x) for x in cols["capex_yi"])  # the extremes reached overflow
    assert all(type(x) is float for v in cols.values() for x in v)


def random_beyond(rng, base: dict) -> dict:
    """The Beyond sheet's own inputs at random, often infeasible (batch too large, SLO missed)."""
    d = dict(base)
    for r in lb.INPUTS:
        default = d[r.link] if r.is_linked else r.default
        lo_hi = {"in (0, 1]": (1e-6, 1.0), "in [0, 1)": (0.0, 0.999999), "in [0, 1]": (0.0, 1.0)}.get(r.rule.allowed)
        if lo_hi:
            d[r.key] = float(rng.uniform(*lo_hi))
        elif r.rule.allowed == ">= 1":
            d[r.key] = float(rng.integers(1, 1000))
        else:
            d[r.key] = logu(rng, max(default, 1e-3) / 1e3, max(default, 1e-3) * 1e3) if rng.random() < 0.95 \
                else (0.0 if r.rule.allowed == ">= 0" else 1e-300)
    return d


def test_beyond_rows_are_bit_identical_on_both_paths_feasible_or_not():
    rng = np.random.default_rng(12)
    scen = load_builtin("figure11") + random_scenarios(rng, 300, extreme=False)
    inputs = [lb.column_inputs(s) for s in scen[:4]] + [random_beyond(rng, lb.column_inputs(s)) for s in scen[4:]]
    cols = layout.columns(lb.evaluate_column, inputs)
    arrays = lb.evaluate({k: np.array([c[k] for c in inputs]) for k in inputs[0]})
    bad = [(k, j, cols[k][j], float(arrays[k][j])) for k in arrays for j in range(len(inputs))
           if not same(cols[k][j], arrays[k][j])]
    assert bad == []
    feasible = cols["decode_feasible"]
    assert 0.0 in feasible and 1.0 in feasible  # both kinds of column were compared
    # the defaults agree with sheet_inputs (the array path's inputs) for the report's columns
    ref = lb.sheet_inputs(scen[:4])
    assert all(same(inputs[j][k], ref[k][j]) for k in ref for j in range(4))


@pytest.mark.parametrize("bad", [
    {"mfu": 1.5}, {"mfu": 0}, {"mau_wan": -1}, {"mau_wan": math.nan}, {"peak_multiplier": math.inf},
    {"card_tflops": "148"}, {"cards_per_server": True}, {"params_yi": None}, {"server_price_wan": 10 ** 400},
    {"mfu_typo": 0.5},
])
def test_bad_input_gives_the_same_message_on_both_paths(bad):
    inputs = {"mau_wan": 6000, "peak_multiplier": 4, **bad}
    with pytest.raises(InvalidInput) as arr:
        layout.evaluate(inputs)
    with pytest.raises(InvalidInput) as col:
        layout.evaluate_column(inputs)
    assert str(col.value) == str(arr.value)


def test_float_errors_fall_back_to_numpys_answer():
    # Python raises on 1/0.0; numpy (the array path) gives inf, and 0/0 gives nan
    assert _args.scalar_call(lambda a, b: a / b, [1.0, 0.0]) == math.inf
    assert math.isnan(_args.scalar_call(lambda a, b: a / b, [0.0, 0.0]))
    # a checked model function on scalars: no numpy result type leaks out
    assert type(model.h20_cards_wan(3.2e19)) is float
    assert model.h20_cards_wan(3.2e19) == float(model.h20_cards_wan(np.array([3.2e19]))[0])


def test_grid_values_match_the_array_chain():
    # oracle: the report's chain evaluated on arrays for each MFU × peak pair
    v = layout.evaluate(to_inputs(load_builtin("figure11")))
    got = lb._grid_values(lb.BEYOND, load_builtin("figure11")[3])
    for i, m in enumerate(lb.GRID_MFU):
        for k, p in enumerate(lb.GRID_PEAK):
            want = model.server_capex_yi(model.h20_cards_wan(
                model.infer_flops(np.array([v["params_yi"][3]]), v["tokens_per_s_yi"][3], p), v["card_tflops"][3], m),
                v["server_price_wan"][3], v["cards_per_server"][3])[0]
            assert same(got[i][k], want)
    assert round(got[3][3], 2) == 1897.73  # the report's 乐观 column: MFU 50%, multiplier 5 (Figure 11)


@pytest.mark.parametrize("argv, rc", [
    (["build", "-o", "f.xlsx"], 0), (["table"], 0), (["table", "--format", "json"], 0),
    (["batch", "--base", "2024年末", "--grid", "mfu=0.3:0.5:0.1", "--outdir", "out", "--jobs", "1"], 0),
    (["build", "missing.toml", "-o", "g.xlsx"], 2),  # a refusal: exit 2, one Error: line
])
def test_small_commands_never_import_numpy(tmp_path, argv, rc):
    code = ("import sys\nfrom xlsizing.cli import main\nrc = main(sys.argv[1:])\n"
            "print('NUMPY' if 'numpy' in sys.modules else 'no numpy', rc, file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.stderr.strip().splitlines()[-1] == f"no numpy {rc}", p.stderr
    if argv[0] == "build" and rc == 0:
        assert (tmp_path / "f.xlsx").stat().st_size > 10_000
    if argv[0] == "batch":
        assert len(list((tmp_path / "out").glob("*.xlsx"))) == 3


def test_beyond_kernels_take_floats_and_arrays():
    # beyond.py's elementwise steps (floor, ceil, max, where) on both paths; oracle: numpy
    assert beyond.batch_capacity(260, 393216, 4096, 2, 96, 0.9) == -55.0
    assert beyond.servers_whole_wan(43.37671, 8) == float(np.ceil(43.37671 * 1e4 / 8) / 1e4)
    assert beyond.decode_feasible(-1.0, 0.03, 0.05) == 0.0
    arr = beyond.decode_feasible(np.array([10.0, -1.0]), 0.03, 0.05)
    assert arr.tolist() == [1.0, 0.0]
