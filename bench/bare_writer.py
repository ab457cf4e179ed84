"""The floor of the workbook benchmarks: write given cells with bare XlsxWriter, nothing else.

Imports only XlsxWriter, so ``bench/bench_build.py`` can start it as a fresh interpreter and
``bench/bench_batch.py`` can loop over it in-process; both write the very same cells (as read back
from an xlsizing workbook by ``bench_batch.read_cells``).
"""

import xlsxwriter


def write(spec: dict, path, in_memory: bool = False) -> None:
    """Write ``spec`` ({"sheets": [(title, [(row, col, value, cached)])], "names": [(name, ref)]})."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False, "in_memory": in_memory})
    for title, cells in spec["sheets"]:
        ws = book.add_worksheet(title)
        for r, c, v, cached in cells:
            if isinstance(v, str) and v.startswith("="):
                ws.write_formula(r, c, v, None, cached if cached is not None else 0)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    for name, ref in spec["names"]:
        book.define_name(name, "=" + ref)
    book.close()
