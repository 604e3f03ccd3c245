"""The accelerator flow end to end on AccelBench's system tier, with scripted replies.

    python benchmarks/accel_system_tier.py [--tasks sys_pool_act,...] [--out DIR] [--sim icarus]

For each `datasets/accelbench/sys_*` task, `aigchip accel TASK_DIR --yes --json` runs against the loopback
endpoint with a scripted model that answers every prompt of the flow the way a model that knows the
reference would:

- the plan: one module per module of the reference solution, each with its header (read from the
  reference), its structure (the reference's declarations and child instances, no behaviour), and its spec
  from the task's block-by-block grain (`name: text` lines); the top's spec is the task's own;
- each module's design: that module's reference code;
- unit tests for a module the task gives none for: a smoke test (reset; outputs known after reset stay known
  while idle; then seeded random inputs, nothing compared), written as the model's own: weak on purpose, it
  is not a model's work, so such a module is decided by the system test above it;
- a review of self-written tests: `TESTS OK`.

So what is measured is the flow, not a model: the plan passes the structure and stub checks, every module
goes through the loop with its tests (the task's unit tests where it has them, else the smoke test), the
top is integrated against the task's own system test, and the cost step runs. The table says, per task,
what ran and which tests decided each module.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from aigchip.loopback import Loopback, Response
from aigchip.paths import package_data
from aigchip.sim import source
from aigchip.task import Task, from_folder


def split_module(text: str, name: str) -> tuple[str, str]:
    """(header through its `;`, body up to `endmodule`) of module `name` in `text`."""
    blank = source.blank_comments_and_strings(text)
    start = re.search(rf"\bmodule\s+{re.escape(name)}\b", blank)
    if start is None:
        raise ValueError(f"module {name} not found")
    depth = 0
    for i in range(start.end(), len(blank)):
        depth += blank[i] == "("
        depth -= blank[i] == ")"
        if blank[i] == ";" and depth == 0:
            end = blank.find("endmodule", i)
            return text[start.start(): i + 1], blank[i + 1: end]
    raise ValueError(f"module {name} has no header end")


def structure_of(body: str, children: set[str]) -> str:
    """The body's declarations and child instances (whole generate regions holding instances), in order."""
    pieces: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for region in re.finditer(r"\bgenerate\b.*?\bendgenerate\b", body, re.S):
        if any(kind in children for kind, _ in source.instances(region.group(0))):
            pieces.append((region.start(), region.group(0)))
            taken.append(region.span())

    def free(at: int) -> bool:
        return not any(a <= at < b for a, b in taken)

    for match in re.finditer(r"^[ \t]*(?:wire|reg|logic|localparam|parameter|integer|genvar)\b[^;]*;", body, re.M):
        if free(match.start()):
            pieces.append((match.start(), match.group(0).strip()))
    for match in re.finditer(r"^[ \t]*([A-Za-z_]\w*)\s*(?:#\s*\(|[A-Za-z_]\w*\s*\()", body, re.M):
        if match.group(1) in children and free(match.start()):
            depth, i = 0, match.end() - 1
            while i < len(body):
                depth += body[i] == "("
                depth -= body[i] == ")"
                if body[i] == ";" and depth == 0:
                    break
                i += 1
            pieces.append((match.start(), body[match.start(): i + 1].strip()))
    return "\n".join(text for _, text in sorted(pieces)) + "\n"


def reference_modules(task: Task) -> dict[str, str]:
    """Module name to its reference code."""
    found: dict[str, str] = {}
    for path in task.solution:
        text = path.read_text(encoding="utf-8")
        for name in source.module_names(text):
            header, _ = split_module(text, name)
            start = text.find(header)
            found[name] = text[start: text.find("endmodule", start) + len("endmodule")] + "\n"
    return found


def block_specs(task: Task) -> dict[str, str]:
    """`name: text` lines of the task's block-by-block grain."""
    specs: dict[str, str] = {}
    for line in (task.spec.get("block") or "").splitlines():
        match = re.match(r"\s*([A-Za-z_]\w*)\s*:\s*(.+)", line)
        if match:
            specs[match.group(1)] = match.group(2).strip()
    return specs


def plan_for(task: Task) -> dict:
    code = reference_modules(task)
    names = set(code)
    blocks = block_specs(task)
    modules = []
    for name, text in code.items():
        header, body = split_module(text, name)
        said = blocks.get(name) or f"The {name} block of {task.top}."
        if name == task.top:
            spec = {"high_level": task.spec.get("high_level") or said, "detailed": task.spec_text("detailed"),
                    "block": task.spec.get("block") or said}
        else:
            spec = {"high_level": said.split(";")[0].split(". ")[0], "detailed": said, "block": said}
        entry = {"name": name, "spec": spec, "header": header.strip() + "\n"}
        children = {c for c in source.instantiated_modules(body) if c in names}
        if children:
            entry["structure"] = structure_of(body, children)
        modules.append(entry)
    plan = {"name": task.id, "top": task.top, "summary": task.spec.get("high_level") or task.spec_text(),
            "decisions": ["As the task's detailed spec fixes them."], "clock": "clk", "modules": modules}
    ports = {p: d for p, d, _ in source.module_ports(task.interface, task.top)}
    last = next((p for p, d in ports.items() if d == "output" and p.endswith("_last")), None)
    if last and f"{last[:-5]}_valid" in ports and f"{last[:-5]}_ready" in ports:  # a job ends with its last output
        plan["job"] = {"done": f"{last[:-5]}_valid && {last[:-5]}_ready && {last}"}
    return plan


def smoke_test(name: str, header: str) -> str:
    """Reset; an output known after reset stays known over 20 idle cycles; then 300 cycles of seeded random
    inputs (the module must run; nothing is compared: a weak stand-in for tests a model would write)."""
    ports = source.module_ports(header + "\nendmodule\n", name)
    inputs = [p for p, d, _ in ports if d == "input"]
    outputs = [p for p, d, _ in ports if d == "output"]
    clock = "clk" if "clk" in inputs else None
    reset = next((r for r in ("rst", "reset", "rst_n", "resetn") if r in inputs), None)
    active = 0 if reset and reset.endswith("n") else 1
    driven = [p for p in inputs if p not in (clock, reset)]
    lines = ["import random", "", "import cocotb", "from cocotb.clock import Clock",
             "from cocotb.triggers import FallingEdge, RisingEdge, Timer", "", "",
             "@cocotb.test()", f"async def {name}_smoke(dut):", "    rng = random.Random(11)",
             f"    driven = {driven!r}", f"    outputs = {outputs!r}",
             "    for port in driven:", "        getattr(dut, port).value = 0"]
    if clock:
        lines += [f"    cocotb.start_soon(Clock(dut.{clock}, 10, unit='ns').start(start_high=False))"]
        if reset:
            lines += [f"    dut.{reset}.value = {active}", "    for _ in range(3):",
                      f"        await RisingEdge(dut.{clock})", f"    dut.{reset}.value = {1 - active}"]
        lines += [f"    await FallingEdge(dut.{clock})"]
    else:
        lines += ["    await Timer(1, unit='ns')"]
    wait = [f"        await FallingEdge(dut.{clock})"] if clock else ["        await Timer(1, unit='ns')"]
    lines += ["    known = [o for o in outputs if getattr(dut, o).value.is_resolvable]  # a memory's may not be",
              "    for cycle in range(20):  # idle: what reset made known stays known", *wait,
              "        for o in known:", "            value = getattr(dut, o).value",
              "            assert value.is_resolvable, f'idle cycle {cycle}: output {o} is {value}, known after reset'",
              "    for cycle in range(300):  # seeded random stimulus: the module runs (nothing is compared)",
              "        for port in driven:", "            getattr(dut, port).value = rng.getrandbits(len(getattr(dut, port)))",
              *wait, ""]
    return "\n".join(lines)


class Scripted:
    def __init__(self, task: Task) -> None:
        self.plan = plan_for(task)
        self.code = reference_modules(task)
        self.headers = {m["name"]: m["header"] for m in self.plan["modules"]}
        self.calls: list[tuple[str, str]] = []

    def __call__(self, body: dict) -> Response:
        first = next(m["content"] for m in body["messages"] if m["role"] == "user")
        last = body["messages"][-1]["content"]
        if "Plan the architecture" in first:
            kind, name, text = "plan", "", "```yaml\n" + yaml.safe_dump(self.plan, sort_keys=False, width=110) + "```\n"
        elif match := re.search(r"Write the unit tests of one module.*?The module `(\w+)`", first, re.S):
            kind, name = "tests", match.group(1)
            text = "```python\n" + smoke_test(name, self.headers[name]) + "```\n"
        elif "TESTS OK" in last:
            kind, name, text = "review", "", "TESTS OK"
        elif match := re.search(r"### The module `(\w+)`", first):
            kind, name, text = "design", match.group(1), "```verilog\n" + self.code[match.group(1)] + "```\n"
        else:
            kind, name, text = "other", "", "I do not know."
        self.calls.append((kind, name))
        return Response.text(text)


class Router:
    """Every system task's script behind one endpoint (for `aigchip eval`): a request goes to the task whose
    top it names (plans, one-shot designs) or whose module it asks for. A one-shot request gets the whole
    reference in one reply."""

    def __init__(self, tasks: list[Task]) -> None:
        self.scripts = {t.top: Scripted(t) for t in tasks}
        self.by_module = {m: script for script in self.scripts.values() for m in script.code}
        self.calls: list[tuple[str, str]] = []

    def __call__(self, body: dict) -> Response:
        first = next(m["content"] for m in body["messages"] if m["role"] == "user")
        named = re.search(r"### The module `(\w+)`|The module `(\w+)`", first)
        if named:
            return self.by_module[named.group(1) or named.group(2)](body)
        tops = [top for top in self.scripts if re.search(rf"\bmodule\s+{top}\b|^top:\s*{top}\b", first, re.M)]
        if not tops:
            return Response.text("I do not know.")
        script = self.scripts[tops[0]]
        if "Plan the architecture" in first or "TESTS OK" in body["messages"][-1]["content"]:
            return script(body)
        self.calls.append(("oneshot", tops[0]))
        return Response.text("```verilog\n" + "\n".join(script.code.values()) + "```\n")


def run_eval(root: Path, out: Path, sim: str, wanted: list[str]) -> list[dict]:
    """`aigchip eval` on the system tier with each flow, then `aigchip eval compare` of the two."""
    tasks = [from_folder(root / name) for name in wanted]
    router = Router(tasks)
    summaries = []
    with Loopback(handler=router) as server:
        for flow in ("oneshot", "accel"):
            proc = subprocess.run([sys.executable, "-m", "aigchip.cli", "eval", str(root), "--tasks", ",".join(wanted),
                                   "--flow", flow, "--model", "scripted-reference", "--base-url", server.base_url,
                                   "--demos", "0", "--no-lint", "--no-cache", "--sim", sim, "--out",
                                   str(out / f"eval-{flow}"), "--json"], capture_output=True, text=True, timeout=3600)
            if proc.returncode != 0:
                raise SystemExit(f"eval --flow {flow} failed:\n{proc.stderr[-3000:]}")
            summary = json.loads(proc.stdout)
            summaries.append({"flow": flow, "pass_at_k": summary["pass_at_k"], "status_counts": summary["status_counts"],
                              "wall_time_s": summary["wall_time_s"], "tokens": summary["tokens"]["total"],
                              "replies": summary["tokens"]["replies"]})
    compared = subprocess.run([sys.executable, "-m", "aigchip.cli", "eval", "compare", str(out / "eval-oneshot"),
                               str(out / "eval-accel")], capture_output=True, text=True, timeout=120)
    summaries.append({"compare": compared.stdout.strip()})
    return summaries


def run_task(folder: Path, out: Path, sim: str) -> dict:
    task = from_folder(folder)
    script = Scripted(task)
    started = time.monotonic()
    with Loopback(handler=script) as server:
        proc = subprocess.run([sys.executable, "-m", "aigchip.cli", "accel", str(folder), "--yes", "--json", "--out",
                               str(out / task.id), "--model", "scripted-reference", "--base-url", server.base_url,
                               "--demos", "0", "--no-lint", "--no-cache", "--sim", sim],
                              capture_output=True, text=True, timeout=1800)
    try:
        summary = json.loads(proc.stdout)
    except ValueError:
        return {"task": task.id, "status": f"exit {proc.returncode}", "error": proc.stderr[-2000:]}
    modules = summary.get("modules") or {}
    cost = summary.get("cost") or {}
    return {"task": task.id, "status": summary["status"], "message": summary["message"],
            "plan": "accepted" if summary.get("plan") else "rejected: " + "; ".join(
                p.get("message", "") for p in summary.get("problems", [])[:3]),
            "modules": {n: {"status": m["status"], "tests": m["tests"], "iterations": m["iterations"]}
                        for n, m in modules.items()},
            "system_test": (summary.get("system") or {}).get("status"),
            "system_tests_from": (modules.get(task.top) or {}).get("tests"),
            "cost": {k: cost.get(k) for k in ("cycles_per_job", "latency_cycles", "cells", "ffs") if k in cost},
            "cost_notes": cost.get("notes", []), "model_calls": dict(_count(script.calls)),
            "seconds": round(time.monotonic() - started, 1)}


def _count(calls: list[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in calls:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="", help="comma-separated task ids (default: every sys_* task)")
    parser.add_argument("--out", type=Path, default=None, help="keep the run folders here")
    parser.add_argument("--sim", default="icarus")
    parser.add_argument("--eval", action="store_true", help="run the tier through `aigchip eval --flow oneshot` and "
                        "`--flow accel` instead, and compare the two runs")
    args = parser.parse_args()
    root = package_data("datasets", "accelbench")
    wanted = [t for t in args.tasks.split(",") if t] or sorted(p.name for p in root.glob("sys_*"))
    with tempfile.TemporaryDirectory(prefix="accel-tier-") as scratch:
        out = args.out or Path(scratch)
        if args.eval:
            for row in run_eval(root, out, args.sim, wanted):
                print(json.dumps(row) if "compare" not in row else row["compare"], flush=True)
            return 0
        rows = []
        for name in wanted:
            row = run_task(root / name, out, args.sim)
            rows.append(row)
            print(json.dumps(row), flush=True)
    passed = sum(r["status"] == "pass" for r in rows)
    print(f"{passed} of {len(rows)} system tasks: plan, modules, integration, system test and cost all ran and passed",
          file=sys.stderr)
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
