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
