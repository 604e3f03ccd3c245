"""cocotb test for unpack_32to8: every accepted word leaves as its four bytes, LSB first and in order, the
output holds while stalled, and with no stalls one byte leaves per cycle (no bubble between words)."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.s_valid.value, dut.s_data.value, dut.m_ready.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, plan, rng, words=None) -> int:
    expected: deque[int] = deque()
    pending, stalled, out = None, None, 0
    for cycle, (s_valid, m_ready) in enumerate(plan):
        if s_valid and pending is None:
            pending = words.pop(0) if words else rng.randint(0, 2**32 - 1)
        dut.s_valid.value = int(pending is not None and bool(s_valid))
        dut.s_data.value = pending if pending is not None else 0
        dut.m_ready.value = m_ready
        await ReadOnly()
        m_valid, s_ready = int(dut.m_valid.value), int(dut.s_ready.value)
        if stalled is not None:
            assert m_valid == 1, f"cycle {cycle}: m_valid got 0 expected 1 (dropped while stalled)"
            got = int(dut.m_data.value)
            assert got == stalled, f"cycle {cycle}: m_data got {got:#04x} expected {stalled:#04x} (changed while stalled)"
        stalled = None
        if m_valid and m_ready:
            got = int(dut.m_data.value)
            assert expected, f"cycle {cycle}: m_data got {got:#04x} expected nothing (no byte pending)"
            want = expected.popleft()
            assert got == want, f"cycle {cycle}: m_data got {got:#04x} expected {want:#04x}"
            out += 1
        elif m_valid:
            stalled = int(dut.m_data.value)
        if dut.s_valid.value and s_ready:
            expected.extend((pending >> (8 * k)) & 0xFF for k in range(4))
            pending = None
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    assert not expected, f"end: {len(expected)} bytes never came out: {list(expected)}"
    return out


@cocotb.test()
async def bytes_in_order_under_backpressure(dut):
    await start(dut)
    rng = random.Random(321)
    words = [0x00000000, 0xFFFFFFFF, 0x12345678, 0x80000001]
    plan = [(1, 1)] * 8 + [(1, 0)] * 3 + [(0, 1)] * 6
    for _ in range(20):
        pv, pr = rng.choice([(0.9, 0.3), (0.2, 0.9), (0.6, 0.6), (1.0, 0.8)])
        plan += [(int(rng.random() < pv), int(rng.random() < pr)) for _ in range(rng.randint(10, 40))]
    plan += [(0, 1)] * 12
    await run(dut, plan, rng, words)


@cocotb.test()
async def full_throughput(dut):
    await start(dut)
    n = 12
    out = await run(dut, [(1, 1)] * (4 * n) + [(0, 1)] * 6, random.Random(7))
    assert out == 4 * n, f"end: bytes out got {out} expected {4 * n} (one byte per cycle)"
