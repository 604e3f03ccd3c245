"""The floor of the cold VerilogEval reference run on this machine, for issue 15's first row.

    python benchmarks/cold_floor.py [--rounds 3] [--smt 1.43]

Runs the upstream tools alone (iverilog, then vvp -none: no shell, no box, no aigchip) on every problem of the
VerilogEval v2 slice (AIGCHIP_BENCH_VERILOG_EVAL, default ../shared/benchmarks/verilog-eval-v2), keeping each
problem's least wall and CPU over the rounds; the raw sequential loop of bench_eval_cli.py in the same run;
and the longest problem's vvp alone against two of it at once (how much a second vCPU adds: on this machine's
SMT siblings about 1.43x when quiet). From them, the least wall any 2-way schedule can reach with zero start-up
and zero overhead per check: the larger of the critical path (the longest problem) and the tools' work over
the SMT factor, in wall and in CPU terms, as a ratio to the raw loop. CPU seconds are the steadier view under
load. Whatever aigchip adds (its start-up, one sandbox box per check, its own Python) comes on top.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_eval_cli as cli  # the same problems and raw loop as the timed figure


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    cpu, started = children_cpu(), time.monotonic()
    subprocess.run(argv, cwd=cwd, capture_output=True, timeout=600)
    return time.monotonic() - started, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smt", type=float, default=1.43, help="the SMT factor to use beside the measured one")
    args = parser.parse_args()
    folder = Path(os.environ.get("AIGCHIP_BENCH_VERILOG_EVAL", cli.SHARED / "verilog-eval-v2"))
    tmp = Path(tempfile.mkdtemp(prefix="aigchip-floor-"))
    try:
        probs = cli.problems(folder, tmp / "samples")
        best: dict[str, list[float]] = {}  # problem: [iverilog wall, cpu, vvp wall, cpu]
        for _ in range(args.rounds):
            for sample, test, ref in probs:
                run = tmp / sample.stem
                run.mkdir(exist_ok=True)
                compiled = timed(["iverilog", "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", "tb", "-o",
                                  "sim.vvp", str(sample), str(test), str(ref)], run)
                ran = timed(["vvp", "-n", "sim.vvp", "-none"], run)
                old = best.get(sample.stem, [float("inf")] * 4)
                best[sample.stem] = [min(a, b) for a, b in zip(old, [*compiled, *ran])]
        script = tmp / "one.sh"
        script.write_text(cli.RAW_ONE)
        raw = [cli.raw_sequential(probs, script)[:2] for _ in range(args.rounds)]
        longest = max(best, key=lambda k: best[k][2])
        vvp = ["vvp", "-n", str(tmp / longest / "sim.vvp"), "-none"]

        def together(n: int) -> tuple[float, float]:
            cpu, started = children_cpu(), time.monotonic()
            for proc in [subprocess.Popen(vvp, stdout=subprocess.DEVNULL, cwd=tmp) for _ in range(n)]:
                proc.wait()
            return time.monotonic() - started, children_cpu() - cpu

        one = min(together(1) for _ in range(args.rounds))
        two = min(together(2) for _ in range(args.rounds))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tools_wall = sum(v[0] + v[2] for v in best.values())
    tools_cpu = sum(v[1] + v[3] for v in best.values())
    path_wall, path_cpu = best[longest][0] + best[longest][2], best[longest][1] + best[longest][3]
    raw_wall, raw_cpu = min(w for w, _ in raw), min(c for _, c in raw)
    measured = 2 * one[0] / two[0]
    floors = {}
    for name, factor in (("measured_smt", measured), ("given_smt", args.smt)):
        wall = max(path_wall, tools_wall / factor)
        cpu = max(path_cpu, tools_cpu / factor)
        floors[name] = {"smt_factor": round(factor, 3), "floor_wall_s": round(wall, 3),
                        "ratio_to_raw_wall": round(wall / raw_wall, 3), "floor_cpu_terms_s": round(cpu, 3),
                        "ratio_to_raw_cpu": round(cpu / raw_cpu, 3)}
    print(json.dumps({"problems": len(probs), "rounds": args.rounds, "load_average": os.getloadavg()[0],
                      "raw_sequential": {"wall_s": round(raw_wall, 3), "cpu_s": round(raw_cpu, 3)},
                      "tools_alone": {"wall_s": round(tools_wall, 3), "cpu_s": round(tools_cpu, 3)},
                      "longest": {"problem": longest, "wall_s": round(path_wall, 3), "cpu_s": round(path_cpu, 3)},
                      "longest_vvp_alone_s": round(one[0], 3), "two_at_once_s": round(two[0], 3),
                      "floors": floors}, indent=1))


if __name__ == "__main__":
    main()
