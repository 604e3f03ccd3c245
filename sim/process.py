"""The only way aigchip runs a tool: inside the bubblewrap box of sim/sandbox.py, from argument lists, with
a wall-clock timeout that kills the whole process group (and, through the box's PID namespace, every
descendant), resource limits, capped output, and an environment without secrets."""

from __future__ import annotations

import fnmatch
import functools
import logging
import os
import re
import resource
import shutil
import signal
import selectors
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from aigchip.sim import sandbox
from aigchip.sim.capture import HeadTail, LineKeeper
from aigchip.sim.once import Once

SECRET_PATTERNS = ("*_API_KEY", "*TOKEN*", "*SECRET*", "*PASSWORD*", "*CREDENTIAL*")

DEFAULT_HEAD_BYTES = 64 * 1024
DEFAULT_TAIL_BYTES = 64 * 1024


@functools.lru_cache(maxsize=256)
def _is_secret(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name.upper(), pat) for pat in SECRET_PATTERNS)


def scrubbed_env(base: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment with every secret-looking variable removed, then `extra` added."""
    env = {name: value for name, value in (os.environ if base is None else base).items() if not _is_secret(name)}
    env.update(extra or {})
    return env


def cap_text(text: str, head: int, tail: int) -> str:
    """Keep the first `head` and last `tail` characters with a marker saying what was cut."""
    if len(text) <= head + tail:
        return text
    cut = len(text) - head - tail
    return f"{text[:head]}\n[... {cut} characters cut by aigchip ...]\n{text[len(text) - tail:]}"


@dataclass(frozen=True)
class Limits:
    """Resource limits applied to the child (and inherited by its children)."""

    address_space_mb: int | None = 8192
    file_size_mb: int | None = 512
    cpu_seconds: int | None = None  # None: derived from the wall-clock timeout
    processes: int | None = None  # RLIMIT_NPROC counts all of the user's processes; root ignores it
    stack_unlimited: bool = False  # the stack as large as the hard limit allows (what `verilator` asks for)

    def values(self, timeout: float) -> dict[str, int]:
        """prlimit's resource names to values, never above the hard limits this process already has."""
        wanted = {"as": self.address_space_mb and self.address_space_mb << 20,
                  "fsize": self.file_size_mb and self.file_size_mb << 20,
                  "cpu": self.cpu_seconds if self.cpu_seconds is not None else int(timeout * 2) + 5,
                  "nproc": self.processes, "core": 0,
                  "stack": resource.RLIM_INFINITY if self.stack_unlimited else None}
        limited = {}
        for name, value in wanted.items():
            if value is None:
                continue
            _, hard = resource.getrlimit(_RESOURCES[name])
            over = value == resource.RLIM_INFINITY or value > hard
            limited[name] = hard if hard != resource.RLIM_INFINITY and over else value
        return limited

    def apply(self, timeout: float) -> None:
        """Set the limits on this process (in the child between fork and exec, when prlimit is missing)."""
        for name, value in self.values(timeout).items():
            resource.setrlimit(_RESOURCES[name], (value, value))


_RESOURCES = {"as": resource.RLIMIT_AS, "fsize": resource.RLIMIT_FSIZE, "cpu": resource.RLIMIT_CPU,
              "nproc": resource.RLIMIT_NPROC, "core": resource.RLIMIT_CORE, "stack": resource.RLIMIT_STACK}


@functools.lru_cache(maxsize=1)
def _prlimit() -> str | None:
    return shutil.which("prlimit")


def _launch_argv(argv: list[str], limits: Limits, timeout: float, path: str | None) -> tuple[list[str], bool]:
    """The command line to start, and whether the limits still need a preexec hook. util-linux's prlimit
    sets them and execs the tool: about 1 ms, where a Python preexec hook costs about 3 ms a spawn."""
    executable = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=path)
    if executable is None or not os.access(executable, os.X_OK):
        raise FileNotFoundError(2, "No such file or directory", argv[0])
    wrapper = _prlimit()
    if wrapper is None:
        return [executable, *argv[1:]], True
    flags = [f"--{name}={'unlimited' if value == resource.RLIM_INFINITY else value}"
             for name, value in limits.values(timeout).items()]
    return [wrapper, *flags, "--", executable, *argv[1:]], False


_log = logging.getLogger("aigchip.sandbox")


@Once
def _working_bwrap(bwrap: str | None) -> tuple[str | None, str]:
    """`bwrap` when it starts a box on this machine, else None; and what the box is, in words. Tried once per
    process; a machine without it is told so once, on stderr."""
    if bwrap is None:
        why = "bubblewrap (bwrap) is not installed" if not os.environ.get(sandbox.BWRAP_VARIABLE) \
            else f"{sandbox.BWRAP_VARIABLE}={os.environ[sandbox.BWRAP_VARIABLE]}"
    else:
        with tempfile.TemporaryDirectory(prefix="aigchip-probe-") as folder:
            gate = sandbox.Gate()
            argv = [*sandbox.command(sandbox.Box(), folder, "/usr/bin/true", {"PATH": "/usr/bin"}, bwrap), "/usr/bin/true"]
            probe = _execute(argv, cwd=folder, env={"PATH": "/usr/bin"}, timeout=30.0, preexec=None, gate=gate)
        if probe.ok:
            return bwrap, "bubblewrap"
        why = f"bwrap could not start a sandbox: {(probe.start_error or probe.output).strip()[:300]}"
    _log.warning("aigchip: no sandbox (%s); Verilog tools run with process-group and resource limits only, and "
                 "model-written Python is refused unless allowed (--allow-unsandboxed-python)", why)
    return None, f"none ({why})"


def sandbox_status() -> str:
    """What every run of this process goes through: "bubblewrap", or "none (why)"."""
    return _working_bwrap(sandbox.bwrap_path())[1]


@dataclass
class ProcessResult:
    argv: list[str]
    returncode: int | None  # None when the process never started
    output: str  # stdout and stderr interleaved, capped (head and tail kept)
    duration_s: float
    timed_out: bool = False
    truncated: bool = False
    start_error: str | None = None  # why the process could not start (missing executable, ...)
    signal_name: str | None = field(default=None)
    kept_lines: str = ""  # every line matching `keep_lines`, whatever the cap cut from `output`
    kept_overflow: bool = False  # more matching lines came than `keep_limit` holds

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _pump_until_exit(proc: subprocess.Popen, fd: int, deadline: float | Callable[[], float], feed) -> bool:
    """Read output until the process exits or the deadline passes (True: timed out). A pidfd wakes us the
    moment the process exits, where Popen.wait(timeout) would poll with sleeps of up to 50 ms. A callable
    `deadline` is asked again after each read (a run of two steps moves it when the second starts)."""
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ, "output")
    try:
        pidfd = os.pidfd_open(proc.pid)
        selector.register(pidfd, selectors.EVENT_READ, "exit")
    except (AttributeError, OSError):
        pidfd = None  # no pidfd (old kernel): poll for the exit every 20 ms instead
    try:
        while True:
            remaining = (deadline() if callable(deadline) else deadline) - time.monotonic()
            if remaining <= 0:
                return True
            events = selector.select(remaining if pidfd is not None else min(remaining, 0.02))
            for key, _ in events:
                if key.data == "exit":
                    return False
                chunk = os.read(fd, 65536)
                if chunk:
                    feed(chunk)
                else:
                    selector.unregister(fd)  # output closed; the exit is still to come
            if pidfd is None and proc.poll() is not None:
                return False
    finally:
        selector.close()
        if pidfd is not None:
            os.close(pidfd)


def _drain(fd: int, feed, patience: float = 2.0) -> None:
    """Read what is left in the pipe. Every writer in the group is dead, so EOF comes at once; a writer
    that left the group (setsid) could hold the pipe open, so stop after `patience` seconds of silence."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while selector.select(patience):
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            feed(chunk)


def run(
    argv: Sequence[str],
    *,
    cwd: str | Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
    limits: Limits | None = None,
    head_bytes: int = DEFAULT_HEAD_BYTES,
    tail_bytes: int = DEFAULT_TAIL_BYTES,
    log_path: str | Path | None = None,
    keep_lines: re.Pattern[bytes] | None = None,
    keep_limit: int = 16 * 1024 * 1024,
    box: sandbox.Box | None = None,
) -> ProcessResult:
    """Run `argv` (a list, never a shell string) in `cwd`, inside the sandbox, in its own process group.

    `cwd` is the only folder the run may write (`box` names what else it may write or read, and whether it
    runs model-written Python). `env` is added to the box's environment. On timeout the whole group is
    killed; the group, and with the box every process it started, is also killed after a normal exit, so
    nothing the tool started outlives it. The capped output is written to `log_path` when given. Lines
    matching `keep_lines` are also kept whole, so a flood of output cannot push them out of reach.
    Raises sandbox.Unavailable for model-written Python when there is no sandbox and it is not allowed.
    """
    argv = [str(a) for a in argv]
    start = time.monotonic()
    try:
        launch, full_env, gate, preexec = _prepare(argv, cwd=cwd, timeout=timeout, env=env, limits=limits, box=box)
    except OSError as exc:
        return ProcessResult(argv, None, "", time.monotonic() - start, start_error=f"{argv[0]}: {exc.strerror or exc}")
    return _execute(launch, cwd=cwd, env=full_env, timeout=timeout, preexec=preexec, head_bytes=head_bytes, tail_bytes=tail_bytes, log_path=log_path, keep_lines=keep_lines,
                    keep_limit=keep_limit, shown_argv=argv, start=start, gate=gate)


def _prepare(argv: list[str], *, cwd: str | Path, timeout: float, env: Mapping[str, str] | None,
             limits: Limits | None, box: sandbox.Box | None,
             limited: bool = False) -> tuple[list[str], dict[str, str], sandbox.Gate | None, Callable | None]:
    """The command line that starts `argv` in the box (or, with no box, in a scrubbed environment), its
    environment, the box's gate, and a preexec hook when prlimit is missing. `limited`: argv is a script
    whose tools already start through limited() (sim/pair.py), so only the hook may still apply.
    Raises OSError when the executable is missing, sandbox.Unavailable as run() says."""
    box = box or sandbox.Box()
    limits = limits or Limits()
    bwrap, why = _working_bwrap(sandbox.bwrap_path())
    if bwrap is None and box.model_python and not sandbox.unsandboxed_python_allowed():
        raise sandbox.Unavailable(why)
    full_env = sandbox.box_env(str(cwd), env) if bwrap else scrubbed_env(extra=env)
    launch, needs_hook = (argv, _prlimit() is None) if limited else \
        _launch_argv(argv, limits, timeout, full_env.get("PATH"))
    gate = None
    if bwrap:
        gate = sandbox.Gate()
        launch = [*sandbox.command(box, str(cwd), launch[-len(argv)], full_env, bwrap), *launch]
        full_env = {"PATH": "/usr/bin:/bin"}  # bwrap itself needs nothing; the box gets its variables from --setenv
    preexec = (lambda: limits.apply(timeout)) if needs_hook else None
    return launch, full_env, gate, preexec


def limited(argv: list[str], limits: Limits, timeout: float) -> list[str]:
    """`argv` started through prlimit with `limits` for `timeout` (unchanged when prlimit is missing: the
    caller's preexec hook applies them). Raises OSError when the executable is missing."""
    return _launch_argv(argv, limits, timeout, None)[0]


def _execute(launch: list[str], *, cwd: str | Path, env: Mapping[str, str], timeout: float, preexec,
             head_bytes: int = DEFAULT_HEAD_BYTES, tail_bytes: int = DEFAULT_TAIL_BYTES,
             log_path: str | Path | None = None, keep_lines: re.Pattern[bytes] | None = None,
             keep_limit: int = 16 * 1024 * 1024, shown_argv: list[str] | None = None,
             start: float | None = None, gate: sandbox.Gate | None = None, sink=None) -> ProcessResult:
    """Start `launch` and collect its output (capped, with `keep_lines`), or hand every chunk to `sink`
    (its feed(), with its deadline() asked instead of `timeout`'s: sim/pair.py)."""
    argv = shown_argv or launch
    start = time.monotonic() if start is None else start
    try:
        proc = subprocess.Popen(
            launch,
            cwd=str(cwd),
            env=dict(env),
            stdin=gate.stdin if gate else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,
            close_fds=True,
        )
    except OSError as exc:
        if gate:
            gate.close()
        return ProcessResult(argv, None, "", time.monotonic() - start, start_error=f"{launch[0]}: {exc.strerror or exc}")
    said = gate.open(proc.stdout.fileno(), start + timeout) if gate and proc.stdout else b""

    collected = HeadTail(head_bytes, tail_bytes)
    keeper = LineKeeper(keep_lines, keep_limit) if keep_lines is not None else None

    def collect(chunk: bytes) -> None:
        collected.feed(chunk)
        if keeper is not None:
            keeper.feed(chunk)

    feed = sink.feed if sink is not None else collect
    assert proc.stdout is not None
    if said:
        feed(said)
    try:
        timed_out = _pump_until_exit(proc, proc.stdout.fileno(), sink.deadline if sink else start + timeout, feed)
    except BaseException:  # Ctrl-C in the caller: leave nothing running
        _kill_group(proc.pid)
        proc.wait()
        raise
    _kill_group(proc.pid)  # whatever the tool started dies with it
    proc.wait()
    _drain(proc.stdout.fileno(), feed)
    proc.stdout.close()
    if keeper is not None:
        keeper.close()
    duration = time.monotonic() - start
    output, truncated = collected.text()
    if log_path is not None:
        Path(log_path).write_text(output, encoding="utf-8")
    rc = proc.returncode
    if gate and rc is not None and 128 < rc <= 128 + 64:
        rc = 128 - rc  # bwrap reports a signal-killed tool as 128+N, as a shell does
    return ProcessResult(argv, rc, output, duration, timed_out=timed_out, truncated=truncated, signal_name=signal_name(rc),
                         kept_lines=keeper.text() if keeper else "", kept_overflow=bool(keeper and keeper.overflow))


def signal_name(returncode: int | None) -> str | None:
    """SIGKILL for -9: the signal that ended a process, from its return code."""
    if returncode is None or returncode >= 0 or -returncode not in signal.valid_signals():
        return None
    return signal.Signals(-returncode).name


class RunFolder:
    """A fresh folder for one check, removed afterwards unless `keep` names where to keep it."""

    def __init__(self, prefix: str = "aigchip-", keep: str | Path | None = None) -> None:
        self.keep = Path(keep) if keep is not None else None
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=self.keep))
        else:
            self.path = Path(tempfile.mkdtemp(prefix=prefix))

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        if self.keep is None:
            shutil.rmtree(self.path, ignore_errors=True)

    def write(self, name: str, text: str) -> Path:
        """Write a file by plain name into the folder; names with folders or '..' are refused."""
        safe = safe_name(name)
        target = self.path / safe
        target.write_text(text, encoding="utf-8")
        return target


def safe_name(name: str) -> str:
    """A plain file name (no folders, no '..'), so it stays inside a run folder."""
    if name in ("", ".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"unsafe file name {name!r}: use a plain file name")
    return name
