"""Serving-model functions the planner and its Plan sheet need that :mod:`xlsizing.beyond` lacks: TO MOVE to beyond.py.

Same discipline as :mod:`xlsizing.beyond` (pure, ``@checked``, units in the names, scalar → float,
arrays broadcast).  A module of its own, not a block of :mod:`xlsizing.planner`, because the Plan
sheet (:mod:`xlsizing.sheets.plan`) uses them and sheets sit below the planner; once these live in
beyond.py, this module goes.
"""

from __future__ import annotations

import inspect
from typing import Mapping

from . import _num, beyond
from ._args import ANY, AT_LEAST_ONE, FRACTION, NONNEGATIVE, POSITIVE, PROPORTION, checked

# MLCommons MLPerf Inference, loadgen/mlperf.conf: llama2-70b.Server.ttft_latency = 2000 ms
# (github.com/mlcommons/inference).  An assumption for a chat product, not the report's.
TTFT_S = 2.0


@checked(prompt_tokens=POSITIVE, cache_hit_rate=PROPORTION, active_params_yi=POSITIVE, weights_gb=POSITIVE,
         kv_bytes_per_token=POSITIVE, replica_cards=AT_LEAST_ONE, peak_tflops=POSITIVE, mfu_prefill=FRACTION,
         bandwidth_tbs=POSITIVE, mbu=FRACTION, kv_serial_share=beyond.SHARE, layers=AT_LEAST_ONE,
         hidden_size=AT_LEAST_ONE, activation_bytes=POSITIVE, interconnect_gbs=POSITIVE,
         collective_latency_us=NONNEGATIVE)
def ttft_s(prompt_tokens, cache_hit_rate, active_params_yi, weights_gb, kv_bytes_per_token, replica_cards, peak_tflops,
           mfu_prefill, bandwidth_tbs, mbu, kv_serial_share, layers, hidden_size, activation_bytes, interconnect_gbs,
           collective_latency_us):
    """Time to first token (s) = the prefill step of one prompt's uncached tokens on n cards, its all-reduces included.

    With L = prompt tokens × (1 − cache hit rate): :func:`xlsizing.beyond.prefill_step_s` of one
    prompt of L tokens (MAX(t_w + t_kv, t_c + share × t_kv) with t_c = 2 × N_active × L / (n × peak
    × MFU_prefill)) + :func:`xlsizing.beyond.tp_allreduce_s` of L tokens (zero on one card).
    Queueing is not modelled.  Prompt in tokens, parameters in 亿, weights in GB, GB/s one way.

    >>> round(ttft_s(4096, 0.5625, 1300, 260, 393216, 8, 148, 0.5, 4.0, 0.7, 1, 96, 12288, 2, 450, 10), 4)
    0.8219
    """
    tokens = prompt_tokens * (1.0 - cache_hit_rate)
    comm = beyond.tp_allreduce_s.kernel(layers, hidden_size, tokens, activation_bytes, replica_cards, interconnect_gbs,
                                        collective_latency_us)
    return beyond.prefill_step_s.kernel(weights_gb, kv_bytes_per_token, tokens, 1.0, active_params_yi, replica_cards,
                                        bandwidth_tbs, mbu, peak_tflops, mfu_prefill, kv_serial_share, comm)


TTFT_ARGS = tuple(inspect.signature(ttft_s.kernel).parameters)


def ttft_of(values: Mapping, prompt_tokens=None) -> float:
    """:func:`ttft_s` of a configuration's row values (a sheet column); the prompt defaults to its context."""
    return ttft_s(*(values["context_tokens"] if a == "prompt_tokens" and prompt_tokens is None else
                    prompt_tokens if a == "prompt_tokens" else values[a] for a in TTFT_ARGS))


@checked(decode_step_s=POSITIVE)
def tokens_per_s_per_user(decode_step_s):
    """Output tokens per second one user sees = 1 / decode step time (s) (the interactivity axis of a frontier).

    >>> tokens_per_s_per_user(0.05)
    20.0
    """
    return 1.0 / decode_step_s


@checked(memory_headroom_gb=ANY, decode_step_s=POSITIVE, tpot_s=POSITIVE, ttft_s=POSITIVE, ttft_target_s=POSITIVE)
def meets_targets(memory_headroom_gb, decode_step_s, tpot_s, ttft_s, ttft_target_s):
    """1 when the batch fits (headroom GB ≥ 0), the step (s) meets the TPOT target (s) and the TTFT (s) its target, else 0.

    >>> meets_targets(5.0, 0.03, 0.05, 1.0, 2.0), meets_targets(5.0, 0.03, 0.05, 3.0, 2.0)
    (1.0, 0.0)
    """
    return _num.where((memory_headroom_gb >= 0) & (decode_step_s <= tpot_s) & (ttft_s <= ttft_target_s), 1.0, 0.0)


# native spreadsheet formulas of the functions above ({key} = the parameter's cell)
USER_NATIVE = "1/{decode_step_s}"
MEETS_NATIVE = "IF(AND({memory_headroom_gb}>=0,{decode_step_s}<={tpot_s},{ttft_s}<={ttft_target_s}),1,0)"
