"""The `aigchip` command. Thin: parses, calls, prints. Contract: ../shared/DESIGN.md."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Natural-language hardware specs to verified RTL with an LLM in the loop.")

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class Simulator(str, Enum):
    icarus = "icarus"
    verilator = "verilator"


def _usage(message: str) -> typer.Exit:
    typer.echo(f"aigchip: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _infer_top(files: dict[str, str]) -> str:
    from aigchip.sim import source

    candidates = source.top_candidates(list(files.values()))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise _usage("no module found to use as top; pass --top NAME")
    raise _usage(f"several possible top modules ({', '.join(candidates)}); pass --top NAME")


ExistingFile = dict(exists=True, dir_okay=False, readable=True)


@app.command()
def verify(
    files: Annotated[list[Path], typer.Argument(help="Verilog/SystemVerilog design files.", **ExistingFile)],
    top: Annotated[Optional[str], typer.Option(help="Top module (default: the one module nothing instantiates).")] = None,
    tb: Annotated[Optional[list[Path]], typer.Option(help="Verilog testbench that decides pass/fail.", **ExistingFile)] = None,
    tests: Annotated[Optional[Path], typer.Option(help="cocotb test module (test_x.py).", **ExistingFile)] = None,
    ref: Annotated[Optional[Path], typer.Option(help="Reference design the testbench instantiates.", **ExistingFile)] = None,
    sim: Annotated[Simulator, typer.Option(help="Simulator.")] = Simulator.icarus,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit per tool run, seconds.", min=0.1)] = 60.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
    tb_top: Annotated[Optional[str], typer.Option(help="Testbench top module (default: detected).")] = None,
    lint: Annotated[bool, typer.Option(help="Lint with verilator --lint-only -Wall when installed.")] = True,
    strict: Annotated[bool, typer.Option(help="Lint warnings fail the design.")] = False,
    waves: Annotated[bool, typer.Option(help="Record a VCD waveform (the run folder is kept).")] = False,
    keep: Annotated[Optional[Path], typer.Option(help="Keep the run folder under this directory.", file_okay=False)] = None,
    cache: Annotated[bool, typer.Option(help="Reuse the verdict of an identical earlier check.")] = True,
) -> None:
    """Check Verilog: policy, lint, and the testbench or cocotb tests. Exit 0 pass, 1 fail, 2 usage/tool error."""
    from aigchip.sim.check import VerifyOptions, verify as run_verify
    from aigchip.sim.types import Design, Status

    if tb and tests:
        raise _usage("give either --tb or --tests, not both")
    try:
        design = Design.from_paths(files, top=top or "")
    except ValueError as exc:
        raise _usage(str(exc)) from None
    if not top:
        design = design.model_copy(update={"top": _infer_top(design.files)})
    options = VerifyOptions(testbench=tuple(tb or ()), tests=tests, reference=ref, simulator=sim.value,
                            timeout=timeout, lint=lint, strict=strict, waves=waves, tb_top=tb_top,
                            keep_dir=keep, use_cache=cache)
    verdict = run_verify(design, options)
    if json_out:
        sys.stdout.write(json.dumps(verdict.model_dump(mode="json")) + "\n")
    else:
        from rich.console import Console

        from aigchip.console import show_verdict

        show_verdict(verdict, Console())
    if verdict.status is Status.PASS:
        raise typer.Exit(EXIT_PASS)
    raise typer.Exit(EXIT_USAGE if verdict.status is Status.TOOL_ERROR else EXIT_FAIL)


@app.command()
def tools(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show which HDL tools are installed and their versions."""
    from aigchip.sim.tools import INSTALL_HINTS, toolchain

    report = toolchain()
    if json_out:
        sys.stdout.write(json.dumps(report) + "\n")
        return
    for name, version in report.items():
        hint = f"   ({INSTALL_HINTS.get(name, '')})" if version == "missing" else ""
        typer.echo(f"{name:10} {version}{hint}")


@app.command()
def generate(
    spec: Annotated[Optional[str], typer.Argument(help="The spec: a sentence, a text file, or a task folder (task.json).")] = None,
    spec_file: Annotated[Optional[Path], typer.Option(help="Read the spec from this file.", **ExistingFile)] = None,
    top: Annotated[Optional[str], typer.Option(help="Name of the top module to generate.")] = None,
    interface: Annotated[Optional[Path], typer.Option(help="Verilog file with the top module's header.", **ExistingFile)] = None,
    tb: Annotated[Optional[list[Path]], typer.Option(help="Verilog testbench that decides pass/fail.", **ExistingFile)] = None,
    tests: Annotated[Optional[Path], typer.Option(help="cocotb test module that decides pass/fail.", **ExistingFile)] = None,
    ref: Annotated[Optional[Path], typer.Option(help="Reference design the testbench instantiates.", **ExistingFile)] = None,
    model: Annotated[Optional[str], typer.Option(help="Endpoint model name, or offline / manual / replay.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, ...).")] = None,
    api_key_env: Annotated[Optional[str], typer.Option(help="Environment variable holding the API key.")] = None,
    replay: Annotated[Optional[Path], typer.Option(help="session.jsonl to replay replies from.", **ExistingFile)] = None,
    max_iters: Annotated[Optional[int], typer.Option(help="Self-correction rounds at most.", min=1)] = None,
    samples: Annotated[Optional[int], typer.Option(help="Candidates per round, checked in parallel.", min=1)] = None,
    demos: Annotated[Optional[int], typer.Option(help="Demonstrations in the prompt.", min=0)] = None,
    corpus: Annotated[Optional[Path], typer.Option(help="Corpus JSONL to pick demonstrations from.", **ExistingFile)] = None,
    feedback: Annotated[Optional[str], typer.Option(help="golden | self | lint | none.")] = None,
    sim: Annotated[Optional[Simulator], typer.Option(help="Simulator.")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Sampling seed, where the endpoint supports it.")] = None,
    budget_tokens: Annotated[Optional[int], typer.Option(help="Stop once this many tokens are spent.")] = None,
    budget_usd: Annotated[Optional[float], typer.Option(help="Stop once this many dollars are spent.")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Write design, tests, session.jsonl and meta.json here.", file_okay=False)] = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="aigchip.toml with defaults.", **ExistingFile)] = None,
    cache: Annotated[bool, typer.Option(help="Reuse cached model replies and verdicts.")] = True,
    learn: Annotated[bool, typer.Option("--learn", help="When the design passes, add it to your corpus (--learn-corpus) for later demonstrations.")] = False,
    learn_corpus: Annotated[Optional[Path], typer.Option(help="Corpus JSONL --learn appends to (implies --learn; default $AIGCHIP_CORPUS, else ~/.local/share/aigchip/corpus.jsonl).", dir_okay=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Generate RTL from a spec, check it, and correct it from what the tools say. Exit 0 pass, 1 fail, 2 error."""
    from aigchip.config import load_config
    from aigchip.generate import generate as run_generate
    from aigchip.models import ModelError
    from aigchip.task import from_folder, from_text

    flags = dict(model=model, base_url=base_url, api_key_env=api_key_env, replay=replay, max_iters=max_iters,
                 samples=samples, demos=demos, corpus=corpus, feedback=feedback, simulator=sim.value if sim else None,
                 temperature=temperature, seed=seed, budget_tokens=budget_tokens, budget_usd=budget_usd,
                 cache=None if cache else False)
    try:
        config = load_config(flags, config_file=config_file)
        if spec and Path(spec).is_dir():
            task = from_folder(Path(spec))
            task = task.model_copy(update={k: v for k, v in (("top", top),) if v})
        else:
            text = _spec_text(spec, spec_file)
            header = interface.read_text(errors="replace") if interface else ""
            task = from_text(text, top=top, interface=header, testbench=tuple(tb or ()), tests=tests, reference=ref)
    except ValueError as exc:
        raise _usage(str(exc).splitlines()[0] if "validation error" not in str(exc) else str(exc)) from None
    try:
        if learn or learn_corpus:
            from aigchip.corpus.learn import default_corpus

            learn_corpus = learn_corpus or default_corpus()
        outcome, _, summary = run_generate(task, config, out_dir=out, learn=learn_corpus)
    except ModelError as exc:
        raise _usage(f"model error: {exc}") from None
    if json_out:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        from rich.console import Console

        from aigchip.console import show_outcome

        show_outcome(outcome, summary, Console(), out_dir=out)
        if summary.get("learned"):
            learned = summary["learned"]
            typer.echo(f"learn: {'added ' + learned['id'] + ' to' if learned['added'] else 'already in'} "
                       f"{learned['corpus']}{'; ' + learned['message'] if learned['message'] else ''}", err=True)
    if summary["status"] == "pass":
        raise typer.Exit(EXIT_PASS)
    raise typer.Exit(EXIT_USAGE if summary["status"] == "tool_error" else EXIT_FAIL)


def _spec_text(spec: str | None, spec_file: Path | None) -> str:
    if spec_file is not None:
        return spec_file.read_text(encoding="utf-8", errors="replace")
    if spec is None or not spec.strip():
        raise ValueError("give a spec: a sentence, a file, a task folder, or --spec-file")
    if len(spec) < 4096 and Path(spec).is_file():
        return Path(spec).read_text(encoding="utf-8", errors="replace")
    return spec


class Grain(str, Enum):
    high_level = "high_level"
    detailed = "detailed"
    block = "block"


@app.command()
def demos(
    spec: Annotated[str, typer.Argument(help="The spec's text, or a path to a text file holding it.")],
    corpus: Annotated[Optional[Path], typer.Option(help="Corpus JSONL, or a demo-library folder (default: the bundled library).", exists=True)] = None,
    k: Annotated[int, typer.Option("-k", "--k", help="How many demonstrations at most.", min=1)] = 3,
    grain: Annotated[Optional[Grain], typer.Option(help="Grain to match and show (default: inferred from the spec).")] = None,
    budget: Annotated[int, typer.Option(help="Token budget for the demonstrations (estimated as characters / 4).", min=1)] = 3000,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Show which demonstrations a spec would get, and why (the matched terms). Exit 0, or 2 on a usage error."""
    from aigchip import demos as picker
    from aigchip.corpus import schema

    text = spec
    try:
        if len(spec) < 4096 and "\n" not in spec and Path(spec).is_file():
            text = Path(spec).read_text(encoding="utf-8", errors="replace")
    except OSError:
        pass  # not a readable path: the spec's own text
    if not text.strip():
        raise _usage("the spec is empty")
    folder = corpus if corpus is None or corpus.is_dir() else None
    index = None
    try:
        if corpus is None or folder is not None:
            folder = folder or picker.library_dir()
            if not folder.is_dir():
                raise _usage(f"no demo library at {folder}; pass --corpus or set AIGCHIP_DEMOS_DIR")
            entries, problems = schema.load_demo_library_checked(folder)
        else:
            entries, problems, index = picker.load_corpus(corpus)  # with its persisted index, if any
    except OSError as exc:
        raise _usage(f"cannot read the corpus: {exc}") from None
    for problem in problems:
        typer.echo(f"aigchip: skipped: {problem.render()}", err=True)
    if not entries:
        raise _usage("the corpus has no usable entries")
    used = grain.value if grain else picker.spec_grain(text)
    chosen = picker.select(text, entries, k=k, token_budget=budget, grain=used, index=index)
    if json_out:
        rows = [d.model_dump(include={"id", "top", "score", "grain", "why"}) for d in chosen]
        sys.stdout.write(json.dumps({"spec_grain": used, "demos": rows}) + "\n")
        return
    typer.echo(f"spec grain: {used}{'' if grain else ' (inferred)'}; {len(entries)} entries searched")
    if not chosen:
        typer.echo("no demonstration matches this spec")
    for rank, demo in enumerate(chosen, 1):
        typer.echo(f"{rank}. {demo.id}  top={demo.top}  score={demo.score:.3f}  grain={demo.grain}")
        typer.echo(f"   why: {demo.why}")


class Feedback(str, Enum):
    none = "none"
    lint = "lint"
    self_ = "self"
    golden = "golden"


def _ks(text: str) -> list[int]:
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise _usage(f"-k takes whole numbers separated by commas (like 1,5,10), not {text!r}") from None
    if not ks or ks[0] < 1:
        raise _usage(f"-k needs numbers of at least 1, not {text!r}")
    return ks


def _eval_progress(record: dict, done: int, total: int) -> None:
    extra = f": {record['message'][:120]}" if record.get("stopped") in ("model_error", "crash") else ""
    typer.echo(f"[{done}/{total}] {record['task']} s{record['sample']}: {record['status']} "
               f"({record['iterations']} iter, {record['duration_s']:.1f} s){extra}", err=True)


@app.command("eval")
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
    out: Annotated[Optional[Path], typer.Option(help="Output folder (default: runs/eval-<bench>-<model>-<time>).", file_okay=False)] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out: finished samples are not run again.")] = False,
    demos: Annotated[Optional[int], typer.Option(help="Demonstrations in each prompt.", min=0)] = None,
    sim: Annotated[Optional[Simulator], typer.Option(help="Simulator.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Sampling seed (sample i asks with seed + i), where the endpoint supports it.")] = None,
    temperature: Annotated[Optional[float], typer.Option(help="Sampling temperature.")] = None,
    lint: Annotated[Optional[bool], typer.Option("--lint/--no-lint", help="Lint with Verilator when installed.")] = None,
    cache: Annotated[bool, typer.Option(help="Reuse cached model replies and verdicts.")] = True,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="aigchip.toml with defaults.", **ExistingFile)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object and nothing else on stdout.")] = False,
    executor: Annotated[str, typer.Option(help="Where the checks run: local (threads in this process) or ray (Ray tasks; needs the ray extra, and for a multi-machine cluster the benchmark folder on a shared filesystem).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(help="Ray cluster to join with --executor ray (like ray://head:10001 or auto); default: a Ray instance on this machine.")] = None,
) -> None:
    """Evaluate a model on a benchmark: pass@k, statuses, pass rate per iteration, spend. Exit 0 when the run
    completed (whatever the pass rate), 2 on a usage or tool error."""
    import time as clock

    from aigchip.bench.adapters import BenchmarkError, load
    from aigchip.bench.results import ResultsWriteError
    from aigchip.bench.runner import EvalError, run_eval
    from aigchip.config import load_config
    from aigchip.models import ModelError

    ks = _ks(k)
    if resume and out is None:
        raise _usage("--resume continues a run: name its folder with --out")
    if executor not in ("local", "ray"):
        raise _usage(f"--executor must be local or ray, not {executor!r}")
    flags = dict(model=model, base_url=base_url, api_key_env=api_key_env, max_iters=max_iters, demos=demos,
                 feedback=feedback.value if feedback else None, simulator=sim.value if sim else None, seed=seed,
                 temperature=temperature, lint=lint, jobs=jobs, cache=None if cache else False)
    try:
        config = load_config(flags, config_file=config_file)
        benchmark = load(bench_dir)
    except (BenchmarkError, ValueError) as exc:
        text = str(exc)
        raise _usage(text if isinstance(exc, BenchmarkError) or "validation error" in text else text.splitlines()[0]) from None
    out = out or Path("runs") / f"eval-{benchmark.name}-{Path(config.model).name}-{clock.strftime('%Y%m%d-%H%M%S')}"
    try:
        summary = run_eval(benchmark, config, samples=samples, ks=ks, out_dir=out, concurrency=concurrency, jobs=jobs,
                           resume=resume, task_glob=tasks, progress=_eval_progress, executor=executor,
                           ray_address=ray_address)
    except (EvalError, ResultsWriteError, ValueError) as exc:
        raise _usage(str(exc)) from None
    except ModelError as exc:
        raise _usage(f"model error: {exc}") from None
    except OSError as exc:
        raise _usage(f"cannot write the run's files in {out}: {exc}") from None
    if json_out:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        _show_eval(summary, out)
    counts = summary["samples"]
    if counts["model_errors"] and counts["model_errors"] == counts["finished"]:
        typer.echo("aigchip: every sample failed to get a reply from the model (see the messages above); "
                   "rerun with --resume once the endpoint answers", err=True)
        raise typer.Exit(EXIT_USAGE)


def _show_eval(summary: dict, out: Path) -> None:
    pass_at = "  ".join(f"pass@{key} {100 * value:.1f}%" for key, value in summary["pass_at_k"].items()) or "-"
    by_iter = "  ".join(f"{key}: {100 * value:.1f}%" for key, value in summary["pass_rate_by_iteration"].items())
    statuses = ", ".join(f"{status} {count}" for status, count in summary["status_counts"].items())
    tokens = summary["tokens"]
    cost = f", ${tokens['cost_usd']:.4f}" if tokens.get("cost_usd") is not None else ""
    no_llm = "" if summary.get("llm_used", True) else " (no LLM)"
    typer.echo(f"{summary['benchmark']}: {summary['tasks']} tasks x {summary['samples_per_task']} samples, "
               f"model {summary['model']}{no_llm}, feedback {summary['feedback']}")
    typer.echo(f"  {pass_at}")
    typer.echo(f"  statuses: {statuses}")
    typer.echo(f"  pass rate after iteration  {by_iter}")
    typer.echo(f"  tokens {tokens['total']}{cost}, wall time {summary['wall_time_s']:.1f} s")
    for failure in summary["reference_failures"]:
        typer.echo(f"  reference fails (a benchmark problem): {failure['task']}: {failure['message']}")
    for skipped in summary["skipped"]:
        typer.echo(f"  skipped {skipped['task']}: {skipped['reason']}")
    typer.echo(f"  results: {out}/summary.json, results.jsonl, report.md, report.html")


# --- aigchip bench: how strong are a benchmark task's tests? (mutation testing) ----------------------------------

bench_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Measure benchmark tasks themselves.")
app.add_typer(bench_app, name="bench")


def _bench_task_dirs(paths: list[Path]) -> list[Path]:
    """Task folders: each path itself, or for a folder without task.json, the task folders directly inside it."""
    found: list[Path] = []
    for path in paths:
        inner = sorted(p for p in path.iterdir() if (p / "task.json").is_file()) if path.is_dir() else []
        found += [path] if (path / "task.json").is_file() or not inner else inner
    return found


def _bench_number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _bench_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "(removed)"


def _bench_markdown(scores: list, min_score: float) -> str:
    lines = [f"# Mutation scores (pass: adjusted score >= {min_score})", "",
             "| task | status | mutants | killed | survived | stillborn | score | adjusted |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    lines += [f"| {s.task} | {s.status} | {s.mutants} | {s.killed} | {s.survived} | {s.stillborn} | "
              f"{_bench_number(s.score)} | {_bench_number(s.adjusted_score)} |" for s in scores]
    for s in scores:
        if s.detail:
            lines += ["", f"## {s.task}", "", s.detail]
        if s.survivors:
            lines += ["", f"## {s.task}: survivors (equivalent, or a gap in the tests?)", "",
                      "| mutant | line | source line | original | mutated to | equivalent (notes.md) |",
                      "|---|--:|---|---|---|---|"]
            lines += [f"| `{r.id}` | {r.line} | `{_bench_cell(r.source_line)}` | `{_bench_cell(r.original)}` | "
                      f"`{_bench_cell(r.replacement)}` | {_bench_cell(r.equivalent) if r.equivalent is not None else ''} |"
                      for r in s.survivors]
    return "\n".join(lines) + "\n"


@bench_app.command("mutate")
def bench_mutate(
    task_dirs: Annotated[list[Path], typer.Argument(help="Task folders (task.json with a solution), or folders of them.",
                                                    exists=True, file_okay=False)],
    limit: Annotated[int, typer.Option(help="Mutants per task at most, spread over the operator classes.", min=1)] = 30,
    jobs: Annotated[int, typer.Option(help="Mutants checked in parallel.", min=1)] = 2,
    sim: Annotated[Simulator, typer.Option(help="Simulator.")] = Simulator.icarus,
    min_score: Annotated[float, typer.Option(help="Exit 1 when a task's adjusted score is below this.", min=0, max=1)] = 0.9,
    seed: Annotated[int, typer.Option(help="Which mutants are picked when there are more than --limit.")] = 0,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit per simulation, seconds.", min=0.1)] = 60.0,
    report: Annotated[Optional[Path], typer.Option(help="Write a Markdown report (table and survivors) here.", dir_okay=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Mutate each task's solution and run the task's tests on the mutants: the share killed is the score.
    Exit 0 all tasks reach --min-score, 1 some do not (or the solution fails its tests), 2 usage/tool error."""
    from aigchip.bench.mutate import TaskScore, score_task

    scores: list[TaskScore] = []
    for folder in _bench_task_dirs(task_dirs):
        if not json_out:
            typer.echo(f"aigchip: mutating {folder} ...", err=True)
        try:
            scores.append(score_task(folder, limit=limit, jobs=jobs, simulator=sim.value, timeout=timeout, seed=seed))
        except ValueError as exc:
            scores.append(TaskScore(task=folder.name, path=str(folder), status="error", detail=str(exc).splitlines()[0]))

    def good(s: TaskScore) -> bool:
        return s.status == "ok" and s.adjusted_score is not None and s.adjusted_score >= min_score

    if report is not None:
        report.write_text(_bench_markdown(scores, min_score), encoding="utf-8")
    if json_out:
        sys.stdout.write(json.dumps({"min_score": min_score, "ok": all(map(good, scores)),
                                     "tasks": [s.model_dump(mode="json") for s in scores]}) + "\n")
    else:
        typer.echo(f"{'task':28} {'status':15} {'mutants':>7} {'killed':>6} {'survived':>8} {'stillborn':>9} "
                   f"{'score':>6} {'adjusted':>8} {'time':>7}")
        for s in scores:
            typer.echo(f"{s.task[:28]:28} {s.status:15} {s.mutants:7} {s.killed:6} {s.survived:8} {s.stillborn:9} "
                       f"{_bench_number(s.score):>6} {_bench_number(s.adjusted_score):>8} {s.duration_s:6.1f}s")
        for s in scores:
            if s.detail:
                typer.echo(f"{s.task}: {s.detail}")
            for r in s.survivors:
                note = f"  [equivalent: {r.equivalent}]" if r.equivalent is not None else ""
                typer.echo(f"{s.task}: survived {r.id} (line {r.line}): {_bench_cell(r.original)} -> "
                           f"{_bench_cell(r.replacement)}{note}")
    if any(s.status in ("error", "tool_error") for s in scores):
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_PASS if all(map(good, scores)) else EXIT_FAIL)


@app.command()
def regress(
    directory: Annotated[Path, typer.Argument(help="Folder holding design folders written by `generate --out` (searched recursively).")],
    junit: Annotated[Optional[Path], typer.Option(help="Write a JUnit XML report here (one testcase per design folder).", dir_okay=False)] = None,
    sim: Annotated[Optional[Simulator], typer.Option(help="Simulator (default: the one each design was recorded with).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Re-check generated designs with the checks they recorded. Exit 1 on any regression (recorded pass, now
    failing), 2 when a check could not run or no design folder was found, else 0."""
    from aigchip.regress import RegressError, junit_xml, regress as run_regress

    try:
        report = run_regress(directory, simulator=sim.value if sim else None, jobs=2)
    except RegressError as exc:
        raise _usage(str(exc)) from None
    if junit is not None:
        try:
            junit.parent.mkdir(parents=True, exist_ok=True)
            junit.write_text(junit_xml(report), encoding="utf-8")
        except OSError as exc:
            raise _usage(f"cannot write {junit}: {exc}") from None
    for problem in report.problems:
        typer.echo(f"aigchip: {problem}", err=True)
    if not report.results:
        typer.echo(f"aigchip: no design folder (a meta.json with top and files) below {directory}", err=True)
    if json_out:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
    else:
        _show_regress(report)
    raise typer.Exit(report.exit_code())


def _show_regress(report) -> None:
    labels = {"pass": "pass", "regression": "REGRESSION", "fixed": "fixed", "known_failure": "known failure",
              "error": "ERROR"}
    for result in report.results:
        was = "" if result.outcome == "pass" else f"  (recorded {result.recorded})"
        typer.echo(f"{labels[result.outcome]:14} {result.dir}: {result.summary}{was}")
    counts = {o: len(report.dirs(o)) for o in labels}
    typer.echo(f"{len(report.results)} designs: {counts['regression']} regressions, {counts['fixed']} fixed, "
               f"{counts['known_failure']} known failures, {counts['error']} not checked")


dataset_app = typer.Typer(add_completion=False, no_args_is_help=True,
                          help="The multi-grained Verilog corpus: import, build (annotate), stats, export, index.")
app.add_typer(dataset_app, name="dataset")


class ExportFormat(str, Enum):
    chat = "chat"
    alpaca = "alpaca"


def _dataset_report(summary: dict, lines: list[str], json_out: bool) -> None:
    """The summary as JSON on stdout, or lines for a person (problems on stderr)."""
    from aigchip.corpus.report import show_problems

    if json_out:
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    show_problems(summary.get("problem_list", []), lambda text: typer.echo(f"aigchip: {text}", err=True))
    for line in lines:
        typer.echo(line)


@dataset_app.command("import")
def dataset_import(
    sources: Annotated[list[Path], typer.Argument(help="MG-Verilog rows (JSONL, parquet, a save_to_disk folder) or corpus JSONL.", exists=True)],
    out: Annotated[Path, typer.Option(help="The corpus JSONL to write (replaced).", dir_okay=False)],
    compile_check: Annotated[bool, typer.Option("--compile/--no-compile", help="Keep only entries iverilog compiles.")] = True,
    jobs: Annotated[int, typer.Option(help="Compile checks at once.", min=1)] = 4,
    source: Annotated[str, typer.Option(help="The entries' `source` field.")] = "MG-Verilog",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Import described designs into a corpus; every skipped row is named (file:line) and counted.
    Exit 0, 1 when nothing could be imported, 2 on a usage or tool error."""
    from aigchip.corpus.importer import run_import
    from aigchip.corpus.report import MissingExtra, describe_import
    from aigchip.sim.tools import ToolMissing

    try:
        result = run_import(sources, out, compile=compile_check, jobs=jobs, source=source)
    except (MissingExtra, ToolMissing) as exc:
        raise _usage(str(exc)) from None
    summary = result.summary(out)
    _dataset_report(summary, describe_import(summary), json_out)
    raise typer.Exit(EXIT_PASS if result.entries else EXIT_FAIL)


@dataset_app.command("build")
def dataset_build(
    sources: Annotated[list[Path], typer.Argument(help="Verilog files or folders.", exists=True)],
    out: Annotated[Path, typer.Option(help="The corpus JSONL to append to (ids already there are skipped).", dir_okay=False)],
    model: Annotated[Optional[str], typer.Option(help="Endpoint model name (or manual / replay).")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, ...).")] = None,
    api_key_env: Annotated[Optional[str], typer.Option(help="Environment variable holding the API key.")] = None,
    replay: Annotated[Optional[Path], typer.Option(help="session.jsonl to replay replies from.", **ExistingFile)] = None,
    concurrency: Annotated[int, typer.Option(help="Modules annotated at once.", min=1)] = 4,
    jobs: Annotated[int, typer.Option(help="Compile checks at once.", min=1)] = 4,
    validate: Annotated[bool, typer.Option(help="Have the model rewrite each module from its detailed summary; record whether that compiles.")] = False,
    compile_check: Annotated[bool, typer.Option("--compile/--no-compile", help="Keep only modules iverilog compiles.")] = True,
    source: Annotated[Optional[str], typer.Option(help="The entries' `source` field (default: each input's name).")] = None,
    licence: Annotated[str, typer.Option(help="The entries' `licence` field.")] = "",
    cache: Annotated[bool, typer.Option(help="Reuse cached model replies.")] = True,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="aigchip.toml with defaults.", **ExistingFile)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Annotate raw Verilog at three grains with a model (resumable). Exit 0, 1 when nothing was annotated,
    2 on a usage, tool or model error."""
    from aigchip.config import load_config
    from aigchip.corpus.build import BuildOptions, build
    from aigchip.corpus.report import describe_build
    from aigchip.generate import make_model
    from aigchip.models import ModelError
    from aigchip.task import Task
    from aigchip.sim.tools import ToolMissing

    flags = dict(model=model, base_url=base_url, api_key_env=api_key_env, replay=replay, cache=None if cache else False)
    try:
        config = load_config(flags, config_file=config_file)
        if config.model == "offline":
            raise ValueError("dataset build needs a model to write descriptions: pass --model NAME --base-url URL "
                             "(any OpenAI-compatible server) or set OPENAI_API_KEY")
        task = Task(id="dataset-build", top="annotate", spec={"detailed": "annotate Verilog"})
        writer = make_model(config, task, out_dir=out.parent)
    except (ValueError, ModelError) as exc:
        raise _usage(str(exc)) from None
    options = BuildOptions(concurrency=1 if config.model == "manual" else concurrency, jobs=jobs, validate=validate,
                           compile=compile_check, source=source, licence=licence, progress=sys.stderr.isatty())
    try:
        result = build(sources, out, writer, options)
    except ToolMissing as exc:
        raise _usage(str(exc)) from None
    summary = result.summary(out)
    _dataset_report(summary, describe_build(summary), json_out)
    if result.stopped:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_PASS if result.written or summary.get("already_done") else EXIT_FAIL)


def _dataset_load(corpus: Path) -> tuple[list, list]:
    from aigchip.corpus import schema

    try:
        if corpus.is_dir():
            return schema.load_demo_library_checked(corpus)
        return schema.load_jsonl(corpus)
    except OSError as exc:
        raise _usage(f"cannot read the corpus: {exc}") from None


@dataset_app.command("stats")
def dataset_stats(
    corpus: Annotated[Path, typer.Argument(help="Corpus JSONL, or a demo-library folder.", exists=True)],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """What a corpus holds: entries, descriptions per grain, sources, tags, checks, skipped lines."""
    from aigchip.corpus.stats import render, stats

    entries, problems = _dataset_load(corpus)
    found = stats(entries, problems, corpus=corpus)
    _dataset_report(found, render(found), json_out)


@dataset_app.command("export")
def dataset_export(
    corpus: Annotated[Path, typer.Argument(help="Corpus JSONL, or a demo-library folder.", exists=True)],
    out: Annotated[Path, typer.Option(help="Folder for train.jsonl, val.jsonl and export.json.", file_okay=False)],
    format_: Annotated[ExportFormat, typer.Option("--format", help="chat messages or alpaca instruction/input/output.")] = ExportFormat.chat,
    val: Annotated[float, typer.Option(help="Share of designs held out for validation (split by design).", min=0.0, max=0.99)] = 0.0,
    grains: Annotated[str, typer.Option(help="Grains to export, comma-separated; each design appears once per grain.")] = "high_level,detailed,block",
    decontaminate: Annotated[Optional[list[Path]], typer.Option(help="Benchmark folder whose tasks must not leak into the data (repeat for several).", exists=True, file_okay=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed for the split and the shuffle.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Fine-tuning data from a corpus, balanced across grains, split by design, decontaminated."""
    from aigchip.corpus.export import export
    from aigchip.corpus.report import Tally, describe_export

    entries, problems = _dataset_load(corpus)
    tally = Tally()
    tally.add(*problems)
    chosen = tuple(g.strip() for g in grains.split(",") if g.strip())
    try:
        summary = export(entries, out, fmt=format_.value, val=val, grains=chosen, benches=decontaminate or [],
                         seed=seed, tally=tally)
    except ValueError as exc:
        raise _usage(str(exc)) from None
    _dataset_report(summary, describe_export(summary), json_out)
    raise typer.Exit(EXIT_PASS if summary["examples"]["train"] or summary["examples"]["val"] else EXIT_FAIL)


@dataset_app.command("index")
def dataset_index(
    corpus: Annotated[Path, typer.Argument(help="Corpus JSONL.", exists=True, dir_okay=False)],
    embeddings: Annotated[bool, typer.Option(help="Also embed every grain (needs the embeddings extra, which pulls PyTorch).")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Build the corpus's BM25 index (per grain) beside it, as CORPUS.index.json; demos use it from then on."""
    import time

    from aigchip.corpus import index as corpus_index
    from aigchip.corpus.report import MissingExtra

    entries, problems = _dataset_load(corpus)
    started = time.perf_counter()
    path = corpus_index.write_index(corpus, entries)
    found = {"corpus": str(corpus), "index": str(path), "entries": len(entries), "problems": len(problems),
             "problem_list": [p.render() for p in problems], "seconds": round(time.perf_counter() - started, 3),
             "bytes": path.stat().st_size, "embeddings": None}
    if embeddings:
        from aigchip.corpus import embeddings as dense

        try:
            found["embeddings"] = str(dense.build(corpus, entries))
        except MissingExtra as exc:
            raise _usage(str(exc)) from None
    lines = [f"indexed {len(entries)} entries in {found['seconds']} s: {path} ({found['bytes']} bytes)"]
    if found["embeddings"]:
        lines.append(f"embeddings: {found['embeddings']}")
    _dataset_report(found, lines, json_out)


def _register_chat() -> None:
    from aigchip.chat.commands import register

    register(app)


_register_chat()


def main() -> None:
    """Entry point: no traceback ever reaches the user."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("aigchip: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug in aigchip: say so plainly
        typer.echo(f"aigchip: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
