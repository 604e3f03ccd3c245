"""Runs cocotb's build and/or test for sim.cocotb_run in a process of its own.

cocotb's runner may call sys.exit and has no wall-clock limit, so sim.cocotb_run starts this
program through sim.process.run (which kills the whole process group on timeout) and reads the
outcome file it leaves. Usage: python -P cocotb_child.py JOB.json (a script: it imports nothing of aigchip)

The job (JSON) holds: run_dir, test_path (the folder the tests import from), phases (["build", "test"], or one of them), simulator, top,
sources, includes, guard_modules (imported first), test_module, build_dir, timescale, waves, vcd, build_args, build_log,
test_log, results_xml, outcome, seed, extra_env, parameters (the top's, name -> integer). The outcome (JSON) says which phases completed and, for
a failed phase, whether the failure is the design's ("design") or the tools' ("tool").
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

# variables from the caller's environment that would change what cocotb's runner does
_FOREIGN_ENV = ("PYTEST_CURRENT_TEST", "WAVES", "GUI", "SIM_CMD_PREFIX", "SIM_CMD_SUFFIX", "GPI_USERS")


def make_runner(simulator: str) -> Any:
    """cocotb's runner; for Icarus one that records VCD instead of cocotb 2.1's default FST."""
    from cocotb_tools.runner import Icarus, get_runner

    class IcarusVcd(Icarus):
        def _waves_file(self) -> str:
            return f"{self.sim_hdl_toplevel}.vcd"

        def _test_command(self) -> list[list[str]]:
            # without a format plusarg vvp writes VCD to the path given by +dumpfile_path
            return [[arg for arg in cmd if arg != "-fst"] for cmd in super()._test_command()]

    return IcarusVcd() if simulator == "icarus" else get_runner(simulator)


def build(runner: Any, job: dict[str, Any]) -> None:
    runner.build(sources=job["sources"], includes=job["includes"], hdl_toplevel=job["top"],
                 build_dir=job["build_dir"], build_args=job["build_args"], always=True,
                 parameters=job.get("parameters") or {},
                 timescale=tuple(job["timescale"]), waves=job["waves"], log_file=job["build_log"])


def test(runner: Any, job: dict[str, Any]) -> None:
    vcd = job["vcd"] if job["waves"] else None
    runner.test(test_module=[*job.get("guard_modules", []), job["test_module"]], hdl_toplevel=job["top"], hdl_toplevel_lang="verilog",
                build_dir=job["build_dir"], test_dir=job["run_dir"], results_xml=job["results_xml"],
                timescale=tuple(job["timescale"]), waves=job["waves"], log_file=job["test_log"],
                seed=job["seed"], extra_env=job["extra_env"],
                plusargs=[*([f"+dumpfile_path={vcd}"] if vcd and job["simulator"] == "icarus" else []), *job.get("plusargs", [])],
                test_args=["--trace-file", vcd] if vcd and job["simulator"] == "verilator" else [])


def classify(phase: str, exc: BaseException, simulator: str) -> dict[str, Any]:
    """Whose failure an exception from cocotb's runner is: the design's or the tools'."""
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    if isinstance(exc, SystemExit):
        if isinstance(exc.code, int):  # the simulator exited non-zero; results may still exist
            return {"phase": phase, "kind": "design", "detail": f"simulator exit code {exc.code}", "exit_code": exc.code}
        return {"phase": phase, "kind": "tool", "tool": simulator, "detail": str(exc.code)}
    if isinstance(exc, RuntimeError) and str(exc).startswith("Command failed"):
        return {"phase": phase, "kind": "design", "detail": detail}  # iverilog / verilator / make said no
    if isinstance(exc, FileNotFoundError):
        return {"phase": phase, "kind": "tool", "tool": Path(str(exc.filename or simulator)).name, "detail": detail}
    if isinstance(exc, ImportError):
        return {"phase": phase, "kind": "tool", "tool": "cocotb", "detail": detail}
    return {"phase": phase, "kind": "tool", "tool": "cocotb", "detail": traceback.format_exc()[-2000:]}


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    if "test" in job["phases"]:  # the tests import nothing while only a build runs
        # the test module and its helpers import from their own folder, never from the run folder the design writes to
        sys.path.insert(0, job["test_path"])
    for name in [*_FOREIGN_ENV, *(n for n in os.environ if n.startswith("COCOTB_"))]:
        os.environ.pop(name, None)
    outcome: dict[str, Any] = {"completed": [], "failed": None}
    out_path = Path(job["outcome"])
    out_path.write_text(json.dumps(outcome), encoding="utf-8")
    steps = {"build": build, "test": test}
    phase = "setup"
    try:
        runner = make_runner(job["simulator"])
        for phase in job["phases"]:
            steps[phase](runner, job)
            outcome["completed"].append(phase)
            out_path.write_text(json.dumps(outcome), encoding="utf-8")
    except BaseException as exc:  # noqa: BLE001 - SystemExit included: cocotb's runner exits on simulator failures
        outcome["failed"] = classify(phase, exc, job["simulator"])
        if outcome["failed"]["kind"] == "tool":
            traceback.print_exc()
    out_path.write_text(json.dumps(outcome), encoding="utf-8")
    return 0 if outcome["failed"] is None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
