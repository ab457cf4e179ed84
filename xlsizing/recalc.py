"""Recalculate workbooks (and render PDFs) with LibreOffice headless, the reference engine.

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
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

from .errors import InvalidInput, WorkbookError
from .fileio import atomic_write, check_output, check_xlsx

DEFAULT_TIMEOUT = 300.0  # seconds for one soffice call (a slow 2-core machine, many workbooks)

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


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run soffice in its own process group; on timeout kill that group only."""
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
        raise WorkbookError(f"LibreOffice did not finish within {timeout:g} s; gave up") from None
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
    if timeout is None or not timeout > 0:
        raise InvalidInput(f"timeout must be > 0, got {timeout}")
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


def recalculate(paths: Iterable[str | os.PathLike], outdir: str | os.PathLike, *,
                timeout: float = DEFAULT_TIMEOUT, profile: str | os.PathLike | None = None) -> list[Path]:
    """Recalculated copies of ``paths`` written to ``outdir`` (same names), in one soffice call.

    Read values from the copies with ``openpyxl.load_workbook(copy, data_only=True)``.
    """
    return convert(paths, outdir, "xlsx", timeout=timeout, profile=profile)


def export_pdf(xlsx_path: str | os.PathLike, pdf_path: str | os.PathLike, *, force: bool = False,
               timeout: float = DEFAULT_TIMEOUT, profile: str | os.PathLike | None = None) -> Path:
    """Render a workbook to PDF (recalculated first) the way a recipient's LibreOffice shows it."""
    src = check_xlsx(xlsx_path)
    dest = check_output(pdf_path, force=force)
    with tempfile.TemporaryDirectory(prefix="xlsizing-pdf-") as tmp:
        # copy under a fixed name so the output name is known and the input folder is untouched
        staged = Path(tmp) / "in" / "workbook.xlsx"
        staged.parent.mkdir()
        shutil.copyfile(src, staged)
        (pdf,) = convert([staged], Path(tmp) / "out", "pdf", timeout=timeout, profile=profile)
        return atomic_write(dest, lambda t: shutil.copyfile(pdf, t), force=force)
