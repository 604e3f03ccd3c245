"""aigchip's own format (datasets/README.md): a folder of task folders each with a task.json, or one task folder."""

from __future__ import annotations

from pathlib import Path

from aigchip.bench.layouts.common import relative, skipped
from aigchip.task import Task, from_folder

NAME = "native"
DESCRIPTION = "task folders each holding a task.json (see datasets/README.md), or one such task folder"
TASK_FILE = "task.json"


def looks_like(root: Path) -> bool:
    return (root / TASK_FILE).is_file() or any(True for _ in root.rglob(TASK_FILE))


def task_folders(root: Path) -> list[Path]:
    if (root / TASK_FILE).is_file():
        return [root]
    found = (p.parent for p in root.rglob(TASK_FILE) if p.is_file())
    return sorted(f for f in found if not any(part.startswith(".") for part in f.relative_to(root).parts))


def load(root: Path) -> tuple[list[Task], list[str]]:
    folders = task_folders(root)
    tasks: list[Task] = []
    problems = _folders_without_tasks(root, folders)
    seen: dict[str, str] = {}
    for folder in folders:
        where = relative(folder, root) if folder != root else folder.name
        try:
            task = from_folder(folder)
        except (ValueError, OSError) as exc:
            problems.append(skipped(where, str(exc).splitlines()[0]))
            continue
        if not task.has_golden_tests:
            problems.append(skipped(where, "task.json names no testbench or tests (nothing can check a design)"))
        elif task.id in seen:
            problems.append(skipped(where, f"its id {task.id!r} is already used by {seen[task.id]}"))
        else:
            seen[task.id] = where
            tasks.append(task)
    return tasks, problems


def _folders_without_tasks(root: Path, folders: list[Path]) -> list[str]:
    """Top-level subfolders with no task.json anywhere inside: said, never silently ignored."""
    if folders == [root]:
        return []
    return [skipped(child.name, f"no {TASK_FILE} in it")
            for child in sorted(root.iterdir())
            if child.is_dir() and not child.name.startswith(".") and not any(child in f.parents or child == f
                                                                             for f in folders)]
