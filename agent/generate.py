"""`aigchip generate`: one task through the loop, written into an output folder that `regress` can re-check.

The folder holds the design files, `checks/` (the tests used, with the testbench's data files),
`session.jsonl` (every prompt, reply and verdict) and `meta.json` (spec, model, config, final verdict,
tool versions, template hashes).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Callable

from aigchip import config as run_config
from aigchip import prompts
from aigchip.config import RunConfig
from aigchip.loop import Agent, Outcome
from aigchip.models import Model
from aigchip.record import Recorder
from aigchip.task import Task
from aigchip.sim import tools

CHECKS = "checks"


def make_model(config: RunConfig, task: Task, *, out_dir: Path | None, demo_entries: list | None = None) -> Model:
    """The model the config names. Chat models get the on-disk reply cache unless --no-cache."""
    if config.model == "offline":
        from aigchip.offline import OfflineModel

        return OfflineModel(task.spec_text(), task.top, demo_entries or [], exclude_ids={task.id})
    if config.model == "manual":
        from aigchip.local_models import ManualModel

        prompt_file = (out_dir or Path(".")) / "prompt.md"
        return ManualModel(prompt_file, out=sys.stderr, input_stream=sys.stdin)
    if config.model == "replay":
        from aigchip.local_models import ReplayModel

        if config.replay is None:
            raise ValueError("--model replay needs --replay SESSION.jsonl")
        return ReplayModel(config.replay)
    from aigchip.models import ChatModel, ChatSettings
    from aigchip.reply_cache import CachedModel

    settings = ChatSettings(model=config.model, base_url=config.base_url, api_key_env=config.api_key_env,
                            timeout_s=config.timeout_s, max_retries=config.max_retries,
                            temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_tokens,
                            seed=config.seed, stream=config.stream, prices=config.prices)
    return CachedModel(ChatModel(settings), tools.cache_root() / "replies", enabled=config.cache)


def demo_corpus(config: RunConfig) -> tuple[list, Any]:
    """The demonstration entries (--corpus, else the bundled library) and the corpus's persisted index."""
    from aigchip import demos

    if config.corpus is not None and not config.corpus.exists():  # e.g. $AIGCHIP_CORPUS before --learn made it
        print(f"aigchip: no corpus at {config.corpus} yet; using the bundled demo library", file=sys.stderr)
    elif config.corpus is not None:
        loaded = demos.load_corpus(config.corpus)
        for problem in loaded.problems:
            print(f"aigchip: {problem}", file=sys.stderr)
        return loaded.entries, loaded.index
    return demos.bundled_library(), None


def demo_library(config: RunConfig) -> list:
    return demo_corpus(config)[0]


def pick_demos(task: Task, config: RunConfig, entries: list, index: Any = None) -> list:
    from aigchip import demos

    if config.demos == 0 or not entries:
        return []
    known = [p.read_text(errors="replace") for p in (task.reference, *task.solution) if p is not None]
    return demos.select(task.spec_text(), entries, k=config.demos, token_budget=config.demo_tokens,
                        exclude_ids={task.id}, exclude_texts=[task.spec_text(), *known], index=index)


def _copy_checks(task: Task, out_dir: Path) -> dict[str, Any]:
    """The task's own tests beside the design, so the folder re-checks on its own."""
    folder = out_dir / CHECKS
    used: dict[str, Any] = {"testbench": [], "tests": None, "reference": None, "tb_top": task.tb_top}
    if not task.has_golden_tests and task.reference is None:
        return used
    folder.mkdir(parents=True, exist_ok=True)
    from aigchip.sim.check import VerifyOptions, data_files

    for path in data_files(VerifyOptions(testbench=task.testbench, tests=task.tests)):
        if path.suffix.lower() not in (".v", ".sv"):  # data the testbench reads, helpers the tests import
            shutil.copyfile(path, folder / path.name)
    for path in task.testbench:
        shutil.copyfile(path, folder / path.name)
        used["testbench"].append(f"{CHECKS}/{path.name}")
    for key, path in (("tests", task.tests), ("reference", task.reference)):
        if path is not None:
            shutil.copyfile(path, folder / path.name)
            used[key] = f"{CHECKS}/{path.name}"
    return used


def generate(task: Task, config: RunConfig, *, out_dir: Path | None, model: Model | None = None,
             sample_index: int = 0, check: Callable[..., list] | None = None,
             learn: Path | None = None) -> tuple[Outcome, list, dict]:
    """Run the loop for `task`; returns the outcome, the demos used and the contract's JSON summary.

    `sample_index` numbers this run's samples (eval: one call per sample); `check` replaces
    sim.verify_many (eval: a wrapper that limits how many checks run at once). With `learn` (a corpus
    JSONL), a design that passes is appended to that corpus."""
    entries, index = demo_corpus(config) if (config.demos or config.model == "offline") else ([], None)
    chosen = pick_demos(task, config, entries, index)
    model = model or make_model(config, task, out_dir=out_dir, demo_entries=entries)
    recorder = Recorder(out_dir)
    scratch = _scratch() if out_dir is None and config.feedback == "self" else None
    work_dir = (out_dir / CHECKS) if out_dir is not None else scratch
    agent = Agent(model, config, recorder=recorder, work_dir=work_dir, sample_index=sample_index,
                  **({"check": check} if check is not None else {}))
    meta: dict[str, Any] = {"task": task.model_dump(mode="json"), "model": model.name, "model_kind": model.kind,
                            "llm_used": config.uses_llm, "config": run_config.record(config),
                            "templates": prompts.template_hashes(), "toolchain": tools.toolchain(),
                            "demos": [d.id for d in chosen]}
    try:
        agent.run(task, chosen)
    finally:
        outcome = agent.outcome
        files = recorder.write_design(outcome.design) if outcome.design is not None else []
        checks = _copy_checks(task, out_dir) if out_dir is not None else {}
        if outcome.self_tests is not None:
            checks["self_tests"] = f"{CHECKS}/test_{task.top}.py"
        summary = summarize(outcome, model, chosen, files)
        recorder.write_meta({**meta, **summary, "checks": checks, "top": task.top,
                             "verdict": outcome.verdict.model_dump(mode="json") if outcome.verdict else None})
        recorder.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    if learn is not None and summary["status"] == "pass" and outcome.design is not None:
        summary["learned"] = learn_design(task, outcome, model, learn)
    return outcome, chosen, summary


def learn_design(task: Task, outcome: Outcome, model: Model, corpus: Path) -> dict[str, Any]:
    """Add the passing design to the user's corpus (see agent.corpus.learn)."""
    from aigchip.corpus.learn import learn

    code = "\n".join(text.rstrip("\n") + "\n" for text in outcome.design.files.values())
    simulated = task.has_golden_tests or outcome.self_tests is not None
    return learn(code, outcome.design.top, task.spec_text(), corpus, model=model, simulated=simulated).model_dump()


def summarize(outcome: Outcome, model: Model, demos: list, files: list[str]) -> dict[str, Any]:
    """The JSON keys scripts rely on (see DESIGN.md), plus what a person needs to read the result."""
    return {
        "status": str(outcome.status),
        "stopped": outcome.stopped,
        "message": outcome.message,
        "iterations": outcome.iterations,
        "files": files,
        "attempts": [{"iteration": a.iteration, "sample": a.sample, "status": str(a.status),
                      "tokens": a.usage.total_tokens, "cached": a.cached, "summary": a.verdict.summary()}
                     for a in outcome.attempts],
        "model": model.name,
        "llm_used": getattr(model, "kind", "") != "offline",
        "demos": [{"id": d.id, "top": d.top, "score": round(d.score, 3), "grain": d.grain} for d in demos],
        "tokens": {"prompt": outcome.usage.prompt_tokens, "completion": outcome.usage.completion_tokens,
                   "total": outcome.usage.total_tokens, "cost_usd": outcome.usage.cost_usd},
    }


def _scratch() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="aigchip-gen-"))
