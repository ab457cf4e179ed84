"""verify compares a difference of nearly equal numbers at the size of its terms, in both engines.

A margin near break-even, ``(revenue − cost) ÷ revenue``, carries the rounding of revenue and
cost (about 1e-16 of their size, times the length of their chains) divided by its own small
size: compared relative to itself it differs from LibreOffice or Gnumeric by far more than 1e-12
on a correct workbook.  Each such row declares the size of its terms (``Row.scale``) and
:func:`xlsizing.sheets.base.magnitudes` carries it down the chain to every row that reads it
(the cumulative capex and depreciation of a year whose new cards nearly equal the cards
installed).  Oracle: LibreOffice and Gnumeric recalculating every formula (``verify --engine
all``); the scenarios are built by hand calculation from the Python engine's own values at the
report's 2024年末 column (MAU 6,000万, peak ×4; Minsheng Securities, 2024-12-26, Figure 11).

A tolerance that follows the arithmetic must not hide a wrong cell: a formula edited by 1e-9
(a thousand times the tolerance at the size of the terms, a million times the engines' rounding
there) or by 1e-11 relative where the margin is not small is still a mismatch, in both engines.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from xlsizing.refs import named_cell
from xlsizing.scenarios import make_scenario, to_inputs
from xlsizing.sheets import ECONOMICS, SHEETS, evaluate, evaluate_column
from xlsizing.verify import REL_TOL, verify_workbooks
from xlsizing.workbook import write_workbook

BASE = {"mau_wan": 6000.0, "peak_multiplier": 4.0}  # Figure 11's 2024年末 column (the report)
NEAR = (4e-4, -1e-6, 1e-9)  # how close to break-even (a margin of 4e-4 is the case docs/engines.md names)
PRICES = ("price_hit_per_mtok", "price_miss_per_mtok", "price_output_per_mtok")


def near_zero_scenarios() -> list:
    """Columns whose margins, net cash or new cards cancel to about ``d`` of their terms."""
    v = evaluate_column(BASE)
    econ = {r.key: r.default for r in ECONOMICS.inputs}
    out = []
    for i, d in enumerate(NEAR):
        # rented cost ∝ the card-hour price ($2 by default): cost = revenue × (1 − d), margin d
        rent = 2.0 * v["revenue_yi_per_year"] / v["rented_cost_yi_per_year"] * (1 - d)
        out.append(make_scenario(f"rented {i}", **BASE, card_hour_price=rent))
        # revenue ∝ every list price: revenue = owned cost ÷ (1 − d), owned gross margin d
        f = v["owned_cost_yi_per_year"] / v["revenue_yi_per_year"] / (1 - d)
        out.append(make_scenario(f"owned {i}", **BASE, **{k: econ[k] * f for k in PRICES}))
        # revenue ∝ revenue utilization: revenue = cash cost × (1 + d), net cash d × cash cost
        u = v["cash_cost_yi_per_year"] / v["revenue_yi_per_year"] * (1 + d)
        out.append(make_scenario(f"net cash {i}", **BASE, revenue_utilization=u))
        # installed = needed × (1 − |d|), a 10,000-year life (never replaced): capex 2025E = (new + installed ÷ 10,000) × price,
        # about 1e-4 of its terms, and the cumulative capex and depreciation that read it likewise
        out.append(make_scenario(f"new cards {i}", **BASE, life_years=10000.0,
                                 installed_cards_wan=v["cards_needed_y1_wan"] * (1 - abs(d))))
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory, lo_profile):
    """The near-zero workbook, a copy with two margin formulas edited, and both verified in both engines."""
    d = tmp_path_factory.mktemp("near-zero")
    scen = near_zero_scenarios()
    good = write_workbook(scen, d / "near-zero.xlsx")
    wb = openpyxl.load_workbook(good)
    edits = {}
    # column 9 ("rented 2"): a rented margin of 1e-9, off by 1e-9; column 1 ("rented 0"): the owned
    # margin, −0.54 (far from 0), off by 1e-11 of itself
    for key, column, how in (("gross_margin_rented", 9, "{}+1E-9"), ("gross_margin_owned", 1, "({})*(1+1E-11)")):
        ws, ref = named_cell(wb, ECONOMICS.name(key, column))
        ws[ref].value = "=" + how.format(ws[ref].value.lstrip("="))
        edits[ref] = key
    edited = d / "edited.xlsx"
    wb.save(edited)
    reports = verify_workbooks([good, edited], profile=lo_profile, engine="all")
    return scen, reports, edits


def test_the_scenarios_cancel_as_intended():
    # the precondition of the engine test: each column's difference keeps only about d of its terms
    from xlsizing.sheets.base import magnitudes

    scen = near_zero_scenarios()
    v = evaluate(to_inputs(scen), SHEETS)
    m = magnitudes(SHEETS, v)
    spread = {k: m[k] / np.maximum(abs(v[k]), 1e-300) for k in ("gross_margin_rented", "net_cash_yi_per_year", "payback_years",
                                            "capex_y1_yi", "cumulative_capex_y1_yi", "depreciation_y1_yi")}
    for i, d in enumerate(NEAR):
        assert v["gross_margin_rented"][4 * i] == pytest.approx(d, rel=1e-6)
        assert v["gross_margin_owned"][4 * i + 1] == pytest.approx(d, rel=1e-6)
        assert spread["gross_margin_rented"][4 * i] > 0.9 / abs(d)
        assert spread["net_cash_yi_per_year"][4 * i + 2] > 0.9 / abs(d)
        assert spread["payback_years"][4 * i + 2] > 0.9 / abs(d) or d < 0  # net cash < 0: payback 0 (never)
        for key in ("capex_y1_yi", "cumulative_capex_y1_yi", "depreciation_y1_yi"):
            assert spread[key][4 * i + 3] > 0.9 * 2 / (abs(d) + 1e-4), key  # (2 × installed) ÷ ((|d| + 1e-4) × installed)


def test_a_correct_workbook_near_break_even_passes_in_both_engines(books):
    scen, reports, _ = books
    good = reports[0::2]  # [near-zero LibreOffice, edited LibreOffice, near-zero Gnumeric, edited Gnumeric]
    assert [r.engine for r in good] == ["LibreOffice", "Gnumeric"]
    for r in good:
        assert r.ok, r.summary(limit=8)
        assert r.largest_difference < 1e-13  # at the size of the terms: the engines' rounding, not a bug
        assert REL_TOL == 1e-12


def test_a_wrong_margin_formula_is_still_caught_in_both_engines(books):
    _, reports, edits = books
    for r in reports[1::2]:
        assert sorted((m.cell, m.key) for m in r.mismatches) == sorted(edits.items()), r.summary(limit=8)
        assert not r.errors
