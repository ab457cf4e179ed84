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
    p.add_argument("--model", metavar="NAME_OR_FILE",
                   help="the model's shape from a Hugging Face config.json: a shipped name (Llama-2-13B, "
                        "Llama-3-70B, Mixtral-8x7B, Qwen2.5-72B, DeepSeek-V3) or a local file; sets parameters, "
                        "layers, KV heads, MoE fields (a scenario file's own values and --input win)")
    p.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                   help="set an input of the Beyond sheet for every scenario, e.g. --input batch=32 (repeatable); "
                        "it overrides the scenario file, whose own Beyond inputs override --accelerator/--precision; "
                        "fleet_server_price_wan and fleet_cards_per_server (or server_price_wan and "
                        "cards_per_server) set the sized accelerator's server; the report's capex stays the report's")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format (default: text)")


# The sized accelerator's server: the catalog's server figures (Figure 11's keys) go to the Beyond
# sheet's own server inputs, so its capex is never priced at the report's H20 server and the
# report's capex row stays the report's; --input takes either name
SERVER_KEYS = {"server_price_wan": "fleet_server_price_wan", "cards_per_server": "fleet_cards_per_server"}


def _how_to_give(key: str) -> str:
    """What a missing-figure error of ``xlsizing beyond`` advises for the input ``key``."""
    where = "" if key in SERVER_KEYS else ", in the scenario file"
    return f"give it with --input {SERVER_KEYS.get(key, key)}=VALUE{where} or in a --catalog file"


@command("beyond", "size scenarios bandwidth-aware (prefill + decode roofline) next to the report's compute-only cards",
         "xlsizing beyond                                  # the report's scenarios on H20, BF16\n"
         "  xlsizing beyond --precision fp8 --input batch=32\n"
         "  xlsizing beyond my.toml --accelerator H200 --format csv\n"
         "  xlsizing beyond --model DeepSeek-V3 --precision fp8 --input replica_cards=16 --input batch=256")(_setup_beyond)
def cmd_beyond(args) -> int:
    from .catalog import load, preset_inputs, server_inputs
    from .render import RENDERERS
    from .scenarios import with_inputs
    from .sheets import BEYOND

    given = parse_inputs(args.input)
    for old, own in SERVER_KEYS.items():  # --input server_price_wan=…: the sized accelerator's server
        if old in given:
            given.setdefault(own, given.pop(old))
    scenarios = planned(args)
    preset, missing = {}, {}
    if args.accelerator or args.precision or args.catalog:  # else the sheet's own inputs (Figure 11's peak)
        cat, name = load(*args.catalog), args.accelerator or "H20"
        preset = preset_inputs(name, args.precision or "bf16", catalog=cat, missing=missing, how=_how_to_give)
        if args.accelerator or args.catalog:
            server = server_inputs(name, cat, missing, _how_to_give)
            preset.update({SERVER_KEYS[k]: v for k, v in server.items()})
    for key, error in missing.items():  # a figure the entry lacks: given otherwise, or an error
        key = SERVER_KEYS.get(key, key)
        if key not in given and not all(key in s.extra for s in scenarios):
            raise error
    if args.model:
        from .hfconfig import load as load_model

        preset = {**preset, **load_model(args.model).beyond_inputs()}
    scenarios = with_inputs(scenarios, preset, given)
    from .limits import check_results

    check_results(scenarios)  # results in range with these inputs: one Error: line naming the row
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
