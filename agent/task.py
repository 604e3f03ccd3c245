"""A Task: what to build (a spec at one or more grains, a top module) and how it is checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, Field

from aigchip.sim import source
from aigchip.sim.types import Design

GRAINS = ("high_level", "detailed", "block")


class Task(BaseModel):
    id: str
    top: str
    spec: dict[str, str]  # grain (high_level, detailed, block) to text; a plain sentence is "detailed"
    interface: str = ""  # the top module's header, when the task fixes it
    testbench: tuple[Path, ...] = ()  # a Verilog testbench that decides pass/fail
    tests: Path | None = None  # a cocotb test module that decides pass/fail
    reference: Path | None = None  # a reference model the testbench instantiates (VerilogEval's RefModule)
    solution: Path | None = None  # a known-good design for the task (never shown to the model)
    solution_rename: dict[str, str] = Field(default_factory=dict)  # module renames that make it the answer
    tb_top: str | None = None
    source: str = "user"
    licence: str | None = None
    tags: list[str] = Field(default_factory=list)

    def spec_text(self, grain: str | None = None) -> str:
        """The spec at `grain`, else the most detailed one there is."""
        if grain and self.spec.get(grain):
            return self.spec[grain]
        for name in ("detailed", "high_level", "block"):
            if self.spec.get(name):
                return self.spec[name]
        raise ValueError(f"task {self.id} has no spec text")

    def solution_design(self) -> Design | None:
        """The known-good solution as a Design named as the task asks (e.g. RefModule -> TopModule)."""
        if self.solution is None:
            return None
        text = self.solution.read_text(encoding="utf-8", errors="replace")
        for old, new in self.solution_rename.items():
            text = re.sub(rf"\b{re.escape(old)}\b", new, text)
        return Design(files={f"{self.top}{self.solution.suffix or '.v'}": text}, top=self.top)

    @property
    def has_golden_tests(self) -> bool:
        return bool(self.testbench) or self.tests is not None


def from_text(text: str, *, top: str | None = None, task_id: str = "spec", interface: str = "", **checks: object) -> Task:
    """A task from a spec sentence or file, the top taken from --top, the interface, or the spec's own words."""
    return Task(id=task_id, top=top or _top_from(interface, text), spec={"detailed": text.strip()},
                interface=interface, **checks)


def _top_from(interface: str, spec: str) -> str:
    names = source.module_names(interface)
    if names:
        return names[0]
    named = re.search(r"\bmodule\s+(?:named|called)\s+`?([A-Za-z_]\w*)", spec)
    return named.group(1) if named else "top"


def from_folder(folder: Path) -> Task:
    """A task folder in the native benchmark format: task.json naming its files (see datasets/README.md)."""
    meta_path = folder / "task.json"
    if not meta_path.is_file():
        raise ValueError(f"{folder} is not a task folder: it has no task.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{meta_path}: not valid JSON ({exc})") from None

    def path(key: str) -> Path | None:
        name = meta.get(key)
        if not name:
            return None
        resolved = (folder / name).resolve()
        if folder.resolve() not in resolved.parents or not resolved.is_file():
            raise ValueError(f"{meta_path}: {key} {name!r} is not a file inside the task folder")
        return resolved

    spec = meta.get("spec")
    if isinstance(spec, str):
        spec = {"detailed": spec}
    if not isinstance(spec, dict) or not any(spec.get(g) for g in GRAINS):
        raise ValueError(f"{meta_path}: 'spec' must give text for at least one of {', '.join(GRAINS)}")
    interface_path = path("interface")
    testbench = path("testbench")
    return Task(
        id=str(meta.get("id") or folder.name), top=meta.get("top") or "top",
        spec={g: str(spec[g]) for g in GRAINS if spec.get(g)},
        interface=interface_path.read_text(encoding="utf-8") if interface_path else "",
        testbench=(testbench,) if testbench else (), tests=path("tests"), reference=path("reference"),
        solution=path("solution"),
        tb_top=meta.get("tb_top"), source=str(meta.get("source", folder.name)), licence=meta.get("licence"),
        tags=list(meta.get("tags", [])),
    )
