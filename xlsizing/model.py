"""The Figure 11 sizing chain as pure functions: users → tokens → FLOPS → cards → servers → capex.

Source of the chain: Minsheng Securities, 2024-12-26, "豆包大模型推理算力需求测算", Figure 11
(transcribed in ``shared/reference/figure11.md``).  Each function reads like the spreadsheet
function of the same step: named for the quantity it returns, positional arguments in the order a
sheet user fills them, the unit in every parameter name (``_wan`` = 万, ``_yi`` = 亿).

Every function takes scalars or numpy arrays (broadcast together); all-scalar calls return a
Python float.  Bad input raises :class:`xlsizing.errors.InvalidInput` naming the argument.

>>> cards = h20_cards_wan(infer_flops(1300, tokens_per_s_yi(daily_tokens_yi(dau_wan(10000))), 4))
>>> round(cards, 5), round(server_capex_yi(cards), 2)
(72.29452, 759.09)
"""

from __future__ import annotations

from ._args import AT_LEAST_ONE, FRACTION, POSITIVE, checked
from .units import SECONDS_PER_DAY, TERA, WAN, YI

# Report defaults (Figure 11): a 1300亿 (130B) parameter model, DAU/MAU 15% (900/6000), base day
# 40000亿 tokens at 900万 DAU, 129,600 s per "day" (86,400 × 1.5, unexplained in the report), H20
# 148 TFLOPS, MFU 50%, 8 cards and 84万元 per server; printed but unused by the chain: 2 s inference
# time and 8.4万元 per H20 card.
PARAMS_YI = 1300.0
INFERENCE_TIME_S = 2.0
CARD_PRICE_WAN = 8.4
ACTIVITY_RATIO = 0.15
REF_TOKENS_YI = 40000.0
REF_DAU_WAN = 900.0
SECONDS_BASIS_CALENDAR = SECONDS_PER_DAY
SECONDS_BASIS_REPORT = SECONDS_PER_DAY * 1.5  # 129,600 s
H20_TFLOPS = 148.0
MFU = 0.5
SERVER_PRICE_WAN = 84.0
CARDS_PER_SERVER = 8.0


@checked(mau_wan=POSITIVE, activity_ratio=FRACTION)
def dau_wan(mau_wan, activity_ratio=ACTIVITY_RATIO):
    """Daily active users (万人) = MAU (万人) × DAU/MAU activity ratio.

    The report uses 15% (900万 DAU / 6000万 MAU).

    >>> dau_wan(6000)
    900.0
    >>> dau_wan([10000, 20000], 0.15).tolist()
    [1500.0, 3000.0]
    """
    return mau_wan * activity_ratio


@checked(dau_wan=POSITIVE, ref_tokens_yi=POSITIVE, ref_dau_wan=POSITIVE)
def daily_tokens_yi(dau_wan, ref_tokens_yi=REF_TOKENS_YI, ref_dau_wan=REF_DAU_WAN):
    """Daily tokens (亿) scaled with DAU from a reference day: ref tokens × DAU / ref DAU.

    The report's reference is 40000亿 tokens a day at 900万 DAU (December 2024).  The exact
    ratio, not the printed 66667, is what reproduces the printed FLOPS and capex.

    >>> daily_tokens_yi(1500)
    66666.66666666667
    """
    return ref_tokens_yi * dau_wan / ref_dau_wan


@checked(daily_tokens_yi=POSITIVE, seconds_basis=POSITIVE)
def tokens_per_s_yi(daily_tokens_yi, seconds_basis=SECONDS_BASIS_REPORT):
    """Tokens per second (亿/s) = daily tokens (亿) / seconds basis (s).

    The report divides by 129,600 s = 86,400 × 1.5 without explaining the 1.5; 86,400 (a
    calendar day, ``SECONDS_BASIS_CALENDAR``) is the plain alternative.

    >>> round(tokens_per_s_yi(40000), 9)
    0.308641975
    >>> round(tokens_per_s_yi(40000, 86400), 9)
    0.462962963
    """
    return daily_tokens_yi / seconds_basis


@checked(params_yi=POSITIVE, tokens_per_s_yi=POSITIVE, peak_multiplier=AT_LEAST_ONE)
def infer_flops(params_yi, tokens_per_s_yi, peak_multiplier):
    """Inference compute (FLOP/s) ≈ 2 × parameters × tokens/s × peak multiplier.

    Parameters in 亿 (1300 = 130B), tokens/s in 亿.

    >>> f"{infer_flops(1300, 40000 / 129600, 4):.5e}"
    '3.20988e+19'
    """
    return 2.0 * (params_yi * YI) * (tokens_per_s_yi * YI) * peak_multiplier


@checked(flops=POSITIVE, card_tflops=POSITIVE, mfu=FRACTION)
def h20_cards_wan(flops, card_tflops=H20_TFLOPS, mfu=MFU):
    """Accelerator cards (万张) = FLOP/s / (card peak TFLOPS × 1e12 × MFU).

    Defaults are the report's H20: 148 TFLOPS (BF16 dense) at 50% MFU.

    >>> round(h20_cards_wan(3.2098765432098766e19), 5)
    43.37671
    """
    return flops / (card_tflops * TERA * mfu) / WAN


@checked(cards_wan=POSITIVE, cards_per_server=AT_LEAST_ONE)
def servers_wan(cards_wan, cards_per_server=CARDS_PER_SERVER):
    """Servers (万台) = cards (万张) / cards per server, fractional as in the report.

    >>> servers_wan(80)
    10.0
    """
    return cards_wan / cards_per_server


@checked(cards_wan=POSITIVE, server_price_wan=POSITIVE, cards_per_server=AT_LEAST_ONE)
def server_capex_yi(cards_wan, server_price_wan=SERVER_PRICE_WAN, cards_per_server=CARDS_PER_SERVER):
    """AI-server capex (亿元) = cards (万张) / cards per server × server price (万元).

    万张 × 万元 = 亿元, so no further conversion.  The report: 8 cards, 84万元 per server.

    >>> round(server_capex_yi(43.37671), 2)
    455.46
    """
    return cards_wan / cards_per_server * server_price_wan


CHAIN = (dau_wan, daily_tokens_yi, tokens_per_s_yi, infer_flops, h20_cards_wan, servers_wan, server_capex_yi)
