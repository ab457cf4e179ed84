""""Import Functions" would succeed: xlwings' real classic registration code, run on Linux.

xlwings' classic UDF machinery (``xlwings.udfs``: ``xlfunc``, ``xlarg``, ``generate_vba_wrapper``,
the metadata ``import_udfs`` hands to Excel's ``MacroOptions``) imports pywin32.  A subprocess puts
empty stand-in ``pythoncom``/``pywintypes``/``win32com``/``win32com.client`` modules in
``sys.modules`` (recipe in shared/reference/excel.md), makes ``xw.func/arg/ret`` the real classic
decorators, imports xlsizing.udfs and reports what Excel would receive.  It runs in a subprocess so
the stand-ins never leak into other tests.  xlwings is pinned (pyproject test extra) because these
are its internals.

The conversion check runs xlwings' real read/write pipeline (``xlwings.conversion``) with a
stand-in "excel" engine that only does what pywin32's value cleaning does (error codes → text,
empty → None); it shows that ``ndim=2`` keeps a column a column and a single cell a 1×1 range.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys

import pytest

import xlsizing.udfs as udfs
from xlwings_classic import PREAMBLE

SCRIPT = PREAMBLE + r'''

class Book:  # what generate_vba_wrapper asks of the workbook: its name
    Name = "xlsizing_functions.xlam"

vba = io.StringIO()
xu.generate_vba_wrapper("xlsizing.udfs", m, vba, Book())

funcs = {}
for attr in dir(m):
    f = getattr(m, attr)
    if hasattr(f, "__xlfunc__"):
        x = f.__xlfunc__
        funcs[x["name"]] = {
            "category": x["category"], "volatile": x["volatile"], "sub": x["sub"],
            # exactly what import_udfs passes to Application.MacroOptions
            "description": x["ret"]["doc"][:255], "description_len": len(x["ret"]["doc"]),
            "args": [{"name": a["name"], "doc": a["doc"][:255], "doc_len": len(a["doc"]),
                      "optional": a.get("optional", "<required>"), "options": a["options"]}
                     for a in x["args"] if not a["vba"]],
        }

class StubEngineImpl:  # the cleaning pywin32's engine does: error ints → text, empty → None
    name, type = "excel", "desktop"
    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        errs = {-2146826246: "#N/A", -2146826281: "#DIV/0!"}
        return [[(errs[c] if err_to_str else None) if type(c) is int and c in errs
                 else (empty_as if c in ("", None) else c) for c in row] for row in data]
    @staticmethod
    def prepare_xl_data_element(x, date_format):
        return "" if x is None else x

from xlwings import conversion
xlwings.engines.add(xlwings.main.Engine(impl=StubEngineImpl()))
opts = m.H20_CARDS.__xlfunc__["args"][0]["options"]
conv = []
for raw in [3.2e19, ((3.2e19,), (None,), (-2146826246,), ("x",)), ((3.2e19, 6.4e19),)]:
    read = conversion.read(None, raw, opts)
    out = m.H20_CARDS(read, 148.0, 0.5)
    conv.append({"read": read, "udf": out, "written": conversion.write(out, None, {})})
print(json.dumps({"vba": vba.getvalue(), "funcs": funcs, "conversion": conv}))
'''


@pytest.fixture(scope="module")
def registered():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_every_public_function_is_registered(registered):
    assert sorted(registered["funcs"]) == sorted(udfs.__all__)


@pytest.mark.parametrize("name", udfs.__all__)
def test_vba_declares_the_python_signature(registered, name):
    decl = re.findall(rf"^Function {name}\((.*)\)\s*$", registered["vba"], re.M)
    params = inspect.signature(getattr(udfs, name)).parameters.values()
    want = ", ".join(("Optional " if p.default is not p.empty else "") + p.name for p in params)
    assert decl == [want]
    assert f'{name} = XLPy.CallUDF("xlsizing.udfs", "{name}", Array(' in registered["vba"]


@pytest.mark.parametrize("name", udfs.__all__)
def test_function_wizard_help(registered, name):
    info = registered["funcs"][name]
    f = getattr(udfs, name)
    assert info["category"] == "xlsizing" and not info["volatile"] and not info["sub"]
    # the description is the docstring's first line, whole (not the doctest below it)
    assert info["description"] == f.__doc__.strip().splitlines()[0]
    assert info["description_len"] <= 255
    params = list(inspect.signature(f).parameters.values())
    assert [a["name"] for a in info["args"]] == [p.name for p in params]
    for a, p in zip(info["args"], params):
        assert a["doc_len"] <= 255 and not a["doc"].startswith("Positional argument"), a
        assert a["options"] == {"ndim": 2, "err_to_str": True}
        assert a["optional"] == (p.default if p.default is not p.empty else "<required>")


def test_units_are_in_the_help(registered):
    docs = {a["name"]: a["doc"] for f in registered["funcs"].values() for a in f["args"]}
    for arg, unit in [("mau", "万人"), ("params", "亿"), ("tokens_per_s", "亿"), ("flops", "FLOP/s"),
                      ("card_tflops", "TFLOPS"), ("cards", "万张"), ("server_price", "万元")]:
        assert unit in docs[arg], arg
    desc = {n: f["description"] for n, f in registered["funcs"].items()}
    for fn, unit in [("INFER_FLOPS", "FLOP/s"), ("H20_CARDS", "万张"), ("SERVER_CAPEX", "亿元")]:
        assert unit in desc[fn]


def test_real_conversion_pipeline(registered):
    h = 3.2e19 / (148e12 * 0.5) / 1e4  # hand calculation
    single, column, row = registered["conversion"]
    assert single["read"] == [[3.2e19]] and single["udf"] == [[h]]
    assert column["read"] == [[3.2e19], [None], ["#N/A"], ["x"]]  # a column stays a column
    assert column["written"] == [[h], [""], ["#N/A"], ["flops must be a number, got 'x'"]]
    assert row["read"] == [[3.2e19, 6.4e19]] and row["written"] == [[h, 2 * h]]


def test_functions_of_udfs_beyond_join_the_module():
    # explicit imports, no back-patching: xlsizing.udfs holds every function of udfs_beyond, the same objects
    from xlsizing import udfs, udfs_beyond

    assert set(udfs_beyond.__all__) <= set(udfs.__all__)
    assert all(getattr(udfs, n) is getattr(udfs_beyond, n) for n in udfs_beyond.__all__)
    from xlsizing import udfs_economics, udfs_plan, udfs_table

    # the Figure 11 chain's 7, then the Beyond, Economics, planner and table functions, each once
    assert udfs.__all__ == [*udfs.__all__[:7], *udfs_beyond.__all__, *udfs_economics.__all__, *udfs_plan.__all__,
                            *udfs_table.__all__]
    assert len(udfs.__all__) == len(set(udfs.__all__))
