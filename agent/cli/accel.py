"""`aigchip accel`: a whole accelerator, planned, built module by module, integrated and costed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from aigchip.cli.common import (EXIT_FAIL, EXIT_PASS, EXIT_USAGE, ExistingFile, Feedback, Fpga, Simulator, named_path,
                                spec_text, usage)


def accel(
    spec: Annotated[Optional[str], typer.Argument(help="The request: a sentence, a text file, or a task folder (task.json).")] = None,
    plan: Annotated[Optional[Path], typer.Option(help="Build this plan (YAML or JSON, e.g. an edited plan.yaml) instead of asking for one.", **ExistingFile)] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run folder: plan.yaml, accel.json, modules/NAME/ (resumed when it exists).", file_okay=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Build the plan without stopping for approval.")] = False,
    top: Annotated[Optional[str], typer.Option(help="Name of the top module.")] = None,
    interface: Annotated[Optional[Path], typer.Option(help="Verilog file with the top module's header.", **ExistingFile)] = None,
    tests: Annotated[Optional[Path], typer.Option(help="cocotb system test of the top (decides pass/fail).", **ExistingFile)] = None,
    model: Annotated[Optional[str], typer.Option(help="Endpoint model name, or manual / replay.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, ...).")] = None,
    api_key_env: Annotated[Optional[str], typer.Option(help="Environment variable holding the API key.")] = None,
    replay: Annotated[Optional[Path], typer.Option(help="session.jsonl to replay replies from.", **ExistingFile)] = None,
    max_iters: Annotated[Optional[int], typer.Option(help="Self-correction rounds at most, per module.", min=1)] = None,
    samples: Annotated[Optional[int], typer.Option(help="Candidates per round, checked in parallel.", min=1)] = None,
    demos: Annotated[Optional[int], typer.Option(help="Demonstrations in each module's prompt.", min=0)] = None,
    feedback: Annotated[Optional[Feedback], typer.Option(help="golden (the task's tests where it has them, else the plan's) | self | lint | none.")] = None,
    sim: Annotated[Optional[Simulator], typer.Option(help="Simulator.")] = None,
    repairs: Annotated[int, typer.Option(help="Integration rounds: a failing system test sends one module back, this many times at most.", min=0)] = 3,
    concurrency: Annotated[int, typer.Option(help="Model requests in flight at once (independent modules overlap).", min=1)] = 8,
    jobs: Annotated[Optional[int], typer.Option(help="Simulations running at once.", min=1)] = None,
    lint: Annotated[Optional[bool], typer.Option("--lint/--no-lint", help="Lint with Verilator when installed.")] = None,
    budget_tokens: Annotated[Optional[int], typer.Option(help="Stop a module's loop once it has spent this many tokens.")] = None,
    cache: Annotated[bool, typer.Option(help="Reuse cached model replies and verdicts.")] = True,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="aigchip.toml with defaults.", **ExistingFile)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
    fpga: Annotated[Optional[Fpga], typer.Option(help="Cost a passing accelerator on this FPGA too: LUTs, flip-flops, DSPs, block RAMs.")] = None,
    fmax: Annotated[bool, typer.Option("--fmax", help="And its Fmax from nextpnr place and route (implies --fpga ice40 unless --fpga ecp5).")] = False,
) -> None:
    """Plan an accelerator as a tree of modules, build and test each, integrate, test the system, report its
    cost. Exit 0 pass, 1 not passed (or the plan awaits approval), 2 usage, model or tool error."""
    from aigchip.accel import show
    from aigchip.accel.flow import run_accel
    from aigchip.config import load_config
    from aigchip.models.factory import make_model
    from aigchip.models import ModelError
    from aigchip.task import from_folder, from_text

    flags = dict(model=model, base_url=base_url, api_key_env=api_key_env, replay=replay, max_iters=max_iters,
                 samples=samples, demos=demos, feedback=feedback.value if feedback else None,
                 simulator=sim.value if sim else None, lint=lint, jobs=jobs, budget_tokens=budget_tokens,
                 cache=None if cache else False)
    try:
        config = load_config(flags, config_file=config_file)
        folder = named_path(spec)
        if folder is not None and folder.is_dir():
            task = from_folder(folder)
            task = task.model_copy(update={k: v for k, v in (("top", top),) if v})
        else:
            text = spec_text(spec, None) if spec or plan is None else "the accelerator of the given plan"
            header = interface.read_text(errors="replace") if interface else ""
            task = from_text(text, top=top, interface=header, tests=tests, task_id="accel")
    except ValueError as exc:
        raise usage(str(exc).splitlines()[0] if "validation error" not in str(exc) else str(exc)) from None
    if config.model in ("offline", "reference") and plan is None:
        raise usage("the accelerator flow needs a model to plan and write modules: name one with --model "
                    "(and --base-url for a local server), or use --model manual")
    approve = None if yes else _approver(json_out, out)
    scratch = None
    if out is None:
        import tempfile

        scratch = tempfile.TemporaryDirectory(prefix="aigchip-accel-")
    folder = out or Path(scratch.name)  # type: ignore[union-attr]
    progress = (lambda name, status, detail: None) if json_out else _progress
    from aigchip.record import FolderBusy, holding

    try:
        with holding(out, "accel"):
            the_model = make_model(config, task, out_dir=folder)
            result = run_accel(task, config, out=folder, model=the_model, plan_file=plan, approve=approve,
                               progress=progress, concurrency=concurrency, repairs=repairs,
                               fpga=fpga.value if fpga else ("ice40" if fmax else None), fmax=fmax)
    except ModelError as exc:
        raise usage(f"model error: {exc}") from None
    except FolderBusy as exc:
        raise usage(str(exc)) from None
    finally:
        if scratch is not None:
            scratch.cleanup()
    summary = result.summary()
    if out is None:
        summary["out"] = None
    if json_out:
        sys.stdout.write(json.dumps(summary, default=str) + "\n")
    else:
        _show(result, summary, out, show)
    if result.status == "pass":
        raise typer.Exit(EXIT_PASS)
    if result.status == "model_error" or (result.status == "plan_error" and plan is not None):
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FAIL)


def _progress(name: str, status: str, detail: str) -> None:
    typer.echo(f"  {name}: {status}{' (' + detail + ')' if detail else ''}", err=True)


def _approver(json_out: bool, out: Optional[Path]):
    """Ask at a terminal; elsewhere stop, and say how to go on."""
    def approve(plan, plan_path: Path) -> bool:
        from aigchip.accel import show

        if json_out or not sys.stdin.isatty():
            return False
        typer.echo(show.plan_text(plan), err=True)
        typer.echo(f"\nThe plan is in {plan_path}.", err=True)
        return typer.confirm("Build it?", default=True, err=True)

    return approve


def _show(result, summary: dict, out: Optional[Path], show) -> None:
    if result.status == "planned":
        where = out or "DIR"
        plan_path = f"{where}/plan.yaml"
        if out is None:
            typer.echo(show.plan_text(result.plan), err=True)
            typer.echo("\naigchip: the plan awaits approval; nothing was kept. Run again with --out DIR to keep it "
                       "for review, or with --yes to build it now.", err=True)
        else:
            typer.echo(f"aigchip: the plan awaits approval: read {plan_path} (edit it if you like), then build it "
                       f"with:\n  aigchip accel SPEC --plan {plan_path} --out {where}   (the same SPEC and options)\n"
                       f"or build the plan as written with --yes.", err=True)
        return
    for problem in result.problems:
        typer.echo(f"plan: {problem.render()}", err=True)
    for line in show.tree_lines(summary["plan"]):
        typer.echo(line)
    if result.cost:
        typer.echo("")
        for line in show.cost_lines(result.cost):
            typer.echo(line)
    typer.echo(f"\n{result.status}: {result.message}")
    tokens = summary["tokens"]
    typer.echo(f"tokens: {tokens}   time: {summary['duration_s']:.1f} s" + (f"   record: {out}/" if out else ""))
