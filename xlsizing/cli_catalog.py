"""The ``catalog`` command of the ``xlsizing`` CLI: list the accelerators, or show one with sources.

Parses, calls :mod:`xlsizing.catalog`, prints.  ``--file`` adds or overrides entries from the
user's own TOML file(s) (same format as the shipped ``xlsizing/data/accelerators.toml``).
"""

from __future__ import annotations

import sys

from .cli import EXIT_OK, command
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
    from .cli import _add_scenario_args

    _add_scenario_args(p)
    p.add_argument("--accelerator", default="H20", help="catalog accelerator (default: H20)")
    p.add_argument("--precision", default="bf16", help="bf16 (default), fp16, fp8, int8 or fp4")
    p.add_argument("--catalog", action="append", default=[], metavar="FILE.toml", help="user catalog file")
    p.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                   help="set an input of the Beyond sheet for every scenario, e.g. --input batch=32 (repeatable); "
                        "it overrides the scenario file, whose own Beyond inputs override --accelerator/--precision")


@command("beyond", "size scenarios bandwidth-aware (prefill + decode roofline) next to the report's compute-only cards",
         "xlsizing beyond                                  # the report's scenarios on H20, BF16\n"
         "  xlsizing beyond --precision fp8 --input batch=32\n"
         "  xlsizing beyond my.toml --accelerator H200")(_setup_beyond)
def cmd_beyond(args) -> int:
    from .catalog import load
    from .cli import _scenarios
    from .layout_beyond import precision_overrides, render_text

    one_byte_kv = args.precision.lower() in ("fp8", "int8", "fp4")  # the KV cache follows the precision
    catalog_inputs = precision_overrides(args.accelerator, args.precision, 1.0 if one_byte_kv else None,
                                         catalog=load(*args.catalog))
    scenarios = _scenarios(args)
    # a scenario file's own Beyond inputs beat the catalog's figures; --input beats both
    overrides = {k: [s.beyond.get(k, v) for s in scenarios] for k, v in catalog_inputs.items()}
    for item in args.input:
        key, eq, value = item.partition("=")
        try:
            overrides[key.strip()] = float(value)
        except ValueError:
            raise InvalidInput(f"--input must be KEY=NUMBER, got {item!r}") from None
    from .limits import check_results

    check_results(scenarios, overrides)  # results in range (one Error: line), with these overrides
    sys.stdout.write(render_text(scenarios, overrides))
    return EXIT_OK
