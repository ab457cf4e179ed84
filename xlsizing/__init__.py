"""xlsizing: size AI-inference compute from users to capex, in Python, Excel and the terminal.

The Figure 11 chain of Minsheng Securities' Doubao report (2024-12-26) lives in
:mod:`xlsizing.model`; the sheets (Figure 11, Beyond, ...) and their rows in :mod:`xlsizing.sheets`.
The names the README's examples use are importable from here:

>>> from xlsizing import load_builtin, values
>>> [round(x, 2) for x in values(load_builtin("figure11"))["capex_yi"]]
[455.46, 759.09, 1138.64, 1897.73]
"""

from . import model
from ._version import __version__
from .errors import InvalidInput, XlsizingError
from .scenarios import load_builtin, load_file, make_scenario, values, with_inputs
from .sheets import SHEETS, evaluate, evaluate_column

__all__ = ["__version__", "model", "InvalidInput", "XlsizingError", "SHEETS", "evaluate", "evaluate_column",
           "load_any", "load_builtin", "load_file", "make_scenario", "values", "with_inputs", "render_text",
           "render_csv", "render_json", "write_workbook", "write_template"]


def __getattr__(name: str):
    # pandas stays off the import path: xlsizing.to_frame / from_frame load xlsizing.frames on first use
    if name in ("to_frame", "from_frame"):
        from . import frames

        return getattr(frames, name)
    # the writer (XlsxWriter) and the renderer load on first use too: the Excel functions
    # (import xlsizing.udfs) need neither
    if name == "load_any":  # reads workbooks too (openpyxl, XlsxWriter's helpers)
        from .loading import load_any

        return load_any
    if name in ("write_workbook", "write_template"):
        from . import workbook

        return getattr(workbook, name)
    if name in ("render_text", "render_csv", "render_json"):
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module 'xlsizing' has no attribute {name!r}")
