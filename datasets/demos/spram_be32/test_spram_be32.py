"""cocotb test for spram_be32: a Python model of the 16x32 array checks registered reads, partial writes under
every byte-enable pattern, read-first data on write cycles and rdata holding when en is low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def merge(old: int, new: int, be: int) -> int:
    mask = sum(0xFF << (8 * i) for i in range(4) if be >> i & 1)
    return (old & ~mask & 0xFFFFFFFF) | (new & mask)


@cocotb.test()
async def byte_enables_and_registered_read(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value, dut.we.value, dut.be.value, dut.addr.value, dut.wdata.value = 1, 0, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await ReadOnly()
    assert int(dut.rdata.value) == 0, f"after reset: rdata got {int(dut.rdata.value)} expected 0"
    await FallingEdge(dut.clk)
    rng = random.Random(16)
    mem = [0] * 16
    plan = [(1, 1, 0xF, a, 0x01010101 * a) for a in range(16)]                 # fill every word
    plan += [(1, 1, be, 5, 0xA0B0C0D0 ^ be) for be in range(16)]               # every byte-enable pattern
    plan += [(1, 0, 0, 5, 0), (0, 1, 0xF, 5, 0xFFFFFFFF), (1, 0, 0, 5, 0), (0, 0, 0, 9, 0)]
    for _ in range(400):
        plan.append((int(rng.random() < 0.85), int(rng.random() < 0.5), rng.randint(0, 15),
                     rng.randint(0, 15), rng.randint(0, 2**32 - 1)))
    rdata = 0
    for cycle, (en, we, be, addr, wdata) in enumerate(plan):
        dut.en.value, dut.we.value, dut.be.value, dut.addr.value, dut.wdata.value = en, we, be, addr, wdata
        await RisingEdge(dut.clk)
        if en:
            rdata = mem[addr]
            if we:
                mem[addr] = merge(mem[addr], wdata, be)
        await ReadOnly()
        if cycle >= 16:  # the fill reads undefined words
            got = int(dut.rdata.value)
            assert got == rdata, f"cycle {cycle}: rdata got {got:#010x} expected {rdata:#010x} (en={en} we={we} be={be:04b} addr={addr})"
        await FallingEdge(dut.clk)
