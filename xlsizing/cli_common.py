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


