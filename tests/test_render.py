"""Text, CSV and JSON renderings of the sheets (xlsizing.render), read from the sheet definitions.

Oracles: the printed Figure 11 (Minsheng Securities, 2024-12-26; tests/figure11_printed.py) for
the displayed numbers, and the one evaluator (xlsizing.scenarios.values) for full precision.
"""

from __future__ import annotations

import csv
import io
import json

from figure11_printed import PRINTED
from xlsizing.render import records, render_csv, render_json, render_text
from xlsizing.scenarios import load_builtin, make_scenario, values
from xlsizing.sheets import BEYOND, FIGURE11, SHEETS

SCEN = load_builtin("figure11")


def test_text_shows_every_sheet_in_order_with_the_printed_numbers():
    text = render_text(SCEN)
    starts = [text.index(s.title_zh) for s in SHEETS]
    assert starts == sorted(starts)
    line = next(ln for ln in text.splitlines() if ln.startswith("豆包大模型创造AI服务器需求 (亿元)"))
    assert line.split()[-4:] == PRINTED["capex_yi"]


def test_one_sheet_and_the_report_rows_only():
    beyond_only = render_text(SCEN, [BEYOND])
    assert BEYOND.title_zh in beyond_only and FIGURE11.title_zh not in beyond_only
    report = records(SCEN, report_rows=True)[0]
    assert "servers_wan" not in report and "capex_yi" in report and "batch" not in report


def test_csv_and_json_carry_full_precision_for_every_sheet():
    v = values(SCEN)
    rows = list(csv.DictReader(io.StringIO(render_csv(SCEN))))
    assert len(rows) == 4 and float(rows[1]["capex_yi"]) == v["capex_yi"][1]
    assert float(rows[0]["fleet_cards_wan"]) == v["fleet_cards_wan"][0]
    recs = json.loads(render_json(SCEN))
    assert [r["name"] for r in recs] == [s.name for s in SCEN]
    assert recs[2]["cards_wan"] == v["cards_wan"][2]


def test_json_is_valid_json_when_a_result_is_not_finite():
    # a 1e300 MAU overflows the FLOPS row to inf: JSON has no Infinity, so the value is null
    big = [make_scenario("big", mau_wan=1e300, peak_multiplier=4)]
    text = render_json(big, [FIGURE11])
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text)[0]["flops"] is None
