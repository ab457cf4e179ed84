"""Excel worksheet functions (xlwings UDFs): the Figure 11 chain, one function per step.

Point xlwings at this module (``UDF Modules: xlsizing.udfs``; ``xlsizing addin`` writes that
setting) and click *Import Functions*: Excel then knows ``=DAU(…)``, ``=DAILY_TOKENS(…)``,
``=TOKENS_PER_S(…)``, ``=INFER_FLOPS(…)``, ``=H20_CARDS(…)``, ``=SERVERS(…)`` and
``=SERVER_CAPEX(…)`` in the category "xlsizing", with every argument's help and unit in the
Function Wizard.  Each function is a one-line shell over :mod:`xlsizing.model`, with the same
arguments in the same order (``layout.formula`` writes ``IFERROR(H20_CARDS(flops,card_tflops,mfu),…)``
from the model's signature), and the units of the Figure 11 row it computes.

How cell values are treated (the same in every function, through :func:`cells`):

* a single cell or a constant gives one result; a range (row, column or block) gives an array of
  the same shape, which Excel 365 spills; a single value is repeated against a range;
* an empty cell in a required argument gives an empty result for that element; in an optional
  argument it means the default (as an omitted argument does);
* an error cell (``#N/A``, ``#DIV/0!`` …) gives the same error text for that element;
* text, TRUE/FALSE and out-of-range numbers give a one-line message for that element, e.g.
  ``mfu must be in (0, 1], got 1.5``; the other elements still compute;
* a result too large for a number (overflow) shows ``#NUM!``.

>>> cards = H20_CARDS(INFER_FLOPS(1300, TOKENS_PER_S(DAILY_TOKENS(DAU(10000))), 4))
>>> round(SERVER_CAPEX(cards), 2)
759.09
>>> H20_CARDS([[3.2e19], [None], ["#N/A"]], 148, [[0.5], [0.5], [0.5]])
[[43.24324324324324], [None], ['#N/A']]
"""

from __future__ import annotations

from . import model, udfs_beyond, udfs_economics, udfs_plan, udfs_table
from .udfs_beyond import *  # noqa: F401,F403 - every function of __all__ below, for Import Functions
from .udfs_economics import *  # noqa: F401,F403 - the Economics sheet's functions, likewise
from .udfs_plan import *  # noqa: F401,F403 - the planner's function
from .udfs_table import *  # noqa: F401,F403 - the whole sized table (DataFrame converter)
from .udfs_core import ERROR_CODES, HELP_LIMIT, NUM_ERROR, _short, cells, udf  # noqa: F401 - the public helpers

# --- the Figure 11 chain ---------------------------------------------------------------------


@udf(model.dau_wan,
     mau="Monthly active users in 万人 (10,000 people), e.g. 6000 = 60 million. A cell or a range.",
     activity_ratio="DAU/MAU activity ratio, a fraction in (0, 1]. Default 0.15 (15%, the report's "
                    "900/6000). Empty = default.")
def DAU(mau, activity_ratio=model.ACTIVITY_RATIO):
    """Daily active users (万人) = mau (万人) × activity_ratio; default ratio 15% as in Figure 11.

    >>> DAU(6000), DAU([[10000], [20000]])
    (900.0, [[1500.0], [3000.0]])
    """
    return cells(model.dau_wan, mau=mau, activity_ratio=activity_ratio)


@udf(model.daily_tokens_yi,
     dau="Daily active users in 万人 (10,000 people), e.g. 1500; the result of DAU.",
     ref_tokens="Daily tokens on the reference day in 亿 (1e8) tokens. Default 40000 (4万亿, Doubao "
                "in December 2024).",
     ref_dau="DAU on the reference day in 万人. Default 900.")
def DAILY_TOKENS(dau, ref_tokens=model.REF_TOKENS_YI, ref_dau=model.REF_DAU_WAN):
    """Daily tokens (亿) = ref_tokens (亿) × dau / ref_dau (万人); defaults 40000亿 at 900万 DAU.

    >>> DAILY_TOKENS(1500)
    66666.66666666667
    """
    return cells(model.daily_tokens_yi, dau=dau, ref_tokens=ref_tokens, ref_dau=ref_dau)


@udf(model.tokens_per_s_yi,
     daily_tokens="Daily tokens in 亿 (1e8) tokens, e.g. 40000; the result of DAILY_TOKENS.",
     seconds_basis="Seconds the daily tokens are spread over. Default 129600 (86,400 × 1.5, "
                   "reproduces the report); 86400 = a calendar day.")
def TOKENS_PER_S(daily_tokens, seconds_basis=model.SECONDS_BASIS_REPORT):
    """Tokens per second (亿/s) = daily_tokens (亿) / seconds_basis (s); default 129,600 s as in Figure 11.

    >>> round(TOKENS_PER_S(40000), 9), round(TOKENS_PER_S(40000, 86400), 9)
    (0.308641975, 0.462962963)
    """
    return cells(model.tokens_per_s_yi, daily_tokens=daily_tokens, seconds_basis=seconds_basis)


@udf(model.infer_flops,
     params="Model parameters in 亿 (1e8), e.g. 1300 = 130B.",
     tokens_per_s="Tokens per second in 亿 (1e8) tokens/s, e.g. 0.3086; the result of TOKENS_PER_S.",
     peak_multiplier="Peak-to-average multiplier, at least 1 (the report: 4; 5 in the optimistic case).")
def INFER_FLOPS(params, tokens_per_s, peak_multiplier):
    """Inference compute (FLOP/s) = 2 × params (亿) × 1e8 × tokens_per_s (亿/s) × 1e8 × peak_multiplier.

    >>> f"{INFER_FLOPS(1300, 40000 / 129600, 4):.5E}"
    '3.20988E+19'
    """
    return cells(model.infer_flops, params=params, tokens_per_s=tokens_per_s, peak_multiplier=peak_multiplier)


@udf(model.h20_cards_wan,
     flops="Compute demand in FLOP/s (FLOPS), e.g. 3.2E+19; the result of INFER_FLOPS.",
     card_tflops="Peak compute of one card in TFLOPS (1e12 FLOP/s). Default 148 (H20, BF16 dense).",
     mfu="Model FLOPs utilization, a fraction in (0, 1], e.g. 50% or 0.5. Default 0.5. Empty = default.")
def H20_CARDS(flops, card_tflops=model.H20_TFLOPS, mfu=model.MFU):
    """Accelerator cards needed (万张) = flops / (card_tflops × 1e12 × mfu) / 1e4; defaults H20 148 TFLOPS, MFU 50%.

    >>> round(H20_CARDS(3.2098765432098766e19), 5)
    43.37671
    >>> H20_CARDS(3.2e19, 148, 1.5)
    'mfu must be in (0, 1], got 1.5'
    """
    return cells(model.h20_cards_wan, flops=flops, card_tflops=card_tflops, mfu=mfu)


@udf(model.servers_wan,
     cards="Accelerator cards in 万张 (10,000 cards); the result of H20_CARDS.",
     cards_per_server="Cards per server, at least 1. Default 8.")
def SERVERS(cards, cards_per_server=model.CARDS_PER_SERVER):
    """Servers (万台) = cards (万张) / cards_per_server, fractional as in the report; default 8 cards a server.

    >>> SERVERS(80)
    10.0
    """
    return cells(model.servers_wan, cards=cards, cards_per_server=cards_per_server)


@udf(model.server_capex_yi,
     cards="Accelerator cards in 万张 (10,000 cards); the result of H20_CARDS.",
     server_price="Average price of one server in 万元 (10,000 CNY). Default 84 (the report's H20 server).",
     cards_per_server="Cards per server, at least 1. Default 8.")
def SERVER_CAPEX(cards, server_price=model.SERVER_PRICE_WAN, cards_per_server=model.CARDS_PER_SERVER):
    """AI-server capex (亿元) = cards (万张) / cards_per_server × server_price (万元); defaults 8 cards, 84万元.

    >>> round(SERVER_CAPEX(43.37671004337670), 2)
    455.46
    """
    return cells(model.server_capex_yi, cards=cards, server_price=server_price, cards_per_server=cards_per_server)


__all__ = ["DAU", "DAILY_TOKENS", "TOKENS_PER_S", "INFER_FLOPS", "H20_CARDS", "SERVERS", "SERVER_CAPEX"]

# Everything xlwings' Import Functions registers: the chain above, the Beyond, Economics and planner functions,
# and the whole sized table.
__all__ += (list(udfs_beyond.__all__) + list(udfs_economics.__all__) + list(udfs_plan.__all__)
            + list(udfs_table.__all__))
