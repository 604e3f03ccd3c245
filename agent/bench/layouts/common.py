"""Helpers the layout readers share: reading text, naming licences, picking a module, unique ids."""

from __future__ import annotations

import re
from pathlib import Path

from aigchip.sim import source

LICENCE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "COPYING")
_KNOWN_LICENCES = (("mit license", "MIT"), ("apache license", "Apache-2.0"), ("bsd 3-clause", "BSD-3-Clause"),
                   ("bsd 2-clause", "BSD-2-Clause"))


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def licence_near(folder: Path, root: Path) -> str | None:
    """The licence named by a LICENSE file in `folder` or any folder above it up to `root`."""
    for where in [folder, *folder.parents]:
        for name in LICENCE_FILES:
            if (where / name).is_file():
                return licence_name(read_text(where / name))
        if where == root or root not in where.parents:
            return None
    return None


def licence_name(text: str) -> str | None:
    """A short name for a licence text: the SPDX id when recognised, else its first line."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    lowered = text[:2000].lower()
    for needle, spdx in _KNOWN_LICENCES:
        if needle in lowered:
            return spdx
    return first[:80] or None


def pick_module(candidates: list[str], preferred: list[str]) -> str | None:
    """The first of `preferred` among `candidates`, else the first candidate, else None."""
    for name in preferred:
        if name in candidates:
            return name
    return candidates[0] if candidates else None


def solution_top(text: str, wanted: str) -> str | None:
    """The module of a known-good design that plays the part of `wanted` (it may be named verified_x)."""
    if wanted in source.module_names(text):
        return wanted
    return pick_module(source.top_candidates([text]), [f"verified_{wanted}", wanted])


def module_header(text: str, name: str) -> str:
    """`module name ... );` as written in `text`, or "" when it has none."""
    masked = source.blank_comments_and_strings(text)
    start = re.search(rf"\bmodule\s+{re.escape(name)}\b", masked)
    if start is None:
        return ""
    end = masked.find(");", start.end())
    return text[start.start(): end + 2].strip() if end >= 0 else ""


def unique_ids(keys: list[tuple[str, str]]) -> list[str]:
    """Each (short name, longer path) pair's id: the short name, or the path where short names collide."""
    counts: dict[str, int] = {}
    for short, _ in keys:
        counts[short] = counts.get(short, 0) + 1
    return [short if counts[short] == 1 else longer for short, longer in keys]


def relative(path: Path, root: Path) -> str:
    """`path` relative to `root`, with / separators ("." for the root itself)."""
    rel = path.relative_to(root).as_posix()
    return rel or "."


def skipped(where: str, why: str) -> str:
    """One problem line: which task was left out and why."""
    return f"{where}: skipped: {why}"
