"""VerilogEval v2, spec-to-rtl: `ProbNNN_name_{prompt.txt,ref.sv,test.sv}` side by side, `problems.txt` listing them.

The design under test is `TopModule`; the testbench (`tb`) instantiates it beside the reference `RefModule`.
"""

from __future__ import annotations

import re
from pathlib import Path

from aigchip.bench.layouts.common import licence_near, read_text, skipped
from aigchip.task import Task

NAME = "verilog-eval-v2"
DESCRIPTION = "ProbNNN_name_prompt.txt, ProbNNN_name_ref.sv and ProbNNN_name_test.sv side by side (problems.txt optional)"
TOP, REFERENCE_MODULE, TB_TOP = "TopModule", "RefModule", "tb"
SOURCE = "VerilogEval v2"
_PART = re.compile(r"^(Prob\d+_\w+?)_(prompt\.txt|ref\.sv|test\.sv)$")
ROLES = {"prompt": "prompt.txt", "reference": "ref.sv", "testbench": "test.sv"}


def looks_like(root: Path) -> bool:
    return any(_PART.match(p.name) for p in root.iterdir() if p.is_file())


def problem_names(root: Path) -> list[str]:
    """The problems to load, in order: problems.txt's list when there is one, else every problem found."""
    listing = root / "problems.txt"
    if listing.is_file():
        lines = (line.strip() for line in read_text(listing).splitlines())
        return list(dict.fromkeys(line for line in lines if line and not line.startswith("#")))
    return sorted({m.group(1) for p in root.iterdir() if p.is_file() and (m := _PART.match(p.name))})


def load(root: Path) -> tuple[list[Task], list[str]]:
    """The tasks, and a line for each problem that is half there. A folder holding a subset of the benchmark
    beside the upstream problems.txt gets one line for all the problems it does not hold."""
    problems: list[str] = []
    licence = licence_near(root, root)
    tasks: list[Task] = []
    absent: list[str] = []
    for name in problem_names(root):
        if not any((root / f"{name}_{suffix}").is_file() for suffix in ROLES.values()):
            absent.append(name)
            continue
        task, why = _task(root, name, licence)
        if task is None:
            problems.append(skipped(name, why))
        else:
            tasks.append(task)
    if absent:
        some = ", ".join(absent[:3]) + (", ..." if len(absent) > 3 else "")
        problems.append(f"problems.txt: {len(absent)} listed problem(s) have no files in this folder (a subset of "
                        f"the benchmark; left out): {some}")
    return tasks, problems


def _task(root: Path, name: str, licence: str | None) -> tuple[Task | None, str]:
    paths = {role: root / f"{name}_{suffix}" for role, suffix in ROLES.items()}
    missing = [f"{p.name} (the {role})" for role, p in paths.items() if not p.is_file()]
    if missing:
        listed = " (it is listed in problems.txt)" if (root / "problems.txt").is_file() else ""
        return None, f"missing {', '.join(missing)}{listed}"
    prompt = read_text(paths["prompt"]).strip()
    if not prompt:
        return None, f"{paths['prompt'].name} is empty"
    return Task(id=name, top=TOP, spec={"detailed": prompt}, testbench=(paths["testbench"],),
                reference=paths["reference"], tb_top=TB_TOP, solution=paths["reference"],
                solution_rename={REFERENCE_MODULE: TOP}, source=SOURCE, licence=licence), ""
