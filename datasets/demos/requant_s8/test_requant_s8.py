"""cocotb test for requant_s8: a Python model of scale, round-half-up shift and int8 clamp."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def requant(acc: int, scale: int, shift: int) -> int:
    prod = acc * scale
    value = (prod + (1 << (shift - 1))) >> shift if shift else prod  # >> floors, as >>> does
    return max(-128, min(127, value))


def stimulus(rng: random.Random) -> list[tuple[int, int, int, int]]:
    corners = [(1, 3, 1, 1), (1, -3, 1, 1), (1, -5, 1, 1), (1, 5, 1, 1), (1, -1, 1, 1), (1, 1, 1, 1),
               (1, 127, 1, 0), (1, 128, 1, 0), (1, -128, 1, 0), (1, -129, 1, 0), (1, 255, 1, 1), (1, 256, 1, 1),
               (1, -257, 1, 1), (1, -256, 1, 1), (1, I32_MAX, 65535, 31), (1, I32_MIN, 65535, 31),
               (1, I32_MIN, 65535, 0), (1, I32_MAX, 0, 0), (0, 99, 1, 0), (1, I32_MIN, 1, 31), (1, I32_MAX, 1, 31),
               (1, -(2**30), 1, 31), (1, 2**30, 1, 31), (1, 1000, 3, 5), (1, -1000, 3, 5)]
    randoms = []
    for _ in range(600):
        acc = rng.choice([rng.randint(I32_MIN, I32_MAX), rng.randint(-5000, 5000), rng.randint(-300, 300)])
        randoms.append((int(rng.random() < 0.85), acc, rng.choice([rng.randint(0, 65535), rng.randint(1, 300)]),
                        rng.randint(0, 31)))
    return corners + randoms


@cocotb.test()
async def requantises_like_the_model(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.valid_in.value, dut.acc.value, dut.scale.value, dut.shift.value = 1, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    q = 0
    for cycle, (valid, acc, scale, shift) in enumerate(stimulus(random.Random(88))):
        dut.valid_in.value, dut.acc.value, dut.scale.value, dut.shift.value = valid, acc, scale, shift
        await RisingEdge(dut.clk)
        await ReadOnly()
        if valid:
            q = requant(acc, scale, shift)
        got_valid, got_q = int(dut.valid_out.value), dut.q.value.to_signed()
        where = f"(acc={acc} scale={scale} shift={shift} valid_in={valid})"
        assert got_valid == valid, f"cycle {cycle}: valid_out got {got_valid} expected {valid}"
        assert got_q == q, f"cycle {cycle}: q got {got_q} expected {q} {where}"
        await FallingEdge(dut.clk)
