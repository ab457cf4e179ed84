"""Workbook commands of the ``xlsizing`` CLI: init, build, batch, fill, verify, pdf.

Each command parses, calls one library function, prints.  Outputs are written atomically and an
existing file is only replaced with ``--force``; exit codes: 0 ok, 1 verification mismatch,
2 bad input (see :mod:`xlsizing.cli`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli_common import EXIT_MISMATCH, EXIT_OK, add_grid_args, add_scenario_args, command, planned, scenarios_of
from .errors import XlsizingError


def _out(p, default: str):
    p.add_argument("-o", "--output", metavar="FILE", help=f"output file (default: {default})")
    p.add_argument("--force", action="store_true", help="replace the output if it exists")


def _default_name(args, suffix: str) -> str:
    files = getattr(args, "scenario_files", None)
    return Path(files[0]).stem + suffix if files else f"{args.set}{suffix}"


def _verify(paths) -> int:
    """Recalculate in LibreOffice (one call for all) and print each report; 1 on any mismatch."""
    from .verify import verify_workbooks

    # one LibreOffice run for all: allow it time in proportion (0.1-0.4 s a workbook when idle)
    reports = verify_workbooks(paths, timeout=max(300.0, 60.0 + 2.0 * len(paths)))
    bad = [r for r in reports if not r.ok]
    for r in reports:
        print(r.summary(), file=sys.stdout if r.ok else sys.stderr)
    if bad:
        print(f"Error: {len(bad)} of {len(reports)} workbooks differ from the engine (cells listed above)",
              file=sys.stderr)
    return EXIT_MISMATCH if bad else EXIT_OK


# --- init ------------------------------------------------------------------------------------


def _setup_init(p):
    p.add_argument("output", nargs="?", default="scenarios.toml", metavar="FILE",
                   help="where to write it (default: scenarios.toml)")
    p.add_argument("--set", default="starter", help="starter (commented, every key with its unit; default) "
                                                    "or figure11 (the report's four columns)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")


@command("init", "write a commented scenario file to edit (every key, its unit and allowed values)",
         "xlsizing init my.toml && xlsizing table my.toml")(_setup_init)
def cmd_init(args) -> int:
    from .scenarios import write_builtin

    print(f"wrote {write_builtin(args.output, args.set, force=args.force)}")
    return EXIT_OK


# --- build -----------------------------------------------------------------------------------


def _setup_build(p):
    add_scenario_args(p)
    _out(p, "figure11.xlsx, or the first scenario file's name with .xlsx")
    p.add_argument("--verify", action="store_true", help="then recalculate it in LibreOffice and compare")
    p.add_argument("--plan", action="store_true",
                   help="add the Plan sheet: the cheapest configuration per scenario (xlsizing plan's defaults)")


@command("build", "write one workbook with a column per scenario (no arguments: the Figure 11 workbook)",
         "xlsizing build                                 # writes figure11.xlsx\n"
         "  xlsizing build my.toml -o my.xlsx --force")(_setup_build)
def cmd_build(args) -> int:
    from .workbook import write_workbook

    if args.plan:
        from .plan_workbook import write_planned as write_workbook
    path = write_workbook(scenarios_of(args), args.output or _default_name(args, ".xlsx"), force=args.force)
    print(f"wrote {path}")
    return _verify([path]) if args.verify else EXIT_OK


# --- batch -----------------------------------------------------------------------------------


def _setup_batch(p):
    add_scenario_args(p)
    add_grid_args(p)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--outdir", metavar="DIR", help="one workbook per scenario in DIR (created if needed)")
    where.add_argument("--one-workbook", metavar="FILE", help="one workbook with a column per scenario")
    p.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--force", action="store_true", help="replace existing workbooks")
    p.add_argument("--verify", action="store_true", help="then verify every workbook in one LibreOffice run")


@command("batch", "write many scenarios (a grid, a CSV, TOML files) into many workbooks or one, in parallel",
         "xlsizing batch --base 2024年末 --grid mfu=0.3,0.4,0.5 --grid peak_multiplier=3:6:1 --outdir sweep\n"
         "  xlsizing batch scenarios.csv --one-workbook all.xlsx")(_setup_batch)
def cmd_batch(args) -> int:
    from . import batch

    scenarios = planned(args)
    if args.one_workbook:
        return _write_one_workbook(scenarios, args)
    result = batch.write_many(scenarios, args.outdir, force=args.force, jobs=args.jobs,
                              progress=batch.progress_stream())
    for line in result.failure_lines():
        print(line, file=sys.stderr)
    print(f"{result.summary()} -> {args.outdir}")
    if not result.ok:
        raise XlsizingError(f"{len(result.failed)} of {len(scenarios)} workbooks failed (listed above); "
                            f"{len(result.written)} written")
    return _verify(result.written) if args.verify else EXIT_OK


def _write_one_workbook(scenarios, args) -> int:
    from .workbook import write_workbook

    path = write_workbook(scenarios, args.one_workbook, force=args.force)
    print(f"wrote {path} ({len(scenarios)} scenario columns)")
    return _verify([path]) if args.verify else EXIT_OK


# --- fill ------------------------------------------------------------------------------------


def _setup_fill(p):
    p.add_argument("template", metavar="TEMPLATE.xlsx", help="your copy of the template (found by defined names)")
    add_scenario_args(p)
    _out(p, "TEMPLATE-filled.xlsx")


@command("fill", "fill your own copy of the template by its defined names, keeping its formatting",
         "xlsizing fill my-template.xlsx my.toml -o my-filled.xlsx")(_setup_fill)
def cmd_fill(args) -> int:
    from .fill import fill_workbook

    out = args.output or Path(args.template).stem + "-filled.xlsx"
    path = fill_workbook(args.template, scenarios_of(args), out, force=args.force)
    print(f"wrote {path}")
    return EXIT_OK


# --- verify ----------------------------------------------------------------------------------


def _setup_verify(p):
    p.add_argument("workbooks", nargs="+", metavar="WORKBOOK.xlsx", help="workbooks written by xlsizing")


@command("verify", "recalculate workbooks in LibreOffice and compare every cell with the engine",
         "xlsizing verify figure11.xlsx          # exit 0 if they agree, 1 with the differing cells")(_setup_verify)
def cmd_verify(args) -> int:
    return _verify(args.workbooks)


# --- pdf -------------------------------------------------------------------------------------


def _setup_pdf(p):
    p.add_argument("workbook", metavar="WORKBOOK.xlsx", help="the workbook to render")
    _out(p, "WORKBOOK.pdf in the current folder")


@command("pdf", "render a workbook to PDF with LibreOffice (Chinese labels included) for emailing",
         "xlsizing pdf figure11.xlsx -o figure11.pdf")(_setup_pdf)
def cmd_pdf(args) -> int:
    from .recalc import export_pdf

    path = export_pdf(args.workbook, args.output or Path(args.workbook).stem + ".pdf", force=args.force)
    print(f"wrote {path}")
    return EXIT_OK
