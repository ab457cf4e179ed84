"""The planner: from a scenario's demand to the cheapest fleet that meets the latency targets.

Every other function answers "how many cards for this configuration"; :func:`plan` answers the
inverse.  For one scenario it takes

* the **demand** from the chain (the Beyond sheet's inputs of the scenario: peak tokens/s,
  input/output split, KV-cache hits, context, the model's shape, efficiencies, power and life);
* the **targets**: time per output token (TPOT, the decode step) and time to first token (TTFT);
* the **candidates**: accelerators (catalog names) × precisions × cards per replica (the tensor
  parallel degree: weights and KV cache are split over the replica's cards) × decode batch sizes,

evaluates every candidate in one numpy broadcast over the axes ``(accelerator, precision,
replica, batch)`` with the kernels of :mod:`xlsizing.beyond` (no physics is written here), keeps
the feasible ones (weights and KV fit, TPOT and TTFT within the targets, the figures the objective
needs present), records one reason for every rejected family (accelerator × precision ×
replica), and picks the candidate that minimises the objective: cost per 1M tokens (default),
capex, cards or power.  Candidates whose objective is equal (to 1e-9 relative: in the
compute-bound regime every batch gives the same cards) are separated by the lower TPOT, then by
the order of the axes.

Per candidate, as on the Beyond sheet (docs/beyond.md; the same functions):
cards = compute-bound prefill cards + roofline decode cards (fractional, as the report), capex =
cards / cards per server × server price, power = cards × TDP × server factor × PUE × load, cost
per 1M tokens = (cards × amortised 元/card-hour × 8,760 + electricity) / yearly tokens.
TTFT is one prompt's prefill on a replica of the same size (:func:`ttft_s`).

Hardware comes from the catalog: peak at the precision, memory, bandwidth, TDP, cards per server
and the server price (the catalog's, in 万元: :func:`xlsizing.catalog.server_price_wan` converts a USD
price and makes a card price a server's; or ``server_price_wan={"B300": 400}``).  The
KV cache is stored at the weights' precision but never below 1 byte (BF16 2, FP8 1, FP4 1).

>>> from xlsizing.scenarios import load_builtin
>>> p = plan(load_builtin()[0], accelerators=["H20"])
>>> p.chosen.label
'H20 FP8, 2 cards per replica, batch 32'
>>> round(p.chosen.cost_per_mtok_yuan, 4), round(p.chosen.fleet_cards_wan, 2)    # 元 per 1M tokens, 万张
(2.1634, 13.28)
>>> p.rejected[0].text
'H20 bf16 ×1: weights 260 GB do not fit in 86.4 GB (1 × 96 GB × 0.9)'
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Mapping, NamedTuple, Sequence

from . import catalog as cat
from ._args import POSITIVE, as_float, fmt_value
from .errors import InvalidInput, MissingFigure
# the serving functions the planner adds (to move to beyond.py), re-exported: planner.ttft_s, …
from .planner_model import TTFT_ARGS, TTFT_S, meets_targets, tokens_per_s_per_user, ttft_of, ttft_s  # noqa: F401
from .sheets.plan import HARDWARE_KEYS, OPTIONAL_FIGURES, hardware_keys  # noqa: F401 - the candidate inputs

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

# objective -> (the figure it minimises, its unit, the catalog figures it needs besides the physics)
OBJECTIVES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "cost": ("cost_per_mtok_yuan", "元 per 1M tokens", ("server_price_wan", "tdp_w")),
    "capex": ("fleet_capex_yi", "亿元", ("server_price_wan",)),
    "cards": ("fleet_cards_wan", "万张", ()),
    "power": ("fleet_power_mw", "MW", ("tdp_w",)),
}
DEFAULT_PRECISIONS = ("bf16", "fp8")
# Up to one 8-card server: without a communication term (docs/planner.md) a replica spanning
# servers would look free; larger ones are a choice (replica_cards=(..., 16)).
DEFAULT_REPLICAS = (1, 2, 4, 8)
DEFAULT_BATCHES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
REL_TIE = 1e-9  # objectives this close count as equal (float noise across compute-bound batches)

# the figures of one candidate, in the order they are reported
FIGURES = ("weights_gb", "kv_bytes_per_token", "memory_headroom_gb", "decode_step_s", "ttft_s",
           "tokens_per_s_per_user", "decode_tokens_per_s_per_card", "prefill_cards_wan", "decode_cards_wan",
           "fleet_cards_wan", "servers_whole_wan", "fleet_capex_yi", "fleet_power_mw", "cost_per_mtok_yuan")


# --- what the planner returns ------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """One candidate configuration and its figures (None where the catalog lacks a figure)."""

    accelerator: str
    precision: str
    replica_cards: int
    batch: int
    weights_gb: float
    kv_bytes_per_token: float
    memory_headroom_gb: float
    decode_step_s: float  # = TPOT
    ttft_s: float
    tokens_per_s_per_user: float
    decode_tokens_per_s_per_card: float
    prefill_cards_wan: float
    decode_cards_wan: float
    fleet_cards_wan: float
    servers_whole_wan: float
    fleet_capex_yi: float | None
    fleet_power_mw: float | None
    cost_per_mtok_yuan: float | None
    feasible: bool = True
    expert_parallel: int = 0  # 1: MoE experts split expert-parallel (all-to-all), 0: tensor-parallel
    # the sheet inputs of this configuration (HARDWARE_KEYS: catalog figures, replica, batch): what
    # the Plan sheet writes as its inputs
    inputs: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        """``'H20 FP8, 8 cards per replica, batch 64'``: the configuration as text."""
        cards = "1 card" if self.replica_cards == 1 else f"{self.replica_cards} cards"
        ep = " (expert parallel)" if self.expert_parallel else ""
        return f"{self.accelerator} {self.precision.upper()}, {cards} per replica{ep}, batch {self.batch}"

    @property
    def cards(self) -> float:
        """Cards of the fleet (plain count, not 万)."""
        return self.fleet_cards_wan * 1e4

    @property
    def servers(self) -> float:
        """Whole servers of the fleet (plain count)."""
        return round(self.servers_whole_wan * 1e4)

    def as_dict(self) -> dict:
        return {"label": self.label, **asdict(self)}  # ``inputs`` included: the sheet inputs


@dataclass(frozen=True)
class Rejection:
    """Why a family (accelerator × precision × replica; replica 0 = every replica) has no feasible candidate."""

    accelerator: str
    precision: str
    replica_cards: int
    # the reason is worded when asked for (a search rejects hundreds of families, a reader reads few)
    why: tuple = field(repr=False, compare=False)  # (formatting function, its arguments…)
    expert_parallel: int = 0

    @property
    def reason(self) -> str:
        return self.why[0](*self.why[1:])

    def as_dict(self) -> dict:
        return {"accelerator": self.accelerator, "precision": self.precision, "replica_cards": self.replica_cards,
                "expert_parallel": self.expert_parallel, "reason": self.reason}

    def __repr__(self):
        return f"Rejection({self.text!r})"

    @property
    def text(self) -> str:
        ep = " EP" if self.expert_parallel else ""
        return f"{family_label(self.accelerator, self.precision, self.replica_cards)}{ep}: {self.reason}"


class FrontierPoint(NamedTuple):
    """A Pareto-optimal point: no other fitting candidate is faster per user and denser per card.

    A named tuple, not a dataclass: a search over 100,000 candidates keeps hundreds of points, and
    a frozen dataclass costs several times more to create (bench/bench_planner.py).
    """

    precision: str
    replica_cards: int
    batch: int
    tokens_per_s_per_user: float
    decode_tokens_per_s_per_card: float
    meets_targets: bool
    expert_parallel: int = 0


@dataclass(frozen=True)
class Plan:
    """The answer of :func:`plan` for one scenario."""

    scenario: str
    objective: str
    tpot_s: float
    ttft_s: float
    candidates: int
    chosen: Config | None
    best: dict[str, Config]  # accelerator -> its best feasible configuration
    rejected: tuple[Rejection, ...]  # every family without a feasible candidate
    infeasible: dict[str, str]  # accelerator -> one reason, for accelerators with nothing feasible
    frontier_accelerator: str
    frontier: tuple[FrontierPoint, ...] = field(default=())
    prompt_tokens: float | None = None  # the prompt a TTFT prefills; None = the scenario's average context

    @property
    def objective_figure(self) -> str:
        return OBJECTIVES[self.objective][0]

    @property
    def reason(self) -> str:
        """'' when a configuration was chosen, else why not (one line per accelerator)."""
        if self.chosen is not None:
            return ""
        return "; ".join(f"{a}: {r}" for a, r in self.infeasible.items())

    def as_dict(self) -> dict:
        return {
            "scenario": self.scenario, "objective": self.objective, "tpot_s": self.tpot_s, "ttft_s": self.ttft_s,
            "candidates": self.candidates, "chosen": self.chosen.as_dict() if self.chosen else None,
            "best": {a: c.as_dict() for a, c in self.best.items()},
            "rejected": [r.as_dict() for r in self.rejected], "infeasible": dict(self.infeasible),
            "frontier_accelerator": self.frontier_accelerator, "frontier": [p._asdict() for p in self.frontier],
            "prompt_tokens": self.prompt_tokens,
        }


def family_label(accelerator: str, precision: str, replica_cards: int = 0) -> str:
    """``'H20 fp8 ×8'`` (``'A100 fp8'`` for every replica size).

    >>> family_label("H20", "fp8", 8), family_label("A100", "fp8")
    ('H20 fp8 ×8', 'A100 fp8')
    """
    return f"{accelerator} {precision}" + (f" ×{replica_cards}" if replica_cards else "")


# --- arguments --------------------------------------------------------------------------------


def _names(arg: str, values, allowed: str) -> list:
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    try:
        out = list(values)
    except TypeError:
        raise InvalidInput(f"{arg} must be a list of {allowed}, got {fmt_value(values)}") from None
    if not out:
        raise InvalidInput(f"{arg} must list at least one of {allowed}, got none")
    return out


def _whole_numbers(arg: str, values) -> list[int]:
    import numpy as np

    if isinstance(values, (range, np.ndarray)) or (isinstance(values, (list, tuple)) and values
                                                   and all(type(x) is int for x in values)):
        a = np.asarray(values)
        if a.ndim == 1 and a.size and a.dtype.kind in "iu" and a.min() >= 1 and np.unique(a).size == a.size:
            return a.tolist()  # the common case, checked at once; anything else gets the message below
    out = []
    for v in _names(arg, values, "whole numbers >= 1"):
        if isinstance(v, str):
            try:
                v = float(v)
            except ValueError:
                raise InvalidInput(f"{arg} must be whole numbers >= 1, got {fmt_value(v)}") from None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 1 or v != int(v):
            raise InvalidInput(f"{arg} must be whole numbers >= 1, got {fmt_value(v)}")
        if int(v) in out:
            raise InvalidInput(f"{arg} lists {int(v)} twice")
        out.append(int(v))
    return out


def check_objective(objective) -> str:
    """The objective's name, or InvalidInput naming the allowed ones.

    >>> check_objective("Cost")
    'cost'
    >>> check_objective("price")
    Traceback (most recent call last):
    ...
    xlsizing.errors.InvalidInput: objective must be one of cost, capex, cards, power, got 'price'
    """
    key = objective.strip().lower() if isinstance(objective, str) else objective
    if key not in OBJECTIVES:
        raise InvalidInput(f"objective must be one of {', '.join(OBJECTIVES)}, got {fmt_value(objective)}")
    return key


def scenario_inputs(scenario) -> dict[str, float]:
    """Every row of the sheets for a scenario, checked: the demand and assumptions the planner reads.

    ``scenario`` is a :class:`~xlsizing.scenarios.Scenario` or a mapping of sheet inputs (Figure 11's
    and the Beyond sheet's, e.g. ``{"mau_wan": 6000, "peak_multiplier": 4, "total_params_yi": 6710}``);
    both go through the one evaluator (:func:`xlsizing.sheets.evaluate_column`), so linked inputs
    (Beyond's parameters and MFUs follow Figure 11's) behave as on the sheets.
    """
    from . import sheets
    from .scenarios import Scenario, scenario_values

    if isinstance(scenario, Scenario):
        raw = scenario_values(scenario)
    elif isinstance(scenario, Mapping):
        raw = dict(scenario)
    else:
        raise InvalidInput(f"scenario must be a Scenario or a mapping of sheet inputs, got {fmt_value(scenario)}")
    return sheets.evaluate_column(raw)  # every row, checked by the one evaluator


# --- hardware from the catalog ----------------------------------------------------------------


@dataclass(frozen=True)
class _Hardware:
    """Per (accelerator, precision): the figures the kernels need, NaN where the catalog lacks one."""

    accelerators: tuple[str, ...]
    precisions: tuple[str, ...]
    peak_tflops: np.ndarray  # (A, P)
    bytes_per_weight: np.ndarray  # (P,)
    kv_bytes: np.ndarray  # (P,)
    memory_gb: np.ndarray  # (A,)
    bandwidth_tbs: np.ndarray
    tdp_w: np.ndarray
    cards_per_server: np.ndarray
    server_price_wan: np.ndarray
    optional: dict = field(default_factory=dict)  # OPTIONAL_FIGURES in use -> (A,) arrays, NaN where missing


_HW_CACHE: dict = {}  # (arguments) -> (catalog object, _Hardware): the last few look-ups, for repeated plans


def _hardware(accelerators, precisions, catalog, prices) -> _Hardware:
    c = catalog or cat.default()
    try:
        key = (id(c), tuple(accelerators) if not isinstance(accelerators, str) else accelerators,
               tuple(precisions) if not isinstance(precisions, str) else precisions,
               tuple(sorted((prices or {}).items())))
        hit = _HW_CACHE.get(key)
    except TypeError:  # unhashable or unsortable arguments: no cache, the checks below say what is wrong
        key, hit = None, None
    if hit is not None and hit[0] is c:  # the same catalog object (a changed user file makes a new one)
        return hit[1]
    hw = _read_hardware(accelerators, precisions, c, prices)
    if key is not None:
        if len(_HW_CACHE) > 32:
            _HW_CACHE.clear()
        _HW_CACHE[key] = (c, hw)
    return hw


def _read_hardware(accelerators, precisions, c, prices) -> _Hardware:
    import numpy as np

    accs = []
    for name in _names("accelerators", accelerators, "catalog names"):
        try:
            a = c.get(name)
        except LookupError as e:
            raise InvalidInput(f"accelerators: {e}") from None
        if any(x.name == a.name for x in accs):
            raise InvalidInput(f"accelerators lists {a.name} twice")
        accs.append(a)
    precs = []
    for p in _names("precisions", precisions, ", ".join(x for x in cat.PRECISIONS if x != "fp16")):
        p = cat.check_precision(p)
        if p in precs:
            raise InvalidInput(f"precisions lists {p} twice")
        precs.append(p)
    price_over = {}
    for k, v in (prices or {}).items():
        try:
            acc = c.get(k)
        except LookupError as e:
            raise InvalidInput(f"server_price_wan: {e}") from None
        price_over[acc.name] = as_float(f"server_price_wan[{acc.name!r}]", v, POSITIVE)
    nan = float("nan")

    def fig(a, f):
        return a.value(f) if f in a.figures else nan

    def price(a):
        if a.name in price_over:
            return price_over[a.name]
        try:  # the catalog's price as a server price in 万元 (USD converted, a card price × cards ÷ card share)
            return cat.server_price_wan(a)
        except MissingFigure:
            return nan

    peak = np.array([[float(a.figures[cat.PRECISIONS[p]].value) if cat.PRECISIONS[p] in a.figures else nan
                      for p in precs] for a in accs])
    bpw = np.array([cat.bytes_per_weight(p) for p in precs])
    return _Hardware(
        tuple(a.name for a in accs), tuple(precs), peak, bpw, np.maximum(bpw, 1.0),
        np.array([fig(a, "memory_gb") for a in accs]), np.array([fig(a, "bandwidth_tbs") for a in accs]),
        np.array([fig(a, "tdp_w") for a in accs]), np.array([fig(a, "cards_per_server") for a in accs]),
        np.array([price(a) for a in accs]),
        {f: np.array([fig(a, f) for a in accs]) for f in hardware_keys() if f in OPTIONAL_FIGURES})


# --- the evaluation: one broadcast over (accelerator, precision, replica, batch) ----------------


@functools.lru_cache(maxsize=64)
def _chain(targets: frozenset) -> tuple:
    """The Beyond sheet's computed rows needed for ``targets`` that depend on a candidate axis, in order."""
    from .sheets import BEYOND
    from .sheets.base import depends_on

    rows, need, todo = BEYOND.row, set(), list(targets)
    while todo:
        k = todo.pop()
        r = rows.get(k)
        if r is None or not r.is_computed or k in need:
            continue
        need.add(k)
        todo += list(r.args)
    hw = set(hardware_keys())
    return tuple(r for r in BEYOND.order if r.key in need and depends_on(rows, r.key, hw))


@functools.lru_cache(maxsize=64)
def _steps(targets: frozenset) -> tuple:
    """:func:`_chain` with, after each row, the intermediates (not targets, not inputs) no later row or TTFT reads."""
    chain = _chain(targets)
    keep = set(targets) | set(TTFT_ARGS)
    out = []
    for i, r in enumerate(chain):
        later = {a for q in chain[i + 1:] for a in q.args}
        done = tuple(q.key for q in chain[:i + 1] if q.key not in keep and q.key not in later
                     and not any(q.key in o[1] for o in out))
        out.append((r, done))
    return tuple(out)


def _kernels(k: Mapping[str, float], hw_values: Mapping, prompt_tokens: float, targets: tuple[str, ...]) -> dict:
    """The figures ``targets`` of candidates whose hardware and configuration (``hw_values``, keyed by
    :data:`HARDWARE_KEYS`) broadcast together.

    The Beyond sheet's own rows are evaluated (their :mod:`xlsizing.beyond` kernels, in the sheet's
    dependency order, unchecked: the scenario was checked by the evaluator and the candidates
    here), only those that depend on a candidate axis and lead to a target; the rest keep the
    scenario's values.  So the planner always sizes with the sheet's model.  ``ttft_s`` and
    ``tokens_per_s_per_user`` come from :mod:`xlsizing.planner_model`.
    """
    v = {**k, **hw_values}
    for r, done in _steps(frozenset(targets) | {"weights_gb", "kv_bytes_per_token", "decode_step_s"}):
        v[r.key] = r.fn.kernel(*(v[a] for a in r.args))
        for key in done:  # an intermediate no later row reads: freed now (a smaller working set)
            del v[key]
    v["ttft_s"] = ttft_s.kernel(*(prompt_tokens if a == "prompt_tokens" else v[a] for a in TTFT_ARGS))
    if "tokens_per_s_per_user" in targets:
        v["tokens_per_s_per_user"] = tokens_per_s_per_user.kernel(v["decode_step_s"])
    return {t: v[t] for t in dict.fromkeys((*targets, "weights_gb", "decode_step_s", "ttft_s"))}


# on the whole grid: what feasibility, the reasons, the frontier and the choice read (+ the objective)
_GRID = ("weights_gb", "memory_headroom_gb", "decode_step_s", "decode_tokens_per_s_per_card", "fleet_cards_wan")


def evaluate(base: Mapping[str, float], hw: _Hardware, replica_cards: Sequence[int], batches: Sequence[int],
             prompt_tokens: float, extras: tuple[str, ...] = (), eps: Sequence[int] | None = None
             ) -> dict[str, np.ndarray]:
    """Figures of every candidate, arrays of shape (accelerators, precisions, replicas, batches).

    Calls the kernels of :mod:`xlsizing.beyond` on broadcast arrays; missing catalog figures
    propagate as NaN.  :func:`plan` evaluates only the rows that can be feasible
    (:func:`_evaluate_rows`, the same kernels); this is every row.
    """
    import numpy as np

    A, P = hw.peak_tflops.shape
    qa, qp = (x.reshape(-1) for x in np.indices((A, P)))
    v = _evaluate_rows(base, hw, qa, qp, replica_cards, batches, prompt_tokens, extras, eps)
    return {key: x.reshape(A, P, *x.shape[1:]) for key, x in v.items()}


def _evaluate_rows(base: Mapping[str, float], hw: _Hardware, qa, qp, replica_cards: Sequence[int],
                   batches: Sequence[int], prompt_tokens: float, extras: tuple[str, ...] = (),
                   eps: Sequence[int] | None = None) -> dict[str, np.ndarray]:
    """:func:`evaluate` on the (accelerator, precision) rows ``qa[i], qp[i]`` only: arrays (rows, replicas, batches).

    The search evaluates the rows that can hold a feasible candidate (a peak at the precision,
    the figures the objective needs): the same kernels on the same numbers, element by element,
    without the NaN rows of missing figures (a third of the grid across the catalog).
    """
    import numpy as np

    def row(x):
        return x[:, None, None]

    n = np.asarray(replica_cards, dtype=np.float64)[None, :, None]
    bt = np.asarray(batches, dtype=np.float64)[None, None, :]
    hw_values = {"peak_tflops": row(hw.peak_tflops[qa, qp]), "bytes_per_weight": row(hw.bytes_per_weight[qp]),
                 "kv_bytes": row(hw.kv_bytes[qp]), "memory_gb": row(hw.memory_gb[qa]),
                 "bandwidth_tbs": row(hw.bandwidth_tbs[qa]), "tdp_w": row(hw.tdp_w[qa]),
                 "fleet_server_price_wan": row(hw.server_price_wan[qa]),
                 "fleet_cards_per_server": row(hw.cards_per_server[qa]), "replica_cards": n, "batch": bt,
                 **{f: row(x[qa]) for f, x in hw.optional.items()}}
    if eps is not None:
        hw_values["expert_parallel"] = np.asarray(eps, dtype=np.float64)[None, :, None]
    with np.errstate(all="ignore"):
        v = _kernels(base, hw_values, prompt_tokens, tuple(dict.fromkeys((*_GRID, *extras))))
    shape = (len(qa), n.size, bt.size)
    return {key: np.broadcast_to(val, shape) for key, val in v.items()}


def _configs(base, hw, reps, bts, prompt_tokens, picks, eps=None) -> list[Config]:
    """Every figure of the configurations at indices ``picks`` [(a, p, r, b), …], in one vectorized call."""
    import numpy as np

    if not picks:
        return []
    a, p, r, b = (np.array(x) for x in zip(*picks))
    hw_values = {"peak_tflops": hw.peak_tflops[a, p], "bytes_per_weight": hw.bytes_per_weight[p],
                 "kv_bytes": hw.kv_bytes[p], "memory_gb": hw.memory_gb[a], "bandwidth_tbs": hw.bandwidth_tbs[a],
                 "tdp_w": hw.tdp_w[a], "fleet_server_price_wan": hw.server_price_wan[a],
                 "fleet_cards_per_server": hw.cards_per_server[a], "replica_cards": np.asarray(reps, dtype=np.float64)[r],
                 "batch": np.asarray(bts, dtype=np.float64)[b], **{f: x[a] for f, x in hw.optional.items()}}
    if eps is not None:
        hw_values["expert_parallel"] = np.asarray(eps, dtype=np.float64)[r]
    with np.errstate(all="ignore"):
        v = _kernels(base, hw_values, prompt_tokens, FIGURES)
    cols = {key: np.broadcast_to(v[key], a.shape).tolist() for key in FIGURES}
    ins = {key: np.broadcast_to(x, a.shape).tolist() for key, x in hw_values.items()}
    for key in hardware_keys():  # inputs the candidates do not vary: the scenario's own (a sheet input each)
        if key not in ins:
            ins[key] = [float(base[key])] * len(picks)
    out = []
    for i, (ai, pi, ri, bi) in enumerate(picks):
        figs = {key: col[i] for key, col in cols.items()}
        for key in ("fleet_capex_yi", "fleet_power_mw", "cost_per_mtok_yuan"):
            figs[key] = _finite(figs[key])
        out.append(Config(hw.accelerators[ai], hw.precisions[pi], reps[ri], bts[bi], **figs,
                          expert_parallel=int(eps[ri]) if eps is not None else 0,
                          inputs={key: col[i] for key, col in ins.items()}))
    return out


# --- the search ---------------------------------------------------------------------------------


def _layouts(base: Mapping, reps: list[int], expert_parallel) -> tuple[list[int], list[int] | None]:
    """The replica axis: (cards, expert parallel) layouts.  Expert parallelism is searched (0 and 1, on
    replicas of several cards) for a MoE model when the Beyond sheet has the input; else the axis is
    the card counts and the scenario's own ``expert_parallel`` holds (``eps`` None)."""
    from .sheets import BEYOND

    if "expert_parallel" not in BEYOND.row:
        if expert_parallel is not None:
            raise InvalidInput("expert_parallel: the serving model has no expert-parallel input")
        return reps, None
    if expert_parallel is None:
        if not base.get("moe_layers", 0) > 0:
            return reps, None
        choices = [0, 1]
    else:
        choices = []
        for x in _names("expert_parallel", expert_parallel, "0 (tensor parallel) or 1 (expert parallel)"):
            x = float(x) if isinstance(x, str) and x.strip() in ("0", "1") else x
            if isinstance(x, bool) or x not in (0, 1):
                raise InvalidInput(f"expert_parallel must be 0 (tensor parallel) or 1 (expert parallel), "
                                   f"got {fmt_value(x)}")
            if int(x) in choices:
                raise InvalidInput(f"expert_parallel lists {int(x)} twice")
            choices.append(int(x))
    out_n, out_e = [], []
    for n in reps:
        for e in choices:
            if e == 1 and n == 1 and 0 in choices:  # one card: no expert parallelism to choose
                continue
            out_n.append(n)
            out_e.append(e)
    return out_n, out_e


def plan(scenario, accelerators=None, precisions=DEFAULT_PRECISIONS, replica_cards=DEFAULT_REPLICAS,
         batches=DEFAULT_BATCHES, tpot_s=None, ttft_s_target=TTFT_S, objective="cost", prompt_tokens=None,
         frontier_accelerator=None, catalog=None, server_price_wan=None, expert_parallel=None) -> Plan:
    """The configuration that serves ``scenario`` at the lowest ``objective`` within the TPOT and TTFT targets.

    ``scenario``: a :class:`~xlsizing.scenarios.Scenario` (its Beyond-sheet inputs are the demand
    and the assumptions) or a mapping of those inputs.  ``accelerators`` (default: the whole
    catalog), ``precisions``, ``replica_cards`` and ``batches`` span the candidates.
    ``tpot_s`` defaults to the scenario's ``tpot_slo_s`` (50 ms), ``ttft_s_target`` to 2 s,
    ``prompt_tokens`` (the prompt one TTFT prefills) to the scenario's average context.
    ``objective``: ``cost`` (元 per 1M tokens), ``capex`` (亿元), ``cards`` (万张) or ``power``
    (MW).  ``server_price_wan`` maps accelerator names to a server price (万元) that replaces or
    supplies the catalog's.  The frontier is drawn for ``frontier_accelerator`` (default: the
    chosen one's, else the first).
    """
    import numpy as np

    base = scenario_inputs(scenario)
    name = getattr(scenario, "name", "") or ""
    objective = check_objective(objective)
    tpot = base["tpot_slo_s"] if tpot_s is None else as_float("tpot_s", tpot_s, POSITIVE)
    ttft = as_float("ttft_s", ttft_s_target, POSITIVE)
    prompt = base["context_tokens"] if prompt_tokens is None else as_float("prompt_tokens", prompt_tokens, POSITIVE)
    hw = _hardware(cat.default().names() if accelerators is None and catalog is None
                   else (accelerators if accelerators is not None else catalog.names()),
                   precisions, catalog, server_price_wan)
    reps = _whole_numbers("replica_cards", replica_cards)
    bts = _whole_numbers("batches", batches)
    reps, eps = _layouts(base, reps, expert_parallel)
    figure, _unit, needs = OBJECTIVES[objective]
    # the rows worth evaluating: a peak at the precision and every figure the objective needs
    peak_ok = np.isfinite(hw.peak_tflops)  # (A, P)
    need_ok = np.ones(len(hw.accelerators), dtype=bool)
    for f in needs:
        need_ok &= np.isfinite(getattr(hw, f))
    qa, qp = np.nonzero(peak_ok & need_ok[:, None])  # rows in axis order (accelerator, precision)
    v = _evaluate_rows(base, hw, qa, qp, reps, bts, prompt, (figure,), eps)
    obj = v[figure]

    fits = v["memory_headroom_gb"] >= 0
    fast = v["decode_step_s"] <= tpot
    prompt_ok = v["ttft_s"][..., :1] <= ttft  # TTFT does not depend on the batch: (rows, R, 1)
    fits_fast = fits & fast
    feasible = fits_fast & prompt_ok

    chosen, best = _choose(feasible, obj, v["decode_step_s"], qa, qp)
    configs = _configs(base, hw, reps, bts, prompt, ([chosen] if chosen else []) + best, eps)
    rejected, infeasible = _reasons(hw, reps, bts, v, base, tpot, ttft, objective, needs, fits, fits_fast,
                                    prompt_ok, feasible, qa, qp, eps)
    if frontier_accelerator is None:
        fa = chosen[0] if chosen is not None else 0
    else:
        try:
            fname = (catalog or cat.default()).get(frontier_accelerator).name
        except LookupError as e:
            raise InvalidInput(f"frontier_accelerator: {e}") from None
        if fname not in hw.accelerators:
            raise InvalidInput(f"frontier_accelerator must be one of the planned accelerators "
                               f"({', '.join(hw.accelerators)}), got {fmt_value(frontier_accelerator)}")
        fa = hw.accelerators.index(fname)
    if need_ok[fa]:  # its rows were evaluated
        rows = np.flatnonzero(qa == fa)
        f_prec, fv = qp[rows], {k: v[k][rows] for k in _FRONTIER}
        f_fits, f_feasible = (fits & prompt_ok)[rows], feasible[rows]
    else:  # an accelerator the objective cannot rank (no price, …): its rows for the frontier alone
        f_prec = np.flatnonzero(peak_ok[fa])
        fv = _evaluate_rows(base, hw, np.full(f_prec.size, fa), f_prec, reps, bts, prompt, (), eps)
        f_fits = (fv["memory_headroom_gb"] >= 0) & (fv["ttft_s"][..., :1] <= ttft)
        f_feasible = np.zeros(f_fits.shape, dtype=bool)  # nothing of it is feasible: the objective lacks a figure
    P, R, B = peak_ok.shape[1], len(reps), len(bts)
    return Plan(
        scenario=name, objective=objective, tpot_s=tpot, ttft_s=ttft, candidates=len(hw.accelerators) * P * R * B,
        chosen=configs[0] if chosen else None, best={c.accelerator: c for c in configs[1 if chosen else 0:]},
        rejected=tuple(rejected), infeasible=infeasible, frontier_accelerator=hw.accelerators[fa],
        frontier=_frontier(hw, reps, bts, fv, f_prec, f_fits, f_feasible, eps),
        prompt_tokens=None if prompt_tokens is None else prompt)


_FRONTIER = ("decode_tokens_per_s_per_card", "decode_step_s")  # what the frontier reads of the grid


def _choose(feasible, obj, step, qa, qp):
    """(index of the best feasible candidate, [index of the best per accelerator]); indices (a, p, r, b).

    Best = min objective; objectives within 1e-9 relative are ties, broken by the lower TPOT, then
    by the order of the axes.  The global choice is made again on the candidates within the
    tolerance of the overall minimum, not read off the per-accelerator ones (their tie sets
    differ).  Works on the feasible candidates only, in flat order over the evaluated rows
    (``qa``, ``qp``: accelerator and precision of each, in axis order, so accelerators are contiguous).
    """
    import numpy as np

    shape = obj.shape  # (rows, replicas, batches)
    idx = np.flatnonzero(feasible)
    if idx.size == 0:
        return None, []
    o = obj.reshape(-1)[idx]
    s = step.reshape(-1)[idx]
    # each accelerator's feasible candidates are one run of idx: bounds from its first row
    first_row = np.flatnonzero(np.concatenate(([True], qa[1:] != qa[:-1])))
    bounds = np.searchsorted(idx, np.append(first_row, qa.size) * (shape[1] * shape[2]))
    counts = np.diff(bounds)
    starts, counts = bounds[:-1][counts > 0], counts[counts > 0]
    m = np.minimum.reduceat(o, starts)
    st = np.where(o <= np.repeat(m * (1.0 + REL_TIE), counts), s, np.inf)  # TPOT of each accelerator's ties
    hit = np.flatnonzero(st == np.repeat(np.minimum.reduceat(st, starts), counts))
    first = hit[np.searchsorted(hit, starts)]  # the first such in axis order, per accelerator

    def full(i):  # (row, replica, batch) -> (accelerator, precision, replica, batch)
        q, r, b = (int(x) for x in np.unravel_index(int(i), shape))
        return int(qa[q]), int(qp[q]), r, b

    best = [full(i) for i in idx[first]]
    g = np.flatnonzero(o <= m.min() * (1.0 + REL_TIE))
    return full(idx[g[np.argmin(s[g])]]), best


def _finite(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _g(x) -> str:
    """A figure in a message: 4 significant digits, whole numbers from 1,000, thousands separated."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _ms(s) -> str:
    return f"{_g(s * 1000)} ms"


def _reasons(hw, reps, bts, v, base, tpot, ttft, objective, needs, fits, fits_fast, prompt_ok, feasible, qa, qp,
             eps=None):
    """Rejections (per family without a feasible candidate) and one reason per accelerator with none.

    Reductions run vectorized over the batch axis; the loop is over families, not candidates.
    The arrays hold the evaluated rows (``qa``, ``qp``: accelerator and precision of each); the
    other accelerators lack a figure the objective needs, the other precisions a peak.
    """
    import numpy as np

    # The memory a batch needs and the step time never decrease with the batch (a tested property
    # of xlsizing.beyond), so "some batch fits / is fast enough / is feasible" is decided at the
    # smallest batch, and the best TPOT among fitting batches is the smallest batch's: the
    # reductions over the batch axis are reads of one (rows, R) slice, then plain lists.
    b_small = int(np.argmin(bts))
    fam = feasible[..., b_small]
    row_ok = fam.any(axis=1).tolist()
    fam = fam.tolist()
    any_fit = fits[..., b_small].tolist()
    fit_fast = fits_fast[..., b_small].tolist()
    any_prompt = prompt_ok[..., 0].tolist()
    best_step = v["decode_step_s"][..., b_small].tolist()
    ttft_r = v["ttft_s"][..., 0].tolist()
    w = v["weights_gb"][..., 0].tolist()
    short_small = (-v["memory_headroom_gb"][..., b_small]).tolist()
    row_of = {(a, p): q for q, (a, p) in enumerate(zip(qa.tolist(), qp.tolist()))}
    mem_gb = hw.memory_gb.tolist()
    peak_ok = np.isfinite(hw.peak_tflops).tolist()
    ctx, usable_f = base["context_tokens"], base["usable_fraction"]

    lacks_opt = [[f for f, x in hw.optional.items() if not math.isfinite(float(x[a]))]
                 for a in range(len(hw.accelerators))]

    def family(a, q, r):
        """(how far the family got: 2 weights, 3 KV, 4 TTFT and TPOT, 5 one of them; the reason, unworded)."""
        n, mem = reps[r], mem_gb[a]
        if n > 1 and lacks_opt[a]:
            return 1, (str, f"no {' or '.join(lacks_opt[a])} in the catalog, needed for a replica of several cards")
        usable, wg = n * mem * usable_f, w[q][r]
        if wg > usable:
            return 2, (_why_weights, wg, usable, n, mem, usable_f)
        if not any_fit[q][r]:
            return 3, (_why_kv, bts[b_small], ctx, short_small[q][r])
        slow_prompt = None if any_prompt[q][r] else ttft_r[q][r]
        slow_step = None if fit_fast[q][r] else (best_step[q][r], bts[b_small])
        return (4 if slow_prompt is not None and slow_step else 5), (_why_slow, slow_prompt, ttft, tpot, slow_step)

    rejected, infeasible = [], {}
    for a, acc in enumerate(hw.accelerators):
        closest = (-1, 0, 0)  # (stage, replica, -position) of the family that came closest
        lacks = [_NEEDED_NAMES[f] for f in needs if not math.isfinite(float(getattr(hw, f)[a]))]
        if lacks:
            how = (f"give one: --price '{acc}=万元' on the command line, server_price_wan in Python, or a catalog "
                   f"file" if "server price" in lacks else "add it in a catalog file")
            why = f"no {' or '.join(lacks)} in the catalog, needed for the {objective} objective ({how})"
            rejected.append(Rejection(acc, "", 0, (str, why)))
            infeasible[acc] = why
            continue
        none_ok = True
        for p, prec in enumerate(hw.precisions):
            if not peak_ok[a][p]:
                rejected.append(Rejection(acc, prec, 0, (str, f"no {prec} peak in the catalog")))
                closest = max(closest, (0, 0, -len(rejected)))
                continue
            q = row_of[(a, p)]
            if row_ok[q]:
                none_ok = False
            for r, n in enumerate(reps):
                if fam[q][r]:
                    continue
                stage, why = family(a, q, r)
                rejected.append(Rejection(acc, prec, n, why, int(eps[r]) if eps is not None else 0))
                closest = max(closest, (stage, n, -len(rejected)))
        if none_ok:
            c = rejected[-closest[2] - 1]
            infeasible[acc] = (f"no configuration meets the targets; closest: {c.precision} ×{c.replica_cards}"
                               f"{' EP' if c.expert_parallel else ''}: {c.reason}" if closest[0] > 0 else c.reason)
            if lacks_opt[a] and c.replica_cards == 1 and any(n > 1 for n in reps):
                infeasible[acc] += (f"; replicas of several cards: no {' or '.join(lacks_opt[a])} in the catalog "
                                    f"(add it in a catalog file)")
    return rejected, infeasible


_NEEDED_NAMES = {"server_price_wan": "server price", "tdp_w": "TDP (tdp_w)"}


def _why_weights(wg, usable, n, mem, usable_f) -> str:
    return f"weights {_g(wg)} GB do not fit in {_g(usable)} GB ({n} × {_g(mem)} GB × {_g(usable_f)})"


def _why_kv(batch, ctx, short) -> str:
    return f"weights fit but the KV cache of batch {batch} at {_g(ctx)} tokens does not: {_g(short)} GB short"


def _why_slow(slow_prompt, ttft, tpot, slow_step) -> str:
    parts = []
    if slow_prompt is not None:
        parts.append(f"TTFT {_g(slow_prompt)} s over the {_g(ttft)} s target")
    if slow_step:
        parts.append(f"TPOT over {_ms(tpot)} at every batch that fits (best {_ms(slow_step[0])} at batch "
                     f"{slow_step[1]})")
    return "; ".join(parts)


def _frontier(hw, reps, bts, v, prec, fits_a, feasible_a, eps=None) -> tuple[FrontierPoint, ...]:
    """Pareto frontier of one accelerator: tokens/s per card against tokens/s per user, fitting candidates.

    ``v``, ``fits_a`` and ``feasible_a`` hold its rows (precisions ``prec``, in axis order) × replicas × batches.
    """
    import numpy as np

    if len(prec) == 0:
        return ()
    card_all = v["decode_tokens_per_s_per_card"].reshape(-1)
    idx = np.flatnonzero(fits_a.reshape(-1) & np.isfinite(card_all))  # fits, meets TTFT, has the peak
    if idx.size == 0:
        return ()
    card = card_all[idx]
    user = tokens_per_s_per_user.kernel(v["decode_step_s"].reshape(-1)[idx])
    # faster per user first; keep what is denser per card than every faster point (beyond float
    # noise: compute-bound batches tie), then drop a point whose next kept one is as fast per user
    order = np.argsort(-user, kind="stable")
    c = card[order]
    keep = order[c > np.concatenate(([-np.inf], np.maximum.accumulate(c)[:-1])) * (1.0 + REL_TIE)]
    ku = user[keep]
    keep = keep[np.append(ku[1:] != ku[:-1], True)][::-1]  # slowest per user first
    at = idx[keep]
    qs, rs, bs = np.unravel_index(at, (len(prec), len(reps), len(bts)))
    # columns gathered by numpy, one tuple per point (no per-point Python arithmetic)
    cols = (np.array(hw.precisions, dtype=object)[np.asarray(prec)[qs]].tolist(), np.asarray(reps)[rs].tolist(),
            np.asarray(bts)[bs].tolist(), user[keep].tolist(), card[keep].tolist(),
            feasible_a.reshape(-1)[at].tolist(),
            np.asarray(eps)[rs].tolist() if eps is not None else [0] * at.size)
    return tuple(map(FrontierPoint._make, zip(*cols)))


def plan_scenarios(scenarios: Sequence, **options) -> list[Plan]:
    """:func:`plan` for each scenario (the same options for all)."""
    return [plan(s, **options) for s in scenarios]


def beyond_default(scenario, catalog=None) -> Config:
    """The Beyond sheet's own configuration of ``scenario`` (H20 unless its inputs say otherwise), as a :class:`Config`.

    Its figures come from the sheets' evaluator, so a test can compare the planner's choice with
    what the sheet shows.  The accelerator is named H20 and the precision found from the H20's
    catalog peaks (the sheet holds figures, not a name; ``custom`` when they match none).
    """
    from . import sheets
    from .scenarios import Scenario, scenario_values

    out = sheets.evaluate_column(scenario_values(scenario) if isinstance(scenario, Scenario) else dict(scenario))
    h20 = cat.get("H20", catalog)
    prec = next((p for p in ("bf16", "fp8") if h20.peak_tflops(p) == out["peak_tflops"]
                 and cat.bytes_per_weight(p) == out["bytes_per_weight"]), "custom")
    return Config(
        "H20", prec, int(out["replica_cards"]), int(out["batch"]),
        weights_gb=out["weights_gb"], kv_bytes_per_token=out["kv_bytes_per_token"],
        memory_headroom_gb=out["memory_headroom_gb"], decode_step_s=out["decode_step_s"],
        ttft_s=ttft_of(out),
        tokens_per_s_per_user=tokens_per_s_per_user(out["decode_step_s"]),
        decode_tokens_per_s_per_card=out["decode_tokens_per_s_per_card"],
        prefill_cards_wan=out["prefill_cards_wan"], decode_cards_wan=out["decode_cards_wan"],
        fleet_cards_wan=out["fleet_cards_wan"], servers_whole_wan=out["servers_whole_wan"],
        fleet_capex_yi=out["fleet_capex_yi"], fleet_power_mw=out["fleet_power_mw"],
        cost_per_mtok_yuan=out["cost_per_mtok_yuan"], feasible=bool(out["decode_feasible"] == 1.0),
        inputs={k: out[k] for k in hardware_keys()})


# --- text, CSV and JSON: what `xlsizing plan` prints ---------------------------------------------

_TABLE = (  # (heading, figure, format) of the per-accelerator table
    ("cards", "cards", "{:,.0f}"), ("servers", "servers", "{:,.0f}"), ("capex 亿元", "fleet_capex_yi", "{:,.2f}"),
    ("power MW", "fleet_power_mw", "{:,.1f}"), ("元/1M tok", "cost_per_mtok_yuan", "{:.4f}"),
    ("TPOT ms", "tpot_ms", "{:.1f}"), ("TTFT s", "ttft_s", "{:.2f}"), ("tok/s/card", "decode_tokens_per_s_per_card",
                                                                       "{:,.0f}"),
)


def _cell(c: Config, fig: str, fmt: str) -> str:
    x = c.decode_step_s * 1000 if fig == "tpot_ms" else getattr(c, fig)
    return "n/a" if x is None else fmt.format(x)


def render_text(plans: Sequence[Plan], frontier: bool = True) -> str:
    """The plans as aligned text: the choice with its figures, the best per accelerator, reasons, the frontier."""
    from .render import pad, width

    out = []
    for p in plans:
        unit = OBJECTIVES[p.objective][1]
        out.append(f"Plan: {p.scenario} — minimise {p.objective} ({unit}); TPOT ≤ {_g(p.tpot_s * 1000)} ms, "
                   f"TTFT ≤ {_g(p.ttft_s)} s; {p.candidates:,} candidates")
        c = p.chosen
        if c is None:
            out.append("  no configuration meets the targets:")
        else:
            out.append(f"  chosen: {c.label}")
            out.append(f"    cards {c.cards:,.0f} · servers {c.servers:,.0f} · capex "
                       f"{_cell(c, 'fleet_capex_yi', '{:,.2f} 亿元')} · power {_cell(c, 'fleet_power_mw', '{:,.1f} MW')}"
                       f" · cost {_cell(c, 'cost_per_mtok_yuan', '{:.4f} 元 per 1M tokens')}")
            out.append(f"    TPOT {c.decode_step_s * 1000:.1f} ms ({c.tokens_per_s_per_user:,.1f} tokens/s per user) · "
                       f"TTFT {c.ttft_s:.2f} s · {c.decode_tokens_per_s_per_card:,.0f} decode tokens/s per card")
        if p.best:
            rows = [["accelerator", "configuration", *[h for h, _f, _x in _TABLE]]]
            for a, b in p.best.items():
                rows.append([a + (" *" if c is not None and a == c.accelerator else ""),
                             f"{b.precision.upper()} ×{b.replica_cards}{' EP' if b.expert_parallel else ''} "
                             f"batch {b.batch}",
                             *[_cell(b, f, fmt) for _h, f, fmt in _TABLE]])
            ws = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
            out.append("  best per accelerator (* chosen):")
            out += ["    " + "  ".join(pad(x, ws[i], i >= 2) for i, x in enumerate(r)).rstrip() for r in rows]
        if p.infeasible:
            out.append("  no feasible configuration:")
            out += [f"    {a}: {r}" for a, r in p.infeasible.items()]
        if frontier and p.frontier:
            out.append(f"  frontier on {p.frontier_accelerator} (tokens/s per user → decode tokens/s per card; "
                       f"* meets the targets):")
            out += [f"    {f.tokens_per_s_per_user:8.1f} → {f.decode_tokens_per_s_per_card:8.1f}  "
                    f"{f.precision.upper()} ×{f.replica_cards}{' EP' if f.expert_parallel else ''} batch {f.batch}"
                    f"{' *' if f.meets_targets else ''}"
                    for f in p.frontier]
        out.append("")
    return "\n".join(out)


CSV_FIELDS = ("scenario", "role", "accelerator", "precision", "replica_cards", "expert_parallel", "batch", *FIGURES,
              "reason")


def records(plans: Sequence[Plan]) -> list[dict]:
    """One record per scenario × accelerator: ``role`` = chosen, best or infeasible (with its reason)."""
    out = []
    for p in plans:
        for a, b in p.best.items():
            role = "chosen" if p.chosen is not None and a == p.chosen.accelerator else "best"
            d = asdict(b)
            out.append({"scenario": p.scenario, "role": role, **{k: d[k] for k in CSV_FIELDS[2:-1]}, "reason": ""})
        for a, r in p.infeasible.items():
            out.append({"scenario": p.scenario, "role": "infeasible", "accelerator": a, "reason": r})
    return out


def render_csv(plans: Sequence[Plan]) -> str:
    """:func:`records` as CSV, full precision (``repr`` of each float), empty where a figure is missing."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in records(plans):
        w.writerow({k: ("" if r.get(k) is None else repr(r[k]) if isinstance(r.get(k), float) else r.get(k, ""))
                    for k in CSV_FIELDS})
    return buf.getvalue()


def render_json(plans: Sequence[Plan]) -> str:
    """Every plan as JSON (:meth:`Plan.as_dict`), full precision."""
    import json

    return json.dumps([p.as_dict() for p in plans], ensure_ascii=False, indent=1) + "\n"


RENDERERS = {"text": render_text, "csv": render_csv, "json": render_json}


def report(scenarios: Sequence, format: str = "text", progress=None, **options) -> str:
    """:func:`plan` for each scenario, rendered as ``text``, ``csv`` or ``json``: what ``xlsizing plan`` prints.

    ``progress``: called with 1 after each scenario (a progress bar's ``advance``), or None.
    """
    if format not in RENDERERS:
        raise InvalidInput(f"format must be one of {', '.join(RENDERERS)}, got {fmt_value(format)}")
    plans = []
    for s in scenarios:
        plans.append(plan(s, **options))
        if progress is not None:
            progress(1)
    return RENDERERS[format](plans)


# --- the worked example of docs/planner.md (generated, never typed) --------------------------------


def example_markdown() -> str:
    """Markdown tables of docs/planner.md: the report's scenarios planned on H20 and across the catalog."""
    from .economics import CARD_SHARE, USD_CNY
    from .scenarios import load_builtin, scenario_values
    from .sheets import evaluate_column

    scen = load_builtin("figure11")
    lines = ["The report's scenarios on H20 (its compute-only answer; the Beyond sheet's own configuration, "
             "BF16 × 8 cards, batch 64; the planner's cheapest configuration, objective cost per 1M tokens):", "",
             "| scenario | report: cards (万张) | report: capex (亿元) | Beyond sheet: cards (万张) | planned on H20 "
             "| cards (万张) | ÷ report | capex (亿元) | 元 per 1M tokens | TPOT (ms) | TTFT (s) |",
             "|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|"]
    for s in scen:
        v = evaluate_column(scenario_values(s))
        c = plan(s, accelerators=["H20"]).chosen
        lines.append(f"| {s.name} / {s.name_en} | {v['cards_wan']:,.2f} | {v['capex_yi']:,.2f} | "
                     f"{v['fleet_cards_wan']:,.2f} | {c.precision.upper()} ×{c.replica_cards}, batch {c.batch} | "
                     f"{c.fleet_cards_wan:,.2f} | {c.fleet_cards_wan / v['cards_wan']:.2f}× | {c.fleet_capex_yi:,.2f} | "
                     f"{c.cost_per_mtok_yuan:.4f} | {c.decode_step_s * 1000:.1f} | {c.ttft_s:.2f} |")
    s = scen[1]
    c = cat.default()
    lines += ["", f"Across the catalog for {s.name} / {s.name_en}: the best configuration of each accelerator, "
                  "objective cost per 1M tokens, ranked (server prices from the catalog: a USD price at "
                  f"{USD_CNY:g} 元 per USD, a card price × cards per server ÷ {CARD_SHARE:.0%}; "
                  "~ estimated, ? disputed):", "",
              "| rank | accelerator | configuration | server price (万元) | price as published | cards (万张) "
              "| capex (亿元) | power (MW) | 元 per 1M tokens | TPOT (ms) | TTFT (s) |",
              "|--:|---|---|--:|---|--:|--:|--:|--:|--:|--:|"]
    p = plan(s)
    for rank, (a, b) in enumerate(sorted(p.best.items(), key=lambda x: x[1].cost_per_mtok_yuan), 1):
        pr = c.get(a).price
        mark = ("~" if pr.estimated else "") + ("?" if pr.disputed else "")
        lines.append(f"| {rank} | {a}{' (chosen)' if a == p.chosen.accelerator else ''} | {b.precision.upper()} "
                     f"×{b.replica_cards}, batch {b.batch} | {b.inputs['fleet_server_price_wan']:,.1f}{mark} | "
                     f"{pr.amount:,g} {pr.unit} per {pr.per} ({pr.date}) | {b.fleet_cards_wan:,.2f} | "
                     f"{b.fleet_capex_yi:,.2f} | {b.fleet_power_mw:,.1f} | {b.cost_per_mtok_yuan:.4f} | "
                     f"{b.decode_step_s * 1000:.1f} | {b.ttft_s:.2f} |")
    for a, why in p.infeasible.items():
        lines.append(f"| | {a} | none: {why} | | | | | | | | |")
    by = {o: plan(s, objective=o).chosen for o in ("capex", "cards", "power")}
    lines += ["", f"By capex the choice is {by['capex'].label} ({by['capex'].fleet_capex_yi:,.2f} 亿元); by cards "
                  f"{by['cards'].label} ({by['cards'].fleet_cards_wan:,.2f} 万张, priced or not); by power "
                  f"{by['power'].label} ({by['power'].fleet_power_mw:,.1f} MW)."]
    return "\n".join(lines) + "\n"
