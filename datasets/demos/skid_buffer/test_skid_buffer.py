"""cocotb test for skid_buffer: every accepted word comes out once and in order, the output holds while
stalled, s_ready never depends on this cycle's inputs, and one word passes per cycle when nothing stalls."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

WIDTH = 8


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.s_valid.value, dut.s_data.value, dut.m_ready.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, plan: list[tuple[int, int]], rng: random.Random) -> int:
    """Drive (s_valid, m_ready) per cycle; check the stream; return how many words came out."""
    expected: deque[int] = deque()
    pending = None  # the word offered upstream, held until accepted
    stalled = None  # (m_data) while the output was valid and not taken
    out = 0
    for cycle, (s_valid, m_ready) in enumerate(plan):
        ready_before = int(dut.s_ready.value)
        if s_valid and pending is None:
            pending = rng.randint(0, 2**WIDTH - 1)
        dut.s_valid.value, dut.m_ready.value = int(pending is not None and bool(s_valid)), m_ready
        dut.s_data.value = pending if pending is not None else 0
        await ReadOnly()
        got_ready, m_valid = int(dut.s_ready.value), int(dut.m_valid.value)
        assert got_ready == ready_before, f"cycle {cycle}: s_ready got {got_ready} expected {ready_before} (changed with this cycle's inputs)"
        if stalled is not None:
            assert m_valid == 1, f"cycle {cycle}: m_valid got 0 expected 1 (dropped while stalled)"
            assert int(dut.m_data.value) == stalled, f"cycle {cycle}: m_data got {int(dut.m_data.value)} expected {stalled} (changed while stalled)"
        if s_valid and pending is not None and got_ready:
            expected.append(pending)
            pending = None
        stalled = None
        if m_valid and m_ready:
            assert expected, f"cycle {cycle}: m_data got {int(dut.m_data.value)} expected nothing (no word pending)"
            want = expected.popleft()
            got = int(dut.m_data.value)
            assert got == want, f"cycle {cycle}: m_data got {got} expected {want}"
            out += 1
        elif m_valid:
            stalled = int(dut.m_data.value)
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    assert not expected, f"end: {len(expected)} accepted words never came out: {list(expected)}"
    return out


@cocotb.test()
async def keeps_order_and_holds_when_stalled(dut):
    await start(dut)
    rng = random.Random(131)
    plan = [(1, 0)] * 4 + [(1, 1)] * 4 + [(0, 0)] * 2 + [(1, 0), (0, 1), (1, 1), (1, 0), (1, 1)]
    for _ in range(15):
        p_valid, p_ready = rng.choice([(0.9, 0.3), (0.3, 0.9), (0.6, 0.6), (1.0, 0.5)])
        plan += [(int(rng.random() < p_valid), int(rng.random() < p_ready)) for _ in range(rng.randint(10, 50))]
    plan += [(0, 1)] * 4  # drain
    await run(dut, plan, rng)


@cocotb.test()
async def full_throughput_without_stalls(dut):
    await start(dut)
    n = 50
    out = await run(dut, [(1, 1)] * n + [(0, 1)] * 3, random.Random(141))
    assert out == n, f"end: words out got {out} expected {n} (one per cycle)"
