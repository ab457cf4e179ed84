"""The floors of the workbook benchmarks: bare XlsxWriter, nothing else.

Imports only XlsxWriter, so ``bench/bench_build.py`` and ``bench/bench_batch.py`` can start it as
a fresh interpreter that holds nothing else.

* :func:`write`: the very same cells (as read back from an xlsizing workbook by
  ``bench_batch.read_cells``, or with their formats by ``bench_one_workbook.read_cells``) without
  widths or charts: the strict floor.
* :func:`replay`: the very same workbook (every XlsxWriter call xlsizing made for it, recorded by
  ``bench_batch.record_calls``: cells with their formats, widths, charts, names, print setup),
  with none of xlsizing's own work (validation, sizing maths, layout, formula text).
* :func:`timed_passes` (also ``python bare_writer.py write|replay STREAM OUTDIR REPEAT``): either,
  for every workbook of a pickle stream, in a process of its own holding one workbook's input at
  a time, timing the writes only.  A floor timed inside the benchmark's process would share a
  heap of millions of objects (every workbook's cells and calls), which slowed it by 13% against
  the same loop in a fresh process (bench/bench_batch.py, 2026-12-01): a floor made slower than it
  is flatters the command it is compared with.
"""

import json
import pickle
import sys
import time
from pathlib import Path

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


def dump_stream(items, path) -> int:
    """Pickle ``items`` one after another into ``path`` (read back one at a time); returns the count."""
    n = 0
    with open(path, "wb") as f:
        p = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
        for item in items:
            p.dump(item)
            p.clear_memo()
            n += 1
    return n


def _stream(path):
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


def timed_passes(kind: str, stream, outdir, repeat: int) -> list[tuple[float, float, int]]:
    """``repeat`` passes of ``write`` (kind "write") or ``replay`` ("replay") over every item of ``stream``.

    Each item is loaded from the stream, untimed, then written to ``outdir/NNNNN.xlsx`` with its
    wall and CPU time summed.  Returns ``(wall seconds, CPU seconds, workbooks)`` per pass.
    (The replay of xlsizing's calls unpickles the worksheet class xlsizing passes to XlsxWriter,
    so that process imports xlsizing as the command does; the write floor imports XlsxWriter only.)
    Like the command, the process freezes its start-up heap out of the garbage collector's sight.
    """
    import gc

    gc.freeze()  # the imports out of the collector's sight, as the command does (xlsizing.batch)
    out = Path(outdir)
    write_one = {"write": lambda item, path: write(item, path, in_memory=True), "replay": replay}[kind]
    passes = []
    for _ in range(repeat):
        wall = cpu = 0.0
        n = 0
        for item in _stream(stream):
            path = out / f"{n:05d}.xlsx"
            t, c = time.perf_counter(), time.process_time()
            write_one(item, path)
            wall += time.perf_counter() - t
            cpu += time.process_time() - c
            n += 1
        passes.append((wall, cpu, n))
    return passes


if __name__ == "__main__":
    import bare_writer  # the module the stream's Ref objects were pickled from, not this __main__ copy

    kind, stream, outdir, repeat = sys.argv[1:5]
    print(json.dumps(bare_writer.timed_passes(kind, stream, outdir, int(repeat))))
