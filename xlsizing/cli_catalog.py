"""The ``catalog`` command of the ``xlsizing`` CLI: list the accelerators, or show one with sources.

Parses, calls :mod:`xlsizing.catalog`, prints.  ``--file`` adds or overrides entries from the
user's own TOML file(s) (same format as the shipped ``xlsizing/data/accelerators.toml``).
"""

from __future__ import annotations

import sys

from .cli_common import EXIT_OK, add_grid_args, add_scenario_args, command, planned
from .errors import InvalidInput


def _setup_catalog(p):
    p.add_argument("words", nargs="*", metavar="list | show NAME | NAME",
                   help="'list' (the default) or 'show NAME'; a bare NAME shows that entry")
    p.add_argument("--file", action="append", default=[], metavar="FILE.toml",
                   help="user catalog file adding or overriding entries (repeatable)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


@command("catalog", "list the accelerator catalog, or show one entry with the source of every figure",
         "xlsizing catalog                     # every accelerator, dense peaks by precision\n"
         "  xlsizing catalog show h20          # one entry, each figure with its source\n"
         "  xlsizing catalog --file my.toml    # with your own entries")(_setup_catalog)
def cmd_catalog(args) -> int:
    from .catalog import as_json, load, render_list, render_show

    w = args.words
    if len(w) > 2 or (len(w) == 2 and w[0] != "show") or w == ["show"]:
        raise InvalidInput(f"catalog takes 'list', 'show NAME' or a NAME, got {' '.join(w)!r}")
    name = None if w in ([], ["list"]) else w[-1]
    cat = load(*args.file)
    if args.format == "json":
        sys.stdout.write(as_json(cat, name))
    else:
        sys.stdout.write(render_list(cat) if name is None else render_show(cat.get(name)))
    return EXIT_OK


# --- beyond: the report's scenarios sized bandwidth-aware -----------------------------------------


def _setup_beyond(p):
    add_scenario_args(p)
    add_grid_args(p)
    p.add_argument("--accelerator", help="catalog accelerator (default: the sheet's own inputs, the report's H20; "
                                         "its peak follows Figure 11's card peak)")
    p.add_argument("--precision", help="bf16 (default with --accelerator), fp16, fp8, int8 or fp4")
    p.add_argument("--catalog", action="append", default=[], metavar="FILE.toml", help="user catalog file")
    p.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                   help="set an input of the Beyond sheet for every scenario, e.g. --input batch=32 (repeatable); "
                        "it overrides the scenario file, whose own Beyond inputs override --accelerator/--precision")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format (default: text)")


@command("beyond", "size scenarios bandwidth-aware (prefill + decode roofline) next to the report's compute-only cards",
         "xlsizing beyond                                  # the report's scenarios on H20, BF16\n"
         "  xlsizing beyond --precision fp8 --input batch=32\n"
         "  xlsizing beyond my.toml --accelerator H200 --format csv")(_setup_beyond)
def cmd_beyond(args) -> int:
    from .catalog import load, preset_inputs
    from .render import RENDERERS
    from .scenarios import with_inputs
    from .sheets import BEYOND

    preset = {}
    if args.accelerator or args.precision:  # else the sheet's own inputs: its peak follows Figure 11's
        preset = preset_inputs(args.accelerator or "H20", args.precision or "bf16", catalog=load(*args.catalog))
    scenarios = with_inputs(planned(args), preset, parse_inputs(args.input))
    sys.stdout.write(RENDERERS[args.format](scenarios, [BEYOND]))
    return EXIT_OK


def parse_inputs(items) -> dict[str, float]:
    """``["batch=32", ...]`` → ``{"batch": 32.0}``; InvalidInput for an item that is not KEY=NUMBER."""
    out = {}
    for item in items:
        key, eq, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise InvalidInput(f"--input must be KEY=NUMBER, got {item!r}") from None
    return out
