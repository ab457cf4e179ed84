"""The ``addin`` command: parses, calls :mod:`xlsizing.addin`, prints."""

from __future__ import annotations

import sys

from . import addin
from .addin import addin_target, excel_steps, plan_addin, write_plan
from .cli_common import EXIT_OK, command


def _setup_addin(p):
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workbook", metavar="BOOK.xlsm",
                       help="write xlwings.conf beside this workbook (applies to its folder)")
    where.add_argument("--conf", metavar="FILE", help="write this xlwings.conf file")
    p.add_argument("--python", metavar="PATH", help="Python interpreter Excel should start (INTERPRETER_WIN; "
                   "default on Windows: this Python)")
    p.add_argument("--remove", action="store_true", help="remove xlsizing.udfs from UDF MODULES instead")
    p.add_argument("--force", action="store_true", help="replace an INTERPRETER_WIN that is already set")
    p.add_argument("--dry-run", "--print", dest="dry_run", action="store_true",
                   help="print the file that would be written and the Excel steps; write nothing")


@command("addin", "configure xlwings to load the xlsizing Excel functions (UDF MODULES), and say what to click",
         "xlsizing addin                        # ~/.xlwings/xlwings.conf, used by the xlwings ribbon\n"
         "  xlsizing addin --workbook model.xlsm  # xlwings.conf beside one workbook\n"
         "  xlsizing addin --dry-run              # show the file, write nothing")(_setup_addin)
def cmd_addin(args) -> int:
    path, scope = addin_target(args.workbook, args.conf)
    interpreter = args.python or (sys.executable if addin.ON_WINDOWS and not args.remove else None)
    plan = plan_addin(path, remove=args.remove, interpreter=interpreter, force=args.force)
    print("\n".join(plan.notes))
    if args.dry_run:
        print(plan.preview(), end="")
    elif plan.changed:
        write_plan(plan)
        print(f"Wrote {plan.path}")
    else:
        print(f"{plan.path} already up to date; nothing written")
    if not args.remove:
        print(excel_steps(scope, addin.ON_WINDOWS, interpreter_given=bool(interpreter)), end="")
    return EXIT_OK
