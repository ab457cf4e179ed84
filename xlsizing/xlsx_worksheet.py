"""The worksheet class xlsizing's XlsxWriter workbooks use: XlsxWriter's own, one attribute path faster.

XlsxWriter escapes every XML attribute through ``re.search``, which raises ``TypeError`` for an int
or a float (a cell's style index, a row's number and height) and hands the value back from
its ``except``: about 900 exceptions raised and caught per one-scenario workbook, 3-4% of its cost
in a batch (bench/bench_batch.py).  :class:`XlsizingWorksheet` returns a number unchanged without
the search; every string still goes through XlsxWriter's escaping.  The bytes written are the same
(tests/test_xlsx_worksheet.py compares every part of a workbook with stock XlsxWriter's, in memory
and streamed).  It reaches XlsxWriter through ``Workbook.add_worksheet(worksheet_class=...)``, the
library's hook for worksheet subclasses.

Imported by the writer when it writes, so ``import xlsizing`` does not load XlsxWriter.
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet


class XlsizingWorksheet(Worksheet):
    """XlsxWriter's ``Worksheet``, writing a number-valued XML attribute without an exception."""

    def _escape_attributes(self, attribute):
        if type(attribute) is int or type(attribute) is float:
            return attribute  # what XlsxWriter returns for a number, after its TypeError
        return super()._escape_attributes(attribute)


__all__ = ["XlsizingWorksheet"]
