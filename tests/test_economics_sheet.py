"""The Economics / 经济性 sheet: its rows, links, scenario keys, checks and Excel functions.

Expected values are hand calculations written out beside them (inputs, steps, result) from the
report's base column (Minsheng Securities, 2024-12-26, Figure 11) and the defaults' sources
(docs/economics.md); the LibreOffice agreement is tested in test_economics_libreoffice.py.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import openpyxl
import pytest

from xlsizing import economics as ec
from xlsizing import udfs
from xlsizing.errors import InvalidInput
from xlsizing.scenarios import load_builtin, make_scenario, parse_scenarios
from xlsizing.sheets import ECONOMICS, SHEETS, display, evaluate, evaluate_column
from xlsizing.sheets.economics import alias, economics_sheet
from xlsizing.verify import openpyxl_names
from xlsizing.workbook import write_workbook

REPO = Path(__file__).resolve().parents[1]
BASE = {"mau_wan": 6000, "peak_multiplier": 4}  # Figure 11's 2024年末 column


def test_sheet_is_third_in_the_product():
    assert [s.title for s in SHEETS] == ["Figure 11", "Beyond", "Economics"]
    assert ECONOMICS.prefix == "ec_" and ECONOMICS.master == "master_check"


def test_base_column_by_hand():
    v = evaluate_column(BASE)
    # fleet: Figure 11's 43.37671万 H20 and 40000亿 tokens a day; capex 43.37671 / 8 × 84 = 455.4555亿元
    cards = 40000e8 / 129600 * 2 * 1300e8 * 4 / (148e12 * 0.5) / 1e4
    assert v["econ_cards_wan"] == pytest.approx(cards, rel=1e-14)
    assert v["econ_server_capex_yi"] == pytest.approx(cards / 8 * 84, rel=1e-14)
    # power: 433,767.1 cards × (400 W × 1275/700 = 728.571 W) × PUE 1.25 × load 0.7 = 276.53 MW;
    # × 8,760 h = 2,422.2 GWh; × 0.5 元/kWh = 12.111亿元 a year
    watts = 400 * 1275 / 700
    mw = cards * 1e4 * watts * 1.25 * 0.7 / 1e6
    assert v["econ_power_mw"] == pytest.approx(mw, rel=1e-13) and round(mw, 2) == 276.53
    assert v["econ_electricity_yi"] == pytest.approx(mw * 8760 / 1000 * 1e6 * 0.5 / 1e8, rel=1e-14)
    # owned: 455.4555 / 5 + 12.111 + 3% × 455.4555 = 91.091 + 12.111 + 13.664 = 116.866亿元 a year;
    # over 40000亿 × 365 / 1e6 = 1.46e9 M tokens → 8.0045元 per 1M tokens
    capex = cards / 8 * 84
    owned = capex / 5 + mw * 8.76 * 0.5 / 100 + 0.03 * capex
    assert v["owned_cost_yi_per_year"] == pytest.approx(owned, rel=1e-13)
    assert round(v["owned_cost_per_mtok_yuan"], 3) == 8.005
    # rented: 433,767 cards × $2 × 7.1726 × 24 h = 1.49339e8 元 = 14,933.9万元 a day → 545.09亿元 a year
    assert v["rented_cost_wan_per_day"] == pytest.approx(cards * 2 * 7.1726 * 24, rel=1e-14)
    assert round(v["rented_cost_yi_per_year"], 2) == 545.09
    # revenue at DeepSeek-R1's prices with DeepSeek's split (608/776 input, 342/608 hits):
    # blended = 0.78351 × (0.5625 × 0.14 + 0.4375 × 0.55) + 0.21649 × 2.19 = $0.724356 per 1M;
    # 4e6 M tokens × 0.724356 × 7.1726 = 2.07821e7 元 = 2,078.2万元 a day = 75.85亿元 a year
    blended = 608 / 776 * (342 / 608 * 0.14 + 266 / 608 * 0.55) + 168 / 776 * 2.19
    assert v["blended_price_per_mtok"] == pytest.approx(blended, rel=1e-14)
    assert v["revenue_wan_per_day"] == pytest.approx(4e6 * blended * 7.1726 / 1e4, rel=1e-13)
    assert round(v["revenue_yi_per_year"], 2) == 75.85
    # margins: (75.85 − 116.87) / 75.85 = −54.1%; (75.85 − 116.87) / 116.87 = −35.1%
    assert f"{v['gross_margin_owned']:.1%}" == "-54.1%" and f"{v['cost_profit_margin_owned']:.1%}" == "-35.1%"
    # payback: cash cost 12.111 + 13.664 = 25.775; net 75.85 − 25.775 = 50.08; 455.46 / 50.08 = 9.1 years
    assert round(v["payback_years"], 1) == 9.1
    assert v["master_check"] == 1.0


def test_capex_by_year_first_year_is_figure_11():
    # Figure 11's printed capex (亿元) is year 1 of every schedule (nothing installed before)
    v = evaluate({"mau_wan": [6000, 10000, 15000, 20000], "peak_multiplier": [4, 4, 4, 5]})
    assert [round(float(x), 2) for x in v["capex_y1_yi"]] == [455.46, 759.09, 1138.64, 1897.73]
    # and the sheet's schedule is economics.capex_schedule's, year by year
    s = ec.capex_schedule(v["econ_cards_wan"], v["econ_daily_tokens_yi"])
    for k in (1, 2, 3):
        assert v[f"capex_y{k}_yi"].tolist() == pytest.approx(s["capex_yi"][k - 1].tolist(), rel=1e-14)
        assert v[f"depreciation_y{k}_yi"].tolist() == pytest.approx(s["depreciation_yi"][k - 1].tolist(), rel=1e-14)
        assert v[f"cumulative_capex_y{k}_yi"].tolist() == pytest.approx(
            s["cumulative_capex_yi"][k - 1].tolist(), rel=1e-14)


def test_linked_inputs_follow_then_can_be_set():
    v = evaluate_column(BASE)
    assert v["econ_cards_wan"] == v["cards_wan"] and v["econ_daily_tokens_yi"] == v["daily_tokens_yi"]
    assert v["query_utilization"] == v["mfu"] == 0.5
    # priced on the Beyond sheet's bandwidth-aware cards instead: capex = cards / 8 × 84
    w = evaluate_column({**BASE, "econ_cards_wan": v["fleet_cards_wan"]})
    assert w["econ_server_capex_yi"] == pytest.approx(v["fleet_cards_wan"] / 8 * 84, rel=1e-15)
    assert w["econ_server_capex_yi"] < v["econ_server_capex_yi"]
    assert w["capex_yi"] == v["capex_yi"]  # Figure 11 itself does not move


def test_card_share_instead_of_server_price():
    # 8.4万元 × 8 ÷ 70% = 96万元 per server; Figure 11's capex follows: 43.37671 / 8 × 96 = 520.52亿元
    s = parse_scenarios('[[scenario]]\nname = "a"\nmau_wan = 6000\npeak_multiplier = 4\ncard_share = 0.7\n')[0]
    assert s.values["server_price_wan"] == pytest.approx(96.0, rel=1e-14)
    v = evaluate_column(s.inputs())
    assert round(v["capex_yi"], 2) == 520.52
    assert v["implied_card_share"] == pytest.approx(0.7, rel=1e-14)
    with pytest.raises(InvalidInput) as err:
        parse_scenarios('[[scenario]]\nname = "a"\nmau_wan = 6000\npeak_multiplier = 4\ncard_share = 0.7\n'
                        'server_price_wan = 90\n', "s.toml")
    assert str(err.value) == ("s.toml:5: scenario 1: give server_price_wan or card_share (the server price is then "
                              "card_price_wan × cards_per_server ÷ card_share), not both")
    # a scenario's own server price replaces a card_share from [defaults]
    t = parse_scenarios('[defaults]\ncard_share = 0.7\n[[scenario]]\nname = "a"\nmau_wan = 6000\n'
                        'peak_multiplier = 4\nserver_price_wan = 90\n')[0]
    assert t.values["server_price_wan"] == 90.0 and "card_share" not in t.extra


def test_checks_and_master():
    # shares 0.6 + 0.3 + 0.2 = 1.1 > 1: the shares check and the master check are FALSE
    v = evaluate_column({**BASE, "server_share": 0.6, "networking_share": 0.3, "facility_share": 0.2})
    assert v["check_shares"] == 0.0 and v["master_check"] == 0.0
    assert all(v[k] == 1.0 for k in ECONOMICS.row["master_check"].args if k != "check_shares")
    row = ECONOMICS.row["master_check"]
    assert display(row, 1.0) == "TRUE" and display(row, 0.0) == "FALSE"


def test_master_check_false_is_reported_by_verify_offline(tmp_path):
    # the workbook carries the check cells; verify's master-check report reads them (LibreOffice
    # recalculation is in test_economics_libreoffice.py) — here the cached values of a FALSE column
    s = make_scenario("over", mau_wan=6000, peak_multiplier=4, server_share=0.6, networking_share=0.3,
                      facility_share=0.2)
    p = write_workbook([s], tmp_path / "over.xlsx")
    wb = openpyxl.load_workbook(p, data_only=True)
    names = openpyxl_names(wb)
    sheet, ref = names[ECONOMICS.name("master_check", 1)]
    assert sheet == "Economics" and wb[sheet][ref].value == 0
    assert wb[sheet][ref].number_format == '"TRUE";"TRUE";"FALSE"'


def test_every_row_is_defined_once_and_documented():
    for r in ECONOMICS.rows:
        assert r.zh and r.en and r.fmt, r.key
        if r.is_input:
            assert r.doc, f"{r.key}: an input names its source or says it is an assumption"
        if r.is_computed:
            first = (r.fn.__doc__ or "").strip().splitlines()[0]
            assert 0 < len(first) <= 255 and "=" in first, r.key


def test_alias_is_the_same_function_renamed():
    f = alias(ec.owned_cost_yi_per_year, "x", {"capex_yi": "econ_server_capex_yi"})
    assert list(inspect.signature(f).parameters) == ["econ_server_capex_yi", "depreciation_years",
                                                     "electricity_cost_yi", "opex_share"]
    assert f(100, 5, 3, 0.03) == ec.owned_cost_yi_per_year(100, 5, 3, 0.03) == 26.0
    with pytest.raises(InvalidInput, match="econ_server_capex_yi must be >= 0, got -1"):
        f(-1, 5, 3, 0.03)
    g = alias(ec.year_cards_wan, "y", fixed={"year_index": 3.0})
    assert list(inspect.signature(g).parameters) == ["start_cards_wan", "token_growth"]
    assert g(72.0, 0.5) == ec.year_cards_wan(72.0, 0.5, 3) == 162.0


def test_schedule_length_is_a_parameter():
    five = economics_sheet(5)
    assert [five.row[f"capex_y{k}_yi"].zh for k in range(1, 6)] == ["2025E", "2026E", "2027E", "2028E", "2029E"]
    assert five.series_chart[0] == tuple(f"capex_y{k}_yi" for k in range(1, 6))
    with pytest.raises(ValueError, match="years must be a whole number from 1 to 20, got 0"):
        economics_sheet(0)


def test_headline_rows_call_registered_functions_with_the_rows_arguments():
    for r in ECONOMICS.headline:
        f = getattr(udfs, r.udf)
        assert r.udf in udfs.__all__
        assert len(inspect.signature(f).parameters) == len(r.args), r.key


def test_starter_file_documents_every_economics_key():
    text = (REPO / "templates" / "scenarios-starter.toml").read_text("utf-8")
    assert text == (REPO / "xlsizing" / "data" / "scenarios-starter.toml").read_text("utf-8")
    for r in ECONOMICS.inputs:
        line = next((ln for ln in text.splitlines() if ln.startswith(f"# {r.key} = ")), None)
        assert line is not None, f"{r.key} is not documented in the starter file"
        assert r.zh in line and r.rule.allowed in line
        if r.is_linked:
            assert f"follows {r.link}" in line
        else:
            assert float(line.split("=")[1].split("#")[0]) == pytest.approx(r.default, rel=1e-9)


def test_builtin_scenarios_pass_every_check():
    v = evaluate({k: [s.inputs()[k] for s in load_builtin()] for k in load_builtin()[0].inputs()})
    assert v["master_check"].tolist() == [1.0, 1.0, 1.0, 1.0]


def test_generated_tables_are_current():
    # docs/economics.md and README.md hold bench/economics_table.py's output between its markers
    import importlib.util

    spec = importlib.util.spec_from_file_location("economics_table", REPO / "bench" / "economics_table.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for doc_path in bench.DOCS:
        doc = doc_path.read_text("utf-8")
        block = doc.split(bench.BEGIN, 1)[1].split(bench.END, 1)[0].lstrip("\n")
        assert block == bench.generated(), f"{doc_path} is stale: run python bench/economics_table.py --write"


def test_verify_compares_a_margin_near_zero_at_the_size_of_its_terms(tmp_path):
    # rent priced so that the rented cost is revenue × (1 + 1e-6): the rented gross margin is −1e-6.
    # A difference of nearly equal numbers is only known to ~1e-16 × revenue / revenue in absolute
    # terms, so verify allows 1e-12 × max(|revenue|, |cost|) / |revenue| — not 1e-12 × 1e-6.
    from xlsizing.verify import Cells, check_cells, openpyxl_names

    v = evaluate_column(BASE)
    price = 2.0 * v["revenue_yi_per_year"] / v["rented_cost_yi_per_year"] * (1 + 1e-6)
    s = make_scenario("near zero", **BASE, card_hour_price=price)
    p = write_workbook([s], tmp_path / "near.xlsx")
    wb = openpyxl.load_workbook(p, data_only=True)  # the cached values: the Python engine's
    names = openpyxl_names(wb)
    values = {at: wb[at[0]][at[1]].value for at in names.values() if isinstance(at, tuple)}
    at = names[ECONOMICS.name("gross_margin_rented", 1)]
    margin = values[at]
    assert margin == pytest.approx(-1e-6, rel=1e-3)

    def report(shift):
        return check_cells(Cells(names, {**values, at: margin + shift}), p)

    assert report(0.0).ok
    assert report(3e-15).ok  # 3e-9 relative to the margin, 3e-15 relative to its terms: agrees
    bad = report(1e-9)  # 1e-9 relative to the terms: a real difference
    assert [m.key for m in bad.mismatches] == ["gross_margin_rented"]


def test_table_lists_the_failing_checks_of_a_false_master_check():
    # the terminal table, like verify, says which checks fail in which column
    from xlsizing.render import render_text

    ok = make_scenario("ok", **BASE)
    over = make_scenario("over", **BASE, server_share=0.7)  # 0.7 + 0.13 + 0.424 = 1.254 > 1
    text = render_text([ok, over], [s for s in SHEETS])
    tail = text.split("Master check FALSE (the checks that fail):", 1)[1]
    assert tail.splitlines()[1] == "  over: Capex shares each in (0, 1], summing to at most 1 (check_shares)"
    assert "  ok:" not in tail


def test_schedule_peak_multiplier_follows_figure_11_then_can_be_set():
    # unset: the schedule sizes for Figure 11's peak multiplier, so year 1 is Figure 11's capex;
    # set to 5 for the 4× 保守 column: 72.29452万 × 5/4 = 90.36815万 cards → 948.87亿元 in 2025E
    v = evaluate_column({"mau_wan": 10000, "peak_multiplier": 4})
    assert v["schedule_peak_multiplier"] == 4.0 and round(v["capex_y1_yi"], 2) == 759.09
    w = evaluate_column({"mau_wan": 10000, "peak_multiplier": 4, "schedule_peak_multiplier": 5})
    assert w["schedule_start_cards_wan"] == pytest.approx(v["cards_wan"] * 5 / 4, rel=1e-15)
    assert round(w["capex_y1_yi"], 2) == 948.87
    assert w["capex_yi"] == v["capex_yi"]  # Figure 11 itself does not move
