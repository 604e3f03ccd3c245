"""`aigchip explore` as a user runs it: a 6-point sweep of AccelBench's dot_product_4lane (N = 1, 2, 3, 4, 6, 8;
each point its cocotb test on Icarus, Verilator lint, yosys synth and synth_ice40), with `--jobs 1` against
`--jobs 2`, rounds interleaved so a load spike hits both alike. The verdict cache is off (`--no-cache`), so
every round checks every point.

    python benchmarks/bench_explore.py [--rounds 3] [--points N=1,2,3,4,6,8] [--fmax]

Prints each round's wall seconds and CPU seconds (the command and everything it started), the ratio
jobs 2 / jobs 1 per round and the medians, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "datasets" / "accelbench" / "dot_product_4lane"


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def sweep(aigchip: str, values: str, jobs: int, fmax: bool) -> tuple[float, float, int]:
    argv = [aigchip, "explore", str(TASK), "--param", values, "--jobs", str(jobs), "--no-cache", "--json",
            *(["--fmax"] if fmax else [])]
    cpu, started = children_cpu(), time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"aigchip explore failed ({done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    return wall, children_cpu() - cpu, result["checked"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--points", default="N=1,2,3,4,6,8")
    parser.add_argument("--fmax", action="store_true")
    parser.add_argument("--aigchip", default=str(Path(sys.executable).with_name("aigchip")))
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} CPUs; sweep {args.points}{' --fmax' if args.fmax else ''}")
    rows: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for round_no in range(1, args.rounds + 1):
        order = (1, 2) if round_no % 2 else (2, 1)  # alternate who goes first
        for jobs in order:
            wall, cpu, checked = sweep(args.aigchip, args.points, jobs, args.fmax)
            rows[jobs].append((wall, cpu))
            print(f"round {round_no} --jobs {jobs}: {checked} points, wall {wall:.1f} s, CPU {cpu:.1f} s", flush=True)
        one, two = rows[1][-1][0], rows[2][-1][0]
        print(f"round {round_no}: jobs 2 / jobs 1 wall = {two / one:.2f}")
    ratios = [b[0] / a[0] for a, b in zip(rows[1], rows[2])]
    for jobs in (1, 2):
        print(f"--jobs {jobs}: median wall {statistics.median(w for w, _ in rows[jobs]):.1f} s, "
              f"median CPU {statistics.median(c for _, c in rows[jobs]):.1f} s")
    print(f"jobs 2 / jobs 1 wall: per round {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.2f}")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
