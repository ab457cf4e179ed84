"""The one "did you mean" helper: every message about an unknown name uses it.

>>> did_you_mean("mfuu", ["mfu", "mau_wan"])
" (did you mean 'mfu'?)"
>>> did_you_mean("zzz", ["mfu", "mau_wan"], allowed=True)
'; allowed: mfu, mau_wan'
>>> closest("H2O", ["H20", "H100"])
['H20']
"""

from __future__ import annotations

import difflib
from typing import Iterable


def closest(name: str, candidates: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` candidates close to ``name`` (difflib's ratio ≥ ``cutoff``), best first."""
    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=cutoff)


LONG_LIST = 12  # more allowed names than this: say where they are listed (``where``) rather than list them


def did_you_mean(name: str, candidates: Iterable[str], *, allowed: bool = False, cutoff: float = 0.6,
                 allowed_text: str | None = None, where: str | None = None) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, then, when ``allowed``, ``; allowed: …``.

    The allowed part lists every candidate (``allowed_text`` replaces the list), or, for more than
    :data:`LONG_LIST` of them, says ``where`` they are listed; a close match never replaces it.

    >>> did_you_mean("mfuu", ["mfu", "mau_wan"], allowed=True)
    " (did you mean 'mfu'?); allowed: mfu, mau_wan"
    >>> did_you_mean("zz", [f"k{i}" for i in range(20)], allowed=True, where="the keys of xlsizing init")
    '; allowed: the keys of xlsizing init'
    """
    candidates = list(candidates)
    close = closest(name, candidates, cutoff=cutoff)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if not allowed:
        return hint
    if allowed_text is not None:
        listing = allowed_text
    elif where is not None and len(candidates) > LONG_LIST:
        listing = where
    else:
        listing = ", ".join(candidates)
    return f"{hint}; allowed: {listing}"
