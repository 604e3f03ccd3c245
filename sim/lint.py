"""A fast syntax gate (iverilog) and lint (verilator --lint-only -Wall), parsed into diagnostics."""

from __future__ import annotations

import dataclasses
import re
import signal
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

from aigchip.sim import params, process, tools
from aigchip.sim.cache import digest
from aigchip.sim.types import Diagnostic, Severity

# `file:line: error: msg`, `file:line: syntax error`, `file:line: warning: msg`, `file:line: sorry: msg`
_IVERILOG_LINE = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):\s*(?:(?P<kind>error|warning|sorry|syntax error)\b:?\s*)?(?P<msg>.*)$")
# vvp at run time: `ERROR: file:line: msg`, `FATAL: ...`, `WARNING: ...`
_VVP_LINE = re.compile(r"^(?P<kind>ERROR|FATAL|WARNING):\s*(?:(?P<file>[^:\s][^:]*):(?P<line>\d+):)?\s*(?P<msg>.*)$")
_IVERILOG_BARE = re.compile(r"^(?P<kind>error|warning|sorry):\s*(?P<msg>.+)$")
# `%Warning-UNUSED: file:12:5: msg`, `%Error: file:3:1: msg`, `%Error-UNSUPPORTED: ...`, `%Error: msg`
_VERILATOR_LINE = re.compile(
    r"^%(?P<kind>Error|Warning)(?:-(?P<code>[A-Z0-9_]+))?:\s*"
    r"(?:(?P<file>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)?)?\s*(?P<msg>.*)$"
)
_VERILATOR_NOISE = re.compile(r"^Exiting due to \d+ (warning|error)\(s\)|^Command Failed|^'make ")


def parse_iverilog(text: str) -> list[Diagnostic]:
    """Diagnostics from iverilog (compile) and vvp (run) output."""
    found: list[Diagnostic] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if m := _VVP_LINE.match(line):
            severity = Severity.WARNING if m["kind"] == "WARNING" else Severity.ERROR
            found.append(Diagnostic(message=m["msg"].strip() or m["kind"], severity=severity, file=m["file"],
                                    line=int(m["line"]) if m["line"] else None, source="vvp"))
        elif m := _IVERILOG_LINE.match(line):
            kind = m["kind"]
            if kind is None:
                continue  # a continuation or a testbench's own `file:line` text
            msg = m["msg"].strip()
            if kind == "syntax error":
                msg = "syntax error" + (f": {msg}" if msg else "")
            elif kind == "sorry":
                msg = f"unsupported by Icarus Verilog: {msg}"
            severity = Severity.WARNING if kind == "warning" else Severity.ERROR
            found.append(Diagnostic(message=msg, severity=severity, file=m["file"], line=int(m["line"]), source="iverilog"))
        elif m := _IVERILOG_BARE.match(line):
            severity = Severity.WARNING if m["kind"] == "warning" else Severity.ERROR
            found.append(Diagnostic(message=m["msg"].strip(), severity=severity, source="iverilog"))
    return _merge_duplicates(found)


def parse_verilator(text: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for raw in text.splitlines():
        m = _VERILATOR_LINE.match(raw.rstrip())
        if not m or _VERILATOR_NOISE.search(m["msg"]):
            continue
        found.append(Diagnostic(
            message=m["msg"].strip(),
            severity=Severity.ERROR if m["kind"] == "Error" else Severity.WARNING,
            file=m["file"], line=int(m["line"]) if m["line"] else None,
            column=int(m["col"]) if m["col"] else None, code=m["code"], source="verilator",
        ))
    return found


def _merge_duplicates(found: list[Diagnostic]) -> list[Diagnostic]:
    """iverilog often says `syntax error` and then the same line's detail: keep the detail."""
    merged: list[Diagnostic] = []
    for diag in found:
        prev = merged[-1] if merged else None
        if prev and prev.file == diag.file and prev.line == diag.line and prev.message == "syntax error":
            merged[-1] = diag if diag.message.startswith("syntax error") else diag.model_copy(
                update={"message": f"syntax error: {diag.message}"})
            continue
        merged.append(diag)
    return merged


def syntax_gate(run_dir: Path, files: Sequence[str], top: str, timeout: float = 30.0,
                parameters: params.Parameters = ()) -> tuple[list[Diagnostic], process.ProcessResult]:
    """Compile `files` with iverilog -g2012 and `top` as root; errors mean the design does not compile."""
    iverilog = tools.find("iverilog")
    argv = [iverilog.path, "-g2012", "-Wall", "-Wno-timescale", "-Wno-implicit-dimensions", "-o", "syntax.vvp", "-s", top,
            *params.iverilog_flags(top, parameters), *files]
    result = process.run(argv, cwd=run_dir, timeout=timeout, log_path=run_dir / "syntax.log")
    if result.start_error:
        raise tools.ToolMissing("iverilog", result.start_error)
    return parse_iverilog(result.output), result


_LINT_WAIVERS = ("DECLFILENAME", "EOFNEWLINE", "MULTITOP")


def verilator_lint(run_dir: Path, files: Sequence[str], top: str, timeout: float = 30.0,
                   parameters: params.Parameters = ()) -> tuple[list[Diagnostic], process.ProcessResult]:
    """verilator --lint-only -Wall; warnings come back as WARNING diagnostics with their codes. verilator_bin
    runs directly, as the `verilator` script would run it (VERILATOR_ROOT set, the stack unlimited), and a
    crash is reported in the script's words."""
    argv, env, limits = command(files, top, parameters)
    result = process.run(argv, cwd=run_dir, timeout=timeout, env=env, limits=limits)
    return finish(run_dir, result, limits is not None)


def command(files: Sequence[str], top: str,
            parameters: params.Parameters = ()) -> tuple[list[str], dict[str, str], process.Limits | None]:
    """The lint's command line, its environment, and its limits (None: the usual ones, for the script)."""
    exe, env, direct = tools.verilator_direct()
    argv = [exe, "--lint-only", "-Wall", "-Wno-fatal", "--timing", "--top-module", top,
            *(f"-Wno-{code}" for code in _LINT_WAIVERS), *params.verilator_flags(parameters), *files]
    return argv, env, _BIN_LIMITS if direct else None


def finish(run_dir: Path, result: process.ProcessResult,
           direct: bool) -> tuple[list[Diagnostic], process.ProcessResult]:
    """The diagnostics of a lint that ran (`result`), with `lint.log` written in `run_dir`. Raises ToolMissing
    when it could not start."""
    if result.start_error:
        raise tools.ToolMissing("verilator", result.start_error)
    if direct and (note := fault_note(result)):
        result = dataclasses.replace(result, output=result.output + note)
    (run_dir / "lint.log").write_text(result.output, encoding="utf-8")
    return parse_verilator(result.output), result


_BIN_LIMITS = process.Limits(stack_unlimited=True)  # the `verilator` script runs it after `ulimit -s unlimited`


def fault_note(result: process.ProcessResult) -> str:
    """What the `verilator` script adds when verilator_bin dies of a signal (one %Error line), or ""."""
    if result.timed_out or result.returncode is None or result.returncode >= 0:
        return ""
    number = -result.returncode
    if number in (signal.SIGILL, signal.SIGFPE, signal.SIGSEGV):
        said = "Verilator internal fault, sorry."
    elif number == signal.SIGABRT:
        said = "Verilator aborted."
    else:
        said = f"Verilator threw signal {number}."
    return f"%Error: {said} Suggest trying --debug --gdbbt\n"


def time_limit(check_timeout: float) -> float:
    """How long a check's lint may take."""
    return min(check_timeout, 60)


def as_reported(found: list[Diagnostic], simulator: str) -> list[Diagnostic]:
    """Verilator's diagnostics as a check reports them: where Icarus is the judge, its refusals are advice."""
    if simulator != "icarus":
        return found
    return [d.model_copy(update={"severity": Severity.WARNING, "message": f"Verilator rejects this: {d.message}"})
            if d.severity is Severity.ERROR else d for d in found]


_LINTED: OrderedDict[str, tuple[list[Diagnostic], str]] = OrderedDict()  # design key -> (diagnostics, log)
_LINTED_LOCK = threading.Lock()
_LINTED_MAX = 1024


def lint_once(run_dir: Path, files: dict[str, str], top: str, timeout: float = 30.0,
              parameters: params.Parameters = ()) -> list[Diagnostic]:
    """`verilator_lint` of the design whose files (name -> text, already written in `run_dir`) are `files`,
    run once per distinct design in this process: k samples that wrote the same code, and every check of one
    design (self tests, then the golden check), see the same warnings for one lint. `lint.log` is written
    either way; a lint that timed out is not remembered."""
    key = memo_key(files, top, parameters)
    hit = recalled(key, run_dir)
    if hit is not None:
        return hit
    found, result = verilator_lint(run_dir, list(files), top, timeout=timeout, parameters=parameters)
    if not result.timed_out:
        remember(key, found, result.output)
    return found


def memo_key(files: dict[str, str], top: str, parameters: params.Parameters = ()) -> str:
    verilator = tools.find("verilator")
    return digest({"files": files, "top": top, "verilator": [verilator.path, verilator.version],
                   "waivers": _LINT_WAIVERS,
                   **({"parameters": list(parameters)} if parameters else {})})


def recalled(key: str, run_dir: Path) -> list[Diagnostic] | None:
    """The remembered diagnostics of the design with `key` (its log written in `run_dir`), or None."""
    with _LINTED_LOCK:
        hit = _LINTED.get(key)
        if hit is not None:
            _LINTED.move_to_end(key)
    if hit is None:
        return None
    (run_dir / "lint.log").write_text(hit[1], encoding="utf-8")
    return [d.model_copy() for d in hit[0]]


def remember(key: str, found: list[Diagnostic], log: str) -> None:
    with _LINTED_LOCK:
        _LINTED[key] = ([d.model_copy() for d in found], log)
        while len(_LINTED) > _LINTED_MAX:
            _LINTED.popitem(last=False)
