"""The planner (xlsizing.planner) against an independent brute-force search and the Beyond sheet.

The oracle is written here, in plain Python loops over the candidates, calling the scalar model
functions of xlsizing.beyond one configuration at a time (the planner broadcasts numpy arrays
over all of them at once); hardware figures are read from the catalog here again.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsizing import catalog as cat
from xlsizing import sheets
from xlsizing import planner as pl
from xlsizing.errors import InvalidInput, MissingFigure
from xlsizing.scenarios import load_builtin, scenario_values

SCENARIOS = load_builtin("figure11")
OBJ = {"cost": "cost_per_mtok_yuan", "capex": "fleet_capex_yi", "cards": "fleet_cards_wan", "power": "fleet_power_mw"}


def _candidate(base, acc, prec, n, bt, price, ep=None):
    """The sheets' values for one candidate, by the scalar evaluator (None when the catalog lacks a figure)."""
    has = {f: f in acc.figures for f in ("tdp_w",)}
    if cat.PRECISIONS[prec] not in acc.figures:
        return None
    bpw = cat.bytes_per_weight(prec)
    ins = {**base, "peak_tflops": acc.peak_tflops(prec), "bytes_per_weight": bpw, "kv_bytes": max(bpw, 1.0),
           "memory_gb": acc.value("memory_gb"), "bandwidth_tbs": acc.value("bandwidth_tbs"),
           "tdp_w": acc.value("tdp_w") if has["tdp_w"] else 1.0, "server_price_wan": price or 1.0,
           "cards_per_server": acc.value("cards_per_server"), "replica_cards": n, "batch": bt,
           **({} if ep is None else {"expert_parallel": ep})}
    for f in (f for f in pl.hardware_keys() if f in pl.OPTIONAL_FIGURES):  # catalog figures the model reads
        if f in acc.figures:
            ins[f] = acc.value(f)
        elif n > 1:
            return None
    v = sheets.evaluate_column(ins)
    v["_has_tdp"], v["_has_price"] = has["tdp_w"], price is not None
    return v


def brute_force(scenario, accelerators, precisions, replicas, batches, tpot_s=None, ttft_s=2.0, objective="cost",
                prices=None, eps=(None,)):
    """The planner's choice by exhaustive loops: (accelerator, precision, replica, batch, objective value) or None.

    Each candidate is sized by the sheets' scalar evaluator (one configuration at a time, the
    numbers the Beyond sheet shows for it); rules (docs/planner.md): feasible = weights + KV fit,
    TPOT = decode step <= target, TTFT <= target, the objective's figures present; minimum
    objective; objectives within 1e-9 relative are ties, broken by the lower TPOT, then by the
    order accelerator, precision, replica, batch.
    """
    base = scenario_values(scenario) if not isinstance(scenario, dict) else scenario
    k = sheets.evaluate_column(base)
    tpot = k["tpot_slo_s"] if tpot_s is None else tpot_s
    found = []
    order = 0
    for name in accelerators:
        acc = cat.get(name)
        try:  # the catalog's server price in 万元 (its conversion is tested in tests/test_catalog.py)
            listed = cat.server_price_wan(acc)
        except MissingFigure:
            listed = None
        price = (prices or {}).get(acc.name, listed)
        for prec in precisions:
            for n, ep in [(n, e) for n in replicas for e in eps if not (e == 1 and n == 1 and 0 in eps)]:
                for bt in batches:
                    order += 1
                    v = _candidate(base, acc, prec, n, bt, price, ep)
                    if v is None:
                        continue
                    first = pl.ttft_of(v)
                    if v["memory_headroom_gb"] < 0 or v["decode_step_s"] > tpot or first > ttft_s:
                        continue
                    value = {"cards": v["fleet_cards_wan"]}
                    if v["_has_price"]:
                        value["capex"] = v["fleet_capex_yi"]
                    if v["_has_tdp"]:
                        value["power"] = v["fleet_power_mw"]
                        if v["_has_price"]:
                            value["cost"] = v["cost_per_mtok_yuan"]
                    if objective in value:
                        found.append((value[objective], v["decode_step_s"], order, (acc.name, prec, n, bt, ep)))
    if not found:
        return None
    m = min(f[0] for f in found)
    ties = [f for f in found if f[0] <= m * (1 + 1e-9)]
    best = min(ties, key=lambda f: (f[1], f[2]))
    return (*best[3][:4], best[0], best[3][4])


GRIDS = [
    # (accelerators, precisions, replicas, batches)
    (["H20"], ["bf16", "fp8"], [1, 2, 4, 8], [1, 8, 32, 64, 100, 256]),
    (["H20", "H100", "A100", "MI300X"], ["bf16", "fp8"], [2, 4, 8], [4, 16, 48, 128, 512]),
    (["L20", "Ascend 910B", "H200"], ["bf16", "int8"], [1, 4, 8, 16], [1, 3, 7, 30, 90]),
]
PRICES = {"H100": 230.0, "A100": 120.0, "MI300X": 150.0, "H200": 250.0, "L20": 40.0, "Ascend 910B": 90.0}  # test values


@pytest.mark.parametrize("objective", list(OBJ))
@pytest.mark.parametrize("grid", range(len(GRIDS)))
@pytest.mark.parametrize("column", [0, 3])
def test_choice_equals_brute_force(objective, grid, column):
    accs, precs, reps, bts = GRIDS[grid]
    s = SCENARIOS[column]
    want = brute_force(s, accs, precs, reps, bts, objective=objective, prices=PRICES)
    got = pl.plan(s, accelerators=accs, precisions=precs, replica_cards=reps, batches=bts, objective=objective,
                  server_price_wan=PRICES).chosen
    assert want is not None and got is not None
    assert (got.accelerator, got.precision, got.replica_cards, got.batch) == want[:4]
    assert getattr(got, OBJ[objective]) == pytest.approx(want[4], rel=1e-12)


@pytest.mark.parametrize("tpot, ttft", [(0.02, 2.0), (0.01, 0.5), (0.1, 0.2)])
def test_choice_equals_brute_force_under_other_targets(tpot, ttft):
    accs, precs, reps, bts = GRIDS[1]
    want = brute_force(SCENARIOS[1], accs, precs, reps, bts, tpot, ttft, "cards")
    got = pl.plan(SCENARIOS[1], accelerators=accs, precisions=precs, replica_cards=reps, batches=bts, tpot_s=tpot,
                  ttft_s_target=ttft, objective="cards").chosen
    if want is None:
        assert got is None
    else:
        assert (got.accelerator, got.precision, got.replica_cards, got.batch) == want[:4]


def test_best_per_accelerator_is_the_brute_force_on_that_accelerator_alone():
    accs, precs, reps, bts = GRIDS[1]
    p = pl.plan(SCENARIOS[0], accelerators=accs, precisions=precs, replica_cards=reps, batches=bts,
                objective="power", server_price_wan=PRICES)
    for a in accs:
        want = brute_force(SCENARIOS[0], [a], precs, reps, bts, objective="power")
        c = p.best[cat.get(a).name]
        assert (c.accelerator, c.precision, c.replica_cards, c.batch) == want[:4]


# --- never worse than the Beyond sheet's own configuration ------------------------------------


@pytest.mark.parametrize("objective", list(OBJ))
@pytest.mark.parametrize("column", range(4))
@pytest.mark.parametrize("batches", [pl.DEFAULT_BATCHES, (1, 5, 17, 333)])
def test_never_worse_than_the_beyond_sheet_default(objective, column, batches):
    s = SCENARIOS[column]
    default = pl.beyond_default(s)  # H20 BF16, 8 cards, batch 64: the Beyond sheet's inputs
    sheet = sheets.evaluate_column(scenario_values(s))
    assert default.fleet_cards_wan == sheet["fleet_cards_wan"]  # the same figures as the sheet shows
    assert default.cost_per_mtok_yuan == sheet["cost_per_mtok_yuan"]
    assert default.feasible and default.ttft_s <= pl.TTFT_S
    chosen = pl.plan(s, objective=objective, batches=batches).chosen
    assert getattr(chosen, OBJ[objective]) <= getattr(default, OBJ[objective])


def test_beyond_default_matches_the_sheet_defaults():
    d = pl.beyond_default(SCENARIOS[0])
    assert (d.accelerator, d.precision, d.replica_cards, d.batch) == ("H20", "bf16", 8, 64)
    # hand calculation, End-2024 column at BF16 on 8 × H20, batch 64, context 4,096 (the general form,
    # docs/beyond.md): KV read 64 × 4,096 × 393,216 B / (8 × 4.0e12 × 0.7) = 4.602 ms; weights 11.607 ms;
    # compute 2 × 1.3e11 × 64 / (8 × 148e12 × 0.5) = 28.108 ms; TP all-reduce 2 × 96 × (2 × 7/8 × 12,288 × 64
    # × 2 B / 450e9 + 10 µs) = 3.094 ms; step 4.602 + max(11.607, 28.108) + 3.094 = 35.804 ms.
    # Cards: prefill 1.2346e8 × 0.7835 × 0.4375 × 2 × 1.3e11 / (148e12 × 0.5) = 14.87万; decode 1.2346e8 ×
    # 0.2165 / (64 / 35.804 ms / 8 = 223.4 per card) = 11.96万; 26.83万
    assert round(d.fleet_cards_wan, 2) == 26.83 and round(d.decode_step_s * 1000, 3) == 35.804


# --- infeasible demand: one clear reason per accelerator ---------------------------------------


def test_tpot_nobody_meets_gives_one_reason_per_accelerator():
    p = pl.plan(SCENARIOS[0], accelerators=["H20", "A100", "H100"], precisions=["fp8"], tpot_s=0.002,
                objective="cards")
    assert p.chosen is None and p.best == {}
    assert list(p.infeasible) == ["H20", "A100", "H100"]
    # H20 FP8 ×8 at batch 1 (hand calculation, general form): weights 130 GB at 8 × 4.0 TB/s × 0.7 = 5.8036 ms,
    # KV 4,096 × 196,608 B = 0.0360 ms, compute 2 × 1.3e11 / (8 × 296e12 × 0.5) = 0.2196 ms: max(5.8036 +
    # 0.0360, 0.2196 + 0.0360) = 5.8395 ms; TP all-reduce 2 × 96 × (2 × 7/8 × 12,288 × 2 B / 450e9 + 10 µs)
    # = 1.9383 ms; 7.778 ms
    assert p.infeasible["H20"] == ("no configuration meets the targets; closest: fp8 ×8: TPOT over 2 ms at every "
                                   "batch that fits (best 7.778 ms at batch 1)")
    assert p.infeasible["A100"] == "no fp8 peak in the catalog"  # A100: BF16 and INT8 only
    assert p.infeasible["H100"].startswith("no configuration meets the targets; closest: fp8 ×8: TPOT over 2 ms")
    assert p.reason == "; ".join(f"{a}: {r}" for a, r in p.infeasible.items())


def test_a_model_too_big_for_any_replica_says_the_weights_do_not_fit():
    ins = scenario_values(SCENARIOS[0]) | {"total_params_yi": 20000.0, "active_params_yi": 20000.0}
    p = pl.plan(ins, accelerators=["H20", "MI300X"], precisions=["bf16"], objective="cards")
    # 2T parameters × 2 bytes = 4,000 GB; 8 × 96 GB × 0.9 = 691.2 GB; 8 × 192 × 0.9 = 1,382.4 GB
    assert p.infeasible == {
        "H20": "no configuration meets the targets; closest: bf16 ×8: weights 4,000 GB do not fit in 691.2 GB "
               "(8 × 96 GB × 0.9)",
        "MI300X": "no configuration meets the targets; closest: bf16 ×8: weights 4,000 GB do not fit in 1,382 GB "
                  "(8 × 192 GB × 0.9)",
    }
    assert [r.text for r in p.rejected][:2] == [
        "H20 bf16 ×1: weights 4,000 GB do not fit in 86.4 GB (1 × 96 GB × 0.9)",
        "H20 bf16 ×2: weights 4,000 GB do not fit in 172.8 GB (2 × 96 GB × 0.9)"]


def test_a_context_too_long_says_the_kv_cache_does_not_fit():
    ins = scenario_values(SCENARIOS[0]) | {"context_tokens": 2_000_000.0}
    p = pl.plan(ins, accelerators=["H20"], precisions=["fp8"], replica_cards=[8], objective="cards")
    # 8 × 96 × 0.9 − 130 = 561.2 GB free; one sequence: 2e6 × 196,608 B = 393.2 GB fits; batch 1 fits,
    # so the reason is TPOT/TTFT: TTFT = prefill of 2e6 × 0.4375 = 875,000 tokens: compute 2 × 1.3e11 × 875,000 /
    # (8 × 296e12 × 0.5) = 192.15 s + KV write 875,000 × 196,608 B / 22.4 TB/s = 0.008 s + all-reduce 2 × 96 ×
    # (2 × 7/8 × 12,288 × 875,000 × 2 B / 450e9 + 10 µs) = 16.06 s = 208.2 s
    assert p.infeasible["H20"].startswith("no configuration meets the targets; closest: fp8 ×8: TTFT 208.2 s over "
                                          "the 2 s target")
    ins = ins | {"context_tokens": 3_000_000.0}  # 589.8 GB of KV for one sequence: 28.62 GB short
    p = pl.plan(ins, accelerators=["H20"], precisions=["fp8"], replica_cards=[8], objective="cards")
    assert p.infeasible["H20"] == ("no configuration meets the targets; closest: fp8 ×8: weights fit but the KV cache "
                                   "of batch 1 at 3,000,000 tokens does not: 28.62 GB short")


def test_missing_price_is_the_reason_for_the_cost_objective_only():
    p = pl.plan(SCENARIOS[0], accelerators=["H20", "L20"])  # no public L20 price was found
    assert p.chosen.accelerator == "H20"
    assert p.infeasible == {"L20": "no server price in the catalog, needed for the cost objective (give one: "
                                   "--price 'L20=万元' on the command line, server_price_wan in Python, or a "
                                   "catalog file)"}
    assert "L20" in pl.plan(SCENARIOS[0], accelerators=["H20", "L20"], objective="cards").best
    p = pl.plan(SCENARIOS[0], accelerators=["Ascend 910C"], objective="power")
    assert p.infeasible == {"Ascend 910C": "no TDP (tdp_w) in the catalog, needed for the power objective (add it in "
                                           "a catalog file)"}


# --- a tighter target never lowers the cost (property) ------------------------------------------


def _cost(p):
    return p.chosen.cost_per_mtok_yuan if p.chosen else math.inf


@settings(max_examples=40, deadline=None)
@given(st.floats(0.002, 0.2), st.floats(0.002, 0.2), st.integers(0, 3), st.floats(0.05, 5.0))
def test_tighter_tpot_never_lowers_the_cost(t1, t2, column, ttft):
    tight, loose = min(t1, t2), max(t1, t2)
    kw = dict(accelerators=["H20", "H100"], server_price_wan={"H100": 230.0}, ttft_s_target=ttft)
    assert _cost(pl.plan(SCENARIOS[column], tpot_s=tight, **kw)) >= _cost(pl.plan(SCENARIOS[column], tpot_s=loose,
                                                                                 **kw))


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 5.0), st.floats(0.01, 5.0))
def test_tighter_ttft_never_lowers_the_cost(t1, t2):
    kw = dict(accelerators=["H20"], tpot_s=0.03)
    assert _cost(pl.plan(SCENARIOS[0], ttft_s_target=min(t1, t2), **kw)) >= _cost(
        pl.plan(SCENARIOS[0], ttft_s_target=max(t1, t2), **kw))


# --- the frontier ------------------------------------------------------------------------------


def test_frontier_is_pareto_optimal_among_fitting_candidates():
    p = pl.plan(SCENARIOS[0], accelerators=["H20", "H100"], objective="cards", frontier_accelerator="H100")
    assert p.frontier_accelerator == "H100"
    pts = p.frontier
    assert len(pts) > 3
    users = [f.tokens_per_s_per_user for f in pts]
    cards = [f.decode_tokens_per_s_per_card for f in pts]
    assert users == sorted(users) and cards == sorted(cards, reverse=True)  # a trade-off curve
    base = scenario_values(SCENARIOS[0])
    acc = cat.get("H100")
    every = []  # all fitting H100 candidates, one scalar evaluation each
    for prec in pl.DEFAULT_PRECISIONS:
        for n in pl.DEFAULT_REPLICAS:
            for bt in pl.DEFAULT_BATCHES:
                v = _candidate(base, acc, prec, n, bt, 1.0)
                if v is not None and v["memory_headroom_gb"] >= 0:
                    every.append((1 / v["decode_step_s"], v["decode_tokens_per_s_per_card"]))
    for f in pts:  # nothing fitting beats a frontier point on both axes
        assert not any(u > f.tokens_per_s_per_user * (1 + 1e-9) and c > f.decode_tokens_per_s_per_card * (1 + 1e-9)
                       for u, c in every)
    for u, c in every:  # every fitting candidate is matched or beaten by some frontier point
        assert any(f.tokens_per_s_per_user >= u * (1 - 1e-9) and f.decode_tokens_per_s_per_card >= c * (1 - 1e-9)
                   for f in pts)


# --- the report of a plan --------------------------------------------------------------------


def test_chosen_configuration_reports_cards_servers_capex_power_cost():
    c = pl.plan(SCENARIOS[0], accelerators=["H20"]).chosen
    # hand check on the same functions: whole servers = ceil(cards / 8); capex = cards / 8 × 84万元
    assert c.label == "H20 FP8, 2 cards per replica, batch 32"
    assert c.servers == math.ceil(c.cards / 8)
    assert c.fleet_capex_yi == pytest.approx(c.fleet_cards_wan / 8 * 84, rel=1e-15)
    assert c.tokens_per_s_per_user == pytest.approx(1 / c.decode_step_s, rel=1e-15)
    assert c.fleet_power_mw > 0 and c.cost_per_mtok_yuan > 0
    d = pl.plan(SCENARIOS[0], accelerators=["H20"]).as_dict()
    assert d["chosen"]["label"] == c.label and d["objective"] == "cost" and d["candidates"] == 2 * 4 * 20


def test_candidates_per_scenario():
    p = pl.plan(SCENARIOS[0], precisions=["bf16", "fp8", "int8"], replica_cards=range(1, 9), batches=range(1, 301),
                objective="cards")
    assert p.candidates == len(cat.default().names()) * 3 * 8 * 300


# --- errors: one clear message naming the argument, the value and what is allowed --------------


@pytest.mark.parametrize("kw, message", [
    ({"objective": "price"}, "objective must be one of cost, capex, cards, power, got 'price'"),
    ({"accelerators": ["H2O"]}, "accelerators: unknown accelerator 'H2O'; did you mean H20?"),
    ({"accelerators": []}, "accelerators must list at least one of catalog names, got none"),
    ({"accelerators": ["H20", "h 20"]}, "accelerators lists H20 twice"),
    ({"precisions": ["fp9"]}, None),
    ({"precisions": ["fp8", "FP8"]}, "precisions lists fp8 twice"),
    ({"batches": [0]}, "batches must be whole numbers >= 1, got 0"),
    ({"batches": [1.5]}, "batches must be whole numbers >= 1, got 1.5"),
    ({"batches": [4, 4]}, "batches lists 4 twice"),
    ({"replica_cards": ["x"]}, "replica_cards must be whole numbers >= 1, got 'x'"),
    ({"tpot_s": -1}, "tpot_s must be > 0, got -1"),
    ({"ttft_s_target": float("nan")}, "ttft_s must be a finite number, got nan"),
    ({"prompt_tokens": 0}, "prompt_tokens must be > 0, got 0"),
    ({"server_price_wan": {"H100": -5}}, "server_price_wan['H100'] must be > 0, got -5"),
    ({"accelerators": ["H20"], "frontier_accelerator": "H100"},
     "frontier_accelerator must be one of the planned accelerators (H20), got 'H100'"),
])
def test_bad_arguments(kw, message):
    with pytest.raises(InvalidInput) as e:
        pl.plan(SCENARIOS[0], **kw)
    if message is None:  # the catalog's own precision message
        with pytest.raises(InvalidInput) as want:
            cat.check_precision("fp9")
        message = str(want.value)
    assert str(e.value) == message


def test_bad_scenario():
    with pytest.raises(InvalidInput, match=r"^mau_wan is required \(Monthly active users, 万人\)$"):
        pl.plan({"peak_multiplier": 4})
    ins = scenario_values(SCENARIOS[0]) | {"mbu": 1.5}
    with pytest.raises(InvalidInput, match=r"^mbu must be in \(0, 1\], got 1.5$"):
        pl.plan(ins)
    with pytest.raises(InvalidInput, match="^scenario must be a Scenario or a mapping"):
        pl.plan(42)


# --- the command line ------------------------------------------------------------------------


def test_cli_plan_text_csv_json(capsys):
    import csv
    import io
    import json

    from xlsizing.cli import main

    assert main(["plan", "--accelerator", "H20,H100", "--price", "H100=230", "--base", "保守"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Plan: 保守 — minimise cost (元 per 1M tokens); TPOT ≤ 50 ms, TTFT ≤ 2 s; 320 candidates")  # 2 × 2 × 4 × 20
    want = pl.plan(SCENARIOS[1], accelerators=["H20", "H100"], server_price_wan={"H100": 230})
    assert f"  chosen: {want.chosen.label}\n" in out
    assert main(["plan", "--accelerator", "H20,L20", "--format", "csv", "--tpot-ms", "30", "--ttft-ms", "1000"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["scenario"], r["role"], r["accelerator"]) for r in rows[:2]] == [("2024年末", "chosen", "H20"),
                                                                                ("2024年末", "infeasible", "L20")]
    want = pl.plan(SCENARIOS[0], accelerators=["H20", "L20"], tpot_s=0.03, ttft_s_target=1.0)
    assert float(rows[0]["cost_per_mtok_yuan"]) == want.chosen.cost_per_mtok_yuan  # full precision
    assert rows[1]["reason"] == want.infeasible["L20"]
    assert main(["plan", "--accelerator", "H20", "--objective", "cards", "--format", "json", "--base", "乐观"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got == [json.loads(pl.render_json([pl.plan(SCENARIOS[3], accelerators=["H20"], objective="cards")]))[0]]


@pytest.mark.parametrize("argv, message", [
    (["--objective", "price"], "Error: objective must be one of cost, capex, cards, power, got 'price'"),
    (["--accelerator", "H2O"], "Error: accelerators: unknown accelerator 'H2O'; did you mean H20?"),
    (["--batches", "0,8"], "Error: batches must be whole numbers >= 1, got 0"),
    (["--price", "H100=lots"], "Error: --price must be NAME=WAN (万元 per server), got 'H100=lots'"),
    (["--tpot-ms", "-5"], "Error: tpot_s must be > 0, got -0.005"),
])
def test_cli_plan_errors(capsys, argv, message):
    from xlsizing.cli import main

    assert main(["plan", *argv]) == 2
    cap = capsys.readouterr()
    assert cap.err.strip() == message and cap.out == ""


# --- the Plan sheet, the workbook, the Excel function -----------------------------------------


def _random_scenarios(n, seed=16):
    """Scenarios spread over demand and model size (mau 1,000-100,000万, peak 1-8×, 100-6,000亿 parameters)."""
    import random

    from xlsizing.scenarios import make_scenario

    rng = random.Random(seed)
    return [make_scenario(f"r{i}", mau_wan=rng.uniform(1e3, 1e5), peak_multiplier=rng.uniform(1, 8),
                          params_yi=rng.choice([130.0, 700.0, 1300.0, 4050.0, 6000.0])) for i in range(n)]


PLAN_OPTIONS = dict(accelerators=["H20", "H100", "H200", "MI300X", "A100"],
                    server_price_wan={"H100": 230.0, "H200": 260.0, "MI300X": 180.0, "A100": 120.0})


def test_plan_sheet_recomputes_the_chosen_configuration():
    from xlsizing.plan_workbook import planned_scenarios

    scen = [*SCENARIOS, *_random_scenarios(12)]
    plans = pl.plan_scenarios(scen, **PLAN_OPTIONS)
    for s, p in zip(planned_scenarios(scen, plans), plans):
        v = sheets.evaluate_column(scenario_values(s), [sheets.FIGURE11, sheets.BEYOND, sheets.PLAN])
        if p.chosen is None:
            assert v["plan_meets_targets"] == 0.0
            continue
        assert v["plan_meets_targets"] == 1.0
        for k in pl.FIGURES:  # the sheet's rows are Beyond's rows: the same numbers as the search's
            want = getattr(p.chosen, k)
            if want is not None:
                assert v["plan_" + k] == pytest.approx(want, rel=1e-12), k


def test_build_plan_workbook_recalculates_in_libreoffice(tmp_path):
    import openpyxl

    from xlsizing.cli import main
    from xlsizing.plan_workbook import write_planned
    from xlsizing.verify import verify_workbooks

    path = write_planned([*SCENARIOS, *_random_scenarios(200)], tmp_path / "plan.xlsx", **PLAN_OPTIONS)
    out = tmp_path / "built.xlsx"
    assert main(["build", "--plan", "-o", str(out)]) == 0  # the command: the report's scenarios, defaults
    reports = verify_workbooks([path, out])  # one LibreOffice run; every Plan formula to 1e-12
    assert all(r.ok for r in reports), [r.summary() for r in reports]
    assert all("Plan" in r.sheets for r in reports)
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    assert len(ws._charts) == 2  # planned cards by scenario, and the frontier (a scatter chart)
    assert ws._charts[1].tagname == "scatterChart"
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Best configuration per accelerator (the search's numbers; * = chosen)" in texts


def test_plan_best_excel_function():
    from xlsizing.udfs import PLAN_BEST

    want = pl.plan({"mau_wan": 10000, "peak_multiplier": 5, "params_yi": 1300}, accelerators=["H20", "H100"],
                   server_price_wan=None, objective="cards")
    got = PLAN_BEST([[10000]], [[5]], [[None]], [["H20,H100"]], [[None]], [[None]], [[None]], [["cards"]],
                    [[None]])  # empty cells take the defaults; the figure defaults to cards
    assert got == [[want.chosen.cards, want.chosen.label]] and want.chosen.accelerator == "H100"
    # the B300 (fewest cards) has no price in the catalog: its cost is not a number
    assert PLAN_BEST(10000, 5, 1300, "H20,B300", "bf16,fp8", 0.05, 2, "cards", "cost")[0][0] == "n/a"
    assert PLAN_BEST([[6000], [10000]], 4) == "mau must be a single cell (one scenario per call), got a range"
    assert PLAN_BEST(6000, 4, 1300, "H20", "", 0.05, 2, "cost", "volume") == (
        "figure must be one of cards, servers, cost, capex, power, tpot, got 'volume'")
    assert PLAN_BEST("#N/A", 4) == "mau is the error #N/A"


@pytest.mark.parametrize("doc", ["docs/planner.md", "README.md"])
def test_docs_worked_example_is_the_code(doc):
    # regenerate with: python bench/planner_table.py --write
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / doc).read_text(encoding="utf-8")
    begin = "<!-- generated by xlsizing.planner.example_markdown: begin -->\n"
    end = "<!-- generated by xlsizing.planner.example_markdown: end -->"
    assert text[text.index(begin) + len(begin):text.index(end)] == pl.example_markdown()


def test_an_entry_without_an_interconnect_is_sized_on_one_card_and_says_so():
    # Ascend 910B: no interconnect_gbs in the shipped catalog; 130B BF16 = 260 GB > 1 × 64 GB × 0.9 = 57.6 GB
    p = pl.plan(SCENARIOS[1], accelerators=["Ascend 910B"], objective="cards")
    assert p.infeasible == {"Ascend 910B": "no configuration meets the targets; closest: bf16 ×1: weights 260 GB do "
                                           "not fit in 57.6 GB (1 × 64 GB × 0.9); replicas of several cards: no "
                                           "interconnect_gbs in the catalog (add it in a catalog file)"}
    assert [r.text for r in p.rejected][1] == ("Ascend 910B bf16 ×2: no interconnect_gbs in the catalog, needed for a "
                                               "replica of several cards")


def test_batch_one_workbook_plan_and_refusals(tmp_path, capsys):
    import openpyxl

    from xlsizing.cli import main

    out = tmp_path / "sweep.xlsx"
    assert main(["batch", "--base", "保守", "--grid", "peak_multiplier=3,5", "--one-workbook", str(out), "--plan"]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[-2:] == ["Plan", "Notes"]
    capsys.readouterr()  # batch --outdir --plan: tests/test_batch_plan.py
    assert main(["build", "--plan", "-o", str(tmp_path / "m.xlsm")]) == 2
    assert capsys.readouterr().err.strip() == ("Error: --plan writes an .xlsx workbook; it cannot be combined with "
                                               ".xlsm or a VBA project")
    assert not (tmp_path / "m.xlsm").exists()


@pytest.mark.parametrize("objective", ["cards", "power"])
def test_moe_model_searches_expert_parallel_like_the_brute_force(objective):
    from xlsizing.hfconfig import load as load_model

    # DeepSeek-V3 (the shipped config.json) for the Conservative column: replicas of 8 and 16 cards
    ins = scenario_values(SCENARIOS[1]) | load_model("DeepSeek-V3").beyond_inputs()
    grid = (["H20", "H200", "MI300X"], ["fp8"], [4, 8, 16], [32, 128, 512])
    want = brute_force(ins, *grid, objective=objective, eps=(0, 1))
    got = pl.plan(ins, accelerators=grid[0], precisions=grid[1], replica_cards=grid[2], batches=grid[3],
                  objective=objective)
    c = got.chosen
    assert (c.accelerator, c.precision, c.replica_cards, c.batch, c.expert_parallel) == (*want[:4], want[5])
    assert getattr(c, OBJ[objective]) == pytest.approx(want[4], rel=1e-12)
    assert c.inputs["expert_parallel"] == want[5]
    # the Plan sheet recomputes it, expert parallelism included
    from xlsizing.plan_workbook import planned_scenarios
    from xlsizing.scenarios import make_scenario

    s = make_scenario("moe", **{k: v for k, v in ins.items() if k in SCENARIOS[1].values})
    s = __import__("dataclasses").replace(s, extra={k: v for k, v in ins.items() if k not in SCENARIOS[1].values})
    unpriced = pl.plan(s, accelerators=["B300"], precisions=grid[1], replica_cards=grid[2], batches=grid[3],
                       objective=objective)  # no public B300 price in the catalog
    with pytest.raises(InvalidInput, match="^the Plan sheet of 'moe' needs fleet_server_price_wan for B300"):
        planned_scenarios([s], [unpriced])  # never the H20's price for another card
    p = pl.plan(s, accelerators=grid[0], precisions=grid[1], replica_cards=grid[2], batches=grid[3],
                objective=objective, server_price_wan=PRICES | {"H200": 260.0})
    [planned] = planned_scenarios([s], [p])
    v = sheets.evaluate_column(scenario_values(planned), [sheets.FIGURE11, sheets.BEYOND, sheets.PLAN])
    assert v["plan_fleet_cards_wan"] == pytest.approx(p.chosen.fleet_cards_wan, rel=1e-12)
    assert v["plan_expert_parallel"] == p.chosen.expert_parallel


def test_expert_parallel_argument():
    with pytest.raises(InvalidInput, match=r"^expert_parallel must be 0 \(tensor parallel\) or 1 \(expert parallel\), "
                                           r"got 2$"):
        pl.plan(SCENARIOS[0], expert_parallel=[0, 2])
    p = pl.plan(SCENARIOS[0], accelerators=["H20"], expert_parallel=[1])  # a dense model: EP changes nothing
    assert p.chosen.expert_parallel == 1 and "(expert parallel)" in p.chosen.label
