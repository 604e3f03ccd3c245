"""`aigchip verify` over every problem of the shared VerilogEval and RTLLM slices, each task's reference as design.

    python benchmarks/verify_slices.py [--sim icarus|verilator] [--jobs 2] [--json]

Prints which pass, which don't, and the first diagnostic of each that doesn't.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from slices import rtllm_tasks, verilog_eval_tasks

from aigchip.sim import verify_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", default="icarus", choices=["icarus", "verilator"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for bench, loader in (("verilog-eval-v2", verilog_eval_tasks), ("rtllm", rtllm_tasks)):
        tasks = loader(simulator=args.sim, timeout=args.timeout, use_cache=False)
        started = time.monotonic()
        verdicts = verify_many([(d, o) for _, d, o in tasks], jobs=args.jobs)
        elapsed = time.monotonic() - started
        passed = sum(v.passed for v in verdicts)
        print(f"== {bench}: {passed}/{len(tasks)} pass on {args.sim} in {elapsed:.1f}s", file=sys.stderr)
        for (name, _, _), verdict in zip(tasks, verdicts):
            first = next((d.render() for d in verdict.errors), "") if not verdict.passed else ""
            rows.append({"benchmark": bench, "task": name, "status": str(verdict.status), "detail": first[:160],
                         "seconds": round(verdict.duration_s, 2)})
            if not args.json:
                print(f"{bench:16} {name:32} {verdict.status!s:16} {verdict.duration_s:6.2f}s  {first[:110]}")
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
