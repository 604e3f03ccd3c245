"""Static checks over the tree, run with the tests so CI and a full local run both see them: ruff with the
rule set in pyproject.toml."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it is in the test extras: pip install -e '.[test]')")


def test_ruff_finds_nothing():
    _tool("ruff")
    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, f"ruff (fix with `ruff check --fix .` where it offers):\n{found.stdout}{found.stderr}"
