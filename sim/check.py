"""`verify`: policy, lint, then the task's testbench or cocotb tests, as one classified Verdict."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

from aigchip.sim import cache as verdict_cache
from aigchip.sim import source, tools  # process (the sandbox) is imported on a miss: a cached verdict needs none
from aigchip.sim.types import Design, Diagnostic, Severity, Status, Verdict

if TYPE_CHECKING:
    from aigchip.sim.lint_step import LintStep

LOG_HEAD, LOG_TAIL = 6000, 6000
Simulate = Callable[[Path, Design, "VerifyOptions"], Verdict]
Lint = Callable[[Path, Design, "VerifyOptions"], list[Diagnostic]]


class VerifyOptions(BaseModel):
    """What to check a design against, and how. Saved with every record that used it."""

    model_config = ConfigDict(frozen=True)

    testbench: tuple[Path, ...] = ()  # Verilog testbench files; the first one's folder holds its data files
    tests: Path | None = None  # a cocotb test module
    tests_by_model: bool = False  # the model wrote `tests`: run alone (no files beside it), sandbox required
    reference: Path | None = None  # a reference design the testbench instantiates
    simulator: Literal["icarus", "verilator", "both"] = "icarus"  # both: the two must agree
    timeout: float = Field(60.0, gt=0)
    lint: bool = True  # verilator --lint-only -Wall, when Verilator is installed
    strict: bool = False  # lint warnings fail the design
    waves: bool = False  # record a VCD (keep the run folder to look at it)
    tb_top: str | None = None
    keep_dir: Path | None = None  # keep each run folder under here
    use_cache: bool = True
    synth: bool = False  # yosys cost and synthesis warnings (sim/synth.py)
    fpga: Literal["ice40", "ecp5"] | None = None  # also map to this FPGA (LUTs, FFs, DSPs, block RAMs)
    fmax: bool = False  # also place and route for an Fmax (implies synth; on ice40 unless fpga says ecp5)
    equiv: tuple[Path, ...] = ()  # reference design files to prove the design equivalent to
    equiv_bound: int = Field(20, ge=1)  # cycles from reset a sequential proof looks at
    equiv_timeout: float | None = Field(None, gt=0)  # seconds for all proof engines together (None: the synthesis limit)
    parameters: tuple[tuple[str, int], ...] = ()  # the top's Verilog parameters set for every tool (sim/params.py)

    @property
    def testbench_decides(self) -> bool:
        return bool(self.testbench)


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _verdict(status: Status, diagnostics: list[Diagnostic], **fields: object) -> Verdict:
    return Verdict(status=status, diagnostics=diagnostics, **fields)


def _no_code(design: Design) -> Verdict | None:
    if not design.files or not any(source.module_names(t) for t in design.files.values()):
        return _verdict(Status.NO_CODE, [Diagnostic(message="no Verilog module found in the design", source="aigchip")])
    return None


def _top_missing(design: Design) -> Verdict | None:
    defined = [m for text in design.files.values() for m in source.module_names(text)]
    if design.top in defined:
        return None
    found = ", ".join(defined) or "none"
    msg = f"the top module must be named {design.top!r}, but the design defines: {found}"
    return _verdict(Status.COMPILE_ERROR, [Diagnostic(message=msg, source="aigchip", code="top-name")])


def data_files(options: VerifyOptions) -> list[Path]:
    """The files a check reads besides the design and the named inputs: the data files a testbench
    names, or everything beside a cocotb test module (helpers it imports, data)."""
    if options.testbench:
        from aigchip.sim.tb_data import data_files as named_by

        return named_by(list(options.testbench), [_read_text(p) for p in options.testbench])
    if options.tests is None:
        return []
    from aigchip.sim import cocotb_run

    return [p for p in sorted(options.tests.parent.iterdir())
            if p.is_file() and p != options.tests and p.stat().st_size <= 16 * 1024 * 1024
            and (not options.tests_by_model or cocotb_run.model_helper(p.name))]


def _cache_key(design: Design, options: VerifyOptions, toolchain: dict[str, str]) -> str:
    inputs: dict[str, object] = {}
    for role, path in [("tests", options.tests), ("reference", options.reference), *(("tb", p) for p in options.testbench),
                       *(("equiv", p) for p in options.equiv)]:
        if path is not None:
            inputs[f"{role}:{path.name}"] = verdict_cache.file_digest(path)
    inputs["data"] = {p.name: verdict_cache.file_digest(p) for p in data_files(options)}
    knobs = options.model_dump(mode="json", exclude={"keep_dir", "use_cache", "testbench", "tests", "reference", "equiv"})
    # cocotb tests run in this Python (and import its packages): another Python may judge them otherwise
    runs_python = _python_version() if options.tests is not None else None
    return verdict_cache.digest({"format": verdict_cache.FORMAT, "design": design.model_dump(), "inputs": inputs,
                                 "options": knobs, "tools": toolchain, "gates": _gates_source(), "python": runs_python})


def _python_version() -> str:
    return ".".join(str(part) for part in sys.version_info[:3])


@functools.lru_cache(maxsize=1)
def _gates_source() -> str:
    """The simulator layer's code (every module of this package: the checks before any tool, the policy, the
    runners and result readers, equivalence), hashed: a cached verdict stands for what that code decided,
    so a changed layer must not find the old one's verdicts (verify looks in the cache first)."""
    here = Path(__file__).parent  # read as files, without importing them (a warm run never scans)
    try:
        sources = sorted(here.glob("*.py"))
        if sources:
            return verdict_cache.digest([[path.name, verdict_cache.file_digest(path)] for path in sources])
    except OSError:
        pass
    from aigchip import __version__  # installed without its sources: the version stands for them

    return f"aigchip {__version__}"


def _toolchain(options: VerifyOptions) -> dict[str, str]:
    """Versions of the tools this check will use; raises ToolMissing for a required one."""
    required = ["iverilog", "vvp"] if options.simulator == "icarus" else ["verilator"]
    used = {name: tools.find(name).version for name in required}
    if _lints(options):
        used["verilator"] = tools.find("verilator").version
    if options.tests is not None:
        used["cocotb"] = tools.cocotb_version()
    if options.synth or options.fmax or options.equiv:
        used["yosys"] = tools.find("yosys").version
    if options.equiv and tools.available("yosys-abc"):  # PDR (equiv_pdr.py): a proof it adds changes the verdict
        used["yosys-abc"] = tools.find("yosys-abc").version
    if options.fmax:
        pnr = f"nextpnr-{options.fpga or 'ice40'}"
        used[pnr] = tools.find(pnr).version
    return used


def _lints(options: VerifyOptions) -> bool:
    """Whether a check runs Verilator's lint: asked for, and Verilator installed."""
    return options.lint and tools.available("verilator")


def _lint(run_dir: Path, design: Design, options: VerifyOptions) -> list[Diagnostic]:
    from aigchip.sim import lint, process

    files = {process.safe_name(name): text for name, text in design.files.items()}
    found = lint.lint_once(run_dir, files, design.top, timeout=lint.time_limit(options.timeout),
                           parameters=options.parameters)
    return lint.as_reported(found, options.simulator)


def _syntax_only(run_dir: Path, design: Design, options: VerifyOptions) -> Verdict:
    from aigchip.sim import lint, process

    found, result = lint.syntax_gate(run_dir, list(design.files), design.top, timeout=options.timeout,
                                     parameters=options.parameters)
    if result.timed_out:
        return _verdict(Status.TIMEOUT, found, log=result.output)
    failed = result.returncode != 0 or any(d.severity is Severity.ERROR for d in found)
    return _verdict(Status.COMPILE_ERROR if failed else Status.PASS, found, checks=["syntax"],
                    simulator="icarus", log=process.cap_text(result.output, LOG_HEAD, LOG_TAIL))


def _run_checks(run_dir: Path, design: Design, options: VerifyOptions, simulate: Simulate,
                lint_step: Lint | None = None) -> Verdict:
    from aigchip.sim import process

    for name, text in design.files.items():
        (run_dir / process.safe_name(name)).write_text(text, encoding="utf-8")
    linted = _lints(options)
    lint_found: list[Diagnostic]
    if not linted:
        verdict, lint_found = simulate(run_dir, design, options), []
    elif options.simulator == "icarus" and options.testbench and simulate is _simulate and lint_step is None:
        verdict, lint_found = _simulate_linted(run_dir, design, options)
    elif options.simulator == "icarus":  # Verilator's lint is advice here: run it beside the simulation
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="aigchip-lint") as beside:
            linting = beside.submit(lint_step or _lint, run_dir, design, options)
            verdict = simulate(run_dir, design, options)
            lint_found = linting.result()
    else:  # Verilator's refusal is the verdict: lint first, simulate only what it accepts
        lint_found = (lint_step or _lint)(run_dir, design, options)
        if any(d.severity is Severity.ERROR for d in lint_found):
            verdict = _verdict(Status.COMPILE_ERROR, [], simulator="verilator")
        else:
            verdict = simulate(run_dir, design, options)
    diagnostics = [*verdict.diagnostics, *lint_found]
    status = verdict.status
    if options.strict and status is Status.PASS and any(d.severity is Severity.WARNING for d in lint_found):
        status = Status.COMPILE_ERROR  # asked to treat lint warnings as failures
    checks = (["lint"] if linted else []) + verdict.checks
    verdict = verdict.model_copy(update={"status": status, "diagnostics": diagnostics, "checks": checks})
    if options.synth or options.fmax or options.equiv:
        from aigchip.sim import cost_proof

        verdict = cost_proof.apply(run_dir, design, options, verdict)
    return verdict


def _simulate_linted(run_dir: Path, design: Design, options: VerifyOptions) -> tuple[Verdict, list[Diagnostic]]:
    """An Icarus testbench check with Verilator's lint as the first step of its box (sim/lint_step.py), or
    none when this process already linted the design: one box instead of two."""
    from aigchip.sim import lint, lint_step, process

    files = {process.safe_name(name): text for name, text in design.files.items()}
    linting = lint_step.prepare(run_dir, files, design.top, timeout=lint.time_limit(options.timeout),
                                parameters=options.parameters)
    if not isinstance(linting, lint_step.LintStep):
        return _simulate(run_dir, design, options), lint.as_reported(linting, options.simulator)
    verdict = _simulate(run_dir, design, options, linting=linting)
    return verdict, lint.as_reported(linting.diagnostics(), options.simulator)


def _simulate(run_dir: Path, design: Design, options: VerifyOptions, linting: LintStep | None = None) -> Verdict:
    if options.testbench:
        from aigchip.sim import native

        return native.run_testbench(run_dir, design, list(options.testbench), reference=options.reference,
                                    simulator=options.simulator, timeout=options.timeout,
                                    tb_top=options.tb_top, waves=options.waves, parameters=options.parameters,
                                    linting=linting)
    if options.tests is not None:
        from aigchip.sim import cocotb_run

        extra = [options.reference] if options.reference else []
        return cocotb_run.run_cocotb(run_dir, design, options.tests, simulator=options.simulator,
                                     timeout=options.timeout, waves=options.waves, extra_sources=extra,
                                     tests_by_model=options.tests_by_model, parameters=options.parameters)
    return _syntax_only(run_dir, design, options)


def verify(design: Design, options: VerifyOptions | None = None, *, cache: verdict_cache.VerdictCache | None = None,
           **overrides: object) -> Verdict:
    """Check `design`; never raises for anything the design or the tools do, only for bad arguments."""
    options = (options or VerifyOptions()).model_copy(update=overrides) if overrides else (options or VerifyOptions())
    if options.simulator == "both":
        from aigchip.sim import agree

        return agree.both(lambda one: verify(design, one, cache=cache), options)
    return _check(design, options, cache=cache)


def _check(design: Design, options: VerifyOptions, *, cache: verdict_cache.VerdictCache | None = None,
           simulate: Simulate | None = None, lint_step: Lint | None = None, key: str | None = None) -> Verdict:
    """verify() of one simulator; `simulate` and `lint_step` replace the simulation and the lint beside it
    (verify_many shares them); `key` is the cache key when the caller has already computed it."""
    started = time.monotonic()

    def finish(verdict: Verdict, toolchain: dict[str, str] | None = None) -> Verdict:
        checks = ["policy", *verdict.checks] if "policy" not in verdict.checks else verdict.checks
        return verdict.model_copy(update={"duration_s": round(time.monotonic() - started, 4),
                                          "tools": toolchain or verdict.tools, "checks": checks})

    try:
        toolchain, missing = _toolchain(options), None
    except tools.ToolMissing as exc:
        toolchain, missing = {}, exc
    cacheable = _cacheable(options) and missing is None
    store = cache or verdict_cache.VerdictCache(tools.cache_root() / "verdicts")
    key = (key or _cache_key(design, options, toolchain)) if cacheable else ""
    # A verdict is cached only for a design that had code, passed the policy (whose source is in the key) and
    # had the right top, so a hit needs none of those checks again: they run, in their order, on a miss.
    if cacheable and (hit := store.get(key)) is not None:
        return finish(hit.model_copy(update={"cached": True}), toolchain)

    early = _no_code(design)
    if early is None:
        testbench_files = {p.name: _read_text(p) for p in options.testbench}
        from aigchip.sim import policy

        violations = policy.check(design, testbench_decides=options.testbench_decides, testbench_files=testbench_files)
        if violations:
            early = _verdict(Status.POLICY_VIOLATION, violations)
        else:
            early = _top_missing(design)
    if early is not None:
        return finish(early)
    if missing is not None:
        return finish(_verdict(Status.TOOL_ERROR, [Diagnostic(message=str(missing), source="aigchip", code=missing.tool)]))

    from aigchip.sim import process

    keep = options.keep_dir or (tools.cache_root() / "runs" if options.waves else None)  # a VCD needs its folder
    folder = process.RunFolder(keep=keep)
    try:
        verdict = _run_checks(folder.path, design, options, simulate or _simulate, lint_step)
    except tools.ToolMissing as exc:
        verdict = _verdict(Status.TOOL_ERROR, [Diagnostic(message=str(exc), source="aigchip", code=exc.tool)])
    finally:
        folder.cleanup()
    if keep is not None:
        verdict = verdict.model_copy(update={"run_dir": str(folder.path)})
    else:
        verdict = verdict.model_copy(update={"waveform": None, "run_dir": None})  # the folder is gone
    verdict = finish(verdict, toolchain)
    if cacheable:
        store.put(key, verdict)
    return verdict


def _cacheable(options: VerifyOptions) -> bool:
    return options.use_cache and options.keep_dir is None and not options.waves


def _cached(design: Design, options: VerifyOptions,
            store: verdict_cache.VerdictCache) -> tuple[Verdict | None, str | None]:
    """What verify() would answer from the verdict cache `store` alone (None: a miss, or a check never
    cached), and the cache key it looked under."""
    if options.simulator == "both" or not _cacheable(options):
        return None, None
    started = time.monotonic()
    try:
        toolchain = _toolchain(options)
    except tools.ToolMissing:
        return None, None
    key = _cache_key(design, options, toolchain)
    hit = store.get(key)
    if hit is None:
        return None, key
    checks = ["policy", *hit.checks] if "policy" not in hit.checks else hit.checks
    return hit.model_copy(update={"cached": True, "duration_s": round(time.monotonic() - started, 4),
                                  "tools": toolchain or hit.tools, "checks": checks}), key


def verify_many(jobs_list: Iterable[tuple[Design, VerifyOptions]], jobs: int = 2,
                on_verdict: Callable[[int, Verdict], None] | None = None) -> list[Verdict]:
    """Check many designs, `jobs` at a time; results keep the input order. The cached verdicts are read
    first, here (a warm rerun starts no thread). Designs checked against the same cocotb tests with the
    same options share one simulation where that gives the verdicts each would get alone (sim/candidates.py).
    `on_verdict(index, verdict)` is told each verdict as soon as it is known (from a worker thread)."""
    told = on_verdict or (lambda index, verdict: None)
    items = list(jobs_list)
    verdicts: dict[int, Verdict] = {}
    keys: dict[int, str] = {}
    store = verdict_cache.VerdictCache(tools.cache_root() / "verdicts")  # its secret is read once, not per entry
    for index, item in enumerate(items):
        hit, key = _cached(*item, store)
        if hit is not None:
            verdicts[index] = hit
            told(index, hit)
        elif key is not None:
            keys[index] = key
    unknown = [i for i in range(len(items)) if i not in verdicts]
    if not unknown:  # all from the cache: nothing to share, no pool
        return [verdicts[i] for i in range(len(items))]
    from concurrent.futures import ThreadPoolExecutor

    from aigchip.sim import candidates

    for group in candidates.groups([items[i] for i in unknown]):
        members = [unknown[i] for i in group]
        shared = candidates.verify_group([items[i] for i in members], _check, _simulate, _lint, jobs)
        verdicts.update(zip(members, shared))
        for index, verdict in zip(members, shared):
            told(index, verdict)
    rest = [i for i in range(len(items)) if i not in verdicts]

    def one(index: int) -> Verdict:
        verdict = _check(*items[index], key=keys[index]) if index in keys else verify(*items[index])
        told(index, verdict)
        return verdict

    if jobs <= 1:
        verdicts.update((i, one(i)) for i in rest)
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            verdicts.update(zip(rest, pool.map(one, rest)))
    return [verdicts[i] for i in range(len(items))]
