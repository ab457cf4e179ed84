"""The ``plan`` command: the cheapest fleet that meets the latency targets, for each scenario.

Parses, calls :func:`xlsizing.planner.report`, prints.
"""

from __future__ import annotations

import sys

from .cli_common import EXIT_OK, add_grid_args, add_scenario_args, command, planned
from .errors import InvalidInput


def _list(text):
    return None if text is None else [x.strip() for x in text.split(",") if x.strip()]


def _setup_plan(p):
    add_scenario_args(p)
    add_grid_args(p)
    p.add_argument("--accelerator", metavar="A,B,…", help="catalog accelerators to consider (default: the whole catalog)")
    p.add_argument("--precision", metavar="P,…", default="bf16,fp8", help="precisions (default: bf16,fp8)")
    p.add_argument("--replicas", metavar="N,…", help="cards per replica (default: 1,2,4,8)")
    p.add_argument("--batches", metavar="B,…", help="decode batch sizes (default: 1 to 1024, 20 sizes)")
    p.add_argument("--expert-parallel", metavar="0,1", help="MoE experts tensor-parallel (0) and/or expert-parallel "
                                                           "(1) (default for a MoE model: both; dense: the scenario's)")
    p.add_argument("--tpot-ms", type=float, metavar="MS", help="time-per-output-token target (default: the "
                                                               "scenario's TPOT SLO, 50 ms)")
    p.add_argument("--ttft-ms", type=float, metavar="MS", help="time-to-first-token target (default: 2000)")
    p.add_argument("--objective", default="cost", help="cost (元 per 1M tokens, default), capex, cards or power")
    p.add_argument("--frontier", metavar="A", help="accelerator whose frontier is shown (default: the chosen one's)")
    p.add_argument("--price", action="append", default=[], metavar="NAME=WAN",
                   help="server price in 万元 for an accelerator the catalog has no price for, or to replace its price "
                        "(repeatable)")
    p.add_argument("--catalog", action="append", default=[], metavar="FILE.toml", help="user catalog file")
    p.add_argument("--model", metavar="NAME_OR_FILE",
                   help="the model's shape from a Hugging Face config.json (a shipped name such as DeepSeek-V3, or "
                        "a local file), for every scenario (a scenario file's own values and --input win)")
    p.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                   help="set an input of the sheets for every scenario, e.g. --input context_tokens=8192")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format (default: text)")


@command("plan", "find the cheapest accelerator, precision, replica and batch that meet TPOT and TTFT targets",
         "xlsizing plan                                   # the report's scenarios, the whole catalog\n"
         "  xlsizing plan --accelerator H20 --precision bf16,fp8 --tpot-ms 50\n"
         "  xlsizing plan my.toml --objective cards --format csv\n"
         "  xlsizing plan --model DeepSeek-V3 --precision fp8 --replicas 8,16 --objective cards")(_setup_plan)
def cmd_plan(args) -> int:
    from .batch import Progress, progress_stream
    from .catalog import load
    from .cli_catalog import parse_inputs
    from .planner import report
    from .scenarios import with_inputs

    prices = {}
    for item in args.price:
        name, _eq, value = item.rpartition("=")
        try:
            prices[name.strip()] = float(value)
        except ValueError:
            raise InvalidInput(f"--price must be NAME=WAN (万元 per server), got {item!r}") from None
    options = {"precisions": _list(args.precision), "objective": args.objective, "server_price_wan": prices,
               "catalog": load(*args.catalog) if args.catalog else None}
    for key, value in (("accelerators", _list(args.accelerator)), ("replica_cards", _list(args.replicas)),
                       ("batches", _list(args.batches)), ("frontier_accelerator", args.frontier),
                       ("expert_parallel", _list(args.expert_parallel)),
                       ("tpot_s", None if args.tpot_ms is None else args.tpot_ms / 1000),
                       ("ttft_s_target", None if args.ttft_ms is None else args.ttft_ms / 1000)):
        if value is not None:
            options[key] = value
    model = {}
    if args.model:
        from .hfconfig import load as load_model

        model = load_model(args.model).beyond_inputs()
    scenarios = with_inputs(planned(args), model, parse_inputs(args.input))
    stream = progress_stream() if len(scenarios) > 1 else None
    bar = Progress(len(scenarios), stream, "scenarios")
    try:
        text = report(scenarios, args.format, bar.advance if stream else None, **options)
    finally:
        bar.close()
    sys.stdout.write(text)
    return EXIT_OK
