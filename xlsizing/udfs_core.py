"""The machinery every Excel function of xlsizing goes through: cell conversion, messages, help.

:func:`udf` registers a one-line shell with xlwings (Function Wizard help from its arguments'
``doc``, units included) and :func:`cells` converts Excel's cells into the model function's
arguments and its results back into cells (see :mod:`xlsizing.udfs` for what a user sees).
:mod:`xlsizing.udfs` (the Figure 11 chain) and :mod:`xlsizing.udfs_beyond` both build on it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import numbers
import re
from typing import Callable

import numpy as np
import xlwings as xw

from ._args import ANY, FRACTION, PROPORTION, Rule, as_array, fmt_value
from .errors import XlsizingError

CATEGORY = "xlsizing"  # the Function Wizard category of every function here
HELP_LIMIT = 255  # Excel cuts descriptions and argument help at 255 characters

# Error values a cell can hold; xlwings hands them over as these strings (err_to_str=True).
ERROR_CODES = frozenset({
    "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
    "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!",
})
NUM_ERROR = "#NUM!"
# A message this module produced (e.g. by a nested call) passes through unchanged.
_MESSAGE = re.compile(r"[a-z_][a-z0-9_, ]* must be [^\r\n]{1,150}\Z")
_NUMBER_TYPES = frozenset({float, int, np.float64, np.float32, np.int64, np.int32})
_MAX_MESSAGE = 160


class _WholeCall(Exception):
    """The call as a whole cannot be computed (ragged range, shapes that do not fit)."""


# --- the helper every UDF goes through -------------------------------------------------------


def cells(fn: Callable, /, *, text: tuple[str, ...] = (), **args):
    """Call model function ``fn`` on Excel-shaped arguments; errors become per-element text.

    Pass the arguments by their Excel names, in ``fn``'s parameter order (the i-th keyword is
    ``fn``'s i-th parameter; names only label the messages): scalars, 1-D lists or 2-D lists of
    rows with ``None`` for empty cells and ``"#N/A"``-style strings for error cells.  The result
    has the broadcast shape of the arguments (a plain value when all are single values); each
    element is a number, ``None`` (empty input), an error code, or a one-line message.  A
    ``@checked`` model function is validated per element against its ``.rules`` and computed once
    over all good elements with its ``.kernel``; any other function is called on the arrays and,
    if it raises (or answers in words), element by element.  Names in ``text`` are text arguments
    (e.g. an accelerator name): a single cell is passed as its value, a range element by element;
    empty means the default and a number is refused.  Never raises.  Use it as the one-line body of a UDF::

        @udf(model.h20_cards_wan, flops="…", card_tflops="…", mfu="…")
        def H20_CARDS(flops, card_tflops=148.0, mfu=0.5):
            \"\"\"Accelerator cards needed (万张) …\"\"\"
            return cells(model.h20_cards_wan, flops=flops, card_tflops=card_tflops, mfu=mfu)

    >>> from xlsizing import model
    >>> cells(model.servers_wan, cards=[[80], [-1], ["x"]], cards_per_server=8)
    [[10.0], ['cards must be > 0, got -1'], ["cards must be a number, got 'x'"]]
    >>> cells(model.servers_wan, cards=[80, 160], cards_per_server=None)  # empty → default 8
    [10.0, 20.0]
    """
    try:
        return _cells(fn, text, args)
    except _WholeCall as e:
        return str(e)
    except XlsizingError as e:
        return _short(str(e))
    except Exception as e:  # noqa: BLE001 - a UDF must never hand Excel a traceback
        return _short(f"xlsizing internal error: {type(e).__name__}: {e}")


def udf(model_fn: Callable | None = None, /, **docs: str) -> Callable:
    """Register a function with Excel: category "xlsizing", help for every argument (``docs``).

    The Function Wizard shows the docstring's first line and each ``docs[name]`` (both must fit
    in 255 characters; checked at import).  Every argument is read as a 2-D range (so a column
    stays a column) with error cells as text.  With ``model_fn`` the UDF's parameters must match
    the model function's count and defaults, so the Excel function and the workbook formula that
    calls it with every argument agree.  On Linux and macOS the xlwings decorators do nothing.

    >>> from xlsizing import model
    >>> @udf(model.servers_wan, cards="Cards in 万张.", cards_per_server="Cards per server; default 8.")
    ... def MY_SERVERS(cards, cards_per_server=8.0):
    ...     '''Servers (万台) = cards (万张) / cards_per_server.'''
    ...     return cells(model.servers_wan, cards=cards, cards_per_server=cards_per_server)
    >>> MY_SERVERS([[16], [None], [True]])
    [[2.0], [None], ['cards must be a number, got TRUE']]
    """

    def decorate(f: Callable) -> Callable:
        params = inspect.signature(f).parameters
        names = list(params)
        summary = (f.__doc__ or "").strip().splitlines()[0] if f.__doc__ else ""
        problems = []
        if not summary or len(summary) > HELP_LIMIT:
            problems.append(f"docstring first line must be 1..{HELP_LIMIT} characters")
        if set(docs) != set(names):
            problems.append(f"argument help for {sorted(set(names) ^ set(docs))}")
        problems += [f"help of {n} longer than {HELP_LIMIT}" for n, d in docs.items() if len(d) > HELP_LIMIT]
        problems += [f"{n} is not positional" for n, p in params.items() if p.kind is not p.POSITIONAL_OR_KEYWORD]
        if model_fn is not None:
            mparams = list(inspect.signature(model_fn).parameters.values())
            defaults = [p.default for p in params.values()]
            if len(mparams) != len(names) or defaults != [p.default for p in mparams]:
                problems.append(f"parameters and defaults must match {model_fn.__name__}")
        if problems:  # pragma: no cover - a programming error caught at import
            raise TypeError(f"{f.__name__}: " + "; ".join(problems))
        body = f

        @functools.wraps(body)  # same name, docstring and signature (inspect follows __wrapped__)
        def f(*args, **kwargs):
            try:
                return body(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - cells() never raises; this guards code around it
                return _short(f"xlsizing internal error: {type(e).__name__}: {e}")

        for name in reversed(names):
            f = xw.arg(name, ndim=2, err_to_str=True, doc=docs[name])(f)
        f = xw.func(category=CATEGORY)(f)
        if hasattr(f, "__xlfunc__"):  # real xlwings (Windows, Lite): the wizard shows only line 1
            f.__xlfunc__["ret"]["doc"] = summary
        return f

    return decorate


# --- conversion internals --------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _spec(fn: Callable):
    """Per model function: parameter defaults, rules (``@checked`` functions) and kernel."""
    params = list(inspect.signature(fn).parameters.values())
    defaults = tuple(None if p.default is p.empty else p.default for p in params)
    rules = getattr(fn, "rules", None)
    rules = tuple(rules[p.name] for p in params) if rules and getattr(fn, "kernel", None) else None
    return len(params), defaults, rules, getattr(fn, "kernel", None) if rules else None


def _where(mask: np.ndarray):
    """Index tuples of the True elements of ``mask`` (0-d arrays included)."""
    return (np.unravel_index(i, mask.shape) for i in np.flatnonzero(mask))


def _short(msg: str) -> str:
    msg = " ".join(msg.split())
    return msg if len(msg) <= _MAX_MESSAGE else msg[: _MAX_MESSAGE - 3] + "..."


def _refusal(name: str, v):
    """What an element that is not a plain number gives: None (empty), an error code or a message.

    Returns ``(True, result)`` for a refusal, ``(False, float)`` for a number of an unusual type.
    """
    if v is None or (isinstance(v, str) and v == ""):
        return True, None
    if isinstance(v, str):
        if v in ERROR_CODES or _MESSAGE.match(v):
            return True, v
        return True, _short(f"{name} must be a number, got {fmt_value(v)}")
    if isinstance(v, (bool, np.bool_)):
        return True, f"{name} must be a number, got {'TRUE' if v else 'FALSE'}"
    if isinstance(v, (list, tuple, np.ndarray)):
        raise _WholeCall(f"{name} must be a rectangular range, got rows of different lengths")
    if isinstance(v, numbers.Real):
        try:
            return False, float(v)
        except (OverflowError, ValueError):
            return True, f"{name} must be a finite number, got a number too large"
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        return True, f"{name} must be a number, got a date or time"
    return True, f"{name} must be a number, got {type(v).__name__}"


def _violation(name: str, v: float, rule: Rule) -> str:
    """The model's own message for a number its rule refuses, with the Excel argument name."""
    try:
        as_array(name, float(v), rule)
    except XlsizingError as e:
        msg = str(e)
    else:  # pragma: no cover - only called for refused values
        msg = f"{name} must be {rule.allowed}, got {fmt_value(v)}"
    if rule in (FRACTION, PROPORTION) and 2 <= v <= 100:  # 50 meant as 50%
        msg += f" (write {v:g}% or {v / 100:g})"
    return msg


def _numbers(name: str, value, rule: Rule, default):
    """One argument as ``(float array, refused mask or None, results of refused elements)``."""
    if type(value) is float or (isinstance(value, np.ndarray) and value.dtype.kind in "fiu"):
        f = np.asarray(value, dtype=np.float64)
        bad = res = None
    else:
        try:
            o = np.array(value, dtype=object)
        except ValueError:  # some ragged nestings numpy refuses even as objects
            raise _WholeCall(f"{name} must be a rectangular range, got rows of different lengths") from None
        flat = o.reshape(-1)
        if set(map(type, flat)) <= _NUMBER_TYPES:  # the common case, checked at C speed
            plain = np.ones(flat.size, dtype=bool)
        else:
            plain = np.fromiter((type(v) in _NUMBER_TYPES for v in flat), dtype=bool, count=flat.size)
        try:
            f = flat[plain].astype(np.float64) if not plain.all() else flat.astype(np.float64)
        except OverflowError:  # a Python int beyond float range: refused element by element
            plain = np.fromiter((type(v) is float for v in flat), dtype=bool, count=flat.size)
            f = flat[plain].astype(np.float64)
        if plain.all():
            f = f.reshape(o.shape)
            bad = res = None
        else:
            good, f = f, np.full(flat.size, np.nan)
            f[plain] = good
            bad = np.zeros(flat.size, dtype=bool)
            res = np.empty(flat.size, dtype=object)
            for i in np.flatnonzero(~plain):
                refused, r = _refusal(name, flat[i])
                if refused and r is None and default is not None:
                    f[i] = default
                elif refused:
                    bad[i], res[i] = True, r
                else:
                    f[i] = r
            f, bad, res = f.reshape(o.shape), bad.reshape(o.shape), res.reshape(o.shape)
    rule = rule or ANY
    if not rule.whole_ok(f if bad is None else f[~bad]):
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(f)
            ok &= (f > rule.lo) if rule.lo_open else (f >= rule.lo)
            ok &= (f < rule.hi) if rule.hi_open else (f <= rule.hi)
        refuse = ~ok if bad is None else (~ok & ~bad)
        if bad is None:
            bad, res = np.zeros(f.shape, dtype=bool), np.empty(f.shape, dtype=object)
        for idx in _where(refuse):
            bad[idx], res[idx] = True, _violation(name, f[idx], rule)
    return f, bad, res


def _not_text(name: str, v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return f"{name} must be text, got {'TRUE' if v else 'FALSE'}"
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        return f"{name} must be text, got a date or time"
    if isinstance(v, numbers.Number):
        try:
            return f"{name} must be text, got {fmt_value(float(v))}"
        except OverflowError:
            return f"{name} must be text, got a number"
    return f"{name} must be text, got {type(v).__name__}"


def _text(name: str, value, default):
    """A text argument as an object array; empty means the default, an error cell passes through."""
    try:
        o = np.array(value, dtype=object)
    except ValueError:  # pragma: no cover - numpy builds ragged object arrays as arrays of lists
        o = None
    if o is None:  # pragma: no cover
        raise _WholeCall(f"{name} must be a rectangular range, got rows of different lengths")
    flat = o.reshape(-1)
    if set(map(type, flat)) == {str}:  # the common case: only text, checked at C speed
        seen = set(flat)
        if "" not in seen and not seen & ERROR_CODES:
            return o, None, None
    elif any(isinstance(v, (list, tuple)) for v in flat):
        raise _WholeCall(f"{name} must be a rectangular range, got rows of different lengths")
    bad = res = None
    for i, v in enumerate(flat):
        if v is None or (isinstance(v, str) and v == ""):
            flat[i] = default
        elif not isinstance(v, str) or v in ERROR_CODES:
            if bad is None:
                bad, res = np.zeros(flat.size, dtype=bool), np.empty(flat.size, dtype=object)
            bad[i], res[i] = True, v if isinstance(v, str) else _not_text(name, v)
    o = flat.reshape(o.shape)
    return o, (None if bad is None else bad.reshape(o.shape)), (None if res is None else res.reshape(o.shape))


def _cells(fn, text, args):
    n, defaults, rules, kernel = _spec(fn)
    if len(args) != n:
        raise TypeError(f"{getattr(fn, '__name__', fn)} takes {n} arguments, got {len(args)}")
    names = list(args)
    conv = []
    for i, (name, value) in enumerate(args.items()):
        if name in text:
            conv.append(_text(name, value, defaults[i]))
        else:
            conv.append(_numbers(name, value, rules[i] if rules else None, defaults[i]))
    scalar = all(a.ndim == 0 for a, _, _ in conv)
    try:
        shape = np.broadcast_shapes(*(a.shape for a, _, _ in conv))
    except ValueError:
        sizes = ", ".join(f"{nm} {'×'.join(map(str, a.shape))}" for nm, (a, _, _) in zip(names, conv) if a.ndim)
        raise _WholeCall(_short(f"ranges must be the same size or a single cell, got {sizes}")) from None

    # the first argument (left to right) that refuses an element decides that element's result
    taken = result = None
    for a, bad, res in conv:
        if bad is None:
            continue
        if taken is None:
            taken, result = np.zeros(shape, dtype=bool), np.empty(shape, dtype=object)
        new = np.broadcast_to(bad, shape) & ~taken
        result[new] = np.broadcast_to(res, shape)[new]
        taken |= new

    # a text argument of one cell is passed as that value, so the call stays vectorised
    arrays = [a.reshape(-1)[0] if nm in text and a.size == 1 else a for nm, (a, _, _) in zip(names, conv)]
    elementwise = any(nm in text and isinstance(a, np.ndarray) for nm, a in zip(names, arrays))
    if taken is None:
        values, msgs = _compute(fn, kernel, arrays, elementwise)
        values = np.broadcast_to(values, shape)
        if msgs is not None:
            msgs = np.broadcast_to(msgs, shape)
    else:
        values, msgs = np.full(shape, np.nan), None
        ok = ~taken
        if ok.any():
            part = [np.broadcast_to(a, shape)[ok] if isinstance(a, np.ndarray) else a for a in arrays]
            values[ok], part_msgs = _compute(fn, kernel, part, elementwise)
            if part_msgs is not None:
                msgs = np.full(shape, None, dtype=object)
                msgs[ok] = part_msgs
    with np.errstate(invalid="ignore"):
        refused = ~np.isfinite(values)  # overflow, or an element fn refused (message in result)
    if taken is not None:
        refused &= ~taken
    if refused.any():
        if taken is None:
            taken, result = np.zeros(shape, dtype=bool), np.empty(shape, dtype=object)
        result[refused] = NUM_ERROR
        if msgs is not None:
            m = np.broadcast_to(msgs, shape)
            for idx in _where(refused):
                if m[idx] is not None:
                    result[idx] = m[idx]
        taken = taken | refused
    if taken is None:
        return float(values) if scalar else values.tolist()
    out = values.astype(object)
    out[taken] = result[taken]
    return out.item() if scalar else out.tolist()


def _compute(fn, kernel, args, elementwise):
    """Values of elements that passed the checks, and (only for elements ``fn`` itself refused)
    an object array holding their messages, else None.  One vectorised call when possible."""
    with np.errstate(all="ignore"):
        if kernel is not None and not elementwise:
            return np.asarray(kernel(*args), dtype=np.float64), None
        if not elementwise:
            try:
                return np.asarray(fn(*args), dtype=np.float64), None
            except (XlsizingError, ValueError, TypeError):
                pass  # find which elements fail, one by one
        b = np.broadcast_arrays(*(np.asarray(a, dtype=object) if not isinstance(a, np.ndarray) else a
                                  for a in args))
        shape = b[0].shape
        flat = [x.reshape(-1) for x in b]
        values, msgs = np.full(len(flat[0]), np.nan), np.full(len(flat[0]), None, dtype=object)
        if not elementwise and all(x.dtype.kind == "f" for x in flat):
            # one refused element must not send the whole range one by one: halve the blocks
            # that fail, vectorised, down to a few elements (k refusals cost about k·log n calls)
            _blocks(fn, flat, values, msgs, 0, len(values))
        else:
            # lookups by text (ACCEL_PEAK) over a range repeat a few distinct arguments: answer each
            # once (keys compare as Excel does: text exactly, numbers by value)
            memo: dict = {}
            for i, args in enumerate(zip(*(x.tolist() for x in flat))):
                try:
                    hit = memo.get(args)
                except TypeError:  # an unhashable element
                    hit = None
                if hit is None:
                    hit = _answer(fn, args)
                    try:
                        memo[args] = hit
                    except TypeError:
                        pass
                if hit[1] is None:
                    values[i] = hit[0]
                else:
                    msgs[i] = hit[1]
        values, msgs = values.reshape(shape), msgs.reshape(shape)
        return values, (msgs if any(m is not None for m in msgs.flat) else None)


def _answer(fn, args) -> tuple:
    """``(value, None)`` or ``(None, message)`` for one element: a refusal or an answer in words."""
    try:
        r = fn(*args)
    except XlsizingError as e:
        return None, _short(str(e))
    # a function may answer in words ("OK", "infeasible: ..."): shown as text
    return (None, _short(r)) if isinstance(r, str) else (float(r), None)


def _blocks(fn, flat, values, msgs, lo, hi):
    """Elements ``lo:hi``: one vectorised call, or, if ``fn`` refuses the block, its two halves."""
    if hi - lo <= 4:
        for i in range(lo, hi):
            v, m = _answer(fn, tuple(x[i].item() for x in flat))
            if m is None:
                values[i] = v
            else:
                msgs[i] = m
        return
    try:
        r = np.asarray(fn(*(x[lo:hi] for x in flat)), dtype=np.float64)
        if r.shape != (hi - lo,):
            raise ValueError("shape")
        values[lo:hi] = r
    except (XlsizingError, ValueError, TypeError):
        mid = (lo + hi) // 2
        _blocks(fn, flat, values, msgs, lo, mid)
        _blocks(fn, flat, values, msgs, mid, hi)
