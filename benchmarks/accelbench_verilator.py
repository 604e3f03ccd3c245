"""Every AccelBench reference against its own tests on Verilator (too slow for every CI run; CI uses Icarus).

    python benchmarks/accelbench_verilator.py [--jobs 1] [--json]

Prints each task's status and time, then the totals.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from aigchip.bench.adapters import load
from aigchip.task import verify_options
from aigchip.sim import verify_many

ROOT = Path(__file__).resolve().parent.parent / "datasets" / "accelbench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="Verilator builds use both cores already")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bench = load(ROOT)
    pairs = [(t.solution_design(), verify_options(t, simulator="verilator", use_cache=False, timeout=600))
             for t in bench.tasks]
    started = time.monotonic()
    verdicts = verify_many(pairs, jobs=args.jobs)
    rows = [{"task": t.id, "status": str(v.status), "seconds": round(v.duration_s, 1), "summary": v.summary()}
            for t, v in zip(bench.tasks, verdicts)]
    total = {"tasks": len(rows), "passed": sum(r["status"] == "pass" for r in rows),
             "wall_s": round(time.monotonic() - started, 1)}
    if args.json:
        print(json.dumps({"total": total, "tasks": rows}, indent=1))
        return
    for row in rows:
        print(f"{row['task']:22} {row['status']:14} {row['seconds']:6.1f}s  {'' if row['status'] == 'pass' else row['summary'][:100]}")
    print(f"{total['passed']}/{total['tasks']} pass on Verilator in {total['wall_s']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
