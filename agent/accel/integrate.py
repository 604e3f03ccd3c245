"""When the system test fails: find the module at fault and regenerate only that one, within a budget.

Localization, cheapest evidence first: the top did not even simulate (its own fault); a module below fails
its own unit tests again (that module); else a waveform of the failing system test is read at every
instance's boundary and compared with each module's cycle model from the plan: the instance that diverges
first (the deepest at the same cycle) is at fault, and its traffic becomes a replay test in its unit tests;
with no divergence, the top's own logic is. The model is told what failed (outputs, cycle, got, expected),
what was checked, and the ports of each child instance around the failure.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from aigchip import paths, prompts
from aigchip.accel import boundary, modules, waves
from aigchip.accel.build import Progress
from aigchip.accel.modules import Tests, Workshop
from aigchip.models import Message
from aigchip.record import CHECKS, Record, check_options
from aigchip.self_tests import test_file_name
from aigchip.sim.check import verify
from aigchip.sim.types import Design, Status
from aigchip.sim import vcd

REPLAY_DATA = "replay_boundary.json"


class Finding(BaseModel):
    guilty: str
    reason: str
    prompt: str = ""  # the follow-up message for the guilty module's loop
    replay: dict[str, Any] | None = None  # boundary traffic to replay in its unit tests


def repair(ws: Workshop, result: Any, *, rounds: int, progress: Progress) -> None:
    """Up to `rounds` times: localize the system test's failure, regenerate that module, re-check upwards."""
    top = ws.plan.top
    tried: set[str] = set()
    for round_number in range(1, rounds + 1):
        finding = localize(ws, tried=tried)
        if finding is None:
            return
        tried.add(finding.guilty)
        result.repairs.append({"round": round_number, "module": finding.guilty, "reason": finding.reason})
        progress(finding.guilty, "repairing", finding.reason)
        state = result.modules[finding.guilty]
        state.repairs += 1
        modules.build(ws, finding.guilty, _tests_with_replay(ws, finding), result=state,
                      follow_up=_follow_up(ws, finding))
        progress(finding.guilty, state.status, state.message if state.status != "verified" else "repaired")
        if finding.guilty == top and state.status != "verified":
            continue  # the top's own logic regenerated did not pass: suspect a module without a cycle model next
        if state.status != "verified" or finding.guilty == top:
            return
        for ancestor in ws.plan.ancestors(finding.guilty):
            passed = modules.recheck(ws, ancestor)
            if ancestor == top:
                result.modules[top].status = "verified" if passed else "failed"
        if result.modules[top].status == "verified":
            progress(top, "verified", "the system test passes")
            return


def localize(ws: Workshop, *, tried: set[str] | None = None) -> Finding | None:
    """The module to regenerate, with what to tell it; None when every suspect has been tried (`tried`: the
    modules earlier rounds regenerated without fixing the system test)."""
    top = ws.plan.top
    tried = tried or set()

    folder = ws.folder(top)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    verdict = meta.get("verdict") or {}
    problems = [d.get("message", "") for d in verdict.get("diagnostics", []) if d.get("severity") == "error"][:6]
    headline = str(verdict.get("status"))
    if verdict.get("status") not in (str(Status.MISMATCH), str(Status.TIMEOUT)):
        if top in tried:
            return None
        return _top(ws, headline, problems, [f"the integrated design did not simulate to the end ({headline})"])
    for name in ws.plan.order():
        if name != top and not modules.recheck(ws, name):
            return Finding(guilty=name, reason=f"`{name}` fails its own unit tests inside the integrated tree")
    own = ws.latest.get(top)
    if own is None:
        return _top(ws, headline, problems, ["the top has no design yet"])
    design = Design(files={**ws.below(top), own[0]: own[1]}, top=top)
    options = check_options(Record(folder, top, meta, headline), "icarus")
    with tempfile.TemporaryDirectory(prefix="aigchip-integrate-") as keep:
        rerun = verify(design, options.model_copy(update={"waves": True, "keep_dir": Path(keep), "use_cache": False,
                                                          "lint": False}))
        wave = vcd.read(rerun.waveform) if rerun.waveform else None
        failed_at = _failure_time(Path(rerun.run_dir) if rerun.run_dir else None, rerun)
    findings = ["every module below the top passes its own unit tests again"]
    clock = waves.find_clock(wave, ws.plan.clock) if wave is not None else None
    if wave is None or clock is None:
        findings.append("no waveform of the system test could be read, so no boundary was compared")
        return _top(ws, headline, problems, findings)
    cycles = waves.Cycles(wave, clock)
    cycle = _cycle_at(cycles, failed_at, wave)
    divergences, notes = boundary.compare(ws, wave, cycles)
    if divergences:
        first = divergences[0]
        tables = boundary.tables(ws, wave, cycles, first.cycle, scopes=[first.scope])
        prompt = prompts.render("accel_repair", guilty=first.module, top=top, scope=first.scope, cycle=first.cycle,
                                port=first.port, got="x" if first.got is None else first.got, expected=first.expected,
                                inputs=first.inputs, tables=tables, headline=headline, problems=problems,
                                findings=findings)
        return Finding(guilty=first.module, prompt=prompt, replay=boundary.replay(ws, wave, cycles, first.scope,
                                                                                      first.module),
                       reason=f"instance {first.scope} differs from the model of `{first.module}` at cycle "
                              f"{first.cycle}: {first.port} = {first.got}, expected {first.expected}")
    scopes = boundary.instance_scopes(ws, wave)
    modelled = sorted({m for m in scopes.values() if ws.plan.module(m).model})
    unmodelled = sorted({m for m in scopes.values() if not ws.plan.module(m).model})
    if modelled:
        findings.append(f"every instance of {', '.join(modelled)} agrees with its cycle model in the plan")
    if unmodelled:
        findings.append(f"{', '.join(unmodelled)} {'has' if len(unmodelled) == 1 else 'have'} no cycle model, "
                        "so their boundaries were not compared")
    findings += notes
    if top not in tried:
        return _top(ws, headline, problems, findings, tables=boundary.tables(ws, wave, cycles, cycle), cycle=cycle)
    return _unmodelled(ws, wave, cycles, cycle, scopes, tried, headline, problems, findings)


def _unmodelled(ws: Workshop, wave: Any, cycles: waves.Cycles, cycle: int, scopes: dict[str, str], tried: set[str],
                headline: str, problems: list[str], findings: list[str]) -> Finding | None:
    """After the top's own logic was regenerated in vain: the modules with no cycle model are the suspects
    left; one whose output turns unknown while its inputs are known first, then leaves before parents (a
    parent's own logic is mostly wiring), deeper instances first."""
    order = {name: i for i, name in enumerate(ws.plan.order())}
    suspects = sorted({(scope, module) for scope, module in scopes.items()
                       if not ws.plan.module(module).model and module not in tried},
                      key=lambda item: (len(ws.plan.module(item[1]).children), -item[0].count("."),
                                        order[item[1]], item[0]))
    if not suspects:
        return None
    evidence = {item: boundary.turns_unknown(ws, wave, cycles, *item) for item in suspects}
    scope, module = min(suspects, key=lambda item: (evidence[item] is None, suspects.index(item)))
    unknown = evidence[(scope, module)]
    said = (f"its output `{unknown[1]}` turns unknown (x) at cycle {unknown[0]} while every input is known"
            if unknown else "it has no cycle model, so nothing could clear it")
    tables = boundary.tables(ws, wave, cycles, unknown[0] if unknown else cycle, scopes=[scope])
    prompt = prompts.render("accel_repair", guilty=module, top=ws.plan.top, scope=scope, suspect=True,
                            unknown=said, headline=headline, problems=problems, findings=findings, tables=tables,
                            cycle=unknown[0] if unknown else cycle)
    return Finding(guilty=module, prompt=prompt,
                   reason=f"`{ws.plan.top}` regenerated did not pass the system test; instance {scope}: {said}")


def _top(ws: Workshop, headline: str, problems: list[str], findings: list[str], *, tables: str = "",
         cycle: int = 0) -> Finding:
    top = ws.plan.top
    prompt = prompts.render("accel_repair", guilty=top, top=top, headline=headline, problems=problems,
                            findings=findings, tables=tables, cycle=cycle)
    return Finding(guilty=top, prompt=prompt, reason="; ".join(findings[-2:]))


def _failure_time(run_dir: Path | None, verdict: Any) -> float | None:
    """Simulated time (ns) at which the first failing cocotb test ended: the tests' durations added up."""
    if run_dir is None:
        return None
    from xml.etree import ElementTree

    try:
        root = ElementTree.parse(run_dir / "cocotb_results.xml").getroot()
    except (OSError, ElementTree.ParseError):
        return None
    elapsed = 0.0
    for case in root.iter("testcase"):
        elapsed += float(case.get("sim_time_ns") or 0)
        if case.find("failure") is not None or case.find("error") is not None:
            return elapsed
    return None


def _cycle_at(cycles: waves.Cycles, time_ns: float | None, wave: Any) -> int:
    """The last clock edge at or before `time_ns` (the last edge when unknown)."""
    if not cycles.edges:
        return 0
    if time_ns is None:
        return len(cycles.edges) - 1
    scale = re.match(r"(\d+)\s*(s|ms|us|ns|ps|fs)", wave.timescale or "1ps")
    unit = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0, "ps": 1e-3, "fs": 1e-6}
    per_tick = int(scale.group(1)) * unit[scale.group(2)] if scale else 1e-3
    limit = time_ns / per_tick
    before = [k for k, edge in enumerate(cycles.edges) if edge <= limit]
    return before[-1] if before else 0


def _follow_up(ws: Workshop, finding: Finding) -> list[Message]:
    last = ws.latest.get(finding.guilty)
    if last is None or not finding.prompt:
        return []
    return [{"role": "assistant", "content": f"```verilog\n{last[1].strip()}\n```"},
            {"role": "user", "content": finding.prompt}]


def _tests_with_replay(ws: Workshop, finding: Finding) -> Tests:
    """The module's tests as they stand (the loop may have corrected its own), plus the replayed traffic."""
    name = finding.guilty
    tests = modules.choose_tests(ws, name)
    checks = ws.folder(name) / CHECKS
    current = checks / test_file_name(name)
    if tests.golden is None and current.is_file():
        tests.code = current.read_text(encoding="utf-8")
    if finding.replay is None:
        return tests
    checks.mkdir(parents=True, exist_ok=True)
    (checks / REPLAY_DATA).write_text(json.dumps(finding.replay), encoding="utf-8")
    replay_code = paths.package_data("templates", "accel", "replay_test.py").read_text(encoding="utf-8")
    if tests.golden is not None:
        combined = checks / f"test_{name}_with_replay.py"
        combined.write_text(tests.golden.read_text(encoding="utf-8") + replay_code, encoding="utf-8")
        tests.golden = combined
        return tests
    if tests.code:
        tests.code += replay_code
    else:  # the module had no tests of its own: the replayed traffic alone
        tests.code, tests.source = "import cocotb\n" + replay_code, "model"
    return tests
