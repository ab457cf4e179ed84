"""xlsizing.xlsx_worksheet: XlsxWriter's worksheet with numbers written without an exception.

Oracle: XlsxWriter's own ``Worksheet``.  The class must change the speed, never the bytes: every
part of a workbook the writer makes with it equals what it makes with stock XlsxWriter.
"""

from __future__ import annotations

import zipfile

import pytest
from xlsxwriter.worksheet import Worksheet

from xlsizing import workbook, xlsx_worksheet
from xlsizing.scenarios import load_builtin, make_scenario
from xlsizing.xlsx_worksheet import XlsizingWorksheet


def _parts(path):
    with zipfile.ZipFile(path) as z:  # docProps/core.xml holds the time written
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "constant-memory"])
def test_workbook_bytes_equal_stock_xlsxwriter(tmp_path, monkeypatch, streamed):
    # the report's scenarios (every sheet, both charts, the Notes sheet) and a name with the
    # characters XML escapes
    scen = load_builtin("figure11") + [make_scenario('含 "引号" & <尖括号>', mau_wan=7000, peak_multiplier=4)]
    if streamed:
        monkeypatch.setattr(workbook, "CONSTANT_MEMORY_FROM", 1)
    ours = _parts(workbook.write_workbook(scen, tmp_path / "ours.xlsx"))
    monkeypatch.setattr(xlsx_worksheet, "XlsizingWorksheet", Worksheet)
    stock = _parts(workbook.write_workbook(scen, tmp_path / "stock.xlsx"))
    assert sorted(ours) == sorted(stock) and len(stock) > 10
    for name in stock:
        assert ours[name] == stock[name], name
    assert any(b"&quot;" in v or b"&amp;" in v for v in stock.values())  # the escaping was exercised


def test_the_writer_uses_the_class(tmp_path, monkeypatch):
    made = []
    real = XlsizingWorksheet

    class Counting(real):
        def __init__(self):
            super().__init__()
            made.append(self)

    monkeypatch.setattr(xlsx_worksheet, "XlsizingWorksheet", Counting)
    workbook.write_workbook(load_builtin("figure11"), tmp_path / "w.xlsx")
    assert len(made) == 4  # Figure 11, Beyond, Economics, Notes


@pytest.mark.parametrize("value", [0, 7, 31.0, 1.5e300, "plain", 'a "quoted" <tag> & more\nline'])
def test_escape_equals_xlsxwriters(value):
    ours, stock = XlsizingWorksheet(), Worksheet()
    assert ours._escape_attributes(value) == stock._escape_attributes(value)
    assert type(ours._escape_attributes(value)) is type(stock._escape_attributes(value))
