"""Shared test helpers. Simulator tests are marked `sim`/`verilator` and skip when the tool is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own aigchip cache, so no test passes because of another's cached verdict."""
    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path_factory.mktemp("aigchip-cache")))
    # Verilator's compiled runtime holds nothing of any design (sim/verilator_runtime.py): one per session
    monkeypatch.setenv("AIGCHIP_VERILATOR_RUNTIME_DIR", str(tmp_path_factory.getbasetemp() / "verilator-runtime"))


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention `text` (to prove nothing was left behind)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next((line for line in (entry / "status").read_text().splitlines() if line.startswith("State:")), "")
        except OSError:
            continue
        if text in cmdline and "zombie" not in state:
            found.append(cmdline)
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from aigchip.sim import tools

    have_icarus = tools.available("iverilog") and tools.available("vvp")
    have_verilator = tools.available("verilator")
    have_browser = _have_browser()
    have_yosys = tools.available("yosys")
    for item in items:
        if "sim" in item.keywords and not have_icarus:
            item.add_marker(pytest.mark.skip(reason="Icarus Verilog is not installed"))
        if "verilator" in item.keywords and not have_verilator:
            item.add_marker(pytest.mark.skip(reason="Verilator is not installed"))
        if "synth" in item.keywords and not have_yosys:
            item.add_marker(pytest.mark.skip(reason="yosys is not installed"))
        if "browser" in item.keywords and not have_browser:
            item.add_marker(pytest.mark.skip(reason="needs Debian chromium (/usr/bin/chromium) and the playwright package"))
        if "slow" in item.keywords and not os.environ.get("AIGCHIP_SLOW"):
            item.add_marker(pytest.mark.skip(reason="slow: set AIGCHIP_SLOW=1 to run"))


def _have_browser() -> bool:
    import importlib.util
    import shutil

    return bool(shutil.which("chromium") or Path("/usr/bin/chromium").exists()) and \
        importlib.util.find_spec("playwright") is not None
