"""cocotb test for ctrl_fsm_startdone (N=3, M=5, S=2): the exact phase sequence of a job, start held high
(ignored while busy, accepted in the done cycle), abort in every phase, abort beating start, and random
start/abort traffic with a reset; all five outputs checked on every cycle."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

N, M, S = 3, 5, 2
OUTS = ("busy", "load_en", "compute_en", "store_en", "done")
PHASES = ("LOAD", "COMPUTE", "STORE")
LENGTH = {"LOAD": N, "COMPUTE": M, "STORE": S}


def check(dut, name: str, want: int, where: str) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    assert int(value) == want, f"{where}: {name} got {int(value)} expected {want}"


class Model:
    def __init__(self) -> None:
        self.state, self.cnt = "IDLE", 0

    def edge(self, rst: int, start: int, abort: int) -> None:
        if rst or abort:
            self.__init__()
        elif self.state in ("IDLE", "DONE"):
            self.state, self.cnt = ("LOAD" if start else "IDLE"), 0
        elif self.cnt == LENGTH[self.state] - 1:
            self.state = {"LOAD": "COMPUTE", "COMPUTE": "STORE", "STORE": "DONE"}[self.state]
            self.cnt = 0
        else:
            self.cnt += 1

    def outputs(self) -> dict[str, int]:
        return {"busy": int(self.state in PHASES), "load_en": int(self.state == "LOAD"),
                "compute_en": int(self.state == "COMPUTE"), "store_en": int(self.state == "STORE"),
                "done": int(self.state == "DONE")}


async def begin(dut) -> None:
    dut.rst.value, dut.start.value, dut.abort.value = 1, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in OUTS:
        check(dut, name, 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, model: Model, cycles, label: str) -> list[str]:
    """Drive (rst, start, abort) per cycle, compare with the model; returns the state seen after each edge."""
    seen = []
    for n, (rst, start, abort) in enumerate(cycles):
        dut.rst.value, dut.start.value, dut.abort.value = rst, start, abort
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, start, abort)
        seen.append(model.state)
        where = f"{label} cycle {n} (rst={rst} start={start} abort={abort}; expected state {model.state} step {model.cnt})"
        for name, want in model.outputs().items():
            check(dut, name, want, where)
        await FallingEdge(dut.clk)
    return seen


@cocotb.test()
async def job_sequence_and_start_handling(dut):
    await begin(dut)
    model = Model()
    job = ["LOAD"] * N + ["COMPUTE"] * M + ["STORE"] * S + ["DONE"]
    # one start pulse, then idle
    seen = await run(dut, model, [(0, 1, 0)] + [(0, 0, 0)] * (len(job) + 2), "single job")
    assert seen == job + ["IDLE"] * 3, f"single job: state sequence got {seen} expected {job + ['IDLE'] * 3}"
    # start held high: ignored while busy, accepted again in the done cycle (back-to-back jobs)
    seen = await run(dut, model, [(0, 1, 0)] * (2 * len(job) + 1) + [(0, 0, 0)] * 2, "start held")
    want = job * 2 + ["LOAD", "LOAD", "LOAD"]
    assert seen == want, f"start held: state sequence got {seen} expected {want}"
    # finish that job quietly, then abort in each phase and in the done cycle
    await run(dut, model, [(0, 0, 0)] * len(job), "drain")
    for at in range(len(job)):
        cycles = [(0, 1, 0)] + [(0, 0, 0)] * at + [(0, 0, 1), (0, 0, 0), (0, 0, 0)]
        await run(dut, model, cycles, f"abort after {at} cycles")
    # abort and start together while idle: abort wins
    await run(dut, model, [(0, 1, 1), (0, 0, 0), (0, 1, 0), (0, 0, 0), (0, 1, 1), (0, 0, 0)], "abort beats start")


@cocotb.test()
async def random_start_abort_and_reset(dut):
    await begin(dut)
    rng = random.Random(3001)
    model = Model()
    cycles = [(int(n in (250, 251)), int(rng.random() < 0.3), int(rng.random() < 0.05)) for n in range(600)]
    await run(dut, model, cycles, "random")
