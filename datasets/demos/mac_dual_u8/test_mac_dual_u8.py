"""cocotb test for mac_dual_u8: a two-lane model with independent enables and the shared clear (with and without
each lane enabled), wrap-around at 2**20, seeded random stimulus, and reset."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

MOD = 2**20


def lane(acc: int, clear: int, en: int, a: int, b: int) -> int:
    base = 0 if clear else acc
    return (base + a * b) % MOD if en else base


@cocotb.test()
async def both_lanes_match_the_model(dut):
    Clock(dut.clk, 10, unit="ns").start()
    for name in ("clear", "en0", "a0", "b0", "en1", "a1", "b1"):
        getattr(dut, name).value = 0
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(20)
    # 17 full-scale products (65025 each) pass 2**20 and wrap lane 0; lane 1 stays idle, then clear hits both
    plan = [(0, 1, 255, 255, 0, 9, 9)] * 17 + [(1, 0, 0, 0, 1, 3, 4), (0, 1, 1, 1, 1, 2, 2), (1, 1, 7, 7, 0, 0, 0)]
    plan += [(0, 1, 255, 255, 1, 255, 255)] * 20 + [(1, 0, 0, 0, 0, 0, 0)]
    plan += [(int(rng.random() < 0.05), int(rng.random() < 0.7), rng.randint(0, 255), rng.randint(0, 255),
              int(rng.random() < 0.7), rng.randint(0, 255), rng.randint(0, 255)) for _ in range(1500)]
    acc0 = acc1 = 0
    for cycle, (clear, en0, a0, b0, en1, a1, b1) in enumerate(plan):
        dut.clear.value, dut.en0.value, dut.a0.value, dut.b0.value = clear, en0, a0, b0
        dut.en1.value, dut.a1.value, dut.b1.value = en1, a1, b1
        await RisingEdge(dut.clk)
        await ReadOnly()
        acc0, acc1 = lane(acc0, clear, en0, a0, b0), lane(acc1, clear, en1, a1, b1)
        where = f"(clear={clear} en0={en0} a0={a0} b0={b0} en1={en1} a1={a1} b1={b1})"
        got0, got1 = int(dut.acc0.value), int(dut.acc1.value)
        assert got0 == acc0, f"cycle {cycle}: acc0 got {got0} expected {acc0} {where}"
        assert got1 == acc1, f"cycle {cycle}: acc1 got {got1} expected {acc1} {where}"
        await FallingEdge(dut.clk)
    dut.rst.value, dut.en0.value, dut.en1.value = 1, 1, 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.acc0.value) == 0 and int(dut.acc1.value) == 0, \
        f"after reset: acc0 got {int(dut.acc0.value)} acc1 got {int(dut.acc1.value)}, expected 0 and 0"
