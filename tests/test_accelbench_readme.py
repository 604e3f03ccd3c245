"""AccelBench README: every task folder is in its tier's task table and in a mutation table, and every adjusted
mutation score the README lists reaches the bar (0.9). Reads Markdown and task.json only: no simulator."""

import json
from pathlib import Path

ACCELBENCH = Path(__file__).parent.parent / "datasets" / "accelbench"
README = ACCELBENCH / "README.md"
BAR = 0.9


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in `text`: a list of rows (header first, the |---| line left out), each a list of cells."""
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.strip().startswith("|"):
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def task_folders(tier: str | None = None) -> set[str]:
    return {p.name for p in ACCELBENCH.iterdir() if (p / "task.json").is_file()
            and (tier is None or tier in json.loads((p / "task.json").read_text())["tags"])}


def tables_with(columns: set[str]) -> list[list[list[str]]]:
    found = [t for t in tables(README.read_text(encoding="utf-8")) if columns <= {c.lower() for c in t[0]}]
    assert found, f"README.md has no table with the columns {sorted(columns)}"
    return found


def test_every_task_folder_is_in_its_tiers_task_table():
    assert len(task_folders("block")) == 30 and task_folders("block") | task_folders("system") == task_folders()
    assert all(name.startswith("sys_") for name in task_folders("system"))
    for tier, columns in (("block", {"id", "top", "category", "difficulty"}), ("system", {"id", "top", "modules", "cells"})):
        listed = {row[0] for row in tables_with(columns)[0][1:]}
        assert task_folders(tier) <= listed, f"missing from the README {tier} table: {sorted(task_folders(tier) - listed)}"
        assert listed <= task_folders(tier), f"README {tier} table lists unknown tasks: {sorted(listed - task_folders(tier))}"


def test_every_adjusted_score_reaches_the_bar():
    rows = []  # (task, adjusted score): a task may have a row per simulator
    for table in tables_with({"task", "adjusted"}):
        column = [c.lower() for c in table[0]].index("adjusted")
        rows += [(row[0], row[column]) for row in table[1:]]
    listed = {task for task, _ in rows}
    assert task_folders() <= listed, f"missing from the README mutation tables: {sorted(task_folders() - listed)}"
    low = [(task, value) for task, value in rows if not value.replace(".", "", 1).isdigit() or float(value) < BAR]
    assert not low, f"adjusted mutation scores below {BAR} (or not numbers) in the README: {low}"
