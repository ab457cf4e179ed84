"""Verify workbooks in real spreadsheet engines: recalculate (LibreOffice, Gnumeric), compare with Python.

For every sheet of :data:`xlsizing.sheets.SHEETS` that is present in a
workbook (found by its defined names), the input cells are read back from the recalculated
copy, the sheet's ``evaluate`` recomputes every row in Python, and every computed cell must
agree to ``rel_tol`` (1e-12; LibreOffice saves 15 significant digits).  Every cell of every
sheet is also scanned for error values (``#NAME?``, ``#VALUE!``, ``Err:502`` ...).

Wrong cached values in a file cannot make it pass: the engine recalculates a staged copy in
which every formula cell's cached value has been replaced by :data:`POISON` (a number no sizing
result can be), so a cell the engine did not recalculate still shows it, and the report says the
engine did not recalculate (:func:`stage_copy`).  LibreOffice also runs with an always-recalculate
profile, Gnumeric with ``--recalc`` (:mod:`xlsizing.recalc`).

The staged copy also leaves out the defined names no formula uses (the workbook's named inputs
and results: verification reads them from the user's file): LibreOffice's load time grows
steeply with their number (a 1,000-column workbook, 35,000 names: over 300 s; without them 6 s).

The files are read without openpyxl, which would build every style, chart and cell object: the
defined names from the user's ``xl/workbook.xml`` (:func:`defined_names`, which first refuses any
XML part declaring a DTD, as entity bombs do, before LibreOffice sees the file), the values and
error cells from the recalculated copy one row at a time (:func:`recalculated_cells`).
"""

from __future__ import annotations

import math
import os
import posixpath
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence
from xml.etree import ElementTree
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import numpy as np
from defusedxml.expatreader import DefusedExpatParser

from ._args import fmt_value
from .errors import WorkbookError, XlsizingError
from .fileio import _reason, check_xlsx
from .recalc import DEFAULT_TIMEOUT, ENGINE_NAMES, ENGINES, check_engine, check_jobs, check_timeout, recalculate
from . import sheets as sheetlist
from .refs import column_letters, column_number, named_cell, resolve_name_text
from .sheets import Sheet
from .sheets.base import magnitudes, owner_row

REL_TOL = 1e-12
POISON = -9.87654321e300  # planted as every formula cell's cached value before recalculation
_POISON_XML = b"-9.87654321E+300"
ERROR_TEXTS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "Err:")


@dataclass(frozen=True)
class Mismatch:
    """A computed cell whose recalculated value differs from the Python engine."""

    sheet: str
    cell: str
    key: str
    label: str
    scenario: str
    expected: float
    got: object

    def __str__(self):
        if isinstance(self.got, (int, float)) and not isinstance(self.got, bool):
            diff = abs(self.got - self.expected) / abs(self.expected) if self.expected else math.inf
            got = f"{self.got!r} (relative difference {diff:.3g})"
        else:
            got = "empty" if self.got is None else repr(self.got)
        return (f"{self.sheet}!{self.cell} {self.label} ({self.key}) [{self.scenario}]: "
                f"expected {self.expected!r}, got {got}")


@dataclass(frozen=True)
class CellError:
    """A cell that shows an error value after recalculation."""

    sheet: str
    cell: str
    value: str

    def __str__(self):
        return f"{self.sheet}!{self.cell} shows {self.value}"


@dataclass
class Report:
    """The verification of one workbook; ``ok`` when every computed cell agrees and none errs.

    >>> r = Report(Path("a.xlsx"), checked=28, sheets=["Figure 11"])
    >>> r.errors.append(CellError("Figure 11", "D20", "#NAME?"))
    >>> print(r.summary())
    a.xlsx: FAILED — 1 error cell(s) after recalculation in LibreOffice
      Figure 11!D20 shows #NAME?
    """

    path: Path
    mismatches: list[Mismatch] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # structural: missing names, bad inputs
    checked: int = 0
    sheets: list[str] = field(default_factory=list)
    engine: str = "LibreOffice"
    largest_difference: float = 0.0  # relative, over the computed cells that agree

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.errors and not self.problems and self.checked > 0

    def summary(self, limit: int = 20) -> str:
        name = str(self.path)
        if self.ok:
            return (f"{name}: OK — {self.checked} computed cells on {', '.join(self.sheets)} agree with the "
                    f"Python engine in {self.engine} (relative tolerance {REL_TOL:g}, largest difference "
                    f"{self.largest_difference:.2g}); no error cells")
        parts = []
        if self.problems:
            parts.append(f"{len(self.problems)} problem(s)")
        if self.mismatches:
            parts.append(f"{len(self.mismatches)} of {self.checked} computed cells differ")
        if self.errors:
            parts.append(f"{len(self.errors)} error cell(s)")
        if not parts:
            parts.append("no computed cells found")
        lines = [f"{name}: FAILED — {', '.join(parts)} after recalculation in {self.engine}"]
        items = [*self.problems, *map(str, self.mismatches), *map(str, self.errors)]
        lines += [f"  {x}" for x in items[:limit]]
        if len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more")
        return "\n".join(lines)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _shows_error(value, data_type: str) -> bool:
    """Whether a cell value is an error: typed as one, or text such as ``#NAME?``, ``Err:502``."""
    if value is None:
        return False
    if data_type == "e":
        return True
    return isinstance(value, str) and value.startswith(ERROR_TEXTS) and len(value) <= 16


def _is_error(c) -> bool:
    """Whether an openpyxl cell shows an error value."""
    return _shows_error(c.value, c.data_type)


def _columns(names, spec: Sheet) -> int:
    """How many scenario columns of ``spec`` a workbook has (by its defined names)."""
    ins = spec.input_rows
    if not ins:
        return 0
    n = 0
    while spec.name(ins[0].key, n + 1) in names:
        n += 1
    return n


@dataclass
class Cells:
    """What verification reads from a workbook: where its names point, their values, its error cells.

    ``names`` maps each workbook-level defined name to ``(sheet, "D5")``, or to the message saying
    why it does not point to one cell; ``values`` holds the recalculated value of each such cell
    (an absent one is empty); ``errors`` lists every cell of every sheet that shows an error.

    >>> bad = "defined name mfu_2 = #REF! does not point to one cell"
    >>> c = Cells({"mfu_1": ("Figure 11", "D9"), "mfu_2": bad}, {("Figure 11", "D9"): 0.5})
    >>> c["mfu_1"]
    ('Figure 11', 'D9', 0.5)
    >>> c["mfu_2"]
    Traceback (most recent call last):
    ...
    KeyError: 'defined name mfu_2 = #REF! does not point to one cell'
    """

    names: Mapping[str, tuple[str, str] | str]
    values: Mapping[tuple[str, str], object]
    errors: list[CellError] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # "Sheet!D5" of each cell still showing POISON
    formulas: set = field(default_factory=set)  # (sheet, "D5") of the named cells that hold a formula

    def __getitem__(self, name: str) -> tuple[str, str, object]:
        """``(sheet, "D5", value)`` of a defined name, or KeyError saying what is wrong."""
        found = self.names.get(name)
        if found is None:
            raise KeyError(f"no defined name {name}")
        if isinstance(found, str):
            raise KeyError(found)
        return found[0], found[1], self.values.get(found)


def check_values(original, recalculated, path: Path, specs: Sequence[Sheet] | None = None) -> Report:
    """Compare a recalculated openpyxl workbook (``data_only=True``) with the Python engine.

    ``original`` supplies the defined names (the workbook as the user has it).
    :func:`verify_workbooks` reads the files without openpyxl (:func:`defined_names`,
    :func:`recalculated_cells`) and calls :func:`check_cells`.
    """
    return check_cells(_openpyxl_cells(original, recalculated), path, specs)


def openpyxl_names(wb) -> dict[str, tuple[str, str] | str]:
    """Every workbook-level name of an openpyxl workbook: ``(sheet title, "D5")``, or why it is not one cell.

    The openpyxl reading of what :func:`defined_names` reads from ``xl/workbook.xml``.

    >>> import openpyxl
    >>> openpyxl_names(openpyxl.load_workbook("templates/figure11.xlsx"))["mfu_1"]
    ('Figure 11', 'D16')
    """
    names: dict[str, tuple[str, str] | str] = {}
    for name in wb.defined_names:
        try:
            ws, ref = named_cell(wb, name)
            names[name] = (ws.title, ref)
        except KeyError as e:
            names[name] = e.args[0]
    return names


def _openpyxl_cells(original, recalculated) -> Cells:
    """:class:`Cells` of two openpyxl workbooks: names from ``original``, values from ``recalculated``."""
    names = openpyxl_names(original)
    values = {at: recalculated[at[0]][at[1]].value for at in names.values()
              if isinstance(at, tuple) and at[0] in recalculated.sheetnames}
    formulas = {at for at in names.values() if isinstance(at, tuple) and at[0] in original.sheetnames
                and original[at[0]][at[1]].data_type == "f"}
    errors, stale = [], []
    for ws in recalculated.worksheets:
        for line in ws.iter_rows():
            for c in line:
                if _is_error(c):
                    errors.append(CellError(ws.title, c.coordinate, str(c.value)))
                elif c.value == POISON:
                    stale.append(f"{ws.title}!{c.coordinate}")
    return Cells(names, values, errors, stale, formulas)


def check_cells(cells: Cells, path: Path, specs: Sequence[Sheet] | None = None,
                engine: str = "LibreOffice") -> Report:
    """Compare the named cells of a recalculated workbook with the Python engine; list its error cells.

    Every sheet of ``specs`` (default: :data:`xlsizing.sheets.SHEETS`) found in the workbook (by its
    defined names) is checked: its inputs are read, the one evaluator computes every row of the
    sheets present, and each computed cell must agree to :data:`REL_TOL`.  A linked input that
    holds a formula (it follows another sheet's row) is checked like a computed cell: it must show
    the value of the row it links to, so a link pointing at the wrong cell is found.  Cells still showing :data:`POISON` were not recalculated by
    ``engine``: the report says so first (a problem).
    """
    rep = Report(Path(path), engine=engine)
    if cells.stale:
        rep.problems.append(f"{engine} did not recalculate {len(cells.stale)} formula cell(s) (first: "
                            f"{cells.stale[0]}): they still show the value planted before recalculation")
    names = cells.names
    specs = sheetlist.sheets(specs if specs is not None else [*sheetlist.SHEETS, *sheetlist.ON_REQUEST])
    present = [(s, _columns(names, s)) for s in specs]
    present = [(s, n) for s, n in present if n]
    if not present:
        rep.problems.append("no xlsizing sheet found (no defined names such as mau_wan_1); "
                            "is this a workbook written by xlsizing?")
    counts = {n for _, n in present}
    if len(counts) > 1:
        rep.problems.append("the sheets have different numbers of scenario columns: "
                            + ", ".join(f"{s.title} {n}" for s, n in present))
        present = []
    n = counts.pop() if len(counts) == 1 else 0
    sheets = [s for s, _ in present]
    inputs, bad = {}, False
    linked: list[tuple[Sheet, object, int]] = []  # (sheet, row, column) of linked cells holding a formula
    scen = []
    for j in range(1, n + 1):
        try:
            scen.append(str(cells[sheets[0].name("scenario_name", j)][2]))
        except KeyError:
            scen.append(f"column {j}")
    for spec in sheets:
        rep.sheets.append(spec.title)
        missing = [k for k in spec.reads if owner_row(sheets, k) is None]
        for key in missing:
            rep.problems.append(f"{spec.title}: reads {key!r}, which no sheet of the workbook has")
            bad = True
        for r in spec.inputs:
            col = []
            for j in range(1, n + 1):
                nm = spec.name(r.key, j)
                try:
                    sheet, ref, v = cells[nm]
                except KeyError as e:
                    rep.problems.append(f"{spec.title}: {e.args[0]}")
                    bad = True
                    continue
                if not _is_number(v):
                    rep.problems.append(f"{sheet}!{ref} ({nm}): input must be a number, got "
                                        f"{'empty' if v is None else repr(v)}")
                    bad = True
                    continue
                if r.is_linked and (sheet, ref) in cells.formulas:
                    linked.append((spec, r, j))
                    col.append(math.nan)  # follow the link, in Python too; the cell is checked below
                    continue
                if not r.rule.element_ok(float(v)):
                    rep.problems.append(f"{sheet}!{ref} ({nm}): {r.key} must be {r.rule.allowed}, got {fmt_value(v)}")
                    bad = True
                    continue
                col.append(float(v))
            inputs[r.key] = np.array(col, dtype=np.float64)
    if bad or not present:
        rep.errors.extend(cells.errors)
        return rep
    try:
        expected = sheetlist.evaluate(inputs, sheets)
    except XlsizingError as e:
        rep.problems.append(f"the inputs are not valid: {e}")
        rep.errors.extend(cells.errors)
        return rep
    size = magnitudes(sheets, expected)  # a difference of nearly equal numbers: the size of its terms
    checks = [(spec, row, j) for spec in sheets for row in spec.computed for j in range(1, n + 1)] + linked
    for spec, row, j in checks:
        nm = spec.name(row.key, j)
        try:
            sheet, ref, got = cells[nm]
        except KeyError as e:
            rep.problems.append(f"{spec.title}: {e.args[0]}")
            continue
        exp = float(np.asarray(expected[row.key])[j - 1])
        rep.checked += 1
        known = float(size[row.key][j - 1])
        if _is_number(got) and agrees(got, exp, known):
            if known:
                rep.largest_difference = max(rep.largest_difference, abs(got - exp) / known)
            continue
        if isinstance(got, str) and got.startswith(ERROR_TEXTS):
            continue  # reported once, by the error scan below
        rep.mismatches.append(Mismatch(sheet, ref, row.key, f"{row.zh} / {row.en}", scen[j - 1], exp, got))
    for spec in sheets:
        if spec.master is not None:
            _check_master(rep, cells, spec, n, scen)
    rep.errors.extend(cells.errors)
    return rep


def agrees(got: float, expected: float, known: float) -> bool:
    """Whether a recalculated value agrees with the engine's: to :data:`REL_TOL` of the size it is known at.

    ``known``: the row's magnitude (:func:`xlsizing.sheets.base.magnitudes`): ``|expected|``, or the
    size of the terms of a difference of nearly equal numbers.  The one comparison of ``verify``
    and of the tests that compare an engine with the Python engine.

    >>> agrees(1.0 + 3e-13, 1.0, 1.0), agrees(4e-4 + 3e-15, 4e-4, 4e-4), agrees(4e-4 + 3e-15, 4e-4, 1.0)
    (True, False, True)
    """
    return math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=max(1e-300, REL_TOL * known))


def _check_master(rep: Report, cells: Cells, spec: Sheet, n: int, scen: Sequence[str]) -> None:
    """Report each scenario column whose master check is FALSE (0), naming the checks that fail."""
    master = spec.row[spec.master]
    for j in range(1, n + 1):
        try:
            sheet, ref, got = cells[spec.name(master.key, j)]
        except KeyError:
            continue  # already reported as a missing name
        if _is_number(got) and got == 1:
            continue
        failing = []
        for k in master.args:
            try:
                v = cells[spec.name(k, j)][2]
            except KeyError:
                continue
            if not (_is_number(v) and v == 1):
                failing.append(f"{spec.row[k].en} ({k})")
        rep.problems.append(f"{sheet}!{ref} master check is FALSE [{scen[j - 1]}]: "
                            + ("; ".join(failing) if failing else "the master check itself") + " fails")


# --- reading .xlsx files without openpyxl ---------------------------------------------------------
#
# openpyxl builds every style, chart and cell object of a workbook (about 40 ms for a one-scenario
# workbook, and verify read two per workbook); verification needs only the defined names of the
# user's file and, from the recalculated copy, the named cells' values and the error cells.  The
# parts are parsed with ElementTree one element at a time, after _refuse_dtd has checked that the
# part declares no DTD: without a DTD an XML document can declare no entity, so no entity bomb.


class _RootReached(Exception):
    """The root element has started: the prolog, the only place a DTD may stand, is over."""


class _StopAtRoot(ContentHandler):
    def startElement(self, name, attrs):
        raise _RootReached


def _refuse_dtd(z: zipfile.ZipFile, part: str) -> None:
    """Raise defusedxml's ``DTDForbidden`` if the XML ``part`` of ``z`` declares a DTD.

    Reads only the prolog (up to the root element), where a DTD must stand.  A part that is not
    XML (an image) is left alone: no XML parser reads it.
    """
    parser = DefusedExpatParser(forbid_dtd=True)
    parser.setContentHandler(_StopAtRoot())
    with z.open(part) as f:
        try:
            while chunk := f.read(4096):
                parser.feed(chunk)
        except (_RootReached, SAXParseException):
            return


def _local(tag: str) -> str:
    """An element's name without its namespace: ``{ns}row`` -> ``row``."""
    return tag.rpartition("}")[2]


def _elements(z: zipfile.ZipFile, part: str, tags: set[str]) -> Iterator[tuple[str, ElementTree.Element]]:
    """``(name, element)`` for each complete element of ``part`` whose local name is in ``tags``.

    Each element is dropped from the tree once the caller has it, so memory holds one element
    (a row of a sheet), not the part.  A part declaring a DTD is refused first.
    """
    _refuse_dtd(z, part)
    parents: list[ElementTree.Element] = []
    local: dict[str, str] = {}  # a part has few distinct tags: strip each namespace once
    with z.open(part) as f:
        for event, el in ElementTree.iterparse(f, events=("start", "end")):
            if event == "start":
                parents.append(el)
                continue
            parents.pop()
            name = local.get(el.tag) or local.setdefault(el.tag, _local(el.tag))
            if name in tags:
                yield name, el
                if parents:
                    parents[-1].remove(el)


@contextmanager
def _reading(path: Path):
    """Turn any failure to read ``path`` into one WorkbookError line naming it (as fileio.load_workbook)."""
    try:
        yield
    except WorkbookError:
        raise
    except Exception as e:  # zipfile, zlib, XML, defusedxml, a bad shared-string index ...
        raise WorkbookError(f"{path}: cannot read the workbook: {_reason(e)}") from None


def defined_names(path: str | os.PathLike) -> dict[str, tuple[str, str] | str]:
    """The workbook-level defined names of an .xlsx, read from ``xl/workbook.xml``.

    Each maps to ``(sheet, "D5")`` or to the message saying why it does not point to one cell
    (as :func:`xlsizing.refs.named_cell` resolves them).  Every XML part of the file is first
    checked for a DTD (an entity bomb is refused here, before LibreOffice parses the file);
    :func:`xlsizing.fileio.check_xlsx` must have passed.  WorkbookError if it cannot be read.
    """
    p = Path(path)
    sheets: list[str] = []
    texts: dict[str, str] = {}
    with _reading(p), zipfile.ZipFile(p) as z:
        for info in z.infolist():
            _refuse_dtd(z, info.filename)
        for tag, el in _elements(z, "xl/workbook.xml", {"sheet", "definedName"}):
            if tag == "sheet":
                sheets.append(el.get("name", ""))
            elif el.get("localSheetId") is None:  # a sheet's own names are not the workbook's
                texts[el.get("name", "")] = el.text or ""
    return {name: resolve_name_text(name, text, sheets) for name, text in texts.items()}


def _worksheets(z: zipfile.ZipFile) -> tuple[list[tuple[str, str]], str | None]:
    """``([(sheet title, part)], shared-strings part or None)`` of a workbook, in sheet order."""
    rels = {}
    for _, el in _elements(z, "xl/_rels/workbook.xml.rels", {"Relationship"}):
        target = el.get("Target", "")
        absolute = target.startswith("/")  # else relative to the workbook part's folder
        part = target.lstrip("/") if absolute else posixpath.normpath(posixpath.join("xl", target))
        rels[el.get("Id")] = (el.get("Type", "").rpartition("/")[2], part)
    sheets = []
    for tag, el in _elements(z, "xl/workbook.xml", {"sheet", "sheets"}):
        if tag == "sheets":
            break  # the defined names after it are read from the user's file
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        kind, part = rels.get(rid, ("", ""))
        if kind == "worksheet":  # not chart sheets: openpyxl's ``worksheets``
            sheets.append((el.get("name", ""), part))
    strings = next((part for kind, part in rels.values() if kind == "sharedStrings"), None)
    return sheets, strings


def _text(el: ElementTree.Element) -> str:
    """The text of a shared or inline string: its runs joined, phonetic guides left out (as openpyxl)."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _number(text: str) -> int | float:
    """A cell's number as openpyxl reads it: int unless it has a point or an exponent."""
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


def _cell_value(c: ElementTree.Element, strings: Sequence[str]) -> tuple[object, str]:
    """``(value, type)`` of a ``<c>`` element, as openpyxl reads its cached value (``data_only=True``)."""
    kind = c.get("t", "n")
    if kind == "inlineStr":
        inline = next((x for x in c if _local(x.tag) == "is"), None)
        return (None if inline is None else _text(inline)), kind
    text = next((x.text for x in c if _local(x.tag) == "v"), None)
    if not text:
        return None, kind
    if kind == "n":
        return _number(text), kind
    if kind == "s":
        return strings[int(text)], kind
    if kind == "b":
        return bool(int(text)), kind
    return text, kind  # "str" (a formula's text), "e" (an error), "d" (an ISO date)


def _sheet_cells(z: zipfile.ZipFile, part: str, strings: Sequence[str]) -> Iterator[tuple[str, object, str, bool]]:
    """``(coordinate, value, type, holds a formula)`` of every cell of a worksheet part, row by row."""
    row = 0
    for _, el in _elements(z, part, {"row"}):
        row = int(el.get("r", row + 1))
        col = 0
        for c in el:
            if _local(c.tag) != "c":
                continue
            ref = c.get("r")
            if ref is None:  # optional in the format; positions then count on
                col += 1
                ref = f"{column_letters(col)}{row}"
            else:
                col = column_number(ref)
            yield (ref, *_cell_value(c, strings), any(_local(x.tag) == "f" for x in c))


def recalculated_cells(path: str | os.PathLike, names: Mapping[str, tuple[str, str] | str]) -> Cells:
    """:class:`Cells` of a recalculated copy: the values of the cells ``names`` point to, the error cells.

    ``names`` come from the user's file (:func:`defined_names`).  Reads the sheets once, one row at
    a time, without openpyxl; WorkbookError if the file cannot be read.
    """
    p = check_xlsx(path)
    wanted = {at for at in names.values() if isinstance(at, tuple)}
    values: dict[tuple[str, str], object] = {}
    errors: list[CellError] = []
    stale: list[str] = []
    formulas: set = set()
    with _reading(p), zipfile.ZipFile(p) as z:
        sheets, strings_part = _worksheets(z)
        strings = [] if strings_part is None else [_text(si) for _, si in _elements(z, strings_part, {"si"})]
        for title, part in sheets:
            for ref, value, kind, formula in _sheet_cells(z, part, strings):
                if (title, ref) in wanted:
                    values[title, ref] = value
                    if formula:
                        formulas.add((title, ref))
                if _shows_error(value, kind):
                    errors.append(CellError(title, ref, str(value)))
                elif value == POISON:
                    stale.append(f"{title}!{ref}")
    return Cells(names, values, errors, stale, formulas)


# --- the staged copy an engine recalculates ---------------------------------------------------

_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_FORMULA = re.compile(rb"<f\b[^>]*/>|<f\b[^>]*>.*?</f>", re.S)
_FORMULA_TEXT = re.compile(rb"<f\b[^>]*>(.*?)</f>|<formula[12]?>(.*?)</formula[12]?>", re.S)
_TYPE = re.compile(rb'\st="[^"]*"')
_TOKEN = re.compile(rb"[A-Za-z_\\][A-Za-z0-9_.]*")
_DEFINED = re.compile(rb"<definedName\b([^>]*)>(.*?)</definedName>|<definedName\b[^>]*/>", re.S)
_NAME_ATTR = re.compile(rb'\sname="([^"]*)"')


def _poison_cell(m: re.Match) -> bytes:
    body = m[2]
    if body is None or b"<f" not in body:
        return m[0]
    f = _FORMULA.search(body)
    if f is None:  # pragma: no cover - "<f" in a value or inline string, not a formula
        return m[0]
    return b"<c" + _TYPE.sub(b"", m[1]) + b">" + f[0] + b"<v>" + _POISON_XML + b"</v></c>"


def _poison_sheet(data: Iterator[bytes], tokens: set[bytes], poison: bool = True) -> Iterator[bytes]:
    """A worksheet part with every formula cell's cached value replaced by :data:`POISON`.

    Streams the part (cut after a complete ``</c>``) and adds the words of every formula to
    ``tokens`` (lower case), so that the defined names a formula uses are kept.
    """
    buf = b""
    for chunk in data:
        buf += chunk
        cut = buf.rfind(b"</c>")
        if cut < 0:
            continue
        cut += 4
        head, buf = buf[:cut], buf[cut:]
        yield _poisoned(head, tokens, poison)
    yield _poisoned(buf, tokens, poison)


def _poisoned(xml: bytes, tokens: set[bytes], poison: bool) -> bytes:
    for m in _FORMULA_TEXT.finditer(xml):
        tokens.update(t.lower() for t in _TOKEN.findall(m[1] if m[1] is not None else m[2]))
    return _CELL.sub(_poison_cell, xml) if poison else xml


def _used_names(workbook_xml: bytes, tokens: set[bytes]) -> bytes:
    """``workbook.xml`` keeping only the defined names a formula (or a kept name) uses, and sheet-level ones."""
    defs = []
    for m in _DEFINED.finditer(workbook_xml):
        name = _NAME_ATTR.search(m[1] or m[0])
        defs.append((m, (name[1] if name else b"").lower()))
    keep = {id(m) for m, name in defs if name.startswith(b"_xlnm.") or b"localsheetid" in (m[1] or b"").lower()}
    used = set(tokens)
    grew = True
    while grew:  # a kept name's own formula may use other names
        grew = False
        for m, name in defs:
            if id(m) not in keep and name in used:
                keep.add(id(m))
                used.update(t.lower() for t in _TOKEN.findall(m[2] or b""))
                grew = True
    out, last = [], 0
    for m, _ in defs:
        if id(m) not in keep:
            out += [workbook_xml[last:m.start()]]
            last = m.end()
    out.append(workbook_xml[last:])
    return b"".join(out).replace(b"<definedNames></definedNames>", b"")


def stage_copy(src: str | os.PathLike, dest: str | os.PathLike, *, poison: bool = True) -> Path:
    """The copy of ``src`` an engine recalculates: formula caches poisoned, unused names left out.

    Every formula cell of every worksheet gets :data:`POISON` as its cached value (any value
    type; not with ``poison=False``), so an engine that kept the cached values cannot pass; defined names that no formula
    uses are dropped from ``xl/workbook.xml`` (verification reads them from ``src``).  Nothing
    else changes.  ``src`` must have passed :func:`xlsizing.fileio.check_xlsx` and
    :func:`defined_names` (no DTD anywhere).
    """
    src, dest = Path(src), Path(dest)
    tokens: set[bytes] = set()
    with _reading(src), zipfile.ZipFile(src) as zin, \
            zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        sheets = {part for _, part in _worksheets(zin)[0]}
        infos = zin.infolist()
        for info in infos:
            if info.filename == "xl/workbook.xml":
                continue  # written last: it needs the names the formulas use
            if info.filename in sheets:
                with zin.open(info) as f, zout.open(info.filename, "w", force_zip64=True) as out:
                    for piece in _poison_sheet(iter(lambda: f.read(1 << 22), b""), tokens, poison):
                        out.write(piece)
            else:
                with zin.open(info) as f, zout.open(info.filename, "w", force_zip64=True) as out:
                    shutil.copyfileobj(f, out, 1 << 22)
        zout.writestr("xl/workbook.xml", _used_names(zin.read("xl/workbook.xml"), tokens))
    return dest


def default_timeout(paths: Sequence[str | os.PathLike]) -> float:
    """Seconds one engine call may take for ``paths``: 300 s, more for many or large workbooks.

    60 s plus 2 s a workbook plus 1 s per MB the workbooks declare uncompressed, at least 300 s.
    """
    size = 0
    for p in paths:
        with zipfile.ZipFile(p) as z:
            size += sum(i.file_size for i in z.infolist())
    return max(DEFAULT_TIMEOUT, 60.0 + 2.0 * len(paths) + size / 1e6)


def verify_workbooks(paths: Iterable[str | os.PathLike], *, timeout: float | None = None,
                     profile: str | os.PathLike | None = None,
                     specs: Sequence[Sheet] | None = None, engine: str = "libreoffice",
                     jobs: int | None = None) -> list[Report]:
    """Recalculate ``paths`` in ``engine`` and check each against the Python engine.

    ``engine`` is ``"libreoffice"``, ``"gnumeric"`` or ``"all"`` (the reports of each engine in
    turn, in :data:`xlsizing.recalc.ENGINES` order).  The workbooks are spread over ``jobs``
    engine processes (None: one per core); ``timeout`` bounds each engine call (None: from
    :func:`default_timeout`).  Untrusted files are checked before anything inflates them, and
    their XML for a DTD before an engine parses them (WorkbookError).  Returns one
    :class:`Report` per path and engine, in order; a caller decides what a failure means.
    """
    engines = list(ENGINES) if engine == "all" else [check_engine(engine)]
    jobs = check_jobs(jobs)
    if timeout is not None:
        timeout = check_timeout(timeout)
    paths = [Path(p) for p in paths]
    for p in paths:
        check_xlsx(p)
    if not paths:
        return []
    names = [defined_names(p) for p in paths]
    for p, n in zip(paths, names):  # before LibreOffice starts: a workbook xlsizing did not write is no mismatch
        if not any(_columns(n, s) for s in sheetlist.sheets(specs)):
            raise WorkbookError(f"{p}: not an xlsizing workbook (no defined names such as mau_wan_1); verify "
                                "checks workbooks written by xlsizing build, batch or fill")
    with tempfile.TemporaryDirectory(prefix="xlsizing-verify-") as tmp:
        staged = []
        for i, p in enumerate(paths):
            dest = Path(tmp) / "in" / f"wb{i:05d}.xlsx"  # unique names: inputs may share a stem
            dest.parent.mkdir(exist_ok=True)
            staged.append(stage_copy(p, dest))
        reports = []
        for eng in engines:
            out = Path(tmp) / f"out-{eng}"
            copies = [out / s.name for s in staged]  # what recalculate writes
            share = -(-len(staged) // min(jobs, len(staged)))
            limit = timeout if timeout is not None else default_timeout(staged[:share])
            try:
                outs = recalculate(staged, out, timeout=limit, profile=profile, engine=eng, jobs=jobs)
                reports += [check_cells(recalculated_cells(o, n), p, specs, ENGINE_NAMES[eng])
                            for p, o, n in zip(paths, outs, names)]
            except WorkbookError as e:  # name the user's files, not the staged copies
                msg = str(e)
                for s, o, p in zip(staged, copies, paths):
                    msg = msg.replace(str(s.resolve()), str(p)).replace(str(s), str(p))
                    msg = msg.replace(str(o.resolve()), f"{p} (recalculated copy)").replace(str(o), f"{p} (recalculated copy)")
                raise WorkbookError(msg) from None
        return reports
