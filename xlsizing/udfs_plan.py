"""The planner as an Excel function: the planned fleet of a scenario and its configuration as text.

One shell over :func:`xlsizing.planner.plan`.  A scenario is one call (single cells, not ranges: the
search runs once per scenario); the result is a row of two cells that spills to the right: the
figure asked for, and the configuration, e.g. ``132753.3 | H20 FP8, 2 cards per replica, batch 32``.
Bad input gives one message in the cell, as every xlsizing function.

>>> [[cards, config]] = PLAN_BEST(6000, 4, 1300, "H20")      # the report's End-2024 column
>>> round(cards), config
(132753, 'H20 FP8, 2 cards per replica, batch 32')
>>> PLAN_BEST(6000, 4, 1300, "H20", "fp8", 0.002)[0][0][:56]
'no configuration meets the targets: H20: no configuratio'
>>> PLAN_BEST(6000, 4, 1300, "H2O")
"accelerators: unknown accelerator 'H2O'; did you mean H20?"
"""

from __future__ import annotations

from .errors import InvalidInput, XlsizingError
from .udfs_core import ERROR_CODES, _short, udf

FIGURES = {  # figure argument -> (Config attribute, what it is)
    "cards": ("cards", "cards (plain count)"), "servers": ("servers", "whole servers"),
    "cost": ("cost_per_mtok_yuan", "元 per 1M tokens"), "capex": ("fleet_capex_yi", "亿元"),
    "power": ("fleet_power_mw", "MW"), "tpot": ("decode_step_s", "s"),
}


class _Default:
    pass


_DEFAULT = _Default()


def _one(name: str, v, default=_DEFAULT):
    """The single value of a cell argument (xlwings passes 2-D lists); empty → ``default``."""
    while isinstance(v, (list, tuple)):
        if len(v) != 1:
            raise InvalidInput(f"{name} must be a single cell (one scenario per call), got a range")
        v = v[0]
    if v is None or v == "":
        if default is _DEFAULT:
            raise InvalidInput(f"{name} is required")
        return default
    if isinstance(v, str) and v in ERROR_CODES:
        raise InvalidInput(f"{name} is the error {v}")
    return v


def _plan_best(mau, peak_multiplier, params, accelerators, precisions, tpot_s, ttft_s, objective, figure):
    fig = str(_one("figure", figure, "cards")).strip().lower()
    if fig not in FIGURES:
        raise InvalidInput(f"figure must be one of {', '.join(FIGURES)}, got {fig!r}")
    from . import planner  # numpy and the catalog: loaded on the first call, not when Excel imports the functions

    accs = _one("accelerators", accelerators, None)
    p = planner.plan({"mau_wan": _one("mau", mau), "peak_multiplier": _one("peak_multiplier", peak_multiplier),
                      "params_yi": _one("params", params, 1300.0)},
                     accelerators=accs if accs else None, precisions=_one("precisions", precisions, "bf16,fp8"),
                     tpot_s=_one("tpot_s", tpot_s, None), ttft_s_target=_one("ttft_s", ttft_s, planner.TTFT_S),
                     objective=_one("objective", objective, "cost"))
    if p.chosen is None:
        return [["no configuration meets the targets: " + p.reason, ""]]
    value = getattr(p.chosen, FIGURES[fig][0])
    return [[value if value is not None else "n/a", p.chosen.label]]


@udf(mau="Monthly active users in 万人 (10,000 people), e.g. 6000 (one cell).",
     peak_multiplier="Peak-to-average multiplier, at least 1 (the report: 4 or 5).",
     params="Model parameters in 亿 (1e8), dense; default 1300 (the report's 130B).",
     accelerators="Catalog accelerators to consider, comma-separated, e.g. \"H20,H100\"; empty: the whole catalog.",
     precisions="Precisions to consider, comma-separated; default \"bf16,fp8\".",
     tpot_s="Time-per-output-token target in seconds; default 0.05 (50 ms).",
     ttft_s="Time-to-first-token target in seconds; default 2.",
     objective="What to minimise: \"cost\" (元 per 1M tokens, default), \"capex\", \"cards\" or \"power\".",
     figure="What to return first: \"cards\" (default), \"servers\", \"cost\", \"capex\", \"power\" or \"tpot\".")
def PLAN_BEST(mau, peak_multiplier, params=1300.0, accelerators="", precisions="bf16,fp8", tpot_s=0.05, ttft_s=2.0,
              objective="cost", figure="cards"):
    """Planned fleet of a scenario: [figure, configuration] of the cheapest accelerator, precision, replica and batch meeting TPOT and TTFT; spills 2 cells.

    >>> PLAN_BEST(6000, 4, 1300, "H20", "bf16,fp8", 0.05, 2, "cost", "cost")[0][1]
    'H20 FP8, 2 cards per replica, batch 32'
    """
    try:
        return _plan_best(mau, peak_multiplier, params, accelerators, precisions, tpot_s, ttft_s, objective, figure)
    except XlsizingError as e:
        return _short(str(e))
    except Exception as e:  # noqa: BLE001 - a UDF must never hand Excel a traceback
        return _short(f"xlsizing internal error: {type(e).__name__}: {e}")


__all__ = ["PLAN_BEST"]
