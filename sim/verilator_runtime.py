"""Verilator's compiled runtime, kept between builds in a persistent, content-keyed object folder.

Every Verilator build links the same runtime (verilated.cpp, verilated_vpi.cpp, ...) and parses the same
headers before it reaches the model; only the model differs from one design to the next. This module
compiles the runtime's objects once per toolchain, with a GCC precompiled header of verilated.h and its
siblings, under <cache root>/verilator-runtime/<key>/ (AIGCHIP_VERILATOR_RUNTIME_DIR moves it), so a build
after an edit compiles only the model.

Nothing of a design goes into the folder. The key is the toolchain alone: Verilator's root, version and
headers, the compiler binary, its flags and the model's defines (VM_TRACE, VM_TIMING, ...). Each piece is
compiled in a box (sim/process.py) that sees no design and may write only a fresh scratch folder beside
the key's folder; this process then moves the finished files in, one atomic rename each. A design's build
box only reads the folder. Concurrent runs (eval's threads, other processes) take a lock file per key:
one builds (holding it exclusively), the others wait and then reuse what it made; a build that links the
folder holds it shared for as long as it uses it.

Old folders go by themselves (prune(), once per process): a folder whose toolchain is gone (its key.json
names a compiler, source or header that changed or vanished: no build can ask for that key again), or one
no build has used for KEEP_DAYS (the lock file's time is touched at every use), is removed, but never one
a build holds: the pruner needs the folder's lock exclusively and does not wait for it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator, Sequence

from aigchip.sim import process, sandbox, tools

FORMAT = 1  # bump when what goes into the folder changes, so old folders stop matching
FOLDER_VARIABLE = "AIGCHIP_VERILATOR_RUNTIME_DIR"
PCH_NAME = "vl_pch.h"  # the precompiled header is vl_pch.h.gch beside it: GCC uses it for `-include vl_pch.h`
BUILD_TIMEOUT = 900.0  # each piece; verilated.cpp takes 4-10 s on an idle machine
KEY_FILE = "key.json"  # what the folder was built from (the key's material), to tell a toolchain that is gone
KEEP_DAYS = 30.0  # a folder no build used for this long is removed (its toolchain may still be there)
_in_process = threading.Lock()  # flock serialises processes; threads of one process also take this
_pruned = threading.Event()  # prune() runs once per process


class RuntimeUnavailable(tools.ToolMissing):
    """The runtime could not be compiled: the C++ compiler is missing or broken. Never the design's fault."""

    def __init__(self, detail: str) -> None:
        super().__init__("c++", detail)


@dataclass(frozen=True)
class Runtime:
    folder: Path
    objects: tuple[Path, ...]  # linked into every model, in Verilator's order
    pch: Path  # pass as `-include pch` (the .gch beside it is what GCC loads)


def root() -> Path:
    """Where the key folders live: $AIGCHIP_VERILATOR_RUNTIME_DIR, else <cache root>/verilator-runtime."""
    chosen = os.environ.get(FOLDER_VARIABLE)
    return Path(chosen).expanduser() if chosen else tools.cache_root() / "verilator-runtime"


def key(compiler: str, flags: Sequence[str], include_dir: Path, sources: Sequence[str], headers: Sequence[str]) -> str:
    """The folder's name: a hash of everything that goes into the objects and the precompiled header."""
    return _name(_material(compiler, flags, include_dir, sources, headers))


def _stamp(path: Path) -> list[object]:
    st = path.stat()
    return [str(path), st.st_size, st.st_mtime_ns]


def _material(compiler: str, flags: Sequence[str], include_dir: Path, sources: Sequence[str],
              headers: Sequence[str]) -> dict[str, object]:
    return {"format": FORMAT, "compiler": _stamp(Path(os.path.realpath(compiler))), "flags": list(flags),
            "sources": [_stamp(include_dir / f"{name}.cpp") for name in sources],
            "headers": [_stamp(include_dir / name) for name in headers],
            "verilated.mk": _stamp(include_dir / "verilated.mk")}


def _name(material: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]


@contextlib.contextmanager
def held(compiler: str, flags: Sequence[str], include_dir: Path, sources: Sequence[str], headers: Sequence[str],
         env: dict[str, str]) -> Iterator[Runtime]:
    """The runtime for these flags, held (its lock shared, so prune() leaves it) while the block links it: the
    objects of `sources` (names in Verilator's include folder, without .cpp) and a precompiled header of
    `headers`, compiled now if this toolchain has none yet. Raises RuntimeUnavailable when they cannot be
    compiled."""
    material = _material(compiler, flags, include_dir, sources, headers)
    folder = root() / _name(material)
    runtime = Runtime(folder, tuple(folder / f"{name}.o" for name in sources), folder / PCH_NAME)
    with _lock_file(folder.parent / f"{folder.name}.lock") as lock:
        if lock is None:  # a folder this process may only read: use it as it is, or say why it cannot
            if not _complete(runtime):
                raise _unwritable(folder.parent)
            yield runtime
            return
        while True:
            fcntl.flock(lock, fcntl.LOCK_SH)
            if _complete(runtime):
                break
            fcntl.flock(lock, fcntl.LOCK_UN)
            with _in_process:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not _complete(runtime):
                    _build(runtime, compiler, flags, include_dir, sources, headers, env, material)
                fcntl.flock(lock, fcntl.LOCK_UN)
        with contextlib.suppress(OSError):
            os.utime(lock.fileno())  # the folder's last use, which prune() reads
        if not _pruned.is_set():
            _pruned.set()
            prune(keep=folder.name)
        yield runtime


def ensure(compiler: str, flags: Sequence[str], include_dir: Path, sources: Sequence[str], headers: Sequence[str],
           env: dict[str, str]) -> Runtime:
    """held()'s runtime, compiled if need be, but not held once this returns (prune() may remove it)."""
    with held(compiler, flags, include_dir, sources, headers, env) as runtime:
        return runtime


def prune(keep: str = "", *, now: float | None = None) -> list[str]:
    """Remove the key folders (but `keep`) whose toolchain is gone or that no build used for KEEP_DAYS, and
    scratch folders a killed build left a day ago or more; never a folder whose lock anyone holds. Returns
    the names removed. Never raises: a folder that cannot be removed stays."""
    base, now = root(), time.time() if now is None else now
    removed: list[str] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.name.startswith((".scratch-", ".prune-")) and entry.is_dir(follow_symlinks=False):
                if now - entry.stat(follow_symlinks=False).st_mtime > 86400:
                    shutil.rmtree(entry.path, ignore_errors=True)
                    removed.append(entry.name)
            elif len(entry.name) == 32 and entry.name != keep and entry.is_dir(follow_symlinks=False) \
                    and all(c in "0123456789abcdef" for c in entry.name) and _prune_one(base, entry.name, now):
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _prune_one(base: Path, name: str, now: float) -> bool:
    """Remove base/name when it is stale and nobody holds its lock (which this takes without waiting)."""
    folder, lock_path = base / name, base / f"{name}.lock"
    with _lock_file(lock_path) as lock:
        if lock is None:
            return False
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a build holds it (or is building it)
        last_use = max(os.fstat(lock.fileno()).st_mtime, folder.stat().st_mtime)
        if _toolchain_present(folder / KEY_FILE) and now - last_use < KEEP_DAYS * 86400:
            return False
        doomed = base / f".prune-{name}-{secrets.token_hex(4)}"
        os.rename(folder, doomed)  # gone from its name at once, under the lock; then removed at leisure
    shutil.rmtree(doomed, ignore_errors=True)
    return True


def _toolchain_present(key_file: Path) -> bool:
    """Whether what the folder was built from is still there, unchanged (True when it does not say)."""
    try:
        material = json.loads(key_file.read_text(encoding="utf-8"))
        stamps = [material["compiler"], material["verilated.mk"], *material["sources"], *material["headers"]]
    except (OSError, ValueError, KeyError, TypeError):
        return True
    for path, size, mtime in stamps:
        try:
            if _stamp(Path(path)) != [path, size, mtime]:
                return False
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _lock_file(path: Path) -> Iterator[IO[str] | None]:
    """The key's lock file (made if need be), open for as long as the block runs (closing it releases any
    lock); None when it cannot be opened (a read-only folder)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path, "a")  # noqa: SIM115 - closed below, which releases the lock
    except OSError:
        yield None
        return
    with lock:
        yield lock


def _unwritable(folder: Path) -> tools.ToolMissing:
    return tools.ToolMissing("verilator", f"cannot write Verilator's runtime folder {folder}; point "
                             f"{FOLDER_VARIABLE} at a writable folder")


def _complete(runtime: Runtime) -> bool:
    return all(p.is_file() for p in (*runtime.objects, runtime.pch, _gch(runtime.pch)))


def _gch(pch: Path) -> Path:
    return pch.with_name(f"{pch.name}.gch")


def _build(runtime: Runtime, compiler: str, flags: Sequence[str], include_dir: Path, sources: Sequence[str],
           headers: Sequence[str], env: dict[str, str], material: dict[str, object]) -> None:
    """Compile what is missing in a scratch folder of its own, then move each finished file into the folder."""
    scratch = runtime.folder.parent / f".scratch-{runtime.folder.name}-{secrets.token_hex(6)}"
    scratch.mkdir(mode=0o700)
    try:
        (scratch / PCH_NAME).write_text("".join(f'#include "{name}"\n' for name in headers), encoding="utf-8")
        jobs = [] if _gch(runtime.pch).is_file() else [[compiler, *flags, "-x", "c++-header", "-o", f"{PCH_NAME}.gch", PCH_NAME]]
        jobs += [[compiler, *flags, "-c", "-o", f"{name}.o", str(include_dir / f"{name}.cpp")]
                 for name in sources if not (runtime.folder / f"{name}.o").is_file()]
        box = sandbox.Box(readable=(str(include_dir),))
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="aigchip-vlrt") as pool:
            results = list(pool.map(lambda argv: process.run(argv, cwd=scratch, timeout=BUILD_TIMEOUT, env=env, box=box),
                                    jobs))
        for argv, result in zip(jobs, results):
            if not result.ok:
                why = result.start_error or ("timed out" if result.timed_out else result.output.strip()[-800:])
                raise RuntimeUnavailable(f"compiling Verilator's runtime ({argv[-1]}) failed: {why}")
        runtime.folder.mkdir(exist_ok=True)
        (scratch / KEY_FILE).write_text(json.dumps(material), encoding="utf-8")
        # objects first, the header's text last: _complete() sees the folder whole or not at all
        for name in [KEY_FILE, *(f"{n}.o" for n in sources), f"{PCH_NAME}.gch", PCH_NAME]:
            if (scratch / name).is_file():
                os.replace(scratch / name, runtime.folder / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
