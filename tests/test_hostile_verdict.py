"""Issue 12, part B: hostile designs that try to forge the verdict end classified and not passing, through
`verify`, `generate` (a scripted model over loopback HTTP) and `eval`, on Icarus and Verilator."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigchip.sim import Design, Status, VerifyOptions, verify

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = FIXTURES / "hostile"
VERILOG_EVAL = FIXTURES / "bench" / "verilog_eval"
COUNTER8 = FIXTURES / "bench" / "rtllm" / "Control" / "Counter" / "counter8"

# attack 1: a never-compiled decoy module named like the testbench, and a force into the real one
DECOY_FORCE = {
    "verilog_eval": (Design(files={"TopModule.sv": (HOSTILE / "count4_decoy_force.sv").read_text()}, top="TopModule"),
                     dict(testbench=(VERILOG_EVAL / "Prob002_count4_test.sv",),
                          reference=VERILOG_EVAL / "Prob002_count4_ref.sv")),
    "rtllm": (Design(files={"counter8.v": (HOSTILE / "counter8_decoy_force.v").read_text()}, top="counter8"),
              dict(testbench=(COUNTER8 / "testbench.v",))),
}
SIMULATORS = [("icarus", True), ("verilator", True), ("verilator", False)]  # (simulator, lint)


@pytest.mark.parametrize("bench", sorted(DECOY_FORCE))
@pytest.mark.parametrize("simulator, lint", SIMULATORS)
def test_decoy_testbench_module_does_not_let_a_force_through(bench, simulator, lint):
    design, checks = DECOY_FORCE[bench]
    verdict = verify(design, VerifyOptions(**checks, simulator=simulator, lint=lint))
    assert verdict.status is Status.POLICY_VIOLATION
    [refusal] = [d for d in verdict.diagnostics if d.code == "hierarchy"]
    assert refusal.line == 13 if bench == "verilog_eval" else refusal.line == 9
    assert "reach into the testbench" in refusal.message
