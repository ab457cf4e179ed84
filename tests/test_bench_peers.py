"""xlsizing's side of the peer comparison (bench/peers/xlsizing_side.py): shapes and one hand calculation.

The peer tools themselves are not needed (they live in a separate environment); these tests check
that the numbers docs/serving-comparison.md puts against them are what xlsizing's functions give.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

PEERS = Path(__file__).resolve().parents[1] / "bench" / "peers"


@pytest.fixture(scope="module")
def side():
    sys.path.insert(0, str(PEERS))
    try:
        spec = importlib.util.spec_from_file_location("xlsizing_side", PEERS / "xlsizing_side.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.path.remove(str(PEERS))


@pytest.mark.parametrize("model, total, active, kv", [
    # Hugging Face model card of meta-llama/Llama-2-13b-hf: 13,015,864,320 parameters; KV per token
    # = 2 × 40 layers × 40 heads × 128 × 2 bytes = 819,200.
    ("llama-2-13b", 13_015_864_320, 13_015_864_320, 819_200),
    # Mixtral-8x7B: 46.7B total, 12.9B active (Mistral AI, "Mixtral of experts", 2023-12-11);
    # KV = 2 × 32 × 8 KV heads × 128 × 2 = 131,072.
    ("mixtral-8x7b", 46_702_792_704, 12_879_925_248, 131_072),
    # GLM-130B shape (THUDM/GLM-130B configs/model_glm_130b.sh), by hand: 70 × (4 × 12288² +
    # 3 × 12288 × 32768 + 2 × 12288) + 150528 × 12288 (tied) + 12288 = 128,687,173,632;
    # KV = 2 × 70 × 96 × 128 × 2 = 3,440,640.
    ("glm-130b", 128_687_173_632, 128_687_173_632, 3_440_640),
])
def test_shapes(side, model, total, active, kv):
    s = side.shape(side.load_config(model))
    assert (s["total_params"], s["active_params"], s["kv_bytes_per_token"]) == (total, active, kv)


def test_workload_b_by_hand(side):
    # 8 × H20 (4.0 TB/s, 148 TFLOPS, NVLink 450 GB/s one way), batch 64, context 1,024, MBU = MFU = 1:
    # weights 257.374 GB / 32e12 = 8.0430 ms; KV 64 × 1024 × 3,440,640 / 32e12 = 7.0464 ms;
    # compute 2 × 128.687e9 × 64 / 1.184e15 = 13.9121 ms;
    # all-reduce 2 × 70 × (2 × 7/8 × 12288 × 64 × 2 / 450e9 + 10 µs) = 2.2563 ms.
    r = side.compute("B", side.WORKLOADS["B"])
    t = r["terms_ms"]
    assert t["weights_read"] == pytest.approx(8.0430, abs=1e-4)
    assert t["kv_read"] == pytest.approx(7.0464, abs=1e-4)
    assert t["compute"] == pytest.approx(13.9121, abs=1e-4)
    assert t["tp_allreduce"] == pytest.approx(2.2563, abs=1e-4)
    assert r["current_ms"] == pytest.approx(8.0430 + 7.0464, abs=1e-3)          # MAX(w + KV, c)
    assert r["general_ms"] == pytest.approx(7.0464 + 13.9121 + 2.2563, abs=1e-3)  # KV + MAX(w, c) + comm


def test_memory_bound_forms_agree_and_moe_reads_hit_experts(side):
    a = side.compute("A-b16", side.WORKLOADS["A-b16"])
    assert a["general_ms"] == pytest.approx(a["current_ms"])  # one card, memory bound: no comm, same MAX
    c1 = side.compute("C-b1", side.WORKLOADS["C-b1"])
    # batch 1 hits 2 of 8 experts: 32 layers × 6 unread experts × 3 × 4096 × 14336 × 2 bytes left unread
    unread_gb = 32 * 6 * 3 * 4096 * 14336 * 2 / 1e9
    assert c1["inputs"]["weights_read_gb"] == pytest.approx(c1["inputs"]["weights_gb"] - unread_gb)
