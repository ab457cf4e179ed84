"""The serving rows of the Beyond sheet (general-form step, communication, MoE reads) and how users feed them.

Oracles: hand calculations written out beside each value, the one-call functions of
xlsizing.beyond (an independent composition of the same terms), the published parameter counts
of the shipped configs (tests/test_hfconfig.py) and LibreOffice (every computed cell of a workbook
with dense, MoE, expert-parallel and roofline scenarios recalculated and compared at 1e-12).
"""

import subprocess
import sys

import pytest

from xlsizing import beyond as b
from xlsizing import hfconfig
from xlsizing.errors import ScenarioFileError
from xlsizing.scenarios import load_builtin, parse_scenarios, with_inputs
from xlsizing.sheets import BEYOND, FIGURE11, evaluate, evaluate_column


def _column(**inputs):
    return evaluate_column({"mau_wan": 6000, "peak_multiplier": 4, **inputs}, [FIGURE11, BEYOND])


def test_default_column_by_hand():
    # The report's base column (MAU 6000万, peak ×4) on the sheet's defaults: 130B dense BF16 on 8 × H20,
    # batch 64, context 4,096, MBU 0.7, MFU 0.5 (linked to Figure 11), hidden 12,288, NVLink 450 GB/s each
    # way, 10 µs per collective, general form (kv_serial_share 1):
    #   t_w    = 260e9 / 2.24e13                                   = 11.6071 ms
    #   t_kv   = 64 × 4096 × 393,216 / 2.24e13                     =  4.6018 ms
    #   t_c    = 1.664e13 / 5.92e14                                = 28.1081 ms
    #   t_comm = 192 × (2 × 7/8 × 12,288 × 64 × 2 / 450e9 + 10e-6)  =  3.0944 ms
    #   step   = 4.6018 + max(11.6071, 28.1081) + 3.0944           = 35.8043 ms
    #   tokens/s per card = 64 / 0.0358043 / 8                     = 223.437
    #   decode cards = 1.234568e8 × 168/776 / 223.437 / 1e4        = 11.962万
    v = _column()
    t_w, t_kv, t_c = 260e9 / 2.24e13, 64 * 4096 * 393_216 / 2.24e13, 1.664e13 / 5.92e14
    t_comm = 192 * (2 * 7 / 8 * 12_288 * 64 * 2 / 450e9 + 10e-6)
    assert v["weights_read_gb"] == 260.0 and v["ep_alltoall_s"] == 0.0
    assert v["weight_read_s"] == pytest.approx(t_w, rel=1e-12)
    assert v["kv_read_s"] == pytest.approx(t_kv, rel=1e-12)
    assert v["decode_compute_s"] == pytest.approx(t_c, rel=1e-12)
    assert v["comm_s"] == pytest.approx(t_comm, rel=1e-12)
    assert v["decode_step_s"] == pytest.approx(t_kv + t_c + t_comm, rel=1e-12)
    assert round(v["decode_step_s"] * 1000, 4) == 35.8043
    assert round(v["decode_tokens_per_s_per_card"], 3) == 223.437
    dec = 40000 / 129600 * 4 * 1e8 * (168 / 776) / (64 / (t_kv + t_c + t_comm) / 8) / 1e4
    assert v["decode_cards_wan"] == pytest.approx(dec, rel=1e-12)
    assert round(v["decode_cards_wan"], 3) == 11.962


def test_roofline_option_reproduces_the_old_step():
    # kv_serial_share 0 and no communication (0 µs latency, a near-infinite link): the sheet's step is the
    # simple roofline beyond.decode_step_s, 28.108 ms on the defaults
    v = _column(kv_serial_share=0, collective_latency_us=0, interconnect_gbs=1e300)
    assert v["decode_step_s"] == pytest.approx(b.decode_step_s(260, 393_216, 4096, 64, 1300, 8, 4.0, 0.7, 148, 0.5),
                                               rel=1e-12)
    one_card = _column(replica_cards=1, memory_gb=400)
    assert one_card["comm_s"] == 0.0 and one_card["tp_allreduce_s"] == 0.0


def test_rows_compose_to_the_one_call_functions():
    # DeepSeek-V3 at FP8 on 16 × H20, batch 256, expert parallel: the chain of rows equals the one-call
    # decode_step_general_s fed with weights_read_gb and step_comm_s
    m = hfconfig.load("DeepSeek-V3").beyond_inputs()
    ins = {**m, "bytes_per_weight": 1, "kv_bytes": 1, "peak_tflops": 296, "replica_cards": 16, "batch": 256,
           "expert_parallel": 1, "activation_bytes": 1}
    v = _column(**ins)
    w = b.weights_read_gb(b.weights_gb(m["total_params_yi"], 1), 58, 256, 8, 7168, 2048, 256, 1)
    assert v["weights_read_gb"] == pytest.approx(w, rel=1e-12)
    # 256 × (31/32)^256 = 0.0755 experts per layer never hit: 58 × 0.0755 × 3 × 7168 × 2048 B = 0.193 GB of
    # 671.03 GB skipped; almost every expert is read at batch 256
    skipped = 58 * 256 * (31 / 32) ** 256 * 3 * 7168 * 2048 / 1e9
    assert round(skipped, 3) == 0.193
    assert w == pytest.approx(b.weights_gb(m["total_params_yi"], 1) - skipped, rel=1e-12)
    comm = b.step_comm_s(b.tp_allreduce_s(61, 7168, 256, 1, 16, 450, 10), b.ep_alltoall_s(58, 7168, 256, 8, 1, 16, 450, 10),
                         1, 61, 58)
    assert v["comm_s"] == pytest.approx(comm, rel=1e-12)
    one = b.decode_step_general_s(w, 35_136, 4096, 256, m["active_params_yi"], 16, 4.0, 0.7, 296, 0.5, 1, comm)
    assert v["decode_step_s"] == pytest.approx(one, rel=1e-12)
    # at batch 1 a step reads the 8 experts one token picks: 58 × 248 experts × 3 × 7168 × 2048 B skipped
    v1 = _column(**{**ins, "batch": 1})
    assert v1["weights_read_gb"] == pytest.approx(b.weights_gb(m["total_params_yi"], 1)
                                                  - 58 * 248 * 3 * 7168 * 2048 / 1e9, rel=1e-12)


def test_array_and_column_paths_agree_on_the_new_rows():
    m = hfconfig.load("Mixtral-8x7B").beyond_inputs()
    cols = [_column(**m, replica_cards=2, memory_gb=80, bandwidth_tbs=3.35, batch=bt) for bt in (1, 8, 64)]
    import numpy as np

    arr = evaluate({"mau_wan": np.full(3, 6000.0), "peak_multiplier": 4, **m, "replica_cards": 2, "memory_gb": 80,
                    "bandwidth_tbs": 3.35, "batch": np.array([1.0, 8.0, 64.0])}, [FIGURE11, BEYOND])
    for key in ("weights_read_gb", "weight_read_s", "tp_allreduce_s", "comm_s", "decode_step_s", "fleet_cards_wan"):
        assert [c[key] for c in cols] == pytest.approx(list(arr[key]), rel=1e-15), key


# --- feeding the model: --model and the model key --------------------------------------------------


def test_model_key_in_a_scenario_file(tmp_path):
    text = """
[defaults]
model = "Mixtral-8x7B"
replica_cards = 2
peak_multiplier = 4

[[scenario]]
name = "mixtral"
mau_wan = 6000

[[scenario]]
name = "deepseek"
mau_wan = 6000
model = "deepseek-v3"
layers = 60            # a key given beside the model wins
"""
    s = parse_scenarios(text, "x.toml")
    assert s[0].extra["total_params_yi"] == pytest.approx(467.02792704, rel=1e-12)   # 46.7B (Mistral AI)
    assert s[0].extra["replica_cards"] == 2.0 and s[0].extra["experts"] == 8.0
    assert s[1].extra["experts"] == 256.0 and s[1].extra["layers"] == 60.0
    # a config.json next to the scenario file, by relative path
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "config.json").write_text(
        '{"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 128,'
        ' "vocab_size": 100}')
    f = tmp_path / "s.toml"
    f.write_text('[[scenario]]\nname = "tiny"\nmau_wan = 6000\npeak_multiplier = 4\nmodel = "cfg/config.json"\n')
    from xlsizing.scenarios import load_file, parse_csv
    assert load_file(f)[0].extra["total_params_yi"] == pytest.approx(95_040 / 1e8, rel=1e-12)
    # the same key as a CSV column
    rows = parse_csv("name,mau_wan,peak_multiplier,model,batch\na,6000,4,Llama-2-13B,16\nb,6000,4,,\n", "s.csv")
    assert rows[0].extra["total_params_yi"] == pytest.approx(130.1586432, rel=1e-12) and rows[0].extra["batch"] == 16
    assert "total_params_yi" not in rows[1].extra


@pytest.mark.parametrize("line, message", [
    ('model = "Mixtral-8x7"', "x.toml:4: scenario 1: model = 'Mixtral-8x7': unknown model 'Mixtral-8x7'; "
                              "did you mean Mixtral-8x7B? (shipped: Llama-2-13B, Llama-3-70B, Mixtral-8x7B, "
                              "Qwen2.5-72B, DeepSeek-V3; or give a config.json path)"),
    ('model = "nowhere/config.json"', "x.toml:4: scenario 1: model = 'nowhere/config.json': nowhere/config.json: "
                                      "no such file"),
    ("model = 3", "x.toml:4: scenario 1: model = 3: must be text (in quotes)"),
])
def test_bad_model_key(line, message):
    with pytest.raises(ScenarioFileError) as e:
        parse_scenarios(f'[[scenario]]\nname = "a"\nmau_wan = 6000\n{line}\npeak_multiplier = 4\n', "x.toml")
    assert str(e.value) == message


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "xlsizing", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_cli_beyond_model_and_formats():
    r = _cli("beyond", "--model", "Llama-3-70B", "--base", "保守", "--format", "csv")
    assert r.returncode == 0, r.stderr
    head, row = r.stdout.splitlines()[:2]
    rec = dict(zip(head.split(","), row.split(",")))
    assert float(rec["total_params_yi"]) == pytest.approx(705.53706496, rel=1e-12)      # 70.6B
    assert float(rec["kv_bytes_per_token"]) == 327_680.0
    # a scenario's own --input still wins over --model
    r = _cli("beyond", "--model", "Llama-3-70B", "--input", "layers=10", "--base", "保守", "--format", "json")
    assert r.returncode == 0 and '"layers": 10.0' in r.stdout
    r = _cli("beyond", "--model", "Lama-3-70B")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.startswith("Error: unknown model 'Lama-3-70B'; did you mean Llama-3-70B?")


def test_libreoffice_agrees_on_the_serving_rows(tmp_path):
    # dense general form (default), dense roofline, Mixtral on 2 cards at batch 1 (reads 2 of 8 experts),
    # DeepSeek-V3 expert parallel on 16 cards, one card (no communication): every computed cell recalculated
    f = tmp_path / "serving.toml"
    f.write_text("""
[defaults]
peak_multiplier = 4

[[scenario]]
name = "dense"
mau_wan = 6000

[[scenario]]
name = "roofline"
mau_wan = 6000
kv_serial_share = 0

[[scenario]]
name = "mixtral-b1"
mau_wan = 6000
model = "Mixtral-8x7B"
replica_cards = 2
batch = 1
memory_gb = 80
bandwidth_tbs = 3.35

[[scenario]]
name = "dsv3-ep"
mau_wan = 6000
model = "DeepSeek-V3"
bytes_per_weight = 1
replica_cards = 16
batch = 256
expert_parallel = 1

[[scenario]]
name = "one-card"
mau_wan = 6000
replica_cards = 1
memory_gb = 400
""")
    out = tmp_path / "serving.xlsx"
    r = _cli("build", str(f), "-o", str(out), "--verify", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "agree with the Python engine" in r.stdout and "no error cells" in r.stdout


def test_docs_calibration_table_is_the_generated_one():
    # docs/beyond.md holds bench/calibration_table.py's output between its markers (refresh: --write)
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("calibration_table", root / "bench" / "calibration_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    doc = (root / "docs" / "beyond.md").read_text(encoding="utf-8")
    block = doc.split(mod.BEGIN, 1)[1].split(mod.END, 1)[0]
    assert block == "\n" + mod.markdown()


def test_calibration_rows_by_hand():
    # TensorRT-LLM performance.md (v0.6.1), H100 FP8: Llama-2-70B, TP 4, batch 480, 128 in / 2,048 out,
    # 1,486 out tok/s/GPU -> measured step 480 / (1,486 × 4) = 80.75 ms.  Model at 100% MFU/MBU, FP8 weights
    # (68.98B × 1 byte) and FP8 KV (2 × 80 × 8 × 128 = 163,840 B/token), mean context 1,152, 4 × H100
    # (3.35 TB/s, 1,979 TFLOPS), NVLink 450 GB/s each way, 10 µs:
    #   t_w = 68.98e9 / 1.34e13 = 5.148 ms; t_kv = 480 × 1152 × 163,840 / 1.34e13 = 6.761 ms;
    #   t_c = 2 × 68.98e9 × 480 / 7.916e15 = 8.365 ms; t_comm = 160 × (2 × 3/4 × 8192 × 480 × 2 / 450e9 + 10e-6)
    #   = 5.794 ms; general = 6.761 + 8.365 + 5.794 = 20.92 ms -> efficiency 20.92 / 80.75 = 26%
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("calibration_table", root / "bench" / "calibration_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.rows()[1]
    n70 = 68_976_648_192   # Llama-2-70B counted from its config by hfconfig (published: "70B")
    t_w, t_kv = n70 / 1.34e13, 480 * 1152 * 163_840 / 1.34e13
    t_c, t_comm = 2 * n70 * 480 / 7.916e15, 160 * (2 * 3 / 4 * 8192 * 480 * 2 / 450e9 + 10e-6)
    assert r["general_ms"] == pytest.approx((t_kv + max(t_w, t_c) + t_comm) * 1e3, rel=1e-12)
    assert r["measured_ms"] == pytest.approx(480 / (1486 * 4) * 1e3, rel=1e-12)
    assert round(r["eff"], 2) == 0.26
    # DeepSeek decode: 14.8k tok/s per 8-GPU node = 1,850 per H800; MFU = 2 × 37.55e9 × 1850 / 1.979e15 = 7.0%
    ds = mod.rows()[3]
    assert ds["mfu"] == pytest.approx(2 * 37_552_282_624 * 1850 / 1.979e15, rel=1e-12)
