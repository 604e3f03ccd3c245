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
one builds, the others wait and then reuse what it made.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from aigchip.sim import process, sandbox, tools

FORMAT = 1  # bump when what goes into the folder changes, so old folders stop matching
FOLDER_VARIABLE = "AIGCHIP_VERILATOR_RUNTIME_DIR"
PCH_NAME = "vl_pch.h"  # the precompiled header is vl_pch.h.gch beside it: GCC uses it for `-include vl_pch.h`
BUILD_TIMEOUT = 900.0  # each piece; verilated.cpp takes 4-10 s on an idle machine
_in_process = threading.Lock()  # flock serialises processes; threads of one process also take this


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
    def stamp(path: Path) -> list[object]:
        st = path.stat()
        return [str(path), st.st_size, st.st_mtime_ns]

    material = {"format": FORMAT, "compiler": stamp(Path(os.path.realpath(compiler))), "flags": list(flags),
                "sources": [stamp(include_dir / f"{name}.cpp") for name in sources],
                "headers": [stamp(include_dir / name) for name in headers],
                "verilated.mk": stamp(include_dir / "verilated.mk")}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]


def ensure(compiler: str, flags: Sequence[str], include_dir: Path, sources: Sequence[str], headers: Sequence[str],
           env: dict[str, str]) -> Runtime:
    """The runtime for these flags: the objects of `sources` (names in Verilator's include folder, without
    .cpp) and a precompiled header of `headers`, compiled now if this toolchain has none yet.
    Raises RuntimeUnavailable when they cannot be compiled."""
    folder = root() / key(compiler, flags, include_dir, sources, headers)
    runtime = Runtime(folder, tuple(folder / f"{name}.o" for name in sources), folder / PCH_NAME)
    if _complete(runtime):
        return runtime
    with _in_process, _locked(folder.parent / f"{folder.name}.lock"):
        if not _complete(runtime):
            _build(runtime, compiler, flags, include_dir, sources, headers, env)
    return runtime


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (made if need be), for as long as the block runs; other processes wait."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path, "a")  # noqa: SIM115 - closed below, which releases the lock
    except OSError as exc:
        raise tools.ToolMissing("verilator", f"cannot write Verilator's runtime folder {path.parent} ({exc}); "
                                f"point {FOLDER_VARIABLE} at a writable folder") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _complete(runtime: Runtime) -> bool:
    return all(p.is_file() for p in (*runtime.objects, runtime.pch, _gch(runtime.pch)))


def _gch(pch: Path) -> Path:
    return pch.with_name(f"{pch.name}.gch")


def _build(runtime: Runtime, compiler: str, flags: Sequence[str], include_dir: Path, sources: Sequence[str],
           headers: Sequence[str], env: dict[str, str]) -> None:
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
        # objects first, the header's text last: _complete() sees the folder whole or not at all
        for name in [*(f"{n}.o" for n in sources), f"{PCH_NAME}.gch", PCH_NAME]:
            if (scratch / name).is_file():
                os.replace(scratch / name, runtime.folder / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
