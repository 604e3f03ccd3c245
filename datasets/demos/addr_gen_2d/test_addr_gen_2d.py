"""cocotb test for addr_gen_2d: the row-major address walk under random back-pressure, the done pulse, empty
walks, start ignored while busy, and wrap-around of the address."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

AW = 16


def walk(base: int, rows: int, cols: int, col_stride: int, row_stride: int) -> list[int]:
    return [(base + r * row_stride + c * col_stride) % 2**AW for r in range(rows) for c in range(cols)]


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.start.value, dut.ready.value = 1, 0, 0
    for port in (dut.base, dut.rows, dut.cols, dut.col_stride, dut.row_stride):
        port.value = 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run_walk(dut, rng: random.Random, case: int, params: tuple[int, int, int, int, int], p_ready: float) -> None:
    base, rows, cols, cs, rs = params
    dut.base.value, dut.rows.value, dut.cols.value, dut.col_stride.value, dut.row_stride.value = params
    dut.start.value, dut.ready.value = 1, 0
    await FallingEdge(dut.clk)
    want = walk(*params)
    taken: list[int] = []
    done_at, last_taken_at = None, None
    for cycle in range(int(len(want) / p_ready) * 3 + 20):
        ready = int(rng.random() < p_ready)
        dut.ready.value = ready
        # a second start while busy (valid high) must change nothing
        busy = int(dut.valid.value)
        dut.start.value = int(busy and rng.random() < 0.2)
        dut.base.value, dut.rows.value, dut.cols.value = rng.randint(0, 2**AW - 1), rng.randint(0, 5), rng.randint(0, 5)
        await ReadOnly()
        valid, done = int(dut.valid.value), int(dut.done.value)
        if done:
            assert done_at is None, f"case {case} cycle {cycle}: done got 1 expected 0 (second done pulse)"
            done_at = cycle
            break
        if valid and ready:
            got = int(dut.addr.value)
            index = len(taken)
            assert index < len(want), f"case {case} cycle {cycle}: valid got 1 expected 0 (all {len(want)} addresses already taken)"
            assert got == want[index], f"case {case} cycle {cycle}: addr got {got:#x} expected {want[index]:#x} (element {index} of {params})"
            taken.append(got)
            last_taken_at = cycle
        await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)
    assert taken == want, f"case {case}: took {len(taken)} addresses expected {len(want)} for {params}"
    assert done_at is not None, f"case {case}: done never pulsed for {params}"
    expected_done = 0 if not want else last_taken_at + 1
    assert done_at == expected_done, f"case {case}: done at cycle {done_at} expected {expected_done}"
    await ReadOnly()
    assert int(dut.done.value) == 0, f"case {case}: done got 1 expected 0 (pulse longer than one cycle)"
    assert int(dut.valid.value) == 0, f"case {case}: valid got 1 expected 0 after done"
    await FallingEdge(dut.clk)


@cocotb.test()
async def walks_row_major_with_strides(dut):
    await start(dut)
    rng = random.Random(151)
    cases = [(0x100, 3, 4, 1, 0x10, 1.0), (0x0, 1, 1, 5, 7, 1.0), (0xFFF0, 2, 3, 0x8, 0x20, 0.5),
             (0x10, 0, 5, 1, 1, 1.0), (0x10, 5, 0, 1, 1, 1.0), (0x1234, 4, 1, 3, 0x100, 0.3),
             (0x4000, 2, 2, 0xFFFF, 0xFFFE, 0.7)]
    cases += [(rng.randint(0, 2**AW - 1), rng.randint(1, 9), rng.randint(1, 9), rng.randint(0, 2**AW - 1),
               rng.randint(0, 2**AW - 1), rng.choice([1.0, 0.6, 0.2])) for _ in range(12)]
    for case, (*params, p_ready) in enumerate(cases):
        await run_walk(dut, rng, case, tuple(params), p_ready)
