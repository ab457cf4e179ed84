"""Safe file handling for workbooks: atomic writes, no silent overwrites, untrusted .xlsx checks.

* :func:`atomic_write` writes to a temporary file in the destination folder and moves it into
  place with :func:`os.replace`, so a failure never leaves a half-written workbook behind, and
  it refuses to replace an existing file unless ``force`` is given.
* :func:`check_xlsx` looks at a workbook's zip directory *before* anything inflates it: openpyxl
  has no decompression limit (a 1 MB file that inflates to 1 GB takes over 1 GB of memory), so
  the declared uncompressed sizes and the number of entries are checked first.  Python's
  :mod:`zipfile` never returns more bytes than an entry declares, so the declared sizes bound
  what openpyxl can read afterwards.

  The limits accept what xlsizing itself writes (``batch --one-workbook`` of 16,000 scenario
  columns on the Figure 11, Beyond and Economics sheets: a 62 MB file declaring 525 MB) with room
  for more sheets, and refuse zip bombs.  Any workbook may declare up to
  :data:`MAX_UNCOMPRESSED_ANY` (100 MiB).  Above that, up to :data:`MAX_UNCOMPRESSED` (1 GiB),
  only if no large entry inflates more than :data:`MAX_RATIO` times its compressed size:
  spreadsheet XML compresses 5-17× (measured: 4.9-6.2× for the sheets, 13.6× for
  ``workbook.xml``, 15.8-16.5× for ``docProps/app.xml``), a bomb of zeros about 1,000×.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write(d / "a.txt", lambda tmp: tmp.write_text("hi")).name
'a.txt'
>>> atomic_write(d / "a.txt", lambda tmp: tmp.write_text("again"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
xlsizing.errors.OutputExists: ...a.txt already exists; use --force to overwrite it
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

from .errors import InvalidInput, OutputExists, ScenarioFileError, WorkbookError, WriteFailed, XlsizingError

MAX_UNCOMPRESSED_ANY = 100 * 1024 * 1024  # a sizing workbook is a few hundred kB once inflated ...
MAX_UNCOMPRESSED = 1024 * 1024 * 1024  # ... and 525 MB at batch --one-workbook's 16,000 columns (3 sheets)
MAX_RATIO = 50  # inflated / compressed size of an entry above RATIO_FLOOR (see the module doc)
RATIO_FLOOR = 1024 * 1024
MAX_ENTRIES = 2000
MAX_FILE_BYTES = 200 * 1024 * 1024  # the 16,000-column workbook is 62 MB (three sheets; 24 MB with two)


def _shown(path: Path) -> str:
    """The path as the user gave it (relative paths stay relative in messages)."""
    return str(path)


def check_output(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Refuse an output path that exists (without ``force``), is a folder or has no folder."""
    p = Path(path)
    if p.is_dir():
        raise OutputExists(f"{_shown(p)} is a folder; give a file name")
    if p.exists() and not force:
        raise OutputExists(f"{_shown(p)} already exists; use --force to overwrite it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidInput(f"output folder {_shown(parent)} does not exist")
    return p


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object], *, force: bool = False) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then move it into place.

    Refuses an existing ``path`` unless ``force`` (:class:`~xlsizing.errors.OutputExists`, whose
    message tells the user about ``--force``).  The temporary file is removed if ``write`` fails.
    On Linux the temporary file has no name until it is complete (``O_TMPFILE``), so even a
    process killed with SIGKILL mid-write leaves neither a partial output nor a stray temp file.
    """
    p = check_output(path, force=force)
    try:
        fd = _anonymous_file(p.parent)
        if fd is None:
            return _atomic_write_named(p, write, force)
        try:
            # /proc/<pid>/fd/<n> reopens the nameless file, also from a child process (LibreOffice)
            write(Path(f"/proc/{os.getpid()}/fd/{fd}"))
            _publish(fd, p, force)
        finally:
            os.close(fd)
    except XlsizingError:
        raise
    except Exception as e:
        reason = _write_error(e)
        if reason is None:
            raise
        raise WriteFailed(f"{_shown(p)}: cannot write it: {reason}; nothing was written") from None
    return p


def _write_error(e: BaseException) -> str | None:
    """Why a write failed (``No space left on device``), for an OSError however a writer wrapped it.

    XlsxWriter wraps the OSError of a full disk in its FileCreateError and leaves its ZipFile
    open; that ZipFile would try to write again when collected and print an "Exception ignored
    in ZipFile.__del__" traceback, so it is closed here, quietly.
    """
    _close_zipfiles(e)
    for x in (e, *(getattr(e, "args", ()) or ())[:1], e.__cause__, e.__context__):
        if isinstance(x, OSError):
            return x.strerror or str(x)
    return None


def _close_zipfiles(e: BaseException) -> None:

    tb = e.__traceback__
    while tb is not None:
        for v in list(tb.tb_frame.f_locals.values()):
            if isinstance(v, zipfile.ZipFile) and v.fp is not None:
                fp, v.fp = v.fp, None  # ZipFile.close() and __del__ do nothing once fp is None
                try:
                    v._fpclose(fp)
                except OSError:
                    pass
        tb = tb.tb_next
    for x in (e.__cause__, e.__context__):
        if x is not None and x is not e:
            _close_zipfiles(x)


def _anonymous_file(folder: Path) -> int | None:
    """A nameless file in ``folder`` (Linux ``O_TMPFILE``), or None where that is unsupported."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir(f"/proc/{os.getpid()}/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o666)  # the umask applies, as for any new file
    except OSError:  # filesystem without O_TMPFILE support
        return None


def _publish(fd: int, p: Path, force: bool) -> None:
    """Give the finished nameless file its name: a link (fails if ``p`` appeared), or a rename."""
    src = f"/proc/{os.getpid()}/fd/{fd}"
    # dir fds make CPython call linkat(AT_SYMLINK_FOLLOW); plain link() would link the /proc symlink
    folder = os.open(p.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            os.link(src, p.name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=True)
            return
        except FileExistsError:
            if not force:  # appeared while we were writing
                raise OutputExists(f"{_shown(p)} already exists; use --force to overwrite it") from None
        # replacing an existing file: link under a hidden name, then rename over it (atomic)
        tmp = f".{p.stem}.{os.getpid()}.{fd}{p.suffix or '.tmp'}"
        try:
            os.unlink(tmp, dir_fd=folder)
        except FileNotFoundError:
            pass
        os.link(src, tmp, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=True)
        try:
            os.replace(tmp, p.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            os.unlink(tmp, dir_fd=folder)
            raise
    finally:
        os.close(folder)


def _atomic_write_named(p: Path, write: Callable[[Path], object], force: bool) -> Path:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.stem}.", suffix=p.suffix or ".tmp", dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        if p.exists() and not force:  # appeared while we were writing
            raise OutputExists(f"{_shown(p)} already exists; use --force to overwrite it")
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def check_xlsx(path: str | os.PathLike, *, max_uncompressed: int = MAX_UNCOMPRESSED,
               max_entries: int = MAX_ENTRIES) -> Path:
    """Check that ``path`` is a plausible .xlsx before any parser inflates it.

    Raises :class:`~xlsizing.errors.WorkbookError` for a missing file, a file that is not a zip,
    a corrupt zip directory, too many entries, declared uncompressed sizes above the limits (a
    possible zip bomb: see the module doc), or a zip without the parts every workbook has.
    """
    p = Path(path)
    if not p.exists():
        raise WorkbookError(f"{_shown(p)}: no such file")
    if not p.is_file():
        raise WorkbookError(f"{_shown(p)}: not a file")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise WorkbookError(f"{_shown(p)}: {p.stat().st_size} bytes is too large for a sizing workbook "
                            f"(limit {MAX_FILE_BYTES})")
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
    except zipfile.BadZipFile as e:
        _refuse_ole2(p)
        raise WorkbookError(f"{_shown(p)}: not an .xlsx workbook (not a valid zip file: {e})") from None
    except (OSError, ValueError, EOFError, NotImplementedError) as e:  # e.g. "zip file version 19.5"
        raise WorkbookError(f"{_shown(p)}: cannot read the workbook: {e}") from None
    if len(infos) > max_entries:
        raise WorkbookError(f"{_shown(p)}: {len(infos)} zip entries (limit {max_entries}); refusing to open it")
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed:
        raise WorkbookError(f"{_shown(p)}: declares {total} bytes uncompressed (limit {max_uncompressed}); "
                            "refusing to open a possible zip bomb")
    if total > MAX_UNCOMPRESSED_ANY:
        dense = max((i for i in infos if i.file_size > RATIO_FLOOR),
                    key=lambda i: i.file_size / max(1, i.compress_size), default=None)
        if dense is not None and dense.file_size > MAX_RATIO * max(1, dense.compress_size):
            raise WorkbookError(
                f"{_shown(p)}: declares {total} bytes uncompressed, and its part {dense.filename} inflates "
                f"{dense.file_size / max(1, dense.compress_size):.0f} times its compressed size (above "
                f"{MAX_UNCOMPRESSED_ANY} bytes in all, at most {MAX_RATIO} times); refusing to open a possible zip bomb")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookError(f"{_shown(p)}: not an .xlsx workbook (no xl/workbook.xml inside the zip)")
    return p


OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # Compound File Binary: .xls, and encrypted .xlsx ([MS-CFB] 2.2)


def _refuse_ole2(p: Path) -> None:
    """A compound (OLE2) file is an old .xls, or an .xlsx that Excel encrypted with a password.

    Excel stores a password-protected workbook as a compound file holding the streams
    ``EncryptionInfo`` and ``EncryptedPackage`` ([MS-OFFCRYPTO] 2.3.4.4, "\\EncryptedPackage Stream"),
    whose names the compound file's directory holds in UTF-16LE.
    """
    with open(p, "rb") as fh:
        head = fh.read(MAX_FILE_BYTES)
    if not head.startswith(OLE2_MAGIC):
        return
    if "EncryptedPackage".encode("utf-16-le") in head:
        raise WorkbookError(f"{_shown(p)}: the workbook is password-protected (encrypted); open it in Excel, remove "
                            "the password (File > Info > Protect Workbook > Encrypt with Password) and save it again")
    raise WorkbookError(f"{_shown(p)}: not an .xlsx workbook (an OLE2 compound file: an old .xls workbook or "
                        "another Office file); save it as .xlsx")


def load_workbook(path: str | os.PathLike, **kwargs):
    """:func:`openpyxl.load_workbook` after :func:`check_xlsx`, with errors as WorkbookError."""
    import openpyxl

    p = check_xlsx(path)
    try:
        return openpyxl.load_workbook(p, **kwargs)
    except WorkbookError:
        raise
    except Exception as e:  # openpyxl raises many kinds (KeyError, zlib.error, XML errors ...)
        raise WorkbookError(f"{_shown(p)}: cannot read the workbook: {_reason(e)}") from None


def _reason(e: Exception) -> str:
    """One line saying why openpyxl failed (its own messages span three lines and hide the cause)."""
    for x in (e, e.__cause__, e.__context__):
        if x is not None and type(x).__module__.startswith("defusedxml"):  # EntitiesForbidden, DTDForbidden ...
            return (f"its XML declares entities or a DTD ({type(x).__name__}), as an XML bomb does; "
                    "refusing to read it")
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


MAX_TEXT_BYTES = 20 * 1024 * 1024  # scenario and catalog files are hand-edited text; refuse anything huge


def read_bytes(path: str | os.PathLike, what: str = "scenario file", expected: str = "TOML", *,
               max_bytes: int = MAX_TEXT_BYTES, error: type = ScenarioFileError) -> bytes:
    """The bytes of a small regular file (a folder, FIFO, device or file over ``max_bytes`` refused)."""
    p = Path(path)
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{p}: is a folder, not a {what}")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{p}: not a regular file; expected a {what} ({expected})")
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as e:
        raise error(f"{p}: cannot read: {e.strerror or e}") from None
    if len(data) > max_bytes:
        raise error(f"{p}: too large for a {what} (limit {max_bytes} bytes)")
    return data


def read_text(path: str | os.PathLike, what: str = "scenario file", expected: str = "TOML", *,
              max_bytes: int = MAX_TEXT_BYTES, error: type = ScenarioFileError) -> str:
    """A small UTF-8 text file, or ``error`` naming the file and what is wrong with it: the one bounded reader.

    A folder, a FIFO or a device (``/dev/zero`` would never end), a file over ``max_bytes``, binary
    data, text that is not UTF-8 and an empty file are refused before anything parses them.
    """
    p = Path(path)
    data = read_bytes(p, what, expected, max_bytes=max_bytes, error=error)
    if b"\x00" in data:
        raise error(f"{p}: not a text file (binary data); expected {expected}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise error(f"{p}: not UTF-8 text (byte {e.start}); save the file as UTF-8") from None
    if not text.strip():
        raise error(f"{p}: empty file; expected {expected}")
    return text
