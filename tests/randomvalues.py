"""Random input values a row's rule allows, for the engine-vs-LibreOffice tests (one definition for all of them)."""

from __future__ import annotations

import random


def random_value(rng: random.Random, rule, default: float | None) -> float:
    """A value the rule allows, spread over orders of magnitude around the default."""
    if rule.hi == 1.0:  # shares and fractions: (0, 1], [0, 1) or [0, 1]
        v = rng.choice([rng.uniform(0.001, 1.0), 10 ** rng.uniform(-4, 0)])
        return min(v, 0.999) if rule.hi_open else v
    if rule.hi == 24.0:  # hours per day
        return rng.uniform(0.5, 24.0)
    if rule.lo == -1.0:  # yearly growth > -1
        return rng.uniform(-0.9, 3.0)
    if rule.lo == 1.0:  # at least one
        return 1.0 + rng.choice([0.0, 10 ** rng.uniform(-3, 2.5)])
    scale = default if default else 1.0
    if not rule.lo_open and rng.random() < 0.1:  # ">= 0": zero is allowed
        return 0.0
    return scale * 10 ** rng.uniform(-3, 3)
