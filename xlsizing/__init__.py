"""xlsizing: size AI-inference compute from users to capex, in Python, Excel and the terminal.

The Figure 11 chain of Minsheng Securities' Doubao report (2024-12-26) lives in
:mod:`xlsizing.model`; the rows of the table in :mod:`xlsizing.layout`.
"""

__version__ = "0.1.0"
