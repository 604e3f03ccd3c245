"""cocotb test for pulse_to_level: busy and error each cycle against a Python model over directed sequences
(start, done, start+done restart, done while idle, overlap, err_clr, overlap with err_clr) and seeded random pulses."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def busy_level_and_sticky_error(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.start.value, dut.done.value, dut.err_clr.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    plan = [(1, 0, 0), (0, 0, 0), (0, 0, 0), (0, 1, 0), (0, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 0),
            (1, 1, 0), (0, 1, 0), (1, 0, 0), (1, 0, 0), (0, 0, 0), (0, 1, 0), (0, 0, 0), (0, 0, 1),
            (1, 0, 0), (1, 0, 1), (0, 0, 0), (0, 0, 1), (0, 0, 0)]
    rng = random.Random(42)
    for _ in range(500):
        plan.append((int(rng.random() < 0.25), int(rng.random() < 0.25), int(rng.random() < 0.08)))
    busy = error = 0
    for cycle, (start, done, clr) in enumerate(plan):
        dut.start.value, dut.done.value, dut.err_clr.value = start, done, clr
        await RisingEdge(dut.clk)
        overlap = start and busy and not done
        busy = int(bool(start or (busy and not done)))
        error = int(bool(overlap or (error and not clr)))
        await ReadOnly()
        got_b, got_e = int(dut.busy.value), int(dut.error.value)
        assert got_b == busy, f"cycle {cycle}: busy got {got_b} expected {busy} (start={start} done={done})"
        assert got_e == error, f"cycle {cycle}: error got {got_e} expected {error} (start={start} done={done} err_clr={clr})"
        await FallingEdge(dut.clk)
