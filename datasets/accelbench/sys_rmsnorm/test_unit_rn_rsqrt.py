"""cocotb unit test for rn_rsqrt, the reference's bit-serial reciprocal square root (rmsnorm_unit): root = the
largest r with r^2 (SS + N) <= N 2^40 for SS = 0 (r = 2^20), exact roots, the largest SS, N = 1 and 64, random
pairs; started back to back and after gaps; busy must fall within 40 cycles. Reset held from time 0, clock low."""

import math
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def roots(dut):
    dut.clk.value, dut.rst.value, dut.start.value, dut.sumsq.value, dut.count.value = 0, 1, 0, 0, 1
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.busy.value) == 0, f"in reset: busy got {dut.busy.value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1333)
    cases = [(0, 1), (0, 64), (9, 3), (16384, 1), (16384 * 64, 64), (16384, 64), (1, 1), (3, 1), (48, 16), (2 ** 20, 64)]
    for _ in range(20):
        n = rng.randint(1, 64)
        cases.append((rng.randint(0, 16384 * n), n))
    for sumsq, n in cases:
        dut.start.value, dut.sumsq.value, dut.count.value = 1, sumsq, n
        await FallingEdge(dut.clk)
        dut.start.value, dut.sumsq.value, dut.count.value = 0, rng.randint(0, 2 ** 21 - 1), rng.randint(0, 127)
        for _ in range(40):
            await ReadOnly()
            if not int(dut.busy.value):
                break
            await FallingEdge(dut.clk)
        else:
            raise AssertionError(f"SS={sumsq} N={n}: busy got 1 expected 0 after 40 cycles")
        want = math.isqrt((n << 40) // (sumsq + n))
        got = dut.root.value
        assert got.is_resolvable and int(got) == want, f"SS={sumsq} N={n}: root got {got} expected {want}"
        await FallingEdge(dut.clk)
        for _ in range(rng.randint(0, 2)):
            await FallingEdge(dut.clk)
