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


def did_you_mean(name: str, candidates: Iterable[str], *, allowed: bool = False, cutoff: float = 0.6,
                 allowed_text: str | None = None) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate; without one, ``; allowed: …`` when ``allowed``
    (``allowed_text`` replaces the list), else an empty string."""
    candidates = list(candidates)
    close = closest(name, candidates, cutoff=cutoff)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if allowed:
        return f"; allowed: {allowed_text if allowed_text is not None else ', '.join(candidates)}"
    return ""
