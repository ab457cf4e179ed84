"""The rows of Figure 11, defined once: label (zh/en), unit, number format, input or formula.

Every rendering reads this module: the Python results (:func:`evaluate`), the workbook writer
(number formats, formulas through :func:`formula`), the terminal table (:func:`display`) and the
tests.  A computed row names the :mod:`xlsizing.model` function that computes it; the function's
parameter names are the keys of the rows it reads, so the Python computation, the spreadsheet
formula (whose ``{key}`` placeholders must name exactly those rows) and the Excel function (same
arguments, same order) cannot drift apart silently.  A LibreOffice recalculation test catches
any difference between the formula and the Python kernel.

>>> v = evaluate(figure11_inputs())
>>> [display(ROW["capex_yi"], x) for x in v["capex_yi"]]
['455.46', '759.09', '1138.64', '1897.73']
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from . import model
from ._args import ANY, AT_LEAST_ONE, FRACTION, POSITIVE, Rule, as_array, as_float, scalar_call

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
from .units import TERA_XL, WAN_XL, YI_XL

FIGURE11 = "figure11"  # the rows printed in the report's table
ASSUMPTIONS = "assumptions"  # inputs the report uses but does not print

SOURCE_LINE = (
    "资料来源：AI 产品榜、OpenAI 官网、豆包大模型官网、英伟达官网、36 氪，民生证券研究院测算 / "
    "Source: Minsheng Securities, 2024-12-26, Figure 11; chain reconstructed by xlsizing"
)
TITLE_ZH = "图11：三种假设情形下，豆包带来的推理需求测算"
TITLE_EN = "Figure 11: inference compute demand created by Doubao under three scenarios"
FORMULA_TEXT = "云端AI推理算力需求 ≈ 2 × 模型参数量 × 数据规模 × 峰值倍数"
FORMULA_TEXT_EN = "cloud inference compute ≈ 2 × parameters × tokens/s × peak multiplier"


@dataclass(frozen=True)
class Row:
    key: str
    zh: str
    en: str
    unit: str
    fmt: str  # Excel number format; also the printed precision of the terminal table
    section: str = FIGURE11
    default: float | None = None  # inputs only
    rule: Rule | None = None  # inputs only
    fn: Callable | None = None  # computed rows: the model function
    native: str | None = None  # computed rows: formula template with {key} placeholders
    udf: str | None = None  # Excel function name wrapping ``native`` in IFERROR
    text: str | None = None  # text rows (the formula line)
    doc: str = ""
    args: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self):
        if self.fn is not None:
            args = tuple(inspect.signature(self.fn).parameters)
            object.__setattr__(self, "args", args)
            used = set(re.findall(r"\{(\w+)\}", self.native or ""))
            if used != set(args):  # pragma: no cover - programming error caught at import
                raise TypeError(f"row {self.key}: formula uses {sorted(used)}, model uses {sorted(args)}")

    @property
    def is_input(self) -> bool:
        return self.rule is not None

    @property
    def is_computed(self) -> bool:
        return self.fn is not None


def _in(key, zh, en, unit, fmt, default, rule, section=FIGURE11, doc=""):
    return Row(key, zh, en, unit, fmt, section=section, default=default, rule=rule, doc=doc)


ROWS: tuple[Row, ...] = (
    # --- printed in Figure 11, in the report's order -------------------------------------------
    _in("mau_wan", "MAU", "Monthly active users", "万人", "0", None, POSITIVE),
    Row("dau_wan", "DAU", "Daily active users", "万人", "0",
        fn=model.dau_wan, native="{mau_wan}*{activity_ratio}"),
    _in("params_yi", "豆包(云雀)大模型参数量", "Model parameters", "亿", "0", 1300.0, POSITIVE),
    Row("daily_tokens_yi", "日均token调用量", "Daily tokens", "亿", "0",
        fn=model.daily_tokens_yi, native="{ref_tokens_yi}*{dau_wan}/{ref_dau_wan}"),
    _in("inference_time_s", "推理计算时间", "Inference time per request (printed, unused)", "s", "0",
        2.0, POSITIVE, doc="Printed by the report; it changes nothing else in the table."),
    Row("tokens_per_s_yi", "日均每秒token计算数量", "Tokens per second (daily average)", "亿", "0.00",
        fn=model.tokens_per_s_yi, native="{daily_tokens_yi}/{seconds_basis}"),
    _in("peak_multiplier", "峰值倍数", "Peak multiplier", "×", "0", None, AT_LEAST_ONE),
    Row("formula_text", "算力需求公式", "Compute formula", "", "@", text=FORMULA_TEXT),
    Row("flops", "算力需求结果", "Compute demand", "FLOPS", "0.00000E+00",
        fn=model.infer_flops, udf="INFER_FLOPS",
        native=f"2*{{params_yi}}*{YI_XL}*{{tokens_per_s_yi}}*{YI_XL}*{{peak_multiplier}}"),
    _in("card_tflops", "H20单卡算力", "H20 peak per card (BF16 dense)", "TFLOPS", "0", 148.0, POSITIVE),
    _in("mfu", "MFU", "Model FLOPs utilization", "", "0%", 0.5, FRACTION),
    Row("cards_wan", "需要H20卡数量", "H20 cards needed", "万张", "0",
        fn=model.h20_cards_wan, udf="H20_CARDS",
        native=f"{{flops}}/({{card_tflops}}*{TERA_XL}*{{mfu}})/{WAN_XL}"),
    _in("card_price_wan", "H20单价", "H20 price per card (printed, unused)", "万元", "0.0", 8.4, POSITIVE,
        doc="Printed by the report; the chain prices whole servers instead."),
    _in("server_price_wan", "H20服务器均价", "H20 server average price", "万元", "0", 84.0, POSITIVE),
    Row("capex_yi", "豆包大模型创造AI服务器需求", "AI-server capex created", "亿元", "0.00",
        fn=model.server_capex_yi, udf="SERVER_CAPEX",
        native="{cards_wan}/{cards_per_server}*{server_price_wan}"),
    # --- assumptions the chain needs but the report does not print ------------------------------
    _in("activity_ratio", "DAU/MAU活跃率", "DAU/MAU activity ratio", "", "0.0%", 0.15, FRACTION, ASSUMPTIONS,
        doc="900万 DAU / 6000万 MAU in the report's base column."),
    _in("ref_tokens_yi", "基准日均token调用量", "Reference daily tokens", "亿", "#,##0", 40000.0, POSITIVE,
        ASSUMPTIONS, doc="Doubao's December 2024 daily tokens (the report: over 4万亿)."),
    _in("ref_dau_wan", "基准DAU", "Reference DAU", "万人", "#,##0", 900.0, POSITIVE, ASSUMPTIONS,
        doc="DAU on the reference day; daily tokens scale with DAU / reference DAU."),
    _in("seconds_basis", "折算秒数", "Seconds basis", "s", "#,##0", model.SECONDS_BASIS_REPORT, POSITIVE,
        ASSUMPTIONS, doc="129,600 = 86,400 × 1.5 reproduces the report (the 1.5 is unexplained); "
                         "86,400 is a calendar day."),
    _in("cards_per_server", "每台服务器卡数", "Cards per server", "张", "0", 8.0, AT_LEAST_ONE, ASSUMPTIONS),
    Row("servers_wan", "H20服务器数量", "Servers (fractional, as the report)", "万台", "#,##0.00",
        section=ASSUMPTIONS, fn=model.servers_wan, native="{cards_wan}/{cards_per_server}"),
)

ROW: dict[str, Row] = {r.key: r for r in ROWS}
INPUTS: tuple[Row, ...] = tuple(r for r in ROWS if r.is_input)
COMPUTED: tuple[Row, ...] = tuple(r for r in ROWS if r.is_computed)
HEADLINE: tuple[Row, ...] = tuple(r for r in ROWS if r.udf)
SECTION_TITLES = {FIGURE11: ("图11", "Figure 11"),
                  ASSUMPTIONS: ("假设（报告未列出）", "Assumptions (used by the chain, not printed in Figure 11)")}


def defined_name(key: str, column: int, prefix: str = "") -> str:
    """The workbook-level name of a row's cell in scenario column ``column`` (1-based).

    The ``_<n>`` suffix keeps every name from looking like a cell reference (``MFU1`` is a cell).

    >>> defined_name("mfu", 1)
    'mfu_1'
    """
    if column < 1:
        raise ValueError(f"column must be >= 1, got {column}")
    return f"{prefix}{key}_{column}"


def formula(row: Row, ref: Callable[[str], str], with_udf: bool = True) -> str:
    """The spreadsheet formula of ``row`` (with leading ``=``); ``ref(key)`` gives a cell reference.

    Headline rows call their Excel function and fall back to the native formula where the add-in
    is missing: ``IFERROR(H20_CARDS(...), <native>)`` — IFERROR traps the ``#NAME?`` of an
    unknown function, while classic xlwings errors are text and stay visible.

    >>> formula(ROW["cards_wan"], lambda k: k.upper())
    '=IFERROR(H20_CARDS(FLOPS,CARD_TFLOPS,MFU),FLOPS/(CARD_TFLOPS*1E12*MFU)/1E4)'
    """
    if not row.is_computed:
        raise ValueError(f"row {row.key!r} has no formula")
    native = row.native.format(**{k: ref(k) for k in row.args})
    if row.udf and with_udf:
        return f"=IFERROR({row.udf}({','.join(ref(k) for k in row.args)}),{native})"
    return f"={native}"


def check_inputs(inputs: Mapping[str, object], convert: Callable = as_array) -> dict[str, np.ndarray]:
    """Validate every input row (missing ones take their default) and return float arrays.

    ``convert(key, value, rule)`` checks one input: :func:`~xlsizing._args.as_array` (arrays) or
    :func:`~xlsizing._args.as_float` (one scenario of plain numbers).
    """
    unknown = sorted(set(inputs) - {r.key for r in INPUTS})
    if unknown:
        raise_unknown(unknown[0])
    out = {}
    for r in INPUTS:
        v = inputs.get(r.key, r.default)
        if v is None:
            from .errors import InvalidInput

            raise InvalidInput(f"{r.key} is required ({r.en}, {r.unit or 'ratio'})")
        out[r.key] = convert(r.key, v, r.rule)
    return out


def raise_unknown(key: str):
    import difflib

    from .errors import InvalidInput

    close = difflib.get_close_matches(key, [r.key for r in INPUTS], n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise InvalidInput(f"unknown input {key!r}{hint}; allowed: {', '.join(r.key for r in INPUTS)}")


def evaluate(inputs: Mapping[str, object]) -> dict[str, np.ndarray]:
    """Every row's value for the given inputs (scalars or arrays, broadcast), checked once.

    Returns a dict keyed by row key holding float64 arrays of the broadcast shape.
    """
    import numpy as np

    values = check_inputs(inputs)
    try:
        shape = np.broadcast_shapes(*(a.shape for a in values.values()))
    except ValueError:
        from .errors import InvalidInput

        shapes = ", ".join(f"{k} {a.shape}" for k, a in values.items() if a.ndim)
        raise InvalidInput(f"input arrays have shapes that do not fit together: {shapes}") from None
    for r in COMPUTED_ORDER:
        values[r.key] = r.fn.kernel(*(values[a] for a in r.args))
    return {k: np.broadcast_to(v, shape) for k, v in values.items()}


def evaluate_column(inputs: Mapping[str, object]) -> dict[str, float]:
    """Every row's value for one scenario of plain numbers, as Python floats, without numpy.

    The same checks, messages and numbers (to the last bit) as :func:`evaluate` on one column;
    the workbook writer and the terminal table use it, so a command that sizes a few scenarios
    does not import numpy.

    >>> round(evaluate_column({"mau_wan": 10000, "peak_multiplier": 4})["capex_yi"], 2)
    759.09
    """
    return scalar_rows(COMPUTED_ORDER, check_inputs(inputs, as_float))


def scalar_rows(order, values: dict[str, float]) -> dict[str, float]:
    """Add the computed rows ``order`` to ``values`` (floats), each through its kernel, and return it.

    ``values`` holds every key the rows read, each in its row's unit (:attr:`Row.unit`); each
    computed row is added in its own unit.  Inputs are not checked here (:func:`evaluate_column`
    checks them).

    >>> v = scalar_rows(COMPUTED_ORDER, check_inputs({"mau_wan": 10000, "peak_multiplier": 4}, as_float))
    >>> round(v["cards_wan"], 5)   # 万张
    72.29452
    """
    for r in order:
        values[r.key] = scalar_call(r.fn.kernel, [values[a] for a in r.args])
    return values


# Up to this many scenarios, evaluating one at a time on floats beats importing numpy (~60-100 ms)
# (bench/bench_build.py); beyond it the array path is cheaper.  Both give the same numbers.
COLUMN_PATH_MAX = 256


def columns(evaluate_one, inputs: Sequence[Mapping[str, object]]) -> dict[str, list[float]]:
    """``{row key: [value per column]}`` from ``evaluate_one`` (e.g. :func:`evaluate_column`) of each column.

    Values keep each row's unit.  An empty ``inputs`` gives ``{}``.

    >>> v = columns(evaluate_column, [{"mau_wan": 6000, "peak_multiplier": 4}, {"mau_wan": 10000, "peak_multiplier": 4}])
    >>> [display(ROW["capex_yi"], x) for x in v["capex_yi"]]   # 亿元
    ['455.46', '759.09']
    """
    cols = [evaluate_one(c) for c in inputs]
    return {k: [c[k] for c in cols] for k in (cols[0] if cols else ())}


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


COMPUTED_ORDER = dependency_order(COMPUTED, (r.key for r in INPUTS))


def figure11_inputs() -> dict[str, np.ndarray]:
    """The report's four columns as input arrays (from the built-in scenario set)."""
    from .scenarios import load_builtin, to_inputs

    return to_inputs(load_builtin("figure11"))


def decimals(row: Row) -> int | None:
    """Digits after the point in the row's number format (percent formats count as such)."""
    m = re.search(r"0\.(0+)", row.fmt)
    return len(m.group(1)) if m else 0


def display(row: Row, value: float) -> str:
    """Format ``value`` the way the row prints in Figure 11 (and in the workbook's format).

    >>> display(ROW["flops"], 1.3374485596707818e20), display(ROW["mfu"], 0.5)
    ('1.33745E+20', '50%')
    """
    from . import _display  # rounded as Excel and LibreOffice show the cell (half away from zero)

    if row.fmt == "@":
        return str(value)
    d = decimals(row)
    if "E+" in row.fmt:
        return _display.scientific(value, d)
    if row.fmt.endswith("%"):
        return _display.percent(value, d)
    return _display.fixed(value, d)
