"""`aigchip verify` and `aigchip tools`: checks with no model."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from aigchip.cli.common import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, ExistingFile, Fpga, Simulator, infer_top, usage


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
    synth: Annotated[bool, typer.Option("--synth", help="Synthesize with yosys: cost (cells, flip-flops) and "
                                        "warnings (latches, loops, multiple drivers).")] = False,
    fpga: Annotated[Optional[Fpga], typer.Option(help="Also map to this FPGA: LUTs, FFs, DSPs, block RAMs "
                                                 "(implies --synth).")] = None,
    fmax: Annotated[bool, typer.Option("--fmax", help="Also place and route with nextpnr for an Fmax "
                                       "(implies --synth; --fpga ice40 unless --fpga ecp5).")] = False,
    equiv: Annotated[Optional[list[Path]], typer.Option(help="Reference design file(s) to prove the design "
                                                        "equivalent to (yosys SAT).", **ExistingFile)] = None,
    equiv_bound: Annotated[int, typer.Option(help="Cycles from reset a sequential equivalence proof looks at.",
                                             min=1)] = 20,
    equiv_timeout: Annotated[Optional[float], typer.Option(help="Seconds for the whole equivalence proof (bounded "
                                                           "check, induction, then PDR); default: max(--timeout, 300).",
                                                           min=0.1)] = None,
    param: Annotated[Optional[list[str]], typer.Option("--param", help="Set a Verilog parameter of the top for "
                                                       "every tool: N=8 (repeat for more; with --tb, the "
                                                       "testbench's top takes it).")] = None,
) -> None:
    """Check Verilog: policy, lint, and the testbench or cocotb tests. Exit 0 pass, 1 fail, 2 usage/tool error."""
    from aigchip.sim.check import VerifyOptions, verify as run_verify
    from aigchip.sim.types import Design, Status

    if tb and tests:
        raise usage("give either --tb or --tests, not both")
    try:
        design = Design.from_paths(files, top=top or "")
    except ValueError as exc:
        raise usage(str(exc)) from None
    if not top:
        design = design.model_copy(update={"top": infer_top(design.files)})
    parameters = _parameters(param or [], design, bool(tb))
    options = VerifyOptions(testbench=tuple(tb or ()), tests=tests, reference=ref, simulator=sim.value,
                            timeout=timeout, lint=lint, strict=strict, waves=waves, tb_top=tb_top,
                            keep_dir=keep, use_cache=cache, synth=synth or bool(fpga) or fmax,
                            fpga=fpga.value if fpga else ("ice40" if fmax else None), fmax=fmax,
                            equiv=tuple(equiv or ()), equiv_bound=equiv_bound,
                            equiv_timeout=equiv_timeout, parameters=parameters)
    if equiv and len({p.name for p in equiv}) != len(equiv):
        raise usage("two --equiv files share a name; rename one")
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


def _parameters(specs: list[str], design: Any, testbench: bool) -> tuple[tuple[str, int], ...]:
    """`--param N=8 ...` checked against the top's own parameters (a testbench's top takes any name)."""
    from aigchip import interface
    from aigchip.explore import space
    from aigchip.sim import params

    found = []
    for spec in specs:
        try:
            name, values = space.parse_values(spec)
        except space.SpaceError as exc:
            raise usage(str(exc)) from None
        if len(values) != 1:
            raise usage(f"--param {spec!r}: verify takes one value (aigchip explore sweeps several)")
        found.append((name, values[0]))
    if found and not testbench:
        have = interface.parameters(design.files, design.top) or {}
        unknown = [name for name, _ in found if name not in have]
        if unknown:
            listed = ", ".join(f"{k} (default {v})" for k, v in have.items()) or "none"
            raise usage(f"the top module {design.top} has no parameter {unknown[0]!r}; its parameters: {listed}")
    return params.normalized(found)


def tools(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show which HDL tools are installed, their versions, and the sandbox every run goes through."""
    from aigchip.sim.process import sandbox_status
    from aigchip.sim.tools import INSTALL_HINTS, toolchain

    report = {**toolchain(), "sandbox": sandbox_status()}
    if json_out:
        sys.stdout.write(json.dumps(report) + "\n")
        return
    for name, version in report.items():
        hint = f"   ({INSTALL_HINTS.get(name, '')})" if version == "missing" else ""
        typer.echo(f"{name:14} {version}{hint}")

