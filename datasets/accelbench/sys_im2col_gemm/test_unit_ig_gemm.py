"""cocotb unit test for ig_gemm, the reference's GEMM core (im2col_gemm): patch elements (flags now, operands one
advancing edge later from the buffers' read registers) accumulate into four filter sums that restart on a patch's
first element; a patch's last element puts the four sums, sign-extended to int32, on the held output with
out_last from the job-last flag; nothing moves on an edge that does not advance. Reset held from time 0, clock
starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

INPUTS = ("adv", "in_valid", "in_first", "in_last", "in_job_last", "a", "w_row")


def lane(word: int, i: int, bits: int) -> int:
    v = (word >> (bits * i)) & ((1 << bits) - 1)
    return v - (1 << bits) if v >> (bits - 1) else v


def read(dut, name: str, where: str) -> int:
    value = getattr(dut, name).value
    assert value.is_resolvable, f"{where}: {name} got {value} (X/Z) expected a number"
    return int(value)


def stream(rng: random.Random) -> list[tuple[int, int, int, int]]:
    """(valid, first, last, job_last) per offered slot: patches of 1..36 elements with idle slots between."""
    slots = []
    for patch in range(40):
        length = rng.choice((1, 4, 9, 36, rng.randint(1, 36)))
        for e in range(length):
            while rng.random() < 0.15:
                slots.append((0, rng.randint(0, 1), rng.randint(0, 1), rng.randint(0, 1)))
            slots.append((1, int(e == 0), int(e == length - 1), int(e == length - 1 and patch % 5 == 4)))
    return slots


@cocotb.test()
async def patches_accumulate_into_four_filter_sums(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in INPUTS:
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("out_valid", "busy"):
        assert read(dut, name, "in reset") == 0, f"in reset: {name} got {getattr(dut, name).value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1821)
    slots = stream(rng)
    s1 = (0, 0, 0, 0)  # flags of the element whose operands are driven now
    acc = [0] * 4
    out = (0, 0, None)
    cycle = 0
    extreme = lambda: rng.choice((-128, 127, rng.randint(-128, 127)))
    while slots or s1[0] or out[0]:
        adv = int(rng.random() < 0.7)
        slot = slots[0] if slots else (0, 0, 0, 0)
        a, w = extreme(), [extreme() for _ in range(4)]
        for name, value in zip(INPUTS, (adv, *slot, a & 0xFF, sum((v & 0xFF) << (8 * f) for f, v in enumerate(w)))):
            getattr(dut, name).value = value
        await RisingEdge(dut.clk)
        if adv:
            sums = [(0 if s1[1] else acc[f]) + a * w[f] for f in range(4)]
            if s1[0]:
                acc = sums
            out = (int(s1[0] and s1[2]), s1[3], sums)
            s1 = slot
            if slots:
                slots.pop(0)
        await ReadOnly()
        where = f"cycle {cycle}"
        assert read(dut, "out_valid", where) == out[0], f"{where}: out_valid got {dut.out_valid.value} expected {out[0]}"
        busy = int(s1[0] or out[0])
        assert read(dut, "busy", where) == busy, f"{where}: busy got {dut.busy.value} expected {busy}"
        if out[0]:
            assert read(dut, "out_last", where) == out[1], f"{where}: out_last got {dut.out_last.value} expected {out[1]}"
            word = read(dut, "out_data", where)
            for f in range(4):
                got = lane(word, f, 32)
                assert got == out[2][f], f"{where} filter {f}: out_data got {got} expected {out[2][f]}"
        await FallingEdge(dut.clk)
        cycle += 1
