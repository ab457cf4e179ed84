"""Many scenarios at once: grids (sweeps) over base scenarios, and batches of workbooks.

A grid axis is ``KEY=VALUES`` where VALUES is a comma-separated list of numbers and ranges
``START:STOP:STEP`` (STOP included when the steps land on it; ``START:STOP`` of whole numbers
steps by 1, and a range without a step between other numbers is refused):

>>> parse_grid(["mfu=0.3,0.4", "peak_multiplier=3:6:1"])
[('mfu', [0.3, 0.4]), ('peak_multiplier', [3.0, 4.0, 5.0, 6.0])]
>>> from xlsizing.scenarios import load_builtin
>>> [s.name for s in expand_grid(load_builtin()[:1], parse_grid(["mfu=0.3,0.5"]))]
['2024年末 mfu=0.3', '2024年末 mfu=0.5']

:func:`write_many` writes one workbook per scenario into a folder, in parallel over all cores
(a process pool; each worker writes whole workbooks with :func:`xlsizing.workbook.write_workbook`,
so every file is written atomically).  A failed item does not stop the batch: the workbooks
that succeeded stay, and the :class:`BatchResult` lists the failures.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence, TextIO

from ._args import fmt_value
from .errors import InvalidInput, XlsizingError
from .scenarios import ALIASES, INPUTS, Scenario, derive, extra_keys, rule_for
from .suggest import did_you_mean

MAX_SCENARIOS = 100_000  # a batch larger than this is almost certainly a typo in a range


def grid_keys() -> tuple[str, ...]:
    """The keys ``--grid`` may sweep: every input of every sheet (read now), and the scenario aliases."""
    return tuple(r.key for r in INPUTS) + tuple(ALIASES) + tuple(extra_keys())


# --- grids -----------------------------------------------------------------------------------


def _number(axis: str, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise InvalidInput(f"--grid {axis}: {text.strip()!r} is not a number") from None
    if not math.isfinite(v):
        raise InvalidInput(f"--grid {axis}: {text.strip()!r} must be a finite number")
    return v


def _range(axis: str, part: str) -> list[float]:
    bits = part.split(":")
    if len(bits) not in (2, 3):
        raise InvalidInput(f"--grid {axis}: {part!r} is not a range; write START:STOP:STEP, e.g. 3:6:1")
    start, stop = _number(axis, bits[0]), _number(axis, bits[1])
    if len(bits) == 2 and not (start.is_integer() and stop.is_integer()):
        # the default step 1 covers whole-number ranges only: 0.3:0.6 would silently be 0.3 alone
        raise InvalidInput(f"--grid {axis}: range {part!r} has no step; write START:STOP:STEP, "
                           f"e.g. {bits[0]}:{bits[1]}:0.1 (STOP included; without a step only whole numbers, step 1)")
    step = _number(axis, bits[2]) if len(bits) == 3 else 1.0
    if step <= 0:
        raise InvalidInput(f"--grid {axis}: step must be > 0, got {fmt_value(step)} in {part!r}")
    if stop < start:
        raise InvalidInput(f"--grid {axis}: range {part!r} ends before it starts")
    steps = (stop - start) / step * (1 + 1e-12) + 1e-9  # tolerate 0.1-style rounding
    if not steps < MAX_SCENARIOS:  # also inf: a tiny step over a huge range
        shown = f"{math.floor(steps) + 1}" if math.isfinite(steps) else "too many"
        raise InvalidInput(f"--grid {axis}: range {part!r} has {shown} values (limit {MAX_SCENARIOS})")
    n = math.floor(steps) + 1
    # 12 significant digits drop float noise: 0.3:0.5:0.1 gives 0.4, not 0.4000000000000001
    return [float(f"{start + i * step:.12g}") for i in range(n)]


def parse_grid(specs: Sequence[str]) -> list[tuple[str, list[float]]]:
    """``["mfu=0.3,0.4", "peak_multiplier=3:6:1"]`` → ``[(key, values), ...]``, each value checked."""
    axes: list[tuple[str, list[float]]] = []
    for spec in specs:
        key, eq, rest = spec.partition("=")
        key = key.strip()
        if not eq or not key or not rest.strip():
            raise InvalidInput(f"--grid {spec!r}: write KEY=VALUES, e.g. mfu=0.3,0.4,0.5 or peak_multiplier=3:6:1")
        allowed = grid_keys()
        if key not in allowed:
            hint = did_you_mean(key, allowed, allowed=True)
            raise InvalidInput(f"--grid: unknown key {key!r}{hint}")
        if any(k == key for k, _ in axes):
            raise InvalidInput(f"--grid: key {key!r} given twice; list all its values in one --grid")
        values: list[float] = []
        for part in rest.split(","):
            values.extend(_range(key, part) if ":" in part else [_number(key, part)])
        rule = rule_for(key)
        seen = set()
        for v in values:
            if not rule.element_ok(v):
                raise InvalidInput(f"--grid {key} = {fmt_value(v)}: must be {rule.allowed}")
            if v in seen:  # two columns of the same name and the same numbers
                raise InvalidInput(f"--grid {key}: {fmt_value(v)} is given twice; list each value once")
            seen.add(v)
        axes.append((key, values))
    size = math.prod(len(v) for _, v in axes)
    if size > MAX_SCENARIOS:
        raise InvalidInput(f"--grid: {size} combinations (limit {MAX_SCENARIOS})")
    return axes


def expand_grid(bases: Sequence[Scenario], axes: Sequence[tuple[str, list[float]]]) -> list[Scenario]:
    """Every base scenario × every combination of the grid values (bases unchanged without axes)."""
    if not axes:
        return list(bases)
    size = len(bases) * math.prod(len(v) for _, v in axes)
    if size > MAX_SCENARIOS:
        raise InvalidInput(f"--grid: {len(bases)} scenarios × the grid = {size} scenarios (limit {MAX_SCENARIOS})")
    keys = [k for k, _ in axes]
    out = []
    for base in bases:
        for combo in itertools.product(*(v for _, v in axes)):
            label = " ".join(f"{k}={v:.12g}" for k, v in zip(keys, combo))
            # both headers show the grid's values: the English one too ("conservative mfu=0.3")
            out.append(derive(base, f"{base.name} {label}", f"{base.source or '<scenarios>'} --grid",
                              name_en=f"{base.name_en} {label}".strip(), **dict(zip(keys, combo))))
    return out


def check_unique_names(scenarios: Sequence[Scenario]) -> None:
    """Refuse two scenarios of the same name (two columns, two batch files nobody can tell apart).

    >>> from xlsizing.scenarios import load_builtin
    >>> check_unique_names(load_builtin() + load_builtin()[:1])
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: builtin:figure11: scenario '2024年末' is also in builtin:figure11; scenario names must be unique; rename one
    """
    first: dict[str, Scenario] = {}
    for s in scenarios:
        other = first.setdefault(s.name, s)
        if other is not s:
            raise InvalidInput(f"{s.source or '<scenarios>'}: scenario {s.name!r} is also in {other.source or '<scenarios>'}; "
                               "scenario names must be unique; rename one")


def plan(scenarios: Sequence[Scenario], grid: Sequence[str] = (), bases: Sequence[str] = ()) -> list[Scenario]:
    """The batch's scenarios: ``scenarios`` (only those named in ``bases``, if given) × ``grid``."""
    if bases:
        names = [s.name for s in scenarios]
        for b in bases:
            if b not in names:
                hint = did_you_mean(b, names, cutoff=0.5)
                raise InvalidInput(f"--base {b!r}: no such scenario{hint}; scenarios: {', '.join(names[:20])}"
                                   + (" …" if len(names) > 20 else ""))
        scenarios = [s for s in scenarios if s.name in set(bases)]
    check_unique_names(scenarios)  # across files
    out = expand_grid(scenarios, parse_grid(grid))
    check_unique_names(out)  # and the names the grid made
    return out


# --- output names ----------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|\s]+')


def file_stem(name: str, limit: int = 80) -> str:
    """A file-system-safe stem for a scenario name (CJK kept; separators and controls → ``_``).

    >>> file_stem("2024年末 mfu=0.3"), file_stem("../../etc/passwd")
    ('2024年末_mfu=0.3', 'etc_passwd')
    """
    stem = _UNSAFE.sub("_", name).strip("._-")
    return stem[:limit].rstrip("._-") or "scenario"


def output_paths(scenarios: Sequence[Scenario], outdir: str | os.PathLike) -> list[Path]:
    """``outdir/0001-<name>.xlsx`` …: numbered, so names never collide and sort in input order."""
    width = max(4, len(str(len(scenarios))))
    return [Path(outdir) / f"{i:0{width}d}-{file_stem(s.name)}.xlsx" for i, s in enumerate(scenarios, 1)]


# --- batch of workbooks ----------------------------------------------------------------------


@dataclass
class Failure:
    path: Path
    name: str
    message: str

    def __str__(self) -> str:
        return self.message if str(self.path) in self.message else f"{self.path}: {self.message}"


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        n = len(self.written) + len(self.failed)
        rate = len(self.written) / self.seconds if self.seconds > 0 else 0.0
        text = (f"wrote {len(self.written)} of {n} workbooks in {self.seconds:.1f} s "
                f"({rate:.1f}/s, {self.jobs} worker{'s' if self.jobs != 1 else ''})")
        return text + (f"; {len(self.failed)} failed" if self.failed else "")

    def failure_lines(self, limit: int = 20) -> list[str]:
        """One ``Error: <file>: <reason>`` line for each of the first ``limit`` failures (and a count of the rest)."""
        lines = [f"Error: {f}" for f in self.failed[:limit]]
        if len(self.failed) > limit:
            lines.append(f"... and {len(self.failed) - limit} more failures")
        return lines


def default_jobs() -> int:
    """Worker processes: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _write_chunk(items: list[tuple[int, Scenario, str]], force: bool, plan: dict | None = None
                 ) -> list[tuple[int, str | None]]:
    """Worker: write each workbook (with its Plan sheet for the planner options ``plan``, if given);
    return (index, None) or (index, error message) per item."""
    from .workbook import write_workbook

    if plan is not None:  # only then: the planner's import is 20 ms per worker
        from .plan_workbook import write_planned
    out = []
    for index, scenario, path in items:
        try:
            if plan is not None:
                write_planned([scenario], path, force=force, **plan)
            else:
                write_workbook([scenario], path, force=force)
            out.append((index, None))
        except XlsizingError as e:
            out.append((index, str(e)))
        except OSError as e:
            out.append((index, f"{e.filename or path}: {e.strerror or e}"))
        except Exception as e:  # one bad item must not stop the batch
            out.append((index, f"{type(e).__name__}: {e}"))
    return out


class Progress:
    """A one-line progress bar on a terminal; silent when ``stream`` is None."""

    def __init__(self, total: int, stream: TextIO | None, label: str = "workbooks"):
        self.total, self.stream, self.label = total, stream, label
        self.done, self.start, self.last = 0, time.perf_counter(), 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.stream is None or (now - self.last < 0.1 and self.done < self.total):
            return
        self.last = now
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(frac * 30)
        rate = self.done / (now - self.start) if now > self.start else 0.0
        self.stream.write(f"\r[{bar:<30}] {self.done}/{self.total} {self.label} {rate:6.1f}/s")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()


def write_many(scenarios: Sequence[Scenario], outdir: str | os.PathLike, *, force: bool = False,
               jobs: int | None = None, progress: TextIO | None = None, plan: dict | None = None) -> BatchResult:
    """One workbook per scenario in ``outdir`` (created if missing), ``jobs`` processes at once.

    ``plan``: the options of :func:`xlsizing.planner.plan` (``{}``: its defaults) to give every
    workbook its Plan sheet (:func:`xlsizing.plan_workbook.write_planned`; each worker plans its
    own scenarios).

    ``progress``: a stream for a progress bar (pass ``sys.stderr`` only when it is a terminal).
    Items that fail (an existing file without ``force``, a full disk, …) are listed in the result;
    the others are written regardless.
    """
    from . import workbook  # noqa: F401 - imported before forking, so workers start warm
    if plan is not None:
        from . import plan_workbook  # noqa: F401 - and the planner

    if not scenarios:
        raise InvalidInput("no scenarios to write")
    jobs = default_jobs() if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidInput(f"jobs must be a whole number >= 1, got {fmt_value(jobs)}")
    if plan is not None:  # bad planner options (or a figure the choice lacks): one error now, not one per workbook
        from .plan_workbook import planned_scenarios
        from .planner import plan as plan_one

        planned_scenarios(scenarios[:1], [plan_one(scenarios[0], **plan)])
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"output folder {out} is a file; give a folder")
    created = [d for d in (out, *out.parents) if not d.exists()]  # removed again if nothing is written
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InvalidInput(f"cannot create output folder {out}: {e.strerror or e}") from None
    try:
        result = _write_all(scenarios, out, force, jobs, progress, plan)
    except BaseException:
        _remove_empty(created)
        raise
    if not result.written:
        _remove_empty(created)
    return result


def _remove_empty(folders: Sequence[Path]) -> None:
    """Remove the folders this batch created (deepest first) that are still empty."""
    for d in folders:
        try:
            d.rmdir()
        except OSError:  # not empty (a file appeared) or already gone: leave it
            return


def _write_all(scenarios, out: Path, force: bool, jobs: int, progress, plan=None) -> BatchResult:
    paths = output_paths(scenarios, out)
    items = [(i, s, str(p)) for i, (s, p) in enumerate(zip(scenarios, paths))]
    jobs = min(jobs, len(items))
    result = BatchResult(jobs=jobs)
    errors: dict[int, str | None] = {}
    bar = Progress(len(items), progress)
    start = time.perf_counter()
    with _heap_frozen():
        _run(items, force, jobs, errors, bar, plan)
    bar.close()
    result.seconds = time.perf_counter() - start
    for i, s, p in items:
        err = errors.get(i, "not written")
        if err is None:
            result.written.append(Path(p))
        else:
            result.failed.append(Failure(Path(p), s.name, err))
    return result


@contextlib.contextmanager
def _heap_frozen():
    """Keep the objects alive before the batch (modules, caches) out of the garbage collector's scans.

    Each workbook allocates tens of thousands of short-lived objects; without this, the
    collections they trigger rescan the whole long-lived heap, about 9% of a batch's time
    (bench/bench_batch.py).  Frozen before forking, the workers inherit it (and do not touch, so
    copy, the parent's pages).  Unfrozen afterwards: a caller's process is left as it was.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(items, force: bool, jobs: int, errors: dict, bar: Progress, plan=None) -> None:
    """Write ``items`` (one worker, or a pool of ``jobs``), recording each error (None: written) in ``errors``."""
    if jobs == 1:
        for item in items:
            errors.update(_write_chunk([item], force, plan))
            bar.advance(1)
    else:
        # chunks amortise the inter-process hand-off; several per worker keep both cores busy
        # (small enough that Ctrl-C, which lets the chunks in hand finish, stops within a second)
        size = max(1, min(8, len(items) // (jobs * 4)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        pool = _pool(jobs)
        try:
            futures = {pool.submit(_write_chunk, c, force, plan): c for c in chunks}
            for fut in as_completed(futures):
                try:
                    errors.update(fut.result())
                except BrokenProcessPool:
                    errors.update((i, "the worker process died") for i, _, _ in futures[fut])
                bar.advance(len(futures[fut]))
        except BaseException:  # Ctrl-C: drop the queued chunks; workers finish the workbook in hand
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()
            raise
        pool.shutdown(wait=True)


def _pool(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing

    # fork: workers inherit the imported modules, so none re-imports numpy or XlsxWriter
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_ignore_sigint)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops handing out work (no worker tracebacks)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def progress_stream() -> TextIO | None:
    """stderr when it is a terminal (a progress bar helps), else None (quiet when piped)."""
    try:
        return sys.stderr if sys.stderr.isatty() else None
    except (AttributeError, ValueError):
        return None
