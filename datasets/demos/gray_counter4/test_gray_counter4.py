"""cocotb test for gray_counter4: binary and Gray outputs against a model over seeded random enables (several
wrap-arounds), one bit changing per step, and reset."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def to_gray(n: int) -> int:
    return n ^ (n >> 1)


@cocotb.test()
async def counts_in_gray_code(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value = 1, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(4)
    plan = [1] * 40 + [0] * 3 + [int(rng.random() < 0.7) for _ in range(300)]
    count, prev_gray = 0, 0
    for cycle, en in enumerate(plan):
        dut.en.value = en
        await RisingEdge(dut.clk)
        await ReadOnly()
        count = (count + en) % 16
        got_bin, got_gray = int(dut.bin.value), int(dut.gray.value)
        assert got_bin == count, f"cycle {cycle} (en={en}): bin got {got_bin} expected {count}"
        assert got_gray == to_gray(count), f"cycle {cycle} (en={en}): gray got {got_gray:04b} expected {to_gray(count):04b}"
        changed = bin(got_gray ^ prev_gray).count("1")
        assert changed == en, f"cycle {cycle} (en={en}): gray changed {changed} bits, expected {en}"
        prev_gray = got_gray
        await FallingEdge(dut.clk)
    dut.rst.value, dut.en.value = 1, 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.bin.value) == 0 and int(dut.gray.value) == 0, \
        f"after reset: bin got {int(dut.bin.value)} gray got {int(dut.gray.value)}, expected 0 and 0"
