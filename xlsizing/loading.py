"""Scenarios from any file a user has: TOML, CSV or an Excel workbook, chosen by the file's extension.

Its own module, above :mod:`xlsizing.scenarios` (TOML, CSV) and :mod:`xlsizing.xlsx_scenarios`
(workbooks), so neither imports the other.
"""

from __future__ import annotations

from pathlib import Path

from .scenarios import Scenario, load_csv, load_file
from .xlsx_scenarios import load_xlsx


def load_any(path: str | Path, encoding: str | None = None) -> list[Scenario]:
    """A scenario file by its extension: ``.csv`` is CSV (``encoding``: None detects it), ``.xlsx``/``.xlsm``
    a workbook (:mod:`xlsizing.xlsx_scenarios`), anything else TOML."""
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return load_xlsx(path)
    return load_csv(path, encoding) if suffix == ".csv" else load_file(path)
