"""Text, CSV and JSON renderings of any sheet, all read from the sheet definitions (:mod:`xlsizing.sheets`).

>>> from xlsizing.scenarios import load_builtin
>>> text = render_text(load_builtin())
>>> "需要H20卡数量 (万张)" in text and "1897.73" in text and "带宽感知卡数 (万张)" in text
True
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Sequence

from . import sheets as sheetlist
from .scenarios import Scenario, sheet_heading, values
from .sheets import FIGURE11, Row, Sheet, display
from .sheets.figure11 import PRINTED


def width(s: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s: str, w: int, right: bool) -> str:
    gap = " " * max(0, w - width(s))
    return gap + s if right else s + gap


def _rows(sheet: Sheet, report_rows: bool) -> list[Row]:
    """The rows shown: all, or (``report_rows``) only those printed in the report's Figure 11."""
    if report_rows:
        return [r for r in sheet.rows if sheet is FIGURE11 and r.section == PRINTED]
    return list(sheet.rows)


def _selected(sheets, report_rows: bool) -> list[Sheet]:
    # the sheets shown; every sheet is evaluated (values(..., None)), since a later sheet reads earlier ones
    chosen = list(sheetlist.SHEETS) if sheets is None else list(sheets)
    return [s for s in chosen if s is FIGURE11] if report_rows else chosen


def _needed(chosen: list[Sheet]) -> list[Sheet]:
    """The sheets to evaluate for ``chosen``: every sheet of the product up to the last one chosen."""
    every = sheetlist.sheets()
    last = max(every.index(s) for s in chosen if s in every) if any(s in every for s in chosen) else -1
    return every[:last + 1] + [s for s in chosen if s not in every]


def _label(r: Row) -> str:
    return f"{r.zh} ({r.unit})" if r.unit else r.zh


def _sheet_text(sheet: Sheet, rows: list[Row], scenarios: Sequence[Scenario], v: dict) -> list[str]:
    head = [["", "", *[s.name for s in scenarios]], ["", "", *[s.name_en or "" for s in scenarios]]]
    body: list = []
    for i, r in enumerate(rows):
        if i and r.section != rows[i - 1].section:
            body.append(None)
        if r.text is not None:
            body.append([_label(r), r.en, r.text])
        else:
            body.append([_label(r), r.en, *[display(r, x) for x in v[r.key]]])
    n = 2 + len(scenarios)
    widths = [max(width(line[i]) for line in head + [b for b in body if b and len(b) == n]) for i in range(n)]
    title_zh, title_en, source = sheet_heading(sheet, scenarios)
    out = [title_zh, title_en, ""]
    for line in head + [None] + body:
        if line is None:
            out.append("")
        elif len(line) < n:  # the formula text row spans the scenario columns
            out.append("  ".join([pad(line[0], widths[0], False), pad(line[1], widths[1], False), line[2]]))
        else:
            out.append("  ".join(pad(c, widths[i], i >= 2) for i, c in enumerate(line)).rstrip())
    if sheet.explain is not None:
        fn, keys = sheet.explain[0], sheet.explain[1:]
        why = [(s.name, fn(*(v[k][j] for k in keys))) for j, s in enumerate(scenarios)]
        why = [f"  {name}: {w}" for name, w in why if w]
        if why:
            out += ["", sheet.explain_title, *why]
    out += ["", source]
    return out


def render_text(scenarios: Sequence[Scenario], sheets: Sequence[Sheet] | None = None,
                report_rows: bool = False) -> str:
    """Every sheet (default: all) as aligned text: zh label, en label, then one column per scenario."""
    chosen = _selected(sheets, report_rows)
    v = values(scenarios, _needed(chosen))
    parts = []
    for sheet in chosen:
        parts.append("\n".join(_sheet_text(sheet, _rows(sheet, report_rows), scenarios, v)).rstrip())
    return "\n\n".join(parts) + "\n"


def records(scenarios: Sequence[Scenario], sheets: Sequence[Sheet] | None = None,
            report_rows: bool = False) -> list[dict]:
    """One dict per scenario: name, name_en, and every row key of the sheets → full-precision value."""
    chosen = _selected(sheets, report_rows)
    v = values(scenarios, _needed(chosen))
    keys = [r.key for s in chosen for r in _rows(s, report_rows) if r.text is None]
    return [{"name": s.name, "name_en": s.name_en, **{k: float(v[k][i]) for k in keys}}
            for i, s in enumerate(scenarios)]


def _finite_or_none(x):
    return x if x == x and x not in (float("inf"), float("-inf")) else None


def render_json(scenarios: Sequence[Scenario], sheets: Sequence[Sheet] | None = None,
                report_rows: bool = False) -> str:
    """JSON records (see :func:`records`); a non-finite value (an infeasible row) is ``null``, never ``NaN``."""
    recs = [{k: (_finite_or_none(x) if isinstance(x, float) else x) for k, x in rec.items()}
            for rec in records(scenarios, sheets, report_rows)]
    return json.dumps(recs, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# A text cell that starts with one of these is a formula to Excel and LibreOffice (OWASP, "CSV
# Injection", https://owasp.org/www-community/attacks/CSV_Injection): a leading single quote makes
# the spreadsheet show it as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(cell: str) -> str:
    """A text cell made safe to open in a spreadsheet: formula-like text gets a leading ``'``.

    >>> csv_text("=1+1"), csv_text("@SUM(A1)"), csv_text("保守")
    ("'=1+1", "'@SUM(A1)", '保守')
    """
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def render_csv(scenarios: Sequence[Scenario], sheets: Sequence[Sheet] | None = None,
               report_rows: bool = False) -> str:
    """Rows are scenarios, columns are row keys, values at full precision (repr).

    Names are text and escaped with :func:`csv_text`; numbers are written as they are (``-1.5``
    stays a number).
    """
    recs = records(scenarios, sheets, report_rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(recs[0]), lineterminator="\n")
    w.writeheader()
    for rec in recs:
        w.writerow({k: (repr(v) if isinstance(v, float) else csv_text(v)) for k, v in rec.items()})
    return buf.getvalue()


RENDERERS = {"text": render_text, "csv": render_csv, "json": render_json}
