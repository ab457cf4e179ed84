"""Adding a sheet is one entry in the public sheet list: a toy third sheet shows up everywhere.

The toy sheet is defined here, in the test (two inputs, one computed row with a formula, one input
linked to Figure 11's ``params_yi``), with its own model function, and added only through
:data:`xlsizing.sheets.SHEETS` (``SHEETS.append``, removed again after each test).  No other module
is changed; the tests show it in a written workbook recalculated in LibreOffice, the Notes sheet,
``xlsizing table``, scenario-file keys and their rule messages, ``batch --grid`` and ``verify``.

Command-line runs in a subprocess go through a wrapper script written into pytest's tmp_path: it
loads this file, appends the toy sheet and calls :func:`xlsizing.cli.main` (``batch`` forks its
workers from that process, so they see the same list).

Oracle of every toy number: the hand calculation ``toy_score = toy_a × toy_b + toy_params_yi``
with ``toy_params_yi`` = Figure 11's ``params_yi`` (1300亿, the report's Figure 11) unless set;
for the workbook, LibreOffice's recalculation of the native formula.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

import xlsizing.sheets as sheetlist
from xlsizing._args import POSITIVE, checked
from xlsizing.batch import grid_keys, parse_grid
from xlsizing.cli import main
from xlsizing.errors import InvalidInput, ScenarioFileError
from xlsizing.recalc import recalculate
from xlsizing.refs import named_cell, read_named
from xlsizing.render import render_csv, render_text
from xlsizing.scenarios import allowed_keys, extra_keys, load_builtin, parse_scenarios, rule_for
from xlsizing.sheets import Row, Sheet
from xlsizing.verify import verify_workbooks
from xlsizing.workbook import write_workbook

# the product's own sheets, before the toy is added (whatever they are: the toy only needs to come last)
PRODUCT_KEYS = [s.key for s in sheetlist.SHEETS]
PRODUCT_TITLES = [s.title for s in sheetlist.SHEETS]
PARAMS_YI = 1300.0  # Minsheng Securities, 2024-12-26, Figure 11: 豆包(云雀)大模型参数量 1300亿


@checked(toy_a=POSITIVE, toy_b=POSITIVE, toy_params_yi=POSITIVE)
def toy_score(toy_a, toy_b, toy_params_yi):
    """A toy quantity: toy_a × toy_b + toy_params_yi (all unitless but the parameters, in 亿)."""
    return toy_a * toy_b + toy_params_yi


TOY = Sheet(
    key="toy",
    title="Toy",
    prefix="toy_",
    title_zh="玩具表",
    title_en="Toy sheet (a test)",
    source="Source: tests/test_sheets_toy.py",
    rows=(
        Row("toy_a", "玩具甲", "Toy input A", "x", "0.00", default=2.0, rule=POSITIVE, doc="A toy input."),
        Row("toy_b", "玩具乙", "Toy input B", "x", "0.00", default=3.0, rule=POSITIVE),
        Row("toy_params_yi", "玩具参数", "Toy parameters", "亿", "0", rule=POSITIVE, link="params_yi"),
        Row("toy_score", "玩具得分", "Toy score", "x", "0.00", fn=toy_score, native="{toy_a}*{toy_b}+{toy_params_yi}"),
    ),
)

N_BUILTIN = 4  # the report's four scenario columns (builtin figure11 set)


@pytest.fixture
def toy():
    """The toy sheet appended to the public list for one test, then removed."""
    assert TOY not in sheetlist.SHEETS
    sheetlist.SHEETS.append(TOY)
    try:
        yield TOY
    finally:
        sheetlist.SHEETS.remove(TOY)


WRAPPER = '''\
import importlib.util, sys
spec = importlib.util.spec_from_file_location("toy_sheet_test", {test_file!r})
toy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(toy)
import xlsizing.sheets
xlsizing.sheets.SHEETS.append(toy.TOY)
from xlsizing.cli import main
raise SystemExit(main(sys.argv[1:]))
'''


@pytest.fixture
def cli(tmp_path):
    """``cli(*args)`` runs ``xlsizing ARGS`` in a subprocess with the toy sheet appended; CompletedProcess."""
    script = tmp_path / "xlsizing_with_toy.py"
    script.write_text(WRAPPER.format(test_file=str(Path(__file__).resolve())), "utf-8")

    def run(*args):
        return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True,
                              cwd=tmp_path, timeout=600)

    return run


TOML = textwrap.dedent('''\
    [defaults]
    toy_b = 0.5

    [[scenario]]
    name = "linked"
    mau_wan = 6000
    peak_multiplier = 4
    toy_a = 4

    [[scenario]]
    name = "own params"
    mau_wan = 6000
    peak_multiplier = 4
    toy_params_yi = 100
''')
# hand calculation: linked: 4 × 0.5 + 1300 = 1302; own params: 2 (default) × 0.5 + 100 = 101
TOML_SCORES = [4 * 0.5 + PARAMS_YI, 2.0 * 0.5 + 100.0]


# --- the evaluator and the scenario keys ---------------------------------------------------------


def test_the_list_is_read_when_used(toy):
    assert [s.key for s in sheetlist.SHEETS] == [*PRODUCT_KEYS, "toy"]
    assert sheetlist.get("Toy") is TOY
    v = sheetlist.evaluate_column({"mau_wan": 6000, "peak_multiplier": 4})
    assert v["toy_params_yi"] == PARAMS_YI and v["toy_score"] == 2.0 * 3.0 + PARAMS_YI
    v = sheetlist.evaluate_column({"mau_wan": 6000, "peak_multiplier": 4, "params_yi": 6710})
    assert v["toy_score"] == 2.0 * 3.0 + 6710.0  # follows Figure 11's params_yi


def test_scenario_keys_and_rules(toy):
    assert {"toy_a", "toy_b", "toy_params_yi"} <= set(allowed_keys())
    assert {"toy_a", "toy_b", "toy_params_yi"} <= set(extra_keys()) and "toy_score" not in allowed_keys()
    assert rule_for("toy_a").allowed == "> 0"
    assert {"toy_a", "toy_b", "toy_params_yi"} <= set(grid_keys())
    scen = parse_scenarios(TOML, "toy.toml")
    assert [s.extra for s in scen] == [{"toy_b": 0.5, "toy_a": 4.0}, {"toy_b": 0.5, "toy_params_yi": 100.0}]


def test_keys_leave_with_the_sheet():
    assert "toy_a" not in allowed_keys() and "toy_a" not in grid_keys()
    with pytest.raises(ScenarioFileError, match=r"toy.toml:2: \[defaults\] unknown key 'toy_b'; allowed: "):
        parse_scenarios(TOML, "toy.toml")


@pytest.mark.parametrize("body, message", [
    # messages fixed by xlsizing.scenarios (_check_number, _check_table); line = the key's line
    ("toy_a = -1", "toy.toml:5: scenario 1: toy_a = -1: must be > 0"),
    ("toy_b = 0", "toy.toml:5: scenario 1: toy_b = 0: must be > 0"),
    ('toy_a = "2"', "toy.toml:5: scenario 1: toy_a = '2': must be a number (without quotes)"),
    ("toy_aa = 1", "toy.toml:5: scenario 1: unknown key 'toy_aa' (did you mean 'toy_a'?)"),
    ("toy_params = 1", "toy.toml:5: scenario 1: unknown key 'toy_params' (did you mean 'toy_params_yi'?)"),
])
def test_scenario_file_messages(toy, body, message):
    text = f'[[scenario]]\nname = "a"\nmau_wan = 6000\npeak_multiplier = 4\n{body}\n'
    with pytest.raises(ScenarioFileError) as e:
        parse_scenarios(text, "toy.toml")
    if "unknown key" in message:  # a "did you mean" never replaces the list of what is allowed
        message += "; allowed: " + ", ".join(allowed_keys())
    assert str(e.value) == message


@pytest.mark.parametrize("spec, message", [
    ("toy_a=0", "--grid toy_a = 0: must be > 0"),
    ("toy_aa=1", "--grid: unknown key 'toy_aa' (did you mean 'toy_a'?)"),
])
def test_grid_messages(toy, spec, message):
    with pytest.raises(InvalidInput) as e:
        parse_grid([spec])
    if "unknown key" in message:
        message += "; allowed: " + ", ".join(grid_keys())
    assert str(e.value) == message


# --- terminal ------------------------------------------------------------------------------------


def test_table_text_and_csv(toy, capsys):
    assert main(["table"]) == 0
    text = capsys.readouterr().out
    assert "玩具表" in text and "Toy sheet (a test)" in text and "Source: tests/test_sheets_toy.py" in text
    score = next(line for line in text.splitlines() if line.startswith("玩具得分"))
    # hand calculation: 2 × 3 + 1300 = 1306 in each of the four columns, printed with the row's 0.00
    assert score.split()[-N_BUILTIN:] == ["1306.00"] * N_BUILTIN
    assert main(["table", "--sheet", "toy", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "name,name_en,toy_a,toy_b,toy_params_yi,toy_score"
    assert lines[1].endswith(",2.0,3.0,1300.0,1306.0")
    assert render_text(load_builtin(), [TOY]).startswith("玩具表\nToy sheet (a test)\n")
    assert render_csv(load_builtin()[:1]).splitlines()[0].endswith(",toy_a,toy_b,toy_params_yi,toy_score")


def test_table_in_a_subprocess(cli, tmp_path):
    (tmp_path / "toy.toml").write_text(TOML, "utf-8")
    r = cli("table", "toy.toml", "--sheet", "toy", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["name,name_en,toy_a,toy_b,toy_params_yi,toy_score",
                                     f"linked,,4.0,0.5,1300.0,{TOML_SCORES[0]!r}",
                                     f"own params,,2.0,0.5,100.0,{TOML_SCORES[1]!r}"]
    bad = tmp_path / "bad.toml"
    bad.write_text(TOML.replace("toy_a = 4", "toy_a = -4"), "utf-8")
    r = cli("table", bad)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"Error: {bad}:8: scenario 1: toy_a = -4: must be > 0\n"


# --- the workbook, recalculated in LibreOffice ---------------------------------------------------


def test_workbook_recalculated_in_libreoffice(toy, tmp_path):
    path = write_workbook(parse_scenarios(TOML, "toy.toml"), tmp_path / "toy.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [*PRODUCT_TITLES, "Toy", "Notes"]
    # the linked input follows Figure 11's cell as a green formula; set by the scenario, a blue number
    f11, ref = named_cell(wb, "params_yi_1")
    ws, linked = named_cell(wb, "toy_toy_params_yi_1")
    assert ws[linked].value == f"='Figure 11'!{ref.replace('$', '')}"
    assert ws[linked].font.color.rgb == "FF008000"
    ws, own = named_cell(wb, "toy_toy_params_yi_2")
    assert (ws[own].value, ws[own].font.color.rgb) == (100, "FF0000FF")
    ws, score = named_cell(wb, "toy_toy_score_1")
    assert ws[score].value.startswith("=") and "Figure 11" not in ws[score].value

    # oracle: LibreOffice recalculates the native formulas; the cached values came from Python
    (out,) = recalculate([path], tmp_path / "recalc")
    calc = openpyxl.load_workbook(out, data_only=True)
    assert [read_named(calc, f"toy_toy_score_{j}") for j in (1, 2)] == TOML_SCORES
    assert read_named(calc, "toy_toy_params_yi_1") == PARAMS_YI

    (report,) = verify_workbooks([path])
    assert report.ok, report.summary()
    assert report.sheets == [*PRODUCT_TITLES, "Toy"]
    # every computed cell of the three sheets is checked: the toy adds its one computed row per column
    # every computed cell, and every linked cell that follows its row (verify checks the link)
    from xlsizing.scenarios import scenario_values

    scen = parse_scenarios(TOML, "toy.toml")
    links = sum(1 for sc in scen for s in sheetlist.SHEETS for r in s.inputs
                if r.is_linked and r.key not in scenario_values(sc))
    assert report.checked == 2 * sum(len(s.computed) for s in sheetlist.SHEETS) + links
    assert len(TOY.computed) == 1


def test_notes_sheet_lists_the_toy(toy, tmp_path):
    path = write_workbook(load_builtin(), tmp_path / "toy.xlsx")
    ws = openpyxl.load_workbook(path)["Notes"]
    lines = [[c.value for c in row if c.value is not None] for row in ws.iter_rows()]
    assert ["公式 / Chain: Toy"] in lines
    assert ["玩具得分", "Toy score", "x", "toy_score = toy_a*toy_b+toy_params_yi"] in lines
    assert ["toy_a", "玩具甲 / Toy input A", "x", "default 2; A toy input."] in lines
    assert ["toy_b", "玩具乙 / Toy input B", "x", "default 3"] in lines
    assert ["toy_params_yi", "玩具参数 / Toy parameters", "亿",
            "follows Figure 11 params_yi (Model parameters) unless set"] in lines
    assert any(line and str(line[0]).startswith("假设 / Assumptions: Toy") and "toy_<key>_<column>" in line[0]
               for line in lines)


# --- batch --grid and verify, through the command line --------------------------------------------


def test_batch_grid_and_verify(cli, tmp_path):
    r = cli("batch", "--base", "保守", "--grid", "toy_a=1,2", "--outdir", "sweep", "-j", "2")
    assert r.returncode == 0, r.stderr
    files = sorted((tmp_path / "sweep").glob("*.xlsx"))
    assert [f.name for f in files] == ["0001-保守_toy_a=1.xlsx", "0002-保守_toy_a=2.xlsx"]
    got = []
    for f in files:
        wb = openpyxl.load_workbook(f, data_only=True)  # the cached values XlsxWriter stored
        got.append((read_named(wb, "toy_toy_a_1"), read_named(wb, "toy_toy_score_1"), read_named(wb, "scenario_name_1")))
    # hand calculation: toy_a × 3 (default toy_b) + 1300 (Figure 11 params_yi)
    assert got == [(1, 1 * 3.0 + PARAMS_YI, "保守 toy_a=1"), (2, 2 * 3.0 + PARAMS_YI, "保守 toy_a=2")]

    r = cli("verify", *files)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and all(f" computed cells on {', '.join([*PRODUCT_TITLES, 'Toy'])} agree" in line for line in lines)

    r = cli("batch", "--grid", "toy_aa=1", "--outdir", "never")
    assert r.returncode == 2 and r.stderr.startswith("Error: --grid: unknown key 'toy_aa' (did you mean 'toy_a'?); allowed: ")
    assert "toy_a" in r.stderr.split("allowed: ")[1].split(", ") and len(r.stderr.splitlines()) == 1
    r = cli("batch", "--grid", "toy_a=0", "--outdir", "never")
    assert (r.returncode, r.stderr) == (2, "Error: --grid toy_a = 0: must be > 0\n")
    assert not (tmp_path / "never").exists()
