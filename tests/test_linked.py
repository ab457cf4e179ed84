"""Linked inputs, proven in a real engine: the Beyond sheet follows Figure 11's params_yi and mfu.

The Beyond sheet's ``active_params_yi`` / ``total_params_yi`` follow Figure 11's ``params_yi``, its
``mfu_prefill`` / ``mfu_decode`` follow ``mfu`` and its ``peak_tflops`` follows ``card_tflops``
unless a scenario sets them (issue 11, "Linked inputs").

Oracles, named per test: LibreOffice headless recalculating the workbook's native formulas (an
independent spreadsheet engine; the cached values come from Python), the Python engine
(:func:`xlsizing.sheets.evaluate_column`) on the inputs the workbook holds, and hand calculations
written out where the arithmetic is short (weights: parameters 亿 × 1e8 × 2 bytes / 1e9 GB).
Figure 11's defaults are the report's: Minsheng Securities, 2024-12-26, Figure 11 — 1300亿
parameters, MFU 50%, H20 148 TFLOPS.
"""

from __future__ import annotations

import inspect
import math
import textwrap

import openpyxl
import pytest

from xlsizing import udfs
from xlsizing.cli import main
from xlsizing.refs import named_cell, read_named
from xlsizing.scenarios import make_scenario, scenario_values
from xlsizing.sheets import BEYOND, FIGURE11, evaluate_column
from xlsizing.verify import verify_workbooks
from xlsizing.workbook import write_workbook

PARAMS_YI = 1300.0  # Minsheng Securities, 2024-12-26, Figure 11: 1300亿 parameters
MFU = 0.5  # same source: MFU 50%
CARD_TFLOPS = 148.0  # same source: H20 148 TFLOPS
BYTES_PER_WEIGHT = 2.0  # the Beyond sheet's default (BF16)

BASE = {"mau_wan": 6000, "peak_multiplier": 4}  # Figure 11's 2024年末 column (report)
RESULTS = ("weights_gb", "fleet_cards_wan", "fleet_capex_yi")
REL = 1e-12  # LibreOffice saves 15 significant digits


def bx(key: str, column: int = 1) -> str:
    return BEYOND.name(key, column)


def _close(a, b, rel=REL):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def _cached(path, keys, column=1):
    wb = openpyxl.load_workbook(path, data_only=True)
    return {k: read_named(wb, bx(k, column)) for k in keys}


# --- (a) workbooks that differ only in Figure 11's params_yi (or mfu) -----------------------------


@pytest.fixture(scope="module")
def pair_books(tmp_path_factory):
    """Three one-column workbooks, same scenario name: the base, params_yi = 2600, mfu = 0.3."""
    d = tmp_path_factory.mktemp("linked")
    books = {
        "base": make_scenario("s", **BASE),
        "params": make_scenario("s", **BASE, params_yi=2600),
        "mfu": make_scenario("s", **BASE, mfu=0.3),
    }
    return {k: write_workbook([s], d / f"{k}.xlsx") for k, s in books.items()}, books


def test_params_yi_moves_beyond_in_cached_values(pair_books):
    paths, scen = pair_books
    base, params = _cached(paths["base"], RESULTS + ("total_params_yi",)), _cached(paths["params"], RESULTS + ("total_params_yi",))
    # hand calculation: weights = parameters (亿) × 1e8 × 2 B / 1e9 = 260 GB and 520 GB
    assert (base["weights_gb"], params["weights_gb"]) == (260.0, 520.0)
    assert (base["total_params_yi"], params["total_params_yi"]) == (1300.0, 2600.0)
    for k in RESULTS:
        assert base[k] != params[k], k
        # oracle: the Python engine on the same inputs (XlsxWriter stores exactly these)
        assert params[k] == evaluate_column(scenario_values(scen["params"]))[k]


def test_mfu_moves_prefill_and_decode_cards_in_cached_values(pair_books):
    paths, scen = pair_books
    keys = ("prefill_cards_wan", "decode_cards_wan", "mfu_prefill", "mfu_decode")
    base, mfu = _cached(paths["base"], keys), _cached(paths["mfu"], keys)
    assert (base["mfu_prefill"], base["mfu_decode"], mfu["mfu_prefill"], mfu["mfu_decode"]) == (0.5, 0.5, 0.3, 0.3)
    # prefill is compute bound: cards scale with 1/MFU exactly (hand: 0.5 / 0.3)
    assert _close(mfu["prefill_cards_wan"] / base["prefill_cards_wan"], 0.5 / 0.3)
    # decode at batch 64 on H20 is compute bound (step 2·1300e8·64/(8·148e12·MFU) = 28 ms > the 16 ms
    # memory term), so its cards move with MFU as well
    assert mfu["decode_cards_wan"] > base["decode_cards_wan"]
    for k in ("prefill_cards_wan", "decode_cards_wan"):
        assert mfu[k] == evaluate_column(scenario_values(scen["mfu"]))[k]


def test_linked_results_after_libreoffice_recalculation(pair_books, lo_recalc):
    paths, scen = pair_books
    outs = dict(zip(paths, lo_recalc(list(paths.values()))))
    keys = RESULTS + ("prefill_cards_wan", "decode_cards_wan", "total_params_yi", "active_params_yi",
                      "mfu_prefill", "mfu_decode", "peak_tflops")
    got = {k: _cached(out, keys) for k, out in outs.items()}
    for name, values in got.items():
        # oracle: LibreOffice's own recalculation equals the Python engine on the scenario's inputs
        want = evaluate_column(scenario_values(scen[name]))
        for k in keys:
            assert _close(values[k], want[k]), (name, k, values[k], want[k])
    assert got["params"]["total_params_yi"] == got["params"]["active_params_yi"] == 2600.0
    assert got["mfu"]["mfu_prefill"] == got["mfu"]["mfu_decode"] == 0.3
    for k in RESULTS:
        assert got["base"][k] != got["params"][k], k
    for k in ("prefill_cards_wan", "decode_cards_wan"):
        assert got["base"][k] != got["mfu"][k], k
    assert all(r.ok for r in verify_workbooks(list(paths.values()))), "verify"


# --- (b) editing Figure 11's params_yi in a saved workbook ----------------------------------------


def test_editing_params_yi_moves_beyond_by_the_engines_amounts(tmp_path, lo_recalc):
    scen = make_scenario("s", **BASE)
    path = write_workbook([scen], tmp_path / "saved.xlsx")
    keys = RESULTS + ("prefill_cards_wan", "decode_cards_wan", "servers_whole_wan")
    before = _cached(path, keys)

    wb = openpyxl.load_workbook(path)  # formulas kept; openpyxl drops the cached values (fine)
    ws, ref = named_cell(wb, "params_yi_1")
    assert (ws.title, ws[ref].value) == ("Figure 11", PARAMS_YI)
    ws[ref].value = 2600
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)

    (out,) = lo_recalc([edited])
    after = _cached(out, keys)
    # oracle: the Python engine on the edited inputs, and on the original ones
    engine_before = evaluate_column(scenario_values(scen))
    engine_after = evaluate_column({**scenario_values(scen), "params_yi": 2600.0})
    for k in keys:
        assert before[k] == engine_before[k], k
        assert _close(after[k], engine_after[k]), (k, after[k], engine_after[k])
        moved, expected = after[k] - before[k], engine_after[k] - engine_before[k]
        assert expected != 0, k
        assert math.isclose(moved, expected, rel_tol=REL, abs_tol=REL * abs(engine_after[k])), (k, moved, expected)
    # hand calculation: weights move by (2600 - 1300) 亿 × 1e8 × 2 B / 1e9 = 260 GB
    assert after["weights_gb"] - before["weights_gb"] == 260.0


# --- (c) a scenario that sets the Beyond input itself overrides the link ---------------------------


def test_a_scenario_value_overrides_the_link(tmp_path, lo_recalc):
    scenarios = [make_scenario("linked", **BASE), make_scenario("own", **BASE, total_params_yi=2600)]
    path = write_workbook(scenarios, tmp_path / "override.xlsx")
    wb = openpyxl.load_workbook(path)
    f11, p1 = named_cell(wb, "params_yi_1")
    _, p2 = named_cell(wb, "params_yi_2")
    ws, linked = named_cell(wb, bx("total_params_yi", 1))
    _, own = named_cell(wb, bx("total_params_yi", 2))
    _, active2 = named_cell(wb, bx("active_params_yi", 2))
    assert ws[linked].value == f"='Figure 11'!{p1.replace('$', '')}"
    assert ws[linked].font.color.rgb == "FF008000"  # green: a link to another sheet
    assert (ws[own].value, ws[own].font.color.rgb) == (2600, "FF0000FF")  # blue: a typed input
    assert ws[active2].value == f"='Figure 11'!{p2.replace('$', '')}"  # the other linked row still follows

    before = _cached(path, ("total_params_yi", "weights_gb", "active_params_yi"), 2)
    for ref in (p1, p2):
        f11[ref].value = 3900
    edited = tmp_path / "override-edited.xlsx"
    wb.save(edited)
    (out,) = lo_recalc([edited])
    col1 = _cached(out, ("total_params_yi", "weights_gb"), 1)
    col2 = _cached(out, ("total_params_yi", "weights_gb", "active_params_yi"), 2)
    # hand calculation: column 1 follows 3900亿 → 780 GB; column 2 keeps its own 2600亿 → 520 GB
    assert col1 == {"total_params_yi": 3900.0, "weights_gb": 780.0}
    assert (before["total_params_yi"], before["weights_gb"]) == (2600.0, 520.0)
    assert (col2["total_params_yi"], col2["weights_gb"]) == (2600.0, 520.0)
    assert (before["active_params_yi"], col2["active_params_yi"]) == (1300.0, 3900.0)


# --- (d) terminal, Excel functions, Notes and workbook agree on the linked values ------------------

LINKED = {"total_params_yi": "params_yi", "active_params_yi": "params_yi", "mfu_prefill": "mfu",
          "mfu_decode": "mfu", "peak_tflops": "card_tflops", "fleet_server_price_wan": "server_price_wan",
          "fleet_cards_per_server": "cards_per_server"}


def test_the_rows_declare_the_links():
    assert {r.key: r.link for r in BEYOND.inputs if r.is_linked} == LINKED
    assert all(FIGURE11.row[target].is_input for target in LINKED.values())


def test_terminal_follows_figure11(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text(textwrap.dedent('''\
        [[scenario]]
        name = "big"
        mau_wan = 6000
        peak_multiplier = 4
        params_yi = 6710
        mfu = 0.3
        card_tflops = 296
    '''), "utf-8")
    assert main(["beyond"]) == 0
    lines = capsys.readouterr().out.splitlines()

    def row(label):
        return next(line for line in lines if line.startswith(label)).split()

    # the report's four columns: 1300亿, 50%, 148 TFLOPS (Figure 11), shown at the rows' formats
    assert row("总参数量")[-4:] == ["1300"] * 4 and row("激活参数量")[-4:] == ["1300"] * 4
    assert row("预填充MFU")[-4:] == ["50%"] * 4 and row("解码MFU")[-4:] == ["50%"] * 4
    assert row("加速卡峰值算力")[-4:] == ["148.0"] * 4

    for argv in (["beyond", str(f), "--format", "csv"], ["table", str(f), "--sheet", "beyond", "--format", "csv"]):
        assert main(argv) == 0
        head, values = capsys.readouterr().out.splitlines()
        rec = dict(zip(head.split(","), values.split(",")))
        assert (rec["total_params_yi"], rec["active_params_yi"]) == ("6710.0", "6710.0"), argv
        assert (rec["mfu_prefill"], rec["mfu_decode"], rec["peak_tflops"]) == ("0.3", "0.3", "296.0"), argv
        # hand calculation: 6710亿 × 1e8 × 2 B / 1e9 = 1342 GB
        assert rec["weights_gb"] == "1342.0", argv


def test_notes_and_workbook_follow_figure11(tmp_path):
    path = write_workbook([make_scenario("s", **BASE)], tmp_path / "notes.xlsx")
    wb = openpyxl.load_workbook(path)
    notes = {row[0].value: row[3].value for row in wb["Notes"].iter_rows(max_col=4) if row[0].value in LINKED}
    en = {k: FIGURE11.row[t].en for k, t in LINKED.items()}
    for key, target in LINKED.items():
        assert notes[key].startswith(f"follows Figure 11 {target} ({en[key]}) unless set"), (key, notes[key])
    cached = openpyxl.load_workbook(path, data_only=True)
    # the report's 84万元 8-card server (Minsheng Figure 11) for the two server rows
    figure11 = {"params_yi": PARAMS_YI, "mfu": MFU, "card_tflops": CARD_TFLOPS, "server_price_wan": 84.0,
                "cards_per_server": 8.0}
    for key, target in LINKED.items():
        assert read_named(cached, target + "_1") == figure11[target]
        assert read_named(cached, bx(key)) == figure11[target], key
        ws, ref = named_cell(wb, bx(key))
        _, target_ref = named_cell(wb, target + "_1")
        # the link points at exactly the Figure 11 cell it follows (verify reads a linked cell's value
        # as an input, so a link to the wrong cell would not show there)
        assert ws[ref].value == f"='Figure 11'!{target_ref.replace('$', '')}", key


@pytest.mark.parametrize("function, parameter, figure11_key", [
    # an Excel function's default for a linked input should be what the Beyond sheet follows
    # (Figure 11's value, from the report), so a user calling it without that argument sees the
    # same number as the sheet
    ("PREFILL_CARDS", "mfu_prefill", "mfu"),
    ("DECODE_STEP_S", "mfu_decode", "mfu"),
    ("H20_CARDS", "mfu", "mfu"),
    ("H20_CARDS", "card_tflops", "card_tflops"),
])
def test_excel_function_defaults_agree_with_figure11(function, parameter, figure11_key):
    default = inspect.signature(getattr(udfs, function)).parameters[parameter].default
    assert default == FIGURE11.row[figure11_key].default, (
        f"{function}({parameter}={default}) but the Beyond sheet follows Figure 11 {figure11_key} = "
        f"{FIGURE11.row[figure11_key].default}")


# --- verify checks the links themselves ----------------------------------------------------------


def test_verify_finds_a_link_pointing_at_the_wrong_cell(tmp_path):
    # oracle: the Python engine, in which bx_total_params_yi follows params_yi (1300亿); a link
    # re-pointed at the reference-day tokens cell (40000亿) must be reported at its own cell
    path = write_workbook([make_scenario("s", **BASE)], tmp_path / "ok.xlsx")
    wb = openpyxl.load_workbook(path)
    ws, ref = named_cell(wb, bx("total_params_yi"))
    assert ws[ref].value.startswith("='Figure 11'!")
    _, tokens_ref = named_cell(wb, "ref_tokens_yi_1")
    ws[ref].value = f"='Figure 11'!{tokens_ref}"
    wb.save(tmp_path / "broken.xlsx")
    good, broken = verify_workbooks([path, tmp_path / "broken.xlsx"])
    assert good.ok, good.summary()
    assert not broken.ok
    wrong = [m for m in broken.mismatches if m.key == "total_params_yi"]
    assert [(m.cell, m.expected, m.got) for m in wrong] == [(ref, PARAMS_YI, 40000)]


def test_fill_colours_a_set_link_blue_and_a_followed_one_green(tmp_path):
    # oracle: the writer's convention (workbook.INPUT_BLUE / LINK_GREEN), which fill must keep
    from xlsizing.fill import fill_workbook
    from xlsizing.workbook import write_template

    template = write_template(tmp_path / "t.xlsx")
    scen = [make_scenario(f"x{i}", **BASE, **({"total_params_yi": 6710} if i == 0 else {})) for i in range(4)]
    wb = openpyxl.load_workbook(fill_workbook(template, scen, tmp_path / "f.xlsx"))
    cells = [named_cell(wb, bx("total_params_yi", j)) for j in (1, 2)]
    (ws1, r1), (ws2, r2) = cells
    assert (ws1[r1].value, ws1[r1].font.color.rgb) == (6710, "FF0000FF")
    assert ws2[r2].value.startswith("='Figure 11'!") and ws2[r2].font.color.rgb == "FF008000"
