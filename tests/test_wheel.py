"""The wheel a colleague installs: built from a copy of the source, installed into a fresh venv.

The wheel is built with pip (``pip wheel --no-deps``, the build backend of ``pyproject.toml``)
from a copy of the source tree, so the checkout stays untouched; then it is installed into a new
virtual environment under pytest's temporary folder (no system site-packages; its dependencies
come from the package index as on a colleague's machine), and the installed commands run in a
folder outside the source tree: ``xlsizing build``, ``xlsizing verify`` (LibreOffice) and
``import xlsizing.udfs``.  The oracle for "holds everything" is the source tree itself: every file
of ``xlsizing/`` is in the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from test_cli import REPO

SKIP = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.pyc", "build", "dist", "*.egg-info",
                              ".pytest_cache", ".hypothesis")


def sh(*args, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    p = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert p.returncode == 0, f"{args} exited {p.returncode}:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("wheel-src") / "xlsizing"
    shutil.copytree(REPO, src, ignore=SKIP)
    dist = tmp_path_factory.mktemp("dist")
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src, cwd=src)
    (whl,) = dist.glob("xlsizing-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    env = tmp_path_factory.mktemp("colleague") / "venv"
    sh(sys.executable, "-m", "venv", env, cwd=env.parent)
    sh(env / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=env.parent)
    return env


def test_wheel_holds_every_package_file(wheel):
    shipped = set(zipfile.ZipFile(wheel).namelist())
    source = {p.relative_to(REPO).as_posix() for p in (REPO / "xlsizing").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert source - shipped == set()
    assert {"xlsizing/data/figure11.toml", "xlsizing/data/accelerators.toml"} <= shipped
    meta = next(n for n in shipped if n.endswith(".dist-info/METADATA"))
    requires = [ln for ln in zipfile.ZipFile(wheel).read(meta).decode().splitlines() if ln.startswith("Requires-Dist:")]
    for dep in ("numpy", "openpyxl", "XlsxWriter", "xlwings", "defusedxml", "pandas"):
        assert any(ln.split()[1].startswith(dep) for ln in requires), (dep, requires)
    entry = next(n for n in shipped if n.endswith(".dist-info/entry_points.txt"))
    assert "xlsizing = xlsizing.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_installed_wheel_builds_verifies_and_imports_the_functions(venv, tmp_path):
    work = tmp_path / "work"  # outside the source tree: nothing can come from the checkout
    work.mkdir()
    py, exe = venv / "bin" / "python", venv / "bin" / "xlsizing"
    where = sh(py, "-c", "import xlsizing, xlsizing.udfs; print(xlsizing.__file__)", cwd=work).stdout.strip()
    assert Path(where).is_relative_to(venv) and not Path(where).is_relative_to(REPO)
    assert sh(exe, "build", cwd=work).stdout == "wrote figure11.xlsx\n"
    if shutil.which("soffice"):
        p = sh(exe, "verify", "figure11.xlsx", cwd=work)
        assert p.stdout.startswith("figure11.xlsx: OK — 140 computed cells")
    assert sh(exe, "init", "my.toml", cwd=work).stdout == "wrote my.toml\n"  # the shipped starter file
    assert "759.09" in sh(exe, "table", "--set", "figure11", cwd=work).stdout  # the report's 保守 capex
