"""The ready-made workbooks of ``workbooks/``: filled models a user opens first.

Regenerate them all (the tests compare the committed files with a fresh run)::

    python -m xlsizing.gallery workbooks

Every figure comes from the report's scenarios (``load_builtin("figure11")``), the shipped model
configs (``xlsizing/data/models``) and the accelerator catalog (``xlsizing/data/accelerators.toml``),
each of which names its source; nothing is typed here but the choice of models.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .catalog import preset_inputs, server_inputs
from .scenarios import Scenario, derive, load_builtin
from .workbook import write_workbook

# DeepSeek-V3 Technical Report (arXiv 2412.19437, 2024-12-27): 671B total parameters, 37B
# activated per token; the Figure 11 chain's FLOPs per token count the activated ones.
DEEPSEEK_V3_ACTIVE_YI = 370.0


def _on(base: Scenario, accelerator: str, precision: str, name: str, name_en: str) -> Scenario:
    """``base``'s demand on ``accelerator`` at ``precision``: peak, memory, bandwidth, power and server from the catalog.

    A figure the catalog lacks (a server price, a TDP) stays at the report's H20 value, and the
    scenario's note says so: compare those rows with care.
    """
    missing: dict = {}
    beyond = preset_inputs(accelerator, precision, missing=missing)
    server = server_inputs(accelerator, missing=missing)
    note = f"{accelerator} at {precision.upper()}, figures from the accelerator catalog"
    if missing:
        note += (f"; not in the catalog, so at the report's H20 values: {', '.join(sorted(missing))} "
                 "(compare cards, not capex or power)")
    s = derive(base, name, card_tflops=beyond["peak_tflops"], **beyond, **server)
    s.name_en, s.note = name_en, note
    return s


def figure11() -> list[Scenario]:
    return load_builtin("figure11")


def figure11_fp8() -> list[Scenario]:
    out = []
    for s in load_builtin("figure11"):
        out.append(_on(s, "H20", "fp8", f"{s.name} FP8", f"{s.name_en} at FP8"))
    return out


def deepseek_v3() -> list[Scenario]:
    base = load_builtin("figure11")[1]  # the report's 保守 demand
    out = []
    for acc in ("H800", "H20"):
        moe = derive(base, base.name, model="DeepSeek-V3", params_yi=DEEPSEEK_V3_ACTIVE_YI)
        out.append(_on(moe, acc, "fp8", f"DeepSeek-V3 {acc}", f"DeepSeek-V3-like MoE on {acc} (FP8)"))
    return out


def accelerators() -> list[Scenario]:
    base = load_builtin("figure11")[1]  # the report's 保守 demand, at the report's 16-bit precision
    return [_on(base, acc, "bf16", acc, f"{acc} (BF16), the report's conservative demand")
            for acc in ("H20", "H800", "H200", "B200", "Ascend 910C")]


def capex_3_year() -> list[Scenario]:
    """The report's three 2025-2026E columns with the Economics sheet's 2025E-2027E capex schedule.

    Token growth per year as the report implies it: reaching a column's daily tokens two years
    after end-2024's 40,000亿 (Figure 11), e.g. 保守 (66,667 / 40,000)^(1/2) − 1 = 29.1% a year.
    """
    report = load_builtin("figure11")
    start = report[0].values["ref_tokens_yi"]  # end-2024: 40,000亿 tokens a day, the report's reference day
    out = []
    for s in report[1:]:
        tokens = s.values["ref_tokens_yi"] * s.values["mau_wan"] * s.values["activity_ratio"] / s.values["ref_dau_wan"]
        growth = (tokens / start) ** 0.5 - 1
        d = derive(s, s.name, token_growth=growth)
        d.name_en = f"{s.name_en}, tokens +{growth:.1%} a year"
        d.note = "token growth: the column's daily tokens reached two years after end-2024 (40,000亿)"
        out.append(d)
    return out


@dataclass(frozen=True)
class Model:
    file: str
    what: str  # one line for the README
    scenarios: Callable[[], list[Scenario]]


MODELS = [
    Model("figure11.xlsx", "Figure 11 of the report: its four scenarios, every printed number, live formulas",
          figure11),
    Model("figure11-fp8.xlsx", "the report's four scenarios served at FP8 on H20 (296 TFLOPS, 1-byte weights and KV)",
          figure11_fp8),
    Model("deepseek-v3-h800-h20.xlsx", "a DeepSeek-V3-like MoE (671B total, 37B active) for the report's conservative "
          "demand, on H800 and on H20 at FP8", deepseek_v3),
    Model("accelerators.xlsx", "one demand (the report's conservative column) on H20, H800, H200, B200 and Ascend 910C "
          "at BF16", accelerators),
    Model("capex-3-year.xlsx", "the report's three 2025-2026E columns with a 2025E-2027E capex, cost and margin "
          "schedule (Economics sheet), tokens growing as the report's columns imply", capex_3_year),
]


def readme() -> str:
    """``workbooks/README.md``: one line per workbook on what it shows."""
    lines = ["# Ready-made workbooks", "",
             "Filled models to open first, each verified in LibreOffice and Gnumeric by the tests. Generated by "
             "`python -m xlsizing.gallery workbooks` (xlsizing/gallery.py); do not edit by hand.", ""]
    lines += [f"- [{m.file}]({m.file}): {m.what}." for m in MODELS]
    return "\n".join(lines) + "\n"


def write_gallery(folder: str | os.PathLike, *, force: bool = False) -> list[Path]:
    """Write every workbook of :data:`MODELS` and their README into ``folder`` (created if needed)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_workbook(m.scenarios(), out / m.file, force=force) for m in MODELS]
    (out / "README.md").write_text(readme(), "utf-8")
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m xlsizing.gallery", description=__doc__.splitlines()[0])
    ap.add_argument("folder", help="where to write them (the repository's workbooks/)")
    a = ap.parse_args(argv)
    for p in write_gallery(a.folder, force=True):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
