"""`aigchip verify DESIGN --tests TEST --sim verilator` after a one-line edit: this tree against a revision
before the kept Verilator runtime (which built through cocotb's runner: the Perl wrapper, make, ccache for
the runtime's objects and a full parse of verilated.h for the model), rounds interleaved so load spikes hit
both alike.

    python benchmarks/bench_verilator_rebuild.py [--edits 3] [--before 292728f] [--task relu6_s8] [--lint]

Each contender runs `python -c 'from aigchip.cli import main; main()' verify ...` as a process with its own
package on PYTHONPATH (the revision is extracted with `git archive`) and its own empty cache folder (so its
own ccache, or its own runtime folder). The first build is cold for both; then each edit adds one line,
`wire [7:0] aigchip_edit_N = ...;`, a new public signal (cocotb's build makes every signal public), so the
model's C++ changes and ccache cannot serve it, while the verdict stays the same. Every verdict must be
pass. Goal (issue 15): <= 2 s after an edit, from 3.7 s wall / 2.6-2.9 CPU s. Prints JSON: wall and CPU
seconds (the command and all its children) per build, medians, and after/before ratios per edit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from revisions import RUNNER, extract, package  # noqa: E402

BEFORE = "292728f"  # main before the kept runtime (sim/verilator_runtime.py)


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def verify(pythonpath: Path, cache: Path, design: Path, tests: Path, lint: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one `aigchip verify ... --sim verilator --json`; its verdict must be pass."""
    argv = [sys.executable, "-c", RUNNER, "verify", str(design), "--tests", str(tests), "--sim", "verilator",
            "--json", *([] if lint else ["--no-lint"])]
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "AIGCHIP_CACHE_DIR": str(cache)}
    env.pop("CCACHE_DIR", None)
    env.pop("AIGCHIP_VERILATOR_RUNTIME_DIR", None)
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    status = json.loads(done.stdout or "{}").get("status")
    if status != "pass":
        raise RuntimeError(f"verify said {status!r} ({done.returncode}): {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return round(wall, 3), round(children_cpu() - cpu, 3)


def edited(text: str, number: int) -> str:
    """The design with one more line before `endmodule`: a public signal, new C++, the same behaviour."""
    head, _, tail = text.rpartition("endmodule")
    return f"{head}  wire [7:0] aigchip_edit_{number} = 8'd{number};\nendmodule{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--before", default=BEFORE, help="the revision to compare with")
    parser.add_argument("--task", default="relu6_s8", help="an AccelBench task with one design file")
    parser.add_argument("--lint", action="store_true", help="lint too (the default command); else --no-lint")
    args = parser.parse_args()
    task = ROOT / "datasets" / "accelbench" / args.task
    with tempfile.TemporaryDirectory(prefix="aigchip-bench-vlrebuild-") as tmp_name:
        tmp = Path(tmp_name)
        trees = {"before": package(extract(args.before, tmp / "rev"), tmp / "pkg-before"),
                 "after": package(ROOT, tmp / "pkg-after")}
        work = {name: tmp / f"work-{name}" for name in trees}
        source = (task / f"{args.task}.v").read_text()
        for folder in work.values():
            folder.mkdir()
            (folder / f"{args.task}.v").write_text(source)
            (folder / f"test_{args.task}.py").write_text((task / f"test_{args.task}.py").read_text())
        def one(name: str) -> tuple[float, float]:
            folder = work[name]
            return verify(trees[name], tmp / f"cache-{name}", folder / f"{args.task}.v", folder / f"test_{args.task}.py",
                          args.lint)
        first = {name: one(name) for name in trees}  # cold: an empty ccache, an empty runtime folder
        edits: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
        for number in range(1, args.edits + 1):
            for name in ("before", "after") if number % 2 else ("after", "before"):
                (work[name] / f"{args.task}.v").write_text(edited(source, number))
                edits[name].append(one(name))
        med = {name: {"wall_median_s": statistics.median(w for w, _ in runs),
                      "cpu_median_s": statistics.median(c for _, c in runs)} for name, runs in edits.items()}
        print(json.dumps({
            "command": f"aigchip verify {args.task}.v --tests test_{args.task}.py --sim verilator --json"
                       + ("" if args.lint else " --no-lint"),
            "before_revision": args.before, "load_1min_at_end": round(os.getloadavg()[0], 2),
            "first_build": {name: {"wall_s": w, "cpu_s": c} for name, (w, c) in first.items()},
            "edits": {name: [{"wall_s": w, "cpu_s": c} for w, c in runs] for name, runs in edits.items()},
            "median_after_edit": med,
            "after_over_before_wall": [round(a[0] / b[0], 3) for a, b in zip(edits["after"], edits["before"])],
            "after_over_before_cpu": [round(a[1] / b[1], 3) for a, b in zip(edits["after"], edits["before"])],
        }, indent=1))


if __name__ == "__main__":
    main()
