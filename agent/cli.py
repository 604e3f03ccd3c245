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
    from sim import source

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
    from sim.check import VerifyOptions, verify as run_verify
    from sim.types import Design, Status

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

        from agent.console import show_verdict

        show_verdict(verdict, Console())
    if verdict.status is Status.PASS:
        raise typer.Exit(EXIT_PASS)
    raise typer.Exit(EXIT_USAGE if verdict.status is Status.TOOL_ERROR else EXIT_FAIL)


@app.command()
def tools(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show which HDL tools are installed and their versions."""
    from sim.tools import INSTALL_HINTS, toolchain

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
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Generate RTL from a spec, check it, and correct it from what the tools say. Exit 0 pass, 1 fail, 2 error."""
    from agent.config import load_config
    from agent.generate import generate as run_generate
    from agent.models import ModelError
    from agent.task import from_folder, from_text

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
        outcome, _, summary = run_generate(task, config, out_dir=out)
    except ModelError as exc:
        raise _usage(f"model error: {exc}") from None
    if json_out:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        from rich.console import Console

        from agent.console import show_outcome

        show_outcome(outcome, summary, Console(), out_dir=out)
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
    from agent import demos as picker
    from agent.corpus import schema

    text = spec
    try:
        if len(spec) < 4096 and "\n" not in spec and Path(spec).is_file():
            text = Path(spec).read_text(encoding="utf-8", errors="replace")
    except OSError:
        pass  # not a readable path: the spec's own text
    if not text.strip():
        raise _usage("the spec is empty")
    folder = corpus if corpus is None or corpus.is_dir() else None
    try:
        if corpus is None or folder is not None:
            folder = folder or picker.library_dir()
            if not folder.is_dir():
                raise _usage(f"no demo library at {folder}; pass --corpus or set AIGCHIP_DEMOS_DIR")
            entries, problems = schema.load_demo_library_checked(folder)
        else:
            entries, problems = schema.load_jsonl(corpus)
    except OSError as exc:
        raise _usage(f"cannot read the corpus: {exc}") from None
    for problem in problems:
        typer.echo(f"aigchip: skipped: {problem.render()}", err=True)
    if not entries:
        raise _usage("the corpus has no usable entries")
    used = grain.value if grain else picker.spec_grain(text)
    chosen = picker.select(text, entries, k=k, token_budget=budget, grain=used)
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
