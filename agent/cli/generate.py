"""`aigchip generate` and `aigchip demos`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from aigchip.cli.common import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, ExistingFile, Feedback, Fpga, Grain, Simulator, named_path, spec_text, usage


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
    demo_min_score: Annotated[Optional[float], typer.Option(help="Send a demonstration only when its relevance (BM25) is at least this (default 12, calibrated on the bundled library; demonstrations under 70% of the best one's score are left out too).", min=0)] = None,
    feedback: Annotated[Optional[Feedback], typer.Option(help="What the loop may see: the task's tests (golden), tests the model writes (self), lint, or none.")] = None,
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
    synth: Annotated[bool, typer.Option("--synth", help="Cost every checked design with yosys; the record and "
                                        "--json carry `cost`.")] = False,
    fpga: Annotated[Optional[Fpga], typer.Option(help="Also map to this FPGA (implies --synth).")] = None,
    optimize: Annotated[Optional[str], typer.Option(help="After the design passes, ask the model for cheaper ones: "
                                                    "area, fmax or latency (cycles per job, measured by tests that write "
                                                    "cost.json); each must pass every test and (area, fmax) not be "
                                                    "proven different.")] = None,
    optimize_rounds: Annotated[Optional[int], typer.Option(help="How many cheaper designs to ask for.", min=1)] = None,
    target: Annotated[Optional[float], typer.Option(help="With --optimize: stop at this area (LUTs, else cells), "
                                                    "this Fmax (MHz) or this many cycles per job.")] = None,
) -> None:
    """Generate RTL from a spec, check it, and correct it from what the tools say. Exit 0 pass, 1 fail, 2 error."""
    from aigchip.config import load_config
    from aigchip.models import ModelError
    from aigchip.task import from_folder, from_text

    flags = dict(model=model, base_url=base_url, api_key_env=api_key_env, replay=replay, max_iters=max_iters,
                 samples=samples, demos=demos, corpus=corpus, demo_min_score=demo_min_score, feedback=feedback.value if feedback else None, simulator=sim.value if sim else None,
                 temperature=temperature, seed=seed, budget_tokens=budget_tokens, budget_usd=budget_usd,
                 cache=None if cache else False, synth=synth or None, fpga=fpga.value if fpga else None,
                 optimize=optimize, optimize_rounds=optimize_rounds, optimize_target=target)
    try:
        config = load_config(flags, config_file=config_file)
        folder = named_path(spec)
        if folder is not None and folder.is_dir():
            task = from_folder(folder)
            task = task.model_copy(update={k: v for k, v in (("top", top),) if v})
        else:
            text = spec_text(spec, spec_file)
            header = interface.read_text(errors="replace") if interface else ""
            task = from_text(text, top=top, interface=header, testbench=tuple(tb or ()), tests=tests, reference=ref)
        if config.optimize == "latency":
            from aigchip.optimize import latency_problem

            if problem := latency_problem(task):
                raise ValueError(problem)
    except ValueError as exc:
        raise usage(str(exc).splitlines()[0] if "validation error" not in str(exc) else str(exc)) from None
    from aigchip.corpus.lazy import CorpusChanged
    from aigchip.record import FolderBusy, holding

    try:
        if learn or learn_corpus:
            from aigchip.corpus.learn import default_corpus

            learn_corpus = learn_corpus or default_corpus()
        with holding(out, "generate"):
            outcome, _, summary = _with_status(task, config, out, learn_corpus)
    except ModelError as exc:
        raise usage(f"model error: {exc}") from None
    except (FolderBusy, CorpusChanged) as exc:
        raise usage(str(exc)) from None
    if json_out:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        from rich.console import Console

        from aigchip.console import show_outcome

        show_outcome(outcome, summary, Console(), out_dir=out, demos_asked=config.demos)
        if summary.get("learned"):
            learned = summary["learned"]
            typer.echo(f"learn: {'added ' + learned['id'] + ' to' if learned['added'] else 'already in'} "
                       f"{learned['corpus']}{'; ' + learned['message'] if learned['message'] else ''}", err=True)
    if summary["status"] == "pass":
        raise typer.Exit(EXIT_PASS)
    raise typer.Exit(EXIT_USAGE if summary["status"] == "tool_error" else EXIT_FAIL)



def _with_status(task, config, out, learn_corpus):
    """generate, with a live line on stderr (when it is a terminal) saying what runs and for how long."""
    from rich.console import Console

    from aigchip.console import Elapsed
    from aigchip.generate import generate as run_generate

    waiting = Elapsed(f"generating {task.top} with {config.model}")

    def progress(text: str) -> None:
        waiting.doing = f"{task.top}: {text}"

    with Console(stderr=True).status(waiting):
        return run_generate(task, config, out_dir=out, learn=learn_corpus, progress=progress)


def demos(
    spec: Annotated[str, typer.Argument(help="The spec's text, or a path to a text file holding it.")],
    corpus: Annotated[Optional[Path], typer.Option(help="Corpus JSONL, or a demo-library folder (default: the bundled library).", exists=True)] = None,
    k: Annotated[int, typer.Option("-k", "--k", help="How many demonstrations at most.", min=1)] = 3,
    grain: Annotated[Optional[Grain], typer.Option(help="Grain to match and show (default: inferred from the spec).")] = None,
    budget: Annotated[int, typer.Option(help="Token budget for the demonstrations (estimated as characters / 4).", min=1)] = 3000,
    min_score: Annotated[Optional[float], typer.Option(help="Least relevance (BM25) a demonstration needs (default 12, as in generate and eval).", min=0)] = None,
    min_share: Annotated[Optional[float], typer.Option(help="Least share of the best demonstration's score the others need (default 0.7).", min=0, max=1)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Show which demonstrations a spec would get, and why (the matched terms); none when no demonstration is
    relevant enough. Exit 0, or 2 on a usage error."""
    from aigchip import demos as picker
    from aigchip.config import DEMO_MIN_SCORE, DEMO_MIN_SHARE

    text = spec
    try:
        if len(spec) < 4096 and "\n" not in spec and Path(spec).is_file():
            text = Path(spec).read_text(encoding="utf-8", errors="replace")
    except OSError:
        pass  # not a readable path: the spec's own text
    if not text.strip():
        raise usage("the spec is empty")
    source = corpus or picker.library_dir()
    if corpus is None and not source.is_dir():
        raise usage(f"no demo library at {source}; pass --corpus or set AIGCHIP_DEMOS_DIR")
    from aigchip.corpus.lazy import CorpusChanged

    try:
        entries, problems, index = picker.load_corpus(source)  # a JSONL corpus comes with its persisted index
    except OSError as exc:
        raise usage(f"cannot read the corpus: {exc}") from None
    for problem in problems:
        typer.echo(f"aigchip: skipped: {problem.render()}", err=True)
    if not entries:
        raise usage("the corpus has no usable entries")
    used = grain.value if grain else picker.spec_grain(text)
    least = DEMO_MIN_SCORE if min_score is None else min_score
    try:
        chosen = picker.select(text, entries, k=k, token_budget=budget, grain=used, index=index, min_score=least,
                               min_share_of_best=DEMO_MIN_SHARE if min_share is None else min_share)
        closest = None if chosen else next(iter(picker.select(text, entries, k=1, token_budget=10**9, grain=used,
                                                              index=index, min_score=0, min_share_of_best=0)), None)
    except CorpusChanged as exc:  # edited in place while it was read
        raise usage(str(exc)) from None
    if json_out:
        rows = [d.model_dump(include={"id", "top", "score", "grain", "why"}) for d in chosen]
        found = {"spec_grain": used, "min_score": least, "demos": rows}
        if closest is not None:
            found["closest"] = closest.model_dump(include={"id", "top", "score", "grain", "why"})
        sys.stdout.write(json.dumps(found) + "\n")
        return
    typer.echo(f"spec grain: {used}{'' if grain else ' (inferred)'}; {len(entries)} entries searched")
    if closest is not None:
        typer.echo(f"no demonstration is relevant enough: the closest, {closest.id}, scores {closest.score:.3f}, "
                   f"under the minimum {least:g} (--min-score lowers it)")
    elif not chosen:
        typer.echo("no demonstration matches this spec")
    for rank, demo in enumerate(chosen, 1):
        typer.echo(f"{rank}. {demo.id}  top={demo.top}  score={demo.score:.3f}  grain={demo.grain}")
        typer.echo(f"   why: {demo.why}")

