"""What an exploration covers: the design and the checks it runs (from a Verilog file or folder, an AccelBench
task folder or a run folder), the top's parameters and the values asked for, and the points to check."""

from __future__ import annotations

import itertools
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigchip import interface
from aigchip.sim import params
from aigchip.sim.types import Design

_VALUE = re.compile(r"^-?\d+$")
_RANGE = re.compile(r"^(-?\d+)\.\.(-?\d+)(?::(\d+))?$")  # 2..16:2 (inclusive, step)


class SpaceError(ValueError):
    """Bad input: a parameter the top does not have, a value that is not an integer, no design (a usage error)."""


@dataclass
class Subject:
    """The design explored, the checks every point runs, and where they came from."""

    design: Design
    label: str  # what the user named
    kind: str  # "verilog", "task" or "run"
    tests: Path | None = None
    testbench: tuple[Path, ...] = ()
    reference: Path | None = None
    tb_top: str | None = None
    tests_by_model: bool = False  # a run folder's own (model-written) tests: run alone, sandbox required
    defaults: dict[str, int | str] = field(default_factory=dict)  # the top's parameters and their defaults


def load(path: Path, *, top: str | None = None, tests: Path | None = None,
         testbench: tuple[Path, ...] = ()) -> Subject:
    """The design at `path`: a task folder (task.json: its solution and tests), a run folder (meta.json: the
    design and the checks it recorded), a folder of Verilog files or one Verilog file. `tests`/`testbench`
    replace the checks found there."""
    path = Path(path)
    if not path.exists():
        raise SpaceError(f"{path} does not exist")
    if path.is_dir() and (path / "task.json").is_file():
        subject = _from_task(path)
    elif path.is_dir() and (path / "meta.json").is_file():
        subject = _from_run(path)
    else:
        subject = _from_verilog(path, top)
    if top and subject.design.top != top:
        subject.design = subject.design.model_copy(update={"top": top})
    if tests is not None or testbench:
        subject.tests, subject.testbench, subject.reference = tests, tuple(testbench), None
        subject.tests_by_model = False
    found = interface.parameters(subject.design.files, subject.design.top)
    if found is None:
        raise SpaceError(f"cannot read the header of the top module {subject.design.top!r} in {subject.label}")
    subject.defaults = found
    return subject


def _from_task(folder: Path) -> Subject:
    from aigchip.task import from_folder

    try:
        task = from_folder(folder)
    except (OSError, ValueError) as exc:
        raise SpaceError(f"{folder}: {exc}") from None
    design = task.solution_design()
    if design is None:
        raise SpaceError(f"the task {task.id} has no solution to explore")
    return Subject(design, str(folder), "task", tests=task.tests, testbench=task.testbench, reference=task.reference,
                   tb_top=task.tb_top)


def _from_run(folder: Path) -> Subject:
    from aigchip.record import Record, recorded_design, recorded_status, recorded_task

    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpaceError(f"{folder}/meta.json cannot be read: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("top"), str) or not isinstance(meta.get("files"), list):
        raise SpaceError(f"{folder}/meta.json is not a run folder's record (no top and files)")
    record = Record(folder, str(folder), meta, recorded_status(meta))
    design = recorded_design(record)
    if design is None:
        raise SpaceError(f"{folder}: " + "; ".join(record.design_problems))
    task = recorded_task(record)
    checks = meta.get("checks") or {}
    by_model = bool(checks.get("self_tests")) and not checks.get("tests") and not checks.get("testbench")
    return Subject(design, str(folder), "run", tests=task.tests, testbench=task.testbench, reference=task.reference,
                   tb_top=task.tb_top, tests_by_model=by_model)


def _from_verilog(path: Path, top: str | None) -> Subject:
    files = sorted(p for p in path.iterdir() if p.suffix in (".v", ".sv")) if path.is_dir() else [path]
    if not files:
        raise SpaceError(f"{path} holds no Verilog (.v or .sv) file")
    try:
        design = Design.from_paths(files, top=top or "")
    except ValueError as exc:
        raise SpaceError(str(exc)) from None
    if not top:
        from aigchip.sim import source

        tops = source.top_candidates(list(design.files.values()))
        if len(tops) != 1:
            raise SpaceError(f"cannot tell the top module of {path} (candidates: {', '.join(tops) or 'none'}); "
                             "give --top")
        design = design.model_copy(update={"top": tops[0]})
    return Subject(design, str(path), "verilog")


def parse_values(spec: str) -> tuple[str, list[int]]:
    """`N=2,4,8` or `N=2..16:2` as ("N", [2, 4, 8]); raises SpaceError for anything else."""
    name, sep, values = spec.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise SpaceError(f"--param {spec!r}: write NAME=V1,V2,... (or NAME=LO..HI[:STEP])")
    found: list[int] = []
    for item in (v.strip() for v in values.split(",")):
        ranged = _RANGE.match(item)
        if ranged:
            low, high, step = int(ranged[1]), int(ranged[2]), int(ranged[3] or 1)
            if step < 1 or high < low:
                raise SpaceError(f"--param {spec!r}: the range {item} is empty")
            found += list(range(low, high + 1, step))
        elif _VALUE.match(item):
            found.append(int(item))
        else:
            raise SpaceError(f"--param {spec!r}: {item!r} is not an integer (only integer values are swept)")
    try:
        params.normalized([(name, v) for v in found[:1]])
    except ValueError as exc:
        raise SpaceError(f"--param {spec!r}: {exc}") from None
    return name, list(dict.fromkeys(found))


def axes(specs: list[str], defaults: dict[str, int | str], top: str) -> dict[str, list[int]]:
    """The values of each parameter asked for, checked against the top's own parameters."""
    if not specs:
        raise SpaceError("give at least one --param NAME=V1,V2,...")
    found: dict[str, list[int]] = {}
    for spec in specs:
        name, values = parse_values(spec)
        if name not in defaults:
            have = ", ".join(f"{k} (default {v})" for k, v in defaults.items()) or "none"
            raise SpaceError(f"the top module {top} has no parameter {name!r}; its parameters: {have}")
        if name in found:
            raise SpaceError(f"--param {name} is given twice")
        found[name] = values
    return found


def points(values: dict[str, list[int]], budget: int | None = None, seed: int = 0) -> tuple[list[dict[str, int]], int]:
    """The points to check (dicts name -> value, in the cross product's order) and the size of the whole
    space. With `budget` below that size, a seeded sample: the first and the last point of the product (the
    smallest and the largest values) and the rest drawn at random."""
    names = list(values)
    every = [dict(zip(names, combo)) for combo in itertools.product(*(values[n] for n in names))]
    if budget is None or budget >= len(every):
        return every, len(every)
    if budget <= 0:
        return [], len(every)
    ends = sorted({0, len(every) - 1})[:budget]
    rest = [i for i in range(len(every)) if i not in ends]
    chosen = sorted(ends + random.Random(seed).sample(rest, budget - len(ends)))
    return [every[i] for i in chosen], len(every)


def key(point: dict[str, Any]) -> str:
    """A point's label and file name: `N=4,LANES=2` in the order the parameters were given."""
    return params.label(tuple(point.items()))
