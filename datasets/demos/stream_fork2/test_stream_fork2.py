"""cocotb test for stream_fork2: under independent random back-pressure on both consumers, each consumer
receives every upstream beat exactly once and in order, and the upstream beat is held until both have it."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.s_valid.value, dut.s_data.value = 1, 0, 0
    dut.m0_ready.value, dut.m1_ready.value = 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, plan, rng) -> tuple[list[int], int]:
    sent: list[int] = []
    got = ([], [])
    taken = [False, False]  # model: has consumer k taken the current beat
    pending = None
    for cycle, (s_valid, r0, r1) in enumerate(plan):
        if s_valid and pending is None:
            pending = rng.randint(0, 255)
        dut.s_valid.value = int(pending is not None)
        dut.s_data.value = pending if pending is not None else 0
        dut.m0_ready.value, dut.m1_ready.value = r0, r1
        await ReadOnly()
        present = pending is not None
        for k, ready in enumerate((r0, r1)):
            valid = int(getattr(dut, f"m{k}_valid").value)
            want = int(present and not taken[k])
            assert valid == want, f"cycle {cycle}: m{k}_valid got {valid} expected {want}"
            if valid and ready:
                data = int(getattr(dut, f"m{k}_data").value)
                assert data == pending, f"cycle {cycle}: m{k}_data got {data} expected {pending}"
                got[k].append(data)
        want_ready = int((taken[0] or r0) and (taken[1] or r1))
        s_ready = int(dut.s_ready.value)
        assert s_ready == want_ready, f"cycle {cycle}: s_ready got {s_ready} expected {want_ready}"
        if present and s_ready:
            sent.append(pending)
            pending, taken = None, [False, False]
        elif present:
            taken = [taken[0] or bool(r0), taken[1] or bool(r1)]
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    for k in range(2):
        assert got[k] == sent, f"end: consumer {k} got {len(got[k])} beats, expected the {len(sent)} sent, in order"
    return sent, len(plan)


@cocotb.test()
async def each_consumer_gets_every_beat_once(dut):
    await start(dut)
    rng = random.Random(55)
    plan = [(1, 1, 0), (1, 0, 0), (1, 0, 1), (1, 1, 1), (1, 0, 1), (0, 1, 1), (1, 1, 0), (1, 1, 0), (1, 0, 1)]
    for _ in range(20):
        pv, p0, p1 = rng.choice([(0.9, 0.3, 0.8), (0.5, 0.9, 0.2), (1.0, 0.6, 0.6), (0.7, 1.0, 1.0)])
        plan += [(int(rng.random() < pv), int(rng.random() < p0), int(rng.random() < p1)) for _ in range(rng.randint(10, 40))]
    plan += [(0, 1, 1)] * 3
    await run(dut, plan, rng)


@cocotb.test()
async def full_throughput_when_both_ready(dut):
    await start(dut)
    sent, _ = await run(dut, [(1, 1, 1)] * 30, random.Random(3))
    assert len(sent) == 30, f"end: beats retired got {len(sent)} expected 30 (one per cycle)"
