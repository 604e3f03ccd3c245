"""Where the time goes before and between an eval's requests: a timeline of one `aigchip eval` run.

    python benchmarks/eval_timeline.py [--aigchip /path/to/venv/bin/aigchip] [--tasks 40] [--delay 1.0]
                                       [--concurrency 16] [--bench DIR] [--all]

The bench_eval_cli loopback case (tiny tasks, an endpoint answering each request after --delay seconds,
`--feedback none`, default lint and demos), run once with the CLI in a child process whose import system
stamps chosen stages as they happen: the CLI's start, run_eval, the pre-flight, the client's imports
(openai, langchain_openai, langsmith) and its build, the demo library, each sample's loop, model call and
check. Each line gives the wall time since the child started, the CPU the child had used by then (every
thread: under the GIL this is the part that cannot overlap), and the thread. Then the requests as the
endpoint saw them, in waves of --concurrency. Without --all, per-sample lines after the first few are left
out. `--bench DIR` runs a real benchmark instead (its references go through the pre-flight, on a cold
cache; the endpoint's answer is the tiny inverter, so its samples fail). A diagnostic, not a figure: the stamps cost a little, and bench_eval_cli.py gives the timed numbers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module: the functions (dotted within the module) stamped on entry and exit; every module named is also
# stamped when its import starts and ends
STAGES = {
    "aigchip.cli": [],
    "aigchip.bench.runner": ["run_eval", "_preflight", "_run_all", "_Sampler.run"],  # _Sampler.run: revisions before bench/sampler.py
    "aigchip.bench.sampler": ["Sampler.run"],
    "aigchip.bench.run_model": ["begin"],
    "aigchip.models.chat": ["ChatModel._build", "ChatModel.complete"],
    "aigchip.demos": ["corpus_for", "pick_for"],
    "aigchip.generate": ["generate"],
    "aigchip.loop": ["Agent.run"],
    "aigchip.sim.check": ["verify_many"],
    "aigchip.bench.report": [],
    "openai": [], "langchain_openai": [], "langsmith": [], "pyslang": [], "jinja2": [],
}

CHILD = r'''
import functools, importlib.abc, importlib.util, sys, threading, time
T0, STAGES, EVENTS = float(sys.argv[1]), eval(sys.argv[2]), []

def stamp(what):
    EVENTS.append((time.monotonic() - T0, time.process_time(), threading.current_thread().name, what))

def wrap(module, dotted):
    owner = module
    *path, name = dotted.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    inner = getattr(owner, name, None)
    if inner is None:
        return  # a stage an older or newer revision does not have

    @functools.wraps(inner)
    def stamped(*args, **kwargs):
        stamp(f"> {dotted}")
        try:
            return inner(*args, **kwargs)
        finally:
            stamp(f"< {dotted}")
    setattr(owner, name, stamped)

class Stamper(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in STAGES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module, run=run, name=name):
            stamp(f"import {name}")
            run(module)
            stamp(f"imported {name}")
            for dotted in STAGES[name]:
                wrap(module, dotted)
        spec.loader.exec_module = exec_module
        return spec

def report():
    for wall, cpu, thread, what in EVENTS:
        print(f"{wall:8.3f} {cpu:8.3f}  {thread[:24]:24} {what}", file=sys.stderr)
    print(f"{time.monotonic() - T0:8.3f} {time.process_time():8.3f}  {'':24} end", file=sys.stderr)
    sys.stderr.flush()

import atexit
atexit.register(report)  # the CLI runs the exit handlers, then ends without the interpreter's teardown
sys.meta_path.insert(0, Stamper())
stamp("python started")
sys.argv = ["aigchip", *sys.argv[3:]]
from aigchip.cli import main
main()
'''


def python_of(aigchip: str) -> str:
    first = Path(aigchip).read_text(errors="replace").splitlines()[0]
    return first[2:].strip() if first.startswith("#!") else sys.executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aigchip", default=str(Path(sys.executable).parent / "aigchip"))
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--bench", type=Path, help="a benchmark folder instead of --tasks tiny inverters")
    parser.add_argument("--all", action="store_true", help="every sample's lines, not only the first few")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from bench_eval_cli import TINY, tiny_bench

    from aigchip.loopback import Loopback, Response

    with tempfile.TemporaryDirectory() as tmp, Loopback(
            handler=lambda body: Response.text(f"```verilog\n{TINY}```\n", delay_s=args.delay)) as server:
        bench = args.bench or tiny_bench(Path(tmp) / "bench", args.tasks)
        argv = ["eval", str(bench), "--out", f"{tmp}/out", "--json", "--model", "served", "--base-url",
                server.base_url, "--feedback", "none", "--concurrency", str(args.concurrency), "-k", "1"]
        started = time.monotonic()  # the loopback stamps arrivals with the same clock
        done = subprocess.run([python_of(args.aigchip), "-c", CHILD, str(started), repr(STAGES), *argv],
                              capture_output=True, text=True, env={**os.environ, "AIGCHIP_CACHE_DIR": f"{tmp}/cache"},
                              timeout=600)
        arrivals = sorted(r.at - started for r in server.completions())
    lines = [line for line in done.stderr.splitlines() if line[:8].strip().replace(".", "").isdigit()]
    print(f"load {os.getloadavg()[0]:.2f}, exit {done.returncode}\n    wall      cpu  thread                   stage")
    shown: dict[str, int] = {}
    for line in lines:
        thread, key = line[19:43], line[44:]  # the columns of the child's report
        per_sample = key[:1] in (">", "<") and "eval_" in thread
        shown[key] = shown.get(key, 0) + 1
        if args.all or not per_sample or shown[key] <= 3:
            print(line)
    waves = [arrivals[i:i + args.concurrency] for i in range(0, len(arrivals), args.concurrency)]
    print(f"\n{len(arrivals)} requests; waves (first .. last arrival, s): " +
          ", ".join(f"{w[0]:.3f}..{w[-1]:.3f}" for w in waves))


if __name__ == "__main__":
    main()
