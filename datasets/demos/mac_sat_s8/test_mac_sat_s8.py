"""cocotb test for mac_sat_s8: a Python model of the saturating signed MAC, corner cases, seeded random stimulus."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ACC_W = 16
ACC_MAX, ACC_MIN = 2 ** (ACC_W - 1) - 1, -(2 ** (ACC_W - 1))


def model(acc: int, en: int, clear: int, a: int, b: int) -> tuple[int, int]:
    """(next acc, next ovf)."""
    if not en:
        return (0 if clear else acc), 0
    total = (0 if clear else acc) + a * b
    if total > ACC_MAX:
        return ACC_MAX, 1
    if total < ACC_MIN:
        return ACC_MIN, 1
    return total, 0


def stimulus(rng: random.Random) -> list[tuple[int, int, int, int]]:
    corners = [(1, 0, 127, 127)] * 4 + [(0, 0, 5, 5)] + [(1, 0, -128, 127)] * 8 + [(1, 0, -128, -128)] * 3
    corners += [(1, 1, -128, -128), (0, 1, 1, 1), (1, 0, 1, -1), (1, 1, 0, 0), (1, 0, 127, -128)]
    # sums that land exactly on the limits (16384 + 16256 + 127 = 32767; -16256 * 2 - 256 = -32768): no ovf
    corners += [(1, 1, -128, -128), (1, 0, -128, -127), (1, 0, 127, 1), (1, 0, 0, 0), (1, 0, 1, 1), (1, 0, -1, 1)]
    corners += [(1, 1, -128, 127), (1, 0, 127, -128), (1, 0, -128, 2), (1, 0, 0, 5), (1, 0, -1, 1), (1, 0, 1, 1)]
    randoms = [(int(rng.random() < 0.8), int(rng.random() < 0.05), rng.randint(-128, 127), rng.randint(-128, 127))
               for _ in range(500)]
    return corners + randoms


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value, dut.clear.value, dut.a.value, dut.b.value = 1, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def accumulates_and_saturates_like_the_model(dut):
    await start(dut)
    acc = 0
    for cycle, (en, clear, a, b) in enumerate(stimulus(random.Random(22))):
        dut.en.value, dut.clear.value, dut.a.value, dut.b.value = en, clear, a, b
        await RisingEdge(dut.clk)
        await ReadOnly()
        acc, ovf = model(acc, en, clear, a, b)
        got_acc, got_ovf = dut.acc.value.to_signed(), int(dut.ovf.value)
        where = f"(en={en} clear={clear} a={a} b={b})"
        assert got_acc == acc, f"cycle {cycle}: acc got {got_acc} expected {acc} {where}"
        assert got_ovf == ovf, f"cycle {cycle}: ovf got {got_ovf} expected {ovf} {where}"
        await FallingEdge(dut.clk)


@cocotb.test()
async def reset_clears_mid_stream(dut):
    await start(dut)
    dut.en.value, dut.a.value, dut.b.value = 1, 127, 127
    for _ in range(5):
        await FallingEdge(dut.clk)
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert dut.acc.value.to_signed() == 0, f"after reset: acc got {dut.acc.value.to_signed()} expected 0"
    assert int(dut.ovf.value) == 0, f"after reset: ovf got {int(dut.ovf.value)} expected 0"
