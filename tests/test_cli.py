"""The installed ``xlsizing`` command, run as a subprocess the way a user runs it (no LibreOffice here).

Oracles: the printed Figure 11 (Minsheng Securities, 2024-12-26; shared reference figure11.md,
"The table as printed") for every value the table shows; figure11.md "Full-precision values of
the chain" (checked by hand there) for the CSV/JSON output; exact messages for every error.
LibreOffice-backed commands (verify, pdf, batch → verify) are in test_cli_libreoffice.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from xlsizing.batch import grid_keys
from xlsizing.scenarios import allowed_keys

XLSIZING = Path(sys.executable).parent / "xlsizing"
REPO = Path(__file__).resolve().parent.parent
COMMANDS = ["table", "init", "build", "batch", "fill", "verify", "pdf"]
GOOD = '[[scenario]]\nname = "a"\nmau_wan = 6000\npeak_multiplier = 4\n'


def run(*args, cwd, timeout=300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(XLSIZING), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kw)


def assert_one_error(p: subprocess.CompletedProcess, message: str | None = None, code: int = 2):
    """Exit ``code``, exactly one stderr line, an ``Error:`` line, no traceback."""
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), p.stderr
    if message is not None:
        assert lines[0] == f"Error: {message}"


def listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_console_script_is_installed():
    assert XLSIZING.is_file(), "the package is not installed in this interpreter's environment"


# --- help ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help_with_example(cmd, tmp_path):
    p = run(cmd, "--help", cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == ""
    assert "example:" in p.stdout and f"xlsizing {cmd}" in p.stdout.split("example:")[1]


def test_top_level_help_lists_commands(tmp_path):
    p = run("--help", cwd=tmp_path)
    assert p.returncode == 0 and all(c in p.stdout for c in COMMANDS)


# --- table: the printed Figure 11 ----------------------------------------------------------------

# printed report, Figure 11, columns 2024年末, 保守, 中性, 乐观 (label as the terminal prints it)
PRINTED = [
    ("MAU (万人)", ["6000", "10000", "15000", "20000"]),
    ("DAU (万人)", ["900", "1500", "2250", "3000"]),
    ("豆包(云雀)大模型参数量 (亿)", ["1300", "1300", "1300", "1300"]),
    ("日均token调用量 (亿)", ["40000", "66667", "100000", "133333"]),
    ("推理计算时间 (s)", ["2", "2", "2", "2"]),
    ("日均每秒token计算数量 (亿)", ["0.31", "0.51", "0.77", "1.03"]),
    ("峰值倍数 (×)", ["4", "4", "4", "5"]),
    ("算力需求结果 (FLOPS)", ["3.20988E+19", "5.34979E+19", "8.02469E+19", "1.33745E+20"]),
    ("H20单卡算力 (TFLOPS)", ["148", "148", "148", "148"]),
    ("MFU", ["50%", "50%", "50%", "50%"]),
    ("需要H20卡数量 (万张)", ["43", "72", "108", "181"]),
    ("H20单价 (万元)", ["8.4", "8.4", "8.4", "8.4"]),
    ("H20服务器均价 (万元)", ["84", "84", "84", "84"]),
    ("豆包大模型创造AI服务器需求 (亿元)", ["455.46", "759.09", "1138.64", "1897.73"]),
]


@pytest.fixture(scope="module")
def table_text(tmp_path_factory):
    p = run("table", cwd=tmp_path_factory.mktemp("table"))
    assert p.returncode == 0 and p.stderr == ""
    return p.stdout


@pytest.mark.parametrize("label, printed", PRINTED)
def test_table_matches_printed_figure11(table_text, label, printed):
    line = next(ln for ln in table_text.splitlines() if ln.startswith(label + " "))
    assert line.split()[-4:] == printed


def test_table_header_and_formula_row(table_text):
    assert "2024年末" in table_text and "乐观" in table_text
    assert "云端AI推理算力需求 ≈ 2 × 模型参数量 × 数据规模 × 峰值倍数" in table_text  # printed formula row


# figure11.md, full-precision values (hand-checked): capex 亿元 and cards 万张
FULL_CAPEX = [455.45545, 759.09243, 1138.63864, 1897.73106]
FULL_CARDS = [43.37671, 72.29452, 108.44178, 180.73629]


def test_table_csv_full_precision(tmp_path):
    p = run("table", "--format", "csv", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert [r["name"] for r in rows] == ["2024年末", "保守", "中性", "乐观"]
    assert [float(r["capex_yi"]) for r in rows] == pytest.approx(FULL_CAPEX, abs=1e-5)
    assert [float(r["cards_wan"]) for r in rows] == pytest.approx(FULL_CARDS, abs=1e-5)


def test_table_json_and_scenario_file(tmp_path):
    (tmp_path / "f.toml").write_text((REPO / "templates" / "figure11.toml").read_text("utf-8"), "utf-8")
    p = run("table", "f.toml", "--format", "json", cwd=tmp_path)
    recs = json.loads(p.stdout)
    assert [r["capex_yi"] for r in recs] == pytest.approx(FULL_CAPEX, abs=1e-5)


def test_table_reads_csv_scenarios(tmp_path):
    (tmp_path / "s.csv").write_text("name,mau_wan,peak_multiplier\n乐观,20000,5\n", "utf-8")
    p = run("table", "s.csv", "--format", "csv", cwd=tmp_path)
    assert float(next(csv.DictReader(io.StringIO(p.stdout)))["capex_yi"]) == pytest.approx(1897.73106, abs=1e-5)


def test_table_of_a_grid(tmp_path):
    p = run("table", "--base", "保守", "--grid", "mfu=0.25:0.5:0.25", "--format", "csv", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert [r["name"] for r in rows] == ["保守 mfu=0.25", "保守 mfu=0.5"]
    # printed report: 保守 at MFU 50% → 759.09亿元; hand calculation: half the MFU, twice the capex
    assert round(float(rows[1]["capex_yi"]), 2) == 759.09
    assert float(rows[0]["capex_yi"]) == pytest.approx(2 * float(rows[1]["capex_yi"]), rel=1e-14)


def test_table_into_closed_pipe_is_quiet(tmp_path):
    # `xlsizing table | head -1`: the reader goes away early; no traceback, no error line
    p = subprocess.run(f"'{XLSIZING}' table | head -1", shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert p.stdout.startswith("图11") and "Traceback" not in p.stderr


# --- malformed scenario files: exit 2, one Error: line, no output ---------------------------------

BAD_FILES = {
    # name: (bytes, exact message after the file name)
    "syntax": (b'[[scenario]]\nname = "a"\nmau_wan = \n', ":3: not valid TOML: Invalid value (column 11)"),
    "unknown-key": (GOOD.encode() + b"mfuu = 0.3\n", ":5: scenario 1: unknown key 'mfuu' (did you mean 'mfu'?); "
                    "allowed: " + ", ".join(allowed_keys())),
    "wrong-type": (GOOD.encode() + b'mfu = "50%"\n', ":5: scenario 1: mfu = '50%': must be a number (without quotes)"),
    "negative": (GOOD.encode() + b"params_yi = -1300\n", ":5: scenario 1: params_yi = -1300: must be > 0"),
    "missing": (b'[[scenario]]\nname = "a"\nmau_wan = 6000\n',
                ":2: scenario 1: peak_multiplier is required (Peak multiplier, ×)"),
    "empty": (b"", ": empty file; expected TOML with at least one [[scenario]] table"),
    "binary": (bytes(range(256)) * 4, ": not a text file (binary data); expected TOML with at least one [[scenario]] table"),
    "latin1": ('[[scenario]]\nname = "café"\n'.encode("latin-1"), ": not UTF-8 text (byte 24); save the file as UTF-8"),
    "no-scenario": (b"[defaults]\nmfu = 0.5\n", ": no scenarios: add at least one [[scenario]] table with name and mau_wan"),
    "out-of-range": (GOOD.encode() + b"mfu = 1.5\n", ":5: scenario 1: mfu = 1.5: must be in (0, 1]"),
    "nan": (GOOD.encode() + b"mfu = nan\n", ":5: scenario 1: mfu = nan: must be a finite number"),
    "deep": (GOOD.encode() + b"mfu = " + b"[" * 3000 + b"]" * 3000 + b"\n",
             ": not valid TOML: arrays or tables nested too deeply"),
    "csv-bad-value": (b"name,mau_wan,peak_multiplier\na,-1,4\n", ":2: scenario 1: mau_wan = -1: must be > 0"),
}


@pytest.mark.parametrize("cmd", ["build", "batch", "table"])
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_malformed_scenario_file(tmp_path, case, cmd):
    content, message = BAD_FILES[case]
    name = "s.csv" if case.startswith("csv") else "s.toml"
    (tmp_path / name).write_bytes(content)
    before = listing(tmp_path)
    extra = {"build": ["-o", "out.xlsx"], "batch": ["--outdir", "out"], "table": []}[cmd]
    p = run(cmd, name, *extra, cwd=tmp_path)
    assert_one_error(p, name + message)
    assert listing(tmp_path) == before  # no output file, no folder, nothing else


@pytest.mark.parametrize("path, message", [
    (".", ".: is a folder, not a scenario file"),
    ("nope.toml", "nope.toml: cannot read: No such file or directory"),
    ("/dev/zero", "/dev/zero: not a regular file; expected a scenario file (TOML with at least one [[scenario]] table)"),
])
def test_unreadable_scenario_paths(tmp_path, path, message):
    assert_one_error(run("build", path, "-o", "x.xlsx", cwd=tmp_path), message)
    assert not (tmp_path / "x.xlsx").exists()


def test_unreadable_file_permissions(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    f = tmp_path / "s.toml"
    f.write_text(GOOD)
    f.chmod(0)
    assert_one_error(run("build", "s.toml", cwd=tmp_path), "s.toml: cannot read: Permission denied")


# --- usage errors: one Error: line, exit 2 ---------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["bogus"], "argument COMMAND: invalid choice: 'bogus' (choose from "),  # order: cli.py's imports
    (["build", "--bogus"], "unrecognized arguments: --bogus (see 'xlsizing --help')"),
    (["table", "--format", "xml"], "argument --format: invalid choice: 'xml' (choose from 'text', 'csv', 'json') "
                                   "(see 'xlsizing table --help')"),
    (["batch", "--grid", "mfu=0.3"], "one of the arguments --outdir --one-workbook is required "
                                     "(see 'xlsizing batch --help')"),
    (["batch", "--grid", "mfu=2", "--outdir", "o"], "--grid mfu = 2: must be in (0, 1]"),
    (["batch", "--grid", "mfux=2", "--outdir", "o"], "--grid: unknown key 'mfux' (did you mean 'mfu'?); "
     "allowed: " + ", ".join(grid_keys())),
    (["batch", "--jobs", "0", "--outdir", "o"], "jobs must be a whole number >= 1, got 0"),
    (["batch", "--jobs", "two", "--outdir", "o"], "argument -j/--jobs: invalid int value: 'two' "
                                                  "(see 'xlsizing batch --help')"),
    (["batch", "--base", "optimistic", "--outdir", "o"],
     "--base 'optimistic': no such scenario; scenarios: 2024年末, 保守, 中性, 乐观"),
    (["table", "--set", "figure12"], "unknown scenario set 'figure12' (did you mean 'figure11'?); built-in: figure11"),
    (["verify"], "the following arguments are required: WORKBOOK.xlsx (see 'xlsizing verify --help')"),
])
def test_usage_errors(tmp_path, args, message):
    p = run(*args, cwd=tmp_path)
    assert_one_error(p)
    assert p.stderr.strip().startswith(f"Error: {message}")
    assert listing(tmp_path) == {}


def test_no_command_prints_help(tmp_path):
    p = run(cwd=tmp_path)
    assert p.returncode == 2 and "usage:" in p.stdout and "Traceback" not in p.stderr


# --- build: the Figure 11 workbook, and never a silent overwrite --------------------------------------


def test_init_writes_the_starter_and_refuses_to_overwrite(tmp_path):
    p = run("init", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "wrote scenarios.toml\n"
    assert (tmp_path / "scenarios.toml").read_text("utf-8") == \
        (REPO / "templates" / "scenarios-starter.toml").read_text("utf-8")
    (tmp_path / "scenarios.toml").write_text(GOOD, "utf-8")
    assert_one_error(run("init", cwd=tmp_path), "scenarios.toml already exists; use --force to overwrite it")
    assert (tmp_path / "scenarios.toml").read_text("utf-8") == GOOD
    assert run("init", "f.toml", "--set", "figure11", cwd=tmp_path).returncode == 0
    # the same numbers; the heading is the report's only for the built-in set (test_edges_names.py)
    assert run("table", "f.toml", "--format", "csv", cwd=tmp_path).stdout == \
        run("table", "--format", "csv", cwd=tmp_path).stdout


def test_build_without_arguments_writes_figure11(tmp_path):
    p = run("build", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "wrote figure11.xlsx\n" and p.stderr == ""
    wb = openpyxl.load_workbook(tmp_path / "figure11.xlsx", data_only=True)
    values = [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    # the printed capex (亿元), as cached values a mail preview shows
    for printed in (455.46, 759.09, 1138.64, 1897.73):
        assert any(isinstance(v, float) and round(v, 2) == printed for v in values), printed
    assert list(tmp_path.iterdir()) == [tmp_path / "figure11.xlsx"]  # no temp file left behind


def test_existing_output_untouched_without_force(tmp_path):
    assert run("build", cwd=tmp_path).returncode == 0
    before = (tmp_path / "figure11.xlsx").read_bytes()
    (tmp_path / "s.toml").write_text(GOOD, "utf-8")
    p = run("build", "s.toml", "-o", "figure11.xlsx", cwd=tmp_path)
    assert_one_error(p, "figure11.xlsx already exists; use --force to overwrite it")
    assert (tmp_path / "figure11.xlsx").read_bytes() == before
    p = run("build", "s.toml", "-o", "figure11.xlsx", "--force", cwd=tmp_path)
    assert p.returncode == 0 and (tmp_path / "figure11.xlsx").read_bytes() != before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["figure11.xlsx", "s.toml"]


@pytest.mark.parametrize("cmd", [
    ["build", "-o", "out.xlsx"],
    ["batch", "--one-workbook", "out.xlsx"],
    ["fill", "tpl.xlsx", "-o", "out.xlsx"],
    ["pdf", "tpl.xlsx", "-o", "out.pdf"],
])
def test_every_writer_refuses_existing_output(tmp_path, cmd):
    assert run("build", "-o", "tpl.xlsx", cwd=tmp_path).returncode == 0
    out = cmd[-1]
    (tmp_path / out).write_bytes(b"the user's own file")
    p = run(*cmd, cwd=tmp_path)
    assert_one_error(p, f"{out} already exists; use --force to overwrite it")
    assert (tmp_path / out).read_bytes() == b"the user's own file"


def test_build_default_name_from_scenario_file(tmp_path):
    (tmp_path / "my-plan.toml").write_text(GOOD, "utf-8")
    p = run("build", "my-plan.toml", cwd=tmp_path)
    assert p.stdout == "wrote my-plan.xlsx\n" and (tmp_path / "my-plan.xlsx").is_file()


@pytest.mark.parametrize("output, message", [
    ("sub", "sub is a folder; give a file name"),
    ("missing/out.xlsx", "output folder missing does not exist"),
])
def test_build_bad_output_path(tmp_path, output, message):
    (tmp_path / "sub").mkdir()
    assert_one_error(run("build", "-o", output, cwd=tmp_path), message)
    assert listing(tmp_path) == {}


def test_output_in_read_only_folder(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    p = run("build", "-o", "ro/x.xlsx", cwd=tmp_path)
    assert_one_error(p)
    assert "Permission denied" in p.stderr


def test_scenario_name_that_looks_like_a_formula_stays_text(tmp_path):
    (tmp_path / "s.toml").write_text(GOOD.replace('"a"', "'=HYPERLINK(\"http://x\",\"y\")'"), "utf-8")
    assert run("build", "s.toml", "-o", "o.xlsx", cwd=tmp_path).returncode == 0
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx").worksheets[0]
    texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert texts and all(c.data_type == "s" for c in texts)


# --- batch (no LibreOffice): many workbooks, failures, progress ----------------------------------------


def test_batch_grid_into_folder_quiet_when_piped(tmp_path):
    p = run("batch", "--base", "中性", "--grid", "mfu=0.25,0.5", "--grid", "peak_multiplier=4:6:1",
            "--outdir", "sweep", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""  # no progress bar when stderr is not a terminal
    assert p.stdout.startswith("wrote 6 of 6 workbooks in ") and p.stdout.endswith(" -> sweep\n")
    names = sorted(x.name for x in (tmp_path / "sweep").iterdir())
    assert names[0] == "0001-中性_mfu=0.25_peak_multiplier=4.xlsx" and len(names) == 6
    # printed report: 中性 at MFU 50%, peak 4 → 1138.64亿元 (file 0004)
    ws = openpyxl.load_workbook(tmp_path / "sweep" / names[3], data_only=True).worksheets[0]
    assert any(isinstance(c.value, float) and round(c.value, 2) == 1138.64 for row in ws.iter_rows() for c in row)


def test_batch_failed_items_do_not_stop_the_batch(tmp_path):
    args = ["batch", "--base", "保守", "--grid", "mfu=0.2,0.3,0.4,0.5", "--outdir", "out", "--jobs", "2"]
    assert run(*args, cwd=tmp_path).returncode == 0
    out = tmp_path / "out"
    files = sorted(out.iterdir())
    files[1].write_bytes(b"analyst's edits")
    files[3].unlink()
    p = run(*args, cwd=tmp_path)
    assert p.returncode == 2
    err = p.stderr.splitlines()
    # every existing workbook is refused; the deleted one is written again
    assert err[-1] == "Error: 3 of 4 workbooks failed (listed above); 1 written"
    assert err[0] == f"Error: {Path('out') / files[0].name} already exists; use --force to overwrite it"
    assert len(err) == 4 and "Traceback" not in p.stderr
    assert files[1].read_bytes() == b"analyst's edits" and files[3].is_file()
    assert p.stdout.startswith("wrote 1 of 4 workbooks")


def test_batch_csv_into_one_workbook(tmp_path):
    rows = "\n".join(f"s{i},{1000 + i},{1 + i % 5}" for i in range(40))
    (tmp_path / "s.csv").write_text("name,mau_wan,peak_multiplier\n" + rows + "\n", "utf-8")
    p = run("batch", "s.csv", "--one-workbook", "all.xlsx", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "wrote all.xlsx (40 scenario columns)\n"
    ws = openpyxl.load_workbook(tmp_path / "all.xlsx").worksheets[0]
    assert ws.max_column >= 40


def test_batch_progress_bar_on_a_terminal(tmp_path):
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([str(XLSIZING), "batch", "--base", "乐观", "--grid", "mfu=0.1:1:0.1",
                                 "--outdir", "o"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=120) == 0
    finally:
        os.close(master)
    assert b"10/10 workbooks" in seen and b"[" + b"#" * 30 + b"]" in seen


# --- an interrupted write leaves the previous file intact and no partial file ----------------------


def _writing(pid: int, folder: Path) -> bool:
    """True once ``pid`` holds an open nameless file in ``folder`` (atomic_write at work)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(str(folder)) and link.endswith("(deleted)") for link in links)


def test_sigkill_mid_write_keeps_previous_file(tmp_path):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to see the write in progress")
    (tmp_path / "big.xlsx").write_bytes(b"previous version")
    # ~2000 scenario columns: a write that takes long enough to be caught in the middle
    proc = subprocess.Popen([str(XLSIZING), "batch", "--base", "2024年末", "--grid", "mfu=0.0005:1:0.0005",
                             "--one-workbook", "big.xlsx", "--force"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        caught = False
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if _writing(proc.pid, tmp_path):
                caught = True
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    assert caught, "the write finished before it could be interrupted"
    assert proc.returncode == -signal.SIGKILL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.xlsx"]  # no temp or partial file
    assert (tmp_path / "big.xlsx").read_bytes() == b"previous version"


def test_sigkill_mid_batch_leaves_only_complete_workbooks(tmp_path):
    proc = subprocess.Popen([str(XLSIZING), "batch", "--base", "2024年末", "--grid", "mfu=0.001:1:0.001",
                             "--outdir", "o"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list((tmp_path / "o").glob("*.xlsx"))) < 20:
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes (its own group)
        proc.wait()
    time.sleep(0.2)
    files = sorted((tmp_path / "o").iterdir())
    assert 20 <= len(files) < 1000
    assert all(f.suffix == ".xlsx" and not f.name.startswith(".") for f in files)
    for f in files:  # every file there is a whole workbook
        openpyxl.load_workbook(f, read_only=True).close()


def test_ctrl_c_stops_a_batch_cleanly(tmp_path):
    proc = subprocess.Popen([str(XLSIZING), "batch", "--base", "2024年末", "--grid", "mfu=0.001:1:0.001",
                             "--outdir", "o"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list((tmp_path / "o").glob("*.xlsx"))) < 5:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole group
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130 and err == "Error: interrupted\n"  # no worker tracebacks
    files = sorted((tmp_path / "o").iterdir())
    assert 5 <= len(files) < 1000 and not any(f.name.startswith(".") for f in files)
