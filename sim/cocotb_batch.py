"""Several candidates checked against the same cocotb tests in ONE Icarus simulation, each verdict the one
it would get alone; whatever cannot be shown to be that is left to a check of its own (None).

Each candidate's modules get a random per-candidate suffix (sim/batch_screen.py says who may share), all
tops are roots of one `iverilog` build, and `vvp` runs cocotb once with sim/cocotb_batch_driver.py as the
test module: it re-imports the tests per candidate and runs them with `dut` bound to that candidate's top,
in that candidate's own run folder. aigchip runs iverilog and vvp itself through process.run (no cocotb
child Python), with the same private results folder, import guard and box as sim/cocotb_run.py.

A candidate's verdict is read from its own slice of the results, with the simulated time shifted to start
at 0, paths and module names as alone. It is not trusted, and the candidate is checked alone, when the
build fails (the candidates named in the errors go alone, the rest try once more), the simulation times
out or fails, its tests did not all finish, a test ended by the simulator's failure, its tests took
more than half the wall-clock limit (alone it would have come close to a timeout), or its tests read the
design before the simulator called back after they started (alone they would read it unevaluated: see
sim/cocotb_batch_driver.py).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from aigchip.sim import batch_screen, cocotb_icarus, cocotb_run, params, process, sandbox, tools
from aigchip.sim.types import Design, Verdict

DRIVER = Path(__file__).with_name("cocotb_batch_driver.py")
DRIVER_MODULE = "aigchip_batch_driver"
TESTS_MODULE = "aigchip_batch_tests"  # what cocotb imports: the driver's tests for every instance
TESTS_SOURCE = f"import {DRIVER_MODULE}\n\n{DRIVER_MODULE}.register(globals())\n"
LOG_BYTES = 4 * 1024 * 1024
_NOT_THE_TESTS = ("SimFailure", "RegressionTerminated")  # failures the simulator or the regression caused


@dataclass
class Member:
    run_dir: Path  # the candidate's own run folder, its design files already written
    design: Design
    suffix: str = ""
    sources: tuple[Path, ...] = ()


def run_batch(members: list[tuple[Path, Design]], tests: Path, *, timeout: float,
              timescale: tuple[str, str] = ("1ns", "1ps"),
              parameters: tuple[tuple[str, int], ...] = ()) -> list[Verdict | None]:
    """A verdict per member, or None where the member must be checked alone. `parameters`: the top's, set on
    every member's top as a check alone sets them (iverilog -P)."""
    results: list[Verdict | None] = [None] * len(members)
    if not cocotb_icarus.usable():  # outside a box the caller's COCOTB_* variables would reach cocotb
        return results
    test_files = [tests, *(p for p in tests.parent.iterdir() if p.suffix == ".py" and p.is_file())]
    if not batch_screen.tests_shareable(test_files):
        return results
    chosen = [i for i, (_, design) in enumerate(members) if batch_screen.design_shareable(design, timescale)]
    for _ in range(2):  # once more without the candidates a failed build named
        if len(chosen) < 2:
            break
        folder = process.RunFolder(prefix="aigchip-batch-")
        try:
            decided, failed_build = _simulate([Member(Path(members[i][0]), members[i][1]) for i in chosen], tests,
                                              folder.path, timeout, timescale, parameters)
        finally:
            folder.cleanup()
        for i, verdict in zip(chosen, decided):
            results[i] = verdict
        if failed_build is None:
            break
        chosen = [i for k, i in enumerate(chosen) if k not in failed_build]
    return results


def _simulate(members: list[Member], tests: Path, batch_dir: Path, timeout: float, timescale: tuple[str, str],
              parameters: tuple[tuple[str, int], ...]) -> tuple[list[Verdict | None], set[int] | None]:
    """(verdicts, None) after a build that worked; ([None...], the members its errors named) after one that failed."""
    started = time.monotonic()
    undecided: list[Verdict | None] = [None] * len(members)
    private = batch_dir / f"{cocotb_run.PRIVATE_PREFIX}{secrets.token_hex(12)}"
    private.mkdir(mode=0o700)
    cocotb_run._copy_test_files(tests, private)
    (private / f"{cocotb_run.GUARD_MODULE}.py").write_text(cocotb_run.GUARD_SOURCE, encoding="utf-8")
    shutil.copyfile(DRIVER, private / f"{DRIVER_MODULE}.py")
    (private / f"{TESTS_MODULE}.py").write_text(TESTS_SOURCE, encoding="utf-8")
    token = secrets.token_hex(6)
    for index, member in enumerate(members):
        member.suffix = f"__aigchip{token}_{index}_"  # the last _ so that _1_ never starts _12_
        names = batch_screen.module_names(member.design)
        folder = batch_dir / f"src{index}"
        folder.mkdir()
        for name, text in member.design.files.items():
            (folder / process.safe_name(name)).write_text(batch_screen.rename(text, names, member.suffix), encoding="utf-8")
        member.sources = tuple(folder / process.safe_name(n) for n in member.design.files if n.endswith((".v", ".sv")))
    env = cocotb_run._child_env(batch_dir, private, "icarus")
    build = _build(members, batch_dir, private, timeout, env, timescale, parameters)
    if build is not None:
        return undecided, build
    job = {"test_module": tests.stem, "test_path": str(private), "seed": cocotb_run.SEED, "keep": [cocotb_run.GUARD_MODULE, DRIVER_MODULE, TESTS_MODULE],
           "order": str(private / "order.json"), "partial": str(private / "partial.xml"), "early": str(private / "early.txt"),
           "instances": [{"top": m.design.top + m.suffix, "cwd": str(m.run_dir)} for m in members]}
    (private / "batch_job.json").write_text(json.dumps(job), encoding="utf-8")
    env.update(_vvp_env(private, members[0].design.top + members[0].suffix, batch_dir))
    argv = cocotb_icarus.vvp_argv(batch_dir / "build" / "sim.vvp", ["-none"])
    box = sandbox.Box(writable=tuple(str(m.run_dir) for m in members))
    result = process.run(argv, cwd=batch_dir, timeout=timeout, env=env, box=box, head_bytes=LOG_BYTES,
                         tail_bytes=LOG_BYTES, log_path=private / cocotb_run.TEST_LOG)
    if result.start_error:
        return undecided, None
    finished = result.ok and not result.timed_out
    xml = private / (cocotb_run.RESULTS_XML if finished else "partial.xml")
    try:
        order = [(int(i), str(name)) for i, name in json.loads((private / "order.json").read_text(encoding="utf-8"))]
        cases = list(ElementTree.parse(xml).getroot().iter("testcase"))
        early = _early_readers(private / "early.txt")
    except (OSError, ValueError, ElementTree.ParseError):
        return undecided, None
    logs = _log_sections(result.output, len(members))
    versions = {"cocotb": tools.cocotb_version(), "iverilog": tools.find("iverilog").version,
                "vvp": tools.find("vvp").version}
    verdicts: list[Verdict | None] = []
    for index, member in enumerate(members):
        mine = [case for (owner, _), case in zip(order, cases) if owner == index]
        expected = [name for owner, name in order if owner == index]
        if len(mine) != len(expected) or [c.get("name") for c in mine] != expected or not _trusted(mine, timeout) \
                or index in early:
            verdicts.append(None)
            continue
        verdict = _member_verdict(member, index, mine, batch_dir, private, logs[0] + logs[index + 1], tests.stem)
        verdict.simulator, verdict.checks, verdict.tools = "icarus", ["cocotb"], versions
        verdict.run_dir, verdict.duration_s = str(member.run_dir), time.monotonic() - started
        verdicts.append(verdict)
    return verdicts, None


def _early_readers(path: Path) -> set[int]:
    """The instances whose tests read the design before the simulator called back (the driver's `early`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    return {int(line) for line in text.split()}


def _trusted(cases: list[ElementTree.Element], timeout: float) -> bool:
    """The tests ended by themselves, well inside the wall-clock limit a check alone has."""
    wall = 0.0
    for case in cases:
        problem = cocotb_run._problem_of(case)
        if problem is not None and (problem.get("type") or "") in _NOT_THE_TESTS:
            return False
        try:
            wall += float(case.get("time") or 0)
        except ValueError:
            return False
    return wall < timeout / 2


def _build(members: list[Member], batch_dir: Path, private: Path, timeout: float, env: dict[str, str],
           timescale: tuple[str, str], parameters: tuple[tuple[str, int], ...]) -> set[int] | None:
    """One iverilog build of every member; None when it worked with nothing to say, else the members its
    output names (all of them when it names none, or says anything of a file it cannot place)."""
    build = batch_dir / "build"
    build.mkdir()
    cmds = cocotb_icarus.timescale_file(build, timescale)
    argv = [tools.find("iverilog").path, "-o", str(build / "sim.vvp"), "-g2012",
            *(arg for m in members for arg in ("-s", m.design.top + m.suffix)),
            *(flag for m in members for flag in params.iverilog_flags(m.design.top + m.suffix, parameters)),
            "-f", str(cmds), *(str(s) for m in members for s in m.sources)]
    result = process.run(argv, cwd=batch_dir, timeout=timeout, env=env, log_path=private / cocotb_run.BUILD_LOG)
    if result.ok and not result.output.strip():
        return None
    named = {i for i, m in enumerate(members)
             if f"{batch_dir}{os.sep}src{i}{os.sep}" in result.output or m.suffix in result.output}
    return named or set(range(len(members)))


def _member_verdict(member: Member, index: int, cases: list[ElementTree.Element], batch_dir: Path, private: Path,
                    log: str, test_module: str) -> Verdict:
    """The member's verdict from its own test cases, read as sim/cocotb_run.py reads a check alone."""
    offset = _float(cases[0], "sim_time_start") if cases else 0.0
    suite = ElementTree.Element("testsuites")
    holder = ElementTree.SubElement(suite, "testsuite", name="all")
    for case in cases:
        copy = ElementTree.fromstring(ElementTree.tostring(case))
        for prop in copy.iter("property"):
            if prop.get("name") in ("sim_time_start", "sim_time_stop"):
                prop.set("value", repr(round(float(prop.get("value") or 0) - offset, 6)))
        holder.append(copy)
    text = _as_alone(ElementTree.tostring(suite, encoding="unicode"), member, index, batch_dir)
    xml = private / f"results_{index}.xml"
    xml.write_text(text, encoding="utf-8")
    log = cocotb_run._relative(_as_alone(log, member, index, batch_dir), member.run_dir)
    verdict = cocotb_run._results_verdict(xml, member.run_dir, test_module, None, log)
    verdict.log = cocotb_run._cap(log)
    for name, body in ((cocotb_run.RESULTS_XML, text), (cocotb_run.TEST_LOG, log), (cocotb_run.BUILD_LOG, "")):
        target = member.run_dir / name  # what a check alone leaves in its run folder
        target.unlink(missing_ok=True)
        target.write_text(body, encoding="utf-8")
    return verdict


def _as_alone(text: str, member: Member, index: int, batch_dir: Path) -> str:
    """Text of the batch as the member's check alone would say it: its own names and folder."""
    text = text.replace(member.suffix, "").replace(f"{batch_dir}{os.sep}src{index}{os.sep}", f"{member.run_dir}{os.sep}")
    return text.replace(f"{batch_dir}{os.sep}", f"{member.run_dir}{os.sep}")


def _float(case: ElementTree.Element, name: str) -> float:
    for prop in case.iter("property"):
        if prop.get("name") == name:
            try:
                return float(prop.get("value") or 0)
            except ValueError:
                return 0.0
    return 0.0


def _log_sections(output: str, count: int) -> list[str]:
    """The test log cut at the driver's markers: what came before the first, then each instance's part."""
    sections = [""] * (count + 1)
    current = 0
    for line in output.splitlines(keepends=True):
        if line.startswith("aigchip-batch-instance "):
            try:
                current = int(line.split()[1]) + 1
            except (IndexError, ValueError):
                pass
            continue
        if 0 <= current <= count:
            sections[current] += line
    return sections


def _vvp_env(private: Path, first_top: str, batch_dir: Path) -> dict[str, str]:
    """What a check alone gives vvp (sim/cocotb_icarus.py), with the driver's tests and the batch's job."""
    modules = [cocotb_run.GUARD_MODULE, TESTS_MODULE]
    return {**cocotb_icarus.vvp_env(first_top, modules, cocotb_run.SEED, str(private / cocotb_run.RESULTS_XML)),
            "COCOTB_ANSI_OUTPUT": "0", "COCOTB_RESULTS_RELATIVE_TO": str(batch_dir),
            "AIGCHIP_BATCH_JOB": str(private / "batch_job.json")}
