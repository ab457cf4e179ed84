"""The terminal shows numbers as the workbook does: rounded half away from zero on the shown value.

Oracles: Excel and LibreOffice display the last digit rounded half away from zero on the value
rounded to 15 significant digits (Microsoft, "Floating-point arithmetic may give inaccurate results
in Excel"; LibreOffice ``rtl::math`` "Corrected" rounding), checked here against LibreOffice itself:
its CSV export writes each cell as shown.  Hand calculations: 16,200 亿 tokens a day over the
report's 129,600 s basis = 0.125 亿 tokens/s exactly (binary-exact, so Python's half-to-even
``format`` shows 0.12, a spreadsheet 0.13); the Beyond sheet's default cache-hit rate is
0.5625 = 56.25 % (also binary-exact: Python 56.2 %, a spreadsheet 56.3 %).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from xlsizing import _display, recalc
from xlsizing.sheets import display, row

ROW = {k: row(k) for k in ("tokens_per_s_yi", "mfu", "activity_ratio", "flops")}

from test_cli import run

# mau_wan × activity_ratio = 1800 × 0.5 = 900 万 DAU = ref_dau_wan, so daily tokens = ref_tokens_yi
HALF = ('[[scenario]]\nname = "half"\nmau_wan = 1800\nactivity_ratio = 0.5\nref_dau_wan = 900\n'
        'ref_tokens_yi = 16200\npeak_multiplier = 4\n')


@pytest.mark.parametrize("value, decimals, shown", [
    (0.125, 2, "0.13"),    # binary-exact half: away from zero (Python's format gives 0.12)
    (-0.125, 2, "-0.13"),  # away from zero for negatives too
    (2.5, 0, "3"),         # Python: 2
    (0.375, 2, "0.38"),
    (1.005, 2, "1.01"),    # binary 1.00499999999999989…; 15 significant digits show 1.00500000000000
    (0.0, 2, "0.00"),
    (-0.0, 0, "0"),        # a spreadsheet has no negative zero
    (455.46, 2, "455.46"),
])
def test_fixed(value, decimals, shown):
    assert _display.fixed(value, decimals) == shown


@pytest.mark.parametrize("key, value, shown", [
    ("tokens_per_s_yi", 0.125, "0.13"),
    ("mfu", 0.5625, "56%"),
    ("activity_ratio", 0.5625, "56.3%"),  # format 0.0%
    ("activity_ratio", 0.15, "15.0%"),
    ("flops", 1.3374485596707818e20, "1.33745E+20"),  # Figure 11 prints 1.33745E+20
    ("flops", 1.000005e20, "1.00001E+20"),            # 15 digits: 1.00000500000000E+20 → away from zero
])
def test_display_rows(key, value, shown):
    assert display(ROW[key], value) == shown


def test_table_rounds_half_away_from_zero(tmp_path):
    (tmp_path / "h.toml").write_text(HALF, encoding="utf-8")
    p = run("table", "h.toml", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith("日均每秒token计算数量"))
    assert line.split()[-1] == "0.13"
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith("KV缓存命中率"))
    assert line.split()[-1] == "56.3%"


def test_table_csv_and_json_keep_full_precision(tmp_path):
    (tmp_path / "h.toml").write_text(HALF, encoding="utf-8")
    rows = list(csv.DictReader(run("table", "h.toml", "--format", "csv", cwd=tmp_path).stdout.splitlines()))
    assert rows[0]["tokens_per_s_yi"] == "0.125"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by scripts/test.sh")
def test_terminal_shows_what_libreoffice_shows(tmp_path, lo_profile):
    (tmp_path / "h.toml").write_text(HALF, encoding="utf-8")
    assert run("build", "h.toml", "-o", "h.xlsx", cwd=tmp_path).returncode == 0
    # CSV filter options: comma, quote, UTF-8 (76), from line 1, …, token 9 "save cell contents as shown"
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true"
    subprocess.run([recalc.soffice_path(), f"-env:UserInstallation={Path(lo_profile).resolve().as_uri()}",
                    "--headless", "--norestore", "--convert-to", target, "--outdir", str(tmp_path / "out"),
                    str(tmp_path / "h.xlsx")], capture_output=True, timeout=300, check=True)
    rows = list(csv.reader((tmp_path / "out" / "h.csv").read_text(encoding="utf-8").splitlines()))
    shown = {r[1]: r[3] for r in rows if len(r) > 3}
    table = run("table", "h.toml", cwd=tmp_path).stdout
    for en in ("Tokens per second (daily average)", "Compute demand", "H20 cards needed", "AI-server capex created"):
        assert next(ln for ln in table.splitlines() if f" {en} " in ln).split()[-1] == shown[en], en
    assert shown["Tokens per second (daily average)"] == "0.13"


def test_beyond_alone_shows_the_same_rounding(tmp_path):
    # `beyond` and `table --sheet beyond` render the Beyond sheet alone, which reads Figure 11's rows
    (tmp_path / "h.toml").write_text(HALF, encoding="utf-8")
    for args in (["beyond", "h.toml"], ["table", "h.toml", "--sheet", "beyond"]):
        p = run(*args, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        assert next(ln for ln in p.stdout.splitlines() if ln.startswith("KV缓存命中率")).split()[-1] == "56.3%"
