"""The ``plan`` command: the cheapest fleet that meets the latency targets, for each scenario.

Parses, calls :func:`xlsizing.planner.report`, prints.
"""

from __future__ import annotations

import sys

from .cli_common import EXIT_OK, add_grid_args, add_planner_args, add_scenario_args, command, planned, planner_options


def _setup_plan(p):
    add_scenario_args(p)
    add_grid_args(p)
    add_planner_args(p)
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
    from .cli_catalog import parse_inputs
    from .planner import report
    from .scenarios import with_inputs

    options = planner_options(args)
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
