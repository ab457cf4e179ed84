"""Hugging Face config.json → model shape (xlsizing.hfconfig): published parameter counts, KV sizes, errors.

Every expected parameter count is the figure the model's maker publishes (source beside it; also in
xlsizing/data/models/sources.toml); KV sizes are hand calculations written out.
"""

import json

import pytest

from xlsizing import beyond as b
from xlsizing import hfconfig
from xlsizing.errors import InvalidInput, UnknownModel


@pytest.mark.parametrize("name, total_b, active_b, source", [
    # Touvron et al., "Llama 2" (2023-07), Table 1 and the model card: 13B (printed to 3 digits: 13.0B)
    ("Llama-2-13B", 13.0, 13.0, "Llama 2 paper / model card"),
    # Hugging Face page meta-llama/Meta-Llama-3-70B: "Model size 70.6B params"
    ("Llama-3-70B", 70.6, 70.6, "HF model page"),
    # Mistral AI, "Mixtral of experts" (2023-12-11): "46.7B total parameters but only uses 12.9B parameters per token"
    ("Mixtral-8x7B", 46.7, 12.9, "Mistral AI blog"),
    # Qwen2.5-72B(-Instruct) model card: "Number of Parameters: 72.7B"
    ("Qwen2.5-72B", 72.7, 72.7, "Qwen model card"),
])
def test_shipped_configs_give_the_published_parameter_counts(name, total_b, active_b, source):
    m = hfconfig.load(name)
    assert m.total_params / 1e9 == pytest.approx(total_b, rel=0.01), source
    assert m.active_params / 1e9 == pytest.approx(active_b, rel=0.01), source


def test_deepseek_v3_total_and_active():
    # DeepSeek-V3 Technical Report (arXiv 2412.19437) and model card: "671B total parameters with 37B
    # activated for each token"; the 14B multi-token-prediction module is not part of the 671B.
    m = hfconfig.load("DeepSeek-V3")
    assert m.total_params / 1e9 == pytest.approx(671.0, rel=0.01)      # 671.03B
    # Counted: 37.55B activated (attention 11.40B, 3 dense FFNs 1.19B, 58 × 9 experts 22.99B, routers
    # 0.11B, both embedding matrices 1.85B).  DeepSeek prints whole billions cut down, not rounded:
    # DeepSeek-V2's "21B activated" counts 21.38B the same way (test below).  So the test holds the
    # count to the printed figure's own precision, [37, 38) billion — 1.5% above "37", not within 1%.
    assert 37.0 <= m.active_params / 1e9 < 38.0
    assert m.active_params / 1e9 == pytest.approx(37.552282624, rel=1e-12)


def test_deepseek_v2_shape_reads_the_same_way():
    # DeepSeek-V2 paper (arXiv 2405.04434): "236B total parameters, of which 21B are activated for each token";
    # shape fields from its config.json (60 layers, hidden 5120, 160 routed + 2 shared experts, 6 per token,
    # expert FFN 1536, dense FFN 12288 in the first layer, q_lora_rank 1536, kv_lora_rank 512).
    cfg = dict(num_hidden_layers=60, hidden_size=5120, num_attention_heads=128, num_key_value_heads=128,
               q_lora_rank=1536, kv_lora_rank=512, qk_rope_head_dim=64, qk_nope_head_dim=128, v_head_dim=128,
               n_routed_experts=160, n_shared_experts=2, num_experts_per_tok=6, moe_intermediate_size=1536,
               intermediate_size=12288, first_k_dense_replace=1, vocab_size=102400)
    m = hfconfig.parse(cfg)
    assert m.total_params / 1e9 == pytest.approx(236.0, rel=0.01)      # 235.74B
    assert 21.0 <= m.active_params / 1e9 < 22.0                         # 21.38B, printed "21B"


def test_llama_2_13b_by_hand():
    # 40 layers × (attention 4 × 5120² + FFN 3 × 5120 × 13824 + norms 2 × 5120) + embeddings and head
    # 2 × 32000 × 5120 + final norm 5120 = 40 × (104,857,600 + 212,336,640 + 10,240) + 327,680,000 + 5,120
    assert hfconfig.load("Llama-2-13B").total_params == 40 * (104_857_600 + 212_336_640 + 10_240) + 327_685_120
    assert hfconfig.load("Llama-2-13B").total_params == 13_015_864_320


@pytest.mark.parametrize("name, kv", [
    ("Llama-2-13B", 2 * 40 * 40 * 128 * 2),   # MHA: 819,200 B (scaling-book: 6.7 GB for one 8,192-token sequence)
    ("Llama-3-70B", 2 * 80 * 8 * 128 * 2),    # GQA, 8 KV heads: 327,680 B
    ("Mixtral-8x7B", 2 * 32 * 8 * 128 * 2),   # 131,072 B
    ("Qwen2.5-72B", 2 * 80 * 8 * 128 * 2),    # 327,680 B
    ("DeepSeek-V3", (512 + 64) * 61 * 2),     # MLA: 70,272 B
])
def test_kv_bytes_per_token(name, kv):
    assert hfconfig.load(name).kv_bytes_per_token(2) == kv


def test_llama_2_13b_kv_matches_the_scaling_book():
    # jax-ml/scaling-book, "All About Transformer Inference": LLaMA-13B, one 8,192-token sequence in bf16:
    # 8192 × 40 × 128 × 40 × 2 × 2 = 6.7 GB
    assert round(hfconfig.load("Llama-2-13B").kv_bytes_per_token(2) * 8192 / 1e9, 1) == 6.7


def test_moe_fields_and_beyond_inputs():
    m = hfconfig.load("DeepSeek-V3")
    assert (m.experts, m.experts_per_token, m.shared_experts, m.expert_ffn, m.dense_layers, m.moe_layers) == (
        256, 8, 1, 2048, 3, 58)
    ins = m.beyond_inputs()
    # the sheet's GQA formula 2 × layers × kv_heads × head_dim × bytes reproduces MLA's bytes
    assert b.kv_bytes_per_token(ins["layers"], ins["kv_heads"], ins["head_dim"], 2) == 70_272.0
    assert ins["total_params_yi"] == pytest.approx(6710.26404352, rel=1e-12)
    # the same shape through beyond's closed forms: other params + FFNs
    other_yi = m.other_params() / 1e8
    assert b.moe_total_params_yi(other_yi, 61, 3, 7168, 18432, 256, 1, 2048) == pytest.approx(
        m.total_params / 1e8, rel=1e-12)
    assert b.moe_active_params_yi(other_yi, 61, 3, 7168, 18432, 256, 8, 1, 2048) == pytest.approx(
        m.active_params / 1e8, rel=1e-12)
    mixtral = hfconfig.load("mixtral 8x7b")   # case, spaces and dashes ignored
    assert (mixtral.experts, mixtral.experts_per_token, mixtral.expert_ffn, mixtral.moe_layers) == (8, 2, 14336, 32)
    dense = hfconfig.load("Llama-3-70B").beyond_inputs()
    assert dense["moe_layers"] == 0.0 and dense["kv_heads"] == 8.0 and dense["head_dim"] == 128.0


def test_a_local_file_and_the_shipped_copy_agree(tmp_path):
    shipped = hfconfig.load("Qwen2.5-72B")
    cfg = hfconfig.sources()["Qwen2.5-72B"]
    assert cfg["config_url"].startswith("https://huggingface.co/Qwen/")
    p = tmp_path / "config.json"
    from importlib import resources
    p.write_text(resources.files("xlsizing").joinpath("data", "models", "Qwen2.5-72B.json").read_text("utf-8"))
    mine = hfconfig.load(p)
    assert mine.total_params == shipped.total_params and mine.name == "config"
    assert hfconfig.load(str(p)).total_params == shipped.total_params


def test_every_shipped_config_has_a_source():
    for name, entry in hfconfig.sources().items():
        assert entry["config_url"].startswith("https://huggingface.co/"), name
        assert entry["published_total"] and entry["checked_against"], name


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownModel) as e:
        hfconfig.load("Mixtral-8x7")
    assert str(e.value).startswith("unknown model 'Mixtral-8x7'; did you mean Mixtral-8x7B? (shipped: Llama-2-13B")
    with pytest.raises(UnknownModel) as e:
        hfconfig.load("gpt-5")
    assert "did you mean" not in str(e.value)


BASE = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 128,
        "vocab_size": 100}


@pytest.mark.parametrize("change, message", [
    ({"num_hidden_layers": None}, "config.json has no 'num_hidden_layers' (a whole number >= 1 is required)"),
    ({"hidden_size": "64"}, 'hidden_size must be a whole number >= 1, got "64"'),
    ({"hidden_size": 64.5}, "hidden_size must be a whole number >= 1, got 64.5"),
    ({"num_attention_heads": True}, "num_attention_heads must be a whole number >= 1, got true"),
    ({"vocab_size": 0}, "vocab_size must be a whole number >= 1, got 0"),
    ({"num_key_value_heads": 3}, "num_key_value_heads must divide num_attention_heads (4), got 3"),
    ({"num_attention_heads": 5}, "head_dim is missing and hidden_size (64) is not a multiple of num_attention_heads (5)"),
    ({"tie_word_embeddings": "yes"}, 'tie_word_embeddings must be true or false, got "yes"'),
    ({"num_local_experts": 8}, "config.json has no 'num_experts_per_tok' (a whole number >= 1 is required)"),
    ({"num_local_experts": 8, "num_experts_per_tok": 9}, "num_experts_per_tok must be <= num_local_experts (8), got 9"),
    ({"n_routed_experts": 8, "num_experts_per_tok": 2, "first_k_dense_replace": 3},
     "first_k_dense_replace must be <= num_hidden_layers (2), got 3"),
    ({"n_routed_experts": 8, "num_experts_per_tok": 2, "moe_layer_freq": 2},
     "moe_layer_freq must be 1 (MoE in every layer after the dense ones), got 2"),
    ({"kv_lora_rank": 16}, "config.json has no 'qk_rope_head_dim' (a whole number >= 1 is required)"),
    ({"model_type": 3}, "model_type must be text, got 3"),
])
def test_malformed_or_incomplete_configs(change, message):
    cfg = {**BASE, **change}
    cfg = {k: v for k, v in cfg.items() if not (k == "num_hidden_layers" and v is None)}
    with pytest.raises(InvalidInput) as e:
        hfconfig.parse(cfg)
    assert str(e.value) == message
    assert "\n" not in str(e.value)


def test_bad_files_name_the_file(tmp_path):
    p = tmp_path / "config.json"
    p.write_text('{"num_hidden_layers": 2,')
    with pytest.raises(InvalidInput) as e:
        hfconfig.load(p)
    assert str(e.value) == f"{p}: not valid JSON (line 1, column 25: Expecting property name enclosed in double quotes)"
    p.write_text("[1, 2]")
    with pytest.raises(InvalidInput) as e:
        hfconfig.load(p)
    assert str(e.value) == f"{p}: config.json must hold a JSON object {{...}}, got list"
    p.write_text(json.dumps({**BASE, "vocab_size": -1}))
    with pytest.raises(InvalidInput) as e:
        hfconfig.load(p)
    assert str(e.value) == f"{p}: vocab_size must be a whole number >= 1, got -1"
    p.write_bytes(b"\xff\xfe{")
    with pytest.raises(InvalidInput) as e:
        hfconfig.load(p)
    assert str(e.value) == f"{p}: not UTF-8 text; a config.json is JSON text"
    with pytest.raises(InvalidInput) as e:
        hfconfig.load(tmp_path / "missing.json")
    assert str(e.value) == f"{tmp_path / 'missing.json'}: no such file"
    with pytest.raises(InvalidInput) as e:
        hfconfig.load(tmp_path)
    assert str(e.value) == f"{tmp_path}: is a folder, not a config.json file"


def test_nested_text_config_and_tied_embeddings():
    # multimodal configs nest the language model under text_config; tied embeddings count once
    cfg = {"text_config": {**BASE, "tie_word_embeddings": True}}
    # untied: 2 × (4·64² + 3·64·128 + 2·64) + 2·100·64 + 64 = 95,040; tied: one 100 × 64 matrix less
    assert hfconfig.parse(cfg).total_params == 95_040 - 100 * 64
