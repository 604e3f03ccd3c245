"""Speed of the verification engine, measured in one run so the ratios hold on a noisy shared machine.

    python benchmarks/bench_verify.py [--rounds 2] [--skip-verilator]

1. VerilogEval slice, each reference as the design: the plain sequential loop of the harness's own
   iverilog + vvp commands against `sim.verify_many(jobs=2)`; the ratio (goal <= 0.6) and the overhead per
   check above the tools' own time (jobs=1 minus the plain loop, per problem; goal < 30 ms).
2. cocotb + Icarus: seconds per cocotb test.
3. Verilator: testbench build and run, cold and after a one-line edit of the design.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from slices import verilog_eval_tasks

from aigchip.sim import Design, VerifyOptions, verify, verify_many

EXAMPLE = Path(__file__).resolve().parent.parent / "datasets" / "examples" / "mac8"


def plain_loop(tasks) -> float:
    """What the VerilogEval harness runs per problem, one after another, without any of our machinery."""
    started = time.monotonic()
    for _, design, options in tasks:
        with tempfile.TemporaryDirectory() as tmp:
            sample = Path(tmp) / "sample.sv"
            sample.write_text(design.files["TopModule.sv"])
            compile_cmd = ["iverilog", "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", "tb", "-o", "sim.vvp",
                           str(sample), str(options.testbench[0]), str(options.reference)]
            subprocess.run(compile_cmd, cwd=tmp, capture_output=True, timeout=60)
            subprocess.run(["vvp", "sim.vvp"], cwd=tmp, capture_output=True, timeout=60)
    return time.monotonic() - started


def timed(fn) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def verilog_eval_section(rounds: int) -> dict:
    tasks = verilog_eval_tasks(lint=False, use_cache=False)
    pairs = [(d, o) for _, d, o in tasks]
    linted = [(d, o.model_copy(update={"lint": True})) for d, o in pairs]
    best: dict[str, float] = {}
    for _ in range(rounds):  # interleaved, best of each, so load spikes hit all alike
        for label, fn in (("plain_loop", lambda: plain_loop(tasks)),
                          ("verify_jobs1", lambda: verify_many(pairs, jobs=1)),
                          ("verify_jobs2", lambda: verify_many(pairs, jobs=2)),
                          ("verify_jobs2_lint", lambda: verify_many(linted, jobs=2))):
            best[label] = min(best.get(label, float("inf")), timed(fn))
    # One problem (Prob141) simulates for ~1.1 s on its own, half the plain loop: no 2-worker schedule can
    # beat that critical path, so report the same ratio without it too.
    quick = [t for t in tasks if not t[0].startswith("Prob141")]
    quick_pairs = [(d, o) for _, d, o in quick]
    for _ in range(rounds):
        for label, fn in (("plain_loop_without_longest", lambda: plain_loop(quick)),
                          ("verify_jobs2_without_longest", lambda: verify_many(quick_pairs, jobs=2))):
            best[label] = min(best.get(label, float("inf")), timed(fn))
    cached_pairs = [(d, o.model_copy(update={"use_cache": True})) for d, o in pairs]
    verify_many(cached_pairs, jobs=2)
    again = verify_many(cached_pairs, jobs=1)
    hits = [v.duration_s for v in again if v.cached]  # timeouts are never cached, so they run again
    n = len(tasks)
    return {
        "problems": n,
        "seconds": {k: round(v, 3) for k, v in best.items()},
        "ratio_jobs2_vs_plain": round(best["verify_jobs2"] / best["plain_loop"], 3),
        "ratio_jobs2_lint_vs_plain": round(best["verify_jobs2_lint"] / best["plain_loop"], 3),
        "ratio_jobs2_vs_plain_without_longest": round(best["verify_jobs2_without_longest"]
                                                      / best["plain_loop_without_longest"], 3),
        "overhead_ms_per_check": round(1000 * (best["verify_jobs1"] - best["plain_loop"]) / n, 1),
        "cache_hits": len(hits),
        "cache_hit_ms_per_check": round(1000 * sum(hits) / max(len(hits), 1), 2),
    }


def cocotb_section(reps: int = 3) -> dict:
    design = Design.from_paths([EXAMPLE / "mac8.v"], top="mac8")
    options = VerifyOptions(tests=EXAMPLE / "test_mac8.py", lint=False, use_cache=False)
    times, tests = [], 0
    for _ in range(reps):
        started = time.monotonic()
        verdict = verify(design, options)
        times.append(time.monotonic() - started)
        tests = verdict.tests_total or 0
        assert verdict.passed, verdict.summary()
    return {"tests_per_run": tests, "seconds_per_run": [round(t, 3) for t in times],
            "seconds_per_test_best": round(min(times) / max(tests, 1), 3)}


def verilator_section() -> dict:
    text = (EXAMPLE / "mac8.v").read_text()
    edited = text.replace("acc <= sum[15:0];", "acc <= sum[15:0];  // edited")
    base = VerifyOptions(testbench=(EXAMPLE / "tb_mac8.v",), simulator="verilator", lint=False, use_cache=False,
                         timeout=300)
    results = {}
    runtime_dir = tempfile.mkdtemp(prefix="aigchip-vlrt-")
    os.environ["AIGCHIP_VERILATOR_RUNTIME_DIR"] = runtime_dir  # no kept Verilator runtime: the first build is truly cold
    try:
        for label, source_text in (("cold", text), ("after_edit", edited), ("same_again_no_verdict_cache", text)):
            started = time.monotonic()
            verdict = verify(Design(files={"mac8.v": source_text}, top="mac8"), base)
            results[label] = {"seconds": round(time.monotonic() - started, 2), "status": str(verdict.status)}
    finally:
        shutil.rmtree(runtime_dir, ignore_errors=True)
        os.environ.pop("AIGCHIP_VERILATOR_RUNTIME_DIR", None)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-verilator", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("AIGCHIP_CACHE_DIR", tempfile.mkdtemp(prefix="aigchip-bench-cache-"))
    report = {"cpus": os.cpu_count(), "verilog_eval": verilog_eval_section(args.rounds), "cocotb_icarus": cocotb_section()}
    if not args.skip_verilator:
        report["verilator_testbench"] = verilator_section()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
