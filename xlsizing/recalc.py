"""Recalculate workbooks (and render PDFs) in real spreadsheet engines: LibreOffice and Gnumeric.

LibreOffice headless is the reference engine; Gnumeric (``ssconvert --recalc``) is the second,
an independent implementation of the same formulas.

By default LibreOffice never recalculates an ``.xlsx`` on load: it trusts the cached values in
the file, so a workbook whose cached values are wrong would "pass".  Every call here therefore
runs with a throw-away profile whose ``user/registrymodifications.xcu`` sets
``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` and ``ODFRecalcMode`` to ``0``
(always recalculate).

One ``soffice --convert-to`` call converts many files (startup dominates: about 1.5 s, then
0.1-0.4 s per workbook).  ``soffice`` exits 0 even when a file fails to load, so every output is
checked.  Each call has a timeout and runs in its own process group; on timeout only that group
is killed.  The converted copies are for reading values: LibreOffice lower-cases unknown
functions (``infer_flops``) in them, so never ship them.

Many workbooks are spread over ``jobs`` engine processes at once (each LibreOffice process with
its own profile: two processes must never share one).  Gnumeric converts one file per
``ssconvert`` call (about 0.1 s for a Figure 11 workbook), so its calls run ``jobs`` at a time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Sequence

from .errors import InvalidInput, WorkbookError
from .fileio import atomic_write, check_output, check_xlsx

DEFAULT_TIMEOUT = 300.0  # seconds for one soffice call (a slow 2-core machine, many workbooks)
ENGINES = ("libreoffice", "gnumeric")
ENGINE_NAMES = {"libreoffice": "LibreOffice", "gnumeric": "Gnumeric"}

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice_path() -> str:
    """The LibreOffice executable, or a WorkbookError saying how to install it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise WorkbookError("LibreOffice (soffice) is not installed; on Debian/Ubuntu: "
                        "apt-get install libreoffice-calc-nogui (bash scripts/test.sh does it)")


def ssconvert_path() -> str:
    """Gnumeric's converter, or a WorkbookError saying how to install it."""
    found = shutil.which("ssconvert")
    if found:
        return found
    raise WorkbookError("Gnumeric (ssconvert) is not installed; on Debian/Ubuntu: apt-get install gnumeric "
                        "(bash scripts/test.sh does it)")


def check_engine(engine: str) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else InvalidInput listing them.

    >>> check_engine("gnumeric")
    'gnumeric'
    >>> check_engine("excel")
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: engine must be one of libreoffice, gnumeric, got 'excel'
    """
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def check_timeout(timeout) -> float:
    """``timeout`` as seconds > 0, else InvalidInput.

    >>> check_timeout(30)
    30.0
    >>> check_timeout(0)
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: timeout must be a number of seconds > 0, got 0
    """
    ok = isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0 and timeout < float("inf")
    if not ok:
        raise InvalidInput(f"timeout must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def check_jobs(jobs) -> int:
    """``jobs`` as a process count >= 1 (None: every core), else InvalidInput.

    >>> check_jobs(2)
    2
    >>> check_jobs(0)
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: jobs must be a whole number >= 1, got 0
    """
    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidInput(f"jobs must be a whole number >= 1, got {jobs!r}")
    return jobs


def make_profile(folder: str | os.PathLike) -> Path:
    """Create (or refresh) an always-recalculate LibreOffice profile in ``folder``.

    >>> import tempfile
    >>> prof = make_profile(tempfile.mkdtemp())
    >>> "OOXMLRecalcMode" in (prof / "user" / "registrymodifications.xcu").read_text()
    True
    """
    prof = Path(folder)
    (prof / "user").mkdir(parents=True, exist_ok=True)
    xcu = prof / "user" / "registrymodifications.xcu"
    text = xcu.read_text("utf-8", errors="replace") if xcu.exists() else ""
    wanted = [f'<prop oor:name="{k}" oor:op="fuse"><value>0</value></prop>' for k in ("OOXMLRecalcMode", "ODFRecalcMode")]
    if not all(w in text for w in wanted):
        xcu.write_text(_RECALC_ALWAYS, "utf-8")  # a throw-away profile: other settings do not matter
    return prof


def _run(args: list[str], timeout: float, engine: str = "LibreOffice") -> subprocess.CompletedProcess:
    """Run an engine in its own process group; on timeout kill that group only."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise WorkbookError(f"{engine} did not finish within {timeout:g} s; gave up "
                            "(give more time with --timeout SECONDS)") from None
    finally:
        if proc.poll() is None:  # pragma: no cover - interrupted (KeyboardInterrupt)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def convert(paths: Iterable[str | os.PathLike], outdir: str | os.PathLike, target: str, *,
            timeout: float = DEFAULT_TIMEOUT, profile: str | os.PathLike | None = None) -> list[Path]:
    """Convert ``paths`` to ``target`` (``xlsx``, ``pdf``) into ``outdir`` in ONE soffice call.

    Returns the output paths in input order.  ``profile`` reuses a profile folder (made with
    :func:`make_profile`; never share one between processes running at the same time); by
    default a fresh one is made and removed.
    """
    ins = [Path(p) for p in paths]
    if not ins:
        return []
    timeout = check_timeout(timeout)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    stems: dict[str, Path] = {}
    for p in ins:
        if not p.is_file():
            raise WorkbookError(f"{p}: no such file")
        if p.stem in stems:
            raise InvalidInput(f"two inputs would both become {p.stem}.{target}: {stems[p.stem]} and {p}; "
                               "give them different names")
        stems[p.stem] = p
        if p.parent.resolve() == out.resolve():
            raise InvalidInput(f"outdir {out} holds the input {p.name}; LibreOffice would overwrite it")
    outs = [out / f"{p.stem}.{target}" for p in ins]
    for o in outs:
        o.unlink(missing_ok=True)  # a stale output must not pass for a fresh one
    exe = soffice_path()
    own = profile is None
    prof = Path(tempfile.mkdtemp(prefix="xlsizing-lo-")) if own else Path(profile)
    try:
        make_profile(prof)
        # absolute paths: a file named like "-x.xlsx" must not read as an option
        args = [exe, f"-env:UserInstallation={prof.resolve().as_uri()}", "--headless", "--norestore",
                "--nolockcheck", "--convert-to", target, "--outdir", str(out.resolve()),
                *(str(p.resolve()) for p in ins)]
        res = _run(args, timeout)
    finally:
        if own:
            shutil.rmtree(prof, ignore_errors=True)
    missing = [p for p, o in zip(ins, outs) if not o.is_file()]
    if missing:
        detail = res.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = [d for d in detail if "javaldx" not in d]
        tail = f" (LibreOffice said: {detail[-1]})" if detail else ""
        raise WorkbookError(f"LibreOffice could not convert {', '.join(str(m) for m in missing)} "
                            f"to {target}{tail}")
    return outs


def _chunks(items: Sequence, n: int) -> list[list]:
    """``items`` in ``n`` contiguous runs of nearly equal length (none empty).

    >>> _chunks([1, 2, 3, 4, 5], 2)
    [[1, 2, 3], [4, 5]]
    """
    n = max(1, min(n, len(items)))
    q, r = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + q + (i < r)
        out.append(list(items[start:end]))
        start = end
    return out


def _gnumeric(src: Path, dest: Path, timeout: float) -> Path:
    """One ``ssconvert --recalc`` call: ``src`` recalculated by Gnumeric, saved as ``dest`` (.xlsx)."""
    dest.unlink(missing_ok=True)  # a stale output must not pass for a fresh one
    args = [ssconvert_path(), *GNUMERIC_OPTIONS, "--export-type=Gnumeric_Excel:xlsx2",
            str(src.resolve()), str(dest.resolve())]
    res = _run(args, timeout, "Gnumeric")
    if res.returncode != 0 or not dest.is_file():
        detail = [d for d in res.stderr.decode("utf-8", "replace").strip().splitlines() if d.strip()]
        tail = f" (Gnumeric said: {detail[-1]})" if detail else ""
        raise WorkbookError(f"Gnumeric could not recalculate {src}{tail}")
    return dest


# ``--recalc``: Gnumeric, like LibreOffice, otherwise keeps the cached values of an .xlsx
GNUMERIC_OPTIONS = ("--recalc",)


def recalculate(paths: Iterable[str | os.PathLike], outdir: str | os.PathLike, *,
                timeout: float = DEFAULT_TIMEOUT, profile: str | os.PathLike | None = None,
                engine: str = "libreoffice", jobs: int | None = 1) -> list[Path]:
    """Recalculated copies of ``paths`` written to ``outdir`` (same names), by ``engine``.

    ``jobs`` engine processes run at once (None: one per core); LibreOffice converts each share
    of the files in one call with its own profile (``profile``, if given, serves the first
    share), Gnumeric one file per call.  ``timeout`` bounds each engine call.  Read values from
    the copies with ``openpyxl.load_workbook(copy, data_only=True)``.
    """
    check_engine(engine)
    timeout = check_timeout(timeout)
    ins = [Path(p) for p in paths]
    jobs = min(check_jobs(jobs), max(1, len(ins)))
    if not ins:
        return []
    out = Path(outdir)
    seen: dict[str, Path] = {}
    for p in ins:
        if seen.setdefault(p.stem, p) is not p:
            raise InvalidInput(f"two inputs would both become {p.stem}.xlsx: {seen[p.stem]} and {p}; "
                               "give them different names")
    if engine == "gnumeric":
        out.mkdir(parents=True, exist_ok=True)
        dests = [out / f"{p.stem}.xlsx" for p in ins]
        if jobs == 1:
            return [_gnumeric(p, d, timeout) for p, d in zip(ins, dests)]
        with ThreadPoolExecutor(jobs) as pool:  # the work is in the ssconvert processes
            return list(pool.map(lambda pd: _gnumeric(pd[0], pd[1], timeout), zip(ins, dests)))
    shares = _chunks(ins, jobs)
    if len(shares) == 1:
        return convert(ins, out, "xlsx", timeout=timeout, profile=profile)
    with ThreadPoolExecutor(len(shares)) as pool:
        done = list(pool.map(lambda ip: convert(ip[1], out, "xlsx", timeout=timeout,
                                                profile=profile if ip[0] == 0 else None),
                             enumerate(shares)))
    return [o for share in done for o in share]
