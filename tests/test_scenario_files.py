"""Scenario files (TOML and CSV), grids over them, and the shipped scenario templates.

Oracles: the printed Figure 11 (Minsheng Securities, 2024-12-26; shared reference figure11.md)
for the values a file must produce; the file text itself (line numbers counted by hand) for
where an error points; every error message is asserted exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xlsizing.batch import expand_grid, grid_keys, file_stem, output_paths, parse_grid, plan
from xlsizing.errors import InvalidInput, ScenarioFileError
from fig11 import INPUTS, ROW, display, evaluate
from xlsizing.loading import load_any
from xlsizing.scenarios import (
    ALIASES,
    allowed_keys,
    derive,
    load_builtin,
    load_file,
    parse_csv,
    parse_scenarios,
    to_inputs,
)

REPO = Path(__file__).resolve().parent.parent
GOOD = '[[scenario]]\nname = "a"\nmau_wan = 6000\npeak_multiplier = 4\n'


# --- the shipped files -----------------------------------------------------------------------


def test_templates_figure11_equals_packaged_copy():
    assert (REPO / "templates" / "figure11.toml").read_text("utf-8") == \
        (REPO / "xlsizing" / "data" / "figure11.toml").read_text("utf-8")


def test_templates_starter_equals_packaged_copy():
    # the installed command (`xlsizing init`) ships the same starter file as templates/
    assert (REPO / "templates" / "scenarios-starter.toml").read_text("utf-8") == \
        (REPO / "xlsizing" / "data" / "scenarios-starter.toml").read_text("utf-8")


def test_templates_figure11_reproduces_printed_capex():
    # printed report, 豆包大模型创造AI服务器需求 (亿元)
    v = evaluate(to_inputs(load_file(REPO / "templates" / "figure11.toml")))
    assert [display(ROW["capex_yi"], x) for x in v["capex_yi"]] == ["455.46", "759.09", "1138.64", "1897.73"]


def test_starter_file_parses_and_documents_every_key():
    path = REPO / "templates" / "scenarios-starter.toml"
    text = path.read_text("utf-8")
    scenarios = load_file(path)
    assert [s.name for s in scenarios] == ["基准", "高活跃", "自报token量"]
    for r in INPUTS:
        line = next((ln for ln in text.splitlines() if re.match(rf"^{r.key}\s*=", ln)), None)
        assert line is not None, f"{r.key} is not in the starter file"
        comment = line.split("#", 1)[1]
        assert r.zh in comment, f"{r.key}: label {r.zh} missing"
        if r.unit and r.unit != "张":
            assert r.unit in comment, f"{r.key}: unit {r.unit} missing"
        assert r.rule.allowed in comment, f"{r.key}: allowed range {r.rule.allowed} missing"
    for alias in ALIASES:
        assert re.search(rf"^{alias}\s*=", text, re.M), alias


def test_starter_scenarios_values():
    # hand calculation: 高活跃 gives DAU 3000万 at the default 15% → MAU 20000万; its MFU is its own
    base, high, own = load_file(REPO / "templates" / "scenarios-starter.toml")
    assert high.values["mau_wan"] == pytest.approx(20000) and high.values["mfu"] == 0.3
    assert base.values["mfu"] == 0.5
    # 自报token量: its own day replaces the [defaults] reference day (DAU 10000 × 15% = 1500)
    assert own.values["ref_tokens_yi"] == 80000 and own.values["ref_dau_wan"] == pytest.approx(1500)


# --- errors: file, line, key, value, what is allowed -----------------------------------------

BAD_TOML = [
    # (content, exact message after "f.toml")
    ('[[scenario]]\nname = "a"\nmau_wan = \n', ":3: not valid TOML: Invalid value (column 11)"),
    ('[[scenario]]\nname = "a"\nmau_wan = 6000\nmfuu = 0.3\npeak_multiplier = 4\n',
     ":4: scenario 1: unknown key 'mfuu' (did you mean 'mfu'?); allowed: " + ", ".join(allowed_keys())),
    ('[[scenario]]\nname = "a"\nmau_wan = "6000"\npeak_multiplier = 4\n',
     ":3: scenario 1: mau_wan = '6000': must be a number (without quotes)"),
    ('[[scenario]]\nname = "a"\nmau_wan = -6000\npeak_multiplier = 4\n',
     ":3: scenario 1: mau_wan = -6000: must be > 0"),
    ('[[scenario]]\nname = "a"\npeak_multiplier = 4\n',
     ":2: scenario 1: mau_wan is required (Monthly active users, 万人) — or give dau_wan"),
    ('[[scenario]]\nname = "a"\nmau_wan = 6000\n',
     ":2: scenario 1: peak_multiplier is required (Peak multiplier, ×)"),
    (GOOD + "mfu = 1.5\n", ":5: scenario 1: mfu = 1.5: must be in (0, 1]"),
    (GOOD + "mfu = nan\n", ":5: scenario 1: mfu = nan: must be a finite number"),
    (GOOD + "params_yi = inf\n", ":5: scenario 1: params_yi = inf: must be a finite number"),
    (GOOD + "params_yi = " + "9" * 400 + "\n",
     ":5: scenario 1: params_yi = 99999999999999999999...: too large; must be a finite number"),
    (GOOD + "params_yi = " + "9" * 5000 + "\n",
     ":5: not valid TOML: a number with thousands of digits; must be a finite number"),
    (GOOD + "mfu = true\n", ":5: scenario 1: mfu = True: must be a number"),
    (GOOD + "mfu = [0.5]\n", ":5: scenario 1: mfu = a list: must be a number"),
    (GOOD + "mfu = 2024-01-01\n", ":5: scenario 1: mfu = 2024-01-01 (date): must be a number"),
    (GOOD + "cards_per_server = 0.5\n", ":5: scenario 1: cards_per_server = 0.5: must be >= 1"),
    (GOOD + "name_en = 3\n", ":5: scenario 1: name_en = 3: must be text (in quotes)"),
    (GOOD + GOOD, ":6: scenario 2: name 'a' is already used by scenario 1; names must be unique"),
    ("mau_wan = 6000\n" + GOOD, ":1: unknown top-level key 'mau_wan' (put it under [defaults] or a [[scenario]])"),
    ("[senario]\nmau_wan = 1\n" + GOOD, ":1: unknown top-level key 'senario' (did you mean 'scenario'?); "
                                      "allowed: [workbook], [defaults], [[scenario]]"),
    ('[scenario]\nname = "a"\n', ": scenario must be an array of tables: write each as [[scenario]]"),
    ("[defaults]\nmfu = 0.5\n", ": no scenarios: add at least one [[scenario]] table with name and mau_wan"),
    ('[defaults]\nname = "x"\n' + GOOD, ":2: [defaults] name belongs in each [[scenario]], not in [defaults]"),
    ("[defaults]\nmfu = 0\n" + GOOD, ":2: [defaults] mfu = 0: must be in (0, 1]"),
    (GOOD + "dau_wan = 900\nactivity_ratio = 0.15\n",
     ":5: scenario 1: give two of mau_wan, dau_wan, activity_ratio, not all three"),
    (GOOD + "dau_wan = 9000\n", ":5: scenario 1: dau_wan = 9000: must not exceed mau_wan (6000)"),
    (GOOD + "daily_tokens_yi = 1\nref_tokens_yi = 2\n",
     ":5: scenario 1: give daily_tokens_yi or ref_tokens_yi, not both"),
    (GOOD + "mau_wan2 = 1\n", ":5: scenario 1: unknown key 'mau_wan2' (did you mean 'mau_wan'?); allowed: " + ", ".join(allowed_keys())),
    (GOOD + "mfu = " + "[" * 5000 + "]" * 5000, ": not valid TOML: arrays or tables nested too deeply"),
]


@pytest.mark.parametrize("text, message", BAD_TOML)
def test_bad_toml_exact_message(text, message):
    with pytest.raises(ScenarioFileError) as e:
        parse_scenarios(text, "f.toml")
    assert str(e.value) == "f.toml" + message
    assert isinstance(e.value, ValueError)


def test_unknown_key_without_close_match_lists_allowed():
    with pytest.raises(ScenarioFileError) as e:
        parse_scenarios(GOOD + "zzz = 1\n", "f.toml")
    assert str(e.value) == "f.toml:5: scenario 1: unknown key 'zzz'; allowed: " + ", ".join(allowed_keys())


@pytest.mark.parametrize("content, message", [
    (b"", ": empty file; expected TOML with at least one [[scenario]] table"),
    (b"  \n\t\n", ": empty file; expected TOML with at least one [[scenario]] table"),
    (b"\x00\x01binary\xff", ": not a text file (binary data); expected TOML with at least one [[scenario]] table"),
    (b"\xff\xfe[[scenario]]", ": not UTF-8 text (byte 0); save the file as UTF-8"),
])
def test_bad_file_bytes(tmp_path, content, message):
    p = tmp_path / "s.toml"
    p.write_bytes(content)
    with pytest.raises(ScenarioFileError) as e:
        load_file(p)
    assert str(e.value) == f"{p}{message}"


def test_folder_missing_and_device(tmp_path):
    for path, message in [(tmp_path, "is a folder, not a scenario file"),
                          (tmp_path / "nope.toml", "cannot read: No such file or directory"),
                          (Path("/dev/zero"), "not a regular file; expected a scenario file "
                                              "(TOML with at least one [[scenario]] table)")]:
        with pytest.raises(ScenarioFileError) as e:
            load_file(path)
        assert str(e.value) == f"{path}: {message}"


def test_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "s.toml"
    p.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert [s.name for s in load_file(p)] == ["a"]


# --- overrides and aliases (hand calculations) ------------------------------------------------


@pytest.mark.parametrize("text, key, expected", [
    # dau_wan in a scenario replaces a default mau_wan: 900 / 0.15 = 6000
    ('[defaults]\nmau_wan = 1\n[[scenario]]\nname = "a"\ndau_wan = 900\npeak_multiplier = 4\n', "mau_wan", 6000),
    # mau and dau both given fix the ratio: 1500 / 10000 = 0.15, the default ratio is dropped
    ('[defaults]\nactivity_ratio = 0.5\n[[scenario]]\nname = "a"\nmau_wan = 10000\ndau_wan = 1500\n'
     'peak_multiplier = 4\n', "activity_ratio", 0.15),
    # daily_tokens_yi: the scenario's own day (reference DAU = 6000 × 0.15 = 900)
    ('[defaults]\nref_tokens_yi = 1\n[[scenario]]\nname = "a"\nmau_wan = 6000\ndaily_tokens_yi = 40000\n'
     'peak_multiplier = 4\n', "ref_dau_wan", 900),
    # a scenario key overrides the same default
    ('[defaults]\nmfu = 0.3\n[[scenario]]\nname = "a"\nmau_wan = 6000\npeak_multiplier = 4\nmfu = 0.4\n', "mfu", 0.4),
])
def test_overrides(text, key, expected):
    (s,) = parse_scenarios(text, "f.toml")
    assert s.values[key] == pytest.approx(expected, rel=1e-15)


# --- CSV ---------------------------------------------------------------------------------------

FIG11_CSV = ("name,name_en,mau_wan,peak_multiplier\n2024年末,End-2024,6000,4\n保守,Conservative,10000,4\n"
             "中性,Neutral,15000,4\n乐观,Optimistic,20000,5\n")


def test_csv_figure11_equals_toml():
    # the report's four columns written as CSV give the same inputs as the built-in TOML
    from_csv = parse_csv(FIG11_CSV, "f.csv")
    builtin = load_builtin("figure11")
    assert [s.values for s in from_csv] == [s.values for s in builtin]
    assert [s.name for s in from_csv] == [s.name for s in builtin]


@pytest.mark.parametrize("text, message", [
    ("name,mau_wan,peak_multiplier,mfu\na,6000,4,0.3\nb,6000,4,1.5\n", ":3: scenario 2: mfu = 1.5: must be in (0, 1]"),
    ("name,mau_wan,peak_multipler\na,6000,4\n",
     ":1: column 3: unknown key 'peak_multipler' (did you mean 'peak_multiplier'?); allowed: " + ", ".join(allowed_keys())),
    ("name,mau_wan,peek\na,6000,4\n", ":1: column 3: unknown key 'peek'; allowed: " + ", ".join(allowed_keys())),
    ("name,mau_wan,peak_multiplier\na,6000x,4\n", ":2: scenario 1: mau_wan = '6000x': must be a number"),
    ("name,mau_wan,mau_wan\na,1,2\n", ":1: column 3: key 'mau_wan' appears twice in the header"),
    ("name,mau_wan,peak_multiplier\n", ":1: no scenarios: add one row per scenario under the header"),
    ("name,mau_wan,peak_multiplier\na,6000,4,9\n", ":2: scenario 1: 4 cells but the header has 3"),
    ("name,mau_wan,peak_multiplier\n\na,,4\n", ":3: scenario 1: mau_wan is required (Monthly active users, 万人) "
                                               "— or give dau_wan"),
    (",,\n", ":1: no header: the first line must name the scenario keys, e.g. name,mau_wan,peak_multiplier"),
])
def test_bad_csv_exact_message(text, message):
    with pytest.raises(ScenarioFileError) as e:
        parse_csv(text, "f.csv")
    assert str(e.value) == "f.csv" + message


def test_load_any_by_extension(tmp_path):
    (tmp_path / "s.csv").write_text(FIG11_CSV, "utf-8")
    (tmp_path / "s.toml").write_text(GOOD, "utf-8")
    assert len(load_any(tmp_path / "s.csv")) == 4 and len(load_any(tmp_path / "s.toml")) == 1


# --- grids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("specs, expected", [
    (["mfu=0.3,0.4,0.5"], [("mfu", [0.3, 0.4, 0.5])]),
    (["peak_multiplier=3:6:1"], [("peak_multiplier", [3.0, 4.0, 5.0, 6.0])]),  # STOP included
    (["peak_multiplier=3:6"], [("peak_multiplier", [3.0, 4.0, 5.0, 6.0])]),  # step 1 by default
    (["mfu=0.1:0.3:0.1"], [("mfu", [0.1, 0.2, 0.3])]),  # no 0.30000000000000004
    (["mfu=0.1:0.25:0.1"], [("mfu", [0.1, 0.2])]),  # STOP not on a step: left out
    (["mfu=0.2,0.5:0.6:0.1"], [("mfu", [0.2, 0.5, 0.6])]),
    ([" dau_wan = 900 "], [("dau_wan", [900.0])]),
])
def test_parse_grid(specs, expected):
    assert parse_grid(specs) == expected


@pytest.mark.parametrize("specs, message", [
    (["mfu"], "--grid 'mfu': write KEY=VALUES, e.g. mfu=0.3,0.4,0.5 or peak_multiplier=3:6:1"),
    (["mfuu=0.3"], "--grid: unknown key 'mfuu' (did you mean 'mfu'?); allowed: " + ", ".join(grid_keys())),
    (["mfu=0.3,x"], "--grid mfu: 'x' is not a number"),
    (["mfu=0.3,1.5"], "--grid mfu = 1.5: must be in (0, 1]"),
    (["mfu=nan"], "--grid mfu: 'nan' must be a finite number"),
    (["peak_multiplier=3:6:0"], "--grid peak_multiplier: step must be > 0, got 0 in '3:6:0'"),
    (["peak_multiplier=6:3:1"], "--grid peak_multiplier: range '6:3:1' ends before it starts"),
    (["peak_multiplier=1:2:3:4"], "--grid peak_multiplier: '1:2:3:4' is not a range; write START:STOP:STEP, e.g. 3:6:1"),
    (["peak_multiplier=1:1e9:1"], "--grid peak_multiplier: range '1:1e9:1' has 1000000000 values (limit 100000)"),
    (["peak_multiplier=1:1e308:1e-308"],
     "--grid peak_multiplier: range '1:1e308:1e-308' has too many values (limit 100000)"),
    (["mfu=0.3", "mfu=0.4"], "--grid: key 'mfu' given twice; list all its values in one --grid"),
    (["mfu=0.01:1:0.01", "peak_multiplier=1:2000"], "--grid: 200000 combinations (limit 100000)"),
])
def test_parse_grid_errors(specs, message):
    with pytest.raises(InvalidInput) as e:
        parse_grid(specs)
    assert str(e.value) == message


def test_expand_grid_names_and_values():
    bases = load_builtin()
    out = plan(bases, ["mfu=0.25,0.5", "peak_multiplier=4:5"], ["保守"])
    assert [s.name for s in out] == ["保守 mfu=0.25 peak_multiplier=4", "保守 mfu=0.25 peak_multiplier=5",
                                     "保守 mfu=0.5 peak_multiplier=4", "保守 mfu=0.5 peak_multiplier=5"]
    v = evaluate(to_inputs(out))
    # printed report: 保守 at MFU 50%, peak 4 → 759.09亿元; hand calculation: MFU 25% doubles it
    assert display(ROW["capex_yi"], v["capex_yi"][2]) == "759.09"
    assert v["capex_yi"][0] == pytest.approx(2 * v["capex_yi"][2], rel=1e-14)
    assert len(expand_grid(bases, parse_grid(["mfu=0.3,0.4"]))) == 8  # every base × the grid


def test_plan_unknown_base():
    with pytest.raises(InvalidInput) as e:
        plan(load_builtin(), [], ["保 守"])
    assert str(e.value) == "--base '保 守': no such scenario (did you mean '保守'?); scenarios: 2024年末, 保守, 中性, 乐观"


def test_derive_alias():
    # hand calculation: DAU 3000万 at 15% → MAU 20000万 (the report's 乐观 column)
    s = derive(load_builtin()[0], "x", dau_wan=3000)
    assert s.values["mau_wan"] == pytest.approx(20000)


@pytest.mark.parametrize("name, stem", [
    ("2024年末 mfu=0.3", "2024年末_mfu=0.3"),
    ("../../etc/passwd", "etc_passwd"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),
    ("...", "scenario"),
    ("x\ny\tz", "x_y_z"),
    ("长" * 200, "长" * 80),
])
def test_file_stem_is_safe(name, stem):
    assert file_stem(name) == stem


def test_output_paths_numbered_and_unique(tmp_path):
    paths = output_paths(parse_csv("name,mau_wan,peak_multiplier\na/b,1,1\na_b,1,1\n"), tmp_path)
    assert [p.name for p in paths] == ["0001-a_b.xlsx", "0002-a_b.xlsx"]
    assert all(p.parent == tmp_path for p in paths)
