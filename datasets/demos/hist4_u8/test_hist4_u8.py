"""cocotb test for hist4_u8: the four bin counters after every cycle match a Python histogram over seeded
random samples with gaps, bin edges (63/64, 127/128, 191/192, 0, 255), and clears, including clear with a sample."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def counts_match_a_histogram(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.clear.value, dut.in_valid.value, dut.in_data.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(4)
    edges = [0, 63, 64, 127, 128, 191, 192, 255]
    plan = [(0, 1, x) for x in edges] + [(0, 0, 5)] + [(1, 1, 200)] + [(0, 1, x) for x in edges]
    for _ in range(600):
        r = rng.random()
        plan.append((int(r < 0.01), int(r < 0.8), rng.choice(edges) if rng.random() < 0.2 else rng.randint(0, 255)))
    plan += [(1, 0, 0)] + [(0, 1, 250)] * 3
    model = [0, 0, 0, 0]
    for cycle, (clear, valid, data) in enumerate(plan):
        dut.clear.value, dut.in_valid.value, dut.in_data.value = clear, valid, data
        await RisingEdge(dut.clk)
        if clear:
            model = [0, 0, 0, 0]
        elif valid:
            model[data >> 6] = (model[data >> 6] + 1) % 2**16
        await ReadOnly()
        for k in range(4):
            got = int(getattr(dut, f"cnt{k}").value)
            assert got == model[k], f"cycle {cycle}: cnt{k} got {got} expected {model[k]} (clear={clear}, valid={valid}, data={data})"
        await FallingEdge(dut.clk)
