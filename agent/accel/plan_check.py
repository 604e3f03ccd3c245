"""Check a plan before any RTL is written: every instantiated module defined, no cycle, and the headers
compiled together as empty stubs (each parent with its structure) by a real parser, so that every instance's
connections match its child's ports in name and width.

Each problem has a `kind` a script can act on and a message worded for the model and for people. The
stubs are linted by Verilator (`--lint-only -Wall`) when it is installed, else compiled by Icarus Verilog;
either runs through the sandboxed process path like every other tool.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from aigchip.accel.plan import Plan
from aigchip.sim import lint, process, source, tools
from aigchip.sim.types import Diagnostic, Severity

Kind = Literal["unparseable", "duplicate_module", "missing_top", "top_interface", "header_name", "missing_module", "cycle",
               "unreachable", "python_syntax", "header_syntax", "port_mismatch", "width_mismatch",
               "undeclared_signal", "unconnected_port", "stub_error", "tool_error"]

_VERILATOR_KINDS = {"PINNOTFOUND": "port_mismatch", "IMPLICIT": "undeclared_signal", "PINMISSING": "unconnected_port",
                    "MODMISSING": "missing_module", "WIDTHEXPAND": "width_mismatch", "WIDTHTRUNC": "width_mismatch",
                    "WIDTH": "width_mismatch"}
_IVERILOG_KINDS = ((re.compile(r"expects \d+ bits, got \d+"), "width_mismatch"),
                   (re.compile(r"is not a port of"), "port_mismatch"),
                   (re.compile(r"Unknown module type"), "missing_module"),
                   (re.compile(r"implicit definition of wire"), "undeclared_signal"))


class PlanProblem(BaseModel):
    kind: Kind
    module: str | None = None
    message: str

    def render(self) -> str:
        return f"[{self.kind}] {self.module + ': ' if self.module else ''}{self.message}"


def check(plan: Plan, *, timeout: float = 60.0) -> list[PlanProblem]:
    """Every problem found, structural ones first; the stubs are compiled only when the structure holds."""
    problems = structural(plan)
    if problems:
        return problems
    return stubs(plan, timeout=timeout)


def structural(plan: Plan) -> list[PlanProblem]:
    """Names, the module graph and the Python in the plan: no tool needed."""
    problems: list[PlanProblem] = []
    names = plan.names
    for name in dict.fromkeys(n for n in names if names.count(n) > 1):
        problems.append(PlanProblem(kind="duplicate_module", module=name,
                                    message=f"the plan defines `{name}` {names.count(name)} times; keep one"))
    if plan.top not in names:
        problems.append(PlanProblem(kind="missing_top", module=plan.top,
                                    message=f"the top `{plan.top}` is not among the modules ({', '.join(names)})"))
    for module in plan.modules:
        declared = source.module_names(module.header)
        if declared != [module.name]:
            found = ", ".join(f"`{d}`" for d in declared) or "no module"
            problems.append(PlanProblem(kind="header_name", module=module.name, message=(
                f"the header must declare exactly `module {module.name}`; it declares {found}")))
        for child in module.children:
            if child not in names:
                problems.append(PlanProblem(kind="missing_module", module=module.name, message=(
                    f"the structure instantiates `{child}`, which the plan does not define: add it to the "
                    "modules or remove the instance")))
    problems += _cycles(plan)
    if plan.top in names and not any(p.kind == "cycle" for p in problems):
        reached = _reachable(plan)
        for name in names:
            if name not in reached:
                problems.append(PlanProblem(kind="unreachable", module=name, message=(
                    f"`{name}` is not instantiated below the top `{plan.top}`: instantiate it or remove it")))
    problems += _python(plan)
    return problems


def _reachable(plan: Plan) -> set[str]:
    seen: set[str] = set()
    stack = [plan.top]
    while stack:
        name = stack.pop()
        if name in seen or name not in plan.names:
            continue
        seen.add(name)
        stack += plan.module(name).children
    return seen


def _cycles(plan: Plan) -> list[PlanProblem]:
    """One problem per cycle in the instantiation graph, naming the path."""
    graph = {m.name: [c for c in m.children if c in plan.names] for m in plan.modules}
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    found: list[PlanProblem] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for child in graph.get(name, []):
            if state.get(child) == 1:
                loop = path[path.index(child):] + [child] if child in path else [name, child]
                found.append(PlanProblem(kind="cycle", module=child, message=(
                    "modules instantiate each other in a cycle: " + " -> ".join(loop)
                    + "; hardware is a tree: break the cycle")))
            elif state.get(child) is None:
                visit(child, [*path, child])
        state[name] = 2

    for name in graph:
        if state.get(name) is None:
            visit(name, [name])
    return found


def _python(plan: Plan) -> list[PlanProblem]:
    """The plan's Python compiles (it is never run here); a cycle model defines `class Model`."""
    pieces: list[tuple[str | None, str, str | None]] = [(m.name, f"{m.name}.model", m.model) for m in plan.modules]
    pieces += [(m.name, f"{m.name}.tests", m.tests) for m in plan.modules]
    pieces += [(None, "golden", plan.golden), (None, "system_test", plan.system_test)]
    problems = []
    for module, where, code in pieces:
        if not code:
            continue
        try:
            compile(code, where, "exec")
        except SyntaxError as exc:
            problems.append(PlanProblem(kind="python_syntax", module=module,
                                        message=f"{where} does not parse: line {exc.lineno}: {exc.msg}"))
            continue
        if where.endswith(".model") and not re.search(r"^class\s+Model\b", code, re.M):
            problems.append(PlanProblem(kind="python_syntax", module=module, message=(
                f"{where} must define `class Model` with a `step(self, inputs)` method")))
    return problems


def stub_files(plan: Plan) -> dict[str, str]:
    """One file per module: its header, its structure (parents), `endmodule`."""
    return {f"{m.name}.v": f"{m.header.strip()}\n{m.structure.rstrip()}\nendmodule\n" for m in plan.modules}


def stubs(plan: Plan, *, timeout: float = 60.0) -> list[PlanProblem]:
    """Compile the stubs together with the top as root; connection problems become PlanProblems."""
    files = stub_files(plan)
    use_verilator = tools.available("verilator")
    with process.RunFolder(prefix="aigchip-plan-") as folder:
        for name, text in files.items():
            folder.write(name, text)
        try:
            if use_verilator:
                found, result = lint.verilator_lint(folder.path, list(files), plan.top, timeout=timeout)
            else:
                found, result = lint.syntax_gate(folder.path, list(files), plan.top, timeout=timeout)
        except tools.ToolMissing as exc:
            return [PlanProblem(kind="tool_error", message=f"cannot compile the stubs: {exc}")]
    if result.timed_out:
        return [PlanProblem(kind="tool_error", message=f"compiling the stubs took longer than {timeout:g} s")]
    problems = [p for d in found if (p := _classify(d, use_verilator, files)) is not None]
    if result.returncode not in (0, None) and not problems and not use_verilator:
        problems.append(PlanProblem(kind="stub_error", message=process.cap_text(result.output, 800, 400)))
    return list({p.render(): p for p in problems}.values())


def _classify(diag: Diagnostic, verilator: bool, files: dict[str, str]) -> PlanProblem | None:
    module = diag.file[:-2] if diag.file and diag.file.endswith(".v") else None
    lines = files.get(diag.file or "", "").splitlines()
    where = f", at `{lines[diag.line - 1].strip()[:160]}`" if diag.line and 0 < diag.line <= len(lines) else ""
    if verilator:
        kind = _VERILATOR_KINDS.get(diag.code or "")
        if kind == "width_mismatch" and "connection" not in diag.message:
            kind = None  # width warnings inside a structure's own expressions are advice, not a plan error
    else:
        kind = next((k for pattern, k in _IVERILOG_KINDS if pattern.search(diag.message)), None)
    if kind is None and diag.severity is Severity.ERROR:
        kind = "header_syntax" if "syntax" in diag.message.lower() else "stub_error"
    if kind is None:
        return None
    return PlanProblem(kind=kind, module=module, message=f"{diag.message}{where}")
