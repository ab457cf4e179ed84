"""Checks on a command's output path before anything is written: not one of its inputs, the right extension.

``--force`` replaces an existing output, never the command's own input: ``build m.toml -o m.toml
--force`` would replace the scenario file with a workbook.  Paths are compared after resolving
them (and with :func:`os.path.samefile` when both exist, which also catches hard links), so
``./m.toml``, ``sub/../m.toml`` and a link to it are the same file.  An output must also carry the
extension of what is written, so a PDF is never named ``.xlsx`` nor a workbook ``.txt``.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()); (d / "m.toml").write_text("")
0
>>> check_target(d / "m.xlsx", [d / "m.toml"], "workbook").name
'm.xlsx'
>>> check_target(d / "out.txt", [], "workbook")
Traceback (most recent call last):
...
xlsizing.errors.InvalidInput: ...out.txt: a workbook must be named .xlsx (or .xlsm), not .txt
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from .errors import InvalidInput

# what is written → the extensions its file may have (first: the one suggested)
EXTENSIONS = {
    "workbook": (".xlsx", ".xlsm"),  # .xlsm: a macro-enabled copy (fill keeps its VBA project)
    "PDF": (".pdf",),
    "scenario file": (".toml",),
    "CSV file": (".csv",),
    "JSON file": (".json",),
    "text file": (".txt",),
}


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when ``a`` and ``b`` name the same file (resolved paths, or the same inode when both exist)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(pa)) == os.path.normcase(os.path.realpath(pb))


def check_extension(output: str | os.PathLike, kind: str) -> None:
    """Refuse ``output`` unless its extension is one of :data:`EXTENSIONS` ``[kind]`` (any case)."""
    allowed = EXTENSIONS[kind]
    suffix = Path(output).suffix
    if suffix.lower() not in allowed:
        also = f" (or {', '.join(allowed[1:])})" if len(allowed) > 1 else ""
        got = f"not {suffix}" if suffix else "it has no extension"
        raise InvalidInput(f"{output}: a {kind} must be named {allowed[0]}{also}, {got}")


def check_target(output: str | os.PathLike, inputs: Iterable[str | os.PathLike], kind: str) -> Path:
    """``output`` if it has the extension of ``kind`` and is none of ``inputs`` (even with --force)."""
    if Path(output).is_dir():  # check_output says "is a folder; give a file name"
        return Path(output)
    for inp in inputs:
        if same_file(output, inp):
            raise InvalidInput(f"{output}: is an input of this command ({inp}); writing the output there would "
                               "destroy it, even with --force; give another output name")
    check_extension(output, kind)
    return Path(output)
