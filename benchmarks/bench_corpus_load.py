"""`aigchip demos SPEC --corpus BIG.jsonl` as a process, this tree against a revision before the lazy corpus
(which loaded and validated every entry and did all BM25 weight arithmetic on load), rounds interleaved so
load spikes hit both alike.

    python benchmarks/bench_corpus_load.py [--entries 10000] [--rounds 5] [--before 8a90406]

Each contender runs `python -c 'from aigchip.cli import main; main()' demos ...` with its own package on
PYTHONPATH (the revision is extracted with `git archive`), on its own copy of one synthetic corpus (Zipf
words over 5,000, as benchmarks/bench_corpus.py makes) indexed by its own `aigchip dataset index`, since
the two write different index versions. The floor is this tree's `demos` on a 50-entry corpus: Python,
the imports and the command itself. Goal (issue 15): <= 0.3 s, measured 1.9 s before on a quiet machine;
on a loaded one read the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import Sampler, synthetic_entries, vocabulary  # noqa: E402
from revisions import RUNNER, extract, package  # noqa: E402

from aigchip.corpus.schema import dump_jsonl  # noqa: E402

BEFORE = "8a90406"  # main just before the corpus loaded lazily (the index's weights computed on load)


def command(pythonpath: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-c", RUNNER, *args], {**os.environ, "PYTHONPATH": str(pythonpath)}


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(pythonpath: Path, *args: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and stdout of one command."""
    argv, env = command(pythonpath, *args)
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, children_cpu() - cpu, done.stdout


def which(pythonpath: Path) -> str:
    argv, env = command(pythonpath)
    argv[2] = "import aigchip; print(aigchip.__file__)"
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout.strip()


def summary(times: list[tuple[float, float]]) -> dict:
    walls, cpus = [w for w, _ in times], [c for _, c in times]
    return {"wall_median_s": round(statistics.median(walls), 3), "wall_min_s": round(min(walls), 3),
            "cpu_median_s": round(statistics.median(cpus), 3), "wall_rounds": [round(t, 3) for t in walls]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", default=BEFORE, help="the revision to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aigchip-bench-corpus-") as tmp_name:
        tmp = Path(tmp_name)
        trees = {"before": package(extract(args.before, tmp / "rev"), tmp / "pkg-before"),
                 "after": package(ROOT, tmp / "pkg-after")}
        located = {name: which(path) for name, path in trees.items()}
        assert located["before"].startswith(str(tmp)) and located["after"].startswith(str(tmp)), located
        entries = synthetic_entries(args.entries)
        corpora = {}
        for name, path in trees.items():
            corpora[name] = tmp / name / "big.jsonl"
            dump_jsonl(entries, corpora[name])
            run(path, "dataset", "index", str(corpora[name]))
        small = tmp / "small" / "small.jsonl"
        dump_jsonl(entries[:50], small)
        run(trees["after"], "dataset", "index", str(small))
        words = Sampler(vocabulary(5000), True, seed=3)
        specs = [words.text(8, 30) for _ in range(args.rounds)]
        times: dict[str, list[tuple[float, float]]] = {"before": [], "after": [], "floor_50_entries": []}
        for number, spec in enumerate(specs):
            outputs = {}
            for name in ("before", "after") if number % 2 == 0 else ("after", "before"):
                wall, cpu, outputs[name] = run(trees[name], "demos", spec, "--corpus", str(corpora[name]), "--json")
                times[name].append((wall, cpu))
            if json.loads(outputs["before"]) != json.loads(outputs["after"]):
                raise RuntimeError(f"the two picked differently for {spec!r}: {outputs}")
            times["floor_50_entries"].append(run(trees["after"], "demos", spec, "--corpus", str(small), "--json")[:2])
        found = {name: summary(values) for name, values in times.items()}
        ratio = statistics.median(a[0] / b[0] for a, b in zip(times["after"], times["before"]))
        print(json.dumps({
            "command": "aigchip demos SPEC --corpus BIG.jsonl --json", "entries": args.entries,
            "before_revision": args.before, "same_demos_every_round": True, **found,
            "after_over_before_wall_median": round(ratio, 3),
            "after_minus_floor_wall_median_s": round(found["after"]["wall_median_s"]
                                                     - found["floor_50_entries"]["wall_median_s"], 3),
            "index_bytes": {name: (path.parent / (path.name + ".index.json")).stat().st_size
                            for name, path in corpora.items()}}, indent=1))


if __name__ == "__main__":
    main()
