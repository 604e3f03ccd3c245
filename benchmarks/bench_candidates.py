"""k cocotb candidates against 1 (issue 15: "8 cocotb candidates vs 1 (Icarus)", goal <= 1.5x).

    python benchmarks/bench_candidates.py [--before /path/to/venv-of-main/bin/aigchip] [--rounds 3] [--k 8] [--eval]

1. Checks alone (the issue's figure): `sim.verify_many` of K candidates against 1, timed inside a Python of
   each tree (wall, and CPU seconds of that Python and everything it started), lint off and on.
   --small: the same on the 8-bit accumulator fixture, whose 40-cycle test is almost all start-up.
4. (also --eval alone) `aigchip eval BENCH --samples K --max-iters 1` of the relu6_s8 task against the loopback
   endpoint (K requests, K distinct correct designs), pre-flight on, no cache, lint on and off: eval's samples
   of one task meet in one check call (agent/bench/gather.py), so they can share a simulation.
3. (--single) One cocotb check alone in this Python: cocotb's runner in a child Python against aigchip running
   iverilog and vvp itself (sim/cocotb_icarus.py), interleaved, CPU seconds of this process and its children.
2. The command line a user runs: `aigchip generate TASK --samples K --max-iters 1` against a loopback
OpenAI-compatible endpoint (no model time) that answers K distinct correct designs (AccelBench relu6_s8,
whose cocotb tests decide), with the verdict cache off, lint on (the default) and off. Each configuration
runs as its own process, interleaved round by round (so load spikes hit all alike); the figure is the median
wall and CPU seconds (the process and everything it started) and the ratio K candidates / 1 candidate of
the same aigchip. With --before (the aigchip of a venv of main before this change) both are timed side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aigchip.loopback import Loopback, Response

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "datasets" / "accelbench" / "relu6_s8"
SMALL = ROOT / "tests" / "fixtures" / "cocotb" / "acc.v"  # --small: a 40-cycle test, almost all start-up


def replies(k: int, salt: str) -> Response:
    """K correct designs, each a little different (a comment), so no cache or lint memo joins them."""
    good = (TASK / "relu6_s8.v").read_text()
    return Response.text(*(f"```verilog\n// candidate {salt}-{i}\n{good}\n```\n" for i in range(k)))


def timed(argv: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run one command line; its result, wall seconds, and CPU seconds of it and everything it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_once(aigchip: str, server: Loopback, k: int, lint: bool, salt: str) -> tuple[float, float]:
    server.add(replies(k, salt))
    out = Path(tempfile.mkdtemp(prefix="bench-candidates-"))
    argv = [aigchip, "generate", str(TASK), "--samples", str(k), "--max-iters", "1", "--demos", "0", "--no-cache",
            "--model", "bench", "--base-url", server.base_url, "--out", str(out / "run"), "--json"]
    if not lint:  # generate has no --no-lint: the config file says it
        (out / "aigchip.toml").write_text("lint = false\n")
        argv += ["--config", str(out / "aigchip.toml")]
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "AIGCHIP_CACHE_DIR": str(out / "cache")}
    done, wall, cpu = timed(argv, env)
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0 or '"status": "pass"' not in done.stdout.replace('"status":"pass"', '"status": "pass"'):
        raise SystemExit(f"{aigchip} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall, cpu


def eval_once(aigchip: str, server: Loopback, k: int, lint: bool, salt: str) -> tuple[float, float]:
    """`aigchip eval` of the relu6_s8 task with K samples (each its own request), as a user runs it (pre-flight
    on, lint on or off), no cache; wall and CPU seconds of the process and everything it started."""
    server.add(*(Response.text(f"```verilog\n// sample {salt}-{i}\n{(TASK / 'relu6_s8.v').read_text()}\n```\n")
                 for i in range(k)))
    out = Path(tempfile.mkdtemp(prefix="bench-candidates-eval-"))
    shutil.copytree(TASK, out / "bench" / TASK.name)
    argv = [aigchip, "eval", str(out / "bench"), "--samples", str(k), "-k", "1", "--max-iters", "1", "--demos", "0",
            "--no-cache", "--model", "bench", "--base-url", server.base_url, "--out", str(out / "run"), "--json",
            "--lint" if lint else "--no-lint"]
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "AIGCHIP_CACHE_DIR": str(out / "cache")}
    done, wall, cpu = timed(argv, env)
    shutil.rmtree(out, ignore_errors=True)
    try:
        summary = json.loads(done.stdout)
    except ValueError:
        summary = {}
    if done.returncode != 0 or summary.get("pass_at_k", {}).get("1") != 1.0:
        raise SystemExit(f"{aigchip} eval failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall, cpu


CHECKS = """
import json, resource, sys, time
from pathlib import Path
from aigchip.sim import VerifyOptions, verify_many
from aigchip.sim.types import Design
design, tests, k, lint, salt = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "on", sys.argv[5]
good, top = design.read_text(), design.stem
options = VerifyOptions(tests=tests, use_cache=False, lint=lint)
items = [(Design(files={design.name: f"// {salt} {i}\\n" + good}, top=top), options) for i in range(k)]
def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
c0, t0 = cpu(), time.monotonic()
verdicts = verify_many(items)
assert all(v.status.value == "pass" for v in verdicts), [v.summary() for v in verdicts]
print(json.dumps([time.monotonic() - t0, cpu() - c0]))
"""


def check_once(python: str, k: int, lint: bool, salt: str, small: bool = False) -> tuple[float, float]:
    design, tests = (SMALL, SMALL.with_name("tb_acc.py")) if small else (TASK / "relu6_s8.v", TASK / "test_relu6_s8.py")
    done = subprocess.run([python, "-c", CHECKS, str(design), str(tests), str(k), "on" if lint else "off", salt],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    wall, cpu = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, cpu


def table(title: str, configs: list[tuple], walls: dict, cpus: dict) -> None:
    print(f"\n{title}\n{'tree':8} {'lint':5} {'k':>3} {'wall s':>8} {'cpu s':>8}   ratio k/1 wall  cpu")
    for tree, k, lint in configs:
        wall, cpu = statistics.median(walls[(tree, k, lint)]), statistics.median(cpus[(tree, k, lint)])
        ratio = ""
        if k != 1:
            one_w, one_c = statistics.median(walls[(tree, 1, lint)]), statistics.median(cpus[(tree, 1, lint)])
            ratio = f"   {wall / one_w:5.2f}x        {cpu / one_c:5.2f}x"
        print(f"{tree:8} {'on' if lint else 'off':5} {k:>3} {wall:8.2f} {cpu:8.2f}{ratio}")


def single(rounds: int) -> None:
    from aigchip.sim import cocotb_icarus, cocotb_run
    from aigchip.sim.types import Design

    text, tests = (TASK / "relu6_s8.v").read_text(), TASK / "test_relu6_s8.py"
    usable = cocotb_icarus.usable
    cpus: dict[bool, list[float]] = {False: [], True: []}
    walls: dict[bool, list[float]] = {False: [], True: []}

    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    try:
        for _ in range(rounds):
            for direct in (False, True):
                cocotb_icarus.usable = (lambda d=direct: d and usable())  # type: ignore[misc]
                with tempfile.TemporaryDirectory() as folder:
                    (Path(folder) / "relu6_s8.v").write_text(text)
                    c0, t0 = cpu(), time.monotonic()
                    verdict = cocotb_run.run_cocotb(Path(folder), Design(files={"relu6_s8.v": text}, top="relu6_s8"), tests)
                    walls[direct].append(time.monotonic() - t0)
                    cpus[direct].append(cpu() - c0)
                    assert verdict.passed, verdict.summary()
    finally:
        cocotb_icarus.usable = usable  # type: ignore[misc]
    print(f"\n3. one cocotb check (relu6_s8), median of {rounds}: child Python {statistics.median(cpus[False]):.3f} CPU s "
          f"{statistics.median(walls[False]):.2f} wall s; direct {statistics.median(cpus[True]):.3f} CPU s "
          f"{statistics.median(walls[True]):.2f} wall s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="the aigchip executable of a venv of main before this change")
    parser.add_argument("--after", default=shutil.which("aigchip") or str(Path(sys.executable).with_name("aigchip")))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--single", action="store_true", help="only section 3")
    parser.add_argument("--eval", action="store_true", help="only section 4: `aigchip eval --samples K` against 1")
    parser.add_argument("--small", action="store_true",
                        help="section 1 only, on the 8-bit accumulator fixture and its 40-cycle test")
    args = parser.parse_args()
    if args.single:
        print(f"load: {os.getloadavg()}")
        single(max(args.rounds, 5))
        return
    trees = {"after": args.after, **({"before": args.before} if args.before else {})}
    pythons = {tree: str(Path(path).with_name("python")) for tree, path in trees.items()}
    configs = [(tree, k, lint) for lint in (False, True) for tree in trees for k in (1, args.k)]
    if args.small:
        walls: dict[tuple, list[float]] = {c: [] for c in configs}
        cpus: dict[tuple, list[float]] = {c: [] for c in configs}
        print(f"load before: {os.getloadavg()}")
        for r in range(args.rounds):
            for c in configs:
                wall, cpu = check_once(pythons[c[0]], c[1], c[2], f"{r}-{c[0]}", small=True)
                walls[c].append(wall)
                cpus[c].append(cpu)
        print(f"load after: {os.getloadavg()}")
        table(f"1 (small). sim.verify_many, K={args.k} vs 1 (8-bit accumulator, 40-cycle cocotb test), median of "
              f"{args.rounds}", configs, walls, cpus)
        return
    sections = ("eval",) if args.eval else ("checks", "generate", "eval")
    results = {name: ({c: [] for c in configs}, {c: [] for c in configs}) for name in sections}
    runs = {"checks": lambda tree, k, lint, salt: check_once(pythons[tree], k, lint, salt),
            "generate": lambda tree, k, lint, salt: run_once(trees[tree], server, k, lint, salt),
            "eval": lambda tree, k, lint, salt: eval_once(trees[tree], server, k, lint, salt)}
    print(f"load before: {os.getloadavg()}")
    with Loopback() as server:
        for r in range(args.rounds):  # interleaved: every configuration once per round
            for c in configs:
                tree, k, lint = c
                for name in sections:
                    wall, cpu = runs[name](tree, k, lint, f"{r}-{tree}-{lint}")
                    results[name][0][c].append(wall)
                    results[name][1][c].append(cpu)
    print(f"load after: {os.getloadavg()}")
    titles = {"checks": f"1. sim.verify_many, K={args.k} candidates vs 1 (relu6_s8, cocotb + Icarus, no cache)",
              "generate": "2. aigchip generate --samples K --max-iters 1 (loopback endpoint)",
              "eval": "4. aigchip eval --samples K --max-iters 1 (relu6_s8, loopback endpoint, pre-flight on, no cache)"}
    for name in sections:
        table(f"{titles[name]}, median of {args.rounds}", configs, *results[name])


if __name__ == "__main__":
    main()
