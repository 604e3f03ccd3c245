"""cocotb test for credit_ctr: credits and can_send each cycle against a Python model over directed corners
(drain to zero, send without credit, send and return together at 0 and 15, saturation, init) and seeded random."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def counts_credits(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.init.value, dut.init_credits.value, dut.send.value, dut.credit_in.value = 1, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await ReadOnly()
    assert int(dut.credits.value) == 4, f"after reset: credits got {int(dut.credits.value)} expected 4"
    await FallingEdge(dut.clk)
    plan = [(0, 0, 1, 0)] * 6 + [(0, 0, 1, 1), (0, 0, 0, 1), (0, 0, 1, 1), (0, 0, 1, 0), (0, 0, 1, 0)]
    plan += [(1, 14, 0, 0), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 1, 1), (0, 0, 0, 1), (0, 0, 1, 0)]
    plan += [(1, 0, 1, 1), (0, 0, 1, 0), (1, 15, 0, 0), (1, 3, 1, 1)]
    rng = random.Random(5150)
    for _ in range(600):
        bias = rng.choice([0.2, 0.5, 0.8])
        plan.append((int(rng.random() < 0.03), rng.randint(0, 15), int(rng.random() < bias), int(rng.random() < 1 - bias)))
    c = 4
    for cycle, (init, value, send, credit) in enumerate(plan):
        dut.init.value, dut.init_credits.value, dut.send.value, dut.credit_in.value = init, value, send, credit
        await ReadOnly()
        got_cs = int(dut.can_send.value)
        assert got_cs == int(c > 0), f"cycle {cycle}: can_send got {got_cs} expected {int(c > 0)} (credits {c})"
        await RisingEdge(dut.clk)
        if init:
            c = value
        else:
            c = min(c - int(send and c > 0) + credit, 15)
        await ReadOnly()
        got = int(dut.credits.value)
        assert got == c, f"cycle {cycle}: credits got {got} expected {c} (init={init} send={send} credit_in={credit})"
        await FallingEdge(dut.clk)
