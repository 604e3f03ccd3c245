"""cocotb unit test for sm_recip, the reference's bit-serial divider (softmax_unit): quotient = floor(2^36 / divisor)
for the smallest and largest divisors (2^15, 2^20), powers of two, their neighbours and random ones, started back to
back and after idle gaps; busy must fall within 40 cycles. Reset held from time 0, clock starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def quotients(dut):
    dut.clk.value, dut.rst.value, dut.start.value, dut.divisor.value = 0, 1, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.busy.value) == 0, f"in reset: busy got {dut.busy.value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1323)
    divisors = [1 << 15, 1 << 20, (1 << 15) + 1, (1 << 20) - 1, 1 << 16, 1 << 17, 3 << 15, 44823, 51827]
    divisors += [rng.randint(1 << 15, 1 << 20) for _ in range(25)]
    for n, divisor in enumerate(divisors):
        dut.start.value, dut.divisor.value = 1, divisor
        await FallingEdge(dut.clk)
        dut.start.value = 0
        for cycle in range(40):
            await ReadOnly()
            if not int(dut.busy.value):
                break
            await FallingEdge(dut.clk)
        else:
            raise AssertionError(f"divisor {n} ({divisor}): busy got 1 expected 0 after 40 cycles")
        want = (1 << 36) // divisor
        got = dut.quotient.value
        assert got.is_resolvable and int(got) == want, f"divisor {n} ({divisor}): quotient got {got} expected {want}"
        await FallingEdge(dut.clk)
        for _ in range(rng.randint(0, 2)):
            await FallingEdge(dut.clk)
