"""Numbers as a spreadsheet displays them: rounded half away from zero, on the shown decimal value.

Excel and LibreOffice keep at most 15 significant digits of a double for display and round the
last shown digit half away from zero (Excel: "Display Settings … 15 significant digits",
https://learn.microsoft.com/en-us/office/troubleshoot/excel/floating-point-arithmetic-inaccurate-result;
LibreOffice: ``rtl::math::doubleToUString`` with ``rtl_math_RoundingMode_Corrected``).  Python's
own ``format`` rounds the binary value half to even, so 0.125 shows 0.12 in the terminal and
0.13 in the workbook; these helpers give the workbook's text.

>>> fixed(0.125, 2), fixed(-0.125, 2), fixed(2.5, 0), fixed(1.005, 2)
('0.13', '-0.13', '3', '1.01')
>>> percent(0.5625, 1), scientific(1.3374485596707818e20, 5), scientific(5e-7, 2)
('56.3%', '1.33745E+20', '5.00E-07')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

SIGNIFICANT = 15  # digits of a double that Excel and LibreOffice display


def _shown(v: float) -> Decimal:
    """The decimal value a spreadsheet shows for ``v`` before the format's rounding.

    Zero has no sign in a spreadsheet: -0.0 shows 0.
    """
    return Decimal(0) if v == 0 else Decimal(f"{v:.{SIGNIFICANT - 1}e}")


def _fmt(d: Decimal, spec: str) -> str:
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP  # half away from zero, for either sign
        return format(d, spec)


_STEP = tuple(Decimal(1).scaleb(-k) for k in range(31))  # 1, 0.1, 0.01, … : the quantum of k decimals


def _fixed(d: Decimal, decimals: int) -> str:
    """``d`` rounded half away from zero to ``decimals`` digits (``_fmt(d, ".Nf")``, without a context switch)."""
    try:
        return format(d.quantize(_STEP[decimals], rounding=ROUND_HALF_UP), "f")
    except (InvalidOperation, IndexError):  # more digits than the context's 28: the general path
        return _fmt(d, f".{decimals}f")


def _special(v: float) -> str | None:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def fixed(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` digits after the point (the number format ``0.00``)."""
    v = float(value)
    return _special(v) or _fixed(_shown(v), decimals)


def percent(value: float, decimals: int) -> str:
    """``value`` × 100 with a percent sign (the number format ``0.0%``)."""
    v = float(value)
    return _special(v) or _fixed(_shown(v) * 100, decimals) + "%"


def scientific(value: float, decimals: int) -> str:
    """``value`` as ``1.23E+20`` (the number format ``0.00E+00``: at least two exponent digits)."""
    v = float(value)
    special = _special(v)
    if special:
        return special
    if v == 0:
        return f"{0.0:.{decimals}E}"
    mant, exp = _fmt(_shown(v), f".{decimals}E").split("E")
    return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
