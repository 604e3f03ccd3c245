"""Where aigchip's files are: the data shipped with the package, and the user's own folders.

The one place that answers "where is ...". Package data (prompts, the web page, the demo library,
AccelBench) is found through importlib.resources in an installed wheel, and beside the package in a
source checkout. User folders follow the XDG rules, each with its own AIGCHIP_* override.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path


@functools.lru_cache(maxsize=1)
def _data_root() -> Path:
    """The folder holding templates/ and datasets/: the installed package itself (a wheel puts them
    under aigchip/), else the checkout's top level (the package is the checkout's agent/ folder)."""
    package = Path(str(resources.files("aigchip")))
    if (package / "templates").is_dir():
        return package
    return package.parent


def package_data(*parts: str) -> Path:
    """A file or folder shipped with aigchip, e.g. package_data("templates", "prompts")."""
    return _data_root().joinpath(*parts)


def _xdg(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable) or os.path.join(os.path.expanduser("~"), fallback)
    return Path(base) / "aigchip"


def cache_root() -> Path:
    """Caches (verdicts, replies, tool versions, ccache): $AIGCHIP_CACHE_DIR, else $XDG_CACHE_HOME/aigchip,
    else ~/.cache/aigchip."""
    if os.environ.get("AIGCHIP_CACHE_DIR"):
        return Path(os.environ["AIGCHIP_CACHE_DIR"]).expanduser()
    return _xdg("XDG_CACHE_HOME", ".cache")


def data_root() -> Path:
    """The user's data: $XDG_DATA_HOME/aigchip, else ~/.local/share/aigchip."""
    return _xdg("XDG_DATA_HOME", os.path.join(".local", "share"))


def sessions_root() -> Path:
    """Chat sessions: $AIGCHIP_SESSIONS, else <data_root>/sessions."""
    if os.environ.get("AIGCHIP_SESSIONS"):
        return Path(os.environ["AIGCHIP_SESSIONS"]).expanduser()
    return data_root() / "sessions"


def user_corpus() -> Path:
    """The corpus `generate --learn` grows: $AIGCHIP_CORPUS, else <data_root>/corpus.jsonl."""
    if os.environ.get("AIGCHIP_CORPUS"):
        return Path(os.environ["AIGCHIP_CORPUS"]).expanduser()
    return data_root() / "corpus.jsonl"


def templates_dir() -> Path:
    """The prompt templates: $AIGCHIP_TEMPLATES_DIR, else the shipped templates/prompts."""
    if os.environ.get("AIGCHIP_TEMPLATES_DIR"):
        return Path(os.environ["AIGCHIP_TEMPLATES_DIR"]).expanduser()
    return package_data("templates", "prompts")


def demo_library_dir() -> Path:
    """The demo library: $AIGCHIP_DEMOS_DIR, else the shipped datasets/demos."""
    if os.environ.get("AIGCHIP_DEMOS_DIR"):
        return Path(os.environ["AIGCHIP_DEMOS_DIR"]).expanduser()
    return package_data("datasets", "demos")


BUNDLED_BENCHMARKS = ("accelbench",)


def bundled_benchmark(name: str) -> Path | None:
    """A benchmark shipped with aigchip, by its bare name (`aigchip eval accelbench` from any folder), else None."""
    return package_data("datasets", name) if name in BUNDLED_BENCHMARKS else None
