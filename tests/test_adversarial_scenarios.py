"""Adversarial: >= 500 generated malformed scenario files through the installed command.

Oracle: the CLI contract (docs/cli.md): a bad input file gives exit code 2, exactly one
``Error: <file>…`` line on stderr naming the file, no traceback, nothing on stdout, and no
output file or folder.  Each file is a valid scenario file (itself generated: 1-4 scenarios with
random valid values) with one seeded mutation, so the files are deterministic and a failure
names the mutation that caused it.  The commands that read scenario files (table, build, batch,
fill) take turns; the subprocesses run a few at a time to keep the suite fast on 2 cores.
Exact messages for hand-picked bad files are in test_cli.py and test_scenario_files.py.
"""

from __future__ import annotations

import codecs
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from xlsizing.errors import XlsizingError
from fig11 import INPUTS
from xlsizing.limits import check_results
from xlsizing.scenarios import allowed_keys, parse_csv, parse_scenarios

from test_cli import XLSIZING

N_FILES = 520
SEED = 20241226
CONCURRENCY = 4

RULES = {r.key: r.rule for r in INPUTS}
REQUIRED = [r.key for r in INPUTS if r.default is None]  # mau_wan, peak_multiplier
FRACTIONS = [k for k, r in RULES.items() if r.hi == 1.0]
AT_LEAST_ONE = [k for k, r in RULES.items() if r.lo == 1.0]
POSITIVE = [k for k in RULES if k not in FRACTIONS and k not in AT_LEAST_ONE]


def valid_value(rng: random.Random, key: str) -> float:
    if key in FRACTIONS:
        return round(rng.uniform(0.01, 1.0), 4)
    if key in AT_LEAST_ONE:
        return round(rng.uniform(1.0, 16.0), 3)
    return float(f"{10 ** rng.uniform(-2, 8):.6g}")


def valid_scenarios(rng: random.Random) -> list[dict]:
    out = []
    for i in range(rng.randint(1, 4)):
        s = {"name": f"s{i}-{rng.randint(0, 999)}"}
        for key in REQUIRED + rng.sample([k for k in RULES if k not in REQUIRED], rng.randint(0, 5)):
            s[key] = valid_value(rng, key)
        out.append(s)
    return out


def toml_value(v) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v)


def to_toml(scenarios: list[dict], defaults: dict | None = None) -> str:
    parts = []
    if defaults:
        parts.append("[defaults]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in defaults.items()))
    for s in scenarios:
        parts.append("[[scenario]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in s.items()))
    return "\n".join(parts)


def to_csv(scenarios: list[dict]) -> str:
    keys = list(dict.fromkeys(k for s in scenarios for k in s))
    return ",".join(keys) + "\n" + "".join(",".join(str(s.get(k, "")) for k in keys) + "\n" for s in scenarios)


def bad_number(rng: random.Random, key: str) -> str:
    """A TOML number (or nan/inf) the key's rule refuses."""
    pool = ["nan", "+nan", "-nan", "inf", "-inf", "+inf", "1e400", "-1e400", "1" + "0" * rng.randint(309, 600),
            "-1" + "0" * rng.randint(309, 600)]
    if key in FRACTIONS:
        pool += ["0", "0.0", "-0.5", "1.0000001", "1.5", "50", "100", "-1e-300", "-1"]
    elif key in AT_LEAST_ONE:
        pool += ["0", "0.999", "-4", "0.5", "-1e300", "1e-300"]
    else:
        pool += ["0", "-0.0", "0.0", "-1", "-1300", "-1e-300", "-5e-324", "-1.7976931348623157e308"]
    return rng.choice(pool)


# --- mutations: each returns (file name, bytes) and is malformed by construction ---------------------


def m_syntax(rng, scen):
    text = to_toml(scen)
    lines = text.splitlines()
    junk = rng.choice([
        "mfu = ", "= 5", "[[scenario]", "[[scenario]]]", 'name = "unterminated', "mfu = 0.5 0.6", "mfu = 1__0",
        "mfu = 0x", "mfu = .5", "mfu = 5.", "{{{", "mau_wan = [1, 2", "mfu == 0.5", "mfu = 0.5,", "[defaults",
        "mfu = 'it''s'", "key with spaces = 1", "mfu = 1979-13-45", "\"unterminated = 1", "mfu = +", "[]",
        "[[]]", "mfu = {", "mfu = tru", "mfu = 0b2", "mfu = 0o9", "mfu = 1e", "a.b. = 1", ". = 1",
    ])
    lines.insert(rng.randint(0, len(lines)), junk)
    return "s.toml", "\n".join(lines).encode()


def m_duplicate_key(rng, scen):
    s = scen[rng.randrange(len(scen))]
    key = rng.choice(list(s))
    s_text = to_toml([s])
    return "s.toml", (to_toml(scen) + "\n" + s_text + f"{key} = {toml_value(s[key])}\n").encode()


def m_unknown_key(rng, scen):
    allowed = set(allowed_keys())
    while True:
        key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(1, 14)))
        key = rng.choice([key, key.upper(), rng.choice(sorted(allowed)) + "s", rng.choice(sorted(allowed)).upper(),
                          "MAU", "mfu_", "peak", "dau", "name_zh", "notes", "seconds"])
        if key not in allowed and key[0] != "_":
            break
    where = rng.choice(["scenario", "defaults", "top"])
    if where == "scenario":
        scen[rng.randrange(len(scen))][key] = 1.0
        return "s.toml", to_toml(scen).encode()
    if where == "defaults":
        return "s.toml", to_toml(scen, {key: 1.0}).encode()
    return "s.toml", (f"{key} = 1\n" + to_toml(scen)).encode()


def m_wrong_type(rng, scen):
    s = scen[rng.randrange(len(scen))]
    key = rng.choice(list(RULES))
    value = rng.choice([f'"{valid_value(rng, key)}"', "true", "false", "[1, 2]", "[]", "{a = 1}", "{}",
                        "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "'50%'", '""', "[[1]]"])
    text = to_toml(scen).replace(f'name = "{s["name"]}"\n', f'name = "{s["name"]}"\n{key} = {value}\n', 1)
    if key in s:
        text = text.replace(f"{key} = {toml_value(s[key])}\n", "", 1)
    return "s.toml", text.encode()


def m_text_key(rng, scen):
    s = scen[rng.randrange(len(scen))]
    key = rng.choice(["name", "name_en", "note"])
    value = rng.choice(["1", "1.5", "true", "[\"a\"]", "{a = \"b\"}", '"' + "x" * 201 + '"', '"a\\nb"',
                        '"tab\\u0001"', '"""two\nlines"""', "1979-05-27"])
    s.pop(key, None)
    text = to_toml(scen).replace("[[scenario]]\n", f"[[scenario]]\n{key} = {value}\n", 1) if s is scen[0] else \
        to_toml([s]).replace("[[scenario]]\n", f"[[scenario]]\n{key} = {value}\n", 1)
    if key == "name" and s is not scen[0]:
        text = to_toml([x for x in scen if x is not s]) + "\n" + text.replace(f'name = "{s.get("name")}"\n', "", 1)
    return "s.toml", text.encode()


def m_out_of_range(rng, scen):
    s = scen[rng.randrange(len(scen))]
    key = rng.choice(list(RULES))
    s[key] = 0.0  # placeholder, replaced with the raw TOML text
    text = to_toml(scen).replace(f"{key} = 0.0\n", f"{key} = {bad_number(rng, key)}\n", 1)
    return "s.toml", text.encode()


def m_bad_default(rng, scen):
    key = rng.choice(list(RULES))
    return "s.toml", to_toml(scen, {"name_en": "x"}).replace("[defaults]\n", f"[defaults]\n{key} = "
                                                                 f"{bad_number(rng, key)}\n").encode()


def m_missing_required(rng, scen):
    s = scen[rng.randrange(len(scen))]
    key = rng.choice(REQUIRED)
    s.pop(key, None)
    s.pop("dau_wan", None)
    return "s.toml", to_toml(scen).encode()


def m_no_scenarios(rng, scen):
    return "s.toml", rng.choice([
        b"[defaults]\nmfu = 0.5\n", b"# only a comment\n", b"scenario = 5\n", b"scenario = []\n",
        b"[scenario]\nname = \"a\"\nmau_wan = 1\npeak_multiplier = 4\n", b"defaults = 3\n[[scenario]]\nname = \"a\"\n",
        b"scenario = [1, 2]\n", b"[[scenario.sub]]\nname = \"a\"\n", b"\n\n\n", b"   \t  \n", b"\xef\xbb\xbf",
        b"[[defaults]]\nmfu = 0.5\n", b"[defaults]\nname = \"a\"\n[[scenario]]\nmau_wan = 1\npeak_multiplier = 4\n",
    ])


def m_empty(rng, scen):
    return "s.toml", b""


def m_binary(rng, scen):
    data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
    data = data[: len(data) // 2] + rng.choice([b"\x00", b"\xff\xfe", b"\x80", b"\xc3\x28"]) + data[len(data) // 2:]
    return rng.choice(["s.toml", "s.csv", "s.xlsx", "s"]), data


def m_encoding(rng, scen):
    scen[0]["name"] = rng.choice(["café", "中性", "Größe", "naïve", "保守情形", "€uro"])
    text = to_toml(scen)
    enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "gbk", "big5", "shift_jis"])
    data = text.encode(enc, errors="replace") if enc.startswith("utf") else text.encode(enc, errors="strict") \
        if all(_encodable(c, enc) for c in text) else text.encode("utf-16")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "s.toml", data
    return "s.toml", data + b"\n# \xff\n"  # ASCII-compatible names: force an invalid byte


def _encodable(c, enc):
    try:
        codecs.encode(c, enc)
        return True
    except UnicodeEncodeError:
        return False


def m_deep(rng, scen):
    depth = rng.randint(400, 5000)
    kind = rng.choice(["array", "inline", "dotted", "tables"])
    if kind == "array":
        extra = "mfu = " + "[" * depth + "]" * depth + "\n"
    elif kind == "inline":
        extra = "mfu = " + "{a = " * depth + "1" + "}" * depth + "\n"
    elif kind == "dotted":
        extra = "mfu." + ".".join("a" for _ in range(depth)) + " = 1\n"
    else:
        extra = "[" + ".".join(f"t{i}" for i in range(depth)) + "]\nx = 1\n"
    text = to_toml(scen)
    return "s.toml", (text + extra if kind == "tables" else text.replace("[[scenario]]\n", "[[scenario]]\n" + extra, 1)).encode()


def m_huge_numbers(rng, scen):
    s = scen[rng.randrange(len(scen))]
    key = rng.choice(list(RULES))
    raw = rng.choice(["1" + "0" * rng.randint(309, 6000), "1" + "0" * rng.randint(400, 4000) + ".0",
                      "1e309", "-1e309", "9" * 4000, "1.8e308"])
    s[key] = 0.0
    return "s.toml", to_toml(scen).replace(f"{key} = 0.0\n", f"{key} = {raw}\n", 1).encode()


def m_conflicts(rng, scen):
    s = scen[0]
    kind = rng.choice(["dau>mau", "three", "tokens-both", "dup-name"])
    if kind == "dau>mau":
        s["mau_wan"], s["dau_wan"] = 100.0, 200.0
    elif kind == "three":
        s["mau_wan"], s["dau_wan"], s["activity_ratio"] = 1000.0, 150.0, 0.15
    elif kind == "tokens-both":
        s["daily_tokens_yi"], s["ref_tokens_yi"] = 100.0, 200.0
    else:
        scen.append(dict(s))
    return "s.toml", to_toml(scen).encode()


def m_csv(rng, scen):
    text = to_csv(scen)
    kind = rng.choice(["unknown", "bad", "extra-cells", "header-only", "no-header", "dup-col", "text", "nan", "quote"])
    lines = text.splitlines()
    if kind == "unknown":
        lines[0] = lines[0] + ",bogus_key"
        lines[1:] = [x + ",1" for x in lines[1:]]
    elif kind == "bad":
        key = "mau_wan"
        i = lines[0].split(",").index(key)
        cells = lines[1].split(",")
        cells[i] = bad_number(rng, key).replace("1e400", "-1")
        lines[1] = ",".join(cells)
    elif kind == "extra-cells":
        lines[1] += ",1,2"
    elif kind == "header-only":
        lines = lines[:1]
    elif kind == "no-header":
        lines = [",,,"] + lines[1:]
    elif kind == "dup-col":
        lines[0] += ",mau_wan"
        lines[1:] = [x + ",1" for x in lines[1:]]
    elif kind == "text":
        i = lines[0].split(",").index("peak_multiplier")
        cells = lines[1].split(",")
        cells[i] = rng.choice(["four", "4x", "TRUE", "#N/A", "50%", "0x10"])
        lines[1] = ",".join(cells)
    elif kind == "nan":
        i = lines[0].split(",").index("peak_multiplier")
        cells = lines[1].split(",")
        cells[i] = rng.choice(["nan", "inf", "-inf", "NaN", "Infinity"])
        lines[1] = ",".join(cells)
    else:
        lines[1] = lines[1] + ',"unterminated'
    return "s.csv", ("\n".join(lines) + "\n").encode()


def m_extreme(rng, scen):
    """A value its rule admits, so extreme that a result overflows or underflows (xlsizing.limits)."""
    s = scen[rng.randrange(len(scen))]
    kind = rng.choice(["value", "value", "value", "tokens-without-users", "csv"])
    if kind == "tokens-without-users":  # daily_tokens_yi needs mau_wan or dau_wan
        s.pop("mau_wan", None)
        s.pop("dau_wan", None)
        s["daily_tokens_yi"] = valid_value(rng, "ref_tokens_yi")
        return "s.toml", to_toml(scen).encode()
    # (key, raw value): large where a result grows with the key, tiny where it shrinks or divides
    key, raw = rng.choice([
        ("mau_wan", "1.7e308"), ("mau_wan", "1e-320"), ("mau_wan", "5e-324"), ("mau_wan", "1" + "0" * 307),
        ("params_yi", "1.7e308"), ("ref_tokens_yi", "1.7e308"), ("ref_tokens_yi", "1e-320"),
        ("ref_dau_wan", "5e-324"), ("seconds_basis", "5e-324"), ("peak_multiplier", "1.7e308"),
        ("card_tflops", "5e-324"), ("mfu", "5e-324"), ("activity_ratio", "5e-324"),
        ("server_price_wan", "1.7e308"), ("cards_per_server", "1.7e308"), ("dau_wan", "1.7e308"),
        ("dau_wan", "1e-320"),
    ])
    if key == "dau_wan":
        s.pop("mau_wan", None)
    if kind == "csv":
        s[key] = raw  # written as is
        return "s.csv", to_csv(scen).encode()
    s[key] = 0.0  # placeholder, replaced with the raw text
    return "s.toml", to_toml(scen).replace(f"{key} = 0.0\n", f"{key} = {raw}\n", 1).encode()


def m_huge_file(rng, scen):
    return "s.toml", to_toml(scen).encode() + b"#" * (20 * 1024 * 1024 + 1)


MUTATIONS = {
    "syntax": (m_syntax, 70), "duplicate-key": (m_duplicate_key, 25), "unknown-key": (m_unknown_key, 50),
    "wrong-type": (m_wrong_type, 50), "text-key": (m_text_key, 25), "out-of-range": (m_out_of_range, 70),
    "bad-default": (m_bad_default, 25), "missing-required": (m_missing_required, 25),
    "no-scenarios": (m_no_scenarios, 20), "empty": (m_empty, 3), "binary": (m_binary, 25),
    "encoding": (m_encoding, 30), "deep": (m_deep, 20), "huge-number": (m_huge_numbers, 25),
    "conflict": (m_conflicts, 20), "csv": (m_csv, 35), "huge-file": (m_huge_file, 2), "extreme": (m_extreme, 40),
}
COMMANDS = ["table", "build", "batch", "fill"]


def generate() -> list[tuple[str, str, str, bytes]]:
    """``(case id, command, file name, content)`` for every generated file, deterministic."""
    rng = random.Random(SEED)
    cases = []
    for kind, (make, count) in MUTATIONS.items():
        for i in range(count):
            name, content = make(rng, valid_scenarios(rng))
            cases.append((f"{kind}-{i}", COMMANDS[len(cases) % len(COMMANDS)], name, content))
    return cases


CASES = generate()


def _refused_in_process(name: str, content: bytes) -> bool:
    """The library refuses it too (a cheap guard that the generator made a malformed file)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return True
    if "\x00" in text or not text.strip() or len(content) > 20 * 1024 * 1024:
        return True
    try:
        check_results((parse_csv if name.endswith(".csv") else parse_scenarios)(text, name))
    except XlsizingError:
        return True
    return False


def test_the_generator_makes_enough_malformed_files():
    assert len(CASES) >= 500
    assert len({c[0] for c in CASES}) == len(CASES)
    lenient = [c[0] for c in CASES if not _refused_in_process(c[2], c[3])]
    assert lenient == []


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    d = tmp_path_factory.mktemp("tpl")
    subprocess.run([str(XLSIZING), "build", "-o", "tpl.xlsx"], cwd=d, check=True, capture_output=True)
    return d / "tpl.xlsx"


def _run_case(case, root: Path, template: Path):
    cid, cmd, name, content = case
    d = root / cid
    d.mkdir()
    (d / name).write_bytes(content)
    args = {"table": ["table", name], "build": ["build", name, "-o", "out.xlsx"],
            "batch": ["batch", name, "--outdir", "out"], "fill": ["fill", "tpl.xlsx", name, "-o", "out.xlsx"]}[cmd]
    if cmd == "fill":
        shutil.copyfile(template, d / "tpl.xlsx")
    before = sorted(p.name for p in d.iterdir())
    p = subprocess.run([str(XLSIZING), *args], cwd=d, capture_output=True, text=True, timeout=300)
    after = sorted(p.name for p in d.iterdir())
    problems = []
    if p.returncode != 2:
        problems.append(f"exit {p.returncode}")
    lines = p.stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith(f"Error: {name}"):
        problems.append(f"stderr {p.stderr[:300]!r}")
    if "Traceback" in p.stderr or "internal error" in p.stderr:
        problems.append("traceback")
    if p.stdout:
        problems.append(f"stdout {p.stdout[:200]!r}")
    if after != before:
        problems.append(f"files {sorted(set(after) - set(before))}")
    shutil.rmtree(d)
    return cid, cmd, problems, (lines[0][:120] if lines else "")


def test_malformed_scenario_files_through_the_cli(tmp_path, template):
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(lambda c: _run_case(c, tmp_path, template), CASES))
    failed = [(cid, cmd, probs, msg) for cid, cmd, probs, msg in results if probs]
    assert len(results) >= 500
    assert not failed, f"{len(failed)} of {len(results)} files mishandled; first: {failed[:5]}"
    # every command and every kind of mutation was exercised
    assert {cmd for _, cmd, _, _ in results} == set(COMMANDS)
    assert {cid.rsplit("-", 1)[0] for cid, _, _, _ in results} == set(MUTATIONS)
