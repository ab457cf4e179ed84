"""Elementwise functions for kernels that run on Python floats or on numpy arrays.

A kernel (:mod:`xlsizing.model`, :mod:`xlsizing.beyond`) receives floats on the scalar path of
:func:`xlsizing._args.checked` and float64 arrays on the array path; these helpers give numpy's
result on both, importing numpy only when an argument is an array.

>>> floor(2.7), ceil(-0.5), maximum(1.0, float("nan")), where(3.0 > 2.0, 1.0, 0.0)
(2.0, -0.0, nan, 1.0)
"""

from __future__ import annotations

import math


def _np():
    import numpy

    return numpy


def floor(x):
    """``numpy.floor``: largest whole number <= x (signed zero, inf and nan kept)."""
    if type(x) is float:
        return math.copysign(float(math.floor(x)), x) if math.isfinite(x) else x
    return _np().floor(x)


def ceil(x):
    """``numpy.ceil``: smallest whole number >= x (``ceil(-0.5)`` is ``-0.0``, as in numpy)."""
    if type(x) is float:
        return math.copysign(float(math.ceil(x)), x) if math.isfinite(x) else x
    return _np().ceil(x)


def maximum(a, b):
    """``numpy.maximum``: the larger of a and b, nan if either is nan."""
    if type(a) is float and type(b) is float:
        if a != a or b != b:
            return math.nan
        return a if a > b else b  # numpy returns b on a tie (0.0 vs -0.0)
    return _np().maximum(a, b)


def minimum(a, b):
    """``numpy.minimum``: the smaller of a and b, nan if either is nan."""
    if type(a) is float and type(b) is float:
        if a != a or b != b:
            return math.nan
        return a if a < b else b
    return _np().minimum(a, b)


def exp(x):
    """``numpy.exp``: e to the power x (0.0 below about -745, inf above about 709, as numpy)."""
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf
    return _np().exp(x)


def log(x):
    """``numpy.log`` for x > 0: the natural logarithm (callers keep x positive)."""
    if type(x) is float and x > 0:
        return math.log(x)
    return _np().log(x)


def where(condition, x, y):
    """``numpy.where``: x where ``condition`` holds, else y."""
    if type(condition) is bool:
        return x if condition else y
    return _np().where(condition, x, y)
