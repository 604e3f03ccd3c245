"""Load the shared benchmark slices as (name, Design, VerifyOptions) with each task's own reference as the design.

Used by the benchmark scripts here; the real adapters live with `aigchip eval`. The slices are never copied
into this repository: point AIGCHIP_BENCH_VERILOG_EVAL / AIGCHIP_BENCH_RTLLM at them, or keep ../shared beside
the checkout.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sim import Design, VerifyOptions, source

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks"


def verilog_eval_dir() -> Path:
    return Path(os.environ.get("AIGCHIP_BENCH_VERILOG_EVAL", SHARED / "verilog-eval-v2"))


def rtllm_dir() -> Path:
    return Path(os.environ.get("AIGCHIP_BENCH_RTLLM", SHARED / "rtllm"))


def rename_module(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


def verilog_eval_tasks(root: Path | None = None, **options: object) -> list[tuple[str, Design, VerifyOptions]]:
    """Each problem's reference renamed to TopModule as the design, its test.sv as testbench, ref.sv as reference."""
    root = root or verilog_eval_dir()
    tasks = []
    for test in sorted(root.glob("Prob*_test.sv")):
        name = test.name[: -len("_test.sv")]
        ref = root / f"{name}_ref.sv"
        design = Design(files={"TopModule.sv": rename_module(ref.read_text(), "RefModule", "TopModule")}, top="TopModule")
        tasks.append((name, design, VerifyOptions(testbench=(test,), reference=ref, tb_top="tb", **options)))
    return tasks


def rtllm_tasks(root: Path | None = None, **options: object) -> list[tuple[str, Design, VerifyOptions]]:
    """Each design's verified_*.v, its module renamed to the one the testbench instantiates."""
    root = root or rtllm_dir()
    tasks = []
    for tb in sorted(root.rglob("testbench.v")):
        folder = tb.parent
        tb_text = tb.read_text(errors="replace")
        wanted = [m for m in source.instantiated_modules(tb_text) if m not in source.module_names(tb_text)]
        ref_path = next(iter(sorted(folder.glob("verified_*.v"))))
        text = ref_path.read_text(errors="replace")
        top_now = source.top_candidates([text])[0]
        top = wanted[0] if wanted else top_now
        design = Design(files={f"{top}.v": rename_module(text, top_now, top)}, top=top)
        tasks.append((folder.name, design, VerifyOptions(testbench=(tb,), **options)))
    return tasks
