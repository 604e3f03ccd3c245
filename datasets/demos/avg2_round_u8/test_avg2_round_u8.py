"""cocotb test for avg2_round_u8: registered y = (a + b + 1) >> 1 (round half up, no wrap) on all corner pairs
of {0, 1, 127, 128, 254, 255} and seeded random pairs, with the valid timing and hold."""

import itertools
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def rounds_half_up(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.in_valid.value, dut.a.value, dut.b.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(88)
    corners = list(itertools.product([0, 1, 2, 127, 128, 254, 255], repeat=2))
    stream = [(1, a, b) for a, b in corners]
    stream += [(int(rng.random() < 0.8), rng.randint(0, 255), rng.randint(0, 255)) for _ in range(300)]
    held, prev = 0, None
    for cycle, (v, a, b) in enumerate(stream + [(0, 0, 0)]):
        dut.in_valid.value, dut.a.value, dut.b.value = v, a, b
        await ReadOnly()
        if prev is not None:
            pv, pa, pb = prev
            ov, y = int(dut.out_valid.value), int(dut.y.value)
            assert ov == pv, f"cycle {cycle}: out_valid got {ov} expected {pv}"
            if pv:
                held = (pa + pb + 1) >> 1
            assert y == held, f"cycle {cycle}: y got {y} expected {held} (a={pa}, b={pb}, valid={pv})"
        prev = (v, a, b)
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
