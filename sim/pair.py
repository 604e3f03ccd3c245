"""Two tools one after the other in one box: Icarus's compiler (iverilog), then its simulator (vvp).

Starting a box costs about 7 ms of CPU (namespaces, mounts) and a testbench check under Icarus runs two
tools, so one box for both halves that cost. The box's tool is a short POSIX shell script (an argument
list, never a string built from input): it runs the first command and, only if that succeeds, prints a
separator line holding a token drawn afresh for each run, then execs the second. What came before the
separator is the first tool's output, the rest the second's. The second tool, where the design under test
runs, starts only after the separator is out, and the first cannot know the token, so nothing the design
prints can move the split. Each step keeps its own wall-clock timeout (the second's counts from the
separator) and its own resource limits; the box, the process group, the environment and the output caps
are sim/process.py's, as for any run.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Mapping

from aigchip.sim import process, sandbox
from aigchip.sim.capture import HeadTail, LineKeeper

SCRIPT = ('n=$1; sep=$2; shift 2\n'
          # the first n arguments alone: append them after the rest, then drop everything before them
          '(i=0; for a; do [ "$i" -lt "$n" ] && set -- "$@" "$a"; i=$((i + 1)); done; shift $(($# - n)); exec "$@")\n'
          'rc=$?; [ "$rc" -eq 0 ] || exit "$rc"\n'
          'printf "\\n%s\\n" "$sep"\n'
          'shift "$n"; exec "$@"\n')


class _Split:
    """Feeds the first step's output until the separator line, the second's after it."""

    def __init__(self, separator: bytes, first_deadline: float, timeout: float, head: int, tail: int,
                 keep_lines: re.Pattern[bytes] | None, keep_limit: int) -> None:
        self.separator, self.first_deadline, self.timeout = separator, first_deadline, timeout
        self.first = HeadTail(head, tail)
        self.second = HeadTail(head, tail)
        self.keeper = LineKeeper(keep_lines, keep_limit) if keep_lines is not None else None
        self.pending = b""
        self.second_started: float | None = None

    def feed(self, chunk: bytes) -> None:
        if self.second_started is not None:
            self._second(chunk)
            return
        data = self.pending + chunk
        at = data.find(self.separator)
        if at < 0:  # hold back what could be the start of a separator split across reads
            cut = max(0, len(data) - len(self.separator) + 1)
            self.first.feed(data[:cut])
            self.pending = data[cut:]
            return
        self.first.feed(data[:at])
        self.pending = b""
        self.second_started = time.monotonic()
        if rest := data[at + len(self.separator):]:
            self._second(rest)

    def _second(self, chunk: bytes) -> None:
        self.second.feed(chunk)
        if self.keeper is not None:
            self.keeper.feed(chunk)

    def deadline(self) -> float:
        return self.first_deadline if self.second_started is None else self.second_started + self.timeout

    def close(self) -> None:
        if self.second_started is None:
            self.first.feed(self.pending)
        if self.keeper is not None:
            self.keeper.close()


def run_pair(first: list[str], second: list[str], *, cwd: str | Path, first_timeout: float, timeout: float,
             env: Mapping[str, str] | None = None, keep_lines: re.Pattern[bytes] | None = None,
             keep_limit: int = 16 * 1024 * 1024, head_bytes: int = process.DEFAULT_HEAD_BYTES,
             tail_bytes: int = process.DEFAULT_TAIL_BYTES) -> tuple[process.ProcessResult, process.ProcessResult | None]:
    """Run `first` in `cwd` and, when it succeeds, `second`, both in one box (see the module's doc): the
    results of each, as process.run gives them (None for a second step that never started because the
    first failed or timed out). `keep_lines` applies to the second step's output."""
    first, second = [str(a) for a in first], [str(a) for a in second]
    start = time.monotonic()
    limits = process.Limits()
    try:
        lines = [process.limited(first, limits, first_timeout), process.limited(second, limits, timeout)]
    except OSError as exc:  # either tool missing: the check cannot run
        return process.ProcessResult(first, None, "", time.monotonic() - start,
                                     start_error=f"{exc.filename}: {exc.strerror or exc}"), None
    token = f"aigchip-step-{secrets.token_hex(16)}"
    script = ["/bin/sh", "-c", SCRIPT, "aigchip-pair", str(len(lines[0])), token, *lines[0], *lines[1]]
    box = sandbox.Box(readable=tuple(sorted({str(Path(first[0]).parent), str(Path(second[0]).parent)})))
    try:
        launch, full_env, gate, preexec = process._prepare(script, cwd=cwd, timeout=max(first_timeout, timeout),
                                                           env=env, limits=limits, box=box, limited=True)
    except OSError as exc:
        return process.ProcessResult(first, None, "", time.monotonic() - start,
                                     start_error=f"/bin/sh: {exc.strerror or exc}"), None
    split = _Split(f"\n{token}\n".encode(), start + first_timeout, timeout, head_bytes, tail_bytes,
                   keep_lines, keep_limit)
    ran = process._execute(launch, cwd=cwd, env=full_env, timeout=first_timeout, preexec=preexec,
                           shown_argv=first, start=start, gate=gate, sink=split)
    split.close()
    first_text, first_cut = split.first.text()
    if ran.start_error or split.second_started is None:
        rc = ran.returncode
        if gate is None and rc is not None and 128 < rc <= 128 + 64:
            rc = 128 - rc  # the script reports a signal-killed first step as 128+N, as a shell does
        if rc == 0:  # it ended well without ever starting the second: say so rather than guess
            return (process.ProcessResult(first, 0, first_text, ran.duration_s, truncated=first_cut),
                    process.ProcessResult(second, None, "", 0.0, start_error=f"{second[0]}: did not start"))
        sig = process.signal_name(rc)
        return process.ProcessResult(first, rc, first_text, ran.duration_s, timed_out=ran.timed_out,
                                     truncated=first_cut, start_error=ran.start_error, signal_name=sig), None
    second_text, second_cut = split.second.text()
    first_s = split.second_started - start
    keeper = split.keeper
    return (process.ProcessResult(first, 0, first_text, first_s, truncated=first_cut),
            process.ProcessResult(second, ran.returncode, second_text, ran.duration_s - first_s,
                                  timed_out=ran.timed_out, truncated=second_cut, signal_name=ran.signal_name,
                                  kept_lines=keeper.text() if keeper else "",
                                  kept_overflow=bool(keeper and keeper.overflow)))
