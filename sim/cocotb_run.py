"""Run a cocotb test module against a design with Icarus Verilog or Verilator, as a Verdict.

cocotb's runner can call sys.exit and has no wall-clock limit, so it runs in a child Python process
(sim/cocotb_child.py; in a box, no child: sim/cocotb_icarus.py, sim/cocotb_direct.py) started through
process.run, which kills its whole process group on timeout. The child leaves cocotb_outcome.json and
cocotb's JUnit cocotb_results.xml in the run folder; this module turns them into a Verdict.

Timeouts: with Icarus one child builds and tests within `timeout` seconds. With Verilator this process
builds (sim/verilator_build.py) within max(timeout, VERILATOR_BUILD_TIMEOUT) s, then tests in `timeout` s.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import site
import sys
import time
from pathlib import Path
from typing import Any, Sequence
from xml.etree import ElementTree

from aigchip.sim import cocotb_direct, cocotb_icarus, files, lint, params, process, sandbox, tools, verilator_build
from aigchip.sim.types import Design, Diagnostic, Severity, Status, Verdict

VERILATOR_BUILD_TIMEOUT = 300.0
MAX_COPIED_FILE_BYTES = 16 * 1024 * 1024
LOG_HEAD_CHARS = 6000
LOG_TAIL_CHARS = 6000
SEED = 1  # a fixed random seed: the same design and tests give the same verdict
PRIVATE_PREFIX = ".aigchip-"
RESULTS_XML, TEST_LOG, BUILD_LOG = "cocotb_results.xml", "cocotb_test.log", "cocotb_build.log"
# imported by cocotb before the test module: cocotb puts "" (the working folder, where the design writes)
# first on sys.path, so Python the design wrote there could be imported by a later, lazy import
GUARD_MODULE = "aigchip_import_guard"
GUARD_SOURCE = '''"""Written by aigchip: the tests import only from their own folder, never from the design's working folder."""
import os
import sys

sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != os.getcwd()]
'''
COMPILED_SUFFIXES = (".v", ".sv")  # .vh/.svh headers are only `included
HDL_SUFFIXES = (".v", ".sv", ".vh", ".svh", ".vhd", ".vhdl")
TASK_FILES = ("task.json", "meta.json", "session.jsonl")  # a benchmark task's description, a run folder's record
TASK_FILE_SUFFIXES = (".md", ".txt", *HDL_SUFFIXES)  # notes, datasheets, expected-output data, testbenches
CHILD_SCRIPT = Path(__file__).with_name("cocotb_child.py")  # bound read-only into the box, alone
# Verilator: warnings stay warnings (Icarus accepts the same code); delays and events are simulated
# registers start at random values (seeded by SEED: the same design, the same values), not at 0: a dropped reset shows
VERILATOR_BUILD_ARGS = ["-Wno-fatal", "--timing", "--x-initial", "unique"]
VERILATOR_PLUSARGS = ["+verilator+rand+reset+2", f"+verilator+seed+{SEED}"]
# signs in a test log that cocotb or the simulator could not start, which is never the design's fault
_TOOL_FAILURE = re.compile(r"Unable to (?:find|load|open) .*(?:libpython|cocotb|vpi)|cannot open shared object"
                           r"|No module named 'cocotb(?:\.\w+)*'|Failed to load libpython", re.IGNORECASE)
_BUILD_TOOL_FAILURE = re.compile(r"^.*\b(?:c\+\+|g\+\+|clang\+\+|cc|ccache|make|perl)\b.*(?:not found|No such file or directory"
                                 r"|cannot execute|Could not find compiler).*$|^ccache: error.*$", re.MULTILINE)
_EXCEPTION_LINE = re.compile(r"^\s*(?:\w+\.)*\w*(?:Error|Exception|Exit|Interrupt)(?::.*)?$", re.MULTILINE)
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def run_cocotb(run_dir: Path, design: Design, tests: Path, *, simulator: str = "icarus",
               timeout: float = 120.0, waves: bool = False,
               timescale: tuple[str, str] = ("1ns", "1ps"),
               extra_sources: Sequence[Path] = (), tests_by_model: bool = False,
               parameters: tuple[tuple[str, int], ...] = ()) -> Verdict:
    """Build `design` (already written into `run_dir`) and run the cocotb test module `tests`.

    `tests_by_model`: the model wrote the tests (self feedback, the page's Write tests): of the files beside
    them only what the model may have written is copied in (never the task's own tests, notes or HDL),
    and they run only inside the sandbox unless the user allowed otherwise.
    Raises tools.ToolMissing when cocotb, the simulator or its build tools do not work (or there is no
    sandbox for model-written tests).
    """
    if simulator not in ("icarus", "verilator"):
        raise ValueError(f"unsupported simulator {simulator!r}; use 'icarus' or 'verilator'")
    started = time.monotonic()
    run_dir = Path(run_dir).resolve()
    versions = _tool_versions(simulator)
    job = _write_job(run_dir, design, Path(tests), simulator, waves, timescale, extra_sources, tests_by_model)
    job["parameters"] = dict(parameters)  # the runner passes them as -P (Icarus) or -G (Verilator): sim/params.py
    env = _child_env(run_dir, Path(job["private"]), simulator)
    box = sandbox.Box(readable=(str(CHILD_SCRIPT),), model_python=tests_by_model)
    if simulator == "verilator":
        build_timeout = max(timeout, VERILATOR_BUILD_TIMEOUT)
        outcome, timed_out = _verilator_build(run_dir, job, build_timeout)
        if outcome["failed"] is None and not timed_out:
            outcome, timed_out = cocotb_direct.test(run_dir, job, timeout, env, box, child=_run_child)
            outcome["completed"].insert(0, "build")
        limit = build_timeout if "build" not in outcome["completed"] else timeout
    else:  # in a box aigchip runs iverilog and vvp itself (sim/cocotb_icarus.py), else the child does
        outcome, timed_out = cocotb_icarus.build_and_test(run_dir, job, timeout, env, box, child=_run_child)
        limit = timeout
    verdict = _verdict(run_dir, job, outcome, timed_out, limit)
    _leave_copies(run_dir, job)
    verdict.simulator, verdict.checks, verdict.tools = simulator, ["cocotb"], versions
    vcd = Path(job["vcd"])
    if waves and vcd.is_file() and vcd.stat().st_size > 0:
        verdict.waveform = str(vcd)
    verdict.run_dir = str(run_dir)
    verdict.duration_s = time.monotonic() - started
    return verdict


def _tool_versions(simulator: str) -> dict[str, str]:
    """Versions of what will run; raises ToolMissing early when something is not installed."""
    versions = {"cocotb": tools.cocotb_version()}
    for name in ("iverilog", "vvp") if simulator == "icarus" else ("verilator",):
        versions[name] = tools.find(name).version
    return versions


def _write_job(run_dir: Path, design: Design, tests: Path, simulator: str, waves: bool,
               timescale: tuple[str, str], extra_sources: Sequence[Path], tests_by_model: bool) -> dict[str, Any]:
    """Copy the test module, its helpers and the extra sources into a private folder, and describe the job."""
    if tests.suffix != ".py" or not tests.is_file() or not tests.stem.isidentifier():
        raise ValueError(f"cocotb test module {tests} is not a .py file with an importable name")
    missing = [name for name in design.files if not (run_dir / name).is_file()]
    if missing:
        raise ValueError(f"design files not written into {run_dir}: {', '.join(missing)}")
    private = run_dir / f"{PRIVATE_PREFIX}{secrets.token_hex(12)}"
    private.mkdir(mode=0o700)
    _copy_test_files(tests, private, only_helpers=tests_by_model)
    (private / f"{GUARD_MODULE}.py").write_text(GUARD_SOURCE, encoding="utf-8")
    extra = [private / _copy_extra_source(Path(src), private, design) for src in extra_sources]
    sources = [str(p) for p in [*(run_dir / name for name in design.files), *extra] if p.name.endswith(COMPILED_SUFFIXES)]
    return {
        "run_dir": str(run_dir), "private": str(private), "simulator": simulator, "top": design.top,
        "sources": sources, "includes": [str(run_dir)], "test_module": tests.stem, "test_path": str(private), "guard_modules": [GUARD_MODULE],
        "build_dir": str(run_dir / "cocotb_build"), "timescale": list(timescale), "waves": waves,
        "vcd": str(run_dir / f"{design.top}.vcd"), "build_args": VERILATOR_BUILD_ARGS if simulator == "verilator" else [],
        "build_log": str(private / BUILD_LOG), "test_log": str(private / TEST_LOG),
        "results_xml": str(private / RESULTS_XML), "outcome": str(private / "cocotb_outcome.json"),
        "seed": SEED, "plusargs": VERILATOR_PLUSARGS if simulator == "verilator" else [], "extra_env": {"COCOTB_ANSI_OUTPUT": "0", "COCOTB_RESULTS_RELATIVE_TO": str(run_dir)},
    }


def _leave_copies(run_dir: Path, job: dict[str, Any]) -> None:
    """The results and logs the verdict was read from, copied over anything the design wrote by those names."""
    for name in (RESULTS_XML, TEST_LOG, BUILD_LOG):
        target = run_dir / name
        target.unlink(missing_ok=True)
        try:
            shutil.copyfile(Path(job["private"]) / name, target)
        except OSError:
            pass  # not written (the build failed, or the run timed out)


def model_helper(name: str) -> bool:
    """Whether a file beside model-written tests may be one the model wrote, rather than the task's own."""
    return not (name.startswith("test_") or name.endswith(TASK_FILE_SUFFIXES) or name in TASK_FILES)


def _copy_test_files(tests: Path, run_dir: Path, only_helpers: bool = False) -> None:
    """The test module and its sibling .py helpers and data files; HDL, hidden, huge and existing ones skipped.
    `only_helpers` (the model wrote the tests): only what the model wrote beside them (the plan's golden.py,
    recorded traffic), never the task's own tests (test_*.py), notes or task description."""
    if tests.resolve() != (run_dir / tests.name).resolve():
        shutil.copyfile(tests, run_dir / tests.name)
    for path in sorted(tests.resolve().parent.iterdir()):
        target = run_dir / path.name
        if (path.name.startswith(".") or path.is_symlink() or not path.is_file() or target.exists()
                or path.suffix.lower() in HDL_SUFFIXES or path.stat().st_size > MAX_COPIED_FILE_BYTES):
            continue
        if only_helpers and not model_helper(path.name):
            continue
        shutil.copyfile(path, target)


def _copy_extra_source(src: Path, run_dir: Path, design: Design) -> str:
    name = process.safe_name(src.name)
    if name in design.files:
        raise ValueError(f"extra source {src} has the same name as a design file")
    shutil.copyfile(src, run_dir / name)
    return name


def _child_env(run_dir: Path, private: Path, simulator: str) -> dict[str, str]:
    """Keep the child's writes in run_dir: HOME, TMPDIR, no bytecode; nothing of aigchip importable (the
    sandbox shows none of it), and only the private folder (not the run folder, where the design writes)
    on the tests' import path."""
    tmp = run_dir / "cocotb_tmp"
    tmp.mkdir(exist_ok=True)
    env = {
        "PYTHONPATH": os.pathsep.join(p for p in (str(private), os.environ.get("PYTHONPATH")) if p),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONSAFEPATH": "1",  # the simulator's Python must not import from its working folder, the run folder
        "PYTHONUSERBASE": site.getuserbase(),  # HOME moves; packages installed with --user still import
        "HOME": str(run_dir),
        "TMPDIR": str(tmp),
        # cocotb's assertion rewriting builds a pytest Config, which would import every installed
        # pytest plugin inside the simulator (seconds per run)
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    if simulator == "verilator":
        env.update(_verilator_env())
    return env


def _verilator_env() -> dict[str, str]:
    return {**tools.find("verilator").environ, "CXXFLAGS": " ".join(verilator_build.cocotb_cxxflags())}


def _verilator_build(run_dir: Path, job: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bool]:
    """Build with cocotb's main and VPI library here (sim/verilator_build.py), the log where the child writes it.
    Returns the outcome, as the child's, and whether the build timed out."""
    args = [*job["build_args"], *params.verilator_flags(tuple(job["parameters"].items()))]
    built = verilator_build.for_cocotb(run_dir, Path(job["build_dir"]).name, job["top"], job["sources"],
                                       job["includes"], args, job["timescale"], job["waves"], timeout)
    Path(job["build_log"]).write_text(built.output, encoding="utf-8")
    failed = None if built.ok or built.timed_out else {"phase": "build", "kind": "design", "detail": "the build failed"}
    return {"completed": [], "failed": failed}, built.timed_out


def _run_child(run_dir: Path, job: dict[str, Any], phases: list[str], timeout: float,
               env: dict[str, str], box: sandbox.Box) -> tuple[dict[str, Any], bool]:
    """Run the child for `phases`; returns its outcome and whether it was killed on timeout."""
    private = Path(job["private"])
    job_path = private / "cocotb_job.json"
    job_path.write_text(json.dumps({**job, "phases": phases}, indent=1), encoding="utf-8")
    outcome_path = Path(job["outcome"])
    outcome_path.unlink(missing_ok=True)
    argv = [sys.executable, "-P", str(CHILD_SCRIPT), str(job_path)]  # -P: no sys.path[0]
    result = process.run(argv, cwd=run_dir, timeout=timeout, env=env, log_path=private / f"cocotb_child_{phases[0]}.log",
                         box=box)
    if result.start_error:
        raise tools.ToolMissing("python", result.start_error)
    try:
        outcome = json.loads(outcome_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if result.timed_out:
            return {"completed": [], "failed": None}, True
        # the child died before it could say anything: aigchip's own set-up is broken
        raise tools.ToolMissing("cocotb", f"the cocotb child process failed: {_tail(result.output, 1500)}") from None
    if outcome["failed"] is None and not result.timed_out and not result.ok:
        outcome["failed"] = {"phase": phases[-1], "kind": "design",
                             "detail": f"the cocotb process exited with {result.signal_name or result.returncode}"}
    return outcome, result.timed_out


def _verdict(run_dir: Path, job: dict[str, Any], outcome: dict[str, Any], timed_out: bool, limit: float) -> Verdict:
    failed = outcome.get("failed")
    if failed and failed["kind"] == "tool":
        raise tools.ToolMissing(failed.get("tool") or "cocotb", _tail(failed["detail"], 1500))
    build_log = _relative(files.read_capped(Path(job["build_log"])), run_dir)
    build_diags = _build_diagnostics(build_log, job["simulator"])
    if timed_out:
        return _timeout_verdict(run_dir, job, outcome, build_diags, limit)
    if failed and failed["phase"] in ("setup", "build"):
        return _compile_error_verdict(job["simulator"], build_log, build_diags)
    test_log = _relative(files.read_capped(Path(job["test_log"])), run_dir)
    if _TOOL_FAILURE.search(test_log) and not Path(job["results_xml"]).is_file():
        raise tools.ToolMissing("cocotb", f"cocotb did not start in the simulator: {_tail(test_log, 1500)}")
    verdict = _results_verdict(Path(job["results_xml"]), run_dir, job["test_module"], failed, test_log)
    verdict.diagnostics = build_diags + verdict.diagnostics
    verdict.log = _cap(test_log)
    return verdict


def _compile_error_verdict(simulator: str, build_log: str, build_diags: list[Diagnostic]) -> Verdict:
    if not any(d.severity is Severity.ERROR for d in build_diags):
        if match := _BUILD_TOOL_FAILURE.search(build_log):  # the C++ compiler or make is missing or broken
            raise tools.ToolMissing("make" if simulator == "verilator" else simulator, match.group(0))
        build_diags.append(Diagnostic(message=f"the {simulator} build failed: {_tail(build_log, 800)}", source="cocotb"))
    return Verdict(status=Status.COMPILE_ERROR, diagnostics=build_diags, log=_cap(build_log))


def _timeout_verdict(run_dir: Path, job: dict[str, Any], outcome: dict[str, Any],
                     build_diags: list[Diagnostic], limit: float) -> Verdict:
    if "build" not in outcome["completed"]:
        message = f"the {job['simulator']} build ran past {limit:g} s and was stopped"
        log = files.read_capped(Path(job["build_log"]))
    else:
        message = (f"the simulation ran past {limit:g} s of wall-clock time and was stopped; a test may be "
                   "waiting for a signal that never changes (give awaits a cocotb timeout)")
        log = files.read_capped(Path(job["test_log"]))
    diag = Diagnostic(message=message, source="aigchip")
    return Verdict(status=Status.TIMEOUT, diagnostics=[*build_diags, diag], log=_cap(_relative(log, run_dir)))


def _results_verdict(results_xml: Path, run_dir: Path, test_module: str, failed: dict[str, Any] | None,
                     test_log: str) -> Verdict:
    """Status from cocotb's JUnit results: any error beats a timeout, which beats a mismatch."""
    if not results_xml.is_file():
        return _no_results_verdict(run_dir, test_module, failed, test_log)
    try:
        root = ElementTree.parse(results_xml).getroot()
    except ElementTree.ParseError as exc:
        return Verdict(status=Status.SIM_ERROR, diagnostics=[Diagnostic(message=f"unreadable cocotb results: {exc}", source="cocotb")])
    cases = list(root.iter("testcase"))
    judged = [_failure_diagnostic(case, problem, run_dir, test_module)
              for case in cases if (problem := _problem_of(case)) is not None]
    kinds = {status for status, _ in judged}
    verdict = Verdict(status=next((s for s in (Status.SIM_ERROR, Status.TIMEOUT, Status.MISMATCH) if s in kinds), Status.PASS),
                      diagnostics=[diag for _, diag in judged], tests_total=len(cases), tests_failed=len(judged),
                      failure_time_ns=_first_failure_time(cases))
    if verdict.status is Status.PASS and (not cases or failed):
        why = f"the tests passed but the simulator failed: {failed['detail']}" if cases and failed else \
            "no cocotb tests ran"
        verdict.status = Status.SIM_ERROR
        verdict.diagnostics.append(Diagnostic(message=why, source="cocotb"))
    return verdict


def _first_failure_time(cases: list[ElementTree.Element]) -> float | None:
    """When (simulated ns) the first failing test stopped: cocotb ends a test at its failing assertion."""
    times = []
    for case in cases:
        if _problem_of(case) is None:
            continue
        props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
        try:
            scale = {"ns": 1.0, "ps": 1e-3, "fs": 1e-6, "us": 1e3, "ms": 1e6, "s": 1e9}[props.get("sim_time_unit") or "ns"]
            times.append(float(props["sim_time_stop"]) * scale)
        except (KeyError, TypeError, ValueError):
            continue
    return min(times) if times else None


def _problem_of(case: ElementTree.Element) -> ElementTree.Element | None:
    """A JUnit testcase's <failure> (an exception in the test) or <error> (it could not start)."""
    failure = case.find("failure")
    return failure if failure is not None else case.find("error")


def _no_results_verdict(run_dir: Path, test_module: str, failed: dict[str, Any] | None, test_log: str) -> Verdict:
    """cocotb wrote no results: the test module failed to load, exited, or the simulator died."""
    why = f" ({failed['detail']})" if failed else ""
    raised = _EXCEPTION_LINE.findall(test_log)
    cause = raised[-1].strip() if raised else "the test module may have called sys.exit or crashed while loading"
    file, line = _failure_location(test_log, run_dir, test_module)
    message = f"the simulation ended without cocotb results{why}: {cause}"
    return Verdict(status=Status.SIM_ERROR, diagnostics=[Diagnostic(message=message, file=file, line=line, source="cocotb")])


def _failure_diagnostic(case: ElementTree.Element, problem: ElementTree.Element, run_dir: Path,
                        test_module: str) -> tuple[Status, Diagnostic]:
    """One failing test as (the status it implies, an ERROR diagnostic with the message and location)."""
    name = case.get("name", "?")
    kind_name = problem.get("type") or ""
    message = (problem.get("message") or "").strip()
    props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
    if kind_name == "AssertionError":
        status = Status.MISMATCH
        message = message or "assertion failed"
    elif kind_name == "SimTimeoutError":
        status = Status.TIMEOUT
        after = f" after {float(props['sim_time_duration']):g} {props.get('sim_time_unit', 'ns')} of simulated time" \
            if props.get("sim_time_duration") else ""
        message = f"test timed out{after} (cocotb SimTimeoutError): what it waited for never happened"
    else:
        status = Status.SIM_ERROR
        message = f"{kind_name or 'error'}: {message}" if message else (kind_name or "test failed")
    file, line = _failure_location(problem.text or "", run_dir, test_module)
    if file is None and props.get("file"):
        file, line = _relative(props["file"], run_dir), int(props["line"]) if props.get("line") else None
    return status, Diagnostic(message=message, file=file, line=line, code=name, source="cocotb")


def _failure_location(traceback_text: str, run_dir: Path, test_module: str) -> tuple[str | None, int | None]:
    """The deepest traceback frame in the test module, else in any file of the run folder."""
    frames = [(m["file"], int(m["line"])) for m in _FRAME.finditer(traceback_text)]
    local = [(_relative(f, run_dir), n) for f, n in frames
             if f.startswith(f"{run_dir}{os.sep}") or not (os.path.isabs(f) or f.startswith("<"))]
    in_module = [fl for fl in local if Path(fl[0]).name == f"{test_module}.py"]
    return (in_module or local)[-1] if in_module or local else (None, None)


def _build_diagnostics(build_log: str, simulator: str) -> list[Diagnostic]:
    return lint.parse_verilator(build_log) if simulator == "verilator" else lint.parse_iverilog(build_log)


def _relative(text: str, run_dir: Path) -> str:
    """Paths in the run folder (and its private folder) as plain names; the private folder's name never shows."""
    private = f"(?:{re.escape(f'{run_dir}{os.sep}')})?{re.escape(PRIVATE_PREFIX)}[0-9a-f]+(?:{re.escape(os.sep)}|\\b)"
    return re.sub(private, "", text).replace(f"{run_dir}{os.sep}", "")


def _cap(text: str) -> str:
    return process.cap_text(text, LOG_HEAD_CHARS, LOG_TAIL_CHARS)


def _tail(text: str, chars: int) -> str:
    text = text.strip()
    return text if len(text) <= chars else "..." + text[-chars:]
