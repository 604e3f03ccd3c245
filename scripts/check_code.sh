#!/usr/bin/env bash
# Static checks CI runs before the tests: ruff (rules in pyproject.toml) over the whole tree.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m ruff check --no-cache --output-format concise .
