"""The ``xlsizing addin`` command: xlwings.conf written right, other settings kept, atomic, honest.

Oracle for the file format: xlwings' own reader (``xlwings.utils.read_user_config`` parses
``"KEY","value"`` lines) and the VBA ``GetConfig`` in xlwings.bas (keys compared case-insensitively,
modules separated by ``;``).
"""

from __future__ import annotations

import os
import re
import sys

import pytest

from xlsizing import addin, cli
from xlsizing.addin import merge_config
from xlsizing.errors import InvalidInput


def read_like_xlwings(path):
    """xlwings.utils.read_user_config's parsing, applied to any file."""
    config = {}
    for line in path.read_text().splitlines():
        values = re.findall(r'"[^"]*"', line)
        if values:
            config[values[0].strip('"').lower()] = values[1].strip('"')
    return config


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # Path.home() on Linux and macOS
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    return tmp_path


def run(capsys, *argv):
    code = cli.main(["addin", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("before, kwargs, after", [
    ("", {}, '"UDF MODULES","xlsizing.udfs"\n'),                                   # new file
    ('"UDF MODULES","mine"\n', {}, '"UDF MODULES","mine;xlsizing.udfs"\n'),      # other module kept
    ('"udf modules","a; xlsizing.udfs"\n', {}, '"udf modules","a; xlsizing.udfs"\n'),  # already there
    ('"LICENSE_KEY","k"\r\n"X","y"', {}, '"LICENSE_KEY","k"\r\n"X","y"\r\n"UDF MODULES","xlsizing.udfs"\r\n'),
    ("", {"interpreter": r"C:\py\python.exe"}, '"UDF MODULES","xlsizing.udfs"\n"INTERPRETER_WIN","C:\\py\\python.exe"\n'),
    ('"INTERPRETER_WIN","C:\\old.exe"\n', {"interpreter": "C:\\new.exe"},         # kept without force
     '"INTERPRETER_WIN","C:\\old.exe"\n"UDF MODULES","xlsizing.udfs"\n'),
    ('"INTERPRETER_WIN","C:\\old.exe"\n', {"interpreter": "C:\\new.exe", "force": True},
     '"INTERPRETER_WIN","C:\\new.exe"\n"UDF MODULES","xlsizing.udfs"\n'),
    ('"UDF MODULES","a;xlsizing.udfs"\n"K","v"\n', {"remove": True}, '"UDF MODULES","a"\n"K","v"\n'),
    ('"UDF MODULES","xlsizing.udfs"\n"K","v"\n', {"remove": True}, '"K","v"\n'),
    ('# a comment xlwings ignores\n', {}, '# a comment xlwings ignores\n"UDF MODULES","xlsizing.udfs"\n'),
])
def test_merge_config(before, kwargs, after):
    assert merge_config(before, **kwargs)[0] == after


def test_merge_refuses_values_xlwings_cannot_read():
    with pytest.raises(InvalidInput) as e:
        merge_config("", interpreter='C:\\a "b"\\python.exe')
    assert str(e.value) == ("INTERPRETER_WIN value must not contain a double quote or a line break, "
                            "got 'C:\\\\a \"b\"\\\\python.exe'")


def test_user_file_is_written_and_readable_by_xlwings(home, capsys):
    conf = home / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_text('"LICENSE_KEY","secret"\n"UDF MODULES","other"\n')
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert read_like_xlwings(conf) == {"license_key": "secret", "udf modules": "other;xlsizing.udfs"}
    assert f"Wrote {conf}" in out and '"Import Functions"' in out and "Trust access to the VBA project" in out
    if not sys.platform.startswith("win"):
        assert "classic xlwings functions run only in Windows desktop Excel" in out
    assert [p.name for p in conf.parent.iterdir()] == ["xlwings.conf"]  # no temp file left behind
    code, out, _ = run(capsys)  # twice: nothing to do
    assert code == 0 and "already up to date; nothing written" in out


def test_dry_run_writes_nothing(home, capsys):
    code, out, _ = run(capsys, "--dry-run")
    assert code == 0 and not (home / ".xlwings").exists()
    assert 'Would write' in out and '  "UDF MODULES","xlsizing.udfs"' in out


def test_beside_a_workbook(tmp_path, capsys):
    book = tmp_path / "model.xlsm"
    book.write_bytes(b"")
    code, out, _ = run(capsys, "--workbook", str(book), "--python", "C:\\py\\python.exe")
    assert code == 0
    assert read_like_xlwings(tmp_path / "xlwings.conf") == {
        "udf modules": "xlsizing.udfs", "interpreter_win": "C:\\py\\python.exe"}
    assert f"applies to the workbooks in {tmp_path}" in out
    assert "No INTERPRETER_WIN written" not in out


def test_interpreter_is_not_replaced_without_force(tmp_path, capsys):
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"INTERPRETER_WIN","C:\\old\\python.exe"\n')
    run(capsys, "--conf", str(conf), "--python", "C:\\new\\python.exe")
    assert read_like_xlwings(conf)["interpreter_win"] == "C:\\old\\python.exe"
    _, out, _ = run(capsys, "--conf", str(conf), "--python", "C:\\new\\python.exe", "--force")
    assert read_like_xlwings(conf)["interpreter_win"] == "C:\\new\\python.exe"
    assert "INTERPRETER_WIN: replaced C:\\old\\python.exe with C:\\new\\python.exe" in out


def test_remove(tmp_path, capsys):
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"UDF MODULES","xlsizing.udfs;mine"\n')
    code, out, _ = run(capsys, "--conf", str(conf), "--remove")
    assert code == 0 and conf.read_text() == '"UDF MODULES","mine"\n'
    assert "Import Functions" not in out


@pytest.mark.parametrize("argv, message", [
    (["--workbook", "missing.xlsm"], "Error: workbook missing.xlsm does not exist\n"),
    (["--conf", "."], "Error: . is a folder; give the xlwings.conf file\n"),
    (["--python", 'C:\\"x"'], "Error: INTERPRETER_WIN value must not contain a double quote or a line break, "
                              "got 'C:\\\\\"x\"'\n"),
])
def test_errors_are_one_line(home, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(home)
    code, out, err = run(capsys, *argv)
    assert code == 2 and err == message


def test_unreadable_file_is_an_error_not_a_traceback(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    conf = tmp_path / "xlwings.conf"
    conf.write_text("")
    conf.chmod(0)
    code, _, err = run(capsys, "--conf", str(conf))
    assert code == 2 and err.startswith(f"Error: cannot read {conf}: ")


def test_mac_user_file_is_the_sandboxed_one():
    # xlwings/__init__.py USER_CONFIG_FILE for darwin
    assert addin.user_config_path("darwin").parts[-5:] == (
        "Library", "Containers", "com.microsoft.Excel", "Data", "xlwings.conf")
    assert addin.user_config_path("win32").parts[-2:] == (".xlwings", "xlwings.conf")


def test_on_windows_the_interpreter_is_this_python(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(addin, "ON_WINDOWS", True)
    conf = tmp_path / "xlwings.conf"
    code, out, _ = run(capsys, "--conf", str(conf))
    assert code == 0 and read_like_xlwings(conf)["interpreter_win"] == sys.executable
    assert "This machine is not Windows" not in out and "No INTERPRETER_WIN written" not in out


def test_elsewhere_the_missing_interpreter_is_said(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(addin, "ON_WINDOWS", False)
    code, out, _ = run(capsys, "--conf", str(tmp_path / "xlwings.conf"))
    assert "No INTERPRETER_WIN written (not on Windows); pass --python" in out
    assert "classic xlwings functions run only in Windows desktop Excel" in out


def test_help_shows_an_example(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["addin", "--help"])
    assert e.value.code == 0 and "xlsizing addin --workbook model.xlsm" in capsys.readouterr().out


def test_conf_under_a_file_is_an_error_not_a_traceback(tmp_path, capsys):
    (tmp_path / "notafolder").write_text("")
    code, _, err = run(capsys, "--conf", str(tmp_path / "notafolder" / "xlwings.conf"))
    assert code == 2 and err == f"Error: cannot read {tmp_path / 'notafolder' / 'xlwings.conf'}: Not a directory\n"
