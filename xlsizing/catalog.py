"""Accelerator catalog: dense peak per precision, memory, bandwidth, power, price — each with a source.

The catalog ships in the package as ``xlsizing/data/accelerators.toml`` (its header documents the
format).  A user file in the same format adds entries, or overrides an entry of the same name
field by field (figures not given keep the shipped value and its source).  Lookups ignore case,
spaces, dashes, dots and underscores and accept the vendor in front: ``"h20"``, ``"H 20"``,
``"nvidia-h20"`` all find the H20.  An unknown name raises
:class:`~xlsizing.errors.UnknownAccelerator` naming the closest entries.

A figure an entry lacks is never filled in from another card (the H20's 400 W or 84万元 server):
:meth:`Accelerator.value`, :func:`server_price_wan`, :func:`preset_inputs` and
:func:`server_inputs` raise :class:`~xlsizing.errors.MissingFigure` naming the entry, the figure
and how to supply it.  ``interconnect_gbs`` is GB/s per card in each direction (the data file's
header explains the convention).

Set the environment variable ``XLSIZING_CATALOG`` to one or more user files (separated like
``PATH``) to make them part of the default catalog, e.g. for the Excel functions.

>>> peak_tflops("nvidia-h20", "fp8")
296.0
>>> get("H 20").figure("bandwidth_tbs").value
4.0
>>> get("H2O")
Traceback (most recent call last):
...
xlsizing.errors.UnknownAccelerator: unknown accelerator 'H2O'; did you mean H20?
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

from . import economics
from ._args import fmt_value
from .errors import InvalidInput, MissingFigure, UnknownAccelerator
from .fileio import read_text
from .units import WAN

# field -> (unit, what it is); every numeric figure must be > 0
FIGURES: dict[str, tuple[str, str]] = {
    "bf16_tflops": ("TFLOPS", "dense BF16/FP16 tensor peak"),
    "fp16_tflops": ("TFLOPS", "dense FP16 tensor peak, where it differs from BF16"),
    "fp8_tflops": ("TFLOPS", "dense FP8 tensor peak"),
    "int8_tops": ("TOPS", "dense INT8 tensor peak"),
    "fp4_tflops": ("TFLOPS", "dense FP4 tensor peak"),
    "tf32_tflops": ("TFLOPS", "dense TF32 tensor peak"),
    "fp32_tflops": ("TFLOPS", "FP32 peak (vector, non-tensor)"),
    "memory_gb": ("GB", "on-card memory"),
    "bandwidth_tbs": ("TB/s", "memory bandwidth"),
    # one convention for every entry: GB/s PER DIRECTION (unidirectional) per card over the
    # scale-up fabric (NVLink, Infinity Fabric, HCCS/UB, ICI, PCIe); vendors' bidirectional
    # totals are halved (NVLink "900 GB/s" = 450 GB/s each way)
    "interconnect_gbs": ("GB/s", "scale-up interconnect bandwidth per card, each direction"),
    "interconnect_latency_us": ("µs", "scale-up latency per collective"),
    "tdp_w": ("W", "board power (TDP)"),
    "cards_per_server": ("cards", "cards in the usual server"),
}
REQUIRED = ("bf16_tflops", "memory_gb", "bandwidth_tbs")
TEXT_FIELDS = ("name", "vendor", "source", "note")
ENTRY_FIELDS = TEXT_FIELDS + ("aliases", "interconnect", "price") + tuple(FIGURES)
FIGURE_KEYS = ("value", "source", "estimated", "disputed", "note")
PRICE_KEYS = ("amount", "unit", "per", "date", "source", "estimated", "disputed", "note")

# precision -> catalog field of its dense peak; bytes per weight (domain notes: FP16/BF16 = 2,
# FP8/INT8 = 1, FP4/INT4 = 0.5)
PRECISIONS: dict[str, str] = {
    "bf16": "bf16_tflops", "fp16": "bf16_tflops", "fp8": "fp8_tflops", "int8": "int8_tops", "fp4": "fp4_tflops",
}
BYTES_PER_WEIGHT: dict[str, float] = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "fp4": 0.5}

BUILTIN_FILE = "accelerators.toml"
ENV_VAR = "XLSIZING_CATALOG"
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Figure:
    """One catalog figure with where it comes from."""

    value: float | str
    source: str
    estimated: bool = False
    disputed: bool = False
    note: str = ""

    @property
    def flags(self) -> str:
        """``"estimated"``, ``"disputed"``, both, or ``""``."""
        return ", ".join(f for f, on in (("estimated", self.estimated), ("disputed", self.disputed)) if on)


@dataclass(frozen=True)
class Price:
    amount: float
    unit: str
    per: str  # "card" or "server"
    date: str
    source: str
    estimated: bool = False
    disputed: bool = False
    note: str = ""


@dataclass(frozen=True)
class Accelerator:
    """A catalog entry: ``figures`` maps field names of :data:`FIGURES` to :class:`Figure`.

    A figure the entry lacks is never replaced by another card's: :meth:`figure`, :meth:`value`
    and :meth:`peak` raise :class:`~xlsizing.errors.MissingFigure` naming the entry, the figure
    and how to supply it.
    """

    name: str
    vendor: str = ""
    aliases: tuple[str, ...] = ()
    figures: Mapping[str, Figure] = field(default_factory=dict)
    interconnect: Figure | None = None
    price: Price | None = None
    note: str = ""
    origin: str = "builtin"

    def figure(self, name: str, how: str | None = None) -> Figure:
        """The figure ``name`` with its source; :class:`MissingFigure` if this entry lacks it.

        ``how`` replaces the default advice ("add it to a user catalog file") that precedes the
    example catalog entry in the message.
        """
        if name not in FIGURES:
            raise InvalidInput(f"figure must be one of {', '.join(FIGURES)}, got {_quote(name)}")
        try:
            return self.figures[name]
        except KeyError:
            raise MissingFigure(missing_message(self.name, name, how), self.name, name) from None

    def value(self, name: str, how: str | None = None) -> float:
        """The numeric value of figure ``name`` (unit in :data:`FIGURES`), or :class:`MissingFigure`."""
        return float(self.figure(name, how).value)

    @property
    def precisions(self) -> list[str]:
        """Precisions with a peak figure, e.g. ``['bf16', 'fp8', 'int8']`` (fp16 is bf16)."""
        return [p for p, f in PRECISIONS.items() if p != "fp16" and f in self.figures]

    def peak(self, precision: str = "bf16") -> Figure:
        """The dense peak figure at ``precision`` (TFLOPS, or TOPS for int8)."""
        p = check_precision(precision)
        fld = "fp16_tflops" if p == "fp16" and "fp16_tflops" in self.figures else PRECISIONS[p]
        if fld not in self.figures:
            raise MissingFigure(f"{self.name} has no {p} peak in the catalog; available: {', '.join(self.precisions)}",
                                self.name, fld)
        return self.figures[fld]

    def peak_tflops(self, precision: str = "bf16") -> float:
        return float(self.peak(precision).value)

    @property
    def title(self) -> str:
        return f"{self.vendor} {self.name}".strip()


def missing_message(accelerator: str, figure: str, how: str | None = None) -> str:
    """The text of :class:`MissingFigure`: the accelerator, the figure (what, unit) and how to supply it.

    >>> print(missing_message("Ascend 910C", "tdp_w"))
    Ascend 910C has no tdp_w (board power (TDP), W) in the catalog; add it to a user catalog file: [[accelerator]] name = "Ascend 910C", tdp_w = ...
    """
    unit, what = FIGURES.get(figure, ("", figure))
    label = f"{figure} ({what}, {unit})" if figure in FIGURES else figure
    example = ("price = { amount = ..., unit = \"万元\", per = \"server\", date = \"...\", source = \"...\" }"
               if figure == "price" else f"{figure} = ...")
    how = "add it to a user catalog file" if how is None else how
    return f"{accelerator} has no {label} in the catalog; {how}: [[accelerator]] name = \"{accelerator}\", {example}"


def _quote(v) -> str:
    """``fmt_value`` that never fails (an int beyond float range is still quoted)."""
    try:
        return fmt_value(v)
    except (OverflowError, ValueError):
        return "a number too large"


def normalize(name: str) -> str:
    """Lookup key: NFKC, lower case, without spaces, dashes, underscores, dots or slashes.

    >>> normalize(" NVIDIA-H20 "), normalize("Ascend_910b")
    ('nvidiah20', 'ascend910b')
    """
    return re.sub(r"[\s\-_./]+", "", unicodedata.normalize("NFKC", name)).lower()


def check_precision(precision) -> str:
    """``precision`` as a catalog key (``bf16``, ``fp16``, ``fp8``, ``int8``, ``fp4``), or InvalidInput."""
    if isinstance(precision, str):
        p = normalize(precision)
        if p in PRECISIONS:
            return p
    raise InvalidInput(f"precision must be one of {', '.join(PRECISIONS)}, got {_quote(precision)}")


def bytes_per_weight(precision) -> float:
    """Bytes per stored weight at ``precision``: bf16/fp16 2, fp8/int8 1, fp4 0.5.

    >>> bytes_per_weight("FP8")
    1.0
    """
    return BYTES_PER_WEIGHT[check_precision(precision)]


class Catalog:
    """An ordered set of accelerators with tolerant lookup (see module docstring)."""

    def __init__(self, entries: Iterable[Accelerator] = ()):
        self._entries: dict[str, Accelerator] = {}
        self._index: dict[str, str] = {}
        for e in entries:
            self._put(e)

    @staticmethod
    def keys_of(e: Accelerator) -> list[str]:
        names = [e.name, *e.aliases]
        keys = [normalize(n) for n in names]
        if e.vendor:
            keys += [normalize(e.vendor + n) for n in names]
        return list(dict.fromkeys(k for k in keys if k))

    def _put(self, e: Accelerator, where: str = ""):
        old = self._index.get(normalize(e.name))
        if old is not None:
            self._drop(old)
        for k in self.keys_of(e):
            other = self._index.get(k)
            if other is not None and other != e.name:
                raise InvalidInput(f"{where}accelerator {e.name!r}: name or alias {k!r} already belongs to {other!r}")
        self._entries[e.name] = e
        for k in self.keys_of(e):
            self._index[k] = e.name

    def _drop(self, name: str):
        e = self._entries.pop(name)
        for k in self.keys_of(e):
            if self._index.get(k) == name:
                del self._index[k]

    def __iter__(self):
        return iter(self._entries.values())

    def __len__(self):
        return len(self._entries)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and normalize(name) in self._index

    def names(self) -> list[str]:
        return list(self._entries)

    def find(self, name: str) -> Accelerator | None:
        """The entry for ``name`` or None (same tolerance as :meth:`get`)."""
        if not isinstance(name, str):
            return None
        hit = self._index.get(normalize(name))
        return self._entries[hit] if hit else None

    def get(self, name) -> Accelerator:
        """The entry for ``name``; :class:`UnknownAccelerator` with the closest names if none."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"accelerator must be a name such as 'H20', got {_quote(name)}")
        e = self.find(name)
        if e is not None:
            return e
        raise UnknownAccelerator(self._unknown_message(name))

    def _unknown_message(self, name: str) -> str:
        key = normalize(name)
        close = difflib.get_close_matches(key, list(self._index), n=8, cutoff=0.6)
        suggestions = list(dict.fromkeys(self._index[k] for k in close))[:3]
        if suggestions:
            alts = suggestions[0] if len(suggestions) == 1 else ", ".join(suggestions[:-1]) + " or " + suggestions[-1]
            return f"unknown accelerator {name!r}; did you mean {alts}?"
        return f"unknown accelerator {name!r}; known: {', '.join(self._entries)}"

    def with_file(self, path: str | os.PathLike) -> "Catalog":
        """A new catalog: this one plus the entries of a user file (overriding by name)."""
        out = Catalog(self)
        p = Path(path)
        for raw_index, entry in enumerate(_read_entries(p)):
            base = out.find(entry["name"]) if isinstance(entry.get("name"), str) else None
            acc = _parse_entry(entry, raw_index, str(p), base, default_source=f"user file {p.name}")
            out._put(acc, f"{p}: ")
        return out


# --- parsing and validation ------------------------------------------------------------------


class _Fail:
    def __init__(self, source: str, label: str):
        self.source, self.label = source, label

    def __call__(self, msg: str):
        raise InvalidInput(f"{self.source}: {self.label}: {msg}")


def _close(key: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else f"; allowed: {', '.join(allowed)}"


def _number(fail, fld: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        fail(f"{fld} must be a number > 0, got {fmt_value(v) if not isinstance(v, (list, dict)) else type(v).__name__}")
    x = float(v)
    if not math.isfinite(x) or x <= 0:
        fail(f"{fld} must be a number > 0, got {fmt_value(x)}")
    return x


def _text(fail, fld: str, v, *, required=False) -> str:
    if not isinstance(v, str):
        fail(f"{fld} must be text (in quotes), got {fmt_value(v) if not isinstance(v, (list, dict)) else type(v).__name__}")
    if required and not v.strip():
        fail(f"{fld} must not be empty")
    if len(v) > 1000 or any(ord(c) < 32 and c != "\t" for c in v):
        fail(f"{fld} must be one line of at most 1000 characters")
    return v.strip()


def _flag(fail, fld: str, v) -> bool:
    if not isinstance(v, bool):
        fail(f"{fld} must be true or false, got {fmt_value(v)}")
    return v


def _figure(fail, fld: str, v, default_source: str, numeric=True) -> Figure:
    if isinstance(v, dict):
        for k in v:
            if k not in FIGURE_KEYS:
                fail(f"{fld}: unknown key {k!r}{_close(k, FIGURE_KEYS)}")
        if "value" not in v:
            fail(f"{fld} needs a value: {fld} = {{ value = ..., source = \"...\" }}")
        value = _number(fail, fld, v["value"]) if numeric else _text(fail, fld, v["value"], required=True)
        src = _text(fail, f"{fld}.source", v["source"], required=True) if "source" in v else default_source
        return Figure(value, src,
                      _flag(fail, f"{fld}.estimated", v.get("estimated", False)),
                      _flag(fail, f"{fld}.disputed", v.get("disputed", False)),
                      _text(fail, f"{fld}.note", v.get("note", "")))
    value = _number(fail, fld, v) if numeric else _text(fail, fld, v, required=True)
    return Figure(value, default_source)


def _price(fail, v, default_source: str) -> Price:
    if not isinstance(v, dict):
        fail("price must be a table: price = { amount = 84, unit = \"万元\", per = \"server\", date = \"2024-12\" }")
    for k in v:
        if k not in PRICE_KEYS:
            fail(f"price: unknown key {k!r}{_close(k, PRICE_KEYS)}")
    for k in ("amount", "unit", "per", "date"):
        if k not in v:
            fail(f"price.{k} is required (price = {{ amount, unit, per, date, source }})")
    per = _text(fail, "price.per", v["per"])
    if per not in ("card", "server"):
        fail(f"price.per must be 'card' or 'server', got {fmt_value(per)}")
    return Price(_number(fail, "price.amount", v["amount"]), _text(fail, "price.unit", v["unit"], required=True), per,
                 _text(fail, "price.date", v["date"], required=True),
                 _text(fail, "price.source", v["source"], required=True) if "source" in v else default_source,
                 _flag(fail, "price.estimated", v.get("estimated", False)),
                 _flag(fail, "price.disputed", v.get("disputed", False)),
                 _text(fail, "price.note", v.get("note", "")))


def _parse_entry(raw, index: int, source: str, base: Accelerator | None, default_source: str) -> Accelerator:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{source}: accelerator {index + 1}: must be a table ([[accelerator]])")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        _Fail(source, f"accelerator {index + 1}")(
            "name is required (text)" if name is None else f"name must be text, got {fmt_value(name)}")
    fail = _Fail(source, f"accelerator {name.strip()!r}")
    for k in raw:
        if k not in ENTRY_FIELDS:
            fail(f"unknown field {k!r}{_close(k, ENTRY_FIELDS)}")
    src = _text(fail, "source", raw["source"], required=True) if "source" in raw else default_source
    figures = dict(base.figures) if base else {}
    for fld in FIGURES:
        if fld in raw:
            figures[fld] = _figure(fail, fld, raw[fld], src)
    for fld in REQUIRED:
        if fld not in figures:
            fail(f"{fld} is required ({FIGURES[fld][1]}, {FIGURES[fld][0]})")
    if "cards_per_server" in figures and figures["cards_per_server"].value != int(figures["cards_per_server"].value):
        fail(f"cards_per_server must be a whole number, got {fmt_value(figures['cards_per_server'].value)}")
    aliases = raw.get("aliases", list(base.aliases) if base else [])
    if not isinstance(aliases, list):
        fail(f"aliases must be a list of names: aliases = [\"...\"], got {fmt_value(aliases)}")
    aliases = tuple(_text(fail, "aliases", a, required=True) for a in aliases)
    inter = _figure(fail, "interconnect", raw["interconnect"], src, numeric=False) if "interconnect" in raw else (
        base.interconnect if base else None)
    price = _price(fail, raw["price"], src) if "price" in raw else (base.price if base else None)
    vendor = _text(fail, "vendor", raw["vendor"]) if "vendor" in raw else (base.vendor if base else "")
    note = _text(fail, "note", raw["note"]) if "note" in raw else (base.note if base else "")
    return Accelerator(name=base.name if base else name.strip(), vendor=vendor, aliases=aliases, figures=figures,
                       interconnect=inter, price=price, note=note,
                       origin=source if not base else f"{base.origin} + {source}")


def _parse_text(text: str, source: str) -> list:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(f"{source}: not valid TOML: {e}") from None
    for k in doc:
        if k != "accelerator":
            raise InvalidInput(f"{source}: unknown top-level key {k!r}; write each entry as [[accelerator]]")
    entries = doc.get("accelerator")
    if not isinstance(entries, list):
        raise InvalidInput(f"{source}: no entries; write each entry as an [[accelerator]] table")
    return entries


def _read_entries(p: Path) -> list:
    text = read_text(p, "catalog file", "TOML with [[accelerator]] tables", max_bytes=MAX_FILE_BYTES, error=InvalidInput)
    return _parse_text(text, str(p))


def parse(text: str, source: str = "<text>", base: Catalog | None = None) -> Catalog:
    """A catalog from TOML text (entries override ``base`` by name, field by field)."""
    out = Catalog(base or ())
    for i, entry in enumerate(_parse_text(text, source)):
        prev = out.find(entry["name"]) if isinstance(entry, dict) and isinstance(entry.get("name"), str) else None
        out._put(_parse_entry(entry, i, source, prev, default_source=f"{source}"), f"{source}: ")
    return out


_BUILTIN: Catalog | None = None
_DEFAULT: tuple[list, Catalog] | None = None


def builtin() -> Catalog:
    """The catalog shipped with the package (parsed once)."""
    global _BUILTIN
    if _BUILTIN is None:
        text = resources.files("xlsizing").joinpath("data", BUILTIN_FILE).read_text("utf-8")
        entries = _parse_text(text, f"builtin:{BUILTIN_FILE}")
        cat = Catalog()
        for i, raw in enumerate(entries):
            cat._put(_parse_entry(raw, i, f"builtin:{BUILTIN_FILE}", None, default_source=""))
        _BUILTIN = cat
    return _BUILTIN


def load(*user_files: str | os.PathLike) -> Catalog:
    """The shipped catalog plus the given user files, in order (later files win)."""
    cat = builtin()
    for f in user_files:
        cat = cat.with_file(f)
    return cat


def default() -> Catalog:
    """The shipped catalog plus the files named in ``$XLSIZING_CATALOG`` (if set)."""
    global _DEFAULT
    files = [f for f in os.environ.get(ENV_VAR, "").split(os.pathsep) if f.strip()]
    key = []
    for f in files:  # re-read a user file after it changes (an Excel session stays open for hours)
        try:
            st = os.stat(f)
            key.append((f, st.st_mtime_ns, st.st_size))
        except OSError:
            key.append((f, None, None))
    if _DEFAULT is None or _DEFAULT[0] != key:
        _DEFAULT = (key, load(*files))
    return _DEFAULT[1]


def get(name, catalog: Catalog | None = None) -> Accelerator:
    """Look up an accelerator by tolerant name in ``catalog`` (default: :func:`default`)."""
    return (catalog or default()).get(name)


def peak_tflops(name, precision="bf16", catalog: Catalog | None = None) -> float:
    """Dense peak of accelerator ``name`` at ``precision`` (TFLOPS; TOPS for int8).

    >>> peak_tflops("MI300X"), peak_tflops("h100", "fp8")
    (1307.0, 1979.0)
    """
    return get(name, catalog).peak_tflops(precision)


def figure_value(name, figure: str, catalog: Catalog | None = None) -> float:
    """A numeric figure of an accelerator, e.g. ``figure_value("H20", "memory_gb")`` → 96.0."""
    return get(name, catalog).value(figure)


CNY_UNITS = {"万元": 1.0, "元": 1e-4, "CNY": 1e-4}
# 万元 per unit of a foreign currency a catalog price may be in: USD at economics.USD_CNY, the one
# exchange rate of the package (CFETS central parity, 2025-02-25: 7.1726 元 per USD; docs/economics.md)
FX_UNITS = {"USD": economics.USD_CNY / WAN}


def _wan_per_unit(unit: str) -> float | None:
    """万元 per unit of a catalog price's currency (CNY as is, USD at ``economics.USD_CNY``), None if unknown."""
    return CNY_UNITS.get(unit, FX_UNITS.get(unit))


def server_price_wan(acc: Accelerator, how: str | None = None) -> float:
    """Price of one server of ``acc`` in 万元 from its catalog price, or :class:`MissingFigure`.

    A USD price is converted at ``economics.USD_CNY`` (7.1726 元 per USD, CFETS central parity of
    2025-02-25).  A price per card becomes a server price by the economics module's rule,
    :func:`xlsizing.economics.server_price_wan`: card price × ``cards_per_server`` ÷ the cards'
    share of the server's value (80%, Figure 11's 8 × 8.4万元 ÷ 84万元).  A price in any other
    currency is missing in 万元, and the message says what the catalog has.

    >>> server_price_wan(builtin().get("H20"))            # Figure 11: 84万元 per server
    84.0
    >>> round(server_price_wan(builtin().get("A100")), 4)  # DGX A100 $199,000 × 7.1726 ÷ 1e4
    142.7347
    >>> round(server_price_wan(builtin().get("Ascend 910B")), 4)  # 12万元 per card × 8 ÷ 0.8
    120.0
    """
    pr = acc.price
    rate = None if pr is None else _wan_per_unit(pr.unit)
    if rate is None:
        has = "" if pr is None else f" (it has {pr.amount:,g} {pr.unit} per {pr.per}, {pr.date})"
        msg = missing_message(acc.name, "price", how).replace(
            " has no price in the catalog;", f" has no server price in 万元 in the catalog{has};")
        raise MissingFigure(msg, acc.name, "price")
    wan = pr.amount * rate
    if pr.per == "card":
        return economics.server_price_wan(wan, acc.value("cards_per_server", how))
    return wan


# figures every entry is expected to carry where public; fp16_tflops (= bf16 unless it differs)
# and interconnect_latency_us (public for no shipped part) are optional by design
EXPECTED = tuple(f for f in FIGURES if f not in ("fp16_tflops", "interconnect_latency_us"))


def lacks(acc: Accelerator) -> list[str]:
    """The figures of :data:`EXPECTED` (and ``price`` in 万元) that ``acc`` does not have.

    >>> lacks(builtin().get("H20"))
    ['fp4_tflops']
    >>> lacks(builtin().get("Ascend 910C"))
    ['fp8_tflops', 'int8_tops', 'fp4_tflops', 'tf32_tflops', 'fp32_tflops', 'tdp_w']
    """
    out = [f for f in EXPECTED if f not in acc.figures]
    if acc.price is None or _wan_per_unit(acc.price.unit) is None:
        out.append("price")
    return out


def lacks_markdown(cat: Catalog | None = None) -> str:
    """The table of docs/beyond.md: each accelerator and the figures it lacks (generated, never typed)."""
    short = {"price": "server price in 万元"} | {f: f.rsplit("_", 1)[0] for f in EXPECTED}
    short |= {"bf16_tflops": "BF16", "fp8_tflops": "FP8", "int8_tops": "INT8", "fp4_tflops": "FP4",
              "tf32_tflops": "TF32", "fp32_tflops": "FP32", "interconnect_gbs": "interconnect", "tdp_w": "TDP",
              "cards_per_server": "cards per server"}
    rows = ["| accelerator | figures the catalog lacks (the part has none, or no public source gives it) |", "|---|---|"]
    for a in cat or builtin():
        rows.append(f"| {a.title} | {', '.join(short[f] for f in lacks(a)) or '—'} |")
    return "\n".join(rows) + "\n"


def card_price_wan(acc: Accelerator) -> float | None:
    """Price per card in 万元 (a server price ÷ cards per server) when the catalog has a CNY or USD price, else None."""
    pr = acc.price
    rate = None if pr is None else _wan_per_unit(pr.unit)
    if rate is None:
        return None
    wan = pr.amount * rate
    if pr.per == "server":
        cps = acc.figures.get("cards_per_server")
        if cps is None:
            return None
        wan /= float(cps.value)
    return wan


def describe(acc: Accelerator) -> list[tuple[str, str, str, str]]:
    """Rows (figure, value with unit, flags, source) for showing one entry with its sources."""
    rows = []
    for fld, (unit, _what) in FIGURES.items():
        f = acc.figures.get(fld)
        if f is not None:
            flags = f.flags + (f" — {f.note}" if f.note else "")
            rows.append((fld, f"{f.value:g} {unit}", flags, f.source))
    if acc.interconnect is not None:
        f = acc.interconnect
        rows.append(("interconnect", str(f.value), f.flags + (f" — {f.note}" if f.note else ""), f.source))
    if acc.price is not None:
        p = acc.price
        flags = ", ".join(x for x, on in (("estimated", p.estimated), ("disputed", p.disputed)) if on)
        shown = f"{p.amount:,g} {p.unit} per {p.per} ({p.date})"
        if not (p.unit == "万元" and p.per == "server"):
            try:  # what the sizing uses: the server price in 万元 (converted, card share applied)
                shown += f" = {server_price_wan(acc):,.2f}万元 per server"
            except MissingFigure:
                pass
        rows.append(("price", shown, flags + (f" — {p.note}" if p.note else ""), p.source))
    return rows


def render_show(acc: Accelerator) -> str:
    """One entry as text: each figure with its flags and its source.

    >>> print(render_show(builtin().get("A100")).splitlines()[1])
      bf16_tflops      312 TFLOPS
    """
    head = acc.title + (f" (also: {', '.join(acc.aliases)})" if acc.aliases else "") + "\n"
    if acc.note:
        head += f"  note: {acc.note}\n"
    return head + "".join(f"  {f:<17}{v}{('  [' + fl + ']') if fl else ''}\n      source: {s}\n"
                          for f, v, fl, s in describe(acc))


def as_json(cat: Catalog, name: str | None = None) -> str:
    """The whole catalog (figure values) or one entry (figures with sources) as JSON text."""
    import json

    if name is None:
        data = [{"name": a.name, "vendor": a.vendor} | {k: f.value for k, f in a.figures.items()} for a in cat]
    else:
        acc = cat.get(name)
        data = {"name": acc.name, "vendor": acc.vendor, "aliases": list(acc.aliases), "note": acc.note,
                "figures": [dict(zip(("figure", "value", "flags", "source"), r)) for r in describe(acc)]}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def render_list(cat: Catalog) -> str:
    """The catalog as a text table; ``~`` marks an estimated figure, ``?`` a disputed one.

    >>> print(render_list(builtin()).splitlines()[2])
    H20          NVIDIA          148      296      296        -       96     4.00       450      400
    """
    cols = [("bf16_tflops", "BF16", "{:g}"), ("fp8_tflops", "FP8", "{:g}"), ("int8_tops", "INT8", "{:g}"),
            ("fp4_tflops", "FP4", "{:g}"), ("memory_gb", "GB", "{:g}"), ("bandwidth_tbs", "TB/s", "{:.2f}"),
            ("interconnect_gbs", "link GB/s", "{:g}"), ("tdp_w", "TDP W", "{:g}")]
    head = f"{'name':<12} {'vendor':<10}" + "".join(f"{h:>{max(9, len(h) + 1)}}" for _, h, _ in cols)
    lines = [head, "-" * len(head)]
    for a in cat:
        cells = []
        for fld, _, fmt in cols:
            f = a.figures.get(fld)
            if f is None:
                cells.append("-")
            else:
                mark = ("~" if f.estimated else "") + ("?" if f.disputed else "")
                cells.append(fmt.format(f.value) + mark)
        lines.append(f"{a.name:<12} {a.vendor:<10}"
                     + "".join(f"{c:>{max(9, len(h) + 1)}}" for c, (_, h, _) in zip(cells, cols)))
    lines.append("")
    lines.append("Dense peaks: BF16/FP16, FP8, FP4 in TFLOPS, INT8 in TOPS; link = scale-up GB/s each direction.  "
                 "~ estimated, ? disputed, - not in the catalog.  'xlsizing catalog show NAME' lists every source.")
    return "\n".join(lines) + "\n"


# --- presets: the Beyond sheet's inputs for an accelerator at a precision -------------------------

LOW_PRECISIONS = ("fp8", "int8", "fp4")  # the KV cache follows the precision: 1 byte per element


def preset_inputs(accelerator: str = "H20", precision: str = "bf16", kv_bytes: float | None = None,
                  catalog: Catalog | None = None, missing: dict | None = None, how=None) -> dict:
    """Sheet inputs for an accelerator at a precision, all from its catalog entry (peak, bytes, memory, bandwidth, TDP, link).

    ``kv_bytes`` defaults to 1 at FP8/INT8/FP4 and is left to the sheet otherwise.  A figure the
    entry lacks raises :class:`~xlsizing.errors.MissingFigure` — never the sheet's H20 default —
    or, when ``missing`` is a dict, is left out and its error stored there under the input's key,
    for the caller to raise if nothing else gives that input.  ``how(key)``, if given, is the
    advice the error gives on how to supply that input (default: a user catalog file).

    >>> preset_inputs("H20", "fp8")["peak_tflops"], preset_inputs("H20", "fp8")["kv_bytes"]
    (296.0, 1.0)
    >>> preset_inputs("Ascend 910C")
    Traceback (most recent call last):
    ...
    xlsizing.errors.MissingFigure: Ascend 910C has no tdp_w (board power (TDP), W) in the catalog; add it to a user catalog file: [[accelerator]] name = "Ascend 910C", tdp_w = ...
    """
    acc = get(accelerator, catalog)
    figures = {"peak_tflops": lambda h: acc.peak_tflops(precision),
               "bytes_per_weight": lambda h: bytes_per_weight(precision),
               "memory_gb": lambda h: acc.value("memory_gb", h), "bandwidth_tbs": lambda h: acc.value("bandwidth_tbs", h),
               "tdp_w": lambda h: acc.value("tdp_w", h),
               # the scale-up link the communication term divides by (GB/s per card, each way)
               "interconnect_gbs": lambda h: acc.value("interconnect_gbs", h)}
    out = _collect(figures, missing, how)
    if kv_bytes is None and precision.lower() in LOW_PRECISIONS:
        kv_bytes = 1.0
    if kv_bytes is not None:
        out["kv_bytes"] = kv_bytes
    return out


def server_inputs(accelerator: str = "H20", catalog: Catalog | None = None, missing: dict | None = None,
                  how=None) -> dict:
    """The server of an accelerator as the Figure 11 inputs ``server_price_wan`` (万元) and ``cards_per_server``.

    From its catalog entry only; a missing one as in :func:`preset_inputs`.

    >>> server_inputs("H20")      # Minsheng Figure 11: 84万元 per 8-card server
    {'server_price_wan': 84.0, 'cards_per_server': 8.0}
    >>> missing = {}
    >>> server_inputs("L20", missing=missing), sorted(missing)
    ({'cards_per_server': 8.0}, ['server_price_wan'])
    """
    acc = get(accelerator, catalog)
    return _collect({"server_price_wan": lambda h: server_price_wan(acc, h),
                     "cards_per_server": lambda h: acc.value("cards_per_server", h)}, missing, how)


def _collect(figures: dict, missing: dict | None, how) -> dict:
    out = {}
    for key, figure in figures.items():
        try:
            out[key] = figure(how(key) if how else None)
        except MissingFigure as e:
            if missing is None:
                raise
            missing[key] = e
    return out
