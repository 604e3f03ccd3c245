"""How long reading a VCD takes: aigchip.sim.vcd.read (wellen, through pywellen) against the hand-written parser
it replaced, side by side and interleaved, on one synthetic dump.

    python benchmarks/bench_vcd.py [--cycles 300000] [--rounds 3] [--old-commit 4e70ba3]

The dump has a clock, a 16-bit counter and 14 one-bit signals that are written every cycle (as simulators
write them), so the file is dominated by value changes, like a long cocotb run. The old parser is read from
the repository's history (`git show COMMIT:sim/vcd.py`); without git history only the new reader is timed.
Both readers must agree on every signal's values (wellen leaves out changes to the value a signal already
had; the check compares the values in force at each change time).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_dump(path: Path, cycles: int) -> None:
    header = ("$timescale 1ps $end\n$scope module tb $end\n$var wire 1 ! clk $end\n$var reg 16 \" n [15:0] $end\n"
              + "".join(f"$var wire 1 {chr(40 + i)} s{i} $end\n" for i in range(14)) + "$upscope $end\n"
              "$enddefinitions $end\n")
    with path.open("w") as f:
        f.write(header)
        for t in range(cycles):
            f.write(f"#{t}\n{t % 2}!\nb{t % 65536:b} \"\n" + "".join(f"{(t >> i) & 1}{chr(40 + i)}\n" for i in range(14)))


def old_reader(commit: str):
    try:
        text = subprocess.run(["git", "show", f"{commit}:sim/vcd.py"], cwd=ROOT, capture_output=True, text=True,
                              check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    folder = Path(tempfile.mkdtemp(prefix="aigchip-oldvcd-"))
    (folder / "old_vcd.py").write_text(text)
    spec = importlib.util.spec_from_file_location("old_vcd", folder / "old_vcd.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_vcd"] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module.read


def values_by_name(wave) -> dict[str, dict[int, str]]:
    """Each signal's value in force at each of its change times, leading zeros dropped."""
    out = {}
    for key, name in wave.names.items():
        seen, last = {}, None
        for t, dumped in wave.changes[key]:
            value = dumped.lstrip("0") or "0"
            if value != last:
                seen[t], last = value, value
        out[name] = seen
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old-commit", default="4e70ba3")
    args = parser.parse_args()
    from aigchip.sim import vcd

    old = old_reader(args.old_commit)
    with tempfile.TemporaryDirectory(prefix="aigchip-bench-vcd-") as scratch:
        dump = Path(scratch) / "big.vcd"
        write_dump(dump, args.cycles)
        print(f"dump: {dump.stat().st_size / 1e6:.1f} MB, {args.cycles} cycles, 16 signals")
        readers = [("wellen (vcd.read)", vcd.read)] + ([("hand parser (old)", old)] if old else [])
        times: dict[str, list[float]] = {name: [] for name, _ in readers}
        results = {}
        for _ in range(args.rounds):
            for name, read in readers:  # interleaved: a load spike hits both
                started = time.perf_counter()
                results[name] = read(dump)
                times[name].append(time.perf_counter() - started)
        for name, spent in times.items():
            print(f"{name:<20} best {min(spent):.2f} s   all {', '.join(f'{s:.2f}' for s in spent)}")
        if old:
            agree = values_by_name(results["wellen (vcd.read)"]) == values_by_name(results["hand parser (old)"])
            ratio = min(times["hand parser (old)"]) / min(times["wellen (vcd.read)"])
            print(f"the old parser takes {ratio:.1f}x as long; the values {'agree' if agree else 'DIFFER'}")
            return 0 if agree else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
