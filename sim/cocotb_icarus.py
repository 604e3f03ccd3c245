"""cocotb's Icarus build and test run by aigchip itself, without the cocotb child Python (sim/cocotb_child.py).

What cocotb's runner does for Icarus is two commands: `iverilog` (a command file with the default
timescale, the top, -g2012, includes, the top's parameters, the sources, and for waves a dump module) and
`vvp -m cocotb's VPI library` with the environment that tells the Python embedded in vvp which tests to
import and where to write results. Running both here through process.run saves one Python start-up per
check (about a third of a cocotb check's CPU) and keeps every guarantee of sim/cocotb_run.py: the same
private results folder, import guard, box and environment, and the outcome the child would have written
({"completed": [...], "failed": {...} | None}), so cocotb_run turns it into the same verdict.

Used only inside a working bubblewrap box: the box's environment starts from nothing, so no COCOTB_*
variable of the caller's reaches cocotb (the child removed them itself).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

from aigchip.sim import params, process, sandbox, tools

LOG_BYTES = 256 * 1024  # what cocotb_run reads of each end of a log
# cocotb's runner: the dump module Icarus needs for waves; +dumpfile_path names the VCD
DUMP_MODULE = """module cocotb_iverilog_dump();
initial begin
    string dumpfile_path;    if ($value$plusargs("dumpfile_path=%s", dumpfile_path)) begin
        $dumpfile(dumpfile_path);
    end else begin
        $dumpfile({default});
    end
    $dumpvars(0, {top});
end
endmodule
"""


def usable() -> bool:
    """Whether checks may run iverilog and vvp directly: only inside a working box (see the module's note)."""
    return process.sandbox_status() == "bubblewrap"


def build_and_test(run_dir: Path, job: dict[str, Any], timeout: float, env: dict[str, str], box: sandbox.Box, *,
                   child: Callable[..., tuple[dict[str, Any], bool]]) -> tuple[dict[str, Any], bool]:
    """cocotb_run's Icarus build and test: run here when usable(), else by `child` (cocotb_run._run_child)."""
    if not usable():
        return child(run_dir, job, ["build", "test"], timeout, env, box)
    return run(run_dir, job, timeout, env, box)


def run(run_dir: Path, job: dict[str, Any], timeout: float, env: dict[str, str], box: sandbox.Box
        ) -> tuple[dict[str, Any], bool]:
    """Build and test as cocotb_child.py's ["build", "test"] phases: (outcome, whether the time ran out)."""
    started = time.monotonic()
    outcome: dict[str, Any] = {"completed": [], "failed": None}
    ended = _phase(outcome, "build", "iverilog", _build_argv(job), run_dir, timeout, env, job["build_log"],
                   sandbox.Box(readable=box.readable))
    if ended is not None:
        return outcome, ended
    Path(job["results_xml"]).unlink(missing_ok=True)
    left = max(0.1, timeout - (time.monotonic() - started))
    ended = _phase(outcome, "test", "vvp", _test_argv(job), run_dir, left, {**env, **_test_env(job)},
                   job["test_log"], box)
    return outcome, bool(ended)


def _phase(outcome: dict[str, Any], phase: str, tool: str, argv: list[str], run_dir: Path, timeout: float,
           env: dict[str, str], log: str, box: sandbox.Box) -> bool | None:
    """Run one phase's command into `outcome`: None when it completed, else whether its time ran out (False:
    it failed, as cocotb's runner says)."""
    done = process.run(argv, cwd=run_dir, timeout=timeout, env=env, log_path=log, head_bytes=LOG_BYTES,
                       tail_bytes=LOG_BYTES, box=box)
    if done.start_error:
        raise tools.ToolMissing(tool, done.start_error)
    if done.timed_out:
        return True
    if not done.ok:
        outcome["failed"] = _command_failed(phase, done.returncode)
        return False
    outcome["completed"].append(phase)
    return None


def _command_failed(phase: str, returncode: int | None) -> dict[str, Any]:
    """What cocotb_child.classify says of the runner's RuntimeError for a command that failed."""
    code = 128 - returncode if returncode is not None and 128 < returncode < 160 else returncode  # the box's shell: 128 + signal
    return {"phase": phase, "kind": "design", "detail": f"RuntimeError: Command failed with return code: {code}"}


def timescale_file(build_dir: Path, timescale: tuple[str, str] | list[str]) -> Path:
    """The command file that gives iverilog cocotb's default timescale (also sim/cocotb_batch.py's)."""
    cmds = build_dir / "cmds.f"
    cmds.write_text("+timescale+{}/{}\n".format(*timescale), encoding="utf-8")
    return cmds


def _build_argv(job: dict[str, Any]) -> list[str]:
    build_dir = Path(job["build_dir"])
    build_dir.mkdir(parents=True, exist_ok=True)
    cmds = timescale_file(build_dir, job["timescale"])
    top = job["top"]
    waves: list[str] = []
    if job["waves"]:
        dump = build_dir / "cocotb_iverilog_dump.v"
        default = '"' + str(build_dir / f"{top}.fst").replace("\\", "\\\\").replace('"', '\\"') + '"'
        dump.write_text(DUMP_MODULE.replace("{default}", default).replace("{top}", top), encoding="utf-8")
        waves = [str(dump)]
    return [tools.find("iverilog").path, "-o", str(build_dir / "sim.vvp"), "-s", top, "-g2012",
            *(f"-I{include}" for include in job["includes"]),
            *params.iverilog_flags(top, tuple((job.get("parameters") or {}).items())),
            *job["build_args"], *(["-s", "cocotb_iverilog_dump"] if waves else []), "-f", str(cmds),
            *job["sources"], *waves]


def vvp_argv(sim: Path, plusargs: list[str]) -> list[str]:
    """vvp with cocotb's VPI library loaded, running the compiled `sim` (also sim/cocotb_batch.py's)."""
    return [tools.find("vvp").path, "-m", cocotb_config()["vpi"], str(sim), *plusargs]


def vvp_env(top: str, test_modules: list[str], seed: int | str, results_xml: str, *,
            path: str | None = None) -> dict[str, str]:
    """What cocotb's runner gives the simulator: the GPI entry points, the tests to import, the results file,
    and cocotb's libraries after `path` (else this process's PATH). Also sim/cocotb_batch.py's and
    sim/cocotb_direct.py's (Verilator)."""
    config = cocotb_config()
    return {
        "GPI_USERS": f"{config['libpython']};{config['entry']}", "PYGPI_PYTHON_BIN": sys.executable,
        "PATH": os.pathsep.join(p for p in (path or os.environ.get("PATH", ""), config["libs"]) if p),
        "COCOTB_TOPLEVEL": top, "TOPLEVEL_LANG": "verilog", "COCOTB_TEST_MODULES": ",".join(test_modules),
        "COCOTB_RANDOM_SEED": str(seed), "COCOTB_RESULTS_FILE": results_xml,
    }


def _test_argv(job: dict[str, Any]) -> list[str]:
    plusargs = [f"+dumpfile_path={job['vcd']}"] if job["waves"] else ["-none"]
    return vvp_argv(Path(job["build_dir"]) / "sim.vvp", plusargs)


def _test_env(job: dict[str, Any]) -> dict[str, str]:
    """What cocotb's runner gives vvp (and cocotb_child.py's job adds)."""
    attachments = [*([str(Path(job["run_dir"]) / f"{job['top']}.vcd")] if job["waves"] else []), job["test_log"]]
    return {**vvp_env(job["top"], [*job.get("guard_modules", []), job["test_module"]], job["seed"], job["results_xml"]),
            "COCOTB_RESULTS_ATTACHMENTS": ",".join(attachments), **job["extra_env"]}


@functools.lru_cache(maxsize=1)
def cocotb_config() -> dict[str, Any]:
    """cocotb's VPI library for Icarus, its Python entry point and libpython, looked up once per process."""
    try:
        import cocotb_tools.config as config
        from find_libpython import find_libpython
    except ImportError as exc:
        raise tools.ToolMissing("cocotb", str(exc)) from None
    libpython = os.environ.get("LIBPYTHON_LOC") or find_libpython()
    if not libpython:
        raise tools.ToolMissing("cocotb", "libpython was not found")
    return {"vpi": config.lib_entry("vpi", "icarus"), "entry": config.pygpi_entry_point(),
            "libs": str(config.libs_dir), "libpython": libpython}
