"""Catalog prices (issue 16): USD converted at one rate, card prices made server prices by the
economics rule, and the planner ranking cost and capex across every priced accelerator.

Oracles: hand calculations written out below from each price's source (the sources are in
xlsizing/data/accelerators.toml), the USD rate's source (economics.USD_CNY: CFETS central parity
7.1726 on 2025-02-25, Xinhua) and Figure 11's card share (8 × 8.4万元 ÷ 84万元 = 80%).
"""

from __future__ import annotations

import pytest

from xlsizing import catalog as cat
from xlsizing import economics
from xlsizing import planner as pl
from xlsizing.scenarios import load_builtin

SCENARIOS = load_builtin("figure11")
RATE = 7.1726  # 元 per USD, CFETS central parity 2025-02-25
SHARE = 8 * 8.4 / 84  # Figure 11: the cards are 80% of the server's price


@pytest.mark.parametrize("name, want_wan", [
    ("H20", 84.0),  # Minsheng Figure 11: 84万元 per 8-card server, as printed
    ("H800", 200.0),  # Reuters (2024 Q1): 8 × H800 server about 2 million yuan at launch
    ("A800", 230.0),  # 每日人物 (2024-02-18): 230万 before the 2023 spike
    ("A100", 199_000 * RATE / 1e4),  # NVIDIA DGX A100 launch price $199,000 (2020-05) = 142.73万元
    ("H100", 27_500 * RATE / 1e4 * 8 / SHARE),  # Raymond James $25-30k per card, midpoint: 197.25万元
    ("H200", 27_000 * RATE / 1e4 * 8 / SHARE),  # Reuters (2025-12) about $27,000 per chip: 193.66万元
    ("B200", 35_000 * RATE / 1e4 * 8 / SHARE),  # Huang to CNBC (2024-03-19) $30-40k, midpoint: 251.04万元
    ("MI300X", 12_500 * RATE / 1e4 * 8 / SHARE),  # street price $10-15k, midpoint: 89.66万元
    ("MI355X", 23_000 * RATE / 1e4 * 8 / SHARE),  # HSBC ASP $23,000 (2025-09): 164.97万元
    ("Gaudi 3", 125_000 / 8 * RATE / 1e4 * 8 / SHARE),  # Intel list: 8-chip kit $125,000 (Computex 2024): 112.07万元
    ("Ascend 910B", 12.0 * 8 / SHARE),  # Reuters (2024 Q1): about 120,000 yuan per card: 120万元
    ("Ascend 910C", 28_571 * RATE / 1e4 * 8 / SHARE),  # WSJ (2024-08): $2 billion / 70,000 chips: 204.93万元
])
def test_catalog_server_price_is_the_hand_calculation(name, want_wan):
    assert cat.server_price_wan(cat.get(name)) == pytest.approx(want_wan, rel=1e-12)


def test_one_exchange_rate_and_the_economics_rule():
    assert economics.USD_CNY == RATE  # the rate the catalog converts with is the Economics sheet's
    assert economics.CARD_SHARE == pytest.approx(SHARE, rel=1e-15)
    # the catalog calls the economics rule, it does not copy it: a card price at another share
    # would follow economics.server_price_wan (card × cards ÷ share)
    h100 = cat.get("H100")
    assert cat.server_price_wan(h100) == economics.server_price_wan(27_500 * RATE / 1e4, 8)


def test_every_catalog_price_has_source_and_date_and_no_invented_one():
    priced = [a for a in cat.builtin() if a.price is not None]
    assert all(a.price.source.strip() and a.price.date.strip() for a in priced)
    # no public price was found for these: they stay without one (and the planner says so)
    assert {a.name for a in cat.builtin() if a.price is None} == {
        "L20", "B300", "L40S", "MI325X", "TPU v5e", "TPU v5p", "TPU v6e", "MLU370-X8", "K100"}
    assert cat.builtin().get("H100").price.estimated and not cat.builtin().get("Gaudi 3").price.estimated


@pytest.mark.parametrize("objective, figure", [("cost", "cost_per_mtok_yuan"), ("capex", "fleet_capex_yi")])
def test_cost_and_capex_rank_across_the_priced_catalog(objective, figure):
    p = pl.plan(SCENARIOS[1], objective=objective)  # 保守 / Conservative, the whole catalog
    priced = [a for a, c in p.best.items() if getattr(c, figure) is not None]
    assert len(priced) >= 5
    values = {a: getattr(p.best[a], figure) for a in priced}
    assert p.chosen.accelerator == min(values, key=values.get)
    # each best configuration costs what its catalog server price gives (capex = cards / 8 × price)
    for a in priced:
        c = p.best[a]
        assert c.inputs["fleet_server_price_wan"] == cat.server_price_wan(cat.get(a))
        assert c.fleet_capex_yi == pytest.approx(c.fleet_cards_wan * 1e4 / 8 * c.inputs["fleet_server_price_wan"] / 1e4,
                                                 rel=1e-12)


def test_an_unpriced_accelerator_gets_its_reason():
    p = pl.plan(SCENARIOS[1], accelerators=["H100", "L20", "B300"], objective="capex")
    assert p.chosen.accelerator == "H100"
    for name in ("L20", "B300"):
        assert p.infeasible[name] == (f"no server price in the catalog, needed for the capex objective (give one: "
                                      f"--price '{name}={'万元'}' on the command line, server_price_wan in Python, "
                                      f"or a catalog file)")


def test_the_h20_answer_is_unchanged():
    # docs/planner.md: End-2024 on H20, objective cost: FP8, 2 cards per replica, batch 32, 13.28万 cards
    c = pl.plan(SCENARIOS[0], accelerators=["H20"]).chosen
    assert (c.precision, c.replica_cards, c.batch) == ("fp8", 2, 32)
    assert round(c.fleet_cards_wan, 2) == 13.28
    assert c.inputs["fleet_server_price_wan"] == 84.0
