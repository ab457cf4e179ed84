"""The one "generated block" helper of the docs-table scripts (beyond_table, economics_table, calibration_table).

A document holds a block between ``BEGIN`` and ``END`` markers that a script generates; ``main``
prints the block, or with ``--write`` replaces it in every document named.
"""

import sys
from pathlib import Path


def replace_block(path: Path, begin: str, end: str, text: str) -> None:
    """Put ``text`` between the ``begin`` and ``end`` markers of ``path`` (the rest of the file kept)."""
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}{end}{tail}", encoding="utf-8")


def main(argv, text: str, docs, begin: str, end: str) -> None:
    """Print ``text``, or with ``--write`` replace the generated block of each of ``docs``."""
    if "--write" in argv:
        for path in docs:
            replace_block(path, begin, end, text)
            print(f"updated {path.name}")
    else:
        sys.stdout.write(text)
