"""Model shapes from a Hugging Face ``config.json`` (a local file; nothing is downloaded).

A config names the shape of a transformer; this module turns it into what the serving model needs:
total and active parameters (MoE: all experts vs the k a token uses), KV-cache bytes per token
(GQA or DeepSeek's MLA) and the MoE fields of :mod:`xlsizing.beyond`.

Shipped configs (``xlsizing/data/models``, sources in ``sources.toml`` there) load by name:

>>> m = load("Mixtral-8x7B")
>>> round(m.total_params / 1e9, 1), round(m.active_params / 1e9, 1)     # Mistral AI: 46.7B, 12.9B
(46.7, 12.9)
>>> m.kv_bytes_per_token(2)                                              # 2 × 32 × 8 × 128 × 2
131072.0

Counting rules (each a matrix of the architecture, biases and norms included):

* embeddings vocab × hidden, plus an output head of the same size unless ``tie_word_embeddings``;
* attention per layer: q, k, v, o projections (``num_attention_heads`` / ``num_key_value_heads`` ×
  ``head_dim``), with q/k/v biases for Qwen2 or ``attention_bias``; MLA (``kv_lora_rank`` set):
  the low-rank q and kv projections of DeepSeek-V2/V3 and their norms;
* FFN per layer: gated, 3 × hidden × FFN size (gate, up, down); MoE layers hold
  ``n_routed_experts`` (or ``num_local_experts`` / ``num_experts``) experts of
  ``moe_intermediate_size`` (Mixtral: ``intermediate_size``), shared experts and a router of
  hidden × E; the first ``first_k_dense_replace`` layers are dense, of ``intermediate_size``;
* two RMSNorms per layer and a final one.  Multi-token-prediction layers
  (``num_nextn_predict_layers``) are not part of the served model and are not counted.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import InvalidInput, UnknownModel

DATA_DIR = ("data", "models")
SOURCES_FILE = "sources.toml"
NON_GATED = {"gpt2", "gpt_neox", "gptj", "opt", "bloom", "falcon", "phi", "starcoder2", "gpt_bigcode"}
QKV_BIAS = {"qwen2", "qwen2_moe"}  # Qwen2 projections carry q/k/v biases without saying so in the config


@dataclass(frozen=True)
class ModelShape:
    """What the serving model needs from a ``config.json``; counts are plain numbers (not 亿)."""

    name: str
    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    tied_embeddings: bool
    experts: int = 0  # routed experts per MoE layer; 0 = dense
    experts_per_token: int = 0
    shared_experts: int = 0
    expert_ffn: int = 0
    shared_ffn: int = 0  # total FFN width of the shared experts of one layer
    dense_layers: int = 0  # layers with a dense FFN (all of them for a dense model)
    kv_lora_rank: int = 0  # MLA; 0 = GQA/MHA
    q_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    qk_nope_head_dim: int = 0
    v_head_dim: int = 0
    ffn_matrices: int = 3
    qkv_bias: bool = False
    source: str = ""

    @property
    def moe_layers(self) -> int:
        """Layers whose FFN is a mixture of experts (0 for a dense model)."""
        return self.layers - self.dense_layers

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank > 0

    def attention_params_per_layer(self) -> int:
        """Weights of one attention block: q, k, v, o (GQA/MHA) or the MLA projections and norms."""
        h, n = self.hidden_size, self.heads
        if self.is_mla:
            qk = self.qk_nope_head_dim + self.qk_rope_head_dim
            if self.q_lora_rank:
                q = h * self.q_lora_rank + self.q_lora_rank + self.q_lora_rank * n * qk
            else:
                q = h * n * qk
            kv = (h * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank
                  + self.kv_lora_rank * n * (self.qk_nope_head_dim + self.v_head_dim))
            return q + kv + n * self.v_head_dim * h
        q_out, kv_out = n * self.head_dim, self.kv_heads * self.head_dim
        bias = q_out + 2 * kv_out if self.qkv_bias else 0
        return h * q_out + 2 * h * kv_out + q_out * h + bias

    def embedding_params(self) -> int:
        """Input embeddings plus the output head (counted once when tied)."""
        return self.vocab_size * self.hidden_size * (1 if self.tied_embeddings else 2)

    def other_params(self) -> int:
        """Everything but the FFNs: embeddings, attention, norms (``other_params_yi`` × 1e8 of beyond)."""
        norms = 2 * self.hidden_size * self.layers + self.hidden_size
        return self.embedding_params() + self.layers * self.attention_params_per_layer() + norms

    def _ffn(self, width: int) -> int:
        return self.ffn_matrices * self.hidden_size * width

    def _moe_layer(self, routed: int) -> int:
        return routed * self._ffn(self.expert_ffn) + self._ffn(self.shared_ffn) + self.hidden_size * self.experts

    @property
    def total_params(self) -> int:
        """Every stored weight of the served model (all experts)."""
        return (self.other_params() + self.dense_layers * self._ffn(self.intermediate_size)
                + self.moe_layers * self._moe_layer(self.experts))

    @property
    def active_params(self) -> int:
        """Weights one token multiplies: the k routed experts (and shared ones) instead of all E."""
        return (self.other_params() + self.dense_layers * self._ffn(self.intermediate_size)
                + self.moe_layers * self._moe_layer(self.experts_per_token))

    def kv_bytes_per_token(self, kv_bytes: float = 2.0) -> float:
        """KV-cache bytes per token: 2 × layers × KV heads × head dim × bytes, or MLA (rank + rope) × layers × bytes."""
        from . import beyond

        if self.is_mla:
            return beyond.kv_bytes_per_token_mla(self.layers, self.kv_lora_rank, self.qk_rope_head_dim, kv_bytes)
        return beyond.kv_bytes_per_token(self.layers, self.kv_heads, self.head_dim, kv_bytes)

    def beyond_inputs(self) -> dict[str, float]:
        """The Beyond-sheet inputs this shape sets, in their units (parameters in 亿)."""
        out = {"active_params_yi": self.active_params / 1e8, "total_params_yi": self.total_params / 1e8,
               "layers": float(self.layers), "hidden_size": float(self.hidden_size),
               "moe_layers": float(self.moe_layers if self.experts else 0),
               "experts": float(max(self.experts, 1)), "experts_per_token": float(max(self.experts_per_token, 1)),
               "expert_ffn": float(max(self.expert_ffn, 1))}
        if self.is_mla:
            # the sheet's KV row is 2 × layers × KV heads × head dim × bytes: one "head" of
            # (rank + rope) / 2 gives MLA's (rank + rope) × layers × bytes exactly
            out.update(kv_heads=1.0, head_dim=(self.kv_lora_rank + self.qk_rope_head_dim) / 2.0)
        else:
            out.update(kv_heads=float(self.kv_heads), head_dim=float(self.head_dim))
        return out


# --- reading ------------------------------------------------------------------------------------


def _where(origin: str) -> str:
    return f"{origin}: " if origin else ""


def _int(cfg: dict, key: str, origin: str, *, minimum: int = 1, default=None, required: bool = True) -> int:
    """A whole-number field of the config, checked; ``default`` when absent (or null) and not required."""
    if key not in cfg or cfg[key] is None:
        if required and default is None:
            raise InvalidInput(f"{_where(origin)}config.json has no {key!r} (a whole number >= {minimum} is required)")
        return default
    v = cfg[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
        raise InvalidInput(f"{_where(origin)}{key} must be a whole number >= {minimum}, got {json.dumps(v)[:40]}")
    if v < minimum:
        raise InvalidInput(f"{_where(origin)}{key} must be a whole number >= {minimum}, got {json.dumps(v)}")
    return int(v)


def _bool(cfg: dict, key: str, origin: str, default: bool) -> bool:
    v = cfg.get(key, default)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise InvalidInput(f"{_where(origin)}{key} must be true or false, got {json.dumps(v)[:40]}")
    return v


def _first(cfg: dict, keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if cfg.get(k) is not None), None)


def parse(cfg: object, name: str = "", origin: str = "") -> ModelShape:
    """The :class:`ModelShape` of a parsed ``config.json`` (a dict); a bad field raises one line naming it.

    >>> s = parse({"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
    ...            "intermediate_size": 128, "vocab_size": 100})
    >>> s.total_params, s.kv_bytes_per_token(2)     # 2 × (4·64² + 3·64·128 + 2·64) + 2·100·64 + 64; KV 2 × 2 × 4 × 16 × 2
    (95040, 512.0)
    >>> parse({"num_hidden_layers": 2, "hidden_size": 64})
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: config.json has no 'num_attention_heads' (a whole number >= 1 is required)
    """
    if not isinstance(cfg, dict):
        raise InvalidInput(f"{_where(origin)}config.json must hold a JSON object {{...}}, got {type(cfg).__name__}")
    if isinstance(cfg.get("text_config"), dict) and "num_hidden_layers" not in cfg:
        cfg = cfg["text_config"]  # multimodal configs nest the language model
    model_type = cfg.get("model_type", "")
    if not isinstance(model_type, str):
        raise InvalidInput(f"{_where(origin)}model_type must be text, got {json.dumps(model_type)[:40]}")
    layers = _int(cfg, "num_hidden_layers", origin)
    hidden = _int(cfg, "hidden_size", origin)
    heads = _int(cfg, "num_attention_heads", origin)
    kv_heads = _int(cfg, "num_key_value_heads", origin, default=heads, required=False)
    if heads % kv_heads:
        raise InvalidInput(f"{_where(origin)}num_key_value_heads must divide num_attention_heads ({heads}), "
                           f"got {kv_heads}")
    if cfg.get("head_dim") is None and hidden % heads:
        raise InvalidInput(f"{_where(origin)}head_dim is missing and hidden_size ({hidden}) is not a multiple of "
                           f"num_attention_heads ({heads})")
    head_dim = _int(cfg, "head_dim", origin, default=hidden // heads, required=False)
    vocab = _int(cfg, "vocab_size", origin)
    tied = _bool(cfg, "tie_word_embeddings", origin, False)

    experts_key = _first(cfg, ("n_routed_experts", "num_local_experts", "num_experts"))
    experts = _int(cfg, experts_key, origin, minimum=1) if experts_key else 0
    if experts:
        k = _int(cfg, "num_experts_per_tok", origin)
        if k > experts:
            raise InvalidInput(f"{_where(origin)}num_experts_per_tok must be <= {experts_key} ({experts}), got {k}")
        freq = _int(cfg, "moe_layer_freq", origin, default=1, required=False)
        step = _int(cfg, "decoder_sparse_step", origin, default=1, required=False)
        if freq != 1 or step != 1:
            bad = "moe_layer_freq" if freq != 1 else "decoder_sparse_step"
            raise InvalidInput(f"{_where(origin)}{bad} must be 1 (MoE in every layer after the dense ones), "
                               f"got {freq if freq != 1 else step}")
        shared = _int(cfg, "n_shared_experts", origin, minimum=0, default=0, required=False)
        expert_key = "moe_intermediate_size" if cfg.get("moe_intermediate_size") is not None else "intermediate_size"
        expert_ffn = _int(cfg, expert_key, origin)
        shared_ffn = _int(cfg, "shared_expert_intermediate_size", origin, minimum=0, default=shared * expert_ffn,
                          required=False)
        dense_layers = _int(cfg, "first_k_dense_replace", origin, minimum=0, default=0, required=False)
        if dense_layers > layers:
            raise InvalidInput(f"{_where(origin)}first_k_dense_replace must be <= num_hidden_layers ({layers}), "
                               f"got {dense_layers}")
        intermediate = _int(cfg, "intermediate_size", origin, required=dense_layers > 0, default=0)
        moe = dict(experts=experts, experts_per_token=k, shared_experts=shared, expert_ffn=expert_ffn,
                   shared_ffn=shared_ffn, dense_layers=dense_layers)
    else:
        intermediate = _int(cfg, "intermediate_size", origin)
        moe = dict(dense_layers=layers)

    mla = {}
    if cfg.get("kv_lora_rank") is not None:
        mla = dict(kv_lora_rank=_int(cfg, "kv_lora_rank", origin),
                   q_lora_rank=_int(cfg, "q_lora_rank", origin, minimum=0, default=0, required=False),
                   qk_rope_head_dim=_int(cfg, "qk_rope_head_dim", origin),
                   qk_nope_head_dim=_int(cfg, "qk_nope_head_dim", origin),
                   v_head_dim=_int(cfg, "v_head_dim", origin))
    return ModelShape(name=name or str(cfg.get("_name_or_path") or "config.json"), layers=layers, hidden_size=hidden,
                      heads=heads, kv_heads=kv_heads, head_dim=head_dim, intermediate_size=intermediate,
                      vocab_size=vocab, tied_embeddings=tied,
                      ffn_matrices=2 if model_type in NON_GATED else 3,
                      qkv_bias=model_type in QKV_BIAS or _bool(cfg, "attention_bias", origin, False),
                      source=origin, **moe, **mla)


def read(path: str | Path, name: str = "") -> ModelShape:
    """The :class:`ModelShape` of a local ``config.json`` file; a bad file raises one line naming it and the field."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{p}: is a folder, not a config.json file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{p}: not UTF-8 text; a config.json is JSON text") from None
    except OSError as e:
        raise InvalidInput(f"{p}: cannot read it ({e.strerror or e})") from None
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{p}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:
        raise InvalidInput(f"{p}: not valid JSON (nested too deep)") from None
    return parse(cfg, name or p.stem, str(p))


# --- shipped configs, by name ---------------------------------------------------------------------


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


def sources() -> dict[str, dict]:
    """The shipped configs: name → {file, repo, config_url, published_total, checked_against}."""
    text = resources.files("xlsizing").joinpath(*DATA_DIR, SOURCES_FILE).read_text("utf-8")
    return tomllib.loads(text)


def names() -> list[str]:
    """Names of the shipped configs, e.g. ``['Llama-2-13B', ...]``.

    >>> "DeepSeek-V3" in names()
    True
    """
    return list(sources())


def load(name_or_path: str | Path) -> ModelShape:
    """A shipped model by name (case, spaces, dashes ignored) or a ``config.json`` path; did-you-mean on unknown names.

    >>> load("deepseek v3").experts, load("DeepSeek-V3").kv_bytes_per_token(2)
    (256, 70272.0)
    >>> load("Llama-3-7OB")
    Traceback (most recent call last):
    ...
    xlsizing.errors.UnknownModel: unknown model 'Llama-3-7OB'; did you mean Llama-3-70B? (shipped: Llama-2-13B, Llama-3-70B, Mixtral-8x7B, Qwen2.5-72B, DeepSeek-V3; or give a config.json path)
    """
    if not isinstance(name_or_path, (str, Path)):
        raise InvalidInput(f"model must be a name or a config.json path, got {name_or_path!r}")
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".json") or "/" in text or "\\" in text:
        return read(name_or_path)
    shipped = sources()
    by_key = {_key(n): n for n in shipped}
    if _key(text) in by_key:
        n = by_key[_key(text)]
        entry = shipped[n]
        raw = resources.files("xlsizing").joinpath(*DATA_DIR, entry["file"]).read_text("utf-8")
        shape = parse(json.loads(raw), n, f"{entry['repo']} config.json")
        return shape
    if Path(text).is_file():
        return read(text)
    close = difflib.get_close_matches(_key(text), list(by_key), n=1, cutoff=0.6)
    hint = f"; did you mean {by_key[close[0]]}?" if close else ""
    raise UnknownModel(f"unknown model {text!r}{hint} (shipped: {', '.join(shipped)}; or give a config.json path)")

