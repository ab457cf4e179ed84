"""What a recipient sees when printing: every workbook rendered to PDF by LibreOffice and read back (issue 14).

Oracles: LibreOffice's PDF (the recipient's view), read with poppler's ``pdftotext``:
``-bbox-layout`` gives each text block with its words and their boxes, so a label, formula line,
source line, scenario name or chart title that printing cuts off is missing from every block
(LibreOffice leaves clipped glyphs out of the PDF; the stale PDFs of issue 14 showed
"…× 数据规模 ×" for the formula line), and word heights give the printed text size.
``xlsizing.printing`` has the print-plan arithmetic (doctests).

The workbooks: each file of a batch (one scenario), the report's four columns, four columns with
a 40-character scenario name, sixteen columns, and a fill of the template.
"""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from xlsizing import batch
from xlsizing.fill import fill_workbook
from xlsizing.printing import MIN_SCALE
from xlsizing.scenarios import load_builtin, make_scenario
from xlsizing.sheets import SHEETS
from xlsizing.workbook import write_template, write_workbook

LONG_NAME = "2025年乐观情形：豆包日活翻倍且推理时长增加的极端假设（长名称）"
BOX_PER_POINT = 1.17  # word-box height / font size of LibreOffice's fonts (11 pt text: 12.87 pt boxes at 100%)
NS = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, lo_convert):
    d = tmp_path_factory.mktemp("print")
    report = load_builtin()
    one = batch.write_many([report[1]], d / "batch", jobs=1).written[0]
    scen = {"one": [report[1]], "four": report, "filled": report[::-1],
            "long": [make_scenario(LONG_NAME, name_en="Optimistic extreme: DAU doubles, longer inference time "
                                   "(long name)", mau_wan=2e4, peak_multiplier=5), *report[1:]],
            "sixteen": [make_scenario(f"情形{i + 1}", mau_wan=1e3 * (i + 1), peak_multiplier=4) for i in range(16)]}
    books = {
        "one": one,
        "four": write_workbook(report, d / "four.xlsx"),
        "long": write_workbook(scen["long"], d / "long.xlsx"),
        "sixteen": write_workbook(scen["sixteen"], d / "sixteen.xlsx"),
        "filled": fill_workbook(write_template(d / "template.xlsx"), report[::-1], d / "filled.xlsx"),
    }
    out = lo_convert(list(books.values()), "pdf")
    SCENARIOS.update(scen)
    return {k: (books[k], Path(p)) for k, p in zip(books, out)}


def blocks(pdf: Path) -> list[dict]:
    """Every text block of every page: ``{"page", "text" (words joined, no spaces), "words": [(text, box)]}``."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    root = ElementTree.fromstring(xml)
    out = []
    for i, page in enumerate(root.iter(f"{NS}page"), 1):
        for b in page.iter(f"{NS}block"):
            words = [(w.text or "", tuple(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                     for w in b.iter(f"{NS}word")]
            out.append({"page": i, "text": "".join(t for t, _ in words), "words": words,
                        "height": float(page.get("height")), "width": float(page.get("width"))})
    return out


def sheet_blocks(pdf: Path) -> list[dict]:
    """The blocks of the pages before the Notes sheet (the last sheet), whose chain list repeats the labels."""
    bs = blocks(pdf)
    notes = min((b["page"] for b in bs if "说明/Notes" in b["text"]), default=10**9)
    return [b for b in bs if b["page"] < notes]


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def shown_whole(text: str, bs: list[dict]) -> bool:
    t = squeeze(text)
    return any(t in b["text"] for b in bs)


def expected_texts(scenarios_names: list[str], scenarios) -> list[str]:
    from xlsizing.scenarios import sheet_heading

    texts = []
    for sheet in SHEETS:
        title_zh, _, source = sheet_heading(sheet, scenarios)  # the report's only for its own scenarios
        texts += [r.zh for r in sheet.rows] + [r.en for r in sheet.rows]
        texts += [r.text for r in sheet.rows if r.text]
        texts += [source, title_zh]
        if sheet.chart is not None and len(scenarios_names) > 1:
            texts.append(sheet.chart[1])
        if sheet.grid is not None:
            texts += [sheet.grid.chart_title, sheet.grid.title_zh]
        if getattr(sheet, "series_chart", None) is not None:
            texts.append(sheet.series_chart[1])
    return texts + scenarios_names


SCENARIOS: dict = {}  # the scenarios of each case, filled by the pdfs fixture
NAMES = {"one": ["保守"], "four": [s.name for s in load_builtin()], "long": [LONG_NAME, "保守", "中性", "乐观"],
         "sixteen": [f"情形{i + 1}" for i in range(16)], "filled": [s.name for s in load_builtin()[::-1]]}


@pytest.mark.parametrize("case", list(NAMES))
def test_nothing_is_cut_off(pdfs, case):
    # every row label (zh, en), the formula line, each sheet's title and source line, each chart's
    # title and every scenario name appears whole in one text block of the PDF
    _, pdf = pdfs[case]
    bs = sheet_blocks(pdf)
    missing = [t for t in expected_texts(NAMES[case], SCENARIOS[case]) if not shown_whole(t, bs)]
    assert not missing, f"{case}: cut off or missing: {missing[:8]}"
    bs = blocks(pdf)
    assert not any("###" in b["text"] for b in bs), f"{case}: a column shows ###"
    for b in bs:  # and nothing runs past the paper's edge
        for word, (x0, y0, x1, y1) in b["words"]:
            assert 0 <= x0 and x1 <= b["width"] and 0 <= y0 and y1 <= b["height"], (case, word)


@pytest.mark.parametrize("case", list(NAMES))
def test_text_is_readable(pdfs, case):
    # printed sizes from the word boxes: the body (11 pt cells) at least 6.5 pt (MIN_SCALE of 11 pt,
    # rounded down), and nothing but the small print (9 pt source lines, 8 pt footers) under 5 pt;
    # sixteen scenarios printed at about 4 pt before (issue 14)
    _, pdf = pdfs[case]
    sizes = [(y1 - y0) / BOX_PER_POINT for b in blocks(pdf) for _, (x0, y0, x1, y1) in b["words"]]
    assert statistics.median(sizes) >= 11 * MIN_SCALE / 100 - 0.1, (case, statistics.median(sizes))
    assert min(sizes) >= 4.9, (case, min(sizes))


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    return text.split("\f")[:-1]


@pytest.mark.parametrize("case", list(NAMES))
def test_no_section_heading_ends_a_page(pdfs, case):
    headings = [zh for sheet in SHEETS for zh, _ in sheet.section_titles.values()]
    headings += [sheet.grid.title_zh for sheet in SHEETS if sheet.grid is not None]
    for i, page in enumerate(_pages(pdfs[case][1]), 1):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        body = [ln for ln in lines if not ln.startswith("xlsizing ")]  # the footer
        if not body:
            continue
        # the heading's own row and the one after it: a heading needs rows below it on its page
        for ln in body[-2:]:
            assert not any(ln.startswith(h) for h in headings), f"{case} page {i} ends with heading {ln!r}"


def test_many_scenarios_print_across_pages_with_the_labels_repeated(pdfs):
    pages = _pages(pdfs["sixteen"][1])
    with_names = [p for p in pages if "情形1" in p or "情形16" in p]
    assert len(with_names) >= 2  # the scenario columns go across pages ...
    for p in pages:
        if re.search(r"情形\d+", p) and ("Monthly active users" in p or "Active parameters" in p):
            assert "项目" in p  # ... each with the repeated label columns and header rows


def test_the_grid_names_its_scenario_and_has_room(pdfs):
    for case in ("one", "four", "filled"):
        bs = blocks(pdfs[case][1])
        first = NAMES[case][0]
        row = [b for b in bs if "情形列号" in b["text"]]
        assert row and any(first in b["text"] for b in bs if b["page"] == row[0]["page"]), case
        assert all(shown_whole(f"{k}×", bs) for k in (2, 3, 4, 5, 6)), case


def test_one_scenario_prints_on_one_page_per_short_sheet(pdfs):
    # the Figure 11 sheet of a batch file (one column) fits on one page at a readable scale
    book, _ = pdfs["one"]
    import zipfile

    sheet1 = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    scale = int(re.search(r'scale="(\d+)"', sheet1).group(1))
    assert scale >= 90 and "<rowBreaks" not in sheet1 and "fitToPage" not in sheet1
