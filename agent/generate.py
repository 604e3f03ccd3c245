"""`aigchip generate`: one task through the loop, written into an output folder that `regress` can re-check.

The folder is a run folder (see aigchip.record): the design files, `checks/`, `session.jsonl` and
`meta.json`.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

from aigchip import demos
from aigchip.config import RunConfig
from aigchip.corpus.index import CorpusIndex
from aigchip.corpus.schema import Entry
from aigchip.loop import Agent, Outcome
from aigchip.models import Model
from aigchip.models.factory import make_model
from aigchip.record import CHECKS, Recorder, copy_checks, run_meta
from aigchip.self_tests import test_file_name
from aigchip.sim.types import Design, Status
from aigchip.task import Task


def generate(task: Task, config: RunConfig, *, out_dir: Path | None, model: Model | None = None,
             sample_index: int = 0, check: Callable[..., list] | None = None,
             learn: Path | None = None, progress: Callable[[str], None] | None = None,
             corpus: Corpus | None = None) -> tuple[Outcome, list, dict]:
    """Run the loop for `task`; returns the outcome, the demos used and the contract's JSON summary.

    `sample_index` numbers this run's samples (eval: one call per sample); `check` replaces
    sim.verify_many (eval: a wrapper that limits how many checks run at once). With `learn` (a corpus
    JSONL), a design that passes is appended to that corpus. `progress` is told what the loop is doing
    ("asking gpt-4o (iteration 1)", "checked iteration 1: mismatch") as it happens. `corpus` is
    `corpus_of(config)` taken once for many calls (eval: once per run); default: taken now."""
    if config.optimize == "latency":  # refused before any model call: the tests must measure the cycles
        from aigchip.optimize import latency_problem

        if problem := latency_problem(task):
            raise ValueError(problem)
    entries, index = corpus if corpus is not None else corpus_of(config)
    chosen = demos.pick_for(task, config, entries, index)
    model = model or make_model(config, task, out_dir=out_dir, demo_entries=entries)
    if progress is not None:
        from aigchip.chat.progress import ProgressRecorder

        recorder: Recorder = ProgressRecorder(out_dir, progress, model.name)
    else:
        recorder = Recorder(out_dir)
    scratch = _scratch() if out_dir is None and config.feedback == "self" else None
    work_dir = (out_dir / CHECKS) if out_dir is not None else scratch
    agent = Agent(model, config, recorder=recorder, work_dir=work_dir, sample_index=sample_index,
                  **({"check": check} if check is not None else {}))
    meta = run_meta(task, config, model=model.name, model_kind=model.kind, llm_used=config.uses_llm,
                    demos=[d.id for d in chosen])
    optimized = None
    try:
        agent.run(task, chosen)
        if config.optimize and agent.outcome.status is Status.PASS and agent.outcome.design is not None:
            from aigchip.optimize import optimize

            optimized = optimize(agent, task, agent.outcome, goal=config.optimize, rounds=config.optimize_rounds,
                                 target=config.optimize_target)
    finally:
        outcome = agent.outcome
        files = recorder.write_design(outcome.design) if outcome.design is not None else []
        checks = copy_checks(task, out_dir) if out_dir is not None else {}
        if outcome.self_tests is not None:
            checks["self_tests"] = f"{CHECKS}/{test_file_name(task.top)}"
        summary = summarize(outcome, model, chosen, files)
        if optimized is not None:
            summary["optimize"] = optimized
        recorder.write_meta({**meta, **summary, "checks": checks,
                             "verdict": outcome.verdict.model_dump(mode="json") if outcome.verdict else None})
        recorder.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    if learn is not None and summary["status"] == "pass" and outcome.design is not None:
        summary["learned"] = learn_design(task, outcome.design, outcome, model, learn)
    return outcome, chosen, summary


Corpus = tuple[Sequence[Entry], CorpusIndex | None]


def corpus_of(config: RunConfig) -> Corpus:
    """The demonstration corpus and its index the loop picks demos from (none when it shows no demos)."""
    return demos.corpus_for(config) if (config.demos or config.model == "offline") else ([], None)


def corpus_once(config: RunConfig) -> Callable[[], Corpus]:
    """`corpus_of(config)`, taken by the first call and returned to every later one: a run's samples pick from
    the library as the run found it, without each re-reading its folder to see whether it changed."""
    taken: list[Corpus] = []
    lock = threading.Lock()

    def corpus() -> Corpus:
        with lock:
            if not taken:
                taken.append(corpus_of(config))
            return taken[0]

    return corpus


def learn_design(task: Task, design: Design, outcome: Outcome, model: Model, corpus: Path) -> dict[str, Any]:
    """Add the passing design to the user's corpus (see agent.corpus.learn)."""
    from aigchip.corpus.learn import learn

    code = "\n".join(text.rstrip("\n") + "\n" for text in design.files.values())
    simulated = task.has_golden_tests or outcome.self_tests is not None
    return learn(code, design.top, task.spec_text(), corpus, model=model, simulated=simulated).model_dump()


def summarize(outcome: Outcome, model: Model, chosen: list, files: list[str]) -> dict[str, Any]:
    """The JSON keys scripts rely on (see DESIGN.md), plus what a person needs to read the result."""
    return {
        "status": str(outcome.status),
        "stopped": outcome.stopped,
        "message": outcome.message,
        "iterations": outcome.iterations,
        "files": files,
        "attempts": [{"iteration": a.iteration, "sample": a.sample, "status": str(a.status),
                      "tokens": a.usage.total_tokens, "cached": a.cached, "summary": a.verdict.summary(),
                      "label": a.verdict.label()}
                     for a in outcome.attempts],
        "model": model.name,
        "llm_used": getattr(model, "kind", "") != "offline",
        "demos": [{"id": d.id, "top": d.top, "score": round(d.score, 3), "grain": d.grain} for d in chosen],
        "tokens": {"prompt": outcome.usage.prompt_tokens, "completion": outcome.usage.completion_tokens,
                   "total": outcome.usage.total_tokens, "cost_usd": outcome.usage.cost_usd,
                   "replies": outcome.replies, "cached_replies": outcome.cached_replies},
        **{key: value for key in ("cost", "equivalence")
           if (value := getattr(outcome.verdict, key, None)) is not None},
    }


def _scratch() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="aigchip-gen-"))
