"""Adversarial: 1,000 random scenarios, the Python engine against LibreOffice, to 1e-12 relative.

Oracle: LibreOffice headless recalculating every formula (always-recalculate profile, so the
cached values XlsxWriter stored cannot pass for results).  10 workbooks × 100 scenario columns,
one LibreOffice call for all of them; :func:`xlsizing.verify.verify_workbooks` compares every
computed cell of every sheet it knows (Figure 11 and Beyond) with the Python engine.  Inputs are
seeded and span many orders of magnitude; the Beyond sheet's own inputs are random too.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from xlsizing import layout, layout_beyond
from xlsizing.scenarios import make_scenario
from xlsizing.verify import REL_TOL, verify_workbooks
from xlsizing.workbook import FIGURE11_SHEET, sheet_specs, write_workbook

WORKBOOKS, COLUMNS = 10, 100
SEED = 1000


def random_value(rng: random.Random, rule, default: float | None) -> float:
    """A value the rule allows, spread over orders of magnitude around the default."""
    if rule.hi == 1.0:  # fractions: (0, 1] or [0, 1)
        v = rng.choice([rng.uniform(0.001, 1.0), 10 ** rng.uniform(-4, 0)])
        return min(v, 0.999) if rule.hi_open else v
    if rule.lo == 1.0:  # at least one
        return 1.0 + rng.choice([0.0, 10 ** rng.uniform(-3, 2.5)])
    scale = default if default else 1.0
    if not rule.lo_open and rng.random() < 0.1:  # ">= 0": zero is allowed
        return 0.0
    return scale * 10 ** rng.uniform(-3, 3)


def scenarios(rng: random.Random, book: int) -> list:
    out = []
    for j in range(COLUMNS):
        values = {r.key: random_value(rng, r.rule, r.default) for r in layout.INPUTS}
        out.append(make_scenario(f"随机 {book}-{j}", **values))
    return out


def beyond_spec(rng: random.Random, n: int):
    """The Beyond sheet with its own inputs random per column (written into the input cells)."""
    over = {r.key: np.array([random_value(rng, r.rule, r.default) for _ in range(n)]) for r in layout_beyond.INPUTS}
    return dataclasses.replace(layout_beyond.SPEC,
                               inputs=lambda scen: layout_beyond.sheet_inputs(scen, overrides=over))


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    rng = random.Random(SEED)
    d = tmp_path_factory.mktemp("random-books")
    files = []
    for b in range(WORKBOOKS):
        scen = scenarios(rng, b)
        files.append(write_workbook(scen, d / f"random{b:02d}.xlsx", sheets=[FIGURE11_SHEET, beyond_spec(rng, COLUMNS)]))
    return files


def test_1000_random_scenarios_agree_with_libreoffice(books, lo_profile):
    reports = verify_workbooks(books, profile=lo_profile)  # one LibreOffice call for all ten
    assert len(reports) == WORKBOOKS
    failures = [r.summary(limit=5) for r in reports if not r.ok]
    assert not failures, "\n".join(failures)
    per_column = sum(len(s.computed_rows) for s in sheet_specs())
    assert [r.sheets for r in reports] == [[s.sheet for s in sheet_specs()]] * WORKBOOKS
    assert sum(r.checked for r in reports) == WORKBOOKS * COLUMNS * per_column
    assert REL_TOL == 1e-12
