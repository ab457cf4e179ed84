"""A scenario names its accelerator and precision: every figure the sheets need comes from the catalog.

Oracle: the catalog's own figures, each with its source in xlsizing/data/accelerators.toml (NVIDIA
H200 product page, SXM column, dense = sparse / 2: FP8 1,979 TFLOPS, 141 GB, 4.8 TB/s, 700 W,
NVLink 900 GB/s bidirectional = 450 each way; the report's H20 server: 84万元 for 8 cards), and
LibreOffice recalculating the written workbook.
"""

from __future__ import annotations

import pytest

from xlsizing.errors import ScenarioFileError
from xlsizing.scenarios import parse_scenarios, values
from xlsizing.verify import verify_workbooks
from xlsizing.workbook import write_workbook

H200_FP8 = """
[[scenario]]
name = "H200 FP8"
mau_wan = 10000
peak_multiplier = 4
accelerator = "H200"
precision = "fp8"
server_price_wan = 230      # the scenario's own server price wins over the catalog's (193.66万元)
"""


def test_the_catalog_fills_every_figure_and_the_scenarios_own_values_win():
    (s,) = parse_scenarios(H200_FP8, "h200.toml")
    assert s.values["card_tflops"] == 1979.0 and s.values["server_price_wan"] == 230.0
    assert s.values["cards_per_server"] == 8.0
    assert {k: s.extra[k] for k in ("bytes_per_weight", "kv_bytes", "memory_gb", "bandwidth_tbs", "tdp_w",
                                    "interconnect_gbs")} == {"bytes_per_weight": 1.0, "kv_bytes": 1.0,
                                                             "memory_gb": 141.0, "bandwidth_tbs": 4.8,
                                                             "tdp_w": 700.0, "interconnect_gbs": 450.0}
    v = values([s])
    assert v["peak_tflops"] == [1979.0]  # the Beyond sheet follows Figure 11's card peak
    (own,) = parse_scenarios(H200_FP8 + "memory_gb = 96\n", "h200.toml")
    assert own.extra["memory_gb"] == 96.0


def test_the_h20_default_is_the_reports_server():
    (s,) = parse_scenarios('[[scenario]]\nname = "a"\nmau_wan = 6000\npeak_multiplier = 4\naccelerator = "h20"\n',
                           "a.toml")
    # Minsheng Securities, 2024-12-26, Figure 11: 148 TFLOPS (BF16), 84万元 per 8-card server
    assert (s.values["card_tflops"], s.values["server_price_wan"], s.values["cards_per_server"]) == (148.0, 84.0, 8.0)
    assert f"{values([s])['capex_yi'][0]:.2f}" == "455.46"


@pytest.mark.parametrize("edit, message", [
    (('accelerator = "H200"\nprecision = "fp8"\nserver_price_wan = 230      # the scenario\'s own server price '
      'wins over the catalog\'s (193.66万元)', 'accelerator = "B300"\nprecision = "fp8"'),  # no public B300 price
     "h200.toml:6: scenario 1: accelerator = 'B300': B300 has no server price in 万元 in the catalog; give "
     "server_price_wan in this table, or add the figure to a catalog file"),
    (('accelerator = "H200"', 'accelerator = "H2O0"'),
     "h200.toml:6: scenario 1: accelerator = 'H2O0': unknown accelerator 'H2O0'; did you mean "),
    (('precision = "fp8"', 'precision = "fp3"'), "h200.toml:7: scenario 1: precision = 'fp3': "),
])
def test_a_missing_figure_or_bad_name_is_one_error(edit, message):
    with pytest.raises(ScenarioFileError) as e:
        parse_scenarios(H200_FP8.replace(*edit), "h200.toml")
    assert str(e.value).startswith(message)


def test_the_workbook_recalculates_to_the_engine(tmp_path):
    path = write_workbook(parse_scenarios(H200_FP8, "h200.toml"), tmp_path / "h200.xlsx")
    (report,) = verify_workbooks([path])
    assert report.ok, report.summary()
