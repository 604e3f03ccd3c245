"""cocotb test for movsum4_s8: after each valid sample, sum equals the sum of the last four valid samples
(zeros before the fourth), over extremes (-128, 127 runs), idle gaps, a mid-stream reset and seeded random."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


async def reset(dut) -> None:
    dut.rst.value, dut.in_valid.value, dut.x.value = 1, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, plan, case: str) -> None:
    window = [0, 0, 0, 0]
    for cycle, (valid, x) in enumerate(plan):
        dut.in_valid.value, dut.x.value = valid, x
        await RisingEdge(dut.clk)
        if valid:
            window = [x] + window[:3]
        await ReadOnly()
        ov = int(dut.out_valid.value)
        assert ov == valid, f"{case} cycle {cycle}: out_valid got {ov} expected {valid}"
        got, want = dut.sum.value.to_signed(), sum(window)
        assert got == want, f"{case} cycle {cycle}: sum got {got} expected {want} (window {window})"
        await FallingEdge(dut.clk)


@cocotb.test()
async def sums_the_last_four_samples(dut):
    Clock(dut.clk, 10, unit="ns").start()
    await reset(dut)
    await run(dut, [(1, 5), (1, -3)] + [(1, -128)] * 6 + [(0, 99)] * 2 + [(1, 127)] * 6 + [(1, 0)] * 4, "corners")
    rng = random.Random(1234)
    await run(dut, [(int(rng.random() < 0.7), rng.randint(-128, 127)) for _ in range(500)], "random")
    await reset(dut)
    await run(dut, [(1, 10), (0, 0), (1, -20), (1, 1), (1, 2), (1, 3)], "after reset")
