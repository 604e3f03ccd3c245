#!/usr/bin/env bash
# Set up a fresh Debian machine for aigchip: HDL tools and chromium from apt, the package with its test extras from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for tool in iverilog yosys make g++ perl; do
  command -v "$tool" >/dev/null 2>&1 || need_apt+=("$tool")
done
# Fmax estimates place and route on an iCE40 (Debian's nextpnr-ice40 carries its chip database).
command -v nextpnr-ice40 >/dev/null 2>&1 || need_apt+=(nextpnr-ice40)
# Every tool and test runs inside bubblewrap's sandbox (sim/sandbox.py); the command is bwrap.
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
# The web page's tests drive Debian's chromium through Playwright (never a browser download).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# The chat's GTKWave save files are checked by opening them in GTKWave itself, headless (xvfb-run).
command -v gtkwave >/dev/null 2>&1 || need_apt+=(gtkwave)
command -v xvfb-run >/dev/null 2>&1 || need_apt+=(xvfb xauth)
if ((${#need_apt[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need_apt[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"
