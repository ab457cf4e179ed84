"""Shared fixtures: LibreOffice headless, the reference spreadsheet engine of the test suite.

LibreOffice starts slowly (about 1.5 s), then converts each extra workbook in 0.1-0.4 s, so tests
collect their workbooks and recalculate them in ONE call::

    def test_x(lo_recalc, tmp_path):
        out = lo_recalc([a, b, c])          # recalculated copies, same order
        wb = openpyxl.load_workbook(out[0], data_only=True)

One always-recalculate profile per test session (per xdist worker), reused by every call of that
session: LibreOffice calls are sequential inside a session, and a warm profile starts faster.
Everything lives in pytest's temporary folders.
"""

from __future__ import annotations

import itertools

import pytest

from xlsizing import recalc


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory):
    """A throw-away LibreOffice profile that recalculates every workbook on load."""
    try:
        recalc.soffice_path()
    except Exception as e:  # the README's test command installs it
        pytest.fail(f"{e}", pytrace=False)
    return recalc.make_profile(tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture(scope="session")
def lo_convert(lo_profile, tmp_path_factory):
    """``lo_convert(paths, target)`` converts all ``paths`` in one soffice call; returns outputs."""
    counter = itertools.count()

    def run(paths, target="xlsx"):
        out = tmp_path_factory.mktemp(f"lo-out-{next(counter)}")
        return recalc.convert(paths, out, target, profile=lo_profile)

    return run


@pytest.fixture(scope="session")
def lo_recalc(lo_convert):
    """``lo_recalc(paths)`` → recalculated .xlsx copies (read them with data_only=True)."""
    return lambda paths: lo_convert(paths, "xlsx")
