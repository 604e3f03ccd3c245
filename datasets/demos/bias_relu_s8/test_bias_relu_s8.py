"""cocotb test for bias_relu_s8: registered y = clamp(acc + bias, 0, 255) computed without int32 wrap-around,
on corner cases (extremes, around 0 and 255) and seeded random pairs, with the valid timing and hold."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

I32 = (-2**31, 2**31 - 1)


def model(acc: int, bias: int) -> int:
    return min(max(acc + bias, 0), 255)


@cocotb.test()
async def clamps_sum_to_uint8(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.in_valid.value, dut.acc.value, dut.bias.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(2024)
    corners = [(0, 0), (255, 0), (256, 0), (200, 55), (200, 56), (-1, 0), (0, -1), (1, -1), (-5, 10),
               (I32[1], I32[1]), (I32[0], I32[0]), (I32[1], I32[0]), (I32[0], 300), (I32[1], -I32[1] + 7),
               (I32[0] + 100, -200), (I32[1], 1), (128, 127), (-128, 383)]
    rand = [(rng.randint(*I32), rng.randint(*I32)) for _ in range(100)]
    rand += [(rng.randint(-400, 400), rng.randint(-400, 400)) for _ in range(200)]
    stream = [(1, a, b) for a, b in corners + rand]
    stream = [s if rng.random() < 0.8 else (0, rng.randint(*I32), rng.randint(*I32)) for s in stream for _ in (0,)]
    stream = stream[:20] + [(0, 5, 5)] * 2 + stream[20:]
    held = 0
    prev = None
    for cycle, (v, a, b) in enumerate(stream + [(0, 0, 0)]):
        dut.in_valid.value, dut.acc.value, dut.bias.value = v, a, b
        await ReadOnly()
        if prev is not None:
            pv, pa, pb = prev
            ov, y = int(dut.out_valid.value), int(dut.y.value)
            assert ov == pv, f"cycle {cycle}: out_valid got {ov} expected {pv}"
            if pv:
                held = model(pa, pb)
            assert y == held, f"cycle {cycle}: y got {y} expected {held} (acc={pa}, bias={pb}, valid={pv})"
        prev = (v, a, b)
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
