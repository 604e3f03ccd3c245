"""`aigchip eval`: every task of a benchmark, `samples` times each, through the agent loop.

Samples run in a thread pool. Their model calls go through one semaphore, `concurrency` at a time (the
model call is the slow part and waits on the network), and their checks meet in bench/gather.py, `jobs`
calls at a time (the simulators are the CPU-bound part), where the checks of one task's samples go
together to one verify_many call, which lets them share a simulation. The pool holds twice `concurrency` samples, so while some
wait for their checks the others keep the endpoint busy. Each sample is one `generate` call with its own
transcript under transcripts/<task>/s<sample>/ and its own sample index, which numbers its seed and its
reply-cache entries. Finished samples go to results.jsonl at once; --resume skips them. `--model
reference` checks each task's own solution instead: a harness and benchmark check with no model.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from pathlib import Path
from typing import Any, Callable, Generator, Iterable

from aigchip.bench import durations, estimate, flows, run_model, stream
from aigchip.bench import preflight as checks
from aigchip.bench import results as files
from aigchip.bench.sampler import Check, ModelFactory, Sampler
from aigchip.bench.summary import summarize
from aigchip.config import RunConfig
from aigchip.task import Task

Progress = Callable[[dict[str, Any], int, int], None]  # (record, samples finished, samples in all)
PREFLIGHT = "preflight.json"
IDENTITY = "run_identity.json"  # written first: what a resumed run must match
EXECUTORS = ("local", "ray")


class EvalError(ValueError):
    """The evaluation cannot start as asked (no tasks match, a bad k, a resume into another run's folder)."""


def run_eval(benchmark: Any, config: RunConfig, *, samples: int, ks: Iterable[int], out_dir: Path,
             concurrency: int = 8, jobs: int = 2, resume: bool = False, task_glob: str | None = None,
             tags: str | None = None, model_factory: ModelFactory | None = None, check: Check | None = None,
             progress: Progress | None = None, executor: str = "local",
             ray_address: str | None = None, preflight: bool = True,
             notify: Callable[[str], None] | None = None, flow: str = "oneshot",
             grain: str | None = None) -> dict[str, Any]:
    """Run the evaluation into `out_dir` and return the summary (also written as summary.json).

    `model_factory(task, sample)` replaces the model the config names; `check` replaces sim.verify_many.
    `executor="ray"` runs the checks as Ray tasks (agent.bench.ray_executor) on the cluster at `ray_address`
    (default: a Ray instance on this machine); "local" runs them in this process. `preflight` checks every
    task's reference first (bench.preflight; always on with `--model reference`); `notify` gets a line
    for each thing a person should know before the samples start (a task moved to the other simulator,
    a task left out). `flow` and `grain`: see bench.flows (one reply per design, or the accelerator flow;
    only one grain of each task's spec shown)."""
    threading.Thread(target=_probe_tools, name="aigchip-toolchain", daemon=True).start()
    reference = config.model == "reference"
    samples = 1 if reference else samples  # a reference answers the same every time
    ks = sorted(set(ks))
    _check_arguments(samples, ks, concurrency, jobs, config)
    try:
        flows.check_choice(flow, grain, config.model)
    except ValueError as exc:
        raise EvalError(str(exc)) from None
    if executor not in EXECUTORS:
        raise EvalError(f"--executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    if executor == "ray" and check is None:
        from aigchip.bench.ray_executor import RayUnavailable, make_ray_check

        try:
            check = make_ray_check(ray_address, jobs)  # a missing ray stops the run here, before any file
        except RayUnavailable as exc:
            raise EvalError(str(exc)) from None
    chosen, without_grain = flows.at_grain(select_tasks(list(benchmark.tasks), task_glob, tags), grain)
    if not chosen:
        raise EvalError(f"no selected task has a spec at grain {grain}: {without_grain[0]['reason']}")
    runnable, skipped = _split_runnable(chosen, reference)
    skipped += without_grain
    identity = run_identity(benchmark, config) | ({"flow": flow} if flow != "oneshot" else {}) | \
        ({"grain": grain} if grain else {})
    out_dir = Path(out_dir)
    _prepare_folder(out_dir, identity, resume)
    started = time.monotonic()
    models = run_model.begin(config, runnable, given=model_factory)  # an endpoint's client builds meanwhile
    preflight = preflight or reference
    fed = stream.model_now(models, runnable) if preflight and not reference and executor == "local" and check is None \
        else None  # samples start as their own task's reference passes (bench/stream.py)
    if fed is not None:
        context = dict(benchmark=benchmark, config=config, samples=samples, ks=ks, tasks=runnable, skipped=skipped,
                       identity=identity, concurrency=concurrency, jobs=jobs, preflight_enabled=True, flow=flow,
                       grain=grain)
        found, records, results, previously = stream.run(
            runnable, samples=samples, jobs=jobs, concurrency=concurrency, out_dir=out_dir, resume=resume,
            sampler_for=lambda found: Sampler(config, out_dir, jobs=jobs, concurrency=concurrency, check=None,
                                               preflight=found, flow=flow, resume=resume, model_factory=fed),
            names=(IDENTITY, PREFLIGHT),
            preflight=lambda told: _preflight(runnable, config, jobs, None, notify, benchmark.name, told=told),
            summary=lambda records, found, timed: _summary(records, executor, **context, preflight=found, complete=False,
                                                           wall_s=time.monotonic() - started if timed else 0.0),
            run_all=lambda sampler, results, records, **kw: _run_all([], sampler, results, records, progress, **kw))
        return _finish(out_dir, records, executor, context | {"preflight": found}, started, results, previously)
    found = _preflight(runnable, config, jobs, check, notify, benchmark.name) if preflight else \
        {t.id: {"state": checks.UNCHECKED, "simulator": config.simulator, "status": None, "message": "", "tried": {}}
         for t in runnable}
    sound = [t for t in runnable if found[t.id]["state"] != checks.UNSOUND]
    context = dict(benchmark=benchmark, config=config, samples=samples, ks=ks, tasks=runnable, skipped=skipped,
                   identity=identity, concurrency=concurrency, jobs=jobs, preflight=found,
                   preflight_enabled=preflight, flow=flow, grain=grain)
    with files.ResultsFile(out_dir / files.RESULTS, resume=resume) as results:
        done = {files.sample_key(r) for r in results.finished}
        records = [r for r in results.finished if r["task"] in {t.id for t in sound}]
        previously = len(records)
        partial = _summary(records, executor, **context, wall_s=0.0, complete=False)
        files.write_files(out_dir, {PREFLIGHT: files.json_text(found), files.SUMMARY: files.json_text(partial)},
                          also_sync=[IDENTITY])  # one wait for the disk before the first sample starts
        todo = [(t, s) for t in sound for s in range(samples) if (t.id, s) not in done]
        seconds = {task: f["seconds"] for task, f in found.items() if f.get("seconds") is not None}
        todo = durations.longest_first(todo, seconds, lambda item: item[0].id,  # no long check left for last
                                       estimate.weights(sound, seconds))
        sampler = Sampler(config, out_dir, jobs=jobs, concurrency=concurrency, check=check, preflight=found, flow=flow,
                           resume=resume, share=executor == "local",
                           model_factory=models([t for t, _ in todo]))
        try:
            _run_all(todo, sampler, results, records, progress, expected=len(sound) * samples)
        except BaseException:
            partial = _summary(records, executor, **context, wall_s=time.monotonic() - started, complete=False)
            _write_quietly(out_dir / files.SUMMARY, partial)
            raise
    return _finish(out_dir, records, executor, context, started, results, previously)


def _finish(out_dir: Path, records: list[dict[str, Any]], executor: str, context: dict[str, Any], started: float,
            results: files.ResultsFile, previously: int) -> dict[str, Any]:
    """The closing summary and report pages, written."""
    summary = _summary(records, executor, **context, wall_s=time.monotonic() - started, complete=True,
                       resumed=previously, retried=results.retried, left_out=results.left_out)
    from aigchip.bench import report

    files.write_files(out_dir, {files.SUMMARY: files.json_text(summary), **report.pages(summary)})
    return summary


def _probe_tools() -> None:
    """Ask every tool its version (the summary names them all) while the run sets up and checks, not after:
    on a cold cache each asks a process (yosys, nextpnr, iverilog) that the first summary would wait for.
    The answers are kept per process (sim/tools.py), so a check or the summary asking later finds them."""
    from aigchip.sim import tools

    tools.toolchain()


def _preflight(tasks: list[Task], config: RunConfig, jobs: int, check: Check | None,
               notify: Callable[[str], None] | None, benchmark: str = "", told: Any = None) -> dict[str, dict[str, Any]]:
    """Every task's reference against its own tests, with what a person should know said as it is found."""
    say = notify or (lambda line: None)
    checkable = sum(bool(t.solution) and t.has_golden_tests for t in tasks)
    if checkable:
        say(f"pre-flight: checking {checkable} reference(s) against their own tests under {config.simulator}")
    found = checks.check_references(tasks, config, jobs=jobs, check=check, benchmark=benchmark, told=told)
    for task_id, finding in found.items():
        if finding["state"] == checks.FALLBACK:
            say(f"  {task_id}: checked with {finding['simulator']}: {finding['message']}")
        elif finding["state"] == checks.UNSOUND:
            say(f"  {task_id}: a benchmark problem, left out of pass@k: {finding['message']}")
    if checkable:
        counts = checks.summary_of(found)
        moved = f" ({len(counts['fallbacks'])} with the other simulator)" if counts["fallbacks"] else ""
        say(f"pre-flight: {counts['sound']} of {len(tasks)} task(s) sound{moved}, {counts['unsound']} left out, "
            f"{counts['unchecked']} without a reference to check")
    return found


def _summary(records: list[dict[str, Any]], executor: str, *, flow: str, grain: str | None,
             **context: Any) -> dict[str, Any]:
    """The summary, with where the checks ran (`executor`: local or ray), the flow, and the grain of the spec
    the model saw (None: every grain the task gives)."""
    return summarize(records, **context) | {"executor": executor, "flow": flow, "grain": grain}


def _prepare_folder(out_dir: Path, identity: dict[str, Any], resume: bool) -> None:
    """Refuse a folder holding another run's results; record this run's identity before anything else, so
    even a run killed in its pre-flight says what it was."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if resume:
        _check_same_run(out_dir, identity)
    elif (out_dir / files.RESULTS).is_file() and (out_dir / files.RESULTS).stat().st_size:
        raise EvalError(f"{out_dir} already holds results: pass --resume to continue that run, or use another --out")
    files.write_json(out_dir / IDENTITY, identity, durable=False)  # made durable with the pre-flight's findings,
    # before any result is written: a kill leaves it whole, and a power cut before then leaves no results to resume


def _run_all(todo: list[tuple[Task, int]], sampler: Sampler, results: files.ResultsFile,
             records: list[dict[str, Any]], progress: Progress | None, *, expected: int | Callable[[], int],
             batches: Generator[list[dict[str, Any]], None, None] | None = None) -> None:
    """Every pending sample (or each of `batches`); each finished one is written (durably) before it counts.
    Samples that finish together are written one line each and made durable by one fsync."""
    batch_stream = batches if batches is not None else _batches(todo, sampler)
    try:
        for batch in batch_stream:
            written: list[dict[str, Any]] = []
            try:
                for record in batch:
                    results.append(record, sync=False)
                    written.append(record)
                results.sync()
            finally:  # a failed write rolls the file back to the lines before it, and makes those durable
                for record in written:
                    records.append(record)
                    if progress is not None:
                        progress(record, len(records), expected if isinstance(expected, int) else expected())
    finally:
        batch_stream.close()  # on an error nothing new starts; the samples in flight finish, unrecorded


def _batches(todo: list[tuple[Task, int]], sampler: Sampler) -> Generator[list[dict[str, Any]], None, None]:
    """The records of every sample, a batch at a time: first, at once, those that need no work (a reference
    the pre-flight already judged), then the others as the pool finishes them."""
    ready = [item for item in todo if sampler.ready(item[0])]
    if ready:
        yield [sampler.record(task, sample) for task, sample in ready]  # never in the pool: never submitted
    rest = [item for item in todo if not sampler.ready(item[0])]
    if rest:
        yield from stream.in_pool(rest, sampler.run, 2 * sampler.concurrency, sampler.submitted)


def _check_arguments(samples: int, ks: list[int], concurrency: int, jobs: int, config: RunConfig) -> None:
    if samples < 1 or concurrency < 1 or jobs < 1:
        raise EvalError("samples, --concurrency and --jobs must each be at least 1")
    if not ks or ks[0] < 1:
        raise EvalError(f"every k must be at least 1 (got {ks})")
    if config.model == "manual":
        raise EvalError("--model manual needs a person at every prompt: use it with `aigchip generate`, not eval")


def select_tasks(tasks: list[Task], task_glob: str | None, tags: str | None = None) -> list[Task]:
    """The tasks whose id matches one of the comma-separated globs and that carry one of the comma-separated
    tags (all tasks when neither is given)."""
    if not tasks:
        raise EvalError("the benchmark has no tasks")
    chosen = tasks
    if task_glob:
        patterns = [p.strip() for p in task_glob.split(",") if p.strip()]
        chosen = [t for t in chosen if any(fnmatch.fnmatchcase(t.id, p) for p in patterns)]
        if not chosen:
            some = ", ".join(t.id for t in tasks[:5]) + (", ..." if len(tasks) > 5 else "")
            raise EvalError(f"no task matches --tasks {task_glob!r} (tasks are named like: {some})")
    wanted = {t.strip() for t in (tags or "").split(",") if t.strip()}
    if wanted:
        tagged = [t for t in chosen if wanted & set(t.tags)]
        if not tagged:
            known = sorted({tag for t in chosen for tag in t.tags})
            raise EvalError(f"no task has a tag among --tags {tags!r} (tags there: {', '.join(known) or 'none'})")
        chosen = tagged
    return chosen


def _split_runnable(tasks: list[Task], reference: bool) -> tuple[list[Task], list[dict[str, str]]]:
    if not reference:
        return tasks, []
    runnable = [t for t in tasks if t.solution and t.has_golden_tests]
    skipped = [{"task": t.id, "reason": "no tests to check it with" if t.solution else "no reference solution"}
               for t in tasks if not (t.solution and t.has_golden_tests)]  # (not `t in runnable`: n² model compares)
    return runnable, skipped


def run_identity(benchmark: Any, config: RunConfig) -> dict[str, Any]:
    """What must stay the same for a resumed run's results to belong with the earlier ones."""
    return {"benchmark": benchmark.name, "model": config.model, "base_url": config.base_url,
            "feedback": config.feedback, "max_iters": config.max_iters, "simulator": config.simulator,
            "demos": config.demos, "demo_min_score": config.demo_min_score}


def _check_same_run(out_dir: Path, identity: dict[str, Any]) -> None:
    earlier = files.read_json(out_dir / IDENTITY) or (files.read_json(out_dir / files.SUMMARY) or {}).get("run_identity")
    if earlier is None or earlier == identity:
        return
    differ = ", ".join(f"{k}: {earlier.get(k)!r} then, {v!r} now" for k, v in identity.items() if earlier.get(k) != v)
    if "demo_min_score" not in earlier:
        differ += " (its samples were run before demonstrations had a minimum relevance)"
    raise EvalError(f"{out_dir} holds another run's results ({differ}): resume with the same settings or use "
                    "another --out")


def _write_quietly(path: Path, summary: dict[str, Any]) -> None:
    try:
        files.write_json(path, summary)
    except OSError:
        pass  # the disk may be the very problem; results.jsonl is what counts
