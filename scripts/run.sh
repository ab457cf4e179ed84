#!/usr/bin/env bash
# Set up xlsizing in a virtualenv and run the main job on the built-in Figure 11 scenarios:
# print the table and write the filled workbook out/figure11.xlsx (replacing the demo's own output).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || {
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null;
  else sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv >/dev/null; fi; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
mkdir -p out
.venv/bin/xlsizing table
.venv/bin/xlsizing build -o out/figure11.xlsx --force
