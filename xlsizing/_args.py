"""Argument checking and broadcasting for the model functions: the one helper they all share.

A model function is declared once with the rule each argument must meet::

    @checked(mau_wan=POSITIVE, activity_ratio=FRACTION)
    def dau_wan(mau_wan, activity_ratio=0.15):
        return mau_wan * activity_ratio

and the decorator turns every argument into a float array, refuses what the rule forbids with a
message that names the argument, quotes the value and says what is allowed, checks that the
arguments broadcast together, and returns a Python ``float`` when every argument was a scalar.
The undecorated kernel stays reachable as ``dau_wan.kernel`` for chains that check their inputs
once.

numpy is imported only when an argument is not a plain number: an all-scalar call runs the kernel
on Python floats (IEEE doubles, the same arithmetic as float64), so a command that sizes a few
scenarios never pays numpy's import.  Should float arithmetic raise where numpy would give
``inf``/``nan`` (``1/0.0``), the call is redone on numpy scalars, so both paths return the same
numbers.
"""

from __future__ import annotations

import functools
import inspect
import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

# what counts as a plain number (the scalar path); bool is an int but never a number here
_PLAIN = (int, float)


@dataclass(frozen=True)
class Rule:
    """What an argument may be: ``allowed`` is the human text, ``lo``/``hi`` the bounds."""

    allowed: str
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = True
    hi_open: bool = True

    def whole_ok(self, a: np.ndarray) -> bool:
        # min/max propagate NaN, and NaN compares False, so NaN fails here too.
        if a.size == 0:
            return True
        mn, mx = a.min(), a.max()
        lo_ok = mn > self.lo if self.lo_open else mn >= self.lo
        hi_ok = mx < self.hi if self.hi_open else mx <= self.hi
        return bool(lo_ok and hi_ok and mx < math.inf and mn > -math.inf)

    def element_ok(self, v: float) -> bool:
        if not math.isfinite(v):
            return False
        lo_ok = v > self.lo if self.lo_open else v >= self.lo
        hi_ok = v < self.hi if self.hi_open else v <= self.hi
        return lo_ok and hi_ok


POSITIVE = Rule("> 0", lo=0.0)
NONNEGATIVE = Rule(">= 0", lo=0.0, lo_open=False)
FRACTION = Rule("in (0, 1]", lo=0.0, hi=1.0, hi_open=False)
PROPORTION = Rule("in [0, 1)", lo=0.0, hi=1.0, lo_open=False)
AT_LEAST_ONE = Rule(">= 1", lo=1.0, lo_open=False)
ANY = Rule("a finite number")


def _numpy_types():
    """(bool types, number types) including numpy's when numpy is loaded (else no value can be one)."""
    np = sys.modules.get("numpy")
    if np is None:
        return (bool,), (int, float)
    return (bool, np.bool_), (int, float, np.integer, np.floating)


def fmt_value(v) -> str:
    """Quote a value the way messages show it: 1.5, -3, nan, 'abc'."""
    bools, numbers = _numpy_types()
    if isinstance(v, bools):
        return str(bool(v))
    if isinstance(v, numbers):
        try:
            return f"{float(v):.15g}"
        except OverflowError:  # an integer beyond float range (and maybe beyond str() limits)
            return f"{'-' if v < 0 else ''}an integer of about {int(v).bit_length() * 0.30103:.0f} digits"
    if isinstance(v, str):
        return repr(v if len(v) <= 40 else v[:37] + "...")
    if v is None:
        return "empty"
    return repr(v)


def _position(shape, flat_index) -> str:
    if len(shape) == 0:
        return ""
    import numpy as np

    idx = np.unravel_index(flat_index, shape)
    return f" (at index {idx[0] if len(idx) == 1 else tuple(int(i) for i in idx)})"


def _check_element(name: str, v: float, rule: Rule, where: str = "") -> None:
    """Raise InvalidInput if the float ``v`` is not finite or breaks ``rule`` (``where``: its index)."""
    if not math.isfinite(v):
        raise InvalidInput(f"{name} must be a finite number, got {fmt_value(v)}{where}")
    if not rule.element_ok(v):
        raise InvalidInput(f"{name} must be {rule.allowed}, got {fmt_value(v)}{where}")


def is_plain(value) -> bool:
    """True for a Python int or float (not bool): what :func:`as_float` takes without numpy.

    >>> is_plain(3), is_plain(2.5), is_plain(True), is_plain("3"), is_plain([1.0])
    (True, True, False, False, False)
    """
    return isinstance(value, _PLAIN) and not isinstance(value, bool)


def as_float(name: str, value, rule: Rule) -> float:
    """Return a plain number ``value`` as a float, or raise InvalidInput naming ``name``.

    The scalar twin of :func:`as_array` (same messages); anything but an int or float is refused.

    >>> as_float("mfu", 1, FRACTION)
    1.0
    >>> as_float("mfu", 1.5, FRACTION)
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: mfu must be in (0, 1], got 1.5
    """
    if not is_plain(value):
        raise InvalidInput(f"{name} must be a number, got {fmt_value(value)}")
    try:
        v = float(value)
    except OverflowError:
        raise InvalidInput(f"{name} must be a finite number, got a number beyond float range") from None
    _check_element(name, v, rule)
    return v


def scalar_call(kernel: Callable, args: list[float]) -> float:
    """``kernel(*args)`` on Python floats, redone on numpy float64 where float arithmetic raises.

    Python raises ZeroDivisionError/OverflowError where numpy returns ``inf`` or ``nan``; the
    retry gives exactly numpy's answer, so the scalar path never differs from the array path.
    The result is in the kernel's own unit.

    >>> scalar_call(lambda a, b: a / b, [3.0, 2.0]), scalar_call(lambda a, b: a / b, [1.0, 0.0])
    (1.5, inf)
    """
    try:
        return float(kernel(*args))
    except ArithmeticError:
        import numpy as np

        with np.errstate(all="ignore"):
            return float(kernel(*(np.float64(a) for a in args)))


def as_array(name: str, value, rule: Rule) -> np.ndarray:
    """Return ``value`` as a float64 array, or raise InvalidInput naming ``name``."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        a = value
    elif isinstance(value, float) and not isinstance(value, bool):
        a = np.asarray(value)
    else:
        if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
            raise InvalidInput(f"{name} must be a number, got {fmt_value(value)}")
        try:
            raw = np.asarray(value)
        except (ValueError, TypeError):
            raise InvalidInput(
                f"{name} must be a number or a rectangular array of numbers, got a ragged array"
            ) from None
        if raw.dtype.kind in "iuf":
            a = raw.astype(np.float64, copy=False)
        else:
            if raw.dtype.kind != "O" and not isinstance(value, np.ndarray):
                raw = np.asarray(value, dtype=object)  # keep each element's own Python type
            flat = raw.ravel()
            for i, v in enumerate(flat):
                if isinstance(v, (bool, np.bool_, str, bytes)) or v is None or not isinstance(
                    v, (int, float, np.integer, np.floating)
                ):
                    raise InvalidInput(
                        f"{name} must be a number, got {fmt_value(v)}{_position(raw.shape, i)}"
                    )
            try:
                a = raw.astype(np.float64)
            except OverflowError:
                raise InvalidInput(f"{name} must be a finite number, got a number beyond float range") from None
    if not rule.whole_ok(a):
        for i, v in enumerate(a.ravel()):
            v = float(v)
            if not (math.isfinite(v) and rule.element_ok(v)):
                _check_element(name, v, rule, _position(a.shape, i))
    return a


def checked(**rules: Rule) -> Callable:
    """Decorate a kernel so its arguments are validated and broadcast (see module docstring)."""

    def decorate(kernel: Callable) -> Callable:
        sig = inspect.signature(kernel)
        names = list(sig.parameters)
        missing = set(names) - set(rules)
        if missing:  # pragma: no cover - a programming error caught at import
            raise TypeError(f"{kernel.__name__}: no rule for {sorted(missing)}")
        defaults = {n: p.default for n, p in sig.parameters.items() if p.default is not p.empty}

        @functools.wraps(kernel)
        def wrapper(*args, **kwargs):
            if kwargs or len(args) != len(names):
                bound = sig.bind(*args, **kwargs)
                values = [bound.arguments.get(n, defaults.get(n)) for n in names]
            else:
                values = args
            if all(is_plain(v) for v in values):  # the numpy-free path (see the module docstring)
                return scalar_call(kernel, [as_float(n, v, rules[n]) for n, v in zip(names, values)])
            import numpy as np

            arrays = [as_array(n, v, rules[n]) for n, v in zip(names, values)]
            if all(a.ndim == 0 for a in arrays):
                return float(kernel(*arrays))
            try:
                np.broadcast_shapes(*(a.shape for a in arrays))
            except ValueError:
                shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays) if a.ndim)
                raise InvalidInput(f"array arguments have shapes that do not fit together: {shapes}") from None
            return np.asarray(kernel(*arrays), dtype=np.float64)

        wrapper.kernel = kernel
        wrapper.rules = rules
        return wrapper

    return decorate
