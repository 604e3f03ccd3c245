"""`aigchip verify --synth --fpga --equiv --sim both`: the cost and equivalence objects a script reads,
and the exit status a CI job sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import aigchip
from tests.test_equiv import COUNTER, COUNTER_DECADE, COUNTER_RECODED
from tests.test_synth import LATCH, MAC

AGREE = Path(__file__).parent / "fixtures" / "agree"


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


@pytest.mark.synth
def test_synth_json_has_cost_and_the_latch_warning(tmp_path: Path) -> None:
    done = aigchip("verify", _write(tmp_path, "gate.v", LATCH), "--synth", "--json")
    verdict = json.loads(done.stdout)
    assert done.returncode == 0 and verdict["status"] == "pass"  # a latch is a warning, not a failure
    assert verdict["cost"]["latches"] == 4 and "synth" in verdict["checks"] and verdict["tools"]["yosys"]
    assert any(d["code"] == "latch" and d["line"] == 2 for d in verdict["diagnostics"])


@pytest.mark.synth
def test_fpga_figures_in_the_cost_object(tmp_path: Path) -> None:
    done = aigchip("verify", _write(tmp_path, "mac.v", MAC), "--fpga", "ice40", "--json")
    cost = json.loads(done.stdout)["cost"]
    assert done.returncode == 0 and cost["dsps"] == 1 and cost["luts"] > 0 and cost["ffs"] == 20


@pytest.mark.synth
def test_equiv_proves_or_fails_with_a_counterexample(tmp_path: Path) -> None:
    reference = _write(tmp_path, "cnt_ref.v", COUNTER)
    same = aigchip("verify", _write(tmp_path, "recoded.v", COUNTER_RECODED), "--equiv", reference, "--json")
    assert same.returncode == 0 and json.loads(same.stdout)["equivalence"]["result"] == "equivalent"
    other = aigchip("verify", _write(tmp_path, "decade.v", COUNTER_DECADE), "--equiv", reference, "--json",
                    "--keep", str(tmp_path / "kept"))
    verdict = json.loads(other.stdout)
    proof = verdict["equivalence"]
    assert other.returncode == 1 and verdict["status"] == "mismatch" and proof["result"] == "not_equivalent"
    assert proof["counterexample"]["differing"] == ["q"] and Path(proof["counterexample"]["vcd"]).is_file()
    assert any(d["code"] == "not-equivalent" and "<- differs" in d["message"] for d in verdict["diagnostics"])
    renamed = _write(tmp_path, "ref_module.v", COUNTER.replace("module cnt", "module RefModule"))
    named_otherwise = aigchip("verify", str(tmp_path / "recoded.v"), "--equiv", renamed, "--json")
    assert json.loads(named_otherwise.stdout)["equivalence"]["result"] == "equivalent"  # its one top is the reference
    shown = aigchip("verify", str(tmp_path / "decade.v"), "--equiv", reference)
    assert shown.returncode == 1 and "not_equivalent" in shown.stdout and "<- differs" in shown.stdout


@pytest.mark.sim
@pytest.mark.verilator
def test_sim_both_flags_an_icarus_verilator_disagreement() -> None:
    done = aigchip("verify", str(AGREE / "stack_top_x.v"), "--tests", str(AGREE / "bench" / "stack_top" / "test_stack_top.py"), "--sim", "both",
                   "--no-lint", "--json")
    verdict = json.loads(done.stdout)
    assert done.returncode == 1 and verdict["simulator"] == "icarus+verilator"
    first = verdict["diagnostics"][0]
    assert first["code"] == "simulators-disagree"
    assert "Icarus Verilog: fails 1 of 2 tests" in first["message"] and "Verilator: passes 2 tests" in first["message"]


@pytest.mark.sim
@pytest.mark.verilator
@pytest.mark.slow  # four Verilator builds; the generate test below covers the loop's side in two
def test_eval_sim_both_fails_the_design_verilator_alone_accepts(tmp_path: Path) -> None:
    from aigchip.loopback import Loopback, Response

    buggy = (AGREE / "stack_top_x.v").read_text()
    with Loopback(handler=lambda body: Response.text(f"```verilog\n{buggy}```\n"), model="loop") as endpoint:
        done = aigchip("eval", str(AGREE / "bench"), "--model", "loop", "--base-url", endpoint.base_url, "--demos", "0",
                       "--max-iters", "1", "--no-lint", "--sim", "both", "--out", str(tmp_path / "out"), "--json")
    summary = json.loads(done.stdout)
    assert done.returncode == 0 and summary["reference_failures"] == []  # the fixed reference passes both
    assert summary["pass_at_k"]["1"] == 0.0
    record = json.loads((tmp_path / "out" / "results.jsonl").read_text().splitlines()[0])
    assert record["status"] == "mismatch"  # Verilator alone passes this design (see the verify test above)


@pytest.mark.sim
@pytest.mark.synth
def test_cycles_a_system_test_measures_join_the_cost() -> None:
    folder = Path(__file__).parent.parent / "datasets" / "accelbench" / "sys_csr_spmv"
    files = [str(folder / n) for n in ("csr_spmv.v", "sv_ctrl.v", "sv_xbuf.v", "sv_mul.v", "sv_acc.v")]
    done = aigchip("verify", *files, "--top", "csr_spmv", "--tests", str(folder / "test_csr_spmv.py"), "--no-lint",
                   "--synth", "--json")
    cost = json.loads(done.stdout)["cost"]
    assert done.returncode == 0 and cost["cells"] == 1472 and cost["latency_cycles"] == cost["cycles_per_job"] == 117


@pytest.mark.sim
@pytest.mark.verilator
def test_generate_sim_both_feeds_the_disagreement_back_to_the_model(tmp_path: Path) -> None:
    from aigchip.loopback import Loopback, Response

    buggy = (AGREE / "stack_top_x.v").read_text()
    fixed = (AGREE / "bench" / "stack_top" / "stack_top.v").read_text()
    replies = [Response.text(f"```verilog\n{code}```\n") for code in (buggy, fixed)]
    with Loopback(replies, model="loop") as endpoint:
        done = aigchip("generate", "A 4-entry stack of bytes whose top reads 0 when empty.", "--top", "stack_top",
                       "--tests", str(AGREE / "bench" / "stack_top" / "test_stack_top.py"), "--model", "loop",
                       "--base-url", endpoint.base_url, "--demos", "0", "--sim", "both", "--no-cache", "--json")
        asked = [r.body["messages"][-1]["content"] for r in endpoint.requests if r.body]
    summary = json.loads(done.stdout)
    assert done.returncode == 0 and summary["status"] == "pass" and summary["iterations"] == 2
    assert "the simulators disagree" in asked[1] and "Verilator: passes 2 tests" in asked[1]
