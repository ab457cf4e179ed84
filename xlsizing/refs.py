"""A1 references, defined names and workbook-part lookups: the one module for them.

Cell addresses are made by XlsxWriter's ``utility`` helpers (called, not copied); names are resolved
here for openpyxl workbooks (:func:`named_cell`) and for the raw text of ``xl/workbook.xml``
(:func:`resolve_name_text`).

>>> cell(4, 3), cell(4, 3, True, "Figure 11")
('D5', "'Figure 11'!$D$5")
>>> column_number("AB12"), column_letters(28)
(28, 'AB')
"""

from __future__ import annotations

import functools
import re
from typing import Sequence

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

ONE_CELL = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")
_SHEET_CELL = re.compile(r"(?:'((?:[^']|'')+)'|([^' !]+))!\$?([A-Z]{1,3})\$?([0-9]{1,7})")


@functools.lru_cache(maxsize=1 << 16)  # a batch asks for the same few hundred references per workbook
def cell(row: int, col: int, absolute: bool = False, sheet: str | None = None) -> str:
    """The one place that turns (row, col), 0-based, into an A1 reference, optionally on ``sheet``."""
    ref = xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)
    return f"{quote_sheetname(sheet)}!{ref}" if sheet else ref


@functools.lru_cache(maxsize=1 << 12)
def column_template(row: int, absolute: bool = False, sheet: str | None = None) -> tuple[str, str]:
    """``(head, tail)``: the A1 reference to ``row`` (0-based) in any column is ``head + letters + tail``.

    ``letters``: the column's letters (:func:`column_letters`); the result equals :func:`cell` of that
    column, so a row's references across 10,000 scenario columns are joined, not each formatted.

    >>> head, tail = column_template(6, True, "Figure 11")
    >>> (head, tail), head + "AB" + tail == cell(6, 27, True, "Figure 11")
    (("'Figure 11'!$", '$7'), True)
    >>> column_template(6)
    ('', '7')
    """
    a1 = cell(row, 0, absolute, sheet)
    tail = f"{'$' if absolute else ''}{row + 1}"
    head = a1[:len(a1) - len(tail) - 1]
    if a1[len(head):] != "A" + tail:  # pragma: no cover - cell() changed its form
        raise ValueError(f"unexpected reference {a1!r}")
    return head, tail


def column_number(ref: str) -> int:
    """The 1-based column of an A1 reference: ``"AB12"`` -> 28."""
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n


def column_letters(n: int) -> str:
    """The letters of 1-based column ``n``: 28 -> ``"AB"``."""
    return xl_col_to_name(n - 1)


def resolve_name_text(name: str, text: str, sheets: Sequence[str]) -> tuple[str, str] | str:
    """``(sheet, "D5")`` of a defined name whose formula ``text`` is one cell of ``sheets``, else why not.

    >>> resolve_name_text("mfu_1", "'Figure 11'!$D$9", ["Figure 11"])
    ('Figure 11', 'D9')
    >>> resolve_name_text("mfu_2", "'Figure 11'!#REF!", ["Figure 11"])
    "defined name mfu_2 = 'Figure 11'!#REF! does not point to one cell"
    """
    m = _SHEET_CELL.fullmatch(text)
    sheet = m and (m[2] or m[1].replace("''", "'"))
    if not m or sheet not in sheets:
        return f"defined name {name} = {text} does not point to one cell"
    return sheet, m[3] + m[4]


def named_cell(wb, name: str):
    """``(worksheet, "D5")`` of a workbook-level defined name in an openpyxl workbook, or KeyError.

    The KeyError says what is wrong: no such name, or a name that does not point to one cell of
    an existing sheet (a deleted column leaves ``#REF!``).  Names are resolved once per workbook
    (openpyxl re-parses a name's formula on every ``destinations`` call; a 200-column fill looks
    up tens of thousands of names).
    """
    cells = getattr(wb, "_xlsizing_named_cells", None)
    if cells is None:
        cells = {n: _resolve_openpyxl(wb, n, dn) for n, dn in wb.defined_names.items()}
        wb._xlsizing_named_cells = cells
    found = cells.get(name)
    if found is None:
        raise KeyError(f"no defined name {name}")
    if isinstance(found, str):
        raise KeyError(found)
    return wb[found[0]], found[1]


def forget_names(wb) -> None:
    """Drop the resolved names of ``wb`` (after adding or changing defined names)."""
    if hasattr(wb, "_xlsizing_named_cells"):
        del wb._xlsizing_named_cells


def read_named(wb, name: str):
    """The value of the single cell a defined name points to, in an openpyxl workbook."""
    ws, ref = named_cell(wb, name)
    return ws[ref].value


def _resolve_openpyxl(wb, name, dn):
    """``(sheet title, "D5")`` for a name pointing to one cell, else the message saying why not."""
    bad = f"defined name {name} = {dn.attr_text} does not point to one cell"
    try:
        (sheet, ref), = list(dn.destinations)
    except ValueError:
        return bad
    ref = ref.replace("$", "")
    if sheet not in wb.sheetnames or not ONE_CELL.fullmatch(ref):
        return bad
    return sheet, ref
