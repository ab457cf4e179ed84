"""Messages: the exit code and line a user acts on.

Oracle: the CLI contract (docs/cli.md): bad input is one ``Error:`` line and exit 2, a verification
mismatch exit 1; "allowed:" always lists what is allowed, a "did you mean" or not; a TOML error
names the line of the table it is about.  Line numbers are counted by hand in each file below.
"""

from __future__ import annotations

import openpyxl
import pytest

from xlsizing.batch import grid_keys
from xlsizing.scenarios import allowed_keys

from test_cli import GOOD, assert_one_error, run

KEYS = ", ".join(allowed_keys())


def test_verify_a_workbook_xlsizing_did_not_write(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["A2"] = 1, "=A1*2"
    wb.save(tmp_path / "other.xlsx")
    p = run("verify", "other.xlsx", cwd=tmp_path)
    assert_one_error(p, "other.xlsx: not an xlsizing workbook (no defined names such as mau_wan_1); verify checks "
                        "workbooks written by xlsizing build, batch or fill")
    assert p.stdout == ""


@pytest.mark.parametrize("text, message", [
    ('[[scenario]]\nname = "a"\nmfuu = 1\n', f"s.toml:3: scenario 1: unknown key 'mfuu' (did you mean 'mfu'?); allowed: {KEYS}"),
    ('[[scenario]]\nname = "a"\nzzzzzz = 1\n', f"s.toml:3: scenario 1: unknown key 'zzzzzz'; allowed: {KEYS}"),
    ('defualts = 1\n' + GOOD, "s.toml:1: unknown top-level key 'defualts' (did you mean 'defaults'?); "
                              "allowed: [workbook], [defaults], [[scenario]]"),
    ('[workbook]\ntitel = "x"\n' + GOOD, "s.toml:2: [workbook] unknown key 'titel' (did you mean 'title'?); "
                                         "allowed: title, title_en, source"),
])
def test_allowed_always_says_what_is_allowed(tmp_path, text, message):
    (tmp_path / "s.toml").write_text(text, "utf-8")
    assert_one_error(run("table", "s.toml", cwd=tmp_path), message)


def test_allowed_for_csv_and_grid(tmp_path):
    (tmp_path / "s.csv").write_text("name,mfuu\na,1\n", "utf-8")
    assert_one_error(run("table", "s.csv", cwd=tmp_path),
                     f"s.csv:1: column 2: unknown key 'mfuu' (did you mean 'mfu'?); allowed: {KEYS}")
    assert_one_error(run("table", "--grid", "mfux=1", cwd=tmp_path),
                     "--grid: unknown key 'mfux' (did you mean 'mfu'?); allowed: " + ", ".join(grid_keys()))


SCEN = '[[scenario]]\nname = "a"\nmau_wan = 1\npeak_multiplier = 4\n'


@pytest.mark.parametrize("text, message", [
    (SCEN + "\n[scenario.sub]\nx = 1\n", f"s.toml:6: scenario 1: unknown key 'sub'; allowed: {KEYS}"),
    (SCEN + "\n[[scenario.sub]]\nx = 1\n", f"s.toml:6: scenario 1: unknown key 'sub'; allowed: {KEYS}"),
    ("[defaults]\nmfu = 0.5\n[defaults.gpu]\nx = 1\n" + SCEN,
     f"s.toml:3: [defaults] unknown key 'gpu' (did you mean 'pue'?); allowed: {KEYS}"),
    (SCEN + SCEN.replace('"a"', '"b"') + "[scenario.mfu]\nx = 1\n", "s.toml:9: scenario 2: mfu = a table: must be a number"),
    ('[workbook]\ntitle = "x"\n[workbook.sub]\na = 1\n' + SCEN,
     "s.toml:3: [workbook] unknown key 'sub'; allowed: title, title_en, source"),
])
def test_a_nested_table_has_its_own_line(tmp_path, text, message):
    (tmp_path / "s.toml").write_text(text, "utf-8")
    assert_one_error(run("table", "s.toml", cwd=tmp_path), message)


def test_fill_column_count_speaks_of_commands(tmp_path):
    (tmp_path / "one.toml").write_text(GOOD, "utf-8")
    assert run("build", "-o", "tpl.xlsx", cwd=tmp_path).returncode == 0
    assert_one_error(run("fill", "tpl.xlsx", "one.toml", "-o", "f.xlsx", cwd=tmp_path),
                     "tpl.xlsx: sheet 'Figure 11' has 4 scenario columns, got 1 scenarios; give as many scenarios as "
                     "columns, or write a new workbook for any number of scenarios: "
                     "xlsizing build SCENARIOS.toml -o NEW.xlsx")
