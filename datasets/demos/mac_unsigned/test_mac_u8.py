"""cocotb test for mac_u8: a Python model of the wrapping unsigned MAC, corner cases, seeded random stimulus."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ACC_W = 24
MASK = (1 << ACC_W) - 1


def model(acc: int, en: int, clear: int, a: int, b: int) -> int:
    if en:
        return ((0 if clear else acc) + a * b) & MASK
    return 0 if clear else acc


def stimulus(rng: random.Random) -> list[tuple[int, int, int, int]]:
    corners = [(1, 0, 255, 255)] * 300  # wraps the 24-bit accumulator
    corners += [(0, 0, 9, 9), (0, 1, 9, 9), (1, 0, 0, 255), (1, 1, 3, 4), (1, 0, 255, 1), (1, 1, 255, 255)]
    randoms = [(rng.randint(0, 1), int(rng.random() < 0.1), rng.randint(0, 255), rng.randint(0, 255))
               for _ in range(400)]
    return corners + randoms


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value, dut.clear.value, dut.a.value, dut.b.value = 1, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def accumulates_and_wraps_like_the_model(dut):
    await start(dut)
    acc = 0
    for cycle, (en, clear, a, b) in enumerate(stimulus(random.Random(11))):
        dut.en.value, dut.clear.value, dut.a.value, dut.b.value = en, clear, a, b
        await RisingEdge(dut.clk)
        await ReadOnly()
        acc = model(acc, en, clear, a, b)
        got = int(dut.acc.value)
        assert got == acc, f"cycle {cycle}: acc got {got} expected {acc} (en={en} clear={clear} a={a} b={b})"
        await FallingEdge(dut.clk)


@cocotb.test()
async def reset_clears_mid_stream(dut):
    await start(dut)
    dut.en.value, dut.a.value, dut.b.value = 1, 200, 100
    for _ in range(4):
        await FallingEdge(dut.clk)
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.acc.value) == 0, f"after reset: acc got {int(dut.acc.value)} expected 0"
