"""Speed and memory of `aigchip eval` (agent/bench/runner.py), measured in one run so the ratios hold on a
noisy shared machine.

    python benchmarks/bench_eval.py [--rounds 3] [--only a,b,c]

a. `--model reference` over the VerilogEval v2 slice (AIGCHIP_BENCH_VERILOG_EVAL, default
   ../shared/benchmarks/verilog-eval-v2) against a plain sequential loop of the harness's own iverilog + vvp
   commands. Goal: <= 0.6x. Prob141 simulates ~1.1 s alone, a critical path no 2-core schedule can beat, so
   the ratio is also given without it.
b. A loopback endpoint answering every request after 1 s: 40 tasks x 1 sample x 1 iteration,
   --concurrency 16, feedback none, no lint, a one-gate design with a two-sample testbench. Goal: <= 4 s.
c. 1000 samples (20 tasks x 50) from a scripted model with no delay and tiny designs: RSS after 100, 500
   and 1000 samples must stay flat.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigchip.bench.adapters import load  # noqa: E402
from aigchip.bench.runner import run_eval  # noqa: E402
from aigchip.config import RunConfig  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
TINY = "module inv(input wire a, output wire y);\n  assign y = ~a;\nendmodule\n"
TINY_TB = """`timescale 1ns/1ps
module tb;
  reg a; wire y; integer errors = 0;
  inv dut(.a(a), .y(y));
  initial begin
    a = 0; #1 if (y !== 1'b1) errors = errors + 1;
    a = 1; #1 if (y !== 1'b0) errors = errors + 1;
    $display("Mismatches: %0d in 2 samples", errors);
    $finish;
  end
endmodule
"""


def verilog_eval_dir() -> Path:
    return Path(os.environ.get("AIGCHIP_BENCH_VERILOG_EVAL", SHARED / "verilog-eval-v2"))


def plain_loop(tasks) -> float:
    """What the VerilogEval harness runs per problem, one after another, without any of our machinery."""
    started = time.monotonic()
    for task in tasks:
        with tempfile.TemporaryDirectory() as tmp:
            sample = Path(tmp) / "sample.sv"
            sample.write_text(next(iter(task.solution_design().files.values())))
            compile_cmd = ["iverilog", "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", "tb", "-o", "sim.vvp",
                           str(sample), str(task.testbench[0]), str(task.reference)]
            subprocess.run(compile_cmd, cwd=tmp, capture_output=True, timeout=60)
            subprocess.run(["vvp", "sim.vvp"], cwd=tmp, capture_output=True, timeout=60)
    return time.monotonic() - started


def timed_eval(benchmark, config: RunConfig, **options) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        summary = run_eval(benchmark, config, out_dir=Path(out), **options)
        return time.monotonic() - started, summary


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: what the work cost, whatever else loads the machine."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reference_section(rounds: int) -> dict:
    bench = load(verilog_eval_dir())
    quick = bench.model_copy(update={"tasks": [t for t in bench.tasks if not t.id.startswith("Prob141")]})
    config = RunConfig(model="reference", lint=False, cache=False)
    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    statuses: dict = {}
    for _ in range(rounds):  # interleaved, best of each, so load spikes hit all alike
        for label, run in (("plain_loop", lambda: (plain_loop(bench.tasks), None)),
                           ("eval_reference", lambda: timed_eval(bench, config, samples=1, ks=[1], jobs=2)),
                           ("plain_loop_without_Prob141", lambda: (plain_loop(quick.tasks), None)),
                           ("eval_reference_without_Prob141", lambda: timed_eval(quick, config, samples=1, ks=[1],
                                                                                 jobs=2))):
            cpu_before = cpu_seconds()
            seconds, summary = run()
            best[label] = min(best.get(label, float("inf")), seconds)
            cpu[label] = min(cpu.get(label, float("inf")), cpu_seconds() - cpu_before)
            if summary is not None:
                statuses[label] = summary["status_counts"]
    return {"problems": len(bench.tasks), "load_average": os.getloadavg()[0], "cpus": os.cpu_count(),
            "seconds": {k: round(v, 3) for k, v in best.items()},
            "cpu_seconds": {k: round(v, 3) for k, v in cpu.items()},
            "ratio": round(best["eval_reference"] / best["plain_loop"], 3),
            "ratio_without_Prob141": round(best["eval_reference_without_Prob141"]
                                           / best["plain_loop_without_Prob141"], 3),
            "status_counts": statuses}


def tiny_bench(root: Path, count: int) -> Path:
    for i in range(count):
        folder = root / f"inv{i:03d}"
        folder.mkdir(parents=True)
        (folder / "tb.v").write_text(TINY_TB)
        (folder / "task.json").write_text(json.dumps({"id": folder.name, "top": "inv", "testbench": "tb.v",
                                                      "spec": f"Task {i}: an inverter inv, y = ~a."}))
    return root


def fenced(code: str) -> str:
    return f"```verilog\n{code}```\n"


def loopback_section() -> dict:
    """In process: tasks with no testbench (the check is one iverilog compile), then the same tasks with a
    two-sample testbench (compile, then the golden check: three tool runs); then the CLI end to end."""
    import langchain_openai  # noqa: F401  the one-time import is not what this measures

    from aigchip.bench.adapters import Benchmark
    from aigchip.loopback import Loopback, Response
    from aigchip.task import from_text

    os.environ["AIGCHIP_CACHE_DIR"] = tempfile.mkdtemp(prefix="aigchip-bench-cache-")  # no cached replies
    report: dict = {"samples": 40, "concurrency": 16, "jobs": 2, "ideal_seconds": 3.0}
    with tempfile.TemporaryDirectory() as tmp, \
            Loopback(handler=lambda body: Response.text(fenced(TINY), delay_s=1.0)) as server:
        config = RunConfig(model="served", base_url=server.base_url, feedback="none", lint=False, demos=0,
                           cache=False, max_retries=0)
        bare = Benchmark(name="tiny", layout="native", root=Path(tmp), tasks=[
            from_text(f"Task {i}: an inverter inv, y = ~a.", top="inv", task_id=f"inv{i:03d}") for i in range(40)])
        with_tb = load(tiny_bench(Path(tmp) / "bench", 40))
        for label, bench in (("compile_only_first_run", bare), ("compile_only", bare), ("with_testbench", with_tb)):
            before = len(server.completions())
            started = time.monotonic()
            seconds, summary = timed_eval(bench, config, samples=1, ks=[1], concurrency=16, jobs=2)
            arrivals = sorted(r.at for r in server.completions()[before:])
            assert summary["pass_at_k"] == {"1": 1.0}, summary["status_counts"]
            report[label] = {"seconds": round(seconds, 3), "requests": len(arrivals),
                             "first_request_after_s": round(arrivals[0] - started, 3),
                             "first_to_last_request_s": round(arrivals[-1] - arrivals[0], 3)}
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "aigchip.cli", "eval", str(Path(tmp) / "bench"), "--model",
                                 "served", "--base-url", server.base_url, "--feedback", "none", "--no-lint",
                                 "--demos", "0", "--no-cache", "--concurrency", "16", "--out", str(Path(tmp) / "cli"),
                                 "--json"], capture_output=True, text=True, cwd=ROOT, timeout=300)
        report["cli_with_testbench_end_to_end_s"] = round(time.monotonic() - started, 3)
    assert result.returncode == 0, result.stderr
    return report


def rss_kib() -> tuple[int, int]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def memory_section(samples: int = 1000, tasks: int = 20) -> dict:
    from aigchip.models.local import ScriptedModel

    marks: dict[str, dict[str, int]] = {}

    def progress(record, done, total):
        if done in (1, 100, 500, 1000):
            rss, peak = rss_kib()
            marks[str(done)] = {"rss_mib": round(rss / 1024, 1), "peak_rss_mib": round(peak / 1024, 1)}

    with tempfile.TemporaryDirectory() as tmp:
        bench = load(tiny_bench(Path(tmp) / "bench", tasks))
        config = RunConfig(model="scripted", feedback="none", lint=False, demos=0, cache=False)
        started = time.monotonic()
        summary = run_eval(bench, config, samples=samples // tasks, ks=[1, 10], out_dir=Path(tmp) / "out",
                           concurrency=8, jobs=2, progress=progress,
                           model_factory=lambda task, sample: ScriptedModel([fenced(TINY)]))
        seconds = time.monotonic() - started
    assert summary["status_counts"] == {"pass": samples}, summary["status_counts"]
    return {"samples": samples, "seconds": round(seconds, 1), "memory_after_samples": marks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="a,b,c")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    report = {}
    if "a" in wanted:
        report["a_reference_vs_plain_loop"] = reference_section(args.rounds)
    if "b" in wanted:
        report["b_loopback_1s_40_samples"] = loopback_section()
    if "c" in wanted:
        report["c_memory_1000_samples"] = memory_section()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
