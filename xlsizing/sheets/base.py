"""The sheet abstraction: a :class:`Row` is defined once, a :class:`Sheet` is an ordered set of rows.

Every rendering reads these definitions: the Python results (:func:`evaluate`,
:func:`evaluate_column`), the workbook writer (labels, number formats, formulas through
:func:`formula`, defined names through :meth:`Sheet.name`), ``fill``, ``verify``, the terminal /
CSV / JSON renderer, the scenario-file keys and their rules, ``batch --grid`` and the Notes sheet.

A computed row names the model function that computes it; the function's parameter names are the
keys of the rows it reads, so the Python computation, the spreadsheet formula (whose ``{key}``
placeholders must name exactly those rows) and the Excel function (same arguments, same order)
cannot drift apart silently.  A key is unique across every sheet of the product, so a formula may
read a row of an earlier sheet by its key; the writer points that reference to the other sheet.

**Linked inputs.** An input row may declare ``link="<key of a row of an earlier sheet>"``: unless a
scenario sets the input itself, it takes that row's value — in Python and, in a workbook, as a
formula pointing at the other sheet's cell (styled as a link), so the sheet follows a change there.
In the arrays given to :func:`evaluate`, NaN in a linked input means "not set: follow the link";
that lets one call mix scenarios that set the input with scenarios that do not.

>>> from xlsizing.sheets import FIGURE11, evaluate_column
>>> v = evaluate_column({"mau_wan": 10000, "peak_multiplier": 4}, [FIGURE11])
>>> round(v["capex_yi"], 2)
759.09
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from .._args import POSITIVE, Rule, as_array, as_float, scalar_call
from ..errors import InvalidInput
from ..suggest import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Row:
    """One row of a sheet: an input (``rule``), a computed row (``fn`` + ``native``) or a text row."""

    key: str
    zh: str
    en: str
    unit: str
    fmt: str  # Excel number format; also the printed precision of the terminal table
    section: str = ""
    default: float | None = None  # inputs only
    rule: Rule | None = None  # inputs only
    fn: Callable | None = None  # computed rows: the model function (checked, with .kernel)
    native: str | None = None  # computed rows: formula template with {key} placeholders
    udf: str | None = None  # Excel function name wrapping ``native`` in IFERROR
    text: str | None = None  # text rows (the formula line)
    doc: str = ""
    link: str | None = None  # inputs only: the key of an earlier sheet's row this input follows
    # computed rows that are differences of nearly equal numbers (a margin near 0): the magnitude,
    # from the column's values by key, that verify's relative tolerance applies to instead of the
    # row's own value — the conditioning of the difference, e.g. max(|revenue|, |cost|) / |revenue|
    scale: Callable[[Mapping[str, float]], float] | None = None
    # computed rows: ``(parameter, row key)`` pairs for model parameters that read a row of another
    # name (the Beyond sheet's own server price feeds ``server_price_wan`` of the model function);
    # pairs naming a parameter the function lacks are ignored
    bind: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = field(default=(), init=False)  # the row keys read, in the model's parameter order

    def __post_init__(self):
        if self.fn is not None:
            params = tuple(inspect.signature(self.fn).parameters)
            bound = dict(self.bind)
            if bound and not set(bound) & set(params):  # pragma: no cover - programming error caught at import
                raise TypeError(f"row {self.key}: binds {sorted(bound)}, none a parameter of the model")
            args = tuple(bound.get(p, p) for p in params)
            object.__setattr__(self, "args", args)
            used = set(_PLACEHOLDER.findall(self.native or ""))
            if used != set(args):  # pragma: no cover - programming error caught at import
                raise TypeError(f"row {self.key}: formula uses {sorted(used)}, model uses {sorted(args)}")
        if self.link is not None and self.rule is None:  # pragma: no cover
            raise TypeError(f"row {self.key}: only an input can follow a link")

    @property
    def is_input(self) -> bool:
        return self.rule is not None

    @property
    def is_computed(self) -> bool:
        return self.fn is not None

    @property
    def is_linked(self) -> bool:
        return self.link is not None


def row_in(key, zh, en, unit, fmt, default, rule, section="", doc="", link=None) -> Row:
    """An input row (positional shorthand used by the sheet modules)."""
    return Row(key, zh, en, unit, fmt, section=section, default=default, rule=rule, doc=doc, link=link)


@dataclass(frozen=True)
class Grid:
    """A two-way sensitivity table of one computed row over two inputs, written below a sheet's rows.

    The writer builds its formulas from the rows themselves (the chain from the two inputs to
    ``result`` is inlined), so nothing is typed twice; the Python values come from the same
    evaluator with the two inputs replaced.
    """

    result: str  # key of the computed row shown
    row_input: str  # key of the input varied down the rows
    row_values: tuple[float, ...]
    col_input: str  # key of the input varied across the columns
    col_values: tuple[float, ...]
    title_zh: str
    title_en: str
    chart_title: str
    row_fmt: str = "0%"
    col_fmt: str = '0"×"'
    fmt: str = "#,##0"
    choose_max: int = 16  # scenario columns the grid's selector can choose from (CHOOSE over names)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the writer caches per sheet
class Sheet:
    """One sheet of rows for N scenario columns.

    ``key``: a short identifier (``figure11``); ``title``: the worksheet's name; ``prefix`` starts
    every defined name of the sheet (unique per workbook); ``chart``: ``(row key, title)`` of a
    native column chart by scenario; ``grid``: an optional :class:`Grid`; ``notes``: ``(heading,
    text)`` lines for the Notes sheet; ``formula_lines``: lines the Notes sheet prints above the
    chain.
    """

    key: str
    title: str
    rows: tuple[Row, ...]
    prefix: str = ""
    title_zh: str = ""
    title_en: str = ""
    source: str = ""
    section_titles: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    chart: tuple[str, str] | None = None
    grid: Grid | None = None
    notes: tuple[tuple[str, str], ...] = ()
    formula_lines: tuple[str, ...] = ()
    # (fn, key, ...): fn(values of the keys in one column) -> why that column is flagged ('' when not);
    # the renderer lists the flagged columns under ``explain_title``
    explain: tuple | None = None
    explain_title: str = ""
    # (row keys, title): a clustered column chart over these consecutive rows, one series per
    # scenario (the capex-by-year schedule); categories are the rows' Chinese labels
    series_chart: tuple[tuple[str, ...], str] | None = None
    master: str | None = None  # key of the master-check row (1 = every check holds); verify reports 0

    def __post_init__(self):
        keys = [r.key for r in self.rows]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:  # pragma: no cover - programming error
            raise TypeError(f"sheet {self.key}: rows {dup} defined twice")
        row = {r.key: r for r in self.rows}
        inputs = tuple(r for r in self.rows if r.is_input)
        computed = tuple(r for r in self.rows if r.is_computed)
        reads = []
        for r in computed:
            reads += [k for k in r.args if k not in row]
        reads += [r.link for r in inputs if r.link is not None and r.link not in row]
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "computed", computed)
        object.__setattr__(self, "reads", tuple(dict.fromkeys(reads)))
        object.__setattr__(self, "order", dependency_order(computed, {r.key for r in inputs} | set(self.reads)))

    # set in __post_init__: row (key → Row), inputs, computed, reads (keys of earlier sheets' rows
    # that formulas and links use), order (computed rows in dependency order)

    def name(self, key: str, column: int) -> str:
        """The workbook-level defined name of row ``key`` in scenario column ``column`` (1-based)."""
        return defined_name(key, column, self.prefix)

    @property
    def input_rows(self):
        return list(self.inputs)

    @property
    def computed_rows(self):
        return list(self.computed)

    @property
    def headline(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.udf)


def defined_name(key: str, column: int, prefix: str = "") -> str:
    """The workbook-level name of a row's cell in scenario column ``column`` (1-based).

    The ``_<n>`` suffix keeps every name from looking like a cell reference (``MFU1`` is a cell).

    >>> defined_name("mfu", 1), defined_name("batch", 3, "bx_")
    ('mfu_1', 'bx_batch_3')
    """
    if column < 1:
        raise ValueError(f"column must be >= 1, got {column}")
    return f"{prefix}{key}_{column}"


def formula(row: Row, ref: Callable[[str], str], with_udf: bool = True) -> str:
    """The spreadsheet formula of ``row`` (with leading ``=``); ``ref(key)`` gives a cell reference.

    Headline rows call their Excel function and fall back to the native formula where the add-in
    is missing: ``IFERROR(H20_CARDS(...), <native>)`` — IFERROR traps the ``#NAME?`` of an
    unknown function, while classic xlwings errors are text and stay visible.  A linked input's
    formula is the reference to the row it follows.

    >>> from xlsizing.sheets import FIGURE11
    >>> formula(FIGURE11.row["cards_wan"], lambda k: k.upper())
    '=IFERROR(H20_CARDS(FLOPS,CARD_TFLOPS,MFU),FLOPS/(CARD_TFLOPS*1E+12*MFU)/1E+4)'
    """
    if row.is_linked:
        return f"={ref(row.link)}"
    if not row.is_computed:
        raise ValueError(f"row {row.key!r} has no formula")
    native = row.native.format(**{k: ref(k) for k in row.args})
    if row.udf and with_udf:
        return f"=IFERROR({row.udf}({','.join(ref(k) for k in row.args)}),{native})"
    return f"={native}"


def inline_formula(rows: Mapping[str, Row], key: str, ref: Callable[[str], str], through: set[str]) -> str:
    """The native formula of ``rows[key]`` with every computed row in ``through`` inlined (no ``=``).

    Used by the sensitivity grid: the rows between the varied inputs and the result are expanded,
    the others referenced with ``ref``.
    """
    row = rows[key]
    return row.native.format(**{k: (f"({inline_formula(rows, k, ref, through)})" if k in through else ref(k))
                                for k in row.args})


def depends_on(rows: Mapping[str, Row], key: str, keys: set[str]) -> bool:
    """True when computed row ``key`` reads any of ``keys``, directly or through other computed rows."""
    row = rows.get(key)
    if row is None or not row.is_computed:
        return False
    return any(a in keys or depends_on(rows, a, keys) for a in row.args)


def dependency_order(computed, known) -> tuple[Row, ...]:
    """Computed rows ordered so each comes after the rows it reads (``known``: keys given as inputs)."""
    done = set(known)
    order, pending = [], list(computed)
    while pending:
        ready = [r for r in pending if set(r.args) <= done]
        if not ready:  # pragma: no cover - a programming error caught at import
            raise TypeError(f"rows with unknown inputs: {[(r.key, sorted(set(r.args) - done)) for r in pending]}")
        for r in ready:
            order.append(r)
            done.add(r.key)
            pending.remove(r)
    return tuple(order)


def check_sheets(sheets: Sequence[Sheet], reads: bool = False) -> None:
    """Refuse a sheet list whose titles, prefixes or keys clash; with ``reads``, also one whose sheets read
    rows no earlier sheet has (a workbook must hold them; an evaluation may take them as inputs)."""
    seen: dict[str, str] = {}
    titles, prefixes = set(), set()
    for s in sheets:
        if s.title in titles or s.title == "Notes":
            raise ValueError(f"two sheets are titled {s.title!r}")
        if s.prefix in prefixes:
            raise ValueError(f"sheet {s.title!r}: defined-name prefix {s.prefix!r} is already used")
        titles.add(s.title)
        prefixes.add(s.prefix)
        for k in s.reads if reads else ():
            if k not in seen:
                raise ValueError(f"sheet {s.title!r} reads {k!r}, which no earlier sheet defines")
        for r in s.rows:
            if r.key in seen:
                raise ValueError(f"sheet {s.title!r}: row {r.key!r} is already a row of sheet {seen[r.key]!r}")
            seen[r.key] = s.title


def owner_row(sheets: Sequence[Sheet], key: str) -> Row | None:
    """The row ``key`` of whichever sheet defines it, or None."""
    for s in sheets:
        if key in s.row:
            return s.row[key]
    return None


def all_inputs(sheets: Sequence[Sheet]) -> list[Row]:
    return [r for s in sheets for r in s.inputs]


def _unknown(key: str, sheets: Sequence[Sheet]):
    allowed = [r.key for r in all_inputs(sheets)]
    raise InvalidInput(f"unknown input {key!r}{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}")


def _is_unset(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _collect(sheets: Sequence[Sheet], inputs: Mapping[str, object], convert, values: dict,
             universe: Sequence[Sheet]) -> None:
    """Check ``inputs`` against every input row of ``sheets`` (a row's own, else its default); unknown keys refused.

    Keys read from sheets outside ``sheets`` must be given too (checked with their own row's rule).
    Linked inputs are resolved during evaluation (:func:`_link`).
    """
    known = {r.key for s in sheets for r in s.inputs}
    outside = [k for s in sheets for k in s.reads if owner_row(sheets, k) is None]
    for k in inputs:
        # a row of a sheet left out of ``sheets`` (a value read from it) is not unknown
        if k not in known and k not in outside and owner_row(universe, k) is None:
            _unknown(k, sheets)
    for k in dict.fromkeys(outside):
        if k not in inputs:
            src = next((s.title for s in universe if k in s.row), "another")
            raise InvalidInput(f"{k} is required (read from the {src} sheet)")
        r = owner_row(universe, k)
        values[k] = convert(k, inputs[k], (r.rule if r is not None and r.rule else None) or POSITIVE)


def _evaluate(sheets, inputs, convert, compute, link, universe, fit=None) -> dict:
    """Check each sheet's inputs, then compute its rows (``fit(values)`` first checks that they fit together)."""
    values: dict = {}
    _collect(sheets, inputs, convert, values, universe if universe is not None else sheets)
    for s in sheets:
        for r in s.inputs:
            v = inputs.get(r.key)
            if r.is_linked:
                values[r.key] = link(r, v, values)
                continue
            if r.key not in inputs:
                v = r.default
            if v is None:
                raise InvalidInput(f"{r.key} is required ({r.en}, {r.unit or 'ratio'})")
            values[r.key] = convert(r.key, v, r.rule)
        if fit is not None:
            fit(values)
        for r in s.order:
            values[r.key] = compute(r, values)
    return values


def evaluate_sheets(sheets: Sequence[Sheet], inputs: Mapping[str, object],
                    universe: Sequence[Sheet] | None = None) -> dict[str, np.ndarray]:
    """Every row's value of ``sheets`` for ``inputs`` (scalars or arrays, broadcast), each input checked once.

    Returns float64 arrays of the broadcast shape, keyed by row key.  Inputs not given take their
    row's default; a linked input not given (or NaN) takes the value of the row it follows.
    ``universe``: every sheet of the product, for the rows ``sheets`` read from sheets left out.
    """
    import numpy as np

    def link(r, v, values):
        target = values[r.link]
        if v is None:
            return as_array(r.key, target, r.rule)
        own = np.asarray(v, dtype=np.float64) if not isinstance(v, np.ndarray) else v
        try:
            merged = np.where(np.isnan(own), target, own) if own.dtype.kind == "f" else own
        except (TypeError, ValueError):
            merged = own
        return as_array(r.key, merged, r.rule)

    def compute(r, values):
        return np.asarray(r.fn.kernel(*(values[a] for a in r.args)), dtype=np.float64)

    def fit(values):
        try:
            return np.broadcast_shapes(*(a.shape for a in values.values()))
        except ValueError:
            shapes = ", ".join(f"{k} {a.shape}" for k, a in values.items() if a.ndim)
            raise InvalidInput(f"input arrays have shapes that do not fit together: {shapes}") from None

    with np.errstate(all="ignore"):
        values = _evaluate(sheets, inputs, as_array, compute, link, universe, fit)
    shape = fit(values)
    return {k: np.broadcast_to(v, shape) for k, v in values.items()}


def evaluate_sheets_column(sheets: Sequence[Sheet], inputs: Mapping[str, object],
                           universe: Sequence[Sheet] | None = None) -> dict[str, float]:
    """:func:`evaluate_sheets` for one scenario of plain numbers, as Python floats, without numpy.

    The same checks, messages and numbers (to the last bit) as the array path on one column; the
    workbook writer and the terminal table use it, so a command that sizes a few scenarios does
    not import numpy.
    """

    def link(r, v, values):
        return as_float(r.key, values[r.link] if _is_unset(v) else v, r.rule)

    def compute(r, values):
        return scalar_call(r.fn.kernel, [values[a] for a in r.args])

    return _evaluate(sheets, inputs, as_float, compute, link, universe)


def evaluate_sheets_grid(sheets: Sequence[Sheet], inputs: Mapping[str, object], result: str,
                         row_input: str, row_values: Sequence[float], col_input: str, col_values: Sequence[float],
                         universe: Sequence[Sheet] | None = None) -> list[list[float]]:
    """``result`` of :func:`evaluate_sheets_column` for each ``row_input`` × ``col_input`` value (a sensitivity grid).

    One full evaluation checks the scenario; each cell then recomputes only the rows (and linked
    inputs) that move with the two inputs, with the same kernels in the same order, so every cell is
    the number a full evaluation with those two inputs gives, to the last bit.
    """
    first = evaluate_sheets_column(sheets, {**inputs, row_input: row_values[0], col_input: col_values[0]}, universe)
    moving, steps = {row_input, col_input}, []
    for s in sheets:
        for r in s.inputs:
            if r.is_linked and r.link in moving and r.key not in moving and _is_unset(inputs.get(r.key)):
                moving.add(r.key)
                steps.append(r)
        for r in s.order:
            if any(a in moving for a in r.args):
                moving.add(r.key)
                steps.append(r)
    rule = {k: owner_row(sheets, k).rule for k in (row_input, col_input)}
    out = []
    for a in row_values:
        line = []
        for b in col_values:
            v = dict(first)
            v[row_input], v[col_input] = as_float(row_input, a, rule[row_input]), as_float(col_input, b, rule[col_input])
            for r in steps:
                v[r.key] = (as_float(r.key, v[r.link], r.rule) if r.is_input
                            else scalar_call(r.fn.kernel, [v[x] for x in r.args]))
            line.append(v[result])
        out.append(line)
    return out


def decimals(row: Row) -> int:
    """Digits after the point in the row's number format (percent formats count as such)."""
    m = re.search(r"0\.(0+)", row.fmt)
    return len(m.group(1)) if m else 0


def display(row: Row, value: float) -> str:
    """Format ``value`` the way the row prints in the report (and in the workbook's number format).

    >>> from xlsizing.sheets import FIGURE11
    >>> display(FIGURE11.row["flops"], 1.3374485596707818e20), display(FIGURE11.row["mfu"], 0.5)
    ('1.33745E+20', '50%')
    """
    if row.fmt == "@":
        return str(value)
    v = float(value)
    if row.fmt.startswith('"'):  # a text-only format such as "TRUE";"TRUE";"FALSE" (positive; negative; zero)
        parts = [p.strip('"') for p in row.fmt.split(";")]
        return parts[0] if v > 0 else parts[min(1, len(parts) - 1)] if v < 0 else parts[-1]
    if not math.isfinite(v):
        return "#NUM!"
    from .. import _display  # rounded as Excel and LibreOffice show the cell (half away from zero)

    d = decimals(row)
    if "E+" in row.fmt:
        return _display.scientific(v, d)
    if row.fmt.endswith("%"):
        return _display.percent(v, d)
    return _display.fixed(v, d)
