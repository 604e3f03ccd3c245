"""Loop overhead and start-up time.

    python benchmarks/bench_loop.py

1. Overhead of the agent loop per iteration beside the model's own time and the checks' own time, on a
   VerilogEval-size design (the bundled mac8 example and its 300-sample testbench): a scripted model (no
   model time) answers wrong, wrong, right; the same three checks are timed on their own;
   overhead = (loop - checks) / iterations. Goal: under 0.3 s.
2. `aigchip --help` and `aigchip verify` start-up (best of 5). Goal: under 0.5 s each.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.loop import Agent
from aigchip.task import from_text
from aigchip.sim import VerifyOptions, verify_many

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "datasets" / "examples" / "mac8"


def fenced(code: str) -> str:
    return f"Here it is.\n```verilog\n{code}\n```\n"


def loop_overhead(rounds: int = 3) -> dict:
    good = (EXAMPLE / "mac8.v").read_text()
    bad1, bad2 = good.replace("16'sh7fff", "16'sh7ffe"), good.replace("16'sh8000", "16'sh8001")
    task = from_text("saturating MAC", top="mac8", testbench=(EXAMPLE / "tb_mac8.v",))
    config = RunConfig(model="scripted", demos=0, max_iters=3, lint=False, cache=False)
    best_loop, best_checks = float("inf"), float("inf")
    for _ in range(rounds):
        started = time.monotonic()
        outcome = Agent(ScriptedModel([fenced(bad1), fenced(bad2), fenced(good)]), config).run(task, demos=[])
        best_loop = min(best_loop, time.monotonic() - started)
        assert outcome.status == "pass" and outcome.iterations == 3
        options = VerifyOptions(testbench=task.testbench, lint=False, use_cache=False)
        started = time.monotonic()
        for attempt in outcome.attempts:
            verify_many([(attempt.design, options)], jobs=1)
        best_checks = min(best_checks, time.monotonic() - started)
    return {"loop_s": round(best_loop, 3), "checks_alone_s": round(best_checks, 3),
            "overhead_per_iteration_s": round((best_loop - best_checks) / 3, 4)}


def startup(reps: int = 5) -> dict:
    def best(argv: list[str]) -> float:
        times = []
        for _ in range(reps):
            started = time.monotonic()
            subprocess.run(argv, capture_output=True, timeout=120)
            times.append(time.monotonic() - started)
        return round(min(times), 3)

    aigchip = [sys.executable, "-m", "aigchip.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        design = Path(tmp) / "and2.v"
        design.write_text("module and2(input a, input b, output y); assign y = a & b; endmodule\n")
        return {"help_s": best([*aigchip, "--help"]),
                "verify_compile_only_s": best([*aigchip, "verify", str(design), "--no-lint", "--no-cache", "--json"]),
                "verify_cached_s": best([*aigchip, "verify", str(design), "--no-lint", "--json"])}


if __name__ == "__main__":
    print(json.dumps({"loop": loop_overhead(), "startup": startup()}, indent=1))
