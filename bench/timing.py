"""The one timing helper of the benchmark scripts (imports nothing but the standard library)."""

import time


def best_of(fn, repeat: int) -> float:
    """Seconds of the fastest of ``repeat`` calls of ``fn()`` (the least disturbed by other load).

    >>> best_of(lambda: None, 3) < 1
    True
    """
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
