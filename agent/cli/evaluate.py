"""`aigchip eval`: a model on a benchmark.

No `from __future__ import annotations` here: typer reads each option from its annotation, and annotations
kept as strings are compiled and evaluated again on every run (about 5 ms of every `aigchip eval`)."""

import json
from enum import Enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand
from typer.main import get_command

from aigchip.cli.common import EXIT_USAGE, ExistingFile, Feedback, Fpga, Grain, Simulator, parse_ks, usage


class Flow(str, Enum):
    oneshot = "oneshot"
    accel = "accel"


def _eval_progress(record: dict, done: int, total: int) -> None:
    """One line per finished sample: status, why it stopped (unless it passed), replies from the cache."""
    extra = f": {record['message'][:200]}" if record.get("status") != "pass" and record.get("message") else ""
    cached = record.get("cached_replies") or 0
    from_cache = f", {cached} of {record.get('replies') or cached} replies from the cache" if cached else ""
    typer.echo(f"[{done}/{total}] {record['task']} s{record['sample']}: {record['status']} "
               f"({record['iterations']} iter, {record['duration_s']:.1f} s{from_cache}){extra}", err=True)


def _notice(line: str) -> None:
    typer.echo(line, err=True)


def eval_(
    bench_dir: Annotated[Path, typer.Argument(help="Benchmark folder: VerilogEval v2, RTLLM, VGen or native layout.")],
    model: Annotated[Optional[str], typer.Option(help="Endpoint model name, or offline / replay / reference (the tasks' own solutions).")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, ...).")] = None,
    api_key_env: Annotated[Optional[str], typer.Option(help="Environment variable holding the API key.")] = None,
    samples: Annotated[int, typer.Option("-n", "--samples", help="Samples per task (each its own run of the loop).", min=1)] = 1,
    k: Annotated[str, typer.Option("-k", help="pass@k to report, comma-separated; only k <= n is reported.")] = "1,5,10",
    max_iters: Annotated[Optional[int], typer.Option(help="Self-correction rounds at most, per sample.", min=1)] = None,
    feedback: Annotated[Optional[Feedback], typer.Option(help="What the loop may see: the benchmark's testbench (golden), its own tests (self), lint, or none.")] = None,
    jobs: Annotated[int, typer.Option(help="Checks (simulations) running at once.", min=1)] = 2,
    concurrency: Annotated[int, typer.Option(help="Samples in flight at once (model calls overlap).", min=1)] = 8,
    tasks: Annotated[Optional[str], typer.Option(help="Only the tasks whose id matches this glob (comma-separated globs).")] = None,
    tags: Annotated[Optional[str], typer.Option(help="Only the tasks carrying one of these tags (comma-separated), like system or block (AccelBench's tiers).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output folder (default: runs/eval-<bench>-<model>-<time>).", file_okay=False)] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out: finished samples are not run again.")] = False,
    demos: Annotated[Optional[int], typer.Option(help="Demonstrations in each prompt.", min=0)] = None,
    demo_min_score: Annotated[Optional[float], typer.Option(help="Send a demonstration only when its relevance (BM25) is at least this (default 12, calibrated on the bundled library; demonstrations under 70% of the best one's score are left out too).", min=0)] = None,
    sim: Annotated[Optional[Simulator], typer.Option(help="Simulator.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Sampling seed (sample i asks with seed + i), where the endpoint supports it.")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature.")] = None,
    lint: Annotated[Optional[bool], typer.Option("--lint/--no-lint", help="Lint with Verilator when installed.")] = None,
    synth: Annotated[bool, typer.Option("--synth", help="Cost every checked design with yosys: results.jsonl carries "
                                        "`cost`, the summary the cost next to each task's reference.")] = False,
    fpga: Annotated[Optional[Fpga], typer.Option(help="Also map to this FPGA (implies --synth).")] = None,
    cache: Annotated[bool, typer.Option(help="Reuse cached model replies and verdicts.")] = True,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="aigchip.toml with defaults.", **ExistingFile)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object and nothing else on stdout.")] = False,
    preflight: Annotated[bool, typer.Option("--preflight/--no-preflight", help="Check every task's own reference against its own tests first: a reference only the other simulator handles moves that task to it, one that fails everywhere is left out of pass@k.")] = True,
    flow: Annotated[Flow, typer.Option(help="oneshot: one reply holds each design; accel: each task planned as a tree of modules, built module by module and integrated (aigchip accel).")] = Flow.oneshot,
    grain: Annotated[Optional[Grain], typer.Option(help="Show the model only this grain of each task's spec (with the interface); tasks without it are left out. Default: every grain the task gives.")] = None,
    executor: Annotated[str, typer.Option(help="Where the checks run: local (threads in this process) or ray (Ray tasks; needs the ray extra, and for a multi-machine cluster the benchmark folder on a shared filesystem).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(help="Ray cluster to join with --executor ray (like ray://head:10001 or auto); default: a Ray instance on this machine.")] = None,
) -> None:
    """Evaluate a model on a benchmark: pass@k, statuses, pass rate per iteration, spend. Exit 0 when the run
    completed (whatever the pass rate), 2 on a usage or tool error. `aigchip eval compare RUN_A RUN_B` compares
    two runs' folders task by task (see `aigchip eval compare -h`)."""
    import time as clock

    from aigchip.bench.adapters import BenchmarkError, load
    from aigchip.bench.results import ResultsWriteError
    from aigchip.bench.runner import EvalError, run_eval
    from aigchip.config import load_config
    from aigchip.models import ModelError

    ks = parse_ks(k)
    if resume and out is None:
        raise usage("--resume continues a run: name its folder with --out")
    if executor not in ("local", "ray"):
        raise usage(f"--executor must be local or ray, not {executor!r}")
    flags = dict(model=model, base_url=base_url, api_key_env=api_key_env, max_iters=max_iters, demos=demos, demo_min_score=demo_min_score,
                 feedback=feedback.value if feedback else None, simulator=sim.value if sim else None, seed=seed,
                 temperature=temperature, lint=lint, jobs=jobs, cache=None if cache else False, synth=synth or None,
                 fpga=fpga.value if fpga else None)
    try:
        config = load_config(flags, config_file=config_file)
        benchmark = load(bench_dir)
    except (BenchmarkError, ValueError) as exc:
        text = str(exc)
        raise usage(text if isinstance(exc, BenchmarkError) or "validation error" in text else text.splitlines()[0]) from None
    out = out or Path("runs") / f"eval-{benchmark.name}-{Path(config.model).name}-{clock.strftime('%Y%m%d-%H%M%S')}"
    from aigchip.record import FolderBusy, exclusive

    try:
        with exclusive(out, "eval"):
            summary = run_eval(benchmark, config, samples=samples, ks=ks, out_dir=out, concurrency=concurrency,
                               jobs=jobs, resume=resume, task_glob=tasks, tags=tags, progress=_eval_progress,
                               executor=executor, ray_address=ray_address, preflight=preflight, notify=_notice,
                               flow=flow.value, grain=grain.value if grain else None)
    except (EvalError, ResultsWriteError, FolderBusy, ValueError) as exc:
        raise usage(str(exc)) from None
    except ModelError as exc:
        raise usage(f"model error: {exc}") from None
    except OSError as exc:
        raise usage(f"cannot write the run's files in {out}: {exc}") from None
    if json_out:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        from aigchip.bench.report import console_summary

        typer.echo(console_summary(summary, out))
    counts = summary["samples"]
    if counts["model_errors"] and counts["model_errors"] == counts["finished"]:
        typer.echo("aigchip: every sample failed to get a reply from the model (see the messages above); "
                   "rerun with --resume once the endpoint answers", err=True)
        raise typer.Exit(EXIT_USAGE)


def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="The first evaluation's --out folder (the baseline).", file_okay=False)],
    run_b: Annotated[Path, typer.Argument(help="The second evaluation's --out folder.", file_okay=False)],
    json_out: Annotated[bool, typer.Option("--json", help="Print the comparison as one JSON object on stdout.")] = False,
) -> None:
    """Compare two evaluations task by task: pass@1 of each over the tasks both counted, the paired change
    with a bootstrap interval, which tasks flipped, and McNemar's exact test. Exit 0, or 2 on a usage error."""
    from aigchip.bench.compare import CompareError, compare, text

    try:
        result = compare(run_a, run_b)
    except CompareError as exc:
        raise usage(str(exc)) from None
    typer.echo(json.dumps(result) if json_out else text(result))


class EvalCommand(TyperCommand):
    """`aigchip eval BENCH_DIR ...` runs an evaluation; `aigchip eval compare RUN_A RUN_B` compares two. A
    benchmark folder literally named `compare` is reached as `./compare`."""

    def make_context(self, info_name, args, parent=None, **extra):
        if args and args[0] == "compare":
            compare_app = typer.Typer(add_completion=False, context_settings={"help_option_names": ["-h", "--help"]})
            compare_app.command("compare")(eval_compare)
            command = get_command(compare_app)
            return command.make_context(f"{info_name} compare", list(args[1:]), parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)
