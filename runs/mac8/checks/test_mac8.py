"""cocotb test for mac8: a Python model of the saturating MAC, corner cases, then seeded random stimulus."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ACC_MAX, ACC_MIN = 2**15 - 1, -(2**15)


def model(acc: int, sat: int, en: int, a: int, b: int) -> tuple[int, int]:
    if not en:
        return acc, sat
    total = acc + a * b
    if total > ACC_MAX:
        return ACC_MAX, 1
    if total < ACC_MIN:
        return ACC_MIN, 1
    return total, sat


def stimulus(rng: random.Random) -> list[tuple[int, int, int]]:
    corners = [(1, 127, 127)] * 4 + [(0, 5, 5)] + [(1, -128, 127)] * 8 + [(1, -128, -128)] * 3
    randoms = [(rng.randint(0, 1), rng.randint(-128, 127), rng.randint(-128, 127)) for _ in range(200)]
    return corners + randoms


@cocotb.test()
async def accumulates_and_saturates_like_the_model(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value, dut.a.value, dut.b.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    acc, sat = 0, 0
    for cycle, (en, a, b) in enumerate(stimulus(random.Random(2026))):
        dut.en.value, dut.a.value, dut.b.value = en, a, b
        await RisingEdge(dut.clk)
        await ReadOnly()
        acc, sat = model(acc, sat, en, a, b)
        got_acc, got_sat = dut.acc.value.to_signed(), int(dut.sat.value)
        assert got_acc == acc, f"cycle {cycle}: acc got {got_acc} expected {acc} (en={en} a={a} b={b})"
        assert got_sat == sat, f"cycle {cycle}: sat got {got_sat} expected {sat} (acc={acc})"
        await FallingEdge(dut.clk)


@cocotb.test()
async def reset_clears_mid_stream(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value, dut.a.value, dut.b.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value, dut.en.value, dut.a.value, dut.b.value = 0, 1, 100, 100
    for _ in range(5):
        await FallingEdge(dut.clk)
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert dut.acc.value.to_signed() == 0, f"after reset: acc got {dut.acc.value.to_signed()} expected 0"
    assert int(dut.sat.value) == 0, f"after reset: sat got {int(dut.sat.value)} expected 0"
