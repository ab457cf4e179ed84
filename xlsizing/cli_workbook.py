"""Workbook commands of the ``xlsizing`` CLI: init, build, batch, fill, verify, pdf.

Each command parses, calls one library function, prints.  Outputs are written atomically and an
existing file is only replaced with ``--force``; exit codes: 0 ok, 1 verification mismatch,
2 bad input (see :mod:`xlsizing.cli`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli_common import (EXIT_MISMATCH, EXIT_OK, add_grid_args, add_planner_args, add_scenario_args, command, planned,
                         planner_options, scenarios_of)
from .errors import InvalidInput, WorkbookError, XlsizingError


def _out(p, default: str):
    p.add_argument("-o", "--output", metavar="FILE", help=f"output file (default: {default})")
    p.add_argument("--force", action="store_true", help="replace the output if it exists")


def _target(output, args, kind: str = "workbook", also=()):
    """``output`` once checked: the extension of ``kind``, and not one of the command's inputs."""
    from .outputs import check_target

    return check_target(output, [*(getattr(args, "scenario_files", None) or ()), *also], kind)


PLANNING = "planning (with --plan; as xlsizing plan)"


def _plan_args(p, help: str):
    p.add_argument("--plan", action="store_true", help=help)
    add_planner_args(p, PLANNING)


def _default_name(args, suffix: str) -> str:
    files = getattr(args, "scenario_files", None)
    return Path(files[0]).stem + suffix if files else f"{args.set}{suffix}"


def _verify(paths, engine: str = "libreoffice", timeout: float | None = None, jobs: int | None = None) -> int:
    """Recalculate in the engine(s), ``jobs`` processes at once, and print each report; 1 on any mismatch."""
    from .verify import verify_workbooks

    # timeout None: each engine call gets time in proportion to its workbooks (verify.default_timeout)
    reports = verify_workbooks(paths, engine=engine, timeout=timeout, jobs=jobs)
    bad = [r for r in reports if not r.ok]
    for r in reports:
        print(r.summary(), file=sys.stdout if r.ok else sys.stderr)
    if bad:
        what = "workbooks" if engine != "all" else "verifications (workbook × engine)"
        print(f"Error: {len(bad)} of {len(reports)} {what} differ from the engine (cells listed above)",
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

    _target(args.output, args, "scenario file")
    print(f"wrote {write_builtin(args.output, args.set, force=args.force)}")
    return EXIT_OK


# --- build -----------------------------------------------------------------------------------


def _setup_build(p):
    add_scenario_args(p)
    add_grid_args(p)
    _out(p, "figure11.xlsx, or the first scenario file's name with .xlsx")
    p.add_argument("--verify", action="store_true", help="then recalculate it in LibreOffice and compare")
    _plan_args(p, "add the Plan sheet: the cheapest configuration per scenario (options below, as xlsizing plan)")
    vba = p.add_mutually_exclusive_group()
    vba.add_argument("--vba-project", metavar="vbaProject.bin",
                     help="with -o NAME.xlsm: the VBA project (macros) to put in the workbook")
    vba.add_argument("--vba-from", metavar="MODEL.xlsm",
                     help="with -o NAME.xlsm: take the VBA project from this macro-enabled workbook")


@command("build", "write one workbook with a column per scenario (no arguments: the Figure 11 workbook)",
         "xlsizing build                                 # writes figure11.xlsx\n"
         "  xlsizing build my.toml -o my.xlsx --force\n"
         "  xlsizing build --base 保守 --grid mfu=0.3:0.6:0.1 -o mfu.xlsx   # a column per MFU\n"
         "  xlsizing build my.toml -o my.xlsm --vba-from old-model.xlsm   # keeps the imported macros")(_setup_build)
def cmd_build(args) -> int:
    from . import xlsm
    from .workbook import write_workbook

    out = _target(args.output or _default_name(args, ".xlsx"), args)
    options = planner_options(args, requires="--plan")
    scenarios = planned(args)
    if args.plan:
        if xlsm.is_macro_name(out) or args.vba_project or args.vba_from:
            raise InvalidInput("--plan writes an .xlsx workbook; it cannot be combined with .xlsm or a VBA project")
        from .plan_workbook import write_planned

        path = write_planned(scenarios, out, force=args.force, **options)
    elif xlsm.is_macro_name(out) or args.vba_project or args.vba_from:
        path = xlsm.write_workbook_xlsm(scenarios, out, force=args.force,
                                        vba_project=args.vba_project, vba_from=args.vba_from)
    else:
        path = write_workbook(scenarios, out, force=args.force)
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
    _plan_args(p, "add the Plan sheet to every workbook (--outdir) or to the one workbook (one search per scenario)")


@command("batch", "write many scenarios (a grid, a CSV, TOML files) into many workbooks or one, in parallel",
         "xlsizing batch --base 2024年末 --grid mfu=0.3,0.4,0.5 --grid peak_multiplier=3:6:1 --outdir sweep\n"
         "  xlsizing batch scenarios.csv --one-workbook all.xlsx")(_setup_batch)
def cmd_batch(args) -> int:
    from . import batch

    if args.one_workbook:
        _target(args.one_workbook, args)
    options = planner_options(args, requires="--plan")
    scenarios = planned(args)
    if args.one_workbook:
        return _write_one_workbook(scenarios, args, options)
    _outdir_spares_inputs(scenarios, args)
    result = batch.write_many(scenarios, args.outdir, force=args.force, jobs=args.jobs,
                              progress=batch.progress_stream(), plan=options if args.plan else None)
    for line in result.failure_lines():
        print(line, file=sys.stderr)
    print(f"{result.summary()} -> {args.outdir}")
    if not result.ok:
        raise XlsizingError(f"{len(result.failed)} of {len(scenarios)} workbooks failed (listed above); "
                            f"{len(result.written)} written")
    return _verify(result.written, jobs=args.jobs) if args.verify else EXIT_OK


def _outdir_spares_inputs(scenarios, args) -> None:
    """No numbered workbook of ``--outdir`` may replace an input file of the command (even with --force)."""
    from .batch import output_paths
    from .outputs import check_target, same_file

    inputs = [f for f in (args.scenario_files or ()) if same_file(Path(f).parent, args.outdir)]
    if inputs:
        for path in output_paths(scenarios, args.outdir):
            check_target(path, inputs, "workbook")


def _write_one_workbook(scenarios, args, options) -> int:
    from .workbook import write_workbook

    if args.plan:
        from .plan_workbook import write_planned

        path = write_planned(scenarios, args.one_workbook, force=args.force, **options)
    else:
        path = write_workbook(scenarios, args.one_workbook, force=args.force)
    print(f"wrote {path} ({len(scenarios)} scenario columns)")
    return _verify([path]) if args.verify else EXIT_OK


# --- fill ------------------------------------------------------------------------------------


def _setup_fill(p):
    p.add_argument("template", metavar="TEMPLATE.xlsx",
                   help="your copy of the template (found by defined names); a .xlsm keeps its macros")
    add_scenario_args(p)
    _out(p, "TEMPLATE-filled.xlsx, or TEMPLATE-filled.xlsm for a .xlsm")
    _plan_args(p, "add (or replace) the Plan sheet: the cheapest configuration per scenario (options below)")


@command("fill", "fill your own copy of the template by its defined names, keeping its formatting",
         "xlsizing fill my-template.xlsx my.toml -o my-filled.xlsx\n"
         "  xlsizing fill my-template.xlsx my.toml --plan --accelerator H20,H100 --price H100=230")(_setup_fill)
def cmd_fill(args) -> int:
    from .fill import fill_workbook
    from .xlsm import default_fill_name

    out = _target(args.output or default_fill_name(args.template), args, also=[args.template])
    options = planner_options(args, requires="--plan")
    try:
        path = fill_workbook(args.template, scenarios_of(args), out, force=args.force,
                             plan=options if args.plan else None)
    except WorkbookError as e:  # the library names its Python function; the command line has a command
        msg = str(e).replace("or write a new workbook (write_workbook) for any number of columns",
                             "or write a new workbook for any number of scenarios: "
                             "xlsizing build SCENARIOS.toml -o NEW.xlsx")
        if msg == str(e):
            raise
        raise WorkbookError(msg) from None
    print(f"wrote {path}")
    return EXIT_OK


# --- verify ----------------------------------------------------------------------------------


def _timeout_arg(p, what: str):
    p.add_argument("--timeout", type=float, metavar="SECONDS", default=None,
                   help=f"give up on {what} after this long (default: 300 s, more for many or large workbooks)")


def _setup_verify(p):
    p.add_argument("workbooks", nargs="+", metavar="WORKBOOK.xlsx", help="workbooks written by xlsizing")
    p.add_argument("--engine", choices=["libreoffice", "gnumeric", "all"], default="libreoffice",
                   help="spreadsheet engine that recalculates: libreoffice (default), gnumeric, or all of them")
    p.add_argument("-j", "--jobs", type=int, default=None,
                   help="engine processes at once, each with a share of the workbooks (default: all cores)")
    _timeout_arg(p, "each engine process")


@command("verify", "recalculate workbooks in LibreOffice or Gnumeric and compare every cell with the engine",
         "xlsizing verify figure11.xlsx          # exit 0 if they agree, 1 with the differing cells\n"
         "  xlsizing verify sweep/*.xlsx --engine all --jobs 2")(_setup_verify)
def cmd_verify(args) -> int:
    return _verify(args.workbooks, args.engine, args.timeout, args.jobs)


# --- pdf -------------------------------------------------------------------------------------


def _setup_pdf(p):
    p.add_argument("workbook", metavar="WORKBOOK.xlsx", help="the workbook to render")
    _out(p, "WORKBOOK.pdf in the current folder")
    _timeout_arg(p, "LibreOffice")


@command("pdf", "render a workbook to PDF with LibreOffice (Chinese labels included) for emailing",
         "xlsizing pdf figure11.xlsx -o figure11.pdf")(_setup_pdf)
def cmd_pdf(args) -> int:
    from .pdf import export_pdf

    out = _target(args.output or Path(args.workbook).stem + ".pdf", args, "PDF", also=[args.workbook])
    path = export_pdf(args.workbook, out, force=args.force, timeout=args.timeout)
    print(f"wrote {path}")
    return EXIT_OK
