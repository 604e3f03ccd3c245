"""k cocotb candidates against 1 (issue 15: "8 cocotb candidates vs 1 (Icarus)", goal <= 1.5x).

    python benchmarks/bench_candidates.py [--before /path/to/venv-of-main/bin/aigchip] [--rounds 3] [--k 8]

Times the command line a user runs: `aigchip generate TASK --samples K --max-iters 1` against a loopback
OpenAI-compatible endpoint (no model time) that answers K distinct correct designs (AccelBench relu6_s8,
whose cocotb tests decide), with the verdict cache off, lint on (the default) and off. Each configuration
runs as its own process, interleaved round by round (so load spikes hit all alike); the figure is the median
wall and CPU seconds (the process and everything it started) and the ratio K candidates / 1 candidate of
the same aigchip. With --before (the aigchip of a venv of main before this change) both are timed side by side.
"""

from __future__ import annotations

import argparse
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


def replies(k: int, salt: str) -> Response:
    """K correct designs, each a little different (a comment), so no cache or lint memo joins them."""
    good = (TASK / "relu6_s8.v").read_text()
    return Response.text(*(f"```verilog\n// candidate {salt}-{i}\n{good}\n```\n" for i in range(k)))


def run_once(aigchip: str, server: Loopback, k: int, lint: bool, salt: str) -> tuple[float, float]:
    server.add(replies(k, salt))
    out = Path(tempfile.mkdtemp(prefix="bench-candidates-"))
    argv = [aigchip, "generate", str(TASK), "--samples", str(k), "--max-iters", "1", "--demos", "0", "--no-cache",
            "--model", "bench", "--base-url", server.base_url, "--out", str(out / "run"), "--json"]
    if not lint:  # generate has no --no-lint: the config file says it
        (out / "aigchip.toml").write_text("lint = false\n")
        argv += ["--config", str(out / "aigchip.toml")]
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "AIGCHIP_CACHE_DIR": str(out / "cache")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0 or '"status": "pass"' not in done.stdout.replace('"status":"pass"', '"status": "pass"'):
        raise SystemExit(f"{aigchip} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="the aigchip executable of a venv of main before this change")
    parser.add_argument("--after", default=shutil.which("aigchip") or str(Path(sys.executable).with_name("aigchip")))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, default=8)
    args = parser.parse_args()
    trees = {"after": args.after, **({"before": args.before} if args.before else {})}
    configs = [(tree, k, lint) for lint in (True, False) for tree in trees for k in (1, args.k)]
    walls: dict[tuple, list[float]] = {c: [] for c in configs}
    cpus: dict[tuple, list[float]] = {c: [] for c in configs}
    print(f"load before: {os.getloadavg()}")
    with Loopback() as server:
        for r in range(args.rounds):
            for c in configs:
                wall, cpu = run_once(trees[c[0]], server, c[1], c[2], f"{r}-{c[0]}-{c[2]}")
                walls[c].append(wall)
                cpus[c].append(cpu)
    print(f"load after: {os.getloadavg()}")
    print(f"{'tree':8} {'lint':5} {'k':>3} {'wall s':>8} {'cpu s':>8}   ratio k/1 wall  cpu")
    for tree, k, lint in configs:
        wall, cpu = statistics.median(walls[(tree, k, lint)]), statistics.median(cpus[(tree, k, lint)])
        ratio = ""
        if k != 1:
            one_w, one_c = statistics.median(walls[(tree, 1, lint)]), statistics.median(cpus[(tree, 1, lint)])
            ratio = f"   {wall / one_w:5.2f}x        {cpu / one_c:5.2f}x"
        print(f"{tree:8} {'on' if lint else 'off':5} {k:>3} {wall:8.2f} {cpu:8.2f}{ratio}")


if __name__ == "__main__":
    main()
