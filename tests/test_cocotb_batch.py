"""k candidates against the same cocotb tests in one Icarus simulation (sim/cocotb_batch.py via verify_many):
every verdict equals the one the candidate gets checked alone, with real Icarus and cocotb."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from aigchip.sim import cocotb_batch, cocotb_run, tools
from aigchip.sim.check import VerifyOptions, verify, verify_many
from aigchip.sim.types import Design, Status, Verdict

FIXTURES = Path(__file__).parent / "fixtures" / "cocotb"
GOOD = (FIXTURES / "acc.v").read_text()
BUGGY = (FIXTURES / "acc_buggy.v").read_text()
BROKEN = (FIXTURES / "acc_syntax_error.v").read_text()
# the same accumulator written another way: passes too
GOOD_TOO = GOOD.replace("sum <= sum + din;", "sum <= din + sum;")
# a zero-delay loop once `en` rises: the simulation never leaves that time step
HANGS = GOOD.replace("endmodule", "    wire spin;\n    assign spin = en ? ~spin : 1'b0;\nendmodule")
# ends the whole simulation at its first enabled edge
FINISHES = GOOD.replace("sum <= sum + din;", "begin sum <= sum + din; $finish; end")
# reaches for an instance by the top's name (which would be a neighbour's if the names were shared)
REACHES = GOOD.replace("endmodule", "    initial force acc.sum = 8'd0;\nendmodule")

pytestmark = [pytest.mark.sim, pytest.mark.skipif(
    not (importlib.util.find_spec("cocotb_tools") and tools.available("iverilog") and tools.available("vvp")),
    reason="needs Icarus Verilog and cocotb 2.1")]


def design(text: str) -> Design:
    return Design(files={"acc.v": text}, top="acc")


def comparable(verdict: Verdict) -> dict:
    """Everything a user reads of a verdict but the log, the time it took and its (gone) run folder."""
    return verdict.model_dump(mode="json", exclude={"log", "duration_s", "run_dir", "cached"})


@pytest.fixture
def spy(monkeypatch):
    """What each shared simulation decided: a list per batch, None where a candidate went alone."""
    seen: list[list[Verdict | None]] = []
    real = cocotb_batch.run_batch

    def run_batch(members, tests, **kwargs):
        verdicts = real(members, tests, **kwargs)
        seen.append(verdicts)
        return verdicts

    monkeypatch.setattr(cocotb_batch, "run_batch", run_batch)
    return seen


def test_mixed_candidates_get_the_verdicts_they_get_alone(spy):
    texts = [GOOD, BUGGY, BROKEN, GOOD_TOO, FINISHES, REACHES, BUGGY]
    options = VerifyOptions(tests=FIXTURES / "tb_acc.py", use_cache=False, lint=False)
    shared = verify_many([(design(t), options) for t in texts])
    alone = [verify(design(t), options) for t in texts]
    assert [v.status for v in alone] == [Status.PASS, Status.MISMATCH, Status.COMPILE_ERROR, Status.PASS,
                                         Status.SIM_ERROR, Status.MISMATCH, Status.MISMATCH]
    for text, one, other in zip(texts, shared, alone):
        assert comparable(one) == comparable(other), text
    assert shared[1].errors[0].file == "tb_acc.py" and shared[1].failure_time_ns == alone[1].failure_time_ns
    assert shared[2].errors[0].file == "acc.v"  # the candidate's own file name and line, alone or not
    # one simulation decided the candidates that can share one; $finish and the hierarchical reach went alone
    decided = [v is not None for v in spy[0]]
    assert len(spy) == 1 and sum(decided) >= 4
    assert "acc.sum" not in shared[1].log and shared[1].tests_total == 2


def test_a_candidate_that_hangs_leaves_the_others_verdicts_alone(spy):
    texts = [BUGGY, GOOD, HANGS, GOOD_TOO]
    options = VerifyOptions(tests=FIXTURES / "tb_acc.py", use_cache=False, lint=False, timeout=8)
    shared = verify_many([(design(t), options) for t in texts])
    assert [v.status for v in shared] == [Status.MISMATCH, Status.PASS, Status.TIMEOUT, Status.PASS]
    alone = verify(design(BUGGY), options)
    assert comparable(shared[0]) == comparable(alone)
    # the two before the hang were decided by the shared run; the hang and the one after it were checked alone
    assert [v is not None for v in spy[0]] == [True, True, False, False]


def test_a_hostile_candidate_cannot_make_a_buggy_neighbour_pass(spy):
    texts = [BUGGY, REACHES, FINISHES, HANGS.replace("en ?", "1'b0 ?")]  # the last one never spins
    options = VerifyOptions(tests=FIXTURES / "tb_acc.py", use_cache=False, lint=False)
    shared = verify_many([(design(t), options) for t in texts])
    assert shared[0].status is Status.MISMATCH and shared[0].tests_failed == 1
    assert [v is not None for v in spy[0]] == [True, False, False, True]


def test_each_verdict_is_cached_under_its_own_key(spy):
    options = VerifyOptions(tests=FIXTURES / "tb_acc.py", lint=False)
    texts = [GOOD, BUGGY, GOOD_TOO]
    first = verify_many([(design(t), options) for t in texts])
    assert not any(v.cached for v in first) and len(spy) == 1
    again = verify_many([(design(t), options) for t in [*texts, GOOD.replace("8-bit", "eight-bit")]])
    assert [v.cached for v in again] == [True, True, True, False]
    assert [comparable(v) for v in again[:3]] == [comparable(v) for v in first]
    assert len(spy) == 1  # three hits and one miss: nothing to share, the miss ran alone


TIMED_TESTS = '''
import json
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

CALLS = []  # module state: a fresh module per candidate, as alone
DRAW = random.random()  # drawn at import: seeded as alone


@cocotb.test()
async def counts_cycles_to_reach_200(dut):
    CALLS.append(1)
    assert len(CALLS) == 1
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value, dut.en.value, dut.din.value = 1, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value, dut.en.value, dut.din.value = 0, 1, random.randint(1, 9)
    cycles = 0
    while True:
        await RisingEdge(dut.clk)
        await ReadOnly()
        cycles += 1
        if int(dut.sum.value) >= 200 or cycles > 60:
            break
        await FallingEdge(dut.clk)
    with open("cost.json", "w") as f:
        json.dump({"latency_cycles": cycles, "draw": DRAW, "in_test": random.random()}, f)
    assert cycles < 40, f"took {cycles} cycles"
'''


def test_time_cost_json_and_test_state_are_as_alone(tmp_path):
    tests = tmp_path / "tests" / "test_timed.py"
    tests.parent.mkdir()
    tests.write_text(TIMED_TESTS)
    slow = GOOD.replace("sum <= sum + din;", "sum <= sum + (din >> 2);")  # fails: too many cycles
    texts = [GOOD, slow, GOOD_TOO, slow]
    members = []
    for k, text in enumerate(texts):
        folder = tmp_path / f"shared{k}"
        folder.mkdir()
        (folder / "acc.v").write_text(text)
        members.append((folder, design(text)))
    shared = cocotb_batch.run_batch(members, tests, timeout=60)
    assert all(v is not None for v in shared)
    for k, (text, verdict) in enumerate(zip(texts, shared)):
        folder = tmp_path / f"alone{k}"
        folder.mkdir()
        (folder / "acc.v").write_text(text)
        alone = cocotb_run.run_cocotb(folder, design(text), tests)
        assert verdict is not None and comparable(verdict) == comparable(alone)
        assert json.loads((folder / "cost.json").read_text()) == json.loads((members[k][0] / "cost.json").read_text())
    assert [v.status for v in shared if v] == [Status.PASS, Status.MISMATCH, Status.PASS, Status.MISMATCH]
    assert shared[3] is not None and shared[3].failure_time_ns == shared[1].failure_time_ns and shared[1].failure_time_ns


def test_tests_that_read_the_simulated_time_are_not_shared(tmp_path):
    tests = tmp_path / "test_clock.py"
    tests.write_text(TIMED_TESTS.replace("CALLS = []", "from cocotb.utils import get_sim_time\nCALLS = []"))
    members = []
    for k in range(2):
        (tmp_path / f"m{k}").mkdir()
        (tmp_path / f"m{k}" / "acc.v").write_text(GOOD)
        members.append((tmp_path / f"m{k}", design(GOOD)))
    assert cocotb_batch.run_batch(members, tests, timeout=60) == [None, None]


def test_the_loop_checks_k_samples_from_a_loopback_endpoint_in_one_simulation(tmp_path, monkeypatch, spy):
    from aigchip.config import load_config
    from aigchip.generate import generate
    from aigchip.loopback import Loopback, Response
    from aigchip.task import from_folder

    example = Path(__file__).parent.parent / "datasets" / "accelbench" / "relu6_s8"  # cocotb tests decide
    good = (example / "relu6_s8.v").read_text()
    buggy = good.replace("if (x[7])", "if (x[6])")
    task = from_folder(example)
    replies = [f"```verilog\n{code}\n```\n" for code in (buggy, good, "module relu6_s8(; endmodule", good, buggy)]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback")
    with Loopback([Response.text(*replies)]) as server:
        cfg = load_config({"model": "served", "base_url": server.base_url, "demos": 0, "lint": False, "cache": False,
                           "samples": 5, "max_iters": 1}, env={})
        _outcome, _demos, summary = generate(task, cfg, out_dir=tmp_path / "run")
    assert [a["status"] for a in summary["attempts"]] == ["mismatch", "pass", "compile_error", "pass", "mismatch"]
    assert summary["status"] == "pass"
    assert len(spy) == 1 and [v is not None for v in spy[0]] == [True, True, False, True, True]


def test_the_tops_parameters_are_set_on_every_candidate(spy):
    scaled = GOOD.replace("module acc (", "module acc #(parameter STEP = 2) (").replace("sum + din;", "sum + din * STEP;")
    options = VerifyOptions(tests=FIXTURES / "tb_acc.py", use_cache=False, lint=False, parameters=(("STEP", 1),))
    texts = [scaled, scaled.replace("din * STEP", "STEP * din"), BUGGY]
    shared = verify_many([(design(t), options) for t in texts])
    assert [v.status for v in shared] == [Status.PASS, Status.PASS, Status.MISMATCH]
    assert [comparable(v) for v in shared] == [comparable(verify(design(t), options)) for t in texts]
    assert [v is not None for v in spy[-1]][:2] == [True, True]  # BUGGY has no STEP: iverilog says so, it goes alone
    default = verify_many([(design(t), options.model_copy(update={"parameters": ()})) for t in texts[:2]])
    assert [v.status for v in default] == [Status.MISMATCH, Status.MISMATCH]  # STEP = 2 adds twice


def test_only_equal_cocotb_icarus_options_share_and_at_most_eight_at_a_time():
    from aigchip.sim import candidates

    tests = VerifyOptions(tests=FIXTURES / "tb_acc.py")
    items = [(design(GOOD), tests)] * 19 + [(design(GOOD), tests.model_copy(update={"timeout": 5}))] * 2 + [
        (design(GOOD), tests.model_copy(update=change)) for change in
        ({"simulator": "verilator"}, {"tests_by_model": True}, {"waves": True}, {"tests": None},
         {"testbench": (FIXTURES / "acc.v",)}, {"reference": FIXTURES / "acc.v"})]
    assert candidates.groups(items) == [list(range(8)), list(range(8, 16)), [16, 17, 18], [19, 20]]


POWERUP = Path(__file__).parent / "fixtures" / "cocotb_powerup" / "tb_powerup.py"
# q driven 0 by a continuous assignment or an initial block: still unknown (z or x) at the very start of a
# simulation, when a test reads before its first await; a declaration's initial value (Icarus) is there already
LOW_BY_ASSIGN = "module t(input d, output q);\n  assign q = 1'b0;\nendmodule\n"
LOW_BY_INITIAL = "module t(input d, output reg q);\n  initial q = 1'b0;\nendmodule\n"
LOW_BY_DECLARATION = "module t(input d, output reg q = 1'b0);\nendmodule\n"


def test_a_test_that_reads_before_time_moves_sees_what_it_sees_alone(spy):
    """Alone, a test's first read comes before the simulator evaluated anything (x/z); a later candidate of a
    shared simulation starts its tests long after its design settled. Reading then would pass designs that
    fail alone, so such a candidate's verdict comes from a check of its own."""
    texts = [LOW_BY_ASSIGN, LOW_BY_INITIAL, LOW_BY_DECLARATION, LOW_BY_ASSIGN]
    options = VerifyOptions(tests=POWERUP, use_cache=False, lint=False)
    shared = verify_many([(Design(files={"t.v": t}, top="t"), options) for t in texts])
    alone = [verify(Design(files={"t.v": t}, top="t"), options) for t in texts]
    assert [v.status for v in alone] == [Status.MISMATCH, Status.MISMATCH, Status.PASS, Status.MISMATCH]
    for text, one, other in zip(texts, shared, alone):
        assert comparable(one) == comparable(other), text
    assert len(spy) == 1 and spy[0][0] is not None  # the first candidate starts at time 0, as alone: it shared
