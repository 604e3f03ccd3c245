"""The architecture plan: a validated document a person can read, edit and pass back (`--plan FILE`).

A plan is a tree of modules. Each module has its spec at the three grains (MG-Verilog's high level,
detailed, block by block), its Verilog header (the exact ports, widths, signedness, parameters), and, for a
parent, its `structure`: the wires and child instances it is built from, with no behaviour; the children
are the modules the structure instantiates. A module may carry a cycle model in Python (`model`) that the
flow compares with the module's boundary traffic when the system test fails, and its own cocotb unit tests
(`tests`). The plan as a whole carries the decisions the request left open (`decisions`), a functional
golden model (`golden`) and the system test (`system_test`), unless the task brings its own tests.

Saved as YAML (block scalars for code, so it reads like source); JSON is read too.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aigchip.sim import source

PLAN_FILE = "plan.yaml"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FENCE = re.compile(r"```[ \t]*(yaml|yml|json)?[ \t]*\n(.*?)(?:\n```|\Z)", re.S | re.I)


class PlanError(ValueError):
    """A plan that cannot be read or does not fit the schema; `problems` says where, for the model and people."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Grains(BaseModel):
    model_config = ConfigDict(extra="forbid")

    high_level: str = Field(min_length=1)  # one or two sentences: what the module is for
    detailed: str = Field(min_length=1)  # ports, widths, timing, handshakes, rounding: enough to build it
    block: str = ""  # block by block: the parts inside it and how data flows through them


class Job(BaseModel):
    """What one job of the accelerator is, to measure cycles per job in the system test."""

    model_config = ConfigDict(extra="forbid")

    done: str  # a condition on the top's ports, true at the rising clock edge that completes a job
    start: str | None = None  # the condition at the edge that starts one (for latency), when there is one


class ModulePlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    spec: Grains
    header: str  # `module NAME #(...) (ports);`: ANSI ports with directions, widths and signedness
    structure: str = ""  # a parent's wires and child instances (no behaviour); empty for a leaf
    model: str | None = None  # Python cycle model: class Model with step(inputs) -> outputs (see templates)
    tests: str | None = None  # a cocotb test module for this module alone

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENTIFIER.match(value):
            raise ValueError(f"{value!r} is not a Verilog identifier")
        return value

    @field_validator("header")
    @classmethod
    def _header_only(cls, value: str) -> str:
        """The header alone: an `endmodule` written after it is dropped."""
        return re.sub(r"\s*\bendmodule\b\s*$", "", value.strip()) + "\n"

    @property
    def children(self) -> list[str]:
        """The module types the structure instantiates, in order, each once."""
        return source.instantiated_modules(self.structure) if self.structure.strip() else []

    def interface(self) -> str:
        """The header as a compilable empty module (the interface a prompt shows)."""
        return f"{self.header.strip()}\nendmodule\n"


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    top: str
    summary: str = Field(min_length=1)  # what the accelerator does, in a paragraph
    decisions: list[str] = Field(default_factory=list)  # what the request left open, decided here
    clock: str = "clk"  # the one clock every synchronous module shares
    job: Job | None = None
    modules: list[ModulePlan] = Field(min_length=1)
    golden: str | None = None  # Python functional model of the top-level function (the system test imports it)
    system_test: str | None = None  # cocotb test of the top (imports `golden`)

    @field_validator("modules", mode="before")
    @classmethod
    def _modules_as_list(cls, value: Any) -> Any:
        """Accept `modules:` written as a mapping from name to module, as models and people often do."""
        if isinstance(value, dict):
            return [{"name": name, **(body if isinstance(body, dict) else {})} for name, body in value.items()]
        return value

    def module(self, name: str) -> ModulePlan:
        for module in self.modules:
            if module.name == name:
                return module
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.modules]

    def order(self) -> list[str]:
        """Module names, children before parents (the plan must be acyclic: see plan_check)."""
        done: list[str] = []
        known = set(self.names)

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in done or name in path or name not in known:
                return
            for child in self.module(name).children:
                visit(child, (*path, name))
            done.append(name)

        for name in [self.top, *self.names]:
            visit(name, ())
        return done

    def parents(self, name: str) -> list[str]:
        return [m.name for m in self.modules if name in m.children]

    def ancestors(self, name: str) -> list[str]:
        """Every module above `name`, nearest first."""
        found: list[str] = []
        frontier = [name]
        while frontier:
            parents = [p for n in frontier for p in self.parents(n) if p not in found]
            found += list(dict.fromkeys(parents))
            frontier = parents
        return found

    def fingerprint(self, name: str) -> str:
        """What a module's design depends on: its own entry and its children's headers and specs (a parent
        is written against those, not against its children's code); the top's also on the plan's system test
        and golden model. Unchanged fingerprint: keep the design."""
        module = self.module(name)
        children = [self.module(c).model_dump(include={"name", "header", "spec"}) for c in module.children
                    if c in self.names]
        system = [self.system_test, self.golden] if name == self.top else None  # what decides the top
        blob = json.dumps({"module": module.model_dump(), "children": children,
                           "clock": self.clock, "top": name == self.top, **({"system": system} if system else {})},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        return yaml.dump(self.model_dump(mode="json", exclude_none=True), Dumper=_BlockDumper, sort_keys=False,
                         allow_unicode=True, width=110)


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if "\n" in text:  # code and long specs as `|` blocks; trailing spaces would force a quoted style
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


_BlockDumper.add_representer(str, _str_presenter)


def parse(text: str) -> Plan:
    """A plan from YAML or JSON text, or from a model's reply holding it in a ```yaml or ```json block.
    Raises PlanError saying what is wrong and where."""
    blocks = [m.group(2) for m in _FENCE.finditer(text)]
    candidates = [max(blocks, key=len) + "\n"] if blocks else [text]
    document = candidates[0]
    try:
        data = yaml.safe_load(document)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PlanError([f"the plan is not valid YAML{where}: {problem}"]) from None
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        raise PlanError([f"the plan must be a YAML mapping with name, top, summary, modules, ...; found {found}"])
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError([_schema_problem(error) for error in exc.errors()[:12]]) from None


def _schema_problem(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "the plan"
    if error["type"] == "missing":
        return f"{where}: required, but missing"
    if error["type"] == "extra_forbidden":
        return f"{where}: not a field of the plan (a typo?)"
    if error["type"] == "string_type" and isinstance(error.get("input"), dict):
        return (f"{where}: should be text, but YAML read a mapping: quote the text, or use a `|` block "
                "(in plain YAML a colon followed by a space starts a mapping)")
    return f"{where}: {error['msg']}"


def load(path: Path) -> Plan:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    return parse(text)
