"""The ready-made workbooks of ``workbooks/``: fresh, and computed alike by both spreadsheet engines.

Oracles: the generator (``python -m xlsizing.gallery workbooks``; every part of each committed
file must equal a fresh run's, the document properties' timestamps aside), and LibreOffice and
Gnumeric recalculating every file, compared cell by cell with the Python engine (1e-12 relative)
with no error cell — without the add-in, so the IFERROR fallbacks compute every headline row.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest

from xlsizing import gallery, verify
from xlsizing.sheets import SHEETS

from test_cli import REPO

COMMITTED = REPO / "workbooks"


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # core.xml: the time written


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gallery")
    gallery.write_gallery(folder)
    return folder


@pytest.mark.parametrize("model", gallery.MODELS, ids=lambda m: m.file)
def test_committed_workbook_is_not_stale(fresh, model):
    assert parts(COMMITTED / model.file) == parts(fresh / model.file), (
        f"workbooks/{model.file} is stale: run python -m xlsizing.gallery workbooks")


def test_the_folder_holds_exactly_the_models_and_their_readme(fresh):
    assert sorted(p.name for p in COMMITTED.iterdir()) == sorted([m.file for m in gallery.MODELS] + ["README.md"])
    assert (COMMITTED / "README.md").read_text("utf-8") == gallery.readme()


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("ssconvert") is None,
                    reason="LibreOffice and Gnumeric are installed by scripts/test.sh")
def test_every_workbook_verifies_in_both_engines():
    files = [COMMITTED / m.file for m in gallery.MODELS]
    reports = verify.verify_workbooks(files, engine="all")
    assert len(reports) == 2 * len(files)
    for r in reports:
        assert r.ok, r.summary()
        assert r.sheets == [s.title for s in SHEETS] and not r.errors
        # measured: LibreOffice up to 3.7e-14, Gnumeric up to 1.3e-14 (the Economics sheet's chains)
        assert r.largest_difference < 1e-13


def test_what_the_models_hold():
    # hand checks of the inputs taken from the sources named in gallery.py and the catalog
    ds = gallery.deepseek_v3()
    assert [s.values["params_yi"] for s in ds] == [370.0, 370.0]  # DeepSeek-V3: 37B activated
    assert [s.values["card_tflops"] for s in ds] == [1979.0, 296.0]  # H800, H20 dense FP8 (catalog)
    acc = gallery.accelerators()
    assert [s.name for s in acc] == ["H20", "H800", "H200", "B200", "Ascend 910C"]
    assert acc[0].values["card_tflops"] == 148.0  # the report's H20 FP16 figure
    assert "tdp_w" in acc[-1].note  # a figure the catalog lacks is named, not hidden (910C: no TDP)
