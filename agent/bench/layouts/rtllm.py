"""RTLLM (v1.1/v2.0): category trees (`<Category>/<Sub>/<design>/`, names may hold spaces) of design folders,
each with `design_description.txt`, `testbench.v` and a known-good `verified_<x>.v`.

The top is the module the testbench instantiates without defining it; the verified design's module (often
`verified_<x>`) is renamed to it. Data files the testbench reads sit beside it; the sim engine copies the
ones it names. The description carries the interface, so `interface` stays empty.
"""

from __future__ import annotations

from pathlib import Path

from aigchip.bench.layouts.common import licence_near, pick_module, read_text, relative, skipped, solution_top, unique_ids
from aigchip.task import Task
from aigchip.sim import source

NAME = "rtllm"
DESCRIPTION = "design folders (at any depth) holding design_description.txt, testbench.v and verified_<x>.v"
DESCRIPTION_FILE, TESTBENCH_FILE = "design_description.txt", "testbench.v"
SOURCE = "RTLLM"


def looks_like(root: Path) -> bool:
    return any(True for _ in root.rglob(DESCRIPTION_FILE))


def design_folders(root: Path) -> list[Path]:
    """Every folder holding a file of an RTLLM design, sorted by path."""
    marks = [*root.rglob(DESCRIPTION_FILE), *root.rglob(TESTBENCH_FILE), *root.rglob("verified_*.v")]
    return sorted({p.parent for p in marks if p.is_file() and not _hidden(p.relative_to(root))})


def load(root: Path) -> tuple[list[Task], list[str]]:
    folders = design_folders(root)
    ids = unique_ids([(f.name, relative(f, root)) for f in folders])
    tasks: list[Task] = []
    problems: list[str] = []
    for folder, task_id in zip(folders, ids):
        task, why = _task(root, folder, task_id)
        if task is None:
            problems.append(skipped(relative(folder, root), why))
        else:
            tasks.append(task)
    return tasks, problems


def testbench_top(testbench_text: str, folder_name: str) -> str | None:
    """The design under test: instantiated by the testbench, not defined in it (the folder's name first)."""
    defined = source.module_names(testbench_text)
    wanted = [m for m in source.instantiated_modules(testbench_text) if m not in defined]
    return pick_module(wanted, [folder_name])


def _task(root: Path, folder: Path, task_id: str) -> tuple[Task | None, str]:
    description, testbench = folder / DESCRIPTION_FILE, folder / TESTBENCH_FILE
    if not testbench.is_file():
        return None, f"no {TESTBENCH_FILE} (nothing can check a design)"
    if not description.is_file() or not read_text(description).strip():
        return None, f"no {DESCRIPTION_FILE} (no spec)"
    top = testbench_top(read_text(testbench), folder.name)
    if top is None:
        return None, f"cannot tell which module {TESTBENCH_FILE} tests (it instantiates none it does not define)"
    solution, rename = _solution(folder, top)
    return Task(id=task_id, top=top, spec={"detailed": read_text(description).strip()}, testbench=(testbench,),
                solution=solution, solution_rename=rename, source=SOURCE, licence=licence_near(folder, root),
                tags=list(folder.relative_to(root).parts[:-1])), ""


def _solution(folder: Path, top: str) -> tuple[Path | None, dict[str, str]]:
    """verified_<x>.v (preferring verified_<folder>.v) and the rename that makes its module `top`."""
    verified = sorted(folder.glob("verified_*.v"))
    if not verified:
        return None, {}
    path = next((p for p in verified if p.stem == f"verified_{folder.name}"), verified[0])
    current = solution_top(read_text(path), top)
    return path, ({current: top} if current and current != top else {})


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)
