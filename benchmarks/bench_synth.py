"""Synthesis and equivalence over AccelBench: time per task, and the whole benchmark's cost table.

    python benchmarks/bench_synth.py [--tasks GLOB] [--fmax] [--equiv [--mutants N] [--compare-pdr]]
                                     [--no-synth] [--json OUT.json] [--timeout S]

For every task's reference solution: one yosys run (generic `synth` and `synth_ice40 -dsp`), with --fmax a
place and route in the Fmax harness (nextpnr-ice40), with --equiv a proof of the solution against itself
(a miter of two copies: whether yosys can model the design at all) and against its first --mutants mutants
(agent/bench/mutants.py; a proof of a real difference, the time it takes, and the classification).
Prints a Markdown table: cells (and whether they match the cells task.json records), flip-flops, LUT4s,
DSPs, block RAMs, Fmax, and the seconds each step took. With --compare-pdr each mutant is proven twice in a
row, without PDR (bounded check and induction only, as before equiv_pdr.py) and with it, and a second table
shows both answers and times side by side; --no-synth leaves synthesis out (equivalence only).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import time
from pathlib import Path

from aigchip.bench.mutants import all_mutants
from aigchip.sim import equiv, synth
from aigchip.task import from_folder

ACCELBENCH = Path(__file__).resolve().parent.parent / "datasets" / "accelbench"


def measure(folder: Path, *, fmax: bool, prove: bool, timeout: float, mutants: int = 2, synthesize: bool = True,
            compare_pdr: bool = False, mutant_timeout: float = 120.0) -> dict:
    task = from_folder(folder)
    design = task.solution_design()
    started = time.monotonic()
    row: dict = {"task": task.id, "top": task.top, "synth_s": 0.0, "recorded_cells": task.cost.get("cells")}
    if synthesize:
        report = synth.synthesize(design, fpga="ice40", fmax=fmax, timeout=timeout)
        row.update(synth_s=round(time.monotonic() - started, 2), **report.cost,
                   warnings=[d.code for d in report.diagnostics], notes=report.notes)
    if prove:
        started = time.monotonic()
        found = equiv.check(design, design, bound=10, timeout=timeout)
        row.update(equiv=found.result, equiv_s=round(time.monotonic() - started, 2), equiv_engine=found.engine,
                   equiv_reason=found.reason[:120], mutants=[])
        top_file = next(name for name, text in design.files.items() if f"module {task.top}" in text)
        for mutant in all_mutants(design.files[top_file])[:mutants]:
            mutated = design.model_copy(update={"files": {**design.files, top_file: mutant.text}})
            entry: dict = {"id": mutant.id}
            if compare_pdr:  # the same mutant without PDR first, then with it: interleaved, same load
                started = time.monotonic()
                bounded = equiv.check(mutated, design, bound=10, timeout=mutant_timeout, pdr=False)
                entry["bounded"] = {"result": bounded.result, "s": round(time.monotonic() - started, 2),
                                    "engine": bounded.engine, "reason": bounded.reason[:160]}
            started = time.monotonic()
            proof = equiv.check(mutated, design, bound=10, timeout=mutant_timeout)
            entry.update(result=proof.result, s=round(time.monotonic() - started, 2), engine=proof.engine,
                         engines=proof.engines, reason=proof.reason[:160])
            if proof.counterexample is not None:
                entry["first_difference"] = proof.counterexample.first_difference
            row["mutants"].append(entry)
    return row


def pdr_table(rows: list[dict]) -> str:
    """Each mutant's answer without PDR and with it, and the seconds each took."""
    lines = ["| task | mutant | without PDR (s) | with PDR (s) | decided by |", "|---|---|---|---|---|"]
    for r in rows:
        for m in r.get("mutants", []):
            if "bounded" in m:
                lines.append(f"| {r['task']} | {m['id']} | {m['bounded']['result']} ({m['bounded']['s']:.1f}) | "
                             f"{m['result']} ({m['s']:.1f}) | {m['engine'] or '-'} |")
    changed = [m for r in rows for m in r.get("mutants", []) if "bounded" in m and m["bounded"]["result"] != m["result"]]
    unknown = [m for r in rows for m in r.get("mutants", []) if "bounded" in m and m["bounded"]["result"] == "unknown"]
    lines.append(f"\n{len(unknown)} unknown without PDR; with PDR {len(changed)} of them decided: "
                 + (", ".join(f"{m['id']} -> {m['result']}" for m in changed) or "none"))
    return "\n".join(lines)


def table(rows: list[dict], prove: bool) -> str:
    head = ["task", "cells", "recorded", "ffs", "LUT4", "DSP", "BRAM", "Fmax MHz", "synth s"]
    if prove:
        head += ["self-equivalence", "equiv s", "mutants: result (s)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        same = "" if r.get("recorded_cells") in (None, r.get("cells")) else " (differs)"
        cells = [r["task"], str(r.get("cells", "-")), f"{r.get('recorded_cells', '-')}{same}", str(r.get("ffs", "-")),
                 str(r.get("luts", "-")), str(r.get("dsps", "-")), str(r.get("brams", "-")),
                 str(r.get("fmax_mhz", "-")), f"{r['synth_s']:.1f}"]
        if prove:
            cells += [r["equiv"], f"{r['equiv_s']:.1f}",
                      ", ".join(f"{m['result']} ({m['s']:.1f})" for m in r["mutants"]) or "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="*", help="glob over AccelBench task folder names")
    parser.add_argument("--fmax", action="store_true", help="also place and route for an Fmax (slower)")
    parser.add_argument("--equiv", action="store_true", help="also prove each solution equivalent to itself")
    parser.add_argument("--mutants", type=int, default=2, help="with --equiv: mutants proven against each solution")
    parser.add_argument("--compare-pdr", action="store_true", help="with --equiv: prove each mutant without PDR, then with")
    parser.add_argument("--mutant-timeout", type=float, default=120.0,
                        help="with --equiv: seconds for each mutant's proof (verify's default is 300)")
    parser.add_argument("--no-synth", action="store_true", help="leave synthesis out (equivalence only)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="write the rows here as JSON")
    args = parser.parse_args()
    folders = sorted(f for f in ACCELBENCH.iterdir() if (f / "task.json").is_file() and fnmatch.fnmatch(f.name, args.tasks))
    rows = []
    started = time.monotonic()
    for folder in folders:
        rows.append(measure(folder, fmax=args.fmax, prove=args.equiv, timeout=args.timeout, mutants=args.mutants,
                            synthesize=not args.no_synth, compare_pdr=args.compare_pdr,
                            mutant_timeout=args.mutant_timeout))
        print(f"{folder.name}: {rows[-1].get('cells')} cells, {rows[-1]['synth_s']} s, "
              f"mutants {[(m['result'], m['s']) for m in rows[-1].get('mutants', [])]}", file=sys.stderr, flush=True)
        if args.json:  # written as it goes, so a long run that is stopped keeps what it measured
            args.json.write_text(json.dumps(rows, indent=1))
    print(table(rows, args.equiv))
    if args.compare_pdr:
        print("\n" + pdr_table(rows))
    total = time.monotonic() - started
    mismatched = [r["task"] for r in rows if r.get("recorded_cells") not in (None, r.get("cells"))]
    print(f"\n{len(rows)} tasks in {total:.1f} s; synthesis {sum(r['synth_s'] for r in rows):.1f} s"
          + (f", equivalence {sum(r['equiv_s'] + sum(m['s'] for m in r['mutants']) for r in rows):.1f} s"
             if args.equiv else "")
          + f"; cells differ from task.json for: {', '.join(mismatched) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
