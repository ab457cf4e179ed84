"""Your numbers, your name; grids and names.

Oracles: the issue's rules (a workbook of the analyst's own scenarios never carries the report's
title "图11：三种假设情形下，豆包带来的推理需求测算" nor its source line "…民生证券研究院测算";
the Notes sheet still credits the method to Minsheng Securities, 2024-12-26, Figure 11), and
hand-written names: a grid over 保守 (name_en "Conservative (2025-2026E)", builtin figure11.toml)
at mfu 0.3 is "保守 mfu=0.3" / "Conservative (2025-2026E) mfu=0.3".
"""

from __future__ import annotations

import openpyxl
import pytest

from xlsizing.batch import parse_grid
from xlsizing.errors import InvalidInput
from xlsizing.sheets.figure11 import SOURCE_LINE, TITLE_ZH

from test_cli import GOOD, assert_one_error, run

OWN = '[workbook]\ntitle = "某券商：我的推理算力测算"\ntitle_en = "My inference sizing"\nsource = "资料来源：我的团队测算"\n' + GOOD


def _cells(path, sheet=0):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)], wb


def test_report_title_only_for_the_report_scenarios(tmp_path):
    assert run("build", "-o", "r.xlsx", cwd=tmp_path).returncode == 0
    texts, wb = _cells(tmp_path / "r.xlsx")
    assert texts[0] == TITLE_ZH and SOURCE_LINE in texts
    assert wb.properties.subject == TITLE_ZH


def test_own_scenarios_without_workbook_table_get_a_neutral_heading(tmp_path):
    (tmp_path / "mine.toml").write_text(GOOD, "utf-8")
    assert run("build", "mine.toml", "-o", "m.xlsx", cwd=tmp_path).returncode == 0
    texts, wb = _cells(tmp_path / "m.xlsx")
    assert texts[:2] == ["AI推理算力需求测算（自定义情形）", "AI inference compute demand: your scenarios"]
    source = "资料来源：mine.toml，xlsizing 测算 / Source: scenarios from mine.toml; computed by xlsizing"
    assert source in texts
    assert not any("民生证券研究院测算" in t or t == TITLE_ZH for t in texts)
    notes, _ = _cells(tmp_path / "m.xlsx", "Notes")
    assert source in notes
    assert any(t.startswith("Method: Minsheng Securities, 2024-12-26") for t in notes)  # the method keeps its credit
    assert wb.properties.title == "AI inference compute demand: your scenarios"


def test_workbook_table_sets_title_and_source(tmp_path):
    (tmp_path / "own.toml").write_text(OWN, "utf-8")
    assert run("build", "own.toml", "-o", "o.xlsx", cwd=tmp_path).returncode == 0
    texts, _ = _cells(tmp_path / "o.xlsx")
    assert texts[:2] == ["某券商：我的推理算力测算", "My inference sizing"] and "资料来源：我的团队测算" in texts
    table = run("table", "own.toml", "--sheet", "figure11", cwd=tmp_path).stdout.splitlines()
    assert table[:2] == ["某券商：我的推理算力测算", "My inference sizing"] and table[-1] == "资料来源：我的团队测算"
    # a grid over the user's scenario keeps the user's heading
    assert run("build", "own.toml", "--grid", "mfu=0.3,0.4", "-o", "g.xlsx", cwd=tmp_path).returncode == 0
    assert _cells(tmp_path / "g.xlsx")[0][0] == "某券商：我的推理算力测算"


def test_a_grid_over_the_report_is_not_the_report(tmp_path):
    p = run("table", "--base", "保守", "--grid", "mfu=0.3", "--sheet", "figure11", cwd=tmp_path)
    lines = p.stdout.splitlines()
    assert lines[0] == "AI推理算力需求测算（自定义情形）"
    assert lines[-1] == ("资料来源：builtin:figure11 --grid，xlsizing 测算 / Source: scenarios from "
                         "builtin:figure11 --grid; computed by xlsizing")


@pytest.mark.parametrize("table, message", [
    ('[workbook]\ntitel = "x"\n', "s.toml:2: [workbook] unknown key 'titel' (did you mean 'title'?); "
                                  "allowed: title, title_en, source"),
    ('[workbook]\ntitle = 5\n', "s.toml:2: [workbook] title = 5: must be text (in quotes)"),
    ('workbook = "x"\n', "s.toml:1: workbook must be a table: [workbook] with title and source"),
])
def test_bad_workbook_table(tmp_path, table, message):
    (tmp_path / "s.toml").write_text(table + GOOD, "utf-8")
    assert_one_error(run("table", "s.toml", cwd=tmp_path), message)


# --- grids and names -------------------------------------------------------------------------


def test_a_range_without_a_step():
    with pytest.raises(InvalidInput, match=r"^--grid mfu: range '0.3:0.6' has no step; write START:STOP:STEP, "
                                           r"e.g. 0.3:0.6:0.1 \(STOP included; without a step only whole numbers"):
        parse_grid(["mfu=0.3:0.6"])
    assert parse_grid(["peak_multiplier=3:6"]) == [("peak_multiplier", [3.0, 4.0, 5.0, 6.0])]  # whole: step 1


def test_a_range_without_a_step_on_the_command_line(tmp_path):
    for cmd in (["table"], ["build", "-o", "x.xlsx"], ["batch", "--outdir", "o"]):
        assert_one_error(run(*cmd, "--grid", "mfu=0.3:0.6", cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_grid_headers_show_the_grid_values_in_both_languages(tmp_path):
    assert run("build", "--base", "保守", "--grid", "mfu=0.3,0.4", "-o", "g.xlsx", cwd=tmp_path).returncode == 0
    ws = openpyxl.load_workbook(tmp_path / "g.xlsx").worksheets[0]
    row = next(r for r in ws.iter_rows(values_only=True) if r[3] == "保守 mfu=0.3")
    nxt = next(r for r in ws.iter_rows(values_only=True, min_row=2) if r[3] and str(r[3]).startswith("Conservative"))
    assert row[3:5] == ("保守 mfu=0.3", "保守 mfu=0.4")
    assert nxt[3:5] == ("Conservative (2025-2026E) mfu=0.3", "Conservative (2025-2026E) mfu=0.4")


@pytest.mark.parametrize("args, message", [
    (["table", "a.toml", "b.toml"], "b.toml: scenario 'a' is also in a.toml; scenario names must be unique; rename one"),
    (["build", "a.toml", "b.toml", "-o", "x.xlsx"],
     "b.toml: scenario 'a' is also in a.toml; scenario names must be unique; rename one"),
    (["batch", "a.toml", "b.toml", "--outdir", "o"],
     "b.toml: scenario 'a' is also in a.toml; scenario names must be unique; rename one"),
    (["table", "--grid", "mfu=0.3,0.30"], "--grid mfu: 0.3 is given twice; list each value once"),
    (["table", "a.toml", "c.toml", "--grid", "mfu=0.3"],
     "c.toml: scenario 'a' is also in a.toml; scenario names must be unique; rename one"),
])
def test_duplicate_names_are_refused(tmp_path, args, message):
    (tmp_path / "a.toml").write_text(GOOD, "utf-8")
    (tmp_path / "b.toml").write_text(GOOD, "utf-8")
    (tmp_path / "c.toml").write_text(GOOD.replace("6000", "7000"), "utf-8")  # same name, other numbers
    before = sorted(p.name for p in tmp_path.iterdir())
    assert_one_error(run(*args, cwd=tmp_path), message)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_build_takes_grid_and_base(tmp_path):
    p = run("build", "--base", "中性", "--grid", "mfu=0.25,0.5", "--grid", "peak_multiplier=4:6", "-o", "b.xlsx",
            cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx").worksheets[0]
    names = [v for v in next(r for r in ws.iter_rows(values_only=True) if r[3] and str(r[3]).startswith("中性"))[3:] if v]
    assert names == [f"中性 mfu={m} peak_multiplier={k}" for m in ("0.25", "0.5") for k in (4, 5, 6)]
    assert_one_error(run("build", "--base", "nope", "-o", "c.xlsx", cwd=tmp_path))
