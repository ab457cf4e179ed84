"""Which cells a formula reads, and which formula cells can be trusted to compute what we expect.

A filled workbook may carry a cached value in a cell only if the cell's whole chain of
precedents is xlsizing's own formulas and inputs (docs/workbooks.md).  This module parses
formulas with openpyxl's formula :class:`~openpyxl.formula.tokenizer.Tokenizer` into the cells
they reference — A1 cells and ranges, cross-sheet references (``'Figure 11'!E17``), defined
names (workbook or sheet scope, followed to the cells they point to) — and decides trust by a
depth-first walk over that precedent graph.

A reference that cannot be followed (another workbook ``[1]S!A1``, a 3-D ``S1:S3!A1``, a table
``T[Col]``, a whole column, ``INDIRECT``/``OFFSET``, a name with a formula of its own) makes the
formula *opaque*: it reads cells nobody can list, so nothing downstream of it is trusted.

>>> from openpyxl import Workbook
>>> wb = Workbook(); ws = wb.active; ws.title = "S"
>>> ws["A1"] = 2; ws["A2"] = "=A1*3"; ws["A3"] = "=A2+1"; ws["B3"] = "=A2*1.1"
>>> sorted(references(wb, "S", "=IFERROR(A2+S!$A$1, 0)"))
[('S', 'A1'), ('S', 'A2')]
>>> expected = {("S", "A2"): "=A1*3", ("S", "A3"): "=A2+1"}
>>> sorted(trusted_cells(wb, expected, {("S", "A1")}))
[('S', 'A2'), ('S', 'A3')]
>>> ws["A2"] = "=A1*3.3"                       # an edited formula: it and all downstream lose trust
>>> sorted(trusted_cells(wb, expected, {("S", "A1")}))
[]
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from openpyxl.formula import Tokenizer
from openpyxl.utils.cell import column_index_from_string, get_column_letter

Cell = tuple[str, str]  # (sheet title, "D7")

# functions whose references are computed at run time: the cells they read cannot be listed
DYNAMIC_FUNCTIONS = frozenset({"INDIRECT", "OFFSET", "INDEX", "CELL", "INFO", "EVALUATE", "GETPIVOTDATA",
                               "HYPERLINK", "RTD", "CALL", "REGISTER.ID"})
MAX_RANGE_CELLS = 10_000  # a larger range (a whole column) is treated as opaque

_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_SHEET = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!:\[\]]+))!(.+)$")


class Opaque(Exception):
    """A formula reads cells that cannot be listed (see the module docstring)."""


def _cells_of_area(sheet: str, area: str) -> list[Cell]:
    """Cells of ``D7`` or ``$D$7:E9`` on ``sheet``; Opaque for whole rows/columns or huge ranges."""
    parts = area.split(":")
    if len(parts) > 2:
        raise Opaque(area)
    ends = []
    for p in parts:
        m = _CELL.fullmatch(p)
        if m is None:
            raise Opaque(area)
        ends.append((int(m.group(2)), column_index_from_string(m.group(1).upper())))
    (r1, c1), (r2, c2) = ends[0], ends[-1]
    r1, r2, c1, c2 = min(r1, r2), max(r1, r2), min(c1, c2), max(c1, c2)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_RANGE_CELLS:
        raise Opaque(area)
    return [(sheet, f"{get_column_letter(c)}{r}") for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _name_text(wb, sheet: str | None, name: str) -> str | None:
    """The formula text of a defined name (sheet scope first, then workbook scope), or None.

    Names are matched case-insensitively, as Excel does; the workbook's names are indexed once
    (a 250-column fill looks up names tens of thousands of times).
    """
    index = getattr(wb, "_xlsizing_names_lower", None)
    if index is None:
        index = {k.lower(): dn.attr_text for k, dn in wb.defined_names.items()}
        wb._xlsizing_names_lower = index
    if sheet is not None and sheet in wb.sheetnames:
        local = wb[sheet].defined_names
        for k in local:
            if k.lower() == name.lower():
                return local[k].attr_text
    return index.get(name.lower())


def _operand_cells(wb, here: str, value: str, depth: int) -> list[Cell]:
    if value.startswith("["):
        raise Opaque(value)  # another workbook
    m = _SHEET.match(value)
    if m:
        sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
        rest = m.group(3)
        if m.group(2) and ":" in m.group(2):
            raise Opaque(value)  # 3-D reference
    else:
        sheet, rest = here, value
    if ":" in rest and "!" in rest:  # 'S'!A1:'S'!B2
        a, b = rest.split(":", 1)
        b_sheet = _SHEET.match(b)
        if b_sheet is None:
            raise Opaque(value)
        rest = f"{a}:{b_sheet.group(3)}"
    if all(_CELL.fullmatch(p) for p in rest.split(":")):
        if sheet not in wb.sheetnames:
            raise Opaque(value)
        return _cells_of_area(sheet, rest)
    if "[" in rest or depth > 8:
        raise Opaque(value)  # structured table reference, or names defined through each other
    text = _name_text(wb, sheet if m else here, rest)
    if text is None:
        raise Opaque(value)  # an unknown name is #NAME?
    return sorted(_references(wb, here, "=" + text, depth + 1))


def _references(wb, here: str, formula: str, depth: int) -> set[Cell]:
    out: set[Cell] = set()
    try:
        tokens = Tokenizer(formula).items
    except Exception as e:  # openpyxl raises TokenizerError and plain errors on malformed text
        raise Opaque(formula) from e
    for t in tokens:
        if t.type == "FUNC" and t.subtype == "OPEN" and t.value[:-1].upper().removeprefix("_XLFN.") in DYNAMIC_FUNCTIONS:
            raise Opaque(t.value)
        if t.type == "OPERAND" and t.subtype == "RANGE":
            out.update(_operand_cells(wb, here, t.value, depth))
    return out


def _normal_tokens(formula: str) -> list[tuple[str, str, object]] | None:
    """The tokens of ``formula`` as Excel means them: numbers by value (Excel saves ``1E4`` as
    ``10000``), names and references without ``$`` and case, functions without the ``_xlfn.`` /
    ``_xludf.`` prefixes Excel adds, spaces dropped; None if it does not parse."""
    try:
        tokens = Tokenizer(formula).items
    except Exception:  # noqa: BLE001 - openpyxl raises TokenizerError and plain errors
        return None
    out = []
    for i, t in enumerate(tokens):
        if t.type == "WHITE-SPACE":
            before, after = (tokens[i - 1] if i else None), (tokens[i + 1] if i + 1 < len(tokens) else None)
            # between two references a space is Excel's intersection operator, not layout
            if (before is not None and after is not None and before.type == "OPERAND" and after.type == "OPERAND"):
                out.append(("INTERSECT", "", " "))
            continue
        v: object = t.value
        if t.type == "OPERAND" and t.subtype == "NUMBER":
            try:
                v = float(t.value)
            except ValueError:
                pass
        elif t.type == "OPERAND" and t.subtype == "RANGE":
            v = t.value.replace("$", "").upper()
        elif t.type == "FUNC":
            v = re.sub(r"^_XL(FN|UDF)\.", "", t.value.upper())
        out.append((t.type, t.subtype, v))
    return out


def same_formula(a: str, b: str) -> bool:
    """True when two formula texts compute the same thing token for token (see :func:`_normal_tokens`).

    >>> same_formula("=D14/(D15*1E12*D16)/1E4", "=D14/(D15*1000000000000*D16)/10000")
    True
    >>> same_formula("=IFERROR(H20_CARDS(D14),D14)", "=IFERROR(_xludf.H20_CARDS($D$14), d14)")
    True
    >>> same_formula("=D14/1E4", "=D14/1E4*1.1"), same_formula("=SUM(A1:B2 B1)", "=SUM(A1:B2,B1)")
    (False, False)
    """
    if a == b:
        return True
    ta, tb = _normal_tokens(a), _normal_tokens(b)
    return ta is not None and ta == tb


def references(wb, sheet: str, formula: str) -> set[Cell]:
    """The cells ``formula`` (written in ``sheet`` of ``wb``) reads; raises :class:`Opaque`."""
    return _references(wb, sheet, formula, 0)


def area_cells(wb, sheet: str, ref: str) -> list[Cell]:
    """The cells of one reference (a chart series' ``'Figure 11'!$D$4:$G$4``), in row-major order."""
    return _operand_cells(wb, sheet, ref.lstrip("="), 0)


def trusted_cells(wb, expected: Mapping[Cell, str], constants: Iterable[Cell]) -> set[Cell]:
    """The cells of ``expected`` whose formula is the expected text and whose precedents are all trusted.

    ``constants`` are the cells whose values are known (the inputs just written); a precedent
    that is neither a constant nor a trusted expected cell, an opaque reference or a cycle
    makes a cell, and everything that reads it, untrusted.  (Recursion depth is bounded by the
    layout's chain of rows, a few dozen, whatever the workbook holds.)
    """
    constants = set(constants) - set(expected)
    state: dict[Cell, bool] = {}

    def trusted(c: Cell) -> bool:
        if c in constants:
            return True
        if c not in expected:
            return False
        if c in state:
            return state[c]
        state[c] = False  # while visiting: a cycle back to c is untrusted
        sheet, ref = c
        value = wb[sheet][ref].value if sheet in wb.sheetnames else None
        if not (isinstance(value, str) and same_formula(value, expected[c])):
            return False  # a formula the analyst changed (an Excel re-save that only respells it is the same)
        try:
            precedents = references(wb, sheet, value)
        except Opaque:
            return False
        state[c] = all(trusted(p) for p in sorted(precedents))
        return state[c]

    return {c for c in expected if trusted(c)}
