"""The accelerator flow as people read it: the plan tree with each module's status, and the cost table.
Plain text, so the terminal, the chat and the README show the same thing."""

from __future__ import annotations

from typing import Any

from aigchip.accel.plan import Plan


def tree_lines(node: dict[str, Any] | None, *, prefix: str = "", last: bool = True, root: bool = True) -> list[str]:
    """`AccelResult.tree()` as lines: name, status, tests, iterations."""
    if node is None:
        return []
    mark = "" if root else ("└── " if last else "├── ")
    detail = [node["status"]]
    if node.get("tests"):
        detail.append(f"tests: {node['tests']}")
    if node.get("reused"):
        detail.append("kept from an earlier run")
    elif node.get("iterations"):
        detail.append(f"{node['iterations']} iter")
    if node.get("repairs"):
        detail.append(f"repaired {node['repairs']}x")
    lines = [f"{prefix}{mark}{node['name']}  [{', '.join(detail)}]"]
    children = node.get("children") or []
    below = prefix + ("" if root else ("    " if last else "│   "))
    for i, child in enumerate(children):
        lines += tree_lines(child, prefix=below, last=i == len(children) - 1, root=False)
    return lines


def plan_text(plan: Plan) -> str:
    """What a person approves: the summary, the decisions, and each module's short spec and header."""
    lines = [f"{plan.name}: {plan.summary.strip()}", ""]
    if plan.decisions:
        lines.append("Decisions:")
        lines += [f"  - {d}" for d in plan.decisions]
        lines.append("")
    lines.append("Modules (children first):")
    for name in plan.order():
        module = plan.module(name)
        children = f" (instantiates {', '.join(module.children)})" if module.children else ""
        lines.append(f"  {name}{children}: {module.spec.high_level.strip()}")
        lines += [f"      {line}" for line in module.header.strip().splitlines()]
    if plan.job:
        lines += ["", f"A job is done when {plan.job.done}" + (f"; it starts when {plan.job.start}" if plan.job.start else "")]
    tests = "the task's own" if not plan.system_test else "written in the plan"
    lines.append(f"System test: {tests}")
    return "\n".join(lines)


def cost_lines(cost: dict[str, Any]) -> list[str]:
    """The cost table: cycles per job and latency, then cells and flip-flops per module and in all."""
    if not cost:
        return []
    lines = []
    timing = [(key, label) for key, label in (("jobs", "jobs in the system test"), ("cycles_per_job", "cycles per job"),
                                             ("latency_cycles", "latency (cycles)"),
                                             ("best_interval_cycles", "best interval between jobs (cycles)"))
              if cost.get(key) is not None]
    for key, label in timing:
        lines.append(f"{label:<38} {cost[key]}")
    modules = cost.get("modules") or {}
    if modules:
        width = max(len(name) for name in [*modules, "whole design"]) + 2
        lines.append("")
        lines.append(f"{'module':<{width}} {'instances':>9} {'cells each':>10} {'flip-flops each':>15}")
        for name, row in sorted(modules.items()):
            lines.append(f"{name:<{width}} {row.get('instances', 1):>9} {row['cells']:>10} {row['ffs']:>15}")
        lines.append(f"{'whole design':<{width}} {'':>9} {cost.get('cells', 0):>10} {cost.get('ffs', 0):>15}")
    fpga = [(key, label) for key, label in (("luts", "LUTs"), ("fpga_ffs", "flip-flops"), ("dsps", "DSPs"),
                                           ("brams", "block RAMs"), ("carries", "carry cells"),
                                           ("fmax_mhz", "Fmax (MHz)")) if cost.get(key) is not None]
    if fpga:
        lines.append("")
        lines += [f"{cost.get('fpga', 'FPGA')} {label:<33} {cost[key]}" for key, label in fpga]
        if cost.get("fmax_device"):
            lines.append(f"{'placed and routed on':<39} {cost['fmax_device']}")
    if cost.get("synthesis"):
        lines.append(f"({cost['synthesis']})")
    lines += [f"note: {note}" for note in cost.get("notes", [])]
    return lines
