"""Does one shared Verilator lint (sim/lint_share.py) give every candidate exactly its lone lint's diagnostics?

    python benchmarks/lint_share_agreement.py [--per-design 6] [--seed 7] [--group 8]

Candidates: every AccelBench reference, the same with an unused wire and a truncating assignment added to each
module, and up to --per-design mutants of each (agent/bench/mutants.py), shuffled and linted in groups of
--group. For every candidate the shared run decided, its diagnostics (message, file, line, column, code,
severity, in order) are compared with `lint.verilator_lint` of it alone. Prints how many the shared runs
decided, how many diagnostics were compared, and every difference; exits 1 on any difference. A check of
correctness, not a timing (the tests hold the small fixed cases; this one sweeps many real designs).
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

from aigchip.bench.mutants import all_mutants
from aigchip.sim import lint, lint_share, process
from aigchip.sim.types import Design

ROOT = Path(__file__).resolve().parent.parent
ACCELBENCH = ROOT / "datasets" / "accelbench"


def candidates(per_design: int, seed: int) -> list[Design]:
    rng = random.Random(seed)
    found: list[Design] = []
    for task_file in sorted(ACCELBENCH.glob("*/task.json")):
        task = json.loads(task_file.read_text())
        names = task["solution"] if isinstance(task["solution"], list) else [task["solution"]]
        files = {name: (task_file.parent / name).read_text() for name in names}
        found.append(Design(files=files, top=task["top"]))
        warned = {name: text.replace("endmodule", "  wire [3:0] aig_unused;\n  wire [1:0] aig_cut = 8'hff;\nendmodule")
                  for name, text in files.items()}
        found.append(Design(files=warned, top=task["top"]))
        mutants = all_mutants(files[names[0]], file=names[0])
        for mutant in rng.sample(mutants, min(per_design, len(mutants))):
            found.append(Design(files={**files, names[0]: mutant.text}, top=task["top"]))
    rng.shuffle(found)
    return found


def written(folder: Path, design: Design) -> Path:
    folder.mkdir(parents=True)
    for name, text in design.files.items():
        (folder / process.safe_name(name)).write_text(text, encoding="utf-8")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-design", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--group", type=int, default=8)
    args = parser.parse_args()
    designs = candidates(args.per_design, args.seed)
    root = Path(tempfile.mkdtemp(prefix="lint-share-agreement-"))
    decided = compared = differ = 0
    try:
        for start in range(0, len(designs), args.group):
            chunk = designs[start:start + args.group]
            members = [(written(root / f"shared{start + k}", d), d) for k, d in enumerate(chunk)]
            lint._LINTED.clear()  # each shared run decides afresh, and nothing it remembers reaches the lone lints
            shared = lint_share.lint_together(members, 60)
            lint._LINTED.clear()
            for k, (design, found) in enumerate(zip(chunk, shared)):
                if found is None:
                    continue
                alone, _ = lint.verilator_lint(written(root / f"alone{start + k}", design),
                                               [process.safe_name(n) for n in design.files], design.top)
                decided += 1
                compared += len(alone)
                if [d.model_dump() for d in found] != [d.model_dump() for d in alone]:
                    differ += 1
                    print(f"DIFFERS: {design.top} (candidate {start + k})")
                    for line in difflib.unified_diff([d.render() for d in alone], [d.render() for d in found],
                                                     "alone", "shared", lineterm="", n=0):
                        print(f"    {line}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{len(designs)} candidates, {decided} decided by shared lints, {compared} diagnostics compared, "
          f"{differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
