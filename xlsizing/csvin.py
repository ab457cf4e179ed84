"""CSV files as analysts have them: the encodings and number formats Excel writes.

Excel's "Save as" offers, on a Chinese Windows: "CSV (逗号分隔)" in the system code page (GBK,
read here as its superset GB18030), "CSV UTF-8" (UTF-8 with a byte-order mark) and "Unicode
文本" (UTF-16 little-endian with a byte-order mark, *tab*-separated); where the decimal separator
is a comma, "CSV" is separated by semicolons.  :func:`decode` reads each of them: a byte-order
mark decides (UTF-8, UTF-16, UTF-32), then UTF-8, then GB18030; ``encoding`` (the ``--encoding``
option) forces one.  Every decoding error names the line.  :func:`delimiter` picks comma, tab
or semicolon from the header line, and :func:`excel_number` reads a cell as Excel shows it:
``"10,000"``, ``50%``, surrounding spaces.

>>> decode("name,mau_wan\\n保守,6000\\n".encode("gb18030"), "s.csv")
('name,mau_wan\\n保守,6000\\n', 'gb18030')
>>> excel_number(" 10,000 "), excel_number("50%"), excel_number("1.5E+03"), excel_number("4x")
(10000.0, 0.5, 1500.0, None)
"""

from __future__ import annotations

import codecs
import re

from .errors import ScenarioFileError

BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
FALLBACK = "gb18030"  # the code page of a Chinese Windows Excel's "CSV (逗号分隔)" (GBK ⊂ GB18030)
SAVE_AS = 'save it from Excel as "CSV UTF-8" or give --encoding'


def _line_at(data: bytes, pos: int, encoding: str) -> int:
    """The 1-based line holding byte ``pos`` of ``data`` in ``encoding``."""
    return data[:pos].decode(encoding, errors="replace").count("\n") + 1


def _shown_bytes(data: bytes, pos: int) -> str:
    return " ".join(f"0x{b:02X}" for b in data[pos:pos + 2])


def decode(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """``(text, encoding used)`` of a CSV file's bytes, or ScenarioFileError naming the line.

    >>> decode(b"\\xff\\xfen\\x00,\\x00", "s.csv")
    ('n,', 'utf-16')
    >>> decode(b"name\\n\\x81\\x30", "s.csv")
    Traceback (most recent call last):
    ...
    xlsizing.errors.ScenarioFileError: s.csv:2: not UTF-8 text, nor GB18030 (bytes 0x81 0x30); save it from Excel as "CSV UTF-8" or give --encoding
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ScenarioFileError(f"--encoding {encoding!r}: unknown encoding; e.g. utf-8, utf-16, gb18030, "
                                    "big5, cp1252 (Python's codec names)") from None
        try:
            return _no_nul(data.decode(encoding), source), encoding
        except UnicodeDecodeError as e:
            line = _line_at(data, e.start, encoding)
            raise ScenarioFileError(f"{source}:{line}: not {encoding} text (bytes {_shown_bytes(data, e.start)}); "
                                    "check --encoding") from None
    for bom, enc in BOMS:
        if data.startswith(bom):
            try:
                return _no_nul(data.decode(enc), source), enc
            except UnicodeDecodeError:
                plain = enc.replace("-sig", "") + ("-le" if bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE) else
                                                   "-be" if bom != codecs.BOM_UTF8 else "")
                rest = data[len(bom):]
                try:
                    rest.decode(plain)
                    e = None
                except UnicodeDecodeError as err:
                    e = err
                if e is None:  # pragma: no cover - the codecs agree
                    raise
                data = rest
                line = _line_at(data, e.start, plain)
                raise ScenarioFileError(f"{source}:{line}: not {enc.upper().replace('-SIG', '')} text although it "
                                        f"starts with its byte-order mark (bytes {_shown_bytes(data, e.start)}); "
                                        f"{SAVE_AS}") from None
    if b"\x00" in data:
        even, odd = data[0::2].count(0), data[1::2].count(0)
        enc = "utf-16-le" if odd > 0.3 * len(data) / 2 >= even else "utf-16-be" if even > 0.3 * len(data) / 2 >= odd else None
        if enc is None:
            raise ScenarioFileError(f"{source}: not a text file (binary data); expected CSV with a header of "
                                    "scenario keys")
        try:
            return _no_nul(data.decode(enc), source), enc
        except UnicodeDecodeError as e:
            raise ScenarioFileError(f"{source}:{_line_at(data, e.start, enc)}: looks like UTF-16 without a "
                                    f"byte-order mark but is not (bytes {_shown_bytes(data, e.start)}); "
                                    f"{SAVE_AS}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as first:
        try:
            return data.decode(FALLBACK), FALLBACK
        except UnicodeDecodeError:
            line = _line_at(data, first.start, "utf-8")
            raise ScenarioFileError(f"{source}:{line}: not UTF-8 text, nor GB18030 (bytes "
                                    f"{_shown_bytes(data, first.start)}); {SAVE_AS}") from None


def _no_nul(text: str, source: str) -> str:
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise ScenarioFileError(f"{source}:{line}: a NUL character in the text (binary data?); "
                                "expected CSV with a header of scenario keys")
    return text


def delimiter(header_line: str) -> str:
    """The separator of a CSV file from its header: comma, tab (Excel's "Unicode text") or semicolon.

    >>> delimiter("name,mau_wan"), delimiter("name\\tmau_wan"), delimiter("name;mau_wan"), delimiter("name")
    (',', '\\t', ';', ',')
    """
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?")
_SPACES = " \t\u00a0\u3000"  # spaces, the no-break space and the ideographic space Excel users paste


def excel_number(cell: str, decimal_comma: bool = False) -> float | None:
    """The number a cell holds as Excel formats it, or None when it is not one.

    Surrounding spaces go; ``10,000`` (thousands grouped by commas) and ``50%`` (÷ 100) are
    read as Excel reads them.  ``decimal_comma``: the file is semicolon-separated, where a comma
    may be a decimal separator, so a comma in a number is ambiguous (ValueError).
    """
    s = cell.strip(_SPACES)
    scale = 1.0
    if s.endswith(("%", "％")):
        s, scale = s[:-1].rstrip(_SPACES), 100.0
    if "," in s:
        if decimal_comma:
            raise ValueError(f"{cell.strip()!r} has a comma: in a semicolon-separated file it may be a decimal "
                             "comma; write the number with a decimal point (0.5) and no thousands separator")
        if not _GROUPED.fullmatch(s):
            return None
        s = s.replace(",", "")
    if not s or "_" in s:  # Python's float() takes 1_000, Excel does not
        return None
    try:
        return float(s) / 100 if scale != 1.0 else float(s)  # Excel stores 50% as 50 / 100
    except ValueError:
        return None
