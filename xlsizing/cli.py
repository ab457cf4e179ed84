"""The ``xlsizing`` command line: each command parses, calls one library function, prints.

Library errors become one ``Error: …`` line on stderr and exit code 2; a verification mismatch
exits 1.  Commands register themselves in ``COMMANDS`` through :func:`command`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from . import __version__
from .errors import VerificationFailed, XlsizingError

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


def _loaded(args):
    from .scenarios import load_any, load_builtin

    if getattr(args, "scenario_files", None):
        out = []
        for f in args.scenario_files:
            out.extend(load_any(f, encoding=getattr(args, "encoding", None)))
        return out
    return load_builtin(getattr(args, "set", "figure11") or "figure11")


def _scenarios(args):
    """The scenarios of the files (or the built-in set), each result checked to be in range."""
    from .limits import check_results

    out = _loaded(args)
    check_results(out)
    return out


def _add_scenario_args(p):
    p.add_argument("scenario_files", nargs="*", metavar="SCENARIOS.toml",
                   help="scenario files (default: the report's Figure 11 scenarios)")
    p.add_argument("--set", default="figure11", help="built-in scenario set when no file is given (default: figure11)")


# --- table -----------------------------------------------------------------------------------


def _add_grid_args(p):
    p.add_argument("--grid", action="append", default=[], metavar="KEY=VALUES",
                   help="sweep KEY over VALUES (list 0.3,0.4 and/or range START:STOP:STEP, STOP included); "
                        "repeat for a grid over several keys; applies to every base scenario")
    p.add_argument("--base", action="append", default=[], metavar="NAME",
                   help="use only the named scenario(s) as the base of the grid (default: all)")


def _planned(args):
    """The scenarios of the files (or built-in set), filtered by --base, times the --grid."""
    from .batch import plan
    from .limits import check_results

    out = plan(_loaded(args), args.grid, args.base)
    check_results(out)
    return out


def _setup_table(p):
    _add_scenario_args(p)
    _add_grid_args(p)
    p.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format (default: text)")
    p.add_argument("--report-rows", action="store_true", help="only the rows printed in Figure 11")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (.txt, .csv or .json, as --format) "
                                                          "instead of the terminal")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.add_argument("--bom", action=argparse.BooleanOptionalAction, default=None,
                   help="start CSV with a UTF-8 byte-order mark, so Excel reads Chinese names correctly "
                        "(default: yes for a CSV file written with -o, no on the terminal)")


@command("table", "print the computed Figure 11 table for scenarios",
         "xlsizing table                      # the report's four columns\n"
         "  xlsizing table my.toml --format csv\n"
         "  xlsizing table --base 保守 --grid mfu=0.3:0.6:0.1 --format csv   # a sweep for a pipeline")(_setup_table)
def cmd_table(args) -> int:
    from .table import render_csv, render_json, render_text

    render = {"text": render_text, "csv": render_csv, "json": render_json}[args.format]
    if args.output:
        from .outputs import check_target

        check_target(args.output, args.scenario_files or (), {"text": "text file", "csv": "CSV file",
                                                              "json": "JSON file"}[args.format])
    text = render(_planned(args), all_rows=not args.report_rows)
    bom = args.format == "csv" and (args.bom if args.bom is not None else bool(args.output))
    if bom:
        text = "\ufeff" + text
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    from .fileio import atomic_write

    data = text.encode("utf-8")
    print(f"wrote {atomic_write(args.output, lambda tmp: Path(tmp).write_bytes(data), force=args.force)}")
    return EXIT_OK


# --- entry point -----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Usage errors as one ``Error: …`` line (exit 2), like every other bad input."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"Error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    _load_command_modules()
    parser = _Parser(
        prog="xlsizing",
        description="Size AI-inference compute (users → tokens → FLOPS → cards → servers → capex) "
        "in the terminal and in Excel workbooks.",
        epilog="Run 'xlsizing COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"xlsizing {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (setup, fn, help_, example) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".",
                           epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        setup(p)
        p.set_defaults(func=fn)
    return parser


def _load_command_modules():
    """Commands defined outside this file register themselves on import."""
    import importlib

    for mod in ("xlsizing.cli_workbook", "xlsizing.cli_addin", "xlsizing.cli_catalog"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise


def _one_line(e) -> str:
    """A message as one line: some libraries (openpyxl) put line breaks in theirs."""
    return " ".join(str(e).split("\n")).strip()


class _Stdout:
    """sys.stdout whose failures (a full disk behind ``> file``) are one clear error, not a traceback at exit."""

    def __init__(self, stream):
        self._stream = stream

    def _guard(self, fn, *a):
        try:
            return fn(*a)
        except BrokenPipeError:
            raise
        except OSError as e:
            _drop_stdout(self._stream)
            from .errors import WriteFailed

            raise WriteFailed(f"standard output: cannot write it: {e.strerror or e}") from None

    def write(self, text):
        return self._guard(self._stream.write, text)

    def flush(self):
        return self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _drop_stdout(stream=None) -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, (stream or sys.stdout).fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv=None) -> int:
    import warnings

    # overflow is refused with a message (xlsizing.limits); numpy's own warning names a source file
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"xlsizing\b")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    real_stdout = sys.stdout
    if not isinstance(sys.stdout, _Stdout):
        sys.stdout = _Stdout(sys.stdout)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a full disk behind a redirection fails here, not at exit
        return code
    except VerificationFailed as e:
        print(f"Error: {_one_line(e)}", file=sys.stderr)
        return EXIT_MISMATCH
    except XlsizingError as e:
        print(f"Error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_OK
    except OSError as e:  # a file the library did not expect to fail (disk full, permissions)
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"Error: {where}{_one_line(e.strerror or e)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:  # a bug: still one line, the traceback only on request
        if os.environ.get("XLSIZING_DEBUG"):
            raise
        print(f"Error: internal error ({type(e).__name__}: {_one_line(e)}); rerun with XLSIZING_DEBUG=1 "
              "for the traceback and please report it", file=sys.stderr)
        return EXIT_USAGE
    finally:
        sys.stdout = real_stdout


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
