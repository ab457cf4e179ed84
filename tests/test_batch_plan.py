"""``xlsizing batch … --plan``: a Plan sheet in every workbook of ``--outdir``, and in the one of ``--one-workbook``.

Oracles: ``xlsizing plan --format json`` over the same grid and options (the chosen configuration
of each scenario); ``xlsizing verify`` (LibreOffice recalculates every Plan formula, 1e-12); exact
messages for every refusal.  Run as users run it: the installed command, as a subprocess.
"""

from __future__ import annotations

import json

import openpyxl
import pytest
from test_cli import assert_one_error, run

from xlsizing.refs import named_cell

# a grid over the report's Conservative column, three accelerators; the server prices (万元 per
# 8-card server) of the two the catalog prices only in USD are assumptions of this test
GRID = ["--base", "保守", "--grid", "peak_multiplier=3,5", "--grid", "mfu=0.4,0.5"]
OPTIONS = ["--accelerator", "H20,H100,A100", "--price", "H100=230", "--price", "A100=120", "--tpot-ms", "45"]


def _inputs(path, j: int, keys) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {}
    for k in keys:
        ws, ref = named_cell(wb, f"pl_plan_{k}_{j}")
        out[k] = ws[ref].value
    return out


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    d = tmp_path_factory.mktemp("batchplan")
    p = run("plan", *GRID, *OPTIONS, "--format", "json", cwd=d)
    assert p.returncode == 0, p.stderr
    return d, json.loads(p.stdout)


def test_outdir_plan_writes_a_plan_sheet_in_every_workbook_and_each_verifies(planned):
    d, plans = planned
    p = run("batch", *GRID, *OPTIONS, "--outdir", "sweep", "--plan", "--jobs", "2", cwd=d)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("wrote 4 of 4 workbooks") and p.stdout.endswith("-> sweep\n")
    paths = sorted((d / "sweep").glob("*.xlsx"))
    assert [x.name for x in paths] == ["0001-保守_peak_multiplier=3_mfu=0.4.xlsx", "0002-保守_peak_multiplier=3_mfu=0.5.xlsx",
                                       "0003-保守_peak_multiplier=5_mfu=0.4.xlsx", "0004-保守_peak_multiplier=5_mfu=0.5.xlsx"]
    for path, plan in zip(paths, plans):
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == ["Figure 11", "Beyond", "Economics", "Plan", "Notes"]
        chosen = plan["chosen"]
        assert _inputs(path, 1, chosen["inputs"]) == chosen["inputs"], path.name  # the search's choice
        texts = {c.value for row in wb["Plan"].iter_rows() for c in row if isinstance(c.value, str)}
        assert chosen["label"] in texts and plan["scenario"] in texts
        assert [ch.tagname for ch in wb["Plan"]._charts] == ["scatterChart"]  # one scenario: no cards chart
    p = run("verify", *[x.relative_to(d) for x in paths], cwd=d)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("Figure 11, Beyond, Economics, Plan agree") == 4


def test_one_workbook_plan_takes_the_planner_options(planned):
    d, plans = planned
    p = run("batch", *GRID, *OPTIONS, "--one-workbook", "all.xlsx", "--plan", cwd=d)
    assert (p.returncode, p.stdout) == (0, "wrote all.xlsx (4 scenario columns)\n"), p.stderr
    for j, plan in enumerate(plans, start=1):
        assert _inputs(d / "all.xlsx", j, plan["chosen"]["inputs"]) == plan["chosen"]["inputs"]
        assert _inputs(d / "all.xlsx", j, ["tpot_s"]) == {"tpot_s": 0.045}


@pytest.mark.parametrize("args, message", [
    (["--outdir", "out", "--plan", "--objective", "speed"], "objective must be one of cost, capex, cards, power, "
                                                            "got 'speed'"),
    (["--outdir", "out", "--accelerator", "H20"], "--accelerator sets how the Plan sheet is searched; it needs --plan"),
    (["--one-workbook", "out.xlsx", "--precision", "fp8"], "--precision sets how the Plan sheet is searched; it "
                                                           "needs --plan"),
    (["--outdir", "out", "--plan", "--batches", "0,8"], "batches must be whole numbers >= 1, got 0"),
    # the cards objective picks the B300, which has no public price in the catalog: one line for
    # the batch, not one per workbook
    (["--outdir", "out", "--plan", "--accelerator", "B300", "--objective", "cards"],
     "the Plan sheet of '保守 peak_multiplier=3 mfu=0.4' needs fleet_server_price_wan for B300 (the cards objective chose "
     "it without): give it (--price NAME=万元 or a catalog file), or plan by cost"),
])
def test_bad_planner_options_give_one_error_and_write_nothing(tmp_path, args, message):
    p = run("batch", *GRID, *args, cwd=tmp_path)
    assert_one_error(p, message)
    assert list(tmp_path.iterdir()) == []


def test_build_plan_takes_the_planner_options(planned):
    d, plans = planned
    p = run("build", *GRID, *OPTIONS, "--plan", "-o", "b.xlsx", cwd=d)
    assert p.returncode == 0, p.stderr
    for j, plan in enumerate(plans, start=1):
        assert _inputs(d / "b.xlsx", j, plan["chosen"]["inputs"]) == plan["chosen"]["inputs"]
