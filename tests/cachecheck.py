"""The general stale-value check: every cached value a workbook carries is what LibreOffice computes.

For each workbook: read every cached value (each formula cell's ``<v>`` and every point of every
chart's ``numCache``/``strCache``), write a copy whose cached values are all *poisoned* (numbers
become POISON, texts POISON_TEXT), recalculate the copies in LibreOffice (one call, the
always-recalculate profile of tests/conftest.py), and require each cached value to equal the
value LibreOffice computes for its cell (relative 1e-9; texts exactly).  The poison proves the
values were computed: a cell of the recalculated copy still holding it fails the check.

    from cachecheck import assert_caches_computed
    assert_caches_computed([a, b], lo_recalc)
"""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl

from xlsizing.precedents import Opaque, area_cells

POISON = -7.77e77
POISON_TEXT = "POISONED"
REL = 1e-9

_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f[^>]*/>|<f[^>]*>.*?</f>)<v>(.*?)</v>', re.S)
_PT = re.compile(rb"(<(?:c:)?pt idx=\"[0-9]+\"[^>]*>\s*<(?:c:)?v>)(.*?)(</(?:c:)?v>)", re.S)
C_NS = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def _poisoned_sheet(xml: bytes) -> bytes:
    def put(m):
        attrs = m.group(2)
        if b't="str"' in attrs or b't="s"' in attrs or b't="inlineStr"' in attrs:
            value = POISON_TEXT.encode()
        elif b't="e"' in attrs:
            value = b"#N/A"
        elif b't="b"' in attrs:
            value = b"1"
        else:
            value = repr(POISON).encode()
        return b'<c r="%s"%s>%s<v>%s</v>' % (m.group(1), attrs, m.group(3), value)

    return _CELL.sub(put, xml)


def _poisoned_chart(xml: bytes) -> bytes:
    return _PT.sub(lambda m: m.group(1) + repr(POISON).encode() + m.group(3), xml)


def poison(src: Path, dest: Path) -> Path:
    """A copy of ``src`` whose every cached formula value and chart cache point is wrong."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if re.fullmatch(r"xl/worksheets/sheet[0-9]+\.xml", info.filename):
                data = _poisoned_sheet(data)
            elif re.fullmatch(r"xl/charts/chart[0-9]+\.xml", info.filename):
                data = _poisoned_chart(data)
            zout.writestr(info, data)
    return dest


def cached_cells(path: Path) -> dict[tuple[str, str], object]:
    """``{(sheet, "D7"): cached value}`` of every formula cell that carries one."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for ws in formulas.worksheets:
        shown = values[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or isinstance(c.value, str) and c.value.startswith("="):
                    v = shown[c.coordinate].value
                    if v is not None:
                        out[(ws.title, c.coordinate)] = v
    return out


def chart_caches(path: Path) -> list[tuple[str, list[tuple[str, str]], dict[int, str]]]:
    """``(chart part, cells of the series reference, {point index: cached text})`` for every cache."""
    wb = openpyxl.load_workbook(path)
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart[0-9]+\.xml", n)):
            root = ElementTree.fromstring(z.read(name))
            for kind in ("numRef", "strRef"):
                for ref in root.iter(f"{C_NS}{kind}"):
                    f = ref.find(f"{C_NS}f")
                    cache = ref.find(f"{C_NS}numCache") if kind == "numRef" else ref.find(f"{C_NS}strCache")
                    if f is None or cache is None:
                        continue
                    try:
                        cells = area_cells(wb, wb.sheetnames[0], f.text)
                    except Opaque:
                        raise AssertionError(f"{path.name} {name}: cached series {f.text!r} cannot be followed")
                    pts = {int(p.get("idx")): p.find(f"{C_NS}v").text for p in cache.findall(f"{C_NS}pt")}
                    out.append((name, cells, pts))
    return out


def _same(cached, computed) -> bool:
    if isinstance(cached, (int, float)) and not isinstance(cached, bool):
        if not isinstance(computed, (int, float)) or isinstance(computed, bool):
            return False
        return math.isclose(float(cached), float(computed), rel_tol=REL, abs_tol=1e-300)
    return str(cached) == str(computed)


def assert_caches_computed(paths, lo_recalc, workdir: Path, *, min_cached: int = 1) -> dict[str, int]:
    """Fail unless every cached value of every workbook equals LibreOffice's value of its cell.

    Returns ``{file name: number of cached values checked}``; each file must carry at least
    ``min_cached`` (a check of nothing proves nothing).
    """
    paths = [Path(p) for p in paths]
    workdir.mkdir(parents=True, exist_ok=True)
    copies = []
    for i, p in enumerate(paths):
        # LibreOffice writes <stem>.xlsx; a numbered stem keeps two inputs named alike apart
        copies.append(poison(p, workdir / f"{i:03d}-{p.stem}.xlsx"))
    recalculated = lo_recalc(copies)
    problems, counts = [], {}
    for p, lo_path in zip(paths, recalculated):
        lo = openpyxl.load_workbook(lo_path, data_only=True)

        def computed(sheet, ref):
            return lo[sheet][ref].value

        n = 0
        for (sheet, ref), v in cached_cells(p).items():
            got = computed(sheet, ref)
            n += 1
            if not _same(v, got):
                problems.append(f"{p.name} {sheet}!{ref}: cached {v!r}, LibreOffice computes {got!r}")
        for part, cells, pts in chart_caches(p):
            for idx, text in pts.items():
                got = computed(*cells[idx])
                want = float(text) if isinstance(got, (int, float)) else text
                n += 1
                if isinstance(got, (int, float)) and not isinstance(got, bool):
                    ok = math.isclose(float(text), float(got), rel_tol=REL, abs_tol=1e-300)
                else:
                    ok = str(got) == text
                if not ok:
                    problems.append(f"{p.name} {part} point {idx} ({cells[idx][0]}!{cells[idx][1]}): "
                                    f"cached {want!r}, LibreOffice computes {got!r}")
        for ws in lo.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value == POISON or c.value == POISON_TEXT:
                        problems.append(f"{p.name} {ws.title}!{c.coordinate}: still poisoned (not recalculated)")
        counts[p.name] = n
        if n < min_cached:
            problems.append(f"{p.name}: only {n} cached values (expected at least {min_cached})")
    assert not problems, f"{len(problems)} stale cached values:\n" + "\n".join(problems[:40])
    return counts


__all__ = ["POISON", "assert_caches_computed", "cached_cells", "chart_caches", "poison"]
