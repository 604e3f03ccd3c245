"""Verilator's lint inside an Icarus check's box (sim/lint_step.py) against a lint in a box of its own beside
the simulation (how a check linted before, and how cocotb checks still do): wall and CPU, in process.

    python benchmarks/bench_lint_box.py [--rounds 5] [--checks 30] [--jobs 1,2]

The first `--checks` VerilogEval v2 references (AIGCHIP_BENCH_VERILOG_EVAL, default
../shared/benchmarks/verilog-eval-v2; the four long ones left out), each checked with lint on and no verdict
cache, `jobs` at a time, the two ways in interleaved rounds (the lint memory cleared before each). The
lint-in-box way saves one box start per check (CPU); the lint then also ends before the simulation starts,
where beside it could overlap it (wall). Which wins in wall depends on how busy the machine is: run it quiet.
Every verdict must be a pass, and the two ways' diagnostics must agree (tests/test_lint_in_box.py checks that).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LONG = ("Prob141", "Prob021", "Prob037", "Prob105")


def cpu() -> float:
    return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))


def main() -> None:
    from aigchip.bench.adapters import load
    from aigchip.bench.preflight import reference_options
    from aigchip.config import RunConfig
    from aigchip.sim import check, lint

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checks", type=int, default=30)
    parser.add_argument("--jobs", default="1,2")
    args = parser.parse_args()
    folder = Path(os.environ.get("AIGCHIP_BENCH_VERILOG_EVAL", ROOT.parent / "shared" / "benchmarks" / "verilog-eval-v2"))
    tasks = [t for t in load(folder).tasks if not t.id.startswith(LONG)][:args.checks]
    pairs = [(t.solution_design(), reference_options(t, RunConfig(model="reference"), "icarus").model_copy(
        update={"use_cache": False, "lint": True})) for t in tasks]
    def beside(run_dir, design, options):  # not check._simulate itself: the lint runs in its own box beside it
        return check._simulate(run_dir, design, options)

    ways = {"lint_beside": lambda d, o: check._check(d, o, simulate=beside), "lint_in_box": check._check}
    ways["lint_in_box"](*pairs[0])  # the once-per-process probes are no check's
    report: dict = {"checks": len(pairs), "rounds": args.rounds, "load_average": os.getloadavg()[0]}
    for jobs in [int(j) for j in args.jobs.split(",")]:
        seen: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
        for _ in range(args.rounds):
            for way, run in ways.items():
                lint._LINTED.clear()
                used, started = cpu(), time.monotonic()
                with ThreadPoolExecutor(jobs) as pool:
                    verdicts = list(pool.map(lambda pair, run=run: run(*pair), pairs))
                seen[way].append((time.monotonic() - started, cpu() - used))
                if not all(v.status.value == "pass" for v in verdicts):
                    raise SystemExit(f"{way}: a reference did not pass")
        report[f"jobs_{jobs}"] = {way: {"best_wall_s": round(min(w for w, _ in runs), 3),
                                        "median_wall_s": round(statistics.median(w for w, _ in runs), 3),
                                        "best_cpu_s": round(min(c for _, c in runs), 3),
                                        "median_cpu_s": round(statistics.median(c for _, c in runs), 3)}
                                  for way, runs in seen.items()}
    report["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
