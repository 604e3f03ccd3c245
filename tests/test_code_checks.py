"""Static checks over the tree, run with the tests so CI and a full local run both see them: ruff with the
rule set in pyproject.toml, and mypy over the package as installed (its settings there too)."""

from __future__ import annotations

import importlib.util
import os
import re
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


def _as_installed(folder: Path) -> Path:
    """agent/ and sim/ laid out as the installed package (aigchip, aigchip.sim) with symlinks, since mypy cannot
    follow pyproject's package-dir mapping."""
    package = folder / "aigchip"
    package.mkdir()
    for entry in (ROOT / "agent").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    (package / "sim").symlink_to(ROOT / "sim")
    return folder


def test_mypy_finds_nothing(tmp_path):
    _tool("mypy")
    farm = _as_installed(tmp_path)
    found = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                            "--cache-dir", str(tmp_path / ".mypy_cache"), "-p", "aigchip"],
                           cwd=farm, env={**os.environ, "MYPYPATH": str(farm)}, capture_output=True, text=True,
                           timeout=600)
    report = re.sub(r"^aigchip/(sim/)?", lambda m: "sim/" if m[1] else "agent/", found.stdout, flags=re.M)
    assert found.returncode == 0, f"mypy (paths are the checkout's):\n{report}{found.stderr}"
