"""What crossed each module instance's ports in a system test, cycle by cycle, and whether it agrees with
that module's cycle model from the plan.

From a VCD of the integrated design, each instance scope is mapped to its module (following the instances
in the modules' actual code; generate blocks are passed through), its ports are sampled just before every
rising edge of the plan's clock, and the plan's `Model` of the module is stepped over the recorded inputs in
a sandboxed child process (model_child.py). The first cycle where a predicted output differs is that
instance's divergence.
"""

from __future__ import annotations

import importlib.resources
import json
import sys
from typing import Any

from pydantic import BaseModel

from aigchip.accel import waves
from aigchip.accel.modules import Workshop
from aigchip.sim import process, sandbox, source, tools

MAX_INSTANCES = 64
MODEL_TIMEOUT = 60.0


class Divergence(BaseModel):
    scope: str  # the instance path, like u_core.u_m0
    module: str
    cycle: int
    port: str
    got: int | None
    expected: int
    inputs: dict[str, int | None]


class Port(BaseModel):
    name: str
    direction: str
    code: str  # VCD id
    width: int


def instance_scopes(ws: Workshop, wave: Any) -> dict[str, str]:
    """Instance path to module name, for every scope of the waveform that is an instance of a plan module."""
    scopes = {name.rsplit(".", 1)[0] for name in wave.names.values() if "." in name}
    found: dict[str, str] = {}
    for scope in sorted(scopes):
        module = ws.plan.top
        for part in scope.split("."):
            by_name = {inst: kind for kind, inst in source.instances(_code(ws, module))}
            bare = part.split("[", 1)[0]
            if bare in by_name and by_name[bare] in ws.plan.names:
                module = by_name[bare]
            elif bare in by_name:
                module = ""  # an instance of a helper module: not compared
                break
        if module and module != ws.plan.top:
            found[scope] = module
    return found


def _code(ws: Workshop, module: str) -> str:
    with ws.lock:
        own = ws.latest.get(module) or ws.files.get(module)
    return own[1] if own else ws.plan.module(module).structure


def ports(ws: Workshop, wave: Any, scope: str, module: str) -> list[Port]:
    names = waves.codes_by_name(wave)
    declared = source.module_ports(_code(ws, module), module) or source.module_ports(
        ws.plan.module(module).interface(), module)
    found = []
    for name, direction, _ in declared:
        code = names.get(f"{scope}.{name}")
        if code is not None:
            found.append(Port(name=name, direction=direction, code=code, width=wave.widths.get(code, 1)))
    return found


def _job(ws: Workshop, wave: Any, cycles: waves.Cycles, scope: str, module: str) -> dict[str, Any] | None:
    code = ws.plan.module(module).model
    found = ports(ws, wave, scope, module)
    inputs = [p for p in found if p.direction == "input"]
    outputs = [p for p in found if p.direction == "output"]
    if not code or not outputs:
        return None
    samples = {p.name: cycles.sample(p.code) for p in found}
    count = len(cycles.edges)
    return {"scope": scope, "model": code, "mask": {p.name: (1 << p.width) - 1 for p in outputs},
            "inputs": [{p.name: samples[p.name][k] for p in inputs} for k in range(count)],
            "outputs": [{p.name: samples[p.name][k] for p in outputs} for k in range(count)]}


def compare(ws: Workshop, wave: Any, cycles: waves.Cycles) -> tuple[list[Divergence], list[str]]:
    """Every instance whose module has a model, stepped over its traffic; divergences earliest first (the
    deeper instance first at the same cycle), and notes (a model that raised, instances left out)."""
    notes: list[str] = []
    scopes = instance_scopes(ws, wave)
    if len(scopes) > MAX_INSTANCES:
        notes.append(f"only the first {MAX_INSTANCES} of {len(scopes)} instances were compared with their models")
    jobs = [job for scope, module in list(scopes.items())[:MAX_INSTANCES]
            if (job := _job(ws, wave, cycles, scope, module)) is not None]
    divergences = []
    for item in _run_models(jobs, notes) if jobs else []:
        scope = item.get("scope", "")
        if item.get("error"):
            notes.append(f"the model of `{scopes.get(scope, '?')}` raised at {scope}: {item['error']}")
        elif item.get("divergence"):
            d = item["divergence"]
            divergences.append(Divergence(scope=scope, module=scopes[scope], cycle=d["cycle"], port=d["port"],
                                          got=d["got"], expected=d["expected"], inputs=d["inputs"]))
    return sorted(divergences, key=lambda d: (d.cycle, -d.scope.count("."))), notes


def replay(ws: Workshop, wave: Any, cycles: waves.Cycles, scope: str, module: str) -> dict[str, Any] | None:
    """The instance's recorded inputs and its model's outputs, cycle by cycle from the first cycle the model
    ran to a little past its divergence: the data of a replay unit test (templates/accel/replay_test.py)."""
    job = _job(ws, wave, cycles, scope, module)
    if job is None:
        return None
    results = _run_models([{**job, "predict": True}], [])
    predicted = results[0].get("predicted") if results else None
    if not predicted:
        return None
    clock = ws.plan.clock if ws.plan.clock in job["inputs"][0] else None
    steps = [(given, want) for given, want in zip(job["inputs"], predicted) if want is not None]
    first = next((k for k, want in enumerate(predicted) if want is not None), 0)
    return {"module": module, "scope": scope, "clock": clock, "first_cycle": first,
            "inputs": [{k: v for k, v in given.items() if k != clock} for given, _ in steps],
            "expected": [want for _, want in steps]}


def _run_models(jobs: list[dict[str, Any]], notes: list[str]) -> list[dict[str, Any]]:
    """The models run in a child Python process through the sandboxed process path, never in this one."""
    child = importlib.resources.files("aigchip.accel").joinpath("model_child.py")
    with process.RunFolder(prefix="aigchip-models-") as folder, importlib.resources.as_file(child) as script:
        (folder.path / "job.json").write_text(json.dumps({"instances": jobs}), encoding="utf-8")
        try:  # the plan's models are model-written Python: the box is required (or the user's leave)
            result = process.run([sys.executable, "-I", str(script), "job.json", "result.json"], cwd=folder.path,
                                 timeout=MODEL_TIMEOUT, box=sandbox.Box(readable=(str(script),), model_python=True))
        except tools.ToolMissing as exc:
            notes.append(f"the cycle models could not be run: {exc}")
            return []
        try:
            return json.loads((folder.path / "result.json").read_text(encoding="utf-8"))["results"]
        except (OSError, ValueError, KeyError):
            why = "timed out" if result.timed_out else process.cap_text(result.output, 300, 300).strip()
            notes.append(f"the cycle models could not be run: {why}")
            return []


def tables(ws: Workshop, wave: Any, cycles: waves.Cycles, cycle: int, *, rows: int = 6,
           scopes: list[str] | None = None) -> str:
    """The ports of each child instance of the top (or of `scopes`) in the `rows` cycles up to `cycle`."""
    mapped = instance_scopes(ws, wave)
    chosen = scopes if scopes is not None else [s for s in mapped if "." not in s]
    first = max(0, cycle - rows + 1)
    blocks = []
    for scope in chosen[:8]:
        found = ports(ws, wave, scope, mapped.get(scope, ""))[:10] if scope in mapped else []
        if not found:
            continue
        header = ["cycle", *(f"{p.name}({p.direction[:2]})" for p in found)]
        sampled = {p.name: cycles.sample(p.code) for p in found}
        lines = [header] + [[str(k), *(_show(sampled[p.name][k]) for p in found)]
                            for k in range(first, min(cycle + 1, len(cycles.edges)))]
        widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
        text = "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in lines)
        blocks.append(f"{scope} ({mapped[scope]}):\n{text}")
    return "\n\n".join(blocks)


def _show(value: int | None) -> str:
    return "x" if value is None else (str(value) if value < 10 else hex(value))


def turns_unknown(ws: Workshop, wave: Any, cycles: waves.Cycles, scope: str, module: str) -> tuple[int, str] | None:
    """The first (cycle, output) where an output of the instance that was known before turns unknown (x or z)
    while every input is known: a sign the instance's own logic is at fault (weak: a memory read of a
    location never written looks the same), used to order the suspects that have no cycle model."""
    found = ports(ws, wave, scope, module)
    samples = {p.name: cycles.sample(p.code) for p in found}
    inputs = [p.name for p in found if p.direction == "input"]
    outputs = [p.name for p in found if p.direction == "output"]
    known: set[str] = set()
    for k in range(len(cycles.edges)):
        if all(samples[i][k] is not None for i in inputs):
            for name in outputs:
                if samples[name][k] is None and name in known:
                    return k, name
        known.update(name for name in outputs if samples[name][k] is not None)
    return None
