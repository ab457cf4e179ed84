"""The start of a subprocess script that loads xlwings' classic (Windows) UDF code on Linux.

pywin32 does not exist here, so its modules are stand-ins; then ``xlwings.func/arg/ret`` are
xlwings' own classic decorators (``xlwings.udfs.xlfunc`` …) and ``xlsizing.udfs`` is imported as
``m`` through them, as Excel's Import Functions would.  Used by tests/test_udfs_registration.py and
tests/test_udfs_table.py, each appending its own checks.
"""

PREAMBLE = r'''
import io, json, sys, types
for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
    sys.modules[name] = types.ModuleType(name)
sys.modules["pythoncom"].CoInitialize = lambda: None
sys.modules["pywintypes"].com_error = Exception
sys.modules["win32com.client"].Dispatch = None
sys.modules["win32com"].client = sys.modules["win32com.client"]

import xlwings, xlwings.udfs as xu
xlwings.func, xlwings.arg, xlwings.ret = xu.xlfunc, xu.xlarg, xu.xlret
import xlsizing.udfs as m
'''
