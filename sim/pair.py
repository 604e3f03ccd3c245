"""Tools one after the other in one box: Verilator's lint, Icarus's compiler (iverilog), its simulator (vvp).

Starting a box costs about 7 ms of CPU (namespaces, mounts) and a testbench check under Icarus runs two or
three tools, so one box for all of them saves that cost for each but the first. The box's tool is a short
POSIX shell script (an argument list, never a string built from input): it runs each step in turn and,
after each but the last, prints a separator line holding a token drawn afresh for each run and the step's
exit status, then starts the next. A step that must succeed (iverilog) ends the script with its status
when it fails; one that need not (the lint) never stops the others. The first step may run in the
background beside the second (the lint beside the compiler): its output goes to a file of the run folder
named by the token and is told, with its own separator, right after the second step's, before the third
starts. The parent reads each step's output between separators. The last step, where the design under
test runs, starts only after the last separator is out, and no earlier step can know the token, so
nothing the design prints can move a split. Each step keeps its own wall-clock timeout (counted from the
separator before it, or from the box's start for a background step) and its own resource limits; the box,
the process group, the environment and the output caps are sim/process.py's, as for any run. A step that
overruns its time ends the box, so the steps after it never start.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from aigchip.sim import process, sandbox
from aigchip.sim.capture import HeadTail, LineKeeper

_FIRST_N = ('(i=0; for a; do [ "$i" -lt "$n" ] && set -- "$@" "$a"; i=$((i + 1)); done; shift $(($# - n)); '
            'exec "$@")')  # the first n arguments alone: append them after the rest, drop everything before them
# the background step's output until it is told: a file of the run folder named by the run's token, which no
# design file can be named (the model cannot know it)
BACKGROUND_OUTPUT = '".$sep.out"'
SCRIPT = ('sep=$1; shift; bg=\n'
          'if [ "$1" = b ]; then n=$2; shift 2\n'
          f'  {_FIRST_N} >{BACKGROUND_OUTPUT} 2>&1 </dev/null &\n'
          '  bg=$!; shift "$n"\n'
          'fi\n'
          'while :; do\n'
          '  n=$1; must=$2; shift 2\n'
          '  [ "$#" -eq "$n" ] && exec "$@"\n'
          f'  {_FIRST_N}\n'
          '  rc=$?\n'
          '  if [ -n "$bg" ]; then\n'
          '    printf "\\n%s %s\\n" "$sep" "$rc"\n'
          f'    wait "$bg"; brc=$?; bg=; cat {BACKGROUND_OUTPUT}\n'
          '    printf "\\n%s %s\\n" "$sep" "$brc"\n'
          '    [ "$must" = 0 ] || [ "$rc" -eq 0 ] || exit "$rc"\n'
          '  else\n'
          '    [ "$must" = 0 ] || [ "$rc" -eq 0 ] || exit "$rc"\n'
          '    printf "\\n%s %s\\n" "$sep" "$rc"\n'
          '  fi\n'
          '  shift "$n"\n'
          'done\n')


@dataclass(frozen=True)
class Step:
    """One tool of the box: its command line, its own wall-clock timeout and limits, and whether the steps
    after it run only when it succeeds. A first step in the background runs beside the second (its output
    goes to a file of the run folder, told after the second's, with its status, before the third starts)."""

    argv: list[str]
    timeout: float
    limits: process.Limits = field(default_factory=process.Limits)
    must_succeed: bool = True
    background: bool = False  # the first step only: runs from the box's start beside the next step


class _Split:
    """Feeds each step's output to its own collector, moving on at each separator line."""

    def __init__(self, token: bytes, count: int, start: float, timeouts: list[float], from_start: list[bool],
                 head: int, tail: int, keep_lines: re.Pattern[bytes] | None, keep_limit: int) -> None:
        self.prefix = b"\n" + token + b" "
        self.start, self.timeouts, self.from_start = start, timeouts, from_start  # per section, in output order
        self.outputs = [HeadTail(head, tail) for _ in range(count)]
        self.started = [start]  # when each step that started did
        self.statuses: list[int] = []  # the exit status of each step that ended before a separator
        self.keeper = LineKeeper(keep_lines, keep_limit) if keep_lines is not None else None
        self.pending = b""

    @property
    def current(self) -> int:
        return len(self.started) - 1

    @property
    def last(self) -> bool:
        return self.current == len(self.outputs) - 1

    def feed(self, chunk: bytes) -> None:
        data = self.pending + chunk
        self.pending = b""
        while data and not self.last:
            at = data.find(self.prefix)
            if at < 0:  # hold back what could be the start of a separator split across reads
                cut = max(0, len(data) - len(self.prefix) + 1)
                self.outputs[self.current].feed(data[:cut])
                self.pending = data[cut:]
                return
            end = data.find(b"\n", at + len(self.prefix))
            if end < 0:  # the status is still to come
                self.outputs[self.current].feed(data[:at])
                self.pending = data[at:]
                return
            self.outputs[self.current].feed(data[:at])
            self.statuses.append(int(data[at + len(self.prefix):end]))
            self.started.append(time.monotonic())
            data = data[end + 1:]
        if data:
            self._last(data)

    def _last(self, chunk: bytes) -> None:
        self.outputs[-1].feed(chunk)
        if self.keeper is not None:
            self.keeper.feed(chunk)

    def began(self, section: int) -> float:
        """When the step of `section` started: the box's start for a background step."""
        return self.start if self.from_start[section] else self.started[section]

    def deadline(self) -> float:
        return self.began(self.current) + self.timeouts[self.current]

    def close(self) -> None:
        if self.pending:
            self.outputs[self.current].feed(self.pending)
        if self.keeper is not None:
            self.keeper.close()


def _status(rc: int | None) -> int | None:
    """The status of a step a signal killed, which a shell reports as 128+N, as -N (as Popen would)."""
    if rc is not None and 128 < rc <= 128 + 64:
        return 128 - rc
    return rc


def run_steps(steps: list[Step], *, cwd: str | Path, env: Mapping[str, str] | None = None,
              keep_lines: re.Pattern[bytes] | None = None, keep_limit: int = 16 * 1024 * 1024,
              head_bytes: int = process.DEFAULT_HEAD_BYTES,
              tail_bytes: int = process.DEFAULT_TAIL_BYTES) -> list[process.ProcessResult | None]:
    """Run `steps` in `cwd` one after the other in one box (see the module's doc): the result of each, as
    process.run gives it, or None for a step that never started (one before it that must succeed failed,
    or one before it overran its time). `keep_lines` applies to the last step's output. Without prlimit,
    the first step's limits apply to every step."""
    argvs = [[str(a) for a in step.argv] for step in steps]
    start = time.monotonic()
    launched: list[list[str]] = []
    for number, (step, argv) in enumerate(zip(steps, argvs)):
        try:
            launched.append(process.limited(argv, step.limits, step.timeout))
        except OSError as exc:  # a tool missing: the check cannot run
            missing = process.ProcessResult(argv, None, "", time.monotonic() - start,
                                            start_error=f"{exc.filename}: {exc.strerror or exc}")
            return [*(None for _ in steps[:number]), missing, *(None for _ in steps[number + 1:])]
    background = steps[0].background
    if any(step.background for step in steps[1:]) or (background and len(steps) < 3):
        raise ValueError("only the first of three or more steps can run in the background")
    order = [1, 0, *range(2, len(steps))] if background else list(range(len(steps)))  # steps in output order
    token = f"aigchip-step-{secrets.token_hex(16)}"
    script = ["/bin/sh", "-c", SCRIPT, "aigchip-steps", token]
    if background:
        script += ["b", str(len(launched[0])), *launched[0]]
    for step, line in list(zip(steps, launched))[1 if background else 0:]:
        script += [str(len(line)), "1" if step.must_succeed else "0", *line]
    box = sandbox.Box(readable=tuple(sorted({str(Path(argv[0]).parent) for argv in argvs})))
    timeouts = [steps[number].timeout for number in order]
    try:
        launch, full_env, gate, preexec = process._prepare(script, cwd=cwd, timeout=max(timeouts), env=env,
                                                           limits=steps[0].limits, box=box, limited=True)
    except OSError as exc:
        return [process.ProcessResult(argvs[0], None, "", time.monotonic() - start,
                                      start_error=f"/bin/sh: {exc.strerror or exc}"), *(None for _ in steps[1:])]
    split = _Split(token.encode(), len(steps), start, timeouts, [steps[number].background for number in order],
                   head_bytes, tail_bytes, keep_lines, keep_limit)
    ran = process._execute(launch, cwd=cwd, env=full_env, timeout=timeouts[0], preexec=preexec,
                           shown_argv=argvs[0], start=start, gate=gate, sink=split)
    split.close()
    sections: list[process.ProcessResult | None] = []
    for section in range(split.current):  # these ended, and the script said how
        rc = _status(split.statuses[section])
        text, cut = split.outputs[section].text()
        sections.append(process.ProcessResult(argvs[order[section]], rc, text,
                                              split.started[section + 1] - split.began(section),
                                              truncated=cut, signal_name=process.signal_name(rc)))
    stopped = any(steps[order[k]].must_succeed and result is not None and result.returncode != 0
                  for k, result in enumerate(sections))  # the script ended there (a background step's way)
    if not stopped:
        sections.append(_ended(argvs[order[split.current]], split, ran, start + ran.duration_s, unboxed=gate is None))
        following = split.current + 1
        if following < len(steps) and (last := sections[-1]) is not None and last.ok:
            # it ended well, yet the next never started: say so rather than guess
            sections.append(process.ProcessResult(argvs[order[following]], None, "", 0.0,
                                                  start_error=f"{argvs[order[following]][0]}: did not start"))
    results: list[process.ProcessResult | None] = [None for _ in steps]
    for section, result in enumerate(sections):
        results[order[section]] = result
    if background and split.current == 1 and results[0] is not None and results[-1] is None:
        # the background step overran its time and the box ended with it, before the design's step
        # started: what it wrote is in the run folder, as nothing the design does could touch it
        told = _told(Path(cwd) / f".{token}.out", head_bytes, tail_bytes)
        results[0] = dataclasses.replace(results[0], output=told)
    return results


def _told(path: Path, head: int, tail: int) -> str:
    kept = HeadTail(head, tail)
    try:
        with path.open("rb") as told:
            while chunk := told.read(1 << 16):
                kept.feed(chunk)
    except OSError:
        pass
    return kept.text()[0]


def _ended(argv: list[str], split: _Split, ran: process.ProcessResult, ended: float,
           unboxed: bool) -> process.ProcessResult:
    """The result of the step that was running when the box ended. The last step is exec'd (its status is
    its own, or bwrap's already turned into -N); one before it ended the script, which says 128+N for a
    signal, as bwrap does (sim/process.py turns a boxed run's into -N)."""
    number = split.current
    text, cut = split.outputs[number].text()
    last = split.last
    rc = ran.returncode if last or not unboxed else _status(ran.returncode)
    keeper = split.keeper if last else None
    return process.ProcessResult(argv, rc, text, max(0.0, ended - split.began(number)), timed_out=ran.timed_out,
                                 truncated=cut, start_error=ran.start_error, signal_name=process.signal_name(rc),
                                 kept_lines=keeper.text() if keeper else "",
                                 kept_overflow=bool(keeper and keeper.overflow))


def run_pair(first: list[str], second: list[str], *, cwd: str | Path, first_timeout: float, timeout: float,
             env: Mapping[str, str] | None = None, keep_lines: re.Pattern[bytes] | None = None,
             keep_limit: int = 16 * 1024 * 1024, head_bytes: int = process.DEFAULT_HEAD_BYTES,
             tail_bytes: int = process.DEFAULT_TAIL_BYTES) -> tuple[process.ProcessResult, process.ProcessResult | None]:
    """Run `first` in `cwd` and, when it succeeds, `second`, both in one box: the results of each (None for
    a second step that never started because the first failed or timed out). `keep_lines` applies to the
    second step's output."""
    done = run_steps([Step(first, first_timeout), Step(second, timeout)], cwd=cwd, env=env, keep_lines=keep_lines,
                     keep_limit=keep_limit, head_bytes=head_bytes, tail_bytes=tail_bytes)
    assert done[0] is not None
    return done[0], done[1]
