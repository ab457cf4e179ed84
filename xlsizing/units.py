"""Unit conversions used by the report: 万 = 1e4, 亿 = 1e8, TFLOPS = 1e12 FLOP/s.

All conversions live here so no other module multiplies by a bare 1e8.  Figure 11 states MAU and
DAU in 万人, parameters and tokens in 亿, card compute in TFLOPS, cards in 万张, prices in 万元
and capex in 亿元.

>>> from_yi(1300)          # 1300亿 parameters
130000000000.0
>>> to_wan(433_767.0)      # cards → 万张
43.3767
"""

WAN = 1e4  # 万
YI = 1e8  # 亿
TERA = 1e12  # T in TFLOPS, TB/s
GIGA = 1e9  # GB = 1e9 bytes (vendor units); GB/s, GWh → MWh
MEGA = 1e6  # MW, MWh per GWh... and "per 1M tokens"
KILO = 1e3
HOURS_PER_YEAR = 8760.0  # 365 × 24
DAYS_PER_YEAR = 365.0
SECONDS_PER_DAY = 86_400.0
# A 365-day year (no leap day) of 24-hour days, as TCO models and Epoch AI count them.
HOURS_PER_DAY = 24.0
SECONDS_PER_HOUR = 3600.0  # J per Wh: 1 Wh = 3,600 W·s

# Excel formula spellings of the same constants, so workbook formulas use the very same numbers.
# Written with an explicit exponent sign (1E+8): every engine parses it (the `formulas` Python
# engine rejects 1E8), and Excel shows it so.
WAN_XL = "1E+4"
YI_XL = "1E+8"
TERA_XL = "1E+12"
GIGA_XL = "1E+9"
MEGA_XL = "1E+6"
KILO_XL = "1000"
HOURS_PER_YEAR_XL = "8760"
DAYS_PER_YEAR_XL = "365"
HOURS_PER_DAY_XL = "24"
SECONDS_PER_HOUR_XL = "3600"


def from_wan(x):
    """万 → units."""
    return x * WAN


def to_wan(x):
    """Units → 万."""
    return x / WAN


def from_yi(x):
    """亿 → units."""
    return x * YI


def to_yi(x):
    """Units → 亿."""
    return x / YI


def from_tera(x):
    """T (1e12) → units, e.g. TFLOPS → FLOP/s."""
    return x * TERA
