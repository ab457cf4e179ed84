"""The Economics sheet in LibreOffice: 240 random scenarios agree with the Python engine to 1e-12.

Oracle: LibreOffice headless recalculating every formula (an always-recalculate profile, so the
values XlsxWriter cached cannot pass for results), through :func:`xlsizing.verify.verify_workbooks`,
which compares every computed cell of every sheet (Figure 11, Beyond, Economics) with the Python
engine.  Two workbooks × 120 scenario columns, one LibreOffice call.  Every input of Figure 11 and
of the Economics sheet is random per column (seeded, over orders of magnitude); the Economics
sheet's linked inputs are set in some columns and follow their links in the others; some columns
give ``card_share`` instead of a server price.  Columns whose capex shares sum above 1 must make
``verify`` report the master check FALSE — exactly those columns, and nothing else.
"""

from __future__ import annotations

import random

import openpyxl
import pytest

from xlsizing.scenarios import make_scenario
from xlsizing.sheets import ECONOMICS, FIGURE11, SHEETS
from xlsizing.sheets.economics import YEARS
from xlsizing.verify import REL_TOL, openpyxl_names, verify_workbooks
from xlsizing.workbook import write_workbook
from randomvalues import random_value  # tests/randomvalues.py

WORKBOOKS, COLUMNS = 2, 120
SEED = 12


def column(rng: random.Random, name: str) -> tuple[object, bool]:
    """One random scenario, and whether its capex shares sum above 1 (its master check must be FALSE)."""
    values = {r.key: random_value(rng, r.rule, r.default) for r in FIGURE11.inputs}
    for r in ECONOMICS.inputs:
        if r.is_linked and rng.random() < 0.5:
            continue  # follows its link
        default = r.default if r.default is not None else 1.0
        values[r.key] = random_value(rng, r.rule, default)
    if "card_share" in values and rng.random() < 0.5:
        del values["server_price_wan"]  # the server price from its parts
    else:
        values.pop("card_share", None)
    shares = ("server_share", "networking_share", "facility_share")
    if rng.random() < 0.85:  # most columns: shares that sum to at most 1
        total = sum(values[k] for k in shares)
        if total > 1:
            for k in shares:
                values[k] = values[k] / total * rng.uniform(0.5, 0.999)
    over = sum(values[k] for k in shares) > 1 + 1e-9
    return make_scenario(name, **values), over


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    rng = random.Random(SEED)
    d = tmp_path_factory.mktemp("economics-books")
    out = []
    for b in range(WORKBOOKS):
        cols = [column(rng, f"随机 {b}-{j}") for j in range(COLUMNS)]
        path = write_workbook([s for s, _ in cols], d / f"economics{b}.xlsx")
        # verify also checks every linked cell that follows its link (a formula): those the scenario leaves unset
        linked = sum(1 for s, _ in cols for sheet in SHEETS for r in sheet.inputs
                     if r.is_linked and r.key not in s.inputs())
        out.append((path, [s.name for s, over in cols if over], linked))
    return out


def test_240_random_scenarios_agree_with_libreoffice(books, lo_profile):
    reports = verify_workbooks([p for p, _, _ in books], profile=lo_profile)
    assert len(reports) == WORKBOOKS and REL_TOL == 1e-12
    per_column = sum(len(s.computed) for s in SHEETS)
    for rep, (path, over, linked) in zip(reports, books):
        assert rep.sheets == ["Figure 11", "Beyond", "Economics"]
        assert not rep.mismatches, rep.summary(limit=8)
        assert not rep.errors, rep.summary(limit=8)  # no error cell, without the add-in
        assert rep.checked == COLUMNS * per_column + linked
        # the only problems: the master check of exactly the columns whose shares sum above 1
        flagged = sorted(p.split("[", 1)[1].split("]", 1)[0] for p in rep.problems)
        assert flagged == sorted(over), rep.summary(limit=8)
        assert all("master check is FALSE" in p and "check_shares" in p for p in rep.problems)
    assert sum(len(o) for _, o, _ in books) >= 10  # the master check was exercised


def test_capex_by_year_chart_is_in_the_file(books):
    # a native clustered column chart: one series per scenario (the first 16 of 120) over the
    # capex rows of the schedule (2025E-2027E), named by the scenario headers, the years as categories
    path, _, _ = books[0]
    wb = openpyxl.load_workbook(path)
    charts = wb["Economics"]._charts
    assert len(charts) == 1
    names = openpyxl_names(wb)
    series = charts[0].series
    assert len(series) == 16
    for j, s in enumerate(series, start=1):
        first = names[ECONOMICS.name("capex_y1_yi", j)][1]
        last = names[ECONOMICS.name(f"capex_y{YEARS}_yi", j)][1]
        col = first.rstrip("0123456789")
        assert s.val.numRef.f == f"Economics!${col}${first[len(col):]}:${col}${last[len(col):]}"
    first_row = names[ECONOMICS.name("capex_y1_yi", 1)][1][1:]
    assert series[0].cat.strRef.f == f"Economics!$A${first_row}:$A${int(first_row) + YEARS - 1}"
