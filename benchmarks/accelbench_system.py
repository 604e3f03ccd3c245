"""The AccelBench system tier's figures, measured: per task the reference's lines and modules, the system test's
runtime on Icarus and on Verilator (no verdict cache; Verilator's time includes its build, so a warm ccache
matters), generic yosys cells and flip-flops, and the cycles per job the system test writes to cost.json.
Mutation scores are not measured here (`aigchip bench mutate`, minutes per task); the README's table has them.

    nice python benchmarks/accelbench_system.py [--tasks 'sys_*'] [--sims icarus,verilator] [--no-synth] [--json]

Prints a Markdown table (or JSON), one row per task; differences from the cost recorded in task.json are noted.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tempfile
from pathlib import Path

from aigchip.sim import source, verify
from aigchip.sim.synth import synthesize
from aigchip.task import Task, from_folder, verify_options

ROOT = Path(__file__).resolve().parent.parent / "datasets" / "accelbench"


def cycles_from_run(keep: Path) -> int | None:
    """The cycles per job the system test wrote to cost.json in its (kept) run folder."""
    found = sorted(keep.rglob("cost.json"))
    return json.loads(found[-1].read_text())["cycles_per_job"] if found else None


def measure(task: Task, sims: list[str], synth: bool) -> dict:
    texts = [p.read_text(encoding="utf-8") for p in task.solution]
    row = {"task": task.id, "modules": sum(len(source.module_names(t)) for t in texts),
           "lines": sum(len(t.splitlines()) for t in texts), "recorded": dict(task.cost)}
    for sim in sims:
        with tempfile.TemporaryDirectory(prefix="aigchip-sysbench-") as keep:
            options = verify_options(task, simulator=sim, use_cache=False, timeout=900, keep_dir=Path(keep), lint=False)
            verdict = verify(task.solution_design(), options)
            row[f"{sim}_status"] = str(verdict.status)
            row[f"{sim}_s"] = round(verdict.duration_s, 1)
            row.setdefault("cycles_per_job", cycles_from_run(Path(keep)))
    if synth:
        report = synthesize(task.solution_design(), fpga=None, timeout=900)
        row["cells"], row["ffs"] = report.cost.get("cells"), report.cost.get("ffs")
    return row


def markdown(rows: list[dict], sims: list[str]) -> str:
    head = ["task", "modules", "lines"] + [f"{s} s" for s in sims] + ["cells", "ffs", "cycles per job", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        notes = [f"{s}: {r[f'{s}_status']}" for s in sims if r[f"{s}_status"] != "pass"]
        notes += [f"task.json {key} {r['recorded'].get(key)}" for key in ("cells", "ffs", "cycles_per_job")
                  if r.get(key) is not None and r["recorded"].get(key) not in (None, r.get(key))]
        cells = [r["task"], r["modules"], r["lines"]] + [r[f"{s}_s"] for s in sims]
        cells += [r.get("cells", "-"), r.get("ffs", "-"), r.get("cycles_per_job", "-"), "; ".join(notes)]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="sys_*", help="glob over task ids")
    parser.add_argument("--sims", default="icarus,verilator")
    parser.add_argument("--no-synth", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sims = [s for s in args.sims.split(",") if s]
    tasks = [from_folder(p) for p in sorted(ROOT.iterdir())
             if (p / "task.json").is_file() and fnmatch.fnmatch(p.name, args.tasks)]
    tasks = [t for t in tasks if "system" in t.tags]
    rows = []
    for task in tasks:
        rows.append(measure(task, sims, not args.no_synth))
        print(f"measured {task.id}", file=sys.stderr)
    print(json.dumps(rows, indent=1) if args.json else markdown(rows, sims))
    return 0 if all(r[f"{s}_status"] == "pass" for r in rows for s in sims) else 1


if __name__ == "__main__":
    sys.exit(main())
