"""``xlsizing fill TEMPLATE SCENARIOS --plan``: the Plan sheet in a filled workbook, run as users run it.

Oracles: ``xlsizing plan --format json`` for the same scenarios and options (the chosen
configuration and its figures); ``xlsizing build --plan`` for the same scenarios (the formula of
every cell, its defined names and its texts: one definition, two writers); LibreOffice
recalculating the filled workbook (``xlsizing verify``, and tests/cachecheck.py for every cached
value); exact messages for every refusal.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from cachecheck import assert_caches_computed
from test_cli import assert_one_error, run

from xlsizing import planner, sheets
from xlsizing.plan_workbook import planned_scenarios
from xlsizing.refs import named_cell
from xlsizing.scenarios import load_file as load
from xlsizing.scenarios import values

SCENARIOS = """\
[[scenario]]
name = "小"
name_en = "Small"
mau_wan = 3000
peak_multiplier = 3

[[scenario]]
name = "极端情形：日活翻倍且推理时长增加（长名称）"
mau_wan = 20000
peak_multiplier = 5

[[scenario]]
name = "长上下文"
mau_wan = 8000
peak_multiplier = 4
context_tokens = 8192

[[scenario]]
name = "小模型"
mau_wan = 12000
peak_multiplier = 4
params_yi = 700
"""
# the candidates: three accelerators, prices replacing the catalog's for two of them (万元 per
# 8-card server, assumptions of this test), a tighter TPOT and TTFT than the defaults
OPTIONS = ["--accelerator", "H20,H100,MI300X", "--price", "H100=230", "--price", "MI300X=180",
           "--tpot-ms", "40", "--ttft-ms", "1500"]


def shown(path: Path, name: str, data_only: bool = True):
    wb = openpyxl.load_workbook(path, data_only=data_only)
    ws, ref = named_cell(wb, name)
    return ws[ref].value


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The template, the filled workbook, the ``build --plan`` one and the plan as JSON, all from the CLI."""
    d = tmp_path_factory.mktemp("fillplan")
    (d / "mine.toml").write_text(SCENARIOS, "utf-8")
    assert run("build", "-o", "tpl.xlsx", cwd=d).returncode == 0
    p = run("fill", "tpl.xlsx", "mine.toml", "--plan", *OPTIONS, "-o", "filled.xlsx", cwd=d)
    assert (p.returncode, p.stdout, p.stderr) == (0, "wrote filled.xlsx\n", "")
    p = run("build", "mine.toml", "--plan", *OPTIONS, "-o", "built.xlsx", cwd=d)
    assert p.returncode == 0, p.stderr
    p = run("plan", "mine.toml", *OPTIONS, "--format", "json", cwd=d)
    assert p.returncode == 0, p.stderr
    return d, json.loads(p.stdout)


def test_the_plan_sheet_holds_the_configuration_xlsizing_plan_chooses(books):
    d, plans = books
    out = d / "filled.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Figure 11", "Beyond", "Economics", "Plan", "Notes"]
    texts = {c.value for row in wb["Plan"].iter_rows() for c in row if isinstance(c.value, str)}
    for j, p in enumerate(plans, start=1):
        chosen = p["chosen"]
        assert chosen is not None, p["infeasible"]
        for key, want in chosen["inputs"].items():  # the inputs: exactly the search's choice
            assert shown(out, f"pl_plan_{key}_{j}", data_only=False) == want, (j, key)
        assert shown(out, f"pl_plan_tpot_s_{j}", data_only=False) == 0.04  # --tpot-ms 40
        assert shown(out, f"pl_plan_ttft_target_s_{j}", data_only=False) == 1.5  # --ttft-ms 1500
        assert shown(out, f"pl_scenario_name_{j}") == p["scenario"]
        assert chosen["label"] in texts
    assert "Best configuration per accelerator (the search's numbers; * = chosen)" in texts


def test_libreoffice_computes_the_engines_figures_and_the_plans(books, lo_recalc):
    d, plans = books
    out = d / "filled.xlsx"
    (lo_path,) = lo_recalc([out])
    names, lo = openpyxl.load_workbook(out), openpyxl.load_workbook(lo_path, data_only=True)

    def computed(name):  # the cell the filled workbook names, as LibreOffice computed it
        ws, ref = named_cell(names, name)
        return lo[ws.title][ref].value

    planned = load(d / "mine.toml")

    opts = dict(accelerators=["H20", "H100", "MI300X"], server_price_wan={"H100": 230.0, "MI300X": 180.0},
                tpot_s=0.04, ttft_s_target=1.5)
    engine = values(planned_scenarios(planned, planner.plan_scenarios(planned, **opts)),
                    [sheets.FIGURE11, sheets.BEYOND, sheets.ECONOMICS, sheets.PLAN])
    checked = 0
    for j, p in enumerate(plans, start=1):
        for row in sheets.PLAN.computed:  # every formula of the sheet: LibreOffice = the engine
            got = computed(f"pl_{row.key}_{j}")
            assert got == pytest.approx(engine[row.key][j - 1], rel=1e-12, abs=1e-12), (j, row.key)
            checked += 1
        for fig in planner.FIGURES:  # and = what `xlsizing plan` reports for the chosen configuration
            want = p["chosen"][fig]
            if want is not None:
                assert computed(f"pl_plan_{fig}_{j}") == pytest.approx(want, rel=1e-12, abs=1e-9), (j, fig)
        assert computed(f"pl_plan_meets_targets_{j}") == 1
    assert checked == 4 * len(sheets.PLAN.computed) > 100


def test_verify_passes_and_every_cached_value_is_what_libreoffice_computes(books, lo_recalc, tmp_path):
    d, _plans = books
    p = run("verify", "filled.xlsx", cwd=d)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Figure 11, Beyond, Economics, Plan agree" in p.stdout
    counts = assert_caches_computed([d / "filled.xlsx"], lo_recalc, tmp_path / "poisoned", min_cached=500)
    # every formula of the filled workbook carries its value (no analyst edit): as many as build --plan writes
    built = openpyxl.load_workbook(d / "built.xlsx")
    formulas = sum(1 for ws in built.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f")
    assert counts["filled.xlsx"] >= formulas


def test_the_plan_sheet_is_build_plans_cell_for_cell(books):
    # one definition: the same formula texts, defined names, texts and numbers as XlsxWriter writes
    # (the template is a fresh one, so its names point where build --plan's rows are)
    d, _plans = books
    for data_only in (False, True):
        a = openpyxl.load_workbook(d / "built.xlsx", data_only=data_only)
        b = openpyxl.load_workbook(d / "filled.xlsx", data_only=data_only)
        pa, pb = a["Plan"], b["Plan"]
        assert (pa.max_row, pa.max_column) == (pb.max_row, pb.max_column)
        diff = [(c.coordinate, c.value, pb[c.coordinate].value) for row in pa.iter_rows() for c in row
                if (c.value if c.value != "" else None) != pb[c.coordinate].value]
        assert diff == []
        names = {n: dn.attr_text for n, dn in a.defined_names.items() if n.startswith("pl_")}
        assert names == {n: dn.attr_text for n, dn in b.defined_names.items() if n.startswith("pl_")}
    kinds = [[ch.tagname for ch in wb["Plan"]._charts] for wb in (a, b)]
    assert kinds[0] == kinds[1] == ["barChart", "scatterChart"]
    # the long name's chart label: the hidden row of short names, as build --plan writes it
    assert shown(d / "filled.xlsx", "pl_chart_label_2") == shown(d / "built.xlsx", "pl_chart_label_2")


def test_a_planned_workbook_filled_again_gets_its_plan_sheet_replaced(books, tmp_path):
    d, _plans = books
    out = tmp_path / "again.xlsx"
    wb = openpyxl.load_workbook(d / "built.xlsx")
    wb["Figure 11"]["K3"] = "=Plan!D40*2"  # an analyst's formula reading the Plan sheet
    wb.save(tmp_path / "mine.xlsx")
    p = run("fill", "mine.xlsx", d / "mine.toml", "--plan", "--accelerator", "H20", "-o", out, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Figure 11", "Beyond", "Economics", "Plan", "Notes"]  # replaced in place, no copy
    assert wb["Figure 11"]["K3"].value == "=Plan!D40*2"
    want = planner.plan(load(d / "mine.toml")[0], accelerators=["H20"]).chosen
    assert shown(out, "pl_plan_peak_tflops_1", data_only=False) == want.inputs["peak_tflops"]
    texts = {c.value for row in wb["Plan"].iter_rows() for c in row if isinstance(c.value, str)}
    assert want.label in texts and not any(t.startswith(("H100", "MI300X")) for t in texts)  # nothing left over
    assert len([n for n in wb.defined_names if n.startswith("pl_")]) == len(
        [n for n in openpyxl.load_workbook(d / "built.xlsx").defined_names if n.startswith("pl_")])


def _own_plan_sheet(src: Path, dest: Path) -> Path:
    wb = openpyxl.load_workbook(src)
    wb.create_sheet("plan")["A1"] = "my own plan"
    wb.save(dest)
    return dest


def _renamed_plan_sheet(src: Path, dest: Path) -> Path:
    """The Plan sheet renamed as Excel renames it: the defined names follow the sheet."""
    wb = openpyxl.load_workbook(src)
    wb["Plan"].title = "Plan 2025"
    for dn in wb.defined_names.values():
        dn.attr_text = dn.attr_text.replace("Plan!", "'Plan 2025'!")
    wb.save(dest)
    return dest


@pytest.mark.parametrize("make, args, message", [
    (None, [], "{t}: this template has a Plan sheet, planned for other scenarios; give --plan to plan these "
               "scenarios again, or delete the Plan sheet"),
    (_own_plan_sheet, ["--plan"], "{t}: the template has its own sheet named 'plan' (it holds none of the Plan "
                                  "sheet's defined names, pl_…); rename it: --plan writes its sheet as 'Plan'"),
    (_renamed_plan_sheet, ["--plan"], "{t}: the Plan sheet's defined names (such as pl_plan_batch_1) point to sheet "
                                      "'Plan 2025'; rename that sheet back to 'Plan' for --plan to replace it, or "
                                      "delete it"),
])
def test_a_plan_sheet_fill_does_not_own_is_refused(books, tmp_path, make, args, message):
    d, _plans = books
    src = d / "built.xlsx" if make is None else make(d / ("tpl.xlsx" if make is _own_plan_sheet else "built.xlsx"),
                                                      tmp_path / "t.xlsx")
    p = run("fill", src, d / "mine.toml", *args, "-o", "out.xlsx", cwd=tmp_path)
    assert_one_error(p, message.format(t=src))
    assert not (tmp_path / "out.xlsx").exists()


def test_a_template_without_the_beyond_sheet_is_refused(books, tmp_path):
    from xlsizing.workbook import write_workbook

    write_workbook(load(books[0] / "mine.toml"), tmp_path / "f11.xlsx", sheets=[sheets.FIGURE11])
    p = run("fill", "f11.xlsx", books[0] / "mine.toml", "--plan", "-o", "out.xlsx", cwd=tmp_path)
    assert_one_error(p, "f11.xlsx: the Plan sheet reads the Beyond sheet's rows (active_params_yi, …), and this "
                        "template has no Beyond sheet (no names such as bx_active_params_yi_1); fill a copy of the "
                        "current template (xlsizing build -o template.xlsx)")
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("args, message", [
    (["--plan", "--objective", "volume"], "objective must be one of cost, capex, cards, power, got 'volume'"),
    (["--plan", "--accelerator", "H2O"], "accelerators: unknown accelerator 'H2O'; did you mean H20?"),
    (["--plan", "--tpot-ms", "0"], "tpot_s must be > 0, got 0"),
    (["--plan", "--price", "H100:230"], "--price must be NAME=WAN (万元 per server), got 'H100:230'"),
    (["--accelerator", "H20"], "--accelerator sets how the Plan sheet is searched; it needs --plan"),
    (["--ttft-ms", "900"], "--ttft-ms sets how the Plan sheet is searched; it needs --plan"),
    # the cards objective picks the B300, which has no public price in the catalog
    (["--plan", "--accelerator", "B300", "--objective", "cards"],
     "the Plan sheet of '小' needs fleet_server_price_wan for B300 (the cards objective chose it without): give it "
     "(--price NAME=万元 or a catalog file), or plan by cost"),
])
def test_bad_planner_options_give_one_error_and_no_file(books, tmp_path, args, message):
    d, _plans = books
    p = run("fill", d / "tpl.xlsx", d / "mine.toml", *args, "-o", "out.xlsx", cwd=tmp_path)
    assert_one_error(p, message)
    assert list(tmp_path.iterdir()) == []


def test_fill_plan_never_replaces_the_template(books, tmp_path):
    d, _plans = books
    src = tmp_path / "tpl.xlsx"
    src.write_bytes((d / "tpl.xlsx").read_bytes())
    p = run("fill", src, d / "mine.toml", "--plan", "-o", src, "--force", cwd=tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.splitlines()) == 1
    assert src.read_bytes() == (d / "tpl.xlsx").read_bytes()


def test_an_edited_beyond_formula_leaves_the_plan_cells_it_feeds_uncached(books, tmp_path, lo_recalc):
    # the analyst made column 2's decode demand × 1.1: the Plan cells that read it (decode cards and
    # everything after) must show no number the workbook does not compute; the rest keeps its values
    d, _plans = books
    wb = openpyxl.load_workbook(d / "tpl.xlsx")
    ws, ref = named_cell(wb, "bx_decode_tokens_per_s_yi_2")
    ws[ref].value = ws[ref].value + "*1.1"
    wb.save(tmp_path / "edited.xlsx")
    p = run("fill", "edited.xlsx", d / "mine.toml", "--plan", *OPTIONS, "-o", "out.xlsx", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = tmp_path / "out.xlsx"
    for key in ("plan_decode_cards_wan", "plan_fleet_cards_wan", "plan_fleet_capex_yi", "plan_cost_per_mtok_yuan"):
        assert shown(out, f"pl_{key}_2") is None, key
        assert shown(out, f"pl_{key}_1") == shown(d / "filled.xlsx", f"pl_{key}_1"), key
    assert shown(out, "pl_plan_weights_gb_2") == shown(d / "filled.xlsx", "pl_plan_weights_gb_2")
    assert_caches_computed([out], lo_recalc, tmp_path / "poisoned", min_cached=400)


def test_a_macro_enabled_template_keeps_its_vba_project(books, tmp_path):
    d, _plans = books
    vba = Path(__file__).parent / "data" / "xlsxwriter" / "vbaProject01.bin"
    assert run("build", d / "mine.toml", "-o", "m.xlsm", "--vba-project", vba, cwd=tmp_path).returncode == 0
    p = run("fill", "m.xlsm", d / "mine.toml", "--plan", "--accelerator", "H20", "-o", "f.xlsm", cwd=tmp_path)
    assert (p.returncode, p.stderr) == (0, ""), p.stderr
    with zipfile.ZipFile(tmp_path / "f.xlsm") as z:
        assert z.read("xl/vbaProject.bin") == vba.read_bytes()
    assert openpyxl.load_workbook(tmp_path / "f.xlsm").sheetnames[-2:] == ["Plan", "Notes"]
    p = run("verify", "f.xlsm", cwd=tmp_path)
    assert p.returncode == 0 and "Plan agree" in p.stdout, p.stdout + p.stderr
