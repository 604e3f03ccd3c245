"""cocotb test for sync_fifo: a deque model; fill to full, drain to empty, push when full and pop when empty
are ignored, then seeded random traffic."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

WIDTH, DEPTH = 8, 8


def stimulus(rng: random.Random) -> list[tuple[int, int]]:
    """(wr_en, rd_en) per cycle."""
    plan = [(1, 0)] * (DEPTH + 3) + [(1, 1)] * 3 + [(0, 1)] * (DEPTH + 3) + [(1, 1)] * 3 + [(1, 0)] * 2
    for _ in range(12):  # phases that lean towards full or towards empty
        p_wr, p_rd = rng.choice([(0.8, 0.3), (0.3, 0.8), (0.5, 0.5), (1.0, 1.0)])
        plan += [(int(rng.random() < p_wr), int(rng.random() < p_rd)) for _ in range(rng.randint(10, 60))]
    return plan


@cocotb.test()
async def behaves_like_a_deque(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.wr_en.value, dut.rd_en.value, dut.wr_data.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(121)
    fifo: deque[int] = deque()
    for cycle, (wr, rd) in enumerate(stimulus(rng)):
        data = rng.randint(0, 2**WIDTH - 1)
        dut.wr_en.value, dut.rd_en.value, dut.wr_data.value = wr, rd, data
        await RisingEdge(dut.clk)
        await ReadOnly()
        full_before, empty_before = len(fifo) == DEPTH, not fifo
        if rd and not empty_before:
            fifo.popleft()
        if wr and not full_before:
            fifo.append(data)
        where = f"(wr_en={wr} rd_en={rd} wr_data={data})"
        checks = {"count": (int(dut.count.value), len(fifo)), "full": (int(dut.full.value), int(len(fifo) == DEPTH)),
                  "empty": (int(dut.empty.value), int(not fifo))}
        if fifo:
            checks["rd_data"] = (int(dut.rd_data.value), fifo[0])
        for name, (got, want) in checks.items():
            assert got == want, f"cycle {cycle}: {name} got {got} expected {want} {where}"
        await FallingEdge(dut.clk)


@cocotb.test()
async def reset_empties(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.wr_en.value, dut.rd_en.value, dut.wr_data.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value, dut.wr_en.value, dut.wr_data.value = 0, 1, 0x5A
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value, dut.wr_en.value = 1, 0
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.empty.value) == 1, f"after reset: empty got {dut.empty.value} expected 1"
    assert int(dut.count.value) == 0, f"after reset: count got {int(dut.count.value)} expected 0"
