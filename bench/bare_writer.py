"""The floors of the workbook benchmarks: bare XlsxWriter, nothing else.

Imports only XlsxWriter, so ``bench/bench_build.py`` can start it as a fresh interpreter and
``bench/bench_batch.py`` can loop over it in-process.

* :func:`write`: the very same cells (as read back from an xlsizing workbook by
  ``bench_batch.read_cells``, or with their formats by ``bench_one_workbook.read_cells``) without
  widths or charts: the strict floor.
* :func:`replay`: the very same workbook (every XlsxWriter call xlsizing made for it, recorded by
  ``bench_batch.record_calls``: cells with their formats, widths, charts, names, print setup),
  with none of xlsizing's own work (validation, sizing maths, layout, formula text).
"""

import xlsxwriter


def write(spec: dict, path, in_memory: bool = False, constant_memory: bool = False) -> None:
    """Write ``spec``: ``{"sheets": [(title, [(row, col, value, cached)])], "names": [(name, ref)]}``.

    The sheets and their cells may be iterables read as they are written (a fresh process streams
    them from a file, so its memory is XlsxWriter's).  With ``spec["formats"]`` (XlsxWriter format
    properties), a cell may carry a fifth item, the index of its format (None: none); a value of
    None is then a formatted blank cell.  ``constant_memory``: XlsxWriter's mode that writes each
    row out when the next one starts (xlsizing's writer for wide workbooks).
    """
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False, "in_memory": in_memory,
                                           "constant_memory": constant_memory})
    formats = [book.add_format(props) for props in spec.get("formats", ())] + [None]  # [-1]: no format
    for title, cells in spec["sheets"]:
        ws = book.add_worksheet(title)
        for r, c, v, cached, *style in cells:
            fmt = formats[style[0] if style and style[0] is not None else -1]
            if isinstance(v, str) and v.startswith("="):
                ws.write_formula(r, c, v, fmt, cached if cached is not None else 0)
            elif isinstance(v, str):
                ws.write_string(r, c, v, fmt)
            elif v is None:
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write_number(r, c, v, fmt)
    for name, ref in spec["names"]:
        book.define_name(name, "=" + ref)
    book.close()


def replay(calls: list, path, in_memory: bool = True) -> None:
    """Make the recorded XlsxWriter ``calls`` again on a fresh workbook: the same workbook, bare.

    ``calls``: ``(object id, method, args, kwargs, result id)`` as recorded by
    ``bench_batch.record_calls``; object id 0 is the workbook, an argument ``Ref(id)`` stands for
    an object a call returned (a format, a worksheet, a chart).  Only XlsxWriter runs here.
    """
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False, "in_memory": in_memory})
    objs = {0: book}
    for oid, method, args, kwargs, rid in calls:
        args = [objs[a.id] if type(a) is Ref else a for a in args]
        kwargs = {k: objs[v.id] if type(v) is Ref else v for k, v in kwargs.items()}
        out = getattr(objs[oid], method)(*args, **kwargs)
        if rid is not None:
            objs[rid] = out
    book.close()


class Ref:
    """An object returned by an earlier recorded call (see :func:`replay`)."""

    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id
