"""cocotb test for pipe_reg2: every accepted word comes out once and in order, the output holds while
stalled, the latency is two cycles, and one word passes per cycle when nothing stalls."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

WIDTH = 16


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.s_valid.value, dut.s_data.value, dut.m_ready.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, plan, rng, words=None) -> list[int]:
    """Drive (s_valid, m_ready) per cycle; return the cycle at which each word came out."""
    expected: deque[tuple[int, int]] = deque()
    pending, stalled, out_at = None, None, []
    for cycle, (s_valid, m_ready) in enumerate(plan):
        if s_valid and pending is None:
            pending = words.pop(0) if words else rng.randint(0, 2**WIDTH - 1)
        dut.s_valid.value = int(pending is not None and bool(s_valid))
        dut.s_data.value = pending if pending is not None else 0
        dut.m_ready.value = m_ready
        await ReadOnly()
        m_valid, s_ready = int(dut.m_valid.value), int(dut.s_ready.value)
        if stalled is not None:
            assert m_valid == 1, f"cycle {cycle}: m_valid got 0 expected 1 (dropped while stalled)"
            got = int(dut.m_data.value)
            assert got == stalled, f"cycle {cycle}: m_data got {got} expected {stalled} (changed while stalled)"
        stalled = None
        if m_valid and m_ready:
            got = int(dut.m_data.value)
            assert expected, f"cycle {cycle}: m_data got {got} expected nothing (no word pending)"
            want, _ = expected.popleft()
            assert got == want, f"cycle {cycle}: m_data got {got} expected {want}"
            out_at.append(cycle)
        elif m_valid:
            stalled = int(dut.m_data.value)
        if dut.s_valid.value and s_ready:
            expected.append((pending, cycle))
            pending = None
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    assert not expected, f"end: {len(expected)} accepted words never came out"
    return out_at


@cocotb.test()
async def order_and_hold_under_backpressure(dut):
    await start(dut)
    rng = random.Random(202)
    plan = [(1, 0)] * 5 + [(1, 1)] * 5 + [(0, 1), (1, 0), (1, 1), (0, 0), (1, 1)]
    for _ in range(20):
        pv, pr = rng.choice([(0.9, 0.3), (0.3, 0.9), (0.6, 0.6), (1.0, 0.7)])
        plan += [(int(rng.random() < pv), int(rng.random() < pr)) for _ in range(rng.randint(10, 40))]
    plan += [(0, 1)] * 5
    await run(dut, plan, rng, [0, 2**WIDTH - 1, 0x8000])


@cocotb.test()
async def full_throughput_two_cycle_latency(dut):
    await start(dut)
    n = 40
    out_at = await run(dut, [(1, 1)] * n + [(0, 1)] * 4, random.Random(9))
    assert len(out_at) == n, f"end: words out got {len(out_at)} expected {n}"
    assert out_at == list(range(2, n + 2)), f"out cycles got {out_at[:5]}... expected {list(range(2, 7))}... (latency 2, one per cycle)"


@cocotb.test()
async def fills_both_stages_while_stalled(dut):
    await start(dut)
    # with the output stalled the pipe must accept exactly two words, then lower s_ready
    accepted = 0
    for cycle in range(6):
        dut.s_valid.value, dut.s_data.value, dut.m_ready.value = 1, 100 + accepted, 0
        await ReadOnly()
        want = int(accepted < 2)
        got = int(dut.s_ready.value)
        assert got == want, f"cycle {cycle}: s_ready got {got} expected {want} (stages full after two words)"
        accepted += got
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
