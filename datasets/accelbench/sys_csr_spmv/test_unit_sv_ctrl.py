"""cocotb unit test for sv_ctrl, the reference's job control (csr_spmv): from the vector, pointer and non-zero
streams (random gaps, random pipeline stalls) it must write the vector in order and emit one token per non-zero and
one per empty row, flagged first/end of row and last of job, and take nothing while the pipeline is stalled.
Reset held from time 0, clock starting low."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def tokens(rows: list[int]) -> list[tuple[int, int, int]]:
    """(first, end, last) per token for rows of the given lengths; last is only checked on end tokens."""
    out = []
    for i, length in enumerate(rows):
        last = int(i == len(rows) - 1)
        out += [(1, 1, last)] if length == 0 else [(int(j == 0), int(j == length - 1), last) for j in range(length)]
    return out


@cocotb.test()
async def tokens_follow_the_pointers(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in ("adv", "x_valid", "x_last", "ptr_valid", "ptr_data", "ptr_last", "nz_valid"):
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1343)
    jobs = [(3, [0]), (1, [2, 0, 0, 5]), (32, [0, 0, 1]), (7, [4, 4, 0, 1, 0]), (2, [255]), (5, [rng.randint(0, 6) for _ in range(9)])]
    xs, ptrs, nzs, want = deque(), deque(), deque(), deque()
    for n, (v, rows) in enumerate(jobs):
        xs.extend((n, i, int(i == v - 1)) for i in range(v))
        base = rng.randint(0, 255 - sum(rows))
        pointers = [base]
        for length in rows:
            pointers.append(pointers[-1] + length)
        ptrs.extend((p, int(i == len(rows))) for i, p in enumerate(pointers))
        nzs.extend([n] * sum(rows))
        want.extend((n, t) for t in tokens(rows))
    driving = {"x": False, "ptr": False, "nz": False}
    for cycle in range(2000):
        if not want:
            break
        dut.adv.value = adv = int(rng.random() < 0.8)
        for name, queue in (("x", xs), ("ptr", ptrs), ("nz", nzs)):
            if not driving[name] and queue and rng.random() < 0.7:
                driving[name] = True
                if name == "x":
                    dut.x_last.value = queue[0][2]
                elif name == "ptr":
                    dut.ptr_data.value, dut.ptr_last.value = queue[0]
            getattr(dut, f"{name}_valid").value = int(driving[name])
        await ReadOnly()
        where = f"cycle {cycle}"
        if int(dut.x_we.value):
            job, index, _ = xs[0]
            got = int(dut.x_waddr.value)
            assert got == index, f"{where}: job {job} vector entry {index}: x_waddr got {got} expected {index}"
        for name in ("ptr", "nz"):
            ready = int(getattr(dut, f"{name}_ready").value)
            assert not (ready and not adv), f"{where}: {name}_ready got 1 expected 0 (pipeline stalled)"
        if int(dut.tok_valid.value):
            job, (first, end, last) = want.popleft()
            got = (int(dut.tok_first.value), int(dut.tok_end.value))
            assert got == (first, end), f"{where}: job {job} token (first, end) got {got} expected {(first, end)}"
            if end:
                got_last = int(dut.tok_last.value)
                assert got_last == last, f"{where}: job {job} row end token last got {got_last} expected {last}"
        for name, queue in (("x", xs), ("ptr", ptrs), ("nz", nzs)):
            if driving[name] and int(getattr(dut, f"{name}_ready").value):
                queue.popleft()
                driving[name] = False
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    assert not want, f"after 2000 cycles: tokens got {sum(len(tokens(r)) for _, r in jobs) - len(want)} expected all"
