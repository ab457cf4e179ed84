"""The Beyond sheet, its Excel functions and docs/beyond.md: one definition, several renderings.

Oracles: LibreOffice (the reference spreadsheet engine: recalculated cells against the Python
engine at 1e-12), the composite Python function ``beyond.bandwidth_cards_wan`` (an independent
composition of the same model), hand calculations written out in tests/test_beyond.py, and the
code that generates the docs table.
"""

import doctest
import importlib.util
import inspect
import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from xlsizing import beyond, catalog, udfs, udfs_beyond
import beyond_view as lb
import fig11 as layout
from xlsizing.errors import InvalidInput
from xlsizing.scenarios import extra_keys, load_builtin, make_scenario
from xlsizing.verify import verify_workbooks
from xlsizing.refs import named_cell, read_named
from xlsizing.sheets import SHEETS
from xlsizing.workbook import write_workbook

ROOT = Path(__file__).resolve().parents[1]


# --- rows and Python engine ----------------------------------------------------------------------


def test_sheet_is_registered_after_figure11():
    assert [s.title for s in SHEETS][:2] == ["Figure 11", "Beyond"]


def test_rows_compose_to_the_one_call_model():
    # the chain of rows (one function per row) equals beyond.bandwidth_cards_wan (all in one call)
    scen = load_builtin("figure11")
    for label, ov in (("bf16", lb.precision_overrides("H20", "bf16", 2)),
                      ("fp8", lb.precision_overrides("H20", "fp8", 1))):
        v = lb.evaluate(lb.sheet_inputs(scen, ov))
        d = {r.key: v[r.key][0] for r in lb.INPUTS}
        kv = beyond.kv_bytes_per_token(d["layers"], d["kv_heads"], d["head_dim"], d["kv_bytes"])
        for j in range(4):
            one = beyond.bandwidth_cards_wan(
                float(v["tokens_per_s_yi"][j]), float(v["peak_multiplier"][j]), d["active_params_yi"],
                d["total_params_yi"], d["bytes_per_weight"], d["peak_tflops"], d["memory_gb"], d["bandwidth_tbs"],
                kv, d["context_tokens"], d["batch"], d["replica_cards"], d["input_share"], d["cache_hit_rate"],
                d["mfu_prefill"], d["mfu_decode"], d["mbu"], d["usable_fraction"], d["tpot_slo_s"],
                d["kv_serial_share"],
                # the one-call function takes the communication time as a number: the TP all-reduce
                beyond.tp_allreduce_s(d["layers"], d["hidden_size"], d["batch"], d["activation_bytes"],
                                      d["replica_cards"], d["interconnect_gbs"], d["collective_latency_us"]))
            assert v["fleet_cards_wan"][j] == pytest.approx(one, rel=1e-12), (label, j)


def test_report_columns_are_the_figure11_numbers():
    v = lb.evaluate(lb.sheet_inputs(load_builtin("figure11")))
    # Figure 11 as printed: 43, 72, 108, 181 万张 and 455.46 … 1897.73 亿元
    assert [round(x) for x in v["report_cards_wan"]] == [43, 72, 108, 181]
    assert [f"{x:.2f}" for x in v["report_capex_yi"]] == ["455.46", "759.09", "1138.64", "1897.73"]
    # the report implies ≈285 tokens/s per H20 at peak (domain notes)
    assert [round(x) for x in v["report_tokens_per_s_per_card"]] == [285] * 4


def test_overrides_are_checked():
    from xlsizing.scenarios import with_inputs

    with pytest.raises(InvalidInput) as e:
        with_inputs(load_builtin("figure11"), override={"mbu": 1.5})
    assert str(e.value) == "mbu must be in (0, 1], got 1.5"
    with pytest.raises(InvalidInput) as e:
        with_inputs(load_builtin("figure11"), override={"batchsize": 8})
    assert str(e.value) == "--input: unknown input 'batchsize' (did you mean 'batch'?); allowed: " + ", ".join(extra_keys())


def test_infeasible_column_is_flagged_with_its_reason():
    scen = load_builtin("figure11")
    v = lb.evaluate(lb.sheet_inputs(scen, {"batch": [64, 300, 64, 64], "replica_cards": [8, 8, 8, 2]}))
    assert v["decode_feasible"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert lb.reasons(v) == [
        "",
        # batch 300: KV 300 × 4096 × 393,216 = 483.18 GB > 431.2 GB free; step (general form + all-reduce):
        # t_kv 483.18e9 / 2.24e13 = 21.571 ms + t_c 2 × 130e9 × 300 / 5.92e14 = 131.757 ms
        # + 192 × (2 × 7/8 × 12,288 × 300 × 2 / 450e9 + 10e-6) = 7.425 ms -> 160.75 ms
        "batch does not fit in memory: 51.98 GB short; step time 0.1608 s exceeds the TPOT SLO of 0.05 s",
        "",
        # 2 cards: 172.8 − 260 − 103.08 = −190.28 GB; step: t_kv 103.08e9 / 5.6e12 = 18.407 ms
        # + t_c 2 × 130e9 × 64 / (2 × 148e12 × 0.5) = 112.432 ms + 192 × (2 × 1/2 × 12,288 × 64 × 2 / 450e9
        # + 10e-6) = 2.591 ms -> 133.43 ms
        "batch does not fit in memory: 190.3 GB short; step time 0.1334 s exceeds the TPOT SLO of 0.05 s",
    ]
    assert np.isfinite(v["fleet_cards_wan"]).all()  # the numbers stay, the flag says why


# --- docs/beyond.md is generated, and its examples run ---------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("beyond_table", ROOT / "bench" / "beyond_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("doc_path", ["docs/beyond.md", "README.md"])
def test_docs_table_is_the_generated_one(doc_path):
    bench = _bench()
    doc = (ROOT / doc_path).read_text(encoding="utf-8")
    block = doc.split(bench.BEGIN + "\n", 1)[1].split(bench.END, 1)[0]
    assert block == bench.generated(), f"{doc_path} is stale: run python bench/beyond_table.py --write"


def test_docs_examples_run():
    result = doctest.testfile(str(ROOT / "docs" / "beyond.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 5


# --- LibreOffice: the sheet computes what Python computes -------------------------------------------


def _set(wb, name, value):
    ws, ref = named_cell(wb, name)
    ws[ref] = value


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("beyond")
    report = write_workbook(load_builtin("figure11"), d / "report.xlsx")
    # the same workbook with edited Beyond inputs: FP8 in column 1, an MoE model in column 2, a batch
    # that does not fit in column 3, a slow SLO-breaking setting in column 4, and the grid on column 4
    wb = openpyxl.load_workbook(report)
    _set(wb, "bx_peak_tflops_1", 296)
    _set(wb, "bx_bytes_per_weight_1", 1)
    _set(wb, "bx_kv_bytes_1", 1)
    _set(wb, "bx_active_params_yi_2", 370)
    _set(wb, "bx_total_params_yi_2", 6710)
    _set(wb, "bx_bytes_per_weight_2", 1)
    _set(wb, "bx_replica_cards_2", 16)
    _set(wb, "bx_batch_3", 300)
    _set(wb, "bx_tpot_slo_s_4", 0.01)
    _set(wb, "bx_installed_cards_wan_4", 100)
    _set(wb, "bx_grid_column", 4)
    _set(wb, "bx_grid_row_1", 0.15)
    _set(wb, "mfu_4", 0.35)  # a Figure 11 input: the Beyond sheet's reads follow it
    edited = d / "edited.xlsx"
    wb.save(edited)
    # 12 columns, the last one huge: whole servers of a 1e11-card fleet (LibreOffice's ROUNDUP would fail it)
    many = write_workbook([make_scenario(f"s{i}", mau_wan=1000.0 * (i + 1) if i < 11 else 3.7e9 + 0.123,
                                         peak_multiplier=1 + i % 5) for i in range(12)], d / "many.xlsx")
    return report, edited, many


def test_libreoffice_agrees_on_every_beyond_cell(books, lo_profile):
    reports = verify_workbooks(books, profile=lo_profile)
    for r in reports:
        assert r.ok, r.summary()
        assert "Beyond" in r.sheets
    # every computed cell of every sheet, and every linked cell that follows its row (none is set
    # by these scenarios): verify checks both
    from xlsizing.sheets import SHEETS

    def per_column(report):
        return sum(len(s.computed) + sum(r.is_linked for r in s.inputs) for s in SHEETS if s.title in report.sheets)

    assert reports[0].checked == 4 * per_column(reports[0])
    assert reports[2].checked == 12 * per_column(reports[2])


def test_libreoffice_grid_and_flags(books, lo_recalc):
    _, edited, _ = books
    out = lo_recalc([edited])[0]
    wb = openpyxl.load_workbook(out, data_only=True)
    # no #NAME? or other error anywhere
    errors = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("#")]
    assert errors == []
    assert [read_named(wb, f"bx_decode_feasible_{j}") for j in range(1, 5)] == [1, 1, 0, 0]
    # the grid on scenario column 4 (乐观) with MFU row 1 edited to 15%: the report's chain in Python
    col4 = {r.key: float(read_named(wb, layout.defined_name(r.key, 4))) for r in layout.INPUTS}
    mfu = [read_named(wb, lb.grid_name("mfu", i)) for i in range(1, 6)]
    peak = [read_named(wb, lb.grid_name("peak", k)) for k in range(1, 6)]
    assert mfu[0] == 0.15
    # oracle: the one evaluator on column 4's recalculated inputs with MFU and the multiplier replaced
    want = [[layout.evaluate_column({**col4, "mfu": m, "peak_multiplier": p})["capex_yi"] for p in peak] for m in mfu]
    got = np.array([[read_named(wb, lb.grid_name("", i, k)) for k in range(1, 6)] for i in range(1, 6)])
    assert np.allclose(got, want, rtol=1e-12, atol=0)
    # oracle for one cell by hand: 乐观 at MFU 50%, multiplier 5 is the printed 1897.73 亿元 only when
    # the column's MFU input is 50%; the grid ignores the column's MFU (0.35 here), so it is still 1897.73
    assert f"{got[3, 3]:.2f}" == "1897.73"


def test_template_column_of_cached_values_matches_python(books):
    # the cached values written with every formula (what previews and pandas see)
    wb = openpyxl.load_workbook(books[0], data_only=True)
    v = lb.evaluate(lb.sheet_inputs(load_builtin("figure11")))
    for row in lb.COMPUTED:
        for j in range(4):
            assert read_named(wb, f"bx_{row.key}_{j + 1}") == pytest.approx(float(v[row.key][j]), rel=1e-15), row.key


def test_formulas_are_native_and_portable(books):
    wb = openpyxl.load_workbook(books[0])
    ws = wb["Beyond"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    used = set(re.findall(r"([A-Z][A-Z0-9_.]*)\(", text))
    native = {"MAX", "MIN", "INT", "IF", "AND", "CHOOSE", "IFERROR", "EXP", "LN"}  # MIN, EXP, LN: the MoE rows
    udf_names = {r.udf for r in lb.ROWS if r.udf}
    assert used <= native | udf_names, used - native - udf_names
    assert udf_names <= set(udfs.__all__)


# --- Excel functions ---------------------------------------------------------------------------------


UDF_OF = {name: getattr(udfs_beyond, name) for name in udfs_beyond.__all__}


def test_every_beyond_udf_is_in_the_addin_module():
    assert all(getattr(udfs, n) is f for n, f in UDF_OF.items())
    assert len(set(udfs.__all__)) == len(udfs.__all__)


@pytest.mark.parametrize("row", [r for r in lb.ROWS if r.udf], ids=lambda r: r.key)
def test_sheet_udfs_take_the_row_arguments(row):
    fn = getattr(udfs, row.udf)
    assert len(inspect.signature(fn).parameters) == len(row.args)
    v = lb.evaluate(lb.sheet_inputs(load_builtin("figure11")))
    got = fn(*[[list(map(float, v[k]))] for k in row.args])
    assert got == [list(map(float, v[row.key]))]  # same kernel: bit for bit


@pytest.mark.parametrize("call, want", [
    (lambda: udfs.ACCEL_PEAK("H 20", "FP8"), 296.0),
    (lambda: udfs.ACCEL_PEAK([["h100"], ["mi300x"]], None), [[989.0], [1307.0]]),  # empty precision = bf16
    (lambda: udfs.ACCEL_PEAK("H2O"), "unknown accelerator 'H2O'; did you mean H20?"),
    (lambda: udfs.ACCEL_FIGURE("910b", "bandwidth_tbs"), 1.6),
    # the cell shows the first 200 characters of the message
    (lambda: udfs.ACCEL_FIGURE("H20", "price"), "figure must be one of bf16_tflops, fp16_tflops, fp8_tflops, "
                                               "int8_tops, fp4_tflops, tf32_tflops, fp32_tflops, memory_gb, "
                                               "bandwidth_tbs, interconnect_gbs, inte..."),
    (lambda: udfs.BYTES_PER_WEIGHT("int4"), "precision must be one of bf16, fp16, fp8, int8, fp4, got 'int4'"),
    (lambda: udfs.DECODE_STEP_S(140, 327680, 4096, 1, 700, 1, 3.35, 1.5, 989), "mbu must be in (0, 1], got 1.5"),
    (lambda: udfs.DECODE_STEP_S(140, 327680, 4096, 1, 700, 1, 3.35, 50, 989),
     "mbu must be in (0, 1], got 50 (write 50% or 0.5)"),
    (lambda: udfs.MAX_BATCH(260, 393216, 4096, [[2, 8]], 96),
     [["infeasible: weights need 260 GB but 2 cards × 96 GB × 0.9 hold 172.8 GB", 267.0]]),
    (lambda: udfs.DECODE_REASON([[-1.0], [3.0]], [[0.01], [0.1]]),
     [["batch does not fit in memory: 1 GB short"], ["step time 0.1 s exceeds the TPOT SLO of 0.05 s"]]),
    (lambda: udfs.DECODE_REASON(1, 0.01, None), "OK"),
    (lambda: udfs.DECODE_REASON("#N/A", 0.01), "#N/A"),
    (lambda: udfs.SERVERS_WHOLE(43.37671004337670), 5.4221),
    (lambda: udfs.FLEET_POWER_MW(1, udfs.CARD_POWER_W(700), 1.2, 0.7), pytest.approx(10.71, rel=1e-12)),
])
def test_udf_cells(call, want):
    assert call() == want


@pytest.mark.parametrize("junk", [None, "", "abc", True, [[1, "x"]], [[1], [2, 3]], float("nan"), 10 ** 400])
@pytest.mark.parametrize("name", sorted(UDF_OF))
def test_udfs_never_raise(name, junk):
    fn = UDF_OF[name]
    n = len(inspect.signature(fn).parameters)
    out = fn(*([junk] * n))
    flat = out if not isinstance(out, list) else [x for r in out for x in (r if isinstance(r, list) else [r])]
    for v in flat if isinstance(flat, list) else [flat]:
        assert v is None or (isinstance(v, str) and len(v) <= 200 and "internal error" not in v) or (
            isinstance(v, float) and math.isfinite(v)), (name, junk, v)


def test_catalog_udfs_see_user_files(tmp_path, monkeypatch):
    f = tmp_path / "mine.toml"
    f.write_text('[[accelerator]]\nname = "X1"\nsource = "x"\nbf16_tflops = 500\nmemory_gb = 1\n'
                 'bandwidth_tbs = 1\n', encoding="utf-8")
    monkeypatch.setenv("XLSIZING_CATALOG", str(f))
    assert udfs.ACCEL_PEAK("x1") == 500.0
    assert catalog.default() is catalog.default()  # parsed once per setting


# --- the beyond command, as a user runs it -------------------------------------------------------------


def _cli(*args, cwd=None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "xlsizing", "beyond", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_cli_beyond_prints_both_card_counts():
    r = _cli()
    assert r.returncode == 0, r.stderr
    lines = {line.split("  ")[0]: line.split() for line in r.stdout.splitlines() if line.strip()}
    # the report's Figure 11 cards (printed: 43, 72, 108, 181) and the docs table's BF16 cards
    assert lines["报告卡数（纯算力） (万张)"][-4:] == ["43.38", "72.29", "108.44", "180.74"]
    # prefill MFU follows Figure 11's 50% (it was a separate 40% before the sheets were linked: 27.98 …;
    # the prefill part shrinks by 0.4/0.5, 18.60 → 14.88 万张 in the first column); the decode step is the
    # general form plus the all-reduce (tests/test_serving_sheet.py::test_default_column_by_hand: 35.804 ms,
    # 223.437 tok/s per card -> 11.962万 decode cards), 24.26 with the simple roofline and no communication
    assert lines["带宽感知卡数 (万张)"][-4:] == ["26.83", "44.72", "67.08", "111.80"]
    assert "Infeasible" not in r.stdout


def test_cli_beyond_fp8_with_an_infeasible_input():
    r = _cli("--precision", "FP8", "--input", "replica_cards=1")
    assert r.returncode == 0, r.stderr
    # 1 H20 at FP8: 96 × 0.9 = 86.4 GB usable − 130 GB of weights − 64 × 4096 × 196,608 B = −95.14 GB;
    # step (general form; one card: no communication) = t_kv 64 × 4096 × 196,608 / (4e12 × 0.7) = 18.41 ms
    # + t_c 2 × 130e9 × 64 / (296e12 × 0.5) = 112.43 ms = 0.1308 s (0.1124 s with the simple roofline)
    assert ("  2024年末: batch does not fit in memory: 95.14 GB short; step time 0.1308 s exceeds the TPOT SLO "
            "of 0.05 s") in r.stdout.splitlines()


@pytest.mark.parametrize("args, message", [
    (("--accelerator", "H2O"), "unknown accelerator 'H2O'; did you mean H20?"),
    (("--precision", "fp9"), "precision must be one of bf16, fp16, fp8, int8, fp4, got 'fp9'"),
    (("--accelerator", "A100", "--precision", "fp8"), "A100 has no fp8 peak in the catalog; available: bf16, int8"),
    (("--input", "batch=lots"), "--input must be KEY=NUMBER, got 'batch=lots'"),
    (("--input", "mbu=1.5"), "mbu must be in (0, 1], got 1.5"),
])
def test_cli_beyond_errors(args, message):
    r = _cli(*args)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"Error: {message}\n")
