"""Render a workbook to PDF with LibreOffice, the way a recipient sees it (``xlsizing pdf``).

Its own module: it reads the workbook the way :mod:`xlsizing.verify` does (the DTD check, the
staged copy) and converts it with :mod:`xlsizing.recalc`, so neither of those imports the other.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from .errors import WorkbookError
from .fileio import atomic_write, check_output, check_xlsx
from .recalc import DEFAULT_TIMEOUT, check_timeout, convert
from .verify import defined_names, stage_copy


def export_pdf(xlsx_path: str | os.PathLike, pdf_path: str | os.PathLike, *, force: bool = False,
               timeout: float | None = None, profile: str | os.PathLike | None = None) -> Path:
    """Render a workbook to PDF (recalculated first) the way a recipient's LibreOffice shows it.

    ``timeout`` (seconds) bounds the LibreOffice call; None: 300 s, plus 1 s per MB above 240 MB
    the workbook declares uncompressed.
    """
    src = check_xlsx(xlsx_path)
    if timeout is not None:
        timeout = check_timeout(timeout)
    dest = check_output(pdf_path, force=force)
    defined_names(src)  # refuses a DTD anywhere before LibreOffice parses the file
    with tempfile.TemporaryDirectory(prefix="xlsizing-pdf-") as tmp:
        # a copy under a fixed name so the output name is known and the input folder is untouched,
        # without the defined names no formula uses (LibreOffice loads thousands of them slowly)
        staged = Path(tmp) / "in" / "workbook.xlsx"
        staged.parent.mkdir()
        stage_copy(src, staged, poison=False)
        if timeout is None:
            with zipfile.ZipFile(staged) as z:
                timeout = max(DEFAULT_TIMEOUT, 60.0 + sum(i.file_size for i in z.infolist()) / 1e6)
        try:
            (pdf,) = convert([staged], Path(tmp) / "out", "pdf", timeout=timeout, profile=profile)
        except WorkbookError as e:
            raise WorkbookError(str(e).replace(str(staged.resolve()), str(src)).replace(str(staged), str(src))) from None
        return atomic_write(dest, lambda t: shutil.copyfile(pdf, t), force=force)
