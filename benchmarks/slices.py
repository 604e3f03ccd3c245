"""The shared benchmark slices as (name, Design, VerifyOptions), each task's own solution as the design.

A thin wrapper over `agent.bench.adapters` (the one way a benchmark is loaded), for the scripts here.
The slices are never copied into this repository: point AIGCHIP_BENCH_VERILOG_EVAL / AIGCHIP_BENCH_RTLLM
at them, or keep ../shared beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from aigchip.bench.adapters import load
from aigchip.task import verify_options
from aigchip.sim import Design, VerifyOptions

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks"


def verilog_eval_dir() -> Path:
    return Path(os.environ.get("AIGCHIP_BENCH_VERILOG_EVAL", SHARED / "verilog-eval-v2"))


def rtllm_dir() -> Path:
    return Path(os.environ.get("AIGCHIP_BENCH_RTLLM", SHARED / "rtllm"))


def solution_checks(root: Path, **options: object) -> list[tuple[str, Design, VerifyOptions]]:
    """Every task of the benchmark at `root` that has a solution, with the options that check it."""
    return [(task.id, design, verify_options(task, **options))
            for task in load(root).tasks if (design := task.solution_design()) is not None]


def verilog_eval_tasks(root: Path | None = None, **options: object) -> list[tuple[str, Design, VerifyOptions]]:
    return solution_checks(root or verilog_eval_dir(), **options)


def rtllm_tasks(root: Path | None = None, **options: object) -> list[tuple[str, Design, VerifyOptions]]:
    return solution_checks(root or rtllm_dir(), **options)
