"""Scenario files (TOML) and the report's built-in scenario set.

A scenario file holds an optional ``[defaults]`` table shared by every scenario and one
``[[scenario]]`` table per column.  Keys are the input rows of the sheets (:mod:`xlsizing.sheets`; units in
the names: ``_wan`` = 万, ``_yi`` = 亿), plus two conveniences:

* ``dau_wan`` instead of ``mau_wan`` (MAU is then DAU / activity_ratio);
* ``daily_tokens_yi`` instead of ``ref_tokens_yi``/``ref_dau_wan`` (the scenario's own day);
* ``card_share`` (the Economics sheet's cards' share of a server's value) instead of
  ``server_price_wan``: the server price is then ``card_price_wan × cards_per_server ÷ card_share``.

The inputs of the other sheets of :data:`xlsizing.sheets.SHEETS` (the Beyond sheet's
``bandwidth_tbs``, ``batch``, ``bytes_per_weight``, ...) may be set too, in ``[defaults]`` or per
scenario; a key set nowhere takes the sheet's default (or, for a linked input, follows the row it
links to).  They are kept apart, in :attr:`Scenario.extra`: only what the scenario sets.

Text keys ``name``, ``name_en`` and ``note`` are kept as text; names must be unique in a file.
A key in a ``[[scenario]]`` overrides ``[defaults]``, including the keys it conflicts with
(``dau_wan`` replaces a default ``mau_wan``; ``daily_tokens_yi`` replaces the reference day).
Errors name the file, the line, the key, the value and what is allowed, with a "did you mean"
hint for a misspelt key.  ``templates/scenarios-starter.toml`` documents every key and its unit.

>>> [s.name for s in load_builtin("figure11")]
['2024年末', '保守', '中性', '乐观']
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from . import sheets as sheetlist
from ._args import fmt_value
from .errors import InvalidInput, ScenarioFileError, UnknownScenarioSet
from .fileio import read_text
from .sheets import FIGURE11
from .economics import server_price_wan as server_price_from_parts
from .suggest import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

INPUTS = FIGURE11.inputs  # the Figure 11 inputs: every scenario holds all of them (Scenario.values)
ROW = FIGURE11.row

TEXT_KEYS = ("name", "name_en", "note", "model", "accelerator", "precision")
# ``model = "NAME"`` (a shipped Hugging Face config) or ``model = "path/config.json"`` sets the
# Beyond sheet's model inputs (xlsizing.hfconfig); keys the same table gives itself win.
# convenience keys → the input row whose rule they follow
ALIASES = {"dau_wan": "mau_wan", "daily_tokens_yi": "ref_tokens_yi"}
BUILTIN = {"figure11": "figure11.toml", "starter": "scenarios-starter.toml"}  # also in templates/
MAX_TEXT = 200


@dataclass
class Scenario:
    """One scenario column: display names and the validated input values (floats).

    ``values`` holds every Figure 11 input (defaults filled in); ``extra`` the inputs of the other
    sheets that the scenario sets itself (the rest take their defaults or follow their links).
    """

    name: str
    values: dict[str, float]
    name_en: str = ""
    note: str = ""
    source: str = field(default="", compare=False)
    extra: dict[str, float] = field(default_factory=dict)  # other sheets' inputs this scenario sets
    # the [workbook] table of its file: title, title_en, source (the workbook's heading and source line)
    workbook: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def beyond(self) -> dict[str, float]:
        """The other sheets' inputs this scenario sets (the name from when Beyond was the only other sheet)."""
        return self.extra

    def inputs(self) -> dict[str, float]:
        """Every input the scenario gives, for :func:`xlsizing.sheets.evaluate_column`."""
        return {**self.values, **self.extra}


def scenario_values(s: Scenario) -> dict[str, float]:
    """The inputs a scenario gives (its Figure 11 inputs and the other sheets' inputs it sets)."""
    return {**s.values, **s.extra}


def extra_keys() -> list[str]:
    """The input keys of the sheets after Figure 11, which a scenario may also set.

    >>> "bandwidth_tbs" in extra_keys() and "mfu" not in extra_keys()
    True
    """
    return [r.key for s in sheetlist.SHEETS if s is not FIGURE11 for r in s.inputs]


def allowed_keys() -> list[str]:
    return list(TEXT_KEYS) + [r.key for r in INPUTS] + list(ALIASES) + extra_keys()


def rule_for(key: str):
    """The rule a numeric key's value must meet (an alias follows its row's); KeyError for a text or unknown key.

    >>> rule_for("mfu").allowed, rule_for("dau_wan").allowed, rule_for("batch").allowed
    ('in (0, 1]', '> 0', '>= 1')
    """
    key = ALIASES.get(key, key)
    row = sheetlist.row(key)
    if row.rule is None:
        raise KeyError(key)
    return row.rule


def _line_of(text: str, key: str, table_index: int | None) -> int | None:
    """Best-effort line number of ``key = …`` inside the n-th [[scenario]] (or [defaults])."""
    lines = text.splitlines()
    start, seen = 0, -1
    header = re.compile(r"^\s*\[\[\s*scenario\s*\]\]") if table_index is not None else re.compile(r"^\s*\[\s*defaults\s*\]")
    for i, line in enumerate(lines):
        if header.match(line):
            seen += 1
            if table_index is None or seen == table_index:
                start = i
                break
    else:
        start = 0
    pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for i in range(start, len(lines)):
        if i > start and re.match(r"^\s*\[", lines[i]):
            break
        if pat.match(lines[i]):
            return i + 1
    # a nested table ([scenario.key], [[scenario.key]], [defaults.key]) has its own header line,
    # anywhere up to the next [[scenario]]
    table = "scenario" if table_index is not None else "defaults"
    nested = re.compile(rf"^\s*\[\[?\s*[\"']?{table}[\"']?\s*\.\s*[\"']?{re.escape(key)}[\"']?\s*[\].]")
    for i in range(start, len(lines)):
        if i > start and header.match(lines[i]):
            break
        if nested.match(lines[i]):
            return i + 1
    return start + 1 if start or lines else None


class _Where:
    quotes = True  # TOML: a number written in quotes is text

    def __init__(self, source: str, text: str):
        self.source, self.text = source, text

    def line_of(self, key: str, table: int | None) -> int | None:
        return _line_of(self.text, key, table) if self.text else None

    def fail(self, msg: str, key: str | None = None, table: int | None = None, line: int | None = None):
        if line is None and key is not None:
            line = self.line_of(key, table)
        loc = f"{self.source}:{line}" if line else self.source
        raise ScenarioFileError(f"{loc}: {msg}")


def _check_number(where: _Where, key: str, value, table, label: str) -> float:
    rule = rule_for(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = {list: "a list", dict: "a table"}.get(type(value)) or fmt_value(value)
        if not isinstance(value, (str, list, dict, bool)):
            shown = f"{value} ({type(value).__name__})"  # TOML dates and times
        where.fail(f"{label}{key} = {shown}: must be a number" + (" (without quotes)" if isinstance(value, str) and where.quotes else ""),
                   key, table)
    try:
        v = float(value)
    except OverflowError:  # TOML integers are unbounded in tomllib
        where.fail(f"{label}{key} = {str(value)[:20]}...: too large; must be a finite number", key, table)
    if not math.isfinite(v):
        where.fail(f"{label}{key} = {fmt_value(v)}: must be a finite number", key, table)
    if not rule.element_ok(v):
        where.fail(f"{label}{key} = {fmt_value(value)}: must be {rule.allowed}", key, table)
    return v


def _check_table(where: _Where, table: Mapping, index: int | None) -> dict:
    label = "[defaults] " if index is None else f"scenario {index + 1}: "
    allowed = allowed_keys()
    out = {}
    for key, value in table.items():
        if key not in allowed:
            where.fail(f"{label}unknown key {key!r}{did_you_mean(key, allowed, allowed=True)}", key, index)
        if key in TEXT_KEYS:
            if index is None and key == "name":
                where.fail(f"{label}name belongs in each [[scenario]], not in [defaults]", key, index)
            if not isinstance(value, str):
                where.fail(f"{label}{key} = {fmt_value(value)}: must be text (in quotes)", key, index)
            if len(value) > MAX_TEXT or any(ord(c) < 32 and c not in "\t" for c in value):
                where.fail(f"{label}{key}: must be one line of at most {MAX_TEXT} characters", key, index)
            out[key] = value
        else:
            out[key] = _check_number(where, key, value, index, label)
    if "accelerator" in out or "precision" in out:
        out = {**_accelerator_inputs(where, out, index, label), **out}
        out.pop("accelerator", None), out.pop("precision", None)
    if "model" in out:
        return {**_model_inputs(where, out.pop("model"), index, label), **out}
    return out


# where a catalog figure goes: the card peak is Figure 11's (the Beyond sheet follows it), the
# server is Figure 11's, the rest are the Beyond sheet's hardware inputs
_ACCELERATOR_KEYS = {"peak_tflops": "card_tflops"}


def _accelerator_inputs(where: _Where, table: dict, index: int | None, label: str) -> dict:
    """The inputs a table's ``accelerator`` (and ``precision``) stand for, from the catalog.

    Every figure the sheets need comes from the accelerator's catalog entry: its dense peak at the
    precision (Figure 11's ``card_tflops``, which the Beyond sheet follows), bytes per weight (and
    a 1-byte KV cache at FP8 and below), memory, bandwidth, TDP, interconnect, and its server
    (price and cards per server).  A figure the entry lacks is an error naming the accelerator and
    the figure, unless the same table gives that input itself.
    """
    from . import catalog
    from .errors import MissingFigure, UnknownAccelerator

    name, precision = table.get("accelerator", "H20"), table.get("precision", "bf16")
    missing: dict = {}
    try:
        found = {**catalog.preset_inputs(name, precision, missing=missing),
                 **catalog.server_inputs(name, missing=missing)}
    except (UnknownAccelerator, InvalidInput, MissingFigure) as e:
        key = "accelerator" if isinstance(e, UnknownAccelerator) or "precision" not in table else "precision"
        where.fail(f"{label}{key} = {fmt_value(table.get(key, name))}: {e}", key, index)
    out = {_ACCELERATOR_KEYS.get(k, k): v for k, v in found.items()}
    for key, error in missing.items():
        key = _ACCELERATOR_KEYS.get(key, key)
        if key not in table:
            where.fail(f"{label}accelerator = {fmt_value(name)}: {error.args[0].split(';')[0]}; give {key} "
                       f"in this table, or add the figure to a catalog file", "accelerator", index)
    return out


def _model_inputs(where: _Where, model: str, index: int | None, label: str) -> dict:
    """The Beyond-sheet inputs of ``model`` (a shipped name or a config.json path, relative to the file)."""
    from .errors import UnknownModel
    from .hfconfig import load

    target = model
    if (model.endswith(".json") or "/" in model) and not Path(model).is_absolute() and Path(where.source).is_file():
        target = str(Path(where.source).parent / model)
    try:
        return load(target).beyond_inputs()
    except (InvalidInput, UnknownModel) as e:
        where.fail(f"{label}model = {fmt_value(model)}: {e}", "model", index)


def _resolve(where: _Where, merged: dict, index: int) -> Scenario:
    label = f"scenario {index + 1}: "
    v = {k: x for k, x in merged.items() if k not in TEXT_KEYS and k != "_explicit"}
    derived: dict[str, str] = {}  # inputs computed here from others: key → how
    if "dau_wan" in v and "mau_wan" in v:
        # both given: the activity ratio follows from them (unless it was also given)
        if "activity_ratio" in merged.get("_explicit", ()):
            where.fail(f"{label}give two of mau_wan, dau_wan, activity_ratio, not all three", "dau_wan", index)
        ratio = v["dau_wan"] / v["mau_wan"]
        if ratio == 0:  # both in range, their ratio below the smallest double
            where.fail(f"{label}activity_ratio = dau_wan / mau_wan = {fmt_value(v['dau_wan'])} / "
                       f"{fmt_value(v['mau_wan'])} underflows to 0; must be in (0, 1]", "dau_wan", index)
        if not 0 < ratio <= 1:
            where.fail(f"{label}dau_wan = {fmt_value(v['dau_wan'])}: must not exceed mau_wan "
                       f"({fmt_value(v['mau_wan'])})", "dau_wan", index)
        v["activity_ratio"] = ratio
    elif "dau_wan" in v:
        v["mau_wan"] = v["dau_wan"] / v.get("activity_ratio", ROW["activity_ratio"].default)
        derived["mau_wan"] = "dau_wan / activity_ratio"
    dau = v.pop("dau_wan", None)
    if "daily_tokens_yi" in v:
        if "ref_tokens_yi" in merged.get("_explicit", ()):
            where.fail(f"{label}give daily_tokens_yi or ref_tokens_yi, not both", "daily_tokens_yi", index)
        v["ref_tokens_yi"] = v.pop("daily_tokens_yi")
        if dau is None and "mau_wan" not in v:  # the scenario's own day needs its users
            where.fail(f"{label}daily_tokens_yi needs the scenario's users: give mau_wan or dau_wan too",
                       "daily_tokens_yi", index)
        v["ref_dau_wan"] = dau if dau is not None else v["mau_wan"] * v.get("activity_ratio", ROW["activity_ratio"].default)
        derived["ref_dau_wan"] = "the scenario's DAU" if dau is not None else "mau_wan × activity_ratio"
    if "card_share" in v:  # the server price from its parts (the Economics sheet's card_share)
        if "server_price_wan" in merged.get("_explicit", ()):
            where.fail(f"{label}give server_price_wan or card_share (the server price is then card_price_wan × "
                       "cards_per_server ÷ card_share), not both", "card_share", index)
        v["server_price_wan"] = server_price_from_parts(
            v.get("card_price_wan", ROW["card_price_wan"].default),
            v.get("cards_per_server", ROW["cards_per_server"].default), v["card_share"])
        derived["server_price_wan"] = "card_price_wan × cards_per_server ÷ card_share"
    for k, how in derived.items():  # a derived input outside its rule: overflow or underflow of the division
        rule = ROW[k].rule
        if not rule.element_ok(v[k]):
            shown = fmt_value(v[k])
            where.fail(f"{label}{k} = {how} = {shown} {'overflows' if abs(v[k]) > 1 else 'underflows'}; "
                       f"must be {rule.allowed} (a finite number)",
                       next((k2 for k2 in ("dau_wan", "card_share") if k2 in how), "daily_tokens_yi"),
                       index)
    for r in INPUTS:
        if r.key not in v:
            if r.default is None:
                where.fail(f"{label}{r.key} is required ({r.en}, {r.unit or 'ratio'})"
                           + (" — or give dau_wan" if r.key == "mau_wan" else ""), None, index,
                           line=where.line_of("name", index))
            v[r.key] = r.default
    extra = {k: v.pop(k) for k in extra_keys() if k in v}
    name = merged.get("name") or f"S{index + 1}"
    return Scenario(name=name, values=v, name_en=merged.get("name_en", ""), note=merged.get("note", ""),
                    source=where.source, extra=extra)


# A scenario's own key replaces the [defaults] keys it conflicts with: a scenario that gives
# dau_wan drops the default mau_wan; one that gives daily_tokens_yi drops the reference day.
_REPLACES = {
    "card_share": ("server_price_wan",),
    "server_price_wan": ("card_share",),
    "mau_wan": ("dau_wan",),
    "dau_wan": ("mau_wan",),
    "daily_tokens_yi": ("ref_tokens_yi", "ref_dau_wan"),
    "ref_tokens_yi": ("daily_tokens_yi",),
}


def _overridable(base: dict, own: dict) -> dict:
    drop = {d for k in own for d in _REPLACES.get(k, ())}
    if "mau_wan" in own and "dau_wan" in own:
        drop.add("activity_ratio")  # the scenario's own MAU and DAU fix the ratio
    return {k: v for k, v in base.items() if k not in drop}


def parse_scenarios(text: str, source: str = "<text>") -> list[Scenario]:
    """Parse scenario TOML text; ``source`` names it in error messages."""
    where = _Where(source, text)
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        where.fail("not valid TOML: arrays or tables nested too deeply")
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        where.fail(f"not valid TOML: {msg}" + (f" (column {m.group(2)})" if m else ""),
                   line=int(m.group(1)) if m else None)
    except ValueError:  # tomllib's int() refuses numbers of more than 4300 digits
        line = next((i + 1 for i, ln in enumerate(text.splitlines()) if re.search(r"\d{4000}", ln)), None)
        where.fail("not valid TOML: a number with thousands of digits; must be a finite number", line=line)
    for key in doc:
        if key not in ("defaults", "scenario", "workbook"):
            if key in allowed_keys():
                hint = " (put it under [defaults] or a [[scenario]])"
            else:
                hint = did_you_mean(key, ["workbook", "defaults", "scenario"] + allowed_keys(), allowed=True,
                                    allowed_text="[workbook], [defaults], [[scenario]]")
            line = next((i + 1 for i, l in enumerate(text.splitlines())
                         if re.match(rf"^\s*\[*\s*[\"']?{re.escape(key)}\b", l)), None)
            where.fail(f"unknown top-level key {key!r}{hint}", line=line)
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict):
        where.fail("defaults must be a table: [defaults]", "defaults", None)
    tables = doc.get("scenario")
    if tables is None:
        where.fail("no scenarios: add at least one [[scenario]] table with name and mau_wan", line=None)
    if isinstance(tables, dict) or not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        where.fail("scenario must be an array of tables: write each as [[scenario]]", line=None)
    if not tables:
        where.fail("no scenarios: add at least one [[scenario]] table", line=None)
    meta = _check_workbook(where, doc.get("workbook", {}))
    out = _build(where, defaults, tables)
    for sc in out:
        sc.workbook = meta
    return out


WORKBOOK_KEYS = ("title", "title_en", "source")


def _check_workbook(where: _Where, table) -> dict[str, str]:
    """The ``[workbook]`` table: the title (and English subtitle) and source line of the workbook."""
    def line_of(key):  # ``key = …`` or a nested table's own header ``[workbook.key]``
        return next((i + 1 for i, ln in enumerate(where.text.splitlines())
                     if re.match(rf"^\s*{re.escape(key)}\s*=", ln)
                     or re.match(rf"^\s*\[\[?\s*workbook\s*\.\s*{re.escape(key)}\s*[\].]", ln)), None)

    if not isinstance(table, dict):
        where.fail("workbook must be a table: [workbook] with title and source", line=line_of("workbook"))
    out = {}
    for key, value in table.items():
        if key not in WORKBOOK_KEYS:
            where.fail(f"[workbook] unknown key {key!r}{did_you_mean(key, list(WORKBOOK_KEYS), allowed=True)}",
                       line=line_of(key))
        if not isinstance(value, str) or not value.strip():
            where.fail(f"[workbook] {key} = {fmt_value(value)}: must be text (in quotes)", line=line_of(key))
        if len(value) > MAX_TEXT * 2 or any(ord(c) < 32 for c in value):
            where.fail(f"[workbook] {key}: must be one line of at most {MAX_TEXT * 2} characters", line=line_of(key))
        out[key] = value
    return out


# The heading of a workbook of scenarios that are not the report's own (no [workbook] table)
NEUTRAL_TITLE_ZH = "AI推理算力需求测算（自定义情形）"
NEUTRAL_TITLE_EN = "AI inference compute demand: your scenarios"
REPORT_SOURCE = "builtin:figure11"


def sheet_heading(sheet, scenarios: Sequence[Scenario]) -> tuple[str, str, str]:
    """``(title_zh, title_en, source line)`` a sheet shows for these scenarios.

    The report's title and source line only for the report's own scenarios (the built-in
    ``figure11`` set, unchanged); for any other scenarios the ``[workbook]`` table of their file,
    else a neutral title and a source line naming the scenario files and xlsizing, so a model
    mailed around never attributes an analyst's numbers to the report.  Sheets after Figure 11
    keep their own heading.

    >>> sheet_heading(FIGURE11, load_builtin("figure11"))[0]
    '图11：三种假设情形下，豆包带来的推理需求测算'
    >>> sheet_heading(FIGURE11, parse_scenarios('[[scenario]]\\nmau_wan = 1\\npeak_multiplier = 4', "my.toml"))[2]
    '资料来源：my.toml，xlsizing 测算 / Source: scenarios from my.toml; computed by xlsizing'
    """
    if sheet is not FIGURE11:
        return sheet.title_zh, sheet.title_en, sheet.source
    scenarios = list(scenarios)
    if scenarios and all(s.source == REPORT_SOURCE for s in scenarios):
        return sheet.title_zh, sheet.title_en, sheet.source
    meta = next((s.workbook for s in scenarios if s.workbook), {})
    def shown(src: str) -> str:  # a file by its name only: no folder of the analyst's machine in the workbook
        grid = src.endswith(" --grid")
        src = src[:-len(" --grid")] if grid else src
        name = src if src.startswith(("builtin:", "<")) else Path(src).name
        return f"{name} --grid" if grid else name

    files = ", ".join(dict.fromkeys(shown(s.source) for s in scenarios if s.source)) or "<arguments>"
    default_source = f"资料来源：{files}，xlsizing 测算 / Source: scenarios from {files}; computed by xlsizing"
    if "title" in meta:
        title_zh, title_en = meta["title"], meta.get("title_en", "")
    else:
        title_zh, title_en = NEUTRAL_TITLE_ZH, meta.get("title_en", NEUTRAL_TITLE_EN)
    return title_zh, title_en, meta.get("source", default_source)


def _build(where: _Where, defaults: dict, tables: list[dict]) -> list[Scenario]:
    base = _check_table(where, defaults, None)
    out = []
    first_use: dict[str, int] = {}  # name -> index of its first scenario: one look-up per scenario
    for i, t in enumerate(tables):
        own = _check_table(where, t, i)
        merged = {**_overridable(base, own), **own, "_explicit": tuple(own) + tuple(_overridable(base, own))}
        out.append(_resolve(where, merged, i))
        first = first_use.setdefault(out[-1].name, i)
        if first != i:
            where.fail(f"scenario {i + 1}: name {out[-1].name!r} is already used by scenario {first + 1}; "
                       "names must be unique", "name", i)
    return out


def load_file(path: str | Path) -> list[Scenario]:
    """Read a scenario TOML file (see module docstring)."""
    text = read_text(path, "scenario file", "TOML with at least one [[scenario]] table")
    return parse_scenarios(text, str(path))


def load_builtin(name: str = "figure11") -> list[Scenario]:
    """A scenario set shipped inside the package, by name (``figure11``: the report's columns)."""
    if name not in BUILTIN:
        raise UnknownScenarioSet(f"unknown scenario set {name!r}{did_you_mean(name, BUILTIN)}; "
                                 f"built-in: {', '.join(BUILTIN)}")
    text = resources.files("xlsizing").joinpath("data", BUILTIN[name]).read_text("utf-8")
    return parse_scenarios(text, f"builtin:{name}")


def builtin_text(name: str = "figure11") -> str:
    """The TOML text of a built-in set (for ``templates/`` and users who want a starting file)."""
    load_builtin(name)  # validates the name
    return resources.files("xlsizing").joinpath("data", BUILTIN[name]).read_text("utf-8")


def write_builtin(path: str | Path, name: str = "starter", *, force: bool = False) -> Path:
    """Write a built-in scenario file (default: the commented starter) for a user to edit."""
    from .fileio import atomic_write

    text = builtin_text(name)
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(text.encode("utf-8")), force=force)


def to_inputs(scenarios: Sequence[Scenario], sheets=None) -> dict[str, np.ndarray]:
    """Input arrays (one element per scenario) for :func:`xlsizing.sheets.evaluate` of ``sheets`` (default: all).

    Every Figure 11 input; an input of another sheet only when some scenario sets it — the others
    then take the row's default, or NaN ("follow the link") for a linked input.
    """
    if not scenarios:
        raise InvalidInput("scenarios must hold at least one scenario, got none")
    import numpy as np

    out = {r.key: np.array([s.values[r.key] for s in scenarios], dtype=np.float64) for r in INPUTS}
    for sheet in sheetlist.sheets(sheets):
        if sheet is FIGURE11:
            continue
        for r in sheet.inputs:
            own = [s.extra.get(r.key) for s in scenarios]
            if any(x is not None for x in own):
                unset = math.nan if r.is_linked else r.default
                out[r.key] = np.array([unset if x is None else x for x in own], dtype=np.float64)
    return out


def make_scenario(name: str, **values) -> Scenario:
    """Build a scenario in code: unspecified inputs take the report's defaults."""
    text_like = {"name": name, **values}
    where = _Where("<arguments>", "")
    checked = _check_table(where, text_like, 0)
    checked["_explicit"] = tuple(values)
    return _resolve(where, checked, 0)


class _CsvWhere(_Where):
    """Error locations in a CSV file: the line of each data row (header is line 1)."""

    quotes = False

    def __init__(self, source: str, lines: list[int]):
        super().__init__(source, "")
        self.lines = lines

    def line_of(self, key: str, table: int | None) -> int | None:
        return self.lines[table] if table is not None and table < len(self.lines) else 1


def parse_csv(text: str, source: str = "<csv>") -> list[Scenario]:
    """Scenarios from CSV text: a header of scenario keys, then one scenario per row.

    An empty cell takes the default, like a key left out of a TOML ``[[scenario]]``.  Cells are
    separated by commas, tabs (Excel's "Unicode text") or semicolons, whichever the header uses;
    numbers are read as Excel shows them (``"10,000"``, ``50%``, spaces around;
    :func:`xlsizing.csvin.excel_number`).

    >>> [round(s.values["mfu"], 2) for s in parse_csv("name,mau_wan,peak_multiplier,mfu\\na,6000,4,0.3\\nb,6000,4,")]
    [0.3, 0.5]
    """
    import csv

    from .csvin import delimiter, excel_number

    lines = text.splitlines()
    sep = delimiter(lines[0] if lines else "")
    reader = csv.reader(lines, delimiter=sep)
    where = _CsvWhere(source, [])
    try:
        header = next(reader, None)
        rows = []
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as e:
        where.fail(f"not valid CSV: {e}", line=reader.line_num)
    if not header or not any(h.strip() for h in header):
        where.fail("no header: the first line must name the scenario keys, e.g. name,mau_wan,peak_multiplier",
                   line=1)
    header = [h.strip() for h in header]
    allowed = allowed_keys()
    for col, key in enumerate(header):
        if key not in allowed:
            where.fail(f"column {col + 1}: unknown key {key!r}{did_you_mean(key, allowed, allowed=True)}", line=1)
        if header.index(key) != col:
            where.fail(f"column {col + 1}: key {key!r} appears twice in the header", line=1)
    if not rows:
        where.fail("no scenarios: add one row per scenario under the header", line=1)
    where.lines = [n for n, _ in rows]
    tables = []
    for i, (line, cells) in enumerate(rows):
        if len(cells) > len(header):
            where.fail(f"scenario {i + 1}: {len(cells)} cells but the header has {len(header)}", line=line)
        table = {}
        for key, cell in zip(header, cells):
            cell = cell.strip()
            if not cell:
                continue
            if key in TEXT_KEYS:
                table[key] = cell
            else:
                try:
                    number = excel_number(cell, decimal_comma=sep == ";")
                except ValueError as e:
                    where.fail(f"scenario {i + 1}: {key}: {e}", line=line)
                # text is refused below with the key, the value and what is allowed
                table[key] = cell if number is None else number
        tables.append(table)
    return _build(where, {}, tables)


def load_csv(path: str | Path, encoding: str | None = None) -> list[Scenario]:
    """Read a CSV file of scenarios (see :func:`parse_csv`) in any encoding Excel writes.

    ``encoding``: None detects UTF-8 (with or without a byte-order mark), UTF-16 (Excel's
    "Unicode text") and GB18030/GBK (a Chinese Excel's "CSV"); see :func:`xlsizing.csvin.decode`.
    """
    from .csvin import decode
    from .fileio import read_bytes

    expected = "CSV with a header of scenario keys"
    text, _ = decode(read_bytes(path, "scenario file", expected), str(path), encoding)
    if not text.lstrip("\ufeff").strip():
        raise ScenarioFileError(f"{path}: empty file; expected {expected}")
    return parse_csv(text.lstrip("\ufeff"), str(path))


def build_settled(where: _Where, tables: list[dict]) -> list[Scenario]:
    """Scenarios from tables that give every input (a frame, a workbook): only what a scenario sets counts.

    The Figure 11 inputs first (every scenario holds them all), then the other sheets' inputs
    that differ from what they would be anyway (their default, or the row they link to): a
    workbook shows ``card_share`` beside ``server_price_wan``, but a scenario sets one of them.
    """
    own = {r.key for r in sheetlist.FIGURE11.inputs}
    # an alias (dau_wan for mau_wan) stands for its input where the table lacks that input
    firsts = [{k: x for k, x in t.items() if k in TEXT_KEYS or k in own or (k in ALIASES and ALIASES[k] not in t)}
              for t in tables]
    base = _build(where, {}, firsts)
    fulls = []
    for s, t, f in zip(base, tables, firsts):
        follow = sheetlist.evaluate_column(scenario_values(s))
        # 1e-12: a workbook stores 15-16 significant digits of a default such as 10.2 / 5.6
        fulls.append({**f, **{k: x for k, x in t.items() if k not in f and not (
            isinstance(x, (int, float)) and not isinstance(x, bool) and k in follow
            and math.isclose(follow[k], float(x), rel_tol=1e-12))}})
    return _build(where, {}, fulls)


def derive(base: Scenario, name: str, source: str = "<arguments>", **overrides) -> Scenario:
    """``base`` with some keys replaced (aliases allowed: ``dau_wan``, ``daily_tokens_yi``).

    >>> s = derive(load_builtin()[0], "low MFU", mfu=0.25)
    >>> (s.name, s.values["mfu"], s.values["mau_wan"])
    ('low MFU', 0.25, 6000.0)
    """
    where = _Where(source, "")
    own = _check_table(where, overrides, 0)
    merged = {**_overridable(dict(base.extra), own), **_overridable(dict(base.values), own), **own, "name": name,
              "name_en": own.get("name_en", base.name_en), "note": own.get("note", base.note), "_explicit": tuple(own)}
    out = _resolve(where, merged, 0)
    out.workbook = base.workbook  # a variation of the user's scenario keeps the user's heading
    return out


def iter_names(scenarios: Iterable[Scenario]) -> list[str]:
    return [s.name for s in scenarios]


def values(scenarios: Sequence[Scenario], sheets=None) -> dict[str, list[float]]:
    """``{row key: [float per scenario]}`` of every row of ``sheets`` (default: all), by the one evaluator.

    A few scenarios are evaluated one at a time on floats (no numpy import), more as arrays; both
    ways give the same numbers (tests/test_column_path.py).  Each row in its unit.

    >>> [round(x, 2) for x in values(load_builtin("figure11"))["capex_yi"]]     # 亿元
    [455.46, 759.09, 1138.64, 1897.73]
    """
    selected = sheetlist.sheets(sheets)
    if len(scenarios) <= sheetlist.COLUMN_PATH_MAX:
        cols = [sheetlist.evaluate_column(scenario_values(s), selected) for s in scenarios]
        return {k: [c[k] for c in cols] for k in (cols[0] if cols else ())}
    import numpy as np

    out = sheetlist.evaluate(to_inputs(scenarios, selected), selected)
    return {k: np.asarray(v, dtype=np.float64).tolist() for k, v in out.items()}


def with_inputs(scenarios: Sequence[Scenario], base: Mapping[str, float] | None = None,
                override: Mapping[str, float] | None = None) -> list[Scenario]:
    """The scenarios with other sheets' inputs added: ``base`` where a scenario sets nothing, ``override`` always.

    The precedence of ``xlsizing beyond``: a scenario file's own values beat ``--accelerator`` /
    ``--precision`` (``base``), and ``--input`` (``override``) beats both.  Every key is checked
    against its row's rule.

    >>> s = with_inputs(load_builtin("figure11")[:1], {"batch": 32, "peak_tflops": 296}, {"batch": 16})
    >>> s[0].extra["batch"], s[0].extra["peak_tflops"]
    (16.0, 296.0)
    """
    import dataclasses

    from ._args import as_float

    allowed = extra_keys()

    def check(what, d):
        out = {}
        for k, v in (d or {}).items():
            if k not in allowed:
                raise InvalidInput(f"{what}: unknown input {k!r}{did_you_mean(k, allowed, allowed=True)}")
            out[k] = as_float(k, v, rule_for(k))
        return out

    b, o = check("preset", base), check("--input", override)
    return [dataclasses.replace(s, extra={**b, **s.extra, **o}) for s in scenarios]
