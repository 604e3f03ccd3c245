"""The box every tool and test run goes through: Debian's bubblewrap (`bwrap`).

A boxed run gets new user, PID, network, IPC and UTS namespaces and no capabilities; sees the system
(/usr, the /lib links, a few files of /etc), the Python installation and its site-packages read-only; can
write only its own folder and a private /tmp; sees a fresh /proc holding only its own processes; and has
an environment built from nothing (`--clearenv`): a short list of harmless variables and what the caller
passes. HOME, the caches, other runs and the parent's /proc are simply not there, and aigchip's own
package is hidden from model-written Python. When the run's first process ends, or bwrap is killed (a
timeout, or the parent dying: `--die-with-parent`), the kernel kills everything left in the PID namespace.

Where bwrap is missing or cannot start (no user namespaces), the run falls back to sim/process.py's
process group and resource limits, which is said once on stderr; model-written Python is then refused
unless the user allows it (`aigchip --allow-unsandboxed-python ...` or AIGCHIP_ALLOW_UNSANDBOXED_PYTHON=1).
This module builds the command line; sim/process.py starts it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import selectors
import shutil
import site
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from aigchip.sim import tools

BWRAP_VARIABLE = "AIGCHIP_BWRAP"  # the bwrap to use; "off" runs without the box
ALLOW_VARIABLE = "AIGCHIP_ALLOW_UNSANDBOXED_PYTHON"

# the parts of /etc that the tools read: the dynamic linker's cache, Debian's alternatives (c++, cc), user names
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "passwd", "group", "nsswitch.conf",
             "localtime", "hosts", "perl")
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# variables of the parent's environment a boxed tool may see; everything else it needs the caller passes
KEPT_VARIABLES = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "SOURCE_DATE_EPOCH", "CC", "CXX", "CFLAGS", "CXXFLAGS",
                  "CPPFLAGS", "LDFLAGS", "LD_LIBRARY_PATH", "OBJCACHE")
KEPT_PREFIXES = ("LC_", "VERILATOR_")


@dataclass(frozen=True)
class Box:
    """What one run may touch besides its working folder (always writable)."""

    writable: tuple[str, ...] = ()  # more folders it may write
    readable: tuple[str, ...] = ()  # files or folders it reads that are not part of the system (a child script)
    model_python: bool = False  # it runs Python the model wrote: refused without a box unless allowed


class Unavailable(tools.ToolMissing):
    """The run needs the box (model-written Python) and there is none, and the user did not allow that."""

    def __init__(self, why: str) -> None:
        super().__init__("bubblewrap", f"model-written Python is not run without a sandbox: {why}")


def unsandboxed_python_allowed() -> bool:
    return os.environ.get(ALLOW_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def bwrap_path() -> str | None:
    """The bwrap to use, or None when it is switched off or not installed."""
    chosen = os.environ.get(BWRAP_VARIABLE, "").strip()
    if chosen.lower() in ("off", "0", "no", "none", "false"):
        return None
    return shutil.which(chosen or "bwrap")


# The box's first process (PID 1 of its namespace, bwrap --as-pid-1). bwrap ties its own life and then this
# process's to aigchip's (--die-with-parent) before it starts this, so once this runs, aigchip's death ends
# the box. It says READY on stdout and waits for aigchip's "go" on stdin, which aigchip sends only after it
# has read READY: if aigchip died before that (while bwrap was starting), stdin ends and nothing runs. Then
# it runs the tool as its child (a tool that is PID 1 would be immune to its own signals) with /dev/null
# for stdin, and ends with the tool's status; when it ends, the kernel kills every process left in the box.
READY = b"aigchip-box-ready\n"
GATE = ["/bin/sh", "-c", 'printf "aigchip-box-ready\\n"; read -r go && [ "$go" = go ] || exit 125; "$@" </dev/null',
        "aigchip-gate"]


class Gate:
    """The pipe on the box's stdin that lets the tool start (see GATE)."""

    def __init__(self) -> None:
        self.stdin, self.go = os.pipe()

    def open(self, output: int, deadline: float) -> bytes:
        """After the start: read the box's `output` up to READY (or its end, or the deadline), then say "go".
        Returns what came before READY (bwrap's own complaints, when it failed)."""
        os.close(self.stdin)
        said = b""
        with selectors.DefaultSelector() as selector:
            selector.register(output, selectors.EVENT_READ)
            while READY not in said and selector.select(max(0.0, deadline - time.monotonic())):
                chunk = os.read(output, 65536)
                if not chunk:
                    break
                said += chunk
        try:
            if READY in said:
                os.write(self.go, b"go\n")
        except OSError:
            pass  # the box is already gone; its exit says why
        finally:
            os.close(self.go)
        before, _, after = said.partition(READY)
        return before + after

    def close(self) -> None:
        for fd in (self.stdin, self.go):
            try:
                os.close(fd)
            except OSError:
                pass


def box_env(cwd: str, extra: Mapping[str, str] | None, parent: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment inside the box: a few harmless variables of the parent, HOME and TMPDIR of the
    box, then `extra` (which the caller chose, so it wins)."""
    parent = os.environ if parent is None else parent
    env = {name: value for name, value in parent.items()
           if name in KEPT_VARIABLES or name.startswith(KEPT_PREFIXES)}
    env.update({"HOME": cwd, "TMPDIR": "/tmp"})
    env.update(extra or {})
    # `python` means this Python inside the box (Verilator's makefile runs it), not a shim in HOME
    here = os.path.dirname(sys.executable)
    if here not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = os.pathsep.join(p for p in (here, env.get("PATH")) if p)
    return env


@functools.lru_cache(maxsize=1)
def _system_args() -> tuple[str, ...]:
    """The read-only view of the system and of Python, the same for every run of this process."""
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return tuple(args)


def _python_roots() -> list[str]:
    """The Python installation, the venv, and every site-packages folder they use."""
    roots = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix, *site.getsitepackages()]
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        roots.append(site.getusersitepackages())
    return [os.path.realpath(root) for root in roots if os.path.isdir(root)]


def _hidden_packages() -> list[str]:
    """aigchip's own package folders, where an installed copy would be importable inside the box."""
    found: list[str] = []
    for name in ("aigchip", "aigchip.sim"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        found += [os.path.realpath(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return found


def _covered(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _in_home(path: str, home: str) -> bool:
    """Whether `path` is the user's home folder, inside it, or above it ("/" shows everything)."""
    return _covered(path, [home]) or _covered(home, [path])


def _bind(option: str, path: str) -> list[str]:
    """Bind `path` at its real location and, when a link leads there, at the name the caller used too."""
    real, named = os.path.realpath(path), os.path.abspath(path)
    return [option, real, real] + ([option, real, named] if named != real else [])


def command(box: Box, cwd: str, executable: str, env: Mapping[str, str], bwrap: str) -> list[str]:
    """bwrap's command line for one run, up to the gate that the tool's own command line follows."""
    home = os.path.realpath(os.path.expanduser("~"))
    args = [bwrap, "--unshare-all", "--as-pid-1", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            *_system_args(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            # after the empty /tmp: a Python or venv under /tmp (pipx, CI, a test's venv) stays visible
            *_read_only(env.get("PATH", ""), (os.path.dirname(executable), *box.readable), home)]
    for path in (cwd, *box.writable):
        args += _bind("--bind", path)
    args += ["--chdir", os.path.abspath(cwd), "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return [*args, "--", *GATE]


@functools.lru_cache(maxsize=64)
def _read_only(search_path: str, extra: tuple[str, ...], home: str) -> tuple[str, ...]:
    """The read-only binds besides the system: Python, the search path outside HOME, the tool's own folder
    and `extra`; then aigchip's package hidden wherever they would show it. The same for many runs."""
    args: list[str] = []
    bound = ["/usr", *(str(Path("/") / n) for n in SYSTEM_LINKS)]
    on_path = [p for p in search_path.split(os.pathsep) if os.path.isabs(p) and not _in_home(os.path.realpath(p), home)]
    for path in [*_python_roots(), *on_path]:
        real = os.path.realpath(path)
        if os.path.exists(real) and not _covered(real, bound) and real != "/" and not _covered(home, [real]):
            args += _bind("--ro-bind", path)
            bound.append(real)
    hidden = [folder for folder in _hidden_packages() if _covered(folder, bound)]
    for folder in hidden:
        args += ["--tmpfs", folder]
    for path in extra:  # last: a child script inside an installed aigchip shows through its hidden package
        real = os.path.realpath(path)
        if os.path.exists(real) and (_covered(real, hidden) or not _covered(real, bound)) and real != "/" \
                and not _covered(home, [real]):
            args += _bind("--ro-bind", path)
            bound.append(real)
    return tuple(args)
