"""What every command of the command line shares: the registry, exit codes, scenario and grid options.

Each ``cli_*`` module imports this one and registers its commands with :func:`command`;
:mod:`xlsizing.cli` imports every ``cli_*`` module explicitly and builds the parser.
"""

from __future__ import annotations

from typing import Callable

COMMANDS: dict[str, tuple[Callable, Callable]] = {}

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2


def command(name: str, help: str, example: str):
    """Register ``fn(args) -> int`` as a sub-command; ``setup(parser)`` adds its options."""

    def decorate(setup):
        def register(fn):
            COMMANDS[name] = (setup, fn, help, example)
            return fn

        return register

    return decorate


def loaded(args):
    """The scenarios of the files (or the built-in set), as read."""
    from .loading import load_any
    from .scenarios import load_builtin

    if getattr(args, "scenario_files", None):
        out = []
        for f in args.scenario_files:
            out.extend(load_any(f, encoding=getattr(args, "encoding", None)))
        return out
    return load_builtin(getattr(args, "set", "figure11") or "figure11")


def scenarios_of(args):
    """The scenarios of the files (or the built-in set), names unique, every result checked to be in range."""
    from .batch import check_unique_names
    from .limits import check_results

    out = loaded(args)
    check_unique_names(out)
    check_results(out)
    return out


def add_scenario_args(p):
    p.add_argument("scenario_files", nargs="*", metavar="SCENARIOS.toml",
                   help="scenario files (default: the report's Figure 11 scenarios)")
    p.add_argument("--set", default="figure11", help="built-in scenario set when no file is given (default: figure11)")
    p.add_argument("--encoding", metavar="NAME", help="encoding of CSV scenario files (default: detected: UTF-8 "
                                                      "with or without BOM, UTF-16, else GB18030/GBK)")


def add_grid_args(p):
    p.add_argument("--grid", action="append", default=[], metavar="KEY=VALUES",
                   help="sweep KEY over VALUES (list 0.3,0.4 and/or range START:STOP:STEP, STOP included; START:STOP of "
                        "whole numbers steps by 1); "
                        "repeat for a grid over several keys; applies to every base scenario")
    p.add_argument("--base", action="append", default=[], metavar="NAME",
                   help="use only the named scenario(s) as the base of the grid (default: all)")


def planned(args):
    """The scenarios of the files (or built-in set), filtered by --base, times the --grid."""
    from .batch import plan
    from .limits import check_results

    out = plan(loaded(args), args.grid, args.base)
    check_results(out)
    return out


# --- the planner's options: `plan`, and `build` / `batch` / `fill` with --plan ------------------

# (flag, dest) of the options that set how the planner searches: only meaningful with --plan
PLANNER_FLAGS = (("--accelerator", "accelerator"), ("--precision", "precision"), ("--replicas", "replicas"),
                 ("--batches", "batches"), ("--expert-parallel", "expert_parallel"), ("--tpot-ms", "tpot_ms"),
                 ("--ttft-ms", "ttft_ms"), ("--objective", "objective"), ("--frontier", "frontier"),
                 ("--price", "price"), ("--catalog", "catalog"))


def add_planner_args(p, title: str | None = None):
    """The planner's search options (one definition for ``plan`` and every ``--plan``).

    ``title``: put them in an argument group of that title (the workbook commands: "with --plan").
    """
    g = p.add_argument_group(title) if title else p
    g.add_argument("--accelerator", metavar="A,B,…", help="catalog accelerators to consider (default: the whole catalog)")
    g.add_argument("--precision", metavar="P,…", help="precisions (default: bf16,fp8)")
    g.add_argument("--replicas", metavar="N,…", help="cards per replica (default: 1,2,4,8)")
    g.add_argument("--batches", metavar="B,…", help="decode batch sizes (default: 1 to 1024, 20 sizes)")
    g.add_argument("--expert-parallel", metavar="0,1", help="MoE experts tensor-parallel (0) and/or expert-parallel "
                                                           "(1) (default for a MoE model: both; dense: the scenario's)")
    g.add_argument("--tpot-ms", type=float, metavar="MS", help="time-per-output-token target (default: the "
                                                               "scenario's TPOT SLO, 50 ms)")
    g.add_argument("--ttft-ms", type=float, metavar="MS", help="time-to-first-token target (default: 2000)")
    g.add_argument("--objective", help="cost (元 per 1M tokens, default), capex, cards or power")
    g.add_argument("--frontier", metavar="A", help="accelerator whose frontier is shown (default: the chosen one's)")
    g.add_argument("--price", action="append", default=[], metavar="NAME=WAN",
                   help="server price in 万元 for an accelerator the catalog has no price for, or to replace its price "
                        "(repeatable)")
    g.add_argument("--catalog", action="append", default=[], metavar="FILE.toml", help="user catalog file")


def _list(text):
    return None if text is None else [x.strip() for x in text.split(",") if x.strip()]


def planner_options(args, requires: str | None = None) -> dict:
    """The keyword arguments of :func:`xlsizing.planner.plan` that the options of :func:`add_planner_args` give.

    ``requires``: the option the planner options need (``"--plan"`` on the workbook commands); a
    planner option given without it is refused rather than silently ignored.
    """
    from .errors import InvalidInput

    if requires is not None and not getattr(args, requires.lstrip("-").replace("-", "_")):
        given = [flag for flag, dest in PLANNER_FLAGS if getattr(args, dest) not in (None, [])]
        if given:
            raise InvalidInput(f"{given[0]} sets how the Plan sheet is searched; it needs {requires}")
        return {}
    prices = {}
    for item in args.price:
        name, _eq, value = item.rpartition("=")
        try:
            prices[name.strip()] = float(value)
        except ValueError:
            raise InvalidInput(f"--price must be NAME=WAN (万元 per server), got {item!r}") from None
    options = {"server_price_wan": prices} if prices else {}
    if args.catalog:
        from .catalog import load

        options["catalog"] = load(*args.catalog)
    for key, value in (("accelerators", _list(args.accelerator)), ("precisions", _list(args.precision)),
                       ("replica_cards", _list(args.replicas)), ("batches", _list(args.batches)),
                       ("objective", args.objective), ("frontier_accelerator", args.frontier),
                       ("expert_parallel", _list(args.expert_parallel)),
                       ("tpot_s", None if args.tpot_ms is None else args.tpot_ms / 1000),
                       ("ttft_s_target", None if args.ttft_ms is None else args.ttft_ms / 1000)):
        if value is not None:
            options[key] = value
    return options
