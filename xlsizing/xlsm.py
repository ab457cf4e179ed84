"""Macro-enabled workbooks (.xlsm): keep a VBA project through ``fill``, add one in ``build``.

The README's install steps have the analyst import the xlwings function wrappers and save the
model as ``.xlsm``; those wrappers live in ``xl/vbaProject.bin``.  Excel opens a file only when
its extension matches its content type, so:

* ``fill`` of a workbook with a VBA project keeps ``xl/vbaProject.bin`` (and a signature, if
  any) byte for byte, with the macro-enabled content type, and writes ``.xlsm`` (openpyxl's
  ``keep_vba``); a macro-free workbook stays ``.xlsx``.  Any other pairing is refused, saying why.
* ``build -o x.xlsm`` writes a real macro-enabled workbook from a VBA project the user names,
  a ``vbaProject.bin`` or an existing ``.xlsm`` to take it from (XlsxWriter's
  ``add_vba_project``, as its ``vba_extract`` utility documents:
  https://xlsxwriter.readthedocs.io/working_with_macros.html), or refuses saying how.

>>> import tempfile, pathlib
>>> from xlsizing.scenarios import load_builtin
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_workbook_xlsm(load_builtin("figure11"), d / "m.xlsm")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
xlsizing.errors.InvalidInput: ...m.xlsm is a macro-enabled workbook name, but no VBA project was given; ...
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from typing import Sequence

from .errors import InvalidInput, WorkbookError
from .fileio import atomic_write, check_xlsx

VBA_PART = "xl/vbaProject.bin"
VBA_SIGNATURE_PART = "xl/vbaProjectSignature.bin"
MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
WORKBOOK_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MAX_VBA_BYTES = 20 * 1024 * 1024  # a VBA project of function wrappers is tens of kB
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # vbaProject.bin is an OLE compound file


def is_macro_name(path: str | os.PathLike) -> bool:
    """True for a ``.xlsm`` file name (any case)."""
    return Path(path).suffix.lower() == ".xlsm"


def vba_project(path: str | os.PathLike) -> bytes | None:
    """The ``xl/vbaProject.bin`` bytes of a workbook, or None when it has no VBA project."""
    p = check_xlsx(path)
    with zipfile.ZipFile(p) as z:
        return z.read(VBA_PART) if VBA_PART in z.namelist() else None


def workbook_content_type(path: str | os.PathLike) -> str:
    """The content type ``[Content_Types].xml`` declares for ``/xl/workbook.xml``."""
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml").decode("utf-8")
    m = re.search(r'PartName="/xl/workbook\.xml"\s+ContentType="([^"]+)"', types) or re.search(
        r'ContentType="([^"]+)"\s+PartName="/xl/workbook\.xml"', types)
    return m.group(1) if m else ""


def check_fill_output(template: str | os.PathLike, out: str | os.PathLike, has_vba: bool) -> None:
    """Refuse an output name whose extension does not match what fill writes (Excel refuses those files)."""
    if has_vba and not is_macro_name(out):
        raise InvalidInput(f"{out}: {template} holds macros ({VBA_PART}); name the output .xlsm to keep them "
                           "(a .xlsx may not hold macros, and Excel refuses a .xlsx that does)")
    if not has_vba and is_macro_name(out):
        raise InvalidInput(f"{out}: {template} has no VBA project, so the copy is not macro-enabled; name the "
                           "output .xlsx, or fill a macro-enabled copy of the template (.xlsm)")


def default_fill_name(template: str | os.PathLike) -> str:
    """``model.xlsm`` → ``model-filled.xlsm``; anything else → ``<stem>-filled.xlsx``."""
    p = Path(template)
    return p.stem + ("-filled.xlsm" if is_macro_name(p) else "-filled.xlsx")


def read_vba_source(vba_project_bin: str | os.PathLike | None = None,
                    vba_from: str | os.PathLike | None = None) -> tuple[bytes, str | None, bytes | None]:
    """``(vbaProject.bin bytes, workbook code name or None, signature or None)`` from a ``.bin`` or an ``.xlsm``.

    Refuses a file that is not an OLE compound file (every ``vbaProject.bin`` is one), and an
    ``.xlsm`` without a VBA project, saying which.
    """
    if (vba_project_bin is None) == (vba_from is None):
        raise InvalidInput("give one of vba_project (a vbaProject.bin) or vba_from (an .xlsm), got "
                           + ("both" if vba_project_bin is not None else "neither"))
    if vba_from is not None:
        data = vba_project(vba_from)
        if data is None:
            raise WorkbookError(f"{vba_from}: no VBA project ({VBA_PART}) in this workbook; save it from Excel "
                                "as .xlsm after importing the macros, or give --vba-project vbaProject.bin")
        with zipfile.ZipFile(vba_from) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            signature = z.read(VBA_SIGNATURE_PART) if VBA_SIGNATURE_PART in z.namelist() else None
        m = re.search(r'<(?:\w+:)?workbookPr\b[^>]*\bcodeName="([^"]+)"', book)
        name, shown = (m.group(1) if m else None), vba_from
    else:
        p = Path(vba_project_bin)
        if not p.is_file():
            raise InvalidInput(f"vba_project {p}: no such file")
        if p.stat().st_size > MAX_VBA_BYTES:
            raise InvalidInput(f"vba_project {p}: {p.stat().st_size} bytes is too large for a VBA project "
                               f"(limit {MAX_VBA_BYTES})")
        data, name, shown, signature = p.read_bytes(), None, p, None
    if not data.startswith(_OLE_MAGIC):
        raise InvalidInput(f"{shown}: not a VBA project (a vbaProject.bin is an OLE compound file starting "
                           f"{_OLE_MAGIC.hex().upper()}); extract it from an .xlsm with --vba-from model.xlsm")
    return data, name, signature


def write_workbook_xlsm(scenarios: Sequence, path: str | os.PathLike, *, force: bool = False,
                        vba_project: str | os.PathLike | None = None, vba_from: str | os.PathLike | None = None,
                        sheets=None) -> Path:
    """Write the workbook of :func:`xlsizing.workbook.write_workbook` as a macro-enabled ``.xlsm``.

    The VBA project comes from ``vba_project`` (a ``vbaProject.bin``) or ``vba_from`` (an
    ``.xlsm``, whose workbook code name is kept too); without either, refuses saying how.
    """
    import xlsxwriter

    from .workbook import build

    if not is_macro_name(path):
        raise InvalidInput(f"{path}: a workbook with a VBA project must be named .xlsm")
    if vba_project is None and vba_from is None:
        raise InvalidInput(f"{path} is a macro-enabled workbook name, but no VBA project was given; give "
                           "--vba-project vbaProject.bin or --vba-from model.xlsm (the macros to keep), "
                           "or name the output .xlsx")
    data, codename, signature = read_vba_source(vba_project, vba_from)
    scenarios = list(scenarios)

    def write(tmp: Path):
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False, "in_memory": True})
        try:
            build(book, scenarios, sheets)
            if signature is None:
                book.add_vba_project(io.BytesIO(data), is_stream=True)
            else:  # a signed project keeps its signature (it signs the project, not the sheets)
                book.add_signed_vba_project(io.BytesIO(data), io.BytesIO(signature), True, True)
            if codename:
                book.set_vba_name(codename)
        finally:
            book.close()

    return atomic_write(path, write, force=force)
