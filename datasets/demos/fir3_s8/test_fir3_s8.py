"""cocotb test for fir3_s8: a Python 3-tap FIR over the valid samples, with coefficient changes and extremes."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def stimulus(rng: random.Random) -> list[tuple[int, int, tuple[int, int, int]]]:
    extreme = (-128, -128, -128)
    corners = [(1, -128, extreme)] * 4 + [(1, 127, (127, -128, 127)), (0, 0, extreme), (1, 1, (1, 2, 3)),
                                          (1, 0, (1, 2, 3)), (1, 0, (1, 2, 3)), (1, 0, (1, 2, 3))]
    randoms = []
    coeffs = (3, -2, 1)
    for _ in range(600):
        if rng.random() < 0.05:
            coeffs = tuple(rng.randint(-128, 127) for _ in range(3))
        randoms.append((int(rng.random() < 0.8), rng.choice([-128, 127, rng.randint(-128, 127)]), coeffs))
    return corners + randoms


@cocotb.test()
async def filters_like_the_model(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.in_valid.value, dut.x.value = 1, 0, 0
    dut.c0.value, dut.c1.value, dut.c2.value = 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    x1 = x2 = y = 0
    for cycle, (valid, x, (c0, c1, c2)) in enumerate(stimulus(random.Random(171))):
        dut.in_valid.value, dut.x.value = valid, x
        dut.c0.value, dut.c1.value, dut.c2.value = c0, c1, c2
        await RisingEdge(dut.clk)
        await ReadOnly()
        if valid:
            y = c0 * x + c1 * x1 + c2 * x2
            x1, x2 = x, x1
        where = f"(in_valid={valid} x={x} c=({c0},{c1},{c2}))"
        got = int(dut.out_valid.value)
        assert got == valid, f"cycle {cycle}: out_valid got {got} expected {valid} {where}"
        got = dut.y.value.to_signed()
        assert got == y, f"cycle {cycle}: y got {got} expected {y} {where}"
        await FallingEdge(dut.clk)
