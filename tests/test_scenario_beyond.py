"""Beyond-sheet inputs set from scenario files: parsed, checked, written, filled and recalculated.

Oracles: the Beyond sheet's own defaults (``layout_beyond.INPUTS``) for keys left out; the array
path (``layout_beyond.evaluate``), which tests/test_beyond.py checks against hand calculations,
for the numbers; LibreOffice for the written workbook.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import math

import pytest

import fig11 as layout
import beyond_view as lb
from xlsizing.errors import ScenarioFileError
from xlsizing.fill import fill_workbook
from xlsizing.scenarios import allowed_keys, derive, load_file, parse_csv, parse_scenarios
from xlsizing.verify import verify_workbooks
from xlsizing.refs import read_named
from xlsizing.workbook import write_template, write_workbook

REPO = Path(__file__).resolve().parent.parent

TOML = """\
[defaults]
bandwidth_tbs = 3.35          # H100-class bandwidth for every scenario
[[scenario]]
name = "fp8"
mau_wan = 6000
peak_multiplier = 4
peak_tflops = 296
bytes_per_weight = 1
kv_bytes = 1
[[scenario]]
name = "bf16"
mau_wan = 10000
peak_multiplier = 4
batch = 16
"""


def test_keys_go_to_beyond_and_unset_keys_take_the_sheet_defaults():
    a, b = parse_scenarios(TOML, "s.toml")
    assert a.beyond == {"bandwidth_tbs": 3.35, "peak_tflops": 296.0, "bytes_per_weight": 1.0, "kv_bytes": 1.0}
    assert b.beyond == {"bandwidth_tbs": 3.35, "batch": 16.0}
    assert "bandwidth_tbs" not in a.values  # the Figure 11 inputs are unchanged
    ins = lb.sheet_inputs([a, b])
    # a linked input left out is NaN in the arrays: "follow the link" (here Figure 11's card_tflops)
    assert ins["peak_tflops"][0] == 296.0 and math.isnan(ins["peak_tflops"][1])
    assert ins["batch"].tolist() == [lb.ROW["batch"].default, 16.0]
    assert ins["bandwidth_tbs"].tolist() == [3.35, 3.35]
    # overrides still apply on top, to every scenario
    assert lb.sheet_inputs([a, b], {"batch": 32})["batch"].tolist() == [32.0, 32.0]


def test_fp8_scenario_needs_fewer_cards_than_the_same_at_bf16():
    # oracle: the array path with the same inputs given as overrides (the route the README documents)
    (a, _), base = parse_scenarios(TOML), parse_scenarios(TOML.replace("peak_tflops = 296\n", ""))[0]
    want = lb.evaluate(lb.sheet_inputs([base], {"peak_tflops": 296}))
    got = lb.evaluate(lb.sheet_inputs([a]))
    assert got["fleet_cards_wan"][0] == want["fleet_cards_wan"][0]
    bf16 = lb.evaluate(lb.sheet_inputs([derive(a, "bf16", peak_tflops=148)], {"bytes_per_weight": 2, "kv_bytes": 2}))
    assert got["fleet_cards_wan"][0] < bf16["fleet_cards_wan"][0]
    # the numpy-free path gives the same numbers
    col = lb.evaluate_column(lb.column_inputs(a))
    assert all(col[k] == float(got[k][0]) or col[k] != col[k] for k in got)


@pytest.mark.parametrize("text, message", [
    (TOML.replace("batch = 16", "batch = 0"), "s.toml:14: scenario 2: batch = 0: must be >= 1"),
    (TOML.replace("batch = 16", "bandwith_tbs = 2"), "s.toml:14: scenario 2: unknown key 'bandwith_tbs' "
                                                      "(did you mean 'bandwidth_tbs'?); allowed: " + ", ".join(allowed_keys())),
    (TOML.replace("kv_bytes = 1", 'kv_bytes = "1"'), "s.toml:9: scenario 1: kv_bytes = '1': must be a number "
                                                     "(without quotes)"),
    (TOML.replace("bandwidth_tbs = 3.35", "bandwidth_tbs = -3.35"), "s.toml:2: [defaults] bandwidth_tbs = -3.35: "
                                                                    "must be > 0"),
])
def test_bad_beyond_values_are_refused_with_file_line_key_and_rule(text, message):
    with pytest.raises(ScenarioFileError) as e:
        parse_scenarios(text, "s.toml")
    assert str(e.value) == message


def test_csv_columns_and_derive_carry_beyond_inputs():
    a, b = parse_csv("name,mau_wan,peak_multiplier,batch\na,6000,4,128\nb,6000,4,\n")
    assert a.beyond == {"batch": 128.0} and b.beyond == {}
    assert derive(a, "a2", mfu=0.3).beyond == {"batch": 128.0}


def test_workbook_shows_the_scenarios_beyond_inputs_and_libreoffice_agrees(tmp_path, lo_profile):
    scen = parse_scenarios(TOML)
    path = write_workbook(scen, tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path, data_only=True)
    assert [read_named(wb, f"bx_peak_tflops_{j}") for j in (1, 2)] == [296, 148]
    assert [read_named(wb, f"bx_batch_{j}") for j in (1, 2)] == [64, 16]
    want = lb.evaluate(lb.sheet_inputs(scen))["fleet_cards_wan"]
    assert [read_named(wb, f"bx_fleet_cards_wan_{j}") for j in (1, 2)] == pytest.approx(want.tolist(), rel=1e-15)
    # a filled template carries them too
    tpl = write_template(tmp_path / "t.xlsx")
    filled = fill_workbook(tpl, scen * 2, tmp_path / "f.xlsx")
    fw = openpyxl.load_workbook(filled, data_only=True)
    assert [read_named(fw, f"bx_peak_tflops_{j}") for j in range(1, 5)] == [296, 148, 296, 148]
    # LibreOffice recalculates both and agrees with the Python engine on every computed cell
    reports = verify_workbooks([path, filled], profile=lo_profile)
    assert all(r.ok for r in reports), [r.summary() for r in reports]


def test_starter_file_documents_every_beyond_key_and_sets_one_scenario_to_fp8():
    text = (REPO / "templates" / "scenarios-starter.toml").read_text("utf-8")
    for r in lb.INPUTS:
        line = next((ln for ln in text.splitlines() if ln.startswith(f"# {r.key} = ")), None)
        assert line is not None, f"{r.key} is not documented in the starter file"
        assert r.zh in line and r.rule.allowed in line
        default = lb.FIGURE11.row[r.link].default if r.is_linked else r.default
        assert float(line.split("=")[1].split("#")[0]) == pytest.approx(default, rel=1e-9)
        assert (f"follows {r.link} unless set" in line) == r.is_linked
    beyond = [s.beyond for s in load_file(REPO / "templates" / "scenarios-starter.toml")]
    assert beyond == [{}, {"peak_tflops": 296.0, "bytes_per_weight": 1.0}, {}]


def test_beyond_command_shows_a_scenario_files_own_inputs(tmp_path):
    (tmp_path / "s.toml").write_text(TOML, "utf-8")
    exe = Path(sys.executable).parent / "xlsizing"
    p = subprocess.run([str(exe), "beyond", "s.toml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith(lb.ROW["peak_tflops"].zh))
    assert line.split()[-2:] == [layout.display(lb.ROW["peak_tflops"], 296), layout.display(lb.ROW["peak_tflops"], 148)]


def test_a_grid_sweeps_a_beyond_input(tmp_path):
    # oracle: derive with the same value, evaluated on the array path
    from xlsizing.batch import plan
    from xlsizing.errors import InvalidInput
    from xlsizing.scenarios import load_builtin

    scen = plan(load_builtin(), ["batch=32,128"], ["2024年末"])
    assert [s.name for s in scen] == ["2024年末 batch=32", "2024年末 batch=128"]
    assert [s.beyond for s in scen] == [{"batch": 32.0}, {"batch": 128.0}]
    assert lb.sheet_inputs(scen)["batch"].tolist() == [32.0, 128.0]
    with pytest.raises(InvalidInput, match=r"^--grid batch = 0: must be >= 1$"):
        plan(load_builtin(), ["batch=0,128"])
    with pytest.raises(InvalidInput, match=r"did you mean 'bandwidth_tbs'"):
        plan(load_builtin(), ["bandwith_tbs=2"])
