"""Terminal renderings of the Figure 11 table (text, CSV, JSON), all read from :mod:`layout`.

>>> from xlsizing.scenarios import load_builtin
>>> text = render_text(load_builtin())
>>> "需要H20卡数量 (万张)" in text and "1897.73" in text
True
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Sequence

from .layout import (COLUMN_PATH_MAX, FIGURE11, ROWS, SOURCE_LINE, TITLE_EN, TITLE_ZH, Row, columns, display, evaluate,
                     evaluate_column)
from .scenarios import Scenario, to_inputs


def width(s: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int, right: bool) -> str:
    gap = " " * max(0, w - width(s))
    return gap + s if right else s + gap


def _cells(scenarios: Sequence[Scenario], all_rows: bool):
    if len(scenarios) <= COLUMN_PATH_MAX:  # a few scenarios: no numpy import (same numbers)
        values = columns(evaluate_column, [s.values for s in scenarios])
    else:
        values = evaluate(to_inputs(scenarios))
    rows = [r for r in ROWS if all_rows or r.section == FIGURE11]
    return rows, values


def _label(r: Row) -> str:
    return f"{r.zh} ({r.unit})" if r.unit else r.zh


def render_text(scenarios: Sequence[Scenario], all_rows: bool = True) -> str:
    """The table as aligned text: zh label, en label, then one column per scenario."""
    rows, values = _cells(scenarios, all_rows)
    head = [["", "", *[s.name for s in scenarios]], ["", "", *[s.name_en for s in scenarios]]]
    body = []
    for r in rows:
        if r.text is not None:
            body.append([_label(r), r.en, r.text])
            continue
        body.append([_label(r), r.en, *[display(r, v) for v in values[r.key]]])
        if r is rows[-1] or (r.section != rows[rows.index(r) + 1].section):
            body.append(None)
    n = 2 + len(scenarios)
    widths = [max(width(line[i]) for line in head + [b for b in body if b and len(b) == n]) for i in range(n)]
    out = [TITLE_ZH, TITLE_EN, ""]
    for line in head + [[]] + body:
        if not line:
            out.append("")
            continue
        if len(line) < n:  # the formula text row spans the scenario columns
            out.append("  ".join([_pad(line[0], widths[0], False), _pad(line[1], widths[1], False), line[2]]))
            continue
        cells = [_pad(c, widths[i], i >= 2) for i, c in enumerate(line)]
        out.append("  ".join(cells).rstrip())
    out.append(SOURCE_LINE)
    return "\n".join(out).rstrip() + "\n"


def records(scenarios: Sequence[Scenario], all_rows: bool = True) -> list[dict]:
    """One dict per scenario: name, name_en, and every row key → full-precision value."""
    rows, values = _cells(scenarios, all_rows)
    out = []
    for i, s in enumerate(scenarios):
        rec = {"name": s.name, "name_en": s.name_en}
        for r in rows:
            if r.text is None:
                rec[r.key] = float(values[r.key][i])
        out.append(rec)
    return out


def render_json(scenarios: Sequence[Scenario], all_rows: bool = True) -> str:
    return json.dumps(records(scenarios, all_rows), ensure_ascii=False, indent=2) + "\n"


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


def render_csv(scenarios: Sequence[Scenario], all_rows: bool = True) -> str:
    """Rows are scenarios, columns are row keys, values at full precision (repr).

    Names are text and escaped with :func:`csv_text`; numbers are written as they are (``-1.5``
    stays a number).
    """
    recs = records(scenarios, all_rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(recs[0]), lineterminator="\n")
    w.writeheader()
    for rec in recs:
        w.writerow({k: (repr(v) if isinstance(v, float) else csv_text(v)) for k, v in rec.items()})
    return buf.getvalue()
