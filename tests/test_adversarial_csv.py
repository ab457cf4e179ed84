"""Adversarial: >= 500 generated CSV scenario files in every encoding Excel writes, through the installed command.

Oracles: (1) for a valid file, the generator's own numbers: each scenario is also built in
process with :func:`xlsizing.scenarios.make_scenario` from the values the generator wrote (not
through any CSV reader), and the command's JSON must give exactly those inputs and the same
capex; (2) for a malformed file, the CLI contract (docs/cli.md): exit 2, exactly one
``Error: <file>:<line>: …`` line naming the file and the line the generator damaged, nothing on
stdout, no output file.  Files are deterministic (seeded); a failure names the case.

Valid files vary everything Excel varies: the encoding (UTF-8 with and without byte-order mark,
UTF-16 LE/BE with a byte-order mark as "Unicode text" writes it, UTF-16 LE without one, UTF-32,
GBK as a Chinese Windows "CSV (逗号分隔)" writes it, GB18030), the separator (comma; tab, as
"Unicode text" writes it; semicolon), numbers as Excel shows them (thousands grouped "12,345.5",
"50%", surrounding spaces and no-break spaces), names (CJK, Latin accents, emoji where the
encoding holds them), CRLF or LF line ends, blank lines, empty cells.  Many valid files go
through one command (25 per ``xlsizing table`` call), so 520 files cost about 60 process starts.
"""

from __future__ import annotations

import json
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from xlsizing.scenarios import INPUTS, make_scenario, values

from test_cli import XLSIZING

SEED = 20261201
N_VALID = 520
N_BAD = 60
PER_CALL = 25
CONCURRENCY = 4

RULES = {r.key: r.rule for r in INPUTS}
FRACTIONS = [k for k, r in RULES.items() if r.hi == 1.0]
AT_LEAST_ONE = [k for k, r in RULES.items() if r.lo == 1.0]
OPTIONAL = [k for k in RULES if k not in ("mau_wan", "peak_multiplier")]

# (label, codec, byte-order mark written before the text, separator choices)
ENCODINGS = [
    ("utf-8", "utf-8", b"", ",;"),
    ("utf-8-bom", "utf-8", b"\xef\xbb\xbf", ","),               # Excel "CSV UTF-8"
    ("utf-16-le-bom", "utf-16-le", b"\xff\xfe", "\t"),          # Excel "Unicode text"
    ("utf-16-be-bom", "utf-16-be", b"\xfe\xff", "\t,"),
    ("utf-16-le", "utf-16-le", b"", "\t,"),
    ("utf-32", "utf-32-le", b"\xff\xfe\x00\x00", ","),
    ("gbk", "gbk", b"", ",;"),                                  # Excel "CSV (逗号分隔)" on a Chinese Windows
    ("gb18030", "gb18030", b"", ","),
]
NAMES = ["保守", "中性", "乐观", "2024年末", "基准情形", "Größe", "café", "naïve", "測試", "情形😀", "a b", "x-1"]


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def _value(rng: random.Random, key: str) -> float:
    if key in FRACTIONS:
        return rng.choice([round(rng.uniform(0.01, 1.0), 4), rng.randint(1, 100) / 100])
    if key in AT_LEAST_ONE:
        return rng.choice([float(rng.randint(1, 16)), round(rng.uniform(1.0, 16.0), 3)])
    return rng.choice([float(rng.randint(1, 200000)), float(f"{10 ** rng.uniform(-2, 8):.6g}")])


def _cell(rng: random.Random, key: str, v: float, sep: str, codec: str) -> tuple[str, float]:
    """The text Excel might show for ``v`` and the number it stands for (what the reader must get)."""
    style = rng.choice(["plain", "plain", "grouped", "percent", "spaces"])
    if style == "percent" and key in FRACTIONS:
        p = round(v * 100, 2)
        return rng.choice([f"{p:g}%", f"{p:g} %"]), p / 100  # Excel stores 56.25% as 56.25 / 100
    if style == "grouped" and sep != ";" and v >= 1000 and v == int(v):
        text = f"{int(v):,}"
        return (f'"{text}"' if sep == "," else text), v  # a comma inside a cell is quoted in a comma file
    if style == "spaces":  # no-break and ideographic spaces where the encoding holds them (GBK has no U+00A0)
        pads = [c for c in (" ", "  ", "\u00a0", "\u3000") if _encodable(c, codec)]
        return rng.choice(pads) + repr(v) + rng.choice(pads + [""]), v
    return repr(v), v


def valid_case(rng: random.Random, index: int):
    """``(label, file bytes, [(name, {key: value})])`` of one valid CSV file."""
    label, codec, bom, seps = rng.choice(ENCODINGS)
    sep = rng.choice(seps)
    keys = ["mau_wan", "peak_multiplier"] + rng.sample(OPTIONAL, rng.randint(0, 5))
    rng.shuffle(keys)
    cols = ["name"] + (["name_en"] if rng.random() < 0.5 else []) + keys
    lines = [sep.join(cols)]
    expected = []
    for j in range(rng.randint(1, 3)):
        name = next(n for n in (rng.choice(NAMES) for _ in range(50)) if _encodable(n, codec))
        name = f"{name} {index}.{j}"  # unique across the files of one command
        cells, vals = [], {}
        for c in cols:
            if c == "name":
                cells.append(name)
            elif c == "name_en":
                cells.append(f"case {index}.{j}")
            elif c != "mau_wan" and c != "peak_multiplier" and rng.random() < 0.15:
                cells.append("")  # an empty cell takes the default
            else:
                text, v = _cell(rng, c, _value(rng, c), sep, codec)
                cells.append(text)
                vals[c] = v
        lines.append(sep.join(cells))
        if rng.random() < 0.1:
            lines.append("")  # a blank line between rows is skipped
        expected.append((name, vals))
    eol = rng.choice(["\n", "\r\n"])
    text = eol.join(lines) + (eol if rng.random() < 0.8 else "")
    return f"{label}-{'tab' if sep == chr(9) else sep}", bom + text.encode(codec), expected


def bad_case(rng: random.Random, index: int):
    """``(label, file bytes, line the damage is on)``: a valid file with bytes its encoding cannot hold."""
    kind = rng.choice(["utf8-invalid", "utf8-bom-invalid", "utf16-lone-surrogate", "utf16-odd-length",
                       "neither-utf8-nor-gb18030", "latin1"])
    header = "name,mau_wan,peak_multiplier"
    rows = [f"s{i},{rng.randint(1, 9999)},{rng.randint(1, 8)}" for i in range(rng.randint(1, 6))]
    bad = rng.randrange(len(rows)) + 2  # 1-based line of the damaged row (the header is line 1)
    if kind in ("utf8-invalid", "utf8-bom-invalid", "neither-utf8-nor-gb18030"):
        junk = rng.choice([b"\xff", b"\xfe\xff", b"\x80\x80\xff", b"\xc3\x28\xff", b"\xed\xa0\x80\xff"])
        data = [r.encode() for r in [header] + rows]
        data[bad - 1] = data[bad - 1][:2] + junk + data[bad - 1][2:]
        out = b"\n".join(data) + b"\n"
        return kind, (b"\xef\xbb\xbf" + out if kind == "utf8-bom-invalid" else out), bad
    if kind == "latin1":  # é followed by a comma: GB18030 cannot read it either
        rows[bad - 2] = rows[bad - 2].replace(f"s{bad - 2},", f"café{bad - 2},", 1)
        return kind, ("\n".join([header] + rows) + "\n").encode("latin-1"), bad
    text = "\n".join([header.replace(",", "\t")] + [r.replace(",", "\t") for r in rows]) + "\n"
    data = bytearray(b"\xff\xfe" + text.encode("utf-16-le"))
    if kind == "utf16-odd-length":  # a file cut in the middle of its last character
        return kind, bytes(data[:-1]), len(rows) + 1
    offset = 2 + len("\n".join([header] + rows[:bad - 2]).encode("utf-16-le")) + 2  # BOM, lines, newline
    data[offset:offset] = b"\x00\xdc"  # U+DC00, a low surrogate with no high one before it
    return kind, bytes(data), bad


def generate():
    rng = random.Random(SEED)
    valid = [valid_case(rng, i) for i in range(N_VALID)]
    bad = [bad_case(rng, i) for i in range(N_BAD)]
    return valid, bad


VALID, BAD = generate()


def test_the_generator_covers_every_encoding_and_separator():
    labels = {label for label, _, _ in VALID}
    assert len(VALID) + len(BAD) >= 500 and len(VALID) >= 500
    for enc, _, _, seps in ENCODINGS:
        for sep in seps:
            assert f"{enc}-{'tab' if sep == chr(9) else sep}" in labels
    data = b"".join(d for _, d, _ in VALID)
    assert b'"' in data and b"%" in data and b"\r\n" in data  # grouped numbers, percents, CRLF
    assert {k for k, _, _ in BAD} == {"utf8-invalid", "utf8-bom-invalid", "utf16-lone-surrogate", "utf16-odd-length",
                                     "neither-utf8-nor-gb18030", "latin1"}


def _run(args, cwd):
    return subprocess.run([str(XLSIZING), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def _check_chunk(chunk, root: Path):
    """One ``table`` call over up to PER_CALL files; the problems found."""
    d = root / f"chunk{chunk[0][0]}"
    d.mkdir()
    names = []
    for i, (label, data, _) in chunk:
        (d / f"{i:04d}-{label}.csv").write_bytes(data)
        names.append(f"{i:04d}-{label}.csv")
    p = _run(["table", *names, "--format", "json", "--sheet", "figure11"], d)
    if p.returncode != 0:
        return [f"chunk {chunk[0][0]}: exit {p.returncode}: {p.stderr.strip()[:300]}"]
    got = json.loads(p.stdout)
    want = [(f, name, vals) for (i, (label, _, exp)), f in zip(chunk, names) for name, vals in exp]
    if len(got) != len(want):
        return [f"chunk {chunk[0][0]}: {len(got)} scenarios, expected {len(want)}"]
    problems = []
    oracle = values([make_scenario(name, **vals) for _, name, vals in want], None)
    for j, (rec, (f, name, vals)) in enumerate(zip(got, want)):
        if rec["name"] != name:
            problems.append(f"{f}: name {rec['name']!r} != {name!r}")
        for k, v in vals.items():
            if rec[k] != v:
                problems.append(f"{f}: {name}: {k} = {rec[k]!r}, expected {v!r}")
        if abs(rec["capex_yi"] - oracle["capex_yi"][j]) > 1e-9 * abs(oracle["capex_yi"][j]):
            problems.append(f"{f}: {name}: capex {rec['capex_yi']!r} != {oracle['capex_yi'][j]!r}")
    return problems


def test_valid_csv_files_in_every_encoding(tmp_path):
    cases = list(enumerate(VALID))
    chunks = [cases[i:i + PER_CALL] for i in range(0, len(cases), PER_CALL)]
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        problems = [p for ps in pool.map(lambda c: _check_chunk(c, tmp_path), chunks) for p in ps]
    assert not problems, f"{len(problems)} problems; first: {problems[:5]}"


def test_valid_csv_files_build_workbooks(tmp_path):
    # two calls of build with 25 files each: every name reaches the workbook's header
    import openpyxl

    for start in (0, 260):
        chunk = list(enumerate(VALID))[start:start + PER_CALL]
        d = tmp_path / f"b{start}"
        d.mkdir()
        files = []
        for i, (label, data, _) in chunk:
            files.append(f"{i:04d}-{label}.csv")
            (d / files[-1]).write_bytes(data)
        p = _run(["build", *files, "-o", "all.xlsx"], d)
        assert p.returncode == 0, p.stderr
        ws = openpyxl.load_workbook(d / "all.xlsx").worksheets[0]
        header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "项目")
        assert [h for h in header[3:] if h] == [name for _, (_, _, exp) in chunk for name, _ in exp]


def _check_bad(case, root: Path):
    i, (kind, data, line) = case
    cmd = ["table", "build", "batch"][i % 3]
    d = root / f"bad{i}"
    d.mkdir()
    (d / "s.csv").write_bytes(data)
    args = {"table": ["table", "s.csv"], "build": ["build", "s.csv", "-o", "o.xlsx"],
            "batch": ["batch", "s.csv", "--outdir", "out"]}[cmd]
    p = _run(args, d)
    problems = []
    lines = p.stderr.splitlines()
    if p.returncode != 2:
        problems.append(f"exit {p.returncode}")
    if len(lines) != 1 or not lines[0].startswith(f"Error: s.csv:{line}: "):
        problems.append(f"stderr {p.stderr[:200]!r} (expected line {line})")
    if "Traceback" in p.stderr or "internal error" in p.stderr or p.stdout:
        problems.append("traceback or output")
    if sorted(x.name for x in d.iterdir()) != ["s.csv"]:
        problems.append("an output was written")
    return [f"bad {i} ({kind}, {cmd}): {'; '.join(problems)}"] if problems else []


def test_malformed_encodings_name_the_line(tmp_path):
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        problems = [p for ps in pool.map(lambda c: _check_bad(c, tmp_path), enumerate(BAD)) for p in ps]
    assert not problems, f"{len(problems)} of {len(BAD)} mishandled; first: {problems[:5]}"


@pytest.mark.parametrize("kind", ["utf8-invalid", "latin1", "utf16-lone-surrogate"])
def test_the_line_oracle_itself(kind):
    # the generator's line numbers, checked in process against the reader (a cheap guard)
    from xlsizing.csvin import decode
    from xlsizing.errors import ScenarioFileError

    case = next(c for c in BAD if c[0] == kind)
    with pytest.raises(ScenarioFileError, match=rf"^s.csv:{case[2]}: "):
        decode(case[1], "s.csv")
