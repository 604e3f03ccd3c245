"""A Task: what to build (a spec at one or more grains, a top module) and how it is checked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from aigchip.sim import source
from aigchip.sim.types import Design

if TYPE_CHECKING:
    from aigchip.config import RunConfig
    from aigchip.sim.check import VerifyOptions

GRAINS = ("high_level", "detailed", "block")


class Task(BaseModel):
    id: str
    top: str
    spec: dict[str, str]  # grain (high_level, detailed, block) to text; a plain sentence is "detailed"
    interface: str = ""  # the headers the task fixes, the top module's first (several files joined)
    interface_files: tuple[Path, ...] = ()  # where `interface` came from, when it came from files
    testbench: tuple[Path, ...] = ()  # a Verilog testbench that decides pass/fail
    tests: Path | None = None  # a cocotb test module that decides pass/fail
    reference: Path | None = None  # a reference model the testbench instantiates (VerilogEval's RefModule)
    solution: tuple[Path, ...] = ()  # a known-good design for the task, one or more files (never shown to the model)
    solution_rename: dict[str, str] = Field(default_factory=dict)  # module renames that make it the answer
    tb_top: str | None = None
    source: str = "user"
    licence: str | None = None
    tags: list[str] = Field(default_factory=list)
    unit_tests: dict[str, Path] = Field(default_factory=dict)  # submodule of the solution to its cocotb tests
    cost: dict[str, Any] = Field(default_factory=dict)  # the solution's measured cost (cells, cycles_per_job, ...)

    @field_validator("solution", mode="before")
    @classmethod
    def _solution_files(cls, value: Any) -> Any:
        """A single path (or None) is a one-file solution (or none)."""
        if value is None:
            return ()
        return (value,) if isinstance(value, (str, Path)) else value

    def spec_text(self, grain: str | None = None) -> str:
        """The spec at `grain`, else the most detailed one there is."""
        if grain and self.spec.get(grain):
            return self.spec[grain]
        for name in ("detailed", "high_level", "block"):
            if self.spec.get(name):
                return self.spec[name]
        raise ValueError(f"task {self.id} has no spec text")

    def solution_design(self, top: str | None = None) -> Design | None:
        """The known-good solution, every file of it, as a Design named as the task asks (e.g. RefModule ->
        TopModule); `top` names one of its submodules instead (a unit test's design)."""
        if not self.solution:
            return None
        texts = [path.read_text(encoding="utf-8", errors="replace") for path in self.solution]
        for old, new in self.solution_rename.items():
            texts = [re.sub(rf"\b{re.escape(old)}\b", new, text) for text in texts]
        if len(self.solution) == 1:
            names = [f"{self.top}{self.solution[0].suffix or '.v'}"]
        else:
            names = [path.name for path in self.solution]
        return Design(files=dict(zip(names, texts)), top=top or self.top)

    def unit_tests_for(self, design: Design) -> dict[str, Path]:
        """The unit tests that apply to `design`: those whose module it defines with the reference's ports
        (names, directions, widths). A design that decomposes differently gets none, and is not failed for it."""
        reference = self.solution_design()
        if reference is None:
            return {}
        theirs, ours = "\n".join(design.files.values()), "\n".join(reference.files.values())
        return {module: path for module, path in self.unit_tests.items()
                if (ports := source.module_ports(ours, module)) and source.module_ports(theirs, module) == ports}

    def solution_text(self) -> str:
        """Every file of the known-good solution, joined (for near-copy checks)."""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in self.solution)

    @property
    def has_golden_tests(self) -> bool:
        return bool(self.testbench) or self.tests is not None


def verify_options(task: Task, config: RunConfig | None = None, **overrides: Any) -> VerifyOptions:
    """The `VerifyOptions` that check a design against `task`'s own tests (testbench, cocotb tests, reference),
    run as `config` says (simulator, timeout, lint, cache); `overrides` last (e.g. tests=None, waves=True)."""
    from aigchip.sim.check import VerifyOptions

    fields: dict[str, Any] = dict(testbench=task.testbench, tests=task.tests, reference=task.reference,
                                  tb_top=task.tb_top)
    if config is not None:
        fields.update(simulator=config.simulator, timeout=config.sim_timeout, lint=config.lint, use_cache=config.cache,
                      synth=config.synth or bool(config.fpga), fpga=config.fpga)
    return VerifyOptions(**{**fields, **overrides})


def from_text(text: str, *, top: str | None = None, task_id: str = "spec", interface: str = "", **checks: object) -> Task:
    """A task from a spec sentence or file, the top taken from --top, the interface, or the spec's own words."""
    return Task(id=task_id, top=top or _top_from(interface, text), spec={"detailed": text.strip()},
                interface=interface, **checks)


def _top_from(interface: str, spec: str) -> str:
    names = source.module_names(interface)
    if names:
        return names[0]
    for pattern in (r"\bmodule\s+(?:named|called)\s+[`'\"]?([A-Za-z_]\w*)", r"\b(?:named|called)\s+[`'\"]?([A-Za-z_]\w*)",
                    r"\bmodule\s+[`'\"]?([A-Za-z_]\w*)"):
        for found in re.finditer(pattern, spec, re.I):
            if found.group(1).lower() not in _NOT_NAMES:
                return found.group(1)
    return "top"


# words that follow "module" or "named" in prose without being a module's name
_NOT_NAMES = {"that", "with", "which", "for", "to", "in", "is", "the", "a", "an", "named", "called", "of", "should",
              "must", "will", "and", "or", "it", "this", "its", "has", "having", "takes", "computes", "implements",
              "interface", "ports", "port", "header", "declaration", "top", "as", "from", "on", "by", "above", "below"}


def from_folder(folder: Path) -> Task:
    """A task folder in the native benchmark format: task.json naming its files (see datasets/README.md)."""
    meta_path = folder / "task.json"
    if not meta_path.is_file():
        raise ValueError(f"{folder} is not a task folder: it has no task.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{meta_path}: not valid JSON ({exc})") from None

    def path(key: str, name: Any = None) -> Path | None:
        name = meta.get(key) if name is None else name
        if not name:
            return None
        if not isinstance(name, str):
            raise ValueError(f"{meta_path}: {key} must name a file, not {name!r}")
        resolved = (folder / name).resolve()
        if folder.resolve() not in resolved.parents or not resolved.is_file():
            raise ValueError(f"{meta_path}: {key} {name!r} is not a file inside the task folder")
        return resolved

    def paths(key: str) -> tuple[Path, ...]:
        """A file name, or a list of them (several modules across files)."""
        names = meta.get(key) or []
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list):
            raise ValueError(f"{meta_path}: {key} must be a file name or a list of file names")
        found = tuple(p for name in names if (p := path(key, name)) is not None)
        if len({p.name for p in found}) != len(found):
            raise ValueError(f"{meta_path}: {key} names two files with the same name")
        return found

    spec = meta.get("spec")
    if isinstance(spec, str):
        spec = {"detailed": spec}
    if not isinstance(spec, dict) or not any(spec.get(g) for g in GRAINS):
        raise ValueError(f"{meta_path}: 'spec' must give text for at least one of {', '.join(GRAINS)}")
    interface_files = paths("interface")
    solution = paths("solution")
    testbench = path("testbench")
    cost = meta.get("cost") or {}
    if not isinstance(cost, dict):
        raise ValueError(f"{meta_path}: 'cost' must be an object (cells, cycles_per_job, job, ...)")
    return Task(
        id=str(meta.get("id") or folder.name), top=meta.get("top") or "top",
        spec={g: str(spec[g]) for g in GRAINS if spec.get(g)},
        interface="\n\n".join(p.read_text(encoding="utf-8").strip() for p in interface_files),
        interface_files=interface_files,
        testbench=(testbench,) if testbench else (), tests=path("tests"), reference=path("reference"),
        solution=solution, unit_tests=_unit_tests(meta, meta_path, path, solution), cost=cost,
        tb_top=meta.get("tb_top"), source=str(meta.get("source", folder.name)), licence=meta.get("licence"),
        tags=list(dict.fromkeys([*meta.get("tags", []), *([str(meta["difficulty"])] if meta.get("difficulty") else [])])),
    )


def _unit_tests(meta: dict, meta_path: Path, path: Any, solution: tuple[Path, ...]) -> dict[str, Path]:
    """`unit_tests`: submodule name to its cocotb test module; each module must be one the solution defines."""
    named = meta.get("unit_tests") or {}
    if not isinstance(named, dict):
        raise ValueError(f"{meta_path}: 'unit_tests' must map module names to cocotb test files")
    defined = {name for p in solution for name in source.module_names(p.read_text(encoding="utf-8", errors="replace"))}
    tests: dict[str, Path] = {}
    for module, name in named.items():
        if module not in defined:
            raise ValueError(f"{meta_path}: unit_tests names {module!r}, which the solution does not define")
        test = path("unit_tests", name)
        if test is None or test.suffix != ".py":
            raise ValueError(f"{meta_path}: unit test {name!r} for {module!r} is not a cocotb test module (.py)")
        tests[module] = test
    return tests
