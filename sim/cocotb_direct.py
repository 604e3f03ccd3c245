"""Run a Verilator model built for cocotb (sim/verilator_build.py) as cocotb's runner would, without it.

cocotb's runner.test() for Verilator only sets the simulator's environment and starts the executable; its
own Python process (sim/cocotb_child.py) costs a start-up and the runner's imports, about 0.4 CPU s a
check. Here the executable starts directly through sim/process.py, in the box the child had, with the
environment runner.test() gives it (cocotb 2.1: GPI_USERS, PYGPI_PYTHON_BIN, COCOTB_TOPLEVEL,
COCOTB_TEST_MODULES, COCOTB_RESULTS_FILE, COCOTB_RANDOM_SEED, COCOTB_TRUST_INERTIAL_WRITES, ...); the
outcome has the child's shape. As for Icarus (sim/cocotb_icarus.py), only inside a working box, whose
environment starts from nothing: without one the caller's COCOTB_* variables would reach cocotb, so the
child (which removes them) runs the test instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from aigchip.sim import cocotb_icarus, process, sandbox, tools

LOG_BYTES = cocotb_icarus.LOG_BYTES


def test(run_dir: Path, job: dict[str, Any], timeout: float, env: dict[str, str], box: sandbox.Box, *,
         child: Callable[..., tuple[dict[str, Any], bool]]) -> tuple[dict[str, Any], bool]:
    """cocotb_run's Verilator test phase: here when the box works, else by `child` (cocotb_run._run_child).
    Returns the outcome and whether the run was stopped on timeout; the simulator's output is the test log."""
    if not cocotb_icarus.usable():
        return child(run_dir, job, ["test"], timeout, env, box)
    waves = [job["vcd"]] if job["waves"] else []
    modules = [*job.get("guard_modules", []), job["test_module"]]
    sim_env = {
        **env, **cocotb_icarus.vvp_env(job["top"], modules, job["seed"], job["results_xml"], path=env.get("PATH")),
        "COCOTB_TRUST_INERTIAL_WRITES": "1", "COCOTB_RESULTS_ATTACHMENTS": ",".join([*waves, job["test_log"]]),
        **job["extra_env"],
    }
    argv = [str(Path(job["build_dir"]) / job["top"]), *(["--trace", "--trace-file", waves[0]] if waves else []),
            *job.get("plusargs", [])]
    Path(job["results_xml"]).unlink(missing_ok=True)
    result = process.run(argv, cwd=run_dir, timeout=timeout, env=sim_env, box=box, log_path=job["test_log"],
                         head_bytes=LOG_BYTES, tail_bytes=LOG_BYTES)
    if result.start_error:
        raise tools.ToolMissing("verilator", f"the built model did not start: {result.start_error}")
    if result.timed_out:
        return {"completed": [], "failed": None}, True
    if result.ok:
        return {"completed": ["test"], "failed": None}, False
    code = result.signal_name or result.returncode
    return {"completed": [], "failed": {"phase": "test", "kind": "design", "detail": f"simulator exit code {code}"}}, False
