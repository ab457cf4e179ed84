"""Point xlwings at the Excel functions of :mod:`xlsizing.udfs`: the logic of the ``addin`` command.

xlwings reads its settings from an ``xlwings.conf`` file of ``"KEY","value"`` lines: the user's
(``~/.xlwings/xlwings.conf``, shared with the xlwings ribbon) or one beside a workbook, which
applies to the workbooks of that folder.  This command adds ``xlsizing.udfs`` to the key
``UDF MODULES`` (keeping any module already listed), writes ``INTERPRETER_WIN`` (the Python that
has xlsizing installed) on Windows, keeps every other line as it was, and writes atomically.
Changing a value that is already set (another interpreter) needs ``--force``.  What happens
inside Excel (trusting the VBA project, *Import Functions*) cannot be automated from here, so
the command prints exactly what to click; those steps exist only in Windows desktop Excel.

>>> text, notes = merge_config('"LICENSE_KEY","abc"\\n"UDF MODULES","mine"\\n')
>>> print(text, end="")
"LICENSE_KEY","abc"
"UDF MODULES","mine;xlsizing.udfs"
"""

from __future__ import annotations

import locale
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidInput

UDF_MODULE = "xlsizing.udfs"
KEY_MODULES = "UDF MODULES"
KEY_INTERPRETER = "INTERPRETER_WIN"
ON_WINDOWS = sys.platform.startswith("win")
CONF_NAME = "xlwings.conf"
_LINE = re.compile(r'^\s*"([^"]*)"\s*,\s*"([^"]*)"\s*$')


def user_config_path(platform: str = sys.platform) -> Path:
    """The xlwings user configuration file (the same file the xlwings ribbon edits)."""
    if platform.startswith("darwin"):
        return Path.home() / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / CONF_NAME
    return Path.home() / ".xlwings" / CONF_NAME


def merge_config(text: str, *, remove: bool = False, interpreter: str | None = None,
                 force: bool = False, module: str = UDF_MODULE) -> tuple[str, list[str]]:
    """Return ``text`` (an xlwings.conf) with ``module`` added to (or removed from) UDF MODULES.

    Every other line stays as it was.  ``interpreter`` sets INTERPRETER_WIN when it is missing;
    a different value already there is kept unless ``force``.  ``notes`` say what changed.

    >>> merge_config('"INTERPRETER_WIN","C:\\\\py\\\\python.exe"\\n', interpreter="D:\\\\python.exe")[1]
    ['UDF MODULES: added xlsizing.udfs', 'INTERPRETER_WIN is already C:\\\\py\\\\python.exe; kept (--force replaces it with D:\\\\python.exe)']
    """
    for key, value in ((KEY_MODULES, module), (KEY_INTERPRETER, interpreter or "")):
        if '"' in value or "\n" in value or "\r" in value:
            raise InvalidInput(f"{key} value must not contain a double quote or a line break, got {value!r}")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    notes: list[str] = []

    def find(key):
        for i, line in enumerate(lines):
            m = _LINE.match(line)
            if m and m.group(1).strip().upper() == key:
                return i, m.group(2)
        return None, None

    i, value = find(KEY_MODULES)
    modules = [m.strip() for m in (value or "").split(";") if m.strip()]
    if remove:
        if module in modules:
            modules.remove(module)
            notes.append(f"{KEY_MODULES}: removed {module}")
            if modules:
                lines[i] = f'"{KEY_MODULES}","{";".join(modules)}"{newline}'
            else:
                del lines[i]
        else:
            notes.append(f"{KEY_MODULES} does not list {module}; nothing to remove")
        return "".join(lines), notes
    if module in modules:
        notes.append(f"{KEY_MODULES} already lists {module}")
    else:
        modules.append(module)
        line = f'"{KEY_MODULES}","{";".join(modules)}"{newline}'
        if i is None:
            lines.append(line)
        else:
            lines[i] = line
        notes.append(f"{KEY_MODULES}: added {module}")
    if interpreter:
        j, current = find(KEY_INTERPRETER)
        line = f'"{KEY_INTERPRETER}","{interpreter}"{newline}'
        if j is None:
            lines.append(line)
            notes.append(f"{KEY_INTERPRETER}: set to {interpreter}")
        elif current.lower() == interpreter.lower():
            notes.append(f"{KEY_INTERPRETER} is already {interpreter}")
        elif force:
            lines[j] = line
            notes.append(f"{KEY_INTERPRETER}: replaced {current} with {interpreter}")
        else:
            notes.append(f"{KEY_INTERPRETER} is already {current}; kept (--force replaces it with {interpreter})")
    return "".join(lines), notes


@dataclass
class AddinPlan:
    path: Path
    old: str | None  # None: the file does not exist yet
    new: str
    notes: list[str]

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def preview(self) -> str:
        """What --dry-run prints: the target and the whole new file, indented."""
        head = f"Would write {self.path}:\n" if self.changed else f"{self.path} would not change:\n"
        return head + "".join(f"  {line}" for line in self.new.splitlines(keepends=True))


def _encoding() -> str:
    # VBA's "Open … For Input" reads the ANSI code page on Windows, the same as Python's default
    return locale.getpreferredencoding(False) or "utf-8"


def plan_addin(path: str | os.PathLike, *, remove: bool = False, interpreter: str | None = None,
               force: bool = False) -> AddinPlan:
    """Read ``path`` (if it exists) and compute its new content; writes nothing."""
    p = Path(path)
    if p.is_dir():
        raise InvalidInput(f"{p} is a folder; give the xlwings.conf file")
    try:
        with open(p, encoding=_encoding(), errors="surrogateescape", newline="") as f:
            old = f.read()
    except FileNotFoundError:
        old = None
    except OSError as e:
        raise InvalidInput(f"cannot read {p}: {e.strerror}") from None
    new, notes = merge_config(old or "", remove=remove, interpreter=interpreter, force=force)
    return AddinPlan(p, old, new, notes)


def write_plan(plan: AddinPlan) -> None:
    """Write the planned content atomically (temp file beside it, then rename); folders made."""
    from .fileio import atomic_write

    try:
        plan.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InvalidInput(f"cannot create folder {plan.path.parent}: {e.strerror}") from None

    def write(tmp: Path):
        with open(tmp, "w", encoding=_encoding(), errors="surrogateescape", newline="") as f:
            f.write(plan.new)

    # replacing the file is the point of the command; merge_config already kept every other line
    atomic_write(plan.path, write, force=True)


def addin_target(workbook: str | None = None, conf: str | None = None) -> tuple[Path, str]:
    """The xlwings.conf to write (beside ``workbook``, ``conf`` itself, or the user's) and its scope."""
    if workbook:
        book = Path(workbook)
        if not book.is_file():
            raise InvalidInput(f"workbook {book} does not exist")
        return book.parent / CONF_NAME, f"(This setting applies to the workbooks in {book.parent}.)"
    if conf:
        return Path(conf), ""
    return user_config_path(), "(This setting applies to every workbook.)"


def excel_steps(scope: str, on_windows: bool, interpreter_given: bool = True) -> str:
    """What to click in Excel after the configuration is written (Windows desktop Excel only)."""
    missing = "" if interpreter_given else (
        f"No {KEY_INTERPRETER} written (not on Windows); pass --python C:\\path\\to\\python.exe to set it.\n")
    where = missing + ("" if on_windows else (
        "This machine is not Windows: classic xlwings functions run only in Windows desktop Excel.\n"
        "On the Windows machine, install xlsizing and run `xlsizing addin` there (or copy the file to\n"
        "%USERPROFILE%\\.xlwings\\xlwings.conf and add \"INTERPRETER_WIN\",\"C:\\path\\to\\python.exe\").\n"))
    return where + (
        "Then, in Windows desktop Excel (nothing below can be automated from the command line):\n"
        "  1. Once per machine: run `xlwings addin install` in the same Python environment; restart Excel.\n"
        "  2. File > Options > Trust Center > Trust Center Settings... > Macro Settings: tick\n"
        "     \"Trust access to the VBA project object model\"; OK.\n"
        "  3. Open the workbook and save it as .xlsm (Excel Macro-Enabled Workbook): Import Functions\n"
        f"     writes a VBA module into it. {scope}\n"
        "  4. xlwings tab > group \"User Defined Functions (UDFs)\": \"UDF Modules:\" shows xlsizing.udfs\n"
        "     (for the user file); click \"Import Functions\".\n"
        "  5. Type =H20_CARDS( in a cell, or Formulas > Insert Function (Shift+F3), category \"xlsizing\".\n"
        "  Without these steps a cell shows #NAME? (workbooks written by xlsizing then fall back to\n"
        "  their native formulas).\n")


