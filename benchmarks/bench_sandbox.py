"""What the bubblewrap box costs per run, measured with and without it in interleaved rounds.

    python benchmarks/bench_sandbox.py [--rounds 5] [--spawns 30]

1. a bare process: `true` through sim.process.run, boxed and not (the box's own cost per run);
2. a plain Icarus check (iverilog + vvp: two runs) of datasets/examples/mac8 against its testbench;
3. a cocotb check (one cocotb child running iverilog and vvp inside one box) of the same design.

Each round runs every case once boxed and once not, alternating which goes first, and the median of the
rounds is reported, so load spikes on a shared machine hit both alike. Wall-clock time and the CPU time of
the processes started (user + system, from getrusage) are both reported: on a loaded machine every fork,
exec and namespace hand-off waits for a core, so the wall-clock figure grows with the load average (printed
too) while the CPU figure does not. Goal: under 15 ms per run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aigchip.sim import Design, VerifyOptions, process, sandbox, verify

EXAMPLE = Path(__file__).resolve().parent.parent / "datasets" / "examples" / "mac8"


def boxed(on: bool) -> None:
    if on:
        os.environ.pop(sandbox.BWRAP_VARIABLE, None)
    else:
        os.environ[sandbox.BWRAP_VARIABLE] = "off"
    process._working_bwrap.cache_clear()
    assert (process.sandbox_status() == "bubblewrap") == on, process.sandbox_status()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def spawns(n: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for _ in range(n):
            assert process.run(["true"], cwd=folder, timeout=30).ok
        return (time.perf_counter() - started) / n


def check(options: VerifyOptions) -> float:
    design = Design.from_paths([EXAMPLE / "mac8.v"], top="mac8")
    started = time.perf_counter()
    verdict = verify(design, options)
    assert verdict.status == "pass", verdict.summary()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--spawns", type=int, default=30)
    args = parser.parse_args()
    logging.getLogger("aigchip.sandbox").setLevel(logging.ERROR)  # "no sandbox" is what we asked for
    boxed(True)
    cases = {
        "bare_run": (lambda: spawns(args.spawns), 1),
        "icarus_testbench_check": (lambda: check(VerifyOptions(testbench=(EXAMPLE / "tb_mac8.v",), lint=False,
                                                               use_cache=False)), 2),
        "cocotb_icarus_check": (lambda: check(VerifyOptions(tests=EXAMPLE / "test_mac8.py", lint=False,
                                                            use_cache=False)), 1),
    }
    for fn, _ in cases.values():  # warm the file cache and the tool-version cache once
        fn()
    seconds: dict[str, dict[bool, list[float]]] = {name: {True: [], False: []} for name in cases}
    cpu: dict[str, dict[bool, list[float]]] = {name: {True: [], False: []} for name in cases}
    for index in range(args.rounds):
        for name, (fn, _) in cases.items():
            for on in ((True, False) if index % 2 == 0 else (False, True)):
                boxed(on)
                before = children_cpu()
                seconds[name][on].append(fn())
                cpu[name][on].append(children_cpu() - before)
    boxed(True)
    report: dict[str, object] = {"cpus": os.cpu_count(), "load_average": os.getloadavg()[0], "rounds": args.rounds,
                                 "python": sys.version.split()[0]}
    for name, (_, runs) in cases.items():
        with_box, without = statistics.median(seconds[name][True]), statistics.median(seconds[name][False])
        cpu_box, cpu_plain = statistics.median(cpu[name][True]), statistics.median(cpu[name][False])
        per = args.spawns if name == "bare_run" else 1  # bare_run's figures are already per run; its CPU is not
        report[name] = {"boxed_ms": round(with_box * 1000, 1), "unboxed_ms": round(without * 1000, 1),
                        "runs_per_check": runs,
                        "overhead_per_run_ms": round((with_box - without) * 1000 / runs, 1),
                        "cpu_overhead_per_run_ms": round((cpu_box - cpu_plain) * 1000 / runs / per, 2),
                        "ratio": round(with_box / without, 3)}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
