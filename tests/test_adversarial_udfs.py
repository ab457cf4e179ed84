"""Adversarial: every Excel function over >= 10,000 generated cell values each, nothing escapes.

Oracle: the contract of xlsizing.udfs (what a spreadsheet user may see in a cell): every element
of a result is a finite number, empty (None), an Excel error code or a short one-line message;
no Python exception reaches Excel, no traceback, no "internal error".  The values are generated
by a seeded generator (deterministic, so a failure reproduces), in the shapes xlwings hands over
with ``ndim=2``: single cells, columns, blocks, plus ragged and empty ranges and 1-D lists.
The counts are asserted, so the suite cannot quietly shrink (docs/reliability.md quotes them).
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import random

import pandas as pd
import pytest
from xlwings.conversion import PandasDataFrameConverter

from xlsizing import catalog, udfs, udfs_table

PER_FUNCTION = 10_000  # generated cell values per registered function, at least
MAX_MESSAGE = 200

ERRORS = sorted(udfs.ERROR_CODES)
TEXTS = ["", " ", "abc", "1.5", "50%", "1e400", "nan", "inf", "-0", "TRUE", "=1+1", "'6000", "六千", "H20 ",
         "h20", "bf16", "fp8", "int8", "fp4", "fp16", "memory_gb", "bandwidth_tbs", "tdp_w", "x" * 1000,
         "line\nbreak", "tab\there", "\x00", "mfu must be > 0, got 0", "#N/A ", "#n/a", "Err:502"]
NAMES = list(catalog.default().names())
SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 1e-308, 1, 0, -1,
           10 ** 400, -(10 ** 400), 2 ** 63, True, False, math.nan, math.inf, -math.inf, None]


def plausible(rng: random.Random) -> float:
    """A number a sizing sheet might hold (so that many elements really compute)."""
    return rng.choice([rng.uniform(0.01, 1.0), rng.uniform(1, 10), rng.uniform(1, 1e4), rng.uniform(1e4, 1e8),
                       float(rng.randint(1, 200))])


def garbage(rng: random.Random):
    k = rng.random()
    if k < 0.35:  # any magnitude, either sign
        return rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-320, 308.25)
    if k < 0.5:
        return rng.choice(SPECIAL)
    if k < 0.65:
        return rng.choice(TEXTS)
    if k < 0.75:
        return rng.choice(ERRORS)
    if k < 0.82:
        return rng.choice(NAMES)
    if k < 0.88:
        return rng.choice([dt.datetime(2024, 12, 26, 9, 30), dt.date(1900, 1, 1), dt.time(12), dt.timedelta(1)])
    if k < 0.94:
        return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 30)))
    return rng.randint(-(10 ** 20), 10 ** 20)


class Gen:
    """Seeded cell values in Excel shapes; counts every leaf value it hands out."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.count = 0

    def cell(self, bad: float):
        self.count += 1
        return garbage(self.rng) if self.rng.random() < bad else plausible(self.rng)

    def arg(self, shape: tuple[int, int], bad: float):
        r = self.rng.random()
        if r < 0.30:
            return self.cell(bad)  # a single cell (broadcast against the ranges)
        if r < 0.36:
            return [[self.cell(bad)]]  # a 1×1 range
        if r < 0.40:  # ragged: rows of different lengths
            rows = self.rng.randint(2, 6)
            return [[self.cell(bad) for _ in range(self.rng.randint(0, 4))] for _ in range(rows)] + [[1.0, 2.0, 3.0]]
        if r < 0.42:
            return self.rng.choice([[], [[]], [[], []], ()])  # empty ranges
        if r < 0.45:  # a 1-D list (a row handed over without ndim=2)
            return [self.cell(bad) for _ in range(shape[1] * shape[0])]
        if r < 0.47:  # tuples, as COM hands over ranges
            return tuple(tuple(self.cell(bad) for _ in range(shape[1])) for _ in range(shape[0]))
        return [[self.cell(bad) for _ in range(shape[1])] for _ in range(shape[0])]

    def call_args(self, n: int):
        rng = self.rng
        shape = rng.choice([(1, 1), (rng.randint(1, 60), 1), (1, rng.randint(2, 20)),
                            (rng.randint(2, 30), rng.randint(2, 8)), (rng.randint(200, 1500), 1)])
        bad = rng.choice([0.0, 0.05, 0.2, 0.6, 1.0])
        return [self.arg(shape, bad) for _ in range(n)]


def leaves(x):
    if isinstance(x, pd.DataFrame):  # SIZING_TABLE: the cells xlwings' DataFrame converter writes
        x = PandasDataFrameConverter.write_value(x, udfs_table.RET)
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from leaves(v)
    else:
        yield x


def acceptable(v) -> bool:
    if v is None:
        return True
    if type(v) is float:
        return math.isfinite(v)
    if isinstance(v, str):
        return (0 < len(v) <= MAX_MESSAGE and "\n" not in v and "\r" not in v and "Traceback" not in v
                and "internal error" not in v)
    return False


@pytest.mark.parametrize("name", udfs.__all__)
def test_every_registered_function_survives_10000_generated_cells(name):
    fn = getattr(udfs, name)
    n = len(inspect.signature(fn).parameters)
    gen = Gen(seed=sum(map(ord, name)))
    calls = results = 0
    bad_results = []
    while gen.count < PER_FUNCTION:
        args = gen.call_args(n)
        out = fn(*args)  # any exception escaping here fails the test, with its traceback
        calls += 1
        for v in leaves(out):
            results += 1
            if not acceptable(v):
                bad_results.append((args if len(repr(args)) < 300 else "...", v))
    # also: every optional argument omitted, and every argument a whole-call oddity
    for extra in ([None] * n, [[]] * n, [[[None]]] * n, [ERRORS[0]] * n):
        for v in leaves(fn(*extra)):
            results += 1
            if not acceptable(v):
                bad_results.append((extra, v))
    assert gen.count >= PER_FUNCTION and results > 0
    assert not bad_results, f"{len(bad_results)} unacceptable results, first: {bad_results[:3]}"
    test_every_registered_function_survives_10000_generated_cells.tried[name] = (gen.count, calls, results)


test_every_registered_function_survives_10000_generated_cells.tried = {}


def test_the_sweep_covers_every_registered_function():
    # the module registers these with Excel (Import Functions); none may be left out of the sweep
    assert len(udfs.__all__) == len(set(udfs.__all__)) >= 35
    assert all(callable(getattr(udfs, n)) for n in udfs.__all__)
