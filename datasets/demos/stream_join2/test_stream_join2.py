"""cocotb test for stream_join2: two independently paced input streams come out paired in order, an input is
never accepted without the other, the output holds while stalled, and pairs pass one per cycle."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.m_ready.value = 1, 0
    dut.a_valid.value, dut.a_data.value, dut.b_valid.value, dut.b_data.value = 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, plan, rng) -> int:
    expected: deque[int] = deque()
    pa = pb = stalled = None
    out = 0
    for cycle, (va, vb, m_ready) in enumerate(plan):
        if va and pa is None:
            pa = rng.randint(0, 255)
        if vb and pb is None:
            pb = rng.randint(0, 255)
        dut.a_valid.value, dut.a_data.value = int(pa is not None), pa or 0
        dut.b_valid.value, dut.b_data.value = int(pb is not None), pb or 0
        dut.m_ready.value = m_ready
        await ReadOnly()
        m_valid = int(dut.m_valid.value)
        a_ready, b_ready = int(dut.a_ready.value), int(dut.b_ready.value)
        free = int(not m_valid or m_ready)
        want_a, want_b = int(free and pb is not None), int(free and pa is not None)
        assert a_ready == want_a, f"cycle {cycle}: a_ready got {a_ready} expected {want_a}"
        assert b_ready == want_b, f"cycle {cycle}: b_ready got {b_ready} expected {want_b}"
        if stalled is not None:
            assert m_valid == 1, f"cycle {cycle}: m_valid got 0 expected 1 (dropped while stalled)"
            got = int(dut.m_data.value)
            assert got == stalled, f"cycle {cycle}: m_data got {got:#06x} expected {stalled:#06x} (changed while stalled)"
        stalled = None
        if m_valid and m_ready:
            got = int(dut.m_data.value)
            assert expected, f"cycle {cycle}: m_data got {got:#06x} expected nothing (no pair pending)"
            want = expected.popleft()
            assert got == want, f"cycle {cycle}: m_data got {got:#06x} expected {want:#06x}"
            out += 1
        elif m_valid:
            stalled = int(dut.m_data.value)
        if pa is not None and a_ready:
            expected.append((pb << 8) | pa)
            pa = pb = None
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    assert not expected, f"end: {len(expected)} pairs never came out"
    return out


@cocotb.test()
async def pairs_stay_together_under_random_pacing(dut):
    await start(dut)
    rng = random.Random(77)
    plan = [(1, 0, 1)] * 3 + [(0, 1, 1)] * 2 + [(1, 1, 0)] * 3 + [(1, 1, 1)] * 3 + [(0, 0, 1)] * 2
    for _ in range(20):
        pa, pb, pr = rng.choice([(0.9, 0.4, 0.8), (0.4, 0.9, 0.8), (0.8, 0.8, 0.3), (1.0, 1.0, 0.6)])
        plan += [(int(rng.random() < pa), int(rng.random() < pb), int(rng.random() < pr)) for _ in range(rng.randint(10, 40))]
    plan += [(0, 0, 1)] * 3
    await run(dut, plan, rng)


@cocotb.test()
async def one_pair_per_cycle(dut):
    await start(dut)
    out = await run(dut, [(1, 1, 1)] * 30 + [(0, 0, 1)] * 2, random.Random(8))
    assert out == 30, f"end: pairs out got {out} expected 30 (one per cycle)"
