"""What an eval run builds once and shares with every sample: the demonstration library and its index."""

from __future__ import annotations

import json
from pathlib import Path

from aigchip import demos
from aigchip.bench.adapters import load
from aigchip.bench.runner import run_eval
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.sim.types import Status, Verdict

RTL = "module inv(input wire a, output wire y);\n  assign y = ~a;\nendmodule\n"


def bench(root: Path, count: int) -> Path:
    for i in range(count):
        folder = root / f"t{i}"
        folder.mkdir(parents=True)
        (folder / "tb.v").write_text("module tb; endmodule\n")
        (folder / "task.json").write_text(json.dumps({"id": folder.name, "top": "inv", "testbench": "tb.v",
                                                     "spec": f"Task {i}: a synchronous FIFO, 8 entries of 8 bits, with full and empty flags."}))
    return root


def test_every_sample_of_a_run_picks_demos_from_one_load_of_the_library(tmp_path, monkeypatch):
    taken = []
    real = demos.corpus_for

    def counting(config):
        taken.append(config.corpus)
        return real(config)

    monkeypatch.setattr(demos, "corpus_for", counting)
    config = RunConfig(model="scripted", demos=2, max_iters=1, lint=False, cache=False)
    summary = run_eval(load(bench(tmp_path / "bench", 3)), config, samples=2, ks=[1], out_dir=tmp_path / "out",
                       concurrency=4, check=lambda pairs, jobs=1: [Verdict(status=Status.PASS) for _ in pairs],
                       model_factory=lambda task, sample: ScriptedModel([f"```verilog\n{RTL}```"]))
    assert summary["pass_at_k"]["1"] == 1.0
    assert len(taken) == 1  # six samples, one load
    shown = [json.loads(p.read_text())["demos"] for p in sorted((tmp_path / "out").rglob("meta.json"))]
    assert len(shown) == 6 and all(shown) and all(s == shown[0] for s in shown)  # the library's FIFO, to each
