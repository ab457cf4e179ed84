"""The ``catalog`` command of the ``xlsizing`` CLI: list the accelerators, or show one with sources.

Parses, calls :mod:`xlsizing.catalog`, prints.  ``--file`` adds or overrides entries from the
user's own TOML file(s) (same format as the shipped ``xlsizing/data/accelerators.toml``).
"""

from __future__ import annotations

import json
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
    from .catalog import describe, load, render_list

    words = list(args.words)
    if words[:1] == ["list"] and len(words) == 1 or not words:
        name = None
    elif words[0] == "show" and len(words) == 2:
        name = words[1]
    elif len(words) == 1:
        name = words[0]
    else:
        raise InvalidInput(f"catalog takes 'list', 'show NAME' or a NAME, got {' '.join(words)!r}")
    cat = load(*args.file)
    if name is None:
        out = (json.dumps([{"name": a.name, "vendor": a.vendor} | {k: f.value for k, f in a.figures.items()}
                           for a in cat], ensure_ascii=False, indent=1) + "\n"
               if args.format == "json" else render_list(cat))
    else:
        acc = cat.get(name)
        rows = describe(acc)
        if args.format == "json":
            out = json.dumps({"name": acc.name, "vendor": acc.vendor, "aliases": list(acc.aliases),
                              "figures": [dict(zip(("figure", "value", "flags", "source"), r)) for r in rows]},
                             ensure_ascii=False, indent=1) + "\n"
        else:
            out = f"{acc.title}" + (f" (also: {', '.join(acc.aliases)})" if acc.aliases else "") + "\n" + "".join(
                f"  {f:<17}{v}{('  [' + fl + ']') if fl else ''}\n      source: {s}\n" for f, v, fl, s in rows)
    sys.stdout.write(out)
    return EXIT_OK
