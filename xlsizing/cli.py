"""The ``xlsizing`` command line: each command parses, calls one library function, prints.

Library errors become one ``Error: …`` line on stderr and exit code 2; a verification mismatch
exits 1.  Commands register in :data:`xlsizing.cli_common.COMMANDS` through
:func:`xlsizing.cli_common.command`; this module imports every command module explicitly.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import cli_addin, cli_catalog, cli_plan, cli_workbook  # noqa: F401 - their commands register on import
from ._version import __version__
from .cli_common import COMMANDS, EXIT_MISMATCH, EXIT_OK, EXIT_USAGE, add_grid_args, add_scenario_args, command, planned
from .errors import VerificationFailed, XlsizingError

def _setup_table(p):
    add_scenario_args(p)
    add_grid_args(p)
    p.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format (default: text)")
    p.add_argument("--sheet", action="append", default=[], metavar="NAME",
                   help="only this sheet (figure11, beyond, ...; repeatable; default: every sheet)")
    p.add_argument("--report-rows", action="store_true", help="only the rows printed in Figure 11")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (.txt, .csv or .json, as --format) "
                                                          "instead of the terminal")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.add_argument("--bom", action=argparse.BooleanOptionalAction, default=None,
                   help="start CSV with a UTF-8 byte-order mark, so Excel reads Chinese names correctly "
                        "(default: yes for a CSV file written with -o, no on the terminal)")


@command("table", "print the computed sheets (Figure 11, Beyond, ...) for scenarios",
         "xlsizing table                      # the report's four columns\n"
         "  xlsizing table my.toml --format csv\n"
         "  xlsizing table --base 保守 --grid mfu=0.3:0.6:0.1 --format csv   # a sweep for a pipeline")(_setup_table)
def cmd_table(args) -> int:
    from .render import RENDERERS
    from .sheets import get

    chosen = [get(name) for name in args.sheet] or None
    if args.output:
        from .outputs import check_target

        check_target(args.output, args.scenario_files or (), KINDS[args.format])
    text = RENDERERS[args.format](planned(args), chosen, report_rows=args.report_rows)
    if args.format == "csv" and (args.bom if args.bom is not None else bool(args.output)):
        text = "\ufeff" + text  # Excel reads a CSV without it in the system code page (GBK in China)
    return _emit(text, args.output, args.force)


KINDS = {"text": "text file", "csv": "CSV file", "json": "JSON file"}  # table -o: what the file must be named


def _emit(text: str, output: str | None, force: bool) -> int:
    """``text`` on stdout, or written atomically (UTF-8) to ``output``."""
    if not output:
        sys.stdout.write(text)
        return EXIT_OK
    from .fileio import atomic_write

    data = text.encode("utf-8")
    print(f"wrote {atomic_write(output, lambda tmp: Path(tmp).write_bytes(data), force=force)}")
    return EXIT_OK


# --- entry point -----------------------------------------------------------------------------


# the order commands are listed in --help: the main job first
ORDER = ("table", "init", "build", "batch", "fill", "verify", "pdf", "addin", "catalog", "beyond")


class _Parser(argparse.ArgumentParser):
    """Usage errors as one ``Error: …`` line (exit 2), like every other bad input."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"Error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="xlsizing",
        description="Size AI-inference compute (users → tokens → FLOPS → cards → servers → capex) "
        "in the terminal and in Excel workbooks.",
        epilog="Run 'xlsizing COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"xlsizing {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in sorted(COMMANDS, key=lambda c: ORDER.index(c) if c in ORDER else len(ORDER)):
        setup, fn, help_, example = COMMANDS[name]
        p = sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".",
                           epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        setup(p)
        p.set_defaults(func=fn)
    return parser


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
