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
from .render import render_csv, render_json, render_text
from .scenarios import load_any, load_builtin, load_file, make_scenario, values, with_inputs
from .sheets import SHEETS, evaluate, evaluate_column
from .workbook import write_template, write_workbook

__all__ = ["__version__", "model", "InvalidInput", "XlsizingError", "SHEETS", "evaluate", "evaluate_column",
           "load_any", "load_builtin", "load_file", "make_scenario", "values", "with_inputs", "render_text",
           "render_csv", "render_json", "write_workbook", "write_template"]
