"""Run a Verilog testbench against a design on Icarus Verilog or Verilator and decide pass or fail
from lines only the testbench can print (see sim/testbench.py)."""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from aigchip.sim import lint, pair, params, process, tools, verilator_build
from aigchip.sim.lint_step import LintStep
from aigchip.sim import testbench as tbmod
from aigchip.sim.tb_data import data_files
from aigchip.sim.types import Design, Diagnostic, Severity, Status, Verdict

LOG_HEAD = LOG_TAIL = 6000
MAX_DIAGNOSTICS = 50
HEADER_SUFFIXES = {".vh", ".svh"}
# Verilator's --binary is --cc --exe --main --timing --build; sim/verilator_build.py builds instead of --build
VERILATOR_FLAGS = ["--cc", "--exe", "--main", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style",
                   "--timescale", "1ns/1ps", "--quiet",
                   "-Werror-MODDUP"]  # else a design could redefine RefModule or stimulus_gen and win


@dataclass
class Job:
    """One staged run. The rewritten testbench, the reference, the data files and everything built
    from them live in `private`, a subfolder of run_dir with an unguessable name: the design may
    open files by relative name (the policy allows its own run folder), so nothing it can name may
    hold the marker or the expected answers."""

    run_dir: Path
    private: str  # relative to run_dir
    sources: list[str]  # design units, then testbench units, then the reference; relative to run_dir
    include_private: bool  # a testbench header was given, so the private folder is on the include path
    top: str
    timeout: float
    waves: bool
    wave_file: str | None  # the VCD this run writes when waves are on
    parameters: params.Parameters = ()  # set on the testbench's top (it passes them on to the design)


def run_testbench(run_dir: Path, design: Design, testbench: Path | Sequence[Path], *,
                  reference: Path | None = None, simulator: str = "icarus", timeout: float = 60.0,
                  tb_top: str | None = None, waves: bool = False, parameters: params.Parameters = (),
                  linting: LintStep | None = None) -> Verdict:
    """Simulate `testbench` (with `reference`) against the design files already written into `run_dir`.
    Under Icarus, `linting` (sim/lint_step.py) runs first in the same box, whatever comes of the check; its
    result is left in it (the check's own verdict never depends on it).

    Raises tools.ToolMissing when the simulator cannot run; every other outcome is a Verdict."""
    if simulator not in _SIMULATORS:
        raise ValueError(f"unknown simulator {simulator!r}; use 'icarus' or 'verilator'")
    started = time.monotonic()
    tb_paths = [Path(testbench)] if isinstance(testbench, (str, Path)) else [Path(p) for p in testbench]
    if not tb_paths:
        raise ValueError("no testbench file given")
    compile_step, simulate_step, parse = _SIMULATORS[simulator]
    together = _TOGETHER.get(simulator)
    verdict = Verdict(status=Status.SIM_ERROR, simulator=simulator, tools=_tool_versions(simulator),
                      checks=["testbench"])

    originals = [p.read_text(encoding="utf-8", errors="replace") for p in tb_paths]
    reference_text = reference.read_text(encoding="utf-8", errors="replace") if reference else ""
    top, problem = _choose_top(tb_top, originals, reference_text, list(design.files.values()))
    problem = problem or _golden_model_borrowed(list(design.files.values()), originals, reference_text)
    if problem is not None:
        return _finish(verdict, problem[0], [problem[1]], started)

    marker = tbmod.new_marker()
    job = _stage(Path(run_dir).resolve(), design, tb_paths, originals, reference, marker, top, timeout, waves)
    job.parameters = parameters
    clean = _cleaner(marker, job)
    compiled, ran = together(job, marker, linting) if together else (compile_step(job), None)
    compile_text = clean(compiled.output)  # logs never hold the marker: compile.log exists while the design runs
    (job.run_dir / "compile.log").write_text(compile_text, encoding="utf-8")
    compile_diags = [_clean_diag(d, clean) for d in parse(compile_text)]
    if compiled.timed_out:
        return _finish(verdict, Status.TIMEOUT, [_aigchip(f"compilation took longer than {compiled.duration_s:.0f} s")],
                       started, compile_text)
    if not compiled.ok:
        diags = compile_diags or [_aigchip(f"compilation failed (exit code {compiled.returncode})")]
        return _finish(verdict, Status.COMPILE_ERROR, diags, started, compile_text)

    ran = ran or simulate_step(job, marker)
    sim_text = clean(ran.output)
    (job.run_dir / "sim.log").write_text(sim_text, encoding="utf-8")
    log = f"{compile_text}\n{sim_text}" if compile_text.strip() else sim_text
    runtime_diags = [d for d in parse(sim_text) if d.source in ("vvp", "verilator")]
    if ran.timed_out:
        diags = [_aigchip(f"the simulation did not finish within {timeout:g} s of wall-clock time; a zero-delay "
                          "loop (a combinational loop, an always block without a delay or event) is the usual cause")]
        return _finish(verdict, Status.TIMEOUT, diags + runtime_diags, started, log)
    judgement = tbmod.judge(tbmod.convention_of("\n".join(originals)), ran.kept_lines, marker, ran.returncode,
                            overflow=ran.kept_overflow)
    verdict.mismatches, verdict.samples = judgement.mismatches, judgement.samples
    if waves and job.wave_file and (job.run_dir / job.wave_file).is_file():
        verdict.waveform = str(job.run_dir / job.wave_file)
    design_warnings = [d for d in compile_diags if d.severity is Severity.WARNING and d.file in design.files]
    diags = [_clean_diag(d, clean) for d in judgement.diagnostics] + runtime_diags + design_warnings
    return _finish(verdict, judgement.status, diags, started, log)


def _tool_versions(simulator: str) -> dict[str, str]:
    names = ("iverilog", "vvp") if simulator == "icarus" else ("verilator",)
    return {name: tools.find(name).version for name in names}


def _choose_top(tb_top: str | None, originals: list[str], reference_text: str,
                design_texts: list[str]) -> tuple[str, tuple[Status, Diagnostic] | None]:
    # A testbench whose top cannot be told is not the design's fault: sim_error, never compile_error.
    if tb_top is not None:
        defined = set().union(*(tbmod.module_spans(tbmod.mask(t)) for t in [*originals, reference_text]))
        if tb_top in defined:
            return tb_top, None
        missing = _aigchip(f"the testbench top {tb_top!r} is not defined in the testbench files")
        return tb_top, (Status.SIM_ERROR, missing)
    found = tbmod.top_candidates(originals, [reference_text, *design_texts])
    if len(found) == 1:
        return found[0], None
    what = f"candidates {', '.join(found)}" if found else "no module that nothing else instantiates"
    return "", (Status.SIM_ERROR, _aigchip(f"cannot tell the testbench top: found {what}; pass tb_top"))


def _golden_model_borrowed(design_texts: list[str], originals: list[str],
                           reference_text: str) -> tuple[Status, Diagnostic] | None:
    borrowed = tbmod.borrowed_golden_modules(design_texts, originals, reference_text)
    if not borrowed:
        return None
    return Status.POLICY_VIOLATION, Diagnostic(
        message=f"the design instantiates the reference model {', '.join(borrowed)}; write the logic instead",
        source="aigchip", code="golden-model")


def _stage(run_dir: Path, design: Design, tb_paths: list[Path], originals: list[str], reference: Path | None,
           marker: str, top: str, timeout: float, waves: bool) -> Job:
    private = f".aigchip-{secrets.token_hex(8)}"
    (run_dir / private).mkdir()
    wanted = [p for p in data_files(tb_paths, originals) if reference is None or p.resolve() != reference.resolve()]
    renames = {name: f"{private}/{name}" for name in _copy_data_files(wanted, run_dir / private)}
    wants_dump = waves and all(tbmod.dumpfile_of(t) is None for t in originals)
    names: list[str] = []
    for path, text in zip(tb_paths, originals):
        names.append(_unique_name(path, names))
        marked = tbmod.mark_testbench(text, marker, renames, dump_in=top if wants_dump else None)
        (run_dir / private / names[-1]).write_text(marked, encoding="utf-8")
    if reference is not None:
        names.append(_unique_name(reference, names))
        shutil.copyfile(reference, run_dir / private / names[-1])
    units = [f"{private}/{n}" for n in names if Path(n).suffix.lower() not in HEADER_SUFFIXES]
    dumped = [tbmod.dumpfile_of(t) for t in originals]
    return Job(run_dir, private, [*_design_units(design), *units], len(units) < len(names), top, timeout, waves,
               "waves.vcd" if wants_dump else next((d for d in dumped if d), None))


def _unique_name(path: Path, taken: list[str]) -> str:
    name = process.safe_name(path.name)
    if name in taken:
        raise ValueError(f"two testbench or reference files share the name {name!r}")
    return name


def _copy_data_files(files: Sequence[Path], dest: Path) -> list[str]:
    for entry in files:
        shutil.copyfile(entry, dest / entry.name)
    return [entry.name for entry in files]


def _design_units(design: Design) -> list[str]:
    units = [n for n in design.files if Path(n).suffix.lower() in (".v", ".sv")]
    return units or [n for n in design.files if Path(n).suffix.lower() not in HEADER_SUFFIXES]


def _icarus_compile_argv(job: Job) -> list[str]:
    return [tools.find("iverilog").path, "-g2012", "-Wall", "-Winfloop", "-Wno-timescale", "-s", job.top,
            *params.iverilog_flags(job.top, job.parameters),
            "-o", f"{job.private}/sim.vvp", *(["-I", job.private] if job.include_private else []), *job.sources]


def _icarus_simulate_argv(job: Job) -> list[str]:
    # -none turns off the testbench's own $dumpfile: no VCD to write when nobody asked for waves
    return [tools.find("vvp").path, "-n", f"{job.private}/sim.vvp", *([] if job.waves else ["-none"])]


def _icarus_compile(job: Job) -> process.ProcessResult:
    return _checked("iverilog", process.run(_icarus_compile_argv(job), cwd=job.run_dir, timeout=max(job.timeout, 60.0)))


def _icarus_simulate(job: Job, marker: str) -> process.ProcessResult:
    return _checked("vvp", _run_simulation(_icarus_simulate_argv(job), job, marker))


def _icarus_together(job: Job, marker: str, linting: LintStep | None = None,
                     ) -> tuple[process.ProcessResult, process.ProcessResult | None]:
    """iverilog, then vvp when it compiled, in one box (sim/pair.py): one box start per check, not two or
    three. With `linting`, Verilator's lint runs in that box beside iverilog and ends before vvp starts;
    when it overran its time (the box ends with it), vvp runs in a box of its own (run_testbench), and when
    the box could not start, iverilog and vvp run in one of their own."""
    steps = [pair.Step(_icarus_compile_argv(job), max(job.timeout, 60.0)), pair.Step(_icarus_simulate_argv(job), job.timeout)]
    keep = tbmod.recorded_lines(marker)
    compiled, ran = None, None
    if linting is not None:
        linting.result, compiled, ran = pair.run_steps([linting.step, *steps], cwd=job.run_dir, env=linting.env,
                                                       keep_lines=keep)
    if compiled is None:
        compiled, ran = pair.run_steps(steps, cwd=job.run_dir, keep_lines=keep)
    assert compiled is not None
    return _checked("iverilog", compiled), _checked("vvp", ran) if ran else None


def _verilator_compile(job: Job) -> process.ProcessResult:
    """Verilate with Verilator's own main and build V<top> (sim/verilator_build.py: the runtime comes
    compiled, only the model is compiled here)."""
    args = [*VERILATOR_FLAGS, "--top-module", job.top, *params.verilator_flags(job.parameters), *(["--trace"] if job.waves else []),
            *([f"-I{job.private}"] if job.include_private else []), *job.sources]
    started = time.monotonic()
    built = verilator_build.build(job.run_dir, f"{job.private}/obj_dir", args, prefix=f"V{job.top}", binary=f"V{job.top}",
                                  cxxflags=tools.find("verilator").environ.get("CXXFLAGS", "").split(),
                                  timeout=max(job.timeout, 300.0))  # a C++ build: 1-25 s, far more on a loaded machine
    result = process.ProcessResult(["verilator", *args], 0 if built.ok else 1, built.output,
                                   time.monotonic() - started, timed_out=built.timed_out)
    if not result.ok and not result.timed_out and not any(
            d.severity is Severity.ERROR for d in lint.parse_verilator(result.output)):
        last = result.output.strip().splitlines()[-1:] or ["no output"]
        raise tools.ToolMissing("c++", f"Verilator's C++ build failed: {last[0][:200]}")
    return result


def _verilator_simulate(job: Job, marker: str) -> process.ProcessResult:
    binary = job.run_dir / job.private / "obj_dir" / f"V{job.top}"
    return _checked("verilator", _run_simulation([str(binary)], job, marker))


def _run_simulation(argv: list[str], job: Job, marker: str) -> process.ProcessResult:
    """Run the simulator keeping every testbench line and simulator error, however much is printed."""
    return process.run(argv, cwd=job.run_dir, timeout=job.timeout, keep_lines=tbmod.recorded_lines(marker))


def _checked(tool: str, result: process.ProcessResult) -> process.ProcessResult:
    if result.start_error:
        raise tools.ToolMissing(tool, result.start_error)
    return result


def _cleaner(marker: str, job: Job) -> Callable[[str], str]:
    """Text the model may see: no marker, and the private folder's files named by their plain names."""
    prefixes = (f"{job.run_dir / job.private}/", f"{job.private}/")

    def clean(text: str) -> str:
        for prefix in prefixes:
            text = text.replace(prefix, "")
        return text.replace(marker, "")
    return clean


def _clean_diag(diag: Diagnostic, clean: Callable[[str], str]) -> Diagnostic:
    return diag.model_copy(update={"message": clean(diag.message), "file": clean(diag.file) if diag.file else None})


def _aigchip(message: str) -> Diagnostic:
    return Diagnostic(message=message, source="aigchip")


def _finish(verdict: Verdict, status: Status, diags: list[Diagnostic], started: float, log: str = "") -> Verdict:
    verdict.status = status
    verdict.diagnostics = diags[:MAX_DIAGNOSTICS]
    verdict.log = process.cap_text(log, LOG_HEAD, LOG_TAIL)
    verdict.duration_s = round(time.monotonic() - started, 3)
    return verdict


_SIMULATORS: dict[str, tuple[Callable[[Job], process.ProcessResult], Callable[[Job, str], process.ProcessResult],
                             Callable[[str], list[Diagnostic]]]] = {
    "icarus": (_icarus_compile, _icarus_simulate, lint.parse_iverilog),
    "verilator": (_verilator_compile, _verilator_simulate, lint.parse_verilator),
}
# simulators whose compile and simulation share one box: (job, marker) to (compiled, ran or None)
_TOGETHER: dict[str, Callable[[Job, str, LintStep | None], tuple[process.ProcessResult, process.ProcessResult | None]]] = {
    "icarus": _icarus_together,
}
