"""cocotb test for dpram_8x16: a Python model checks the registered read port against simultaneous writes,
including same-address read-during-write (old data), rdata holding when re is low, and seeded random traffic."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def read_during_write_returns_old_data(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.we.value, dut.waddr.value, dut.wdata.value, dut.re.value, dut.raddr.value = 1, 0, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(816)
    mem = [0] * 8
    plan = [(1, a, 0x1111 * (a + 1), 0, 0) for a in range(8)]                    # fill
    plan += [(1, 3, 0xBEEF, 1, 3), (0, 0, 0, 1, 3), (1, 4, 0x0F0F, 1, 4), (1, 4, 0xF0F0, 0, 4),
             (0, 0, 0, 0, 0), (0, 0, 0, 1, 4), (1, 7, 0xFFFF, 1, 0), (1, 0, 0x0000, 1, 7)]
    for _ in range(400):
        wa = rng.randint(0, 7)
        ra = wa if rng.random() < 0.3 else rng.randint(0, 7)
        plan.append((int(rng.random() < 0.6), wa, rng.randint(0, 2**16 - 1), int(rng.random() < 0.7), ra))
    rdata = 0
    for cycle, (we, waddr, wdata, re, raddr) in enumerate(plan):
        dut.we.value, dut.waddr.value, dut.wdata.value, dut.re.value, dut.raddr.value = we, waddr, wdata, re, raddr
        await RisingEdge(dut.clk)
        if re:
            rdata = mem[raddr]
        if we:
            mem[waddr] = wdata
        await ReadOnly()
        if cycle >= 8:
            got = int(dut.rdata.value)
            assert got == rdata, f"cycle {cycle}: rdata got {got:#06x} expected {rdata:#06x} (we={we} waddr={waddr} re={re} raddr={raddr})"
        await FallingEdge(dut.clk)
