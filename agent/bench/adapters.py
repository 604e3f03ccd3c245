"""Load a benchmark folder as `Task`s, whatever its layout: VerilogEval v2, RTLLM, VGen, or aigchip's native one.

    from aigchip.bench.adapters import load
    bench = load(Path("../shared/benchmarks/rtllm"))   # layout detected
    for task in bench.tasks: ...                         # bench.problems: the tasks left out, and why

Every task has a testbench (or cocotb tests) that decides pass/fail; a task folder without one is left out
with a problem line, never silently. Paths in the tasks are absolute.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from pydantic import BaseModel, Field

from aigchip.bench.layouts import native, rtllm, verilog_eval, vgen
from aigchip.paths import BUNDLED_BENCHMARKS, bundled_benchmark
from aigchip.task import Task

LAYOUTS = ("verilog-eval-v2", "rtllm", "vgen", "native")
_READERS: dict[str, ModuleType] = {m.NAME: m for m in (verilog_eval, rtllm, vgen, native)}


class BenchmarkError(ValueError):
    """The folder is not a benchmark aigchip can read (the message says what it expected)."""


class Benchmark(BaseModel):
    name: str
    layout: str
    root: Path
    tasks: list[Task]
    problems: list[str] = Field(default_factory=list)  # tasks left out, each "<where>: skipped: <why>"

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)


def known_layouts() -> str:
    """The layouts, one per line, each with how to recognise it."""
    return "\n".join(f"  {name:16} {_READERS[name].DESCRIPTION}" for name in LAYOUTS)


def detect(root: Path) -> str:
    """The layout of the benchmark folder `root`; BenchmarkError when none or several fit."""
    root = _checked_folder(root)
    matches = [name for name in LAYOUTS if _READERS[name].looks_like(root)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise BenchmarkError(f"{root} looks like more than one benchmark layout ({', '.join(matches)}); "
                             f"point at the folder of one of them, or name the layout.\nKnown layouts:\n"
                             f"{known_layouts()}")
    raise BenchmarkError(f"{root} is not in any benchmark layout aigchip knows.\nKnown layouts:\n{known_layouts()}")


def load(root: Path, layout: str | None = None) -> Benchmark:
    """Every task of the benchmark at `root` (layout detected unless named). BenchmarkError when the folder
    cannot be read as that layout or yields no task at all."""
    root = _checked_folder(root)
    if layout is None:
        layout = detect(root)
    elif layout not in _READERS:
        raise BenchmarkError(f"unknown benchmark layout {layout!r}.\nKnown layouts:\n{known_layouts()}")
    tasks, problems = _READERS[layout].load(root)
    if not tasks:
        why = "".join(f"\n  {p}" for p in problems) or f"\nA {layout} folder holds: {_READERS[layout].DESCRIPTION}"
        raise BenchmarkError(f"{root}: no usable {layout} task in it.{why}")
    return Benchmark(name=root.name, layout=layout, root=root, tasks=tasks, problems=problems)


def _checked_folder(root: Path) -> Path:
    root = Path(root).expanduser()
    if not root.exists():
        root = bundled_benchmark(str(root)) or root
    if not root.exists():
        raise BenchmarkError(f"{root}: no such folder (bundled benchmarks, by name: {', '.join(BUNDLED_BENCHMARKS)})")
    if not root.is_dir():
        raise BenchmarkError(f"{root} is a file; give the benchmark's folder")
    root = root.resolve()
    if not any(root.iterdir()):
        raise BenchmarkError(f"{root} is empty; a benchmark folder holds one of these layouts:\n{known_layouts()}")
    return root

