"""Verify workbooks in a real spreadsheet engine: recalculate in LibreOffice, compare with Python.

For every sheet that declares rows (:func:`xlsizing.workbook.sheet_specs`) and is present in a
workbook (found by its defined names), the input cells are read back from the recalculated
copy, the sheet's ``evaluate`` recomputes every row in Python, and every computed cell must
agree to ``rel_tol`` (1e-12; LibreOffice saves 15 significant digits).  Every cell of every
sheet is also scanned for error values (``#NAME?``, ``#VALUE!``, ``Err:502`` ...).

Recalculation uses an always-recalculate profile (:mod:`xlsizing.recalc`), so wrong cached
values in a file cannot make it pass.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ._args import fmt_value
from .errors import WorkbookError, XlsizingError
from .fileio import check_xlsx, load_workbook
from .recalc import DEFAULT_TIMEOUT, recalculate
from .workbook import SheetSpec, named_cell, sheet_specs

REL_TOL = 1e-12
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
    a.xlsx: FAILED — 1 error cell(s)
      Figure 11!D20 shows #NAME?
    """

    path: Path
    mismatches: list[Mismatch] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # structural: missing names, bad inputs
    checked: int = 0
    sheets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.errors and not self.problems and self.checked > 0

    def summary(self, limit: int = 20) -> str:
        name = str(self.path)
        if self.ok:
            return (f"{name}: OK — {self.checked} computed cells on {', '.join(self.sheets)} agree with the "
                    f"Python engine (relative tolerance {REL_TOL:g}); no error cells")
        parts = []
        if self.problems:
            parts.append(f"{len(self.problems)} problem(s)")
        if self.mismatches:
            parts.append(f"{len(self.mismatches)} of {self.checked} computed cells differ")
        if self.errors:
            parts.append(f"{len(self.errors)} error cell(s)")
        if not parts:
            parts.append("no computed cells found")
        lines = [f"{name}: FAILED — {', '.join(parts)}"]
        items = [*self.problems, *map(str, self.mismatches), *map(str, self.errors)]
        lines += [f"  {x}" for x in items[:limit]]
        if len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more")
        return "\n".join(lines)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_error(c) -> bool:
    if c.data_type == "e":
        return True
    return isinstance(c.value, str) and c.value.startswith(ERROR_TEXTS) and len(c.value) <= 16


def _columns(names, spec: SheetSpec) -> int:
    """How many scenario columns of ``spec`` a workbook has (by its defined names)."""
    ins = spec.input_rows
    if not ins:
        return 0
    n = 0
    while spec.name(ins[0].key, n + 1) in names:
        n += 1
    return n


def check_values(original, recalculated, path: Path, specs: Sequence[SheetSpec] | None = None) -> Report:
    """Compare a recalculated openpyxl workbook (``data_only=True``) with the Python engine.

    ``original`` supplies the defined names (the workbook as the user has it).
    """
    rep = Report(Path(path))
    names = original.defined_names
    specs = list(specs) if specs is not None else sheet_specs()
    present = [(s, _columns(names, s)) for s in specs]
    present = [(s, n) for s, n in present if n]
    if not present:
        rep.problems.append("no xlsizing sheet found (no defined names such as mau_wan_1); "
                            "is this a workbook written by xlsizing?")

    def value(name: str):
        ws, ref = named_cell(recalculated, name)
        return ws.title, ref, ws[ref].value

    for spec, n in present:
        rep.sheets.append(spec.sheet)
        inputs, bad = {}, False
        scen = []
        for j in range(1, n + 1):
            nm = spec.name("scenario_name", j)
            try:
                scen.append(str(value(nm)[2]))
            except KeyError:
                scen.append(f"column {j}")
        needed = [(r.key, spec) for r in spec.input_rows]
        for key in spec.reads:
            owner = next((s for s, _ in present if s is not spec and s.name(key, 1) in names), None)
            if owner is None:
                rep.problems.append(f"{spec.sheet}: reads {key!r}, which no sheet of the workbook has")
                bad = True
            else:
                needed.append((key, owner))
        for key, owner in needed:
            col = []
            for j in range(1, n + 1):
                nm = owner.name(key, j)
                try:
                    sheet, ref, v = value(nm)
                except KeyError as e:
                    rep.problems.append(f"{spec.sheet}: {e.args[0]}")
                    bad = True
                    continue
                if not _is_number(v):
                    rep.problems.append(f"{sheet}!{ref} ({nm}): input must be a number, got "
                                        f"{'empty' if v is None else repr(v)}")
                    bad = True
                    continue
                rule = next((getattr(r, "rule", None) for r in owner.input_rows if r.key == key), None)
                if rule is not None and not rule.element_ok(float(v)):
                    rep.problems.append(f"{sheet}!{ref} ({nm}): {key} must be {rule.allowed}, got {fmt_value(v)}")
                    bad = True
                    continue
                col.append(float(v))
            inputs[key] = np.array(col, dtype=np.float64)
        if bad:
            continue
        try:
            expected = spec.evaluate(inputs)
        except XlsizingError as e:
            rep.problems.append(f"{spec.sheet}: the inputs are not valid: {e}")
            continue
        for row in spec.computed_rows:
            for j in range(1, n + 1):
                nm = spec.name(row.key, j)
                try:
                    sheet, ref, got = value(nm)
                except KeyError as e:
                    rep.problems.append(f"{spec.sheet}: {e.args[0]}")
                    continue
                exp = float(np.asarray(expected[row.key])[j - 1])
                rep.checked += 1
                if _is_number(got) and math.isclose(got, exp, rel_tol=REL_TOL, abs_tol=1e-300):
                    continue
                if isinstance(got, str) and got.startswith(ERROR_TEXTS):
                    continue  # reported once, by the error scan below
                rep.mismatches.append(Mismatch(sheet, ref, row.key, f"{row.zh} / {row.en}", scen[j - 1], exp, got))
    for ws in recalculated.worksheets:
        for line in ws.iter_rows():
            for c in line:
                if c.value is not None and _is_error(c):
                    rep.errors.append(CellError(ws.title, c.coordinate, str(c.value)))
    return rep


def verify_workbooks(paths: Iterable[str | os.PathLike], *, timeout: float = DEFAULT_TIMEOUT,
                     profile: str | os.PathLike | None = None,
                     specs: Sequence[SheetSpec] | None = None) -> list[Report]:
    """Recalculate ``paths`` in LibreOffice (one call) and check each against the Python engine.

    Untrusted files are checked before anything inflates them (WorkbookError).  Returns one
    :class:`Report` per path, in order; a caller decides what a failure means.
    """
    paths = [Path(p) for p in paths]
    for p in paths:
        check_xlsx(p)
    if not paths:
        return []
    with tempfile.TemporaryDirectory(prefix="xlsizing-verify-") as tmp:
        staged = []
        for i, p in enumerate(paths):
            dest = Path(tmp) / "in" / f"wb{i:05d}.xlsx"  # unique names: inputs may share a stem
            dest.parent.mkdir(exist_ok=True)
            shutil.copyfile(p, dest)
            staged.append(dest)
        copies = [Path(tmp) / "out" / s.name for s in staged]  # what recalculate writes
        try:
            outs = recalculate(staged, Path(tmp) / "out", timeout=timeout, profile=profile)
            reports = []
            for p, out in zip(paths, outs):
                original = load_workbook(p)
                recalculated = load_workbook(out, data_only=True)
                reports.append(check_values(original, recalculated, p, specs))
        except WorkbookError as e:  # name the user's files, not the staged copies
            msg = str(e)
            for s, o, p in zip(staged, copies, paths):
                msg = msg.replace(str(s), str(p)).replace(str(o), f"{p} (recalculated copy)")
            raise WorkbookError(msg) from None
        return reports
