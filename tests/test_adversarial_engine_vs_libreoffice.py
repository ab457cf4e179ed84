"""Adversarial: 1,000 random scenarios, the Python engine against LibreOffice, to 1e-12 relative.

Oracle: LibreOffice headless recalculating every formula (always-recalculate profile, so the
cached values XlsxWriter stored cannot pass for results).  10 workbooks × 100 scenario columns,
one LibreOffice call for all of them; :func:`xlsizing.verify.verify_workbooks` compares every
computed cell of every sheet it knows (Figure 11 and Beyond) with the Python engine.  Inputs are
seeded and span many orders of magnitude; the Beyond sheet's own inputs are random too.
"""

from __future__ import annotations

import random

import pytest

import beyond_view as layout_beyond
import fig11 as layout
from xlsizing.scenarios import make_scenario
from xlsizing.verify import REL_TOL, verify_workbooks
from xlsizing.sheets import SHEETS
from xlsizing.workbook import write_workbook
from randomvalues import random_value  # tests/randomvalues.py

WORKBOOKS, COLUMNS = 10, 100
SEED = 1000


def scenarios(rng: random.Random, book: int) -> list:
    """Random Figure 11 inputs and random Beyond inputs per column; a linked Beyond input is left out
    (it then follows its Figure 11 row, as a green formula) in about half the columns."""
    out = []
    links = random.Random(SEED + book)  # the linked inputs draw from their own stream
    for j in range(COLUMNS):
        values = {r.key: random_value(rng, r.rule, r.default) for r in layout.INPUTS}
        for r in layout_beyond.INPUTS:
            if not r.is_linked:
                values[r.key] = random_value(rng, r.rule, r.default)
            elif links.random() < 0.5:
                values[r.key] = random_value(links, r.rule, layout.ROW[r.link].default)
        out.append(make_scenario(f"随机 {book}-{j}", **values))
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    rng = random.Random(SEED)
    d = tmp_path_factory.mktemp("random-books")
    files = []
    for b in range(WORKBOOKS):
        scen = scenarios(rng, b)
        files.append(write_workbook(scen, d / f"random{b:02d}.xlsx"))
    return files


def test_1000_random_scenarios_agree_with_libreoffice(books, lo_profile):
    reports = verify_workbooks(books, profile=lo_profile)  # one LibreOffice call for all ten
    from xlsizing.scenarios import scenario_values
    assert len(reports) == WORKBOOKS
    failures = [r.summary(limit=5) for r in reports if not r.ok]
    assert not failures, "\n".join(failures)
    per_column = sum(len(s.computed_rows) for s in SHEETS)
    assert [r.sheets for r in reports] == [[s.title for s in SHEETS]] * WORKBOOKS
    # every computed cell, and every linked cell the scenario left to follow its row (checked too)
    rng = random.Random(SEED)
    followed = sum(1 for b in range(WORKBOOKS) for sc in scenarios(rng, b) for s in SHEETS for r in s.inputs
                   if r.is_linked and r.key not in scenario_values(sc))
    assert sum(r.checked for r in reports) == WORKBOOKS * COLUMNS * per_column + followed
    assert REL_TOL == 1e-12
