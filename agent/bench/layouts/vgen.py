"""VGen (Thakur et al.): per problem, `prompt1_<name>.v`, `prompt2_<name>.v`, `prompt3_<name>.v` (a comment and
the module header, with more and more implementation hints), `tb_<name>.v` (prints `all tests passed`) and
`answer_<name>.v` (a known-good design; may be missing).

Grains: prompt1 (a one-line purpose and the header) is `high_level`; prompt2 (plus a few behaviour lines) is
`detailed`; prompt3 (plus line-by-line implementation hints) is `block`. Each grain holds its whole prompt, so
any one of them stands alone. The top is the module the prompts declare; its header is the interface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from aigchip.bench.layouts.common import licence_near, module_header, read_text, relative, skipped, solution_top, unique_ids
from aigchip.task import Task
from aigchip.sim import source

NAME = "vgen"
DESCRIPTION = "prompt1_<name>.v, prompt2_<name>.v, prompt3_<name>.v and tb_<name>.v (answer_<name>.v optional)"
SOURCE = "VGen"
GRAIN_OF_PROMPT = {"1": "high_level", "2": "detailed", "3": "block"}
_FILE = re.compile(r"^(?:prompt(?P<level>[123])|(?P<kind>tb|answer))_(?P<name>.+)\.v$")


@dataclass
class Problem:
    folder: Path
    name: str
    prompts: dict[str, Path] = field(default_factory=dict)  # "1".."3" to file
    testbench: Path | None = None
    answer: Path | None = None


def looks_like(root: Path) -> bool:
    return any(True for _ in root.rglob("prompt[123]_*.v"))


def find_problems(root: Path) -> list[Problem]:
    """Files grouped by (folder, name), sorted by path."""
    found: dict[tuple[Path, str], Problem] = {}
    for path in sorted(root.rglob("*.v")):
        match = _FILE.match(path.name)
        if not match or not path.is_file() or any(p.startswith(".") for p in path.relative_to(root).parts):
            continue
        problem = found.setdefault((path.parent, match["name"]), Problem(path.parent, match["name"]))
        if match["level"]:
            problem.prompts[match["level"]] = path
        elif match["kind"] == "tb":
            problem.testbench = path
        else:
            problem.answer = path
    return [found[key] for key in sorted(found, key=lambda k: (str(k[0]), k[1]))]


def load(root: Path) -> tuple[list[Task], list[str]]:
    problems_found = find_problems(root)
    ids = unique_ids([(p.name, relative(p.folder / p.name, root)) for p in problems_found])
    tasks: list[Task] = []
    problems: list[str] = []
    for problem, task_id in zip(problems_found, ids):
        task, why = _task(root, problem, task_id)
        if task is None:
            problems.append(skipped(relative(problem.folder / problem.name, root), why))
        else:
            tasks.append(task)
    return tasks, problems


def _task(root: Path, problem: Problem, task_id: str) -> tuple[Task | None, str]:
    if problem.testbench is None:
        return None, f"no tb_{problem.name}.v (nothing can check a design)"
    spec = {GRAIN_OF_PROMPT[level]: read_text(path).strip() for level, path in sorted(problem.prompts.items())}
    spec = {grain: text for grain, text in spec.items() if text}
    if not spec:
        return None, f"no prompt1_{problem.name}.v .. prompt3_{problem.name}.v with any text (no spec)"
    answer_text = read_text(problem.answer) if problem.answer else ""
    top = _declared_module(spec) or next(iter(source.top_candidates([answer_text])), None)
    if top is None:
        return None, "the prompts declare no module and there is no answer to take its name from"
    rename: dict[str, str] = {}
    if problem.answer is not None:
        current = solution_top(answer_text, top)
        rename = {current: top} if current and current != top else {}
    interface = next((h for text in spec.values() if (h := module_header(text, top))), "")
    tags = [relative(problem.folder, root)] if problem.folder != root else []
    return Task(id=task_id, top=top, spec=spec, interface=interface, testbench=(problem.testbench,),
                solution=problem.answer, solution_rename=rename, source=SOURCE,
                licence=licence_near(problem.folder, root), tags=tags), ""


def _declared_module(spec: dict[str, str]) -> str | None:
    for text in spec.values():
        names = source.module_names(text)
        if names:
            return names[0]
    return None
