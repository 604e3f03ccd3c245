"""cocotb test for argmax8: the maximum in each position, ties (lowest index must win, including all-equal and
ties across the two halves of a tree), signed extremes (unsigned compares fail), random vectors, held outputs
on idle cycles and a reset mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def check(dut, name: str, want: int, where: str, signed: bool = False) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if signed else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


def pack(vals: list[int]) -> int:
    return sum((v & 0xFFFF) << (16 * i) for i, v in enumerate(vals))


def argmax(vals: list[int]) -> tuple[int, int]:
    best = 0
    for i, v in enumerate(vals):
        if v > vals[best]:
            best = i
    return best, vals[best]


def stimulus(rng: random.Random) -> list[tuple[int, int, list[int]]]:
    c = []
    for pos in range(8):                                  # the maximum alone in each position
        vals = [-32768] * 8
        vals[pos] = 32767
        c.append((0, 1, vals))
        vals = [-(i + 2) for i in range(8)]
        vals[pos] = -1                                    # all negative
        c.append((0, 1, vals))
        vals = [0] * 8
        vals[pos] = -32768                                # one minimum, the rest tie at 0: index 0 (or 1)
        c.append((0, 1, vals))
    c.append((0, 1, [5] * 8))                             # all equal: index 0
    c.append((0, 1, [-32768] * 8))
    c.append((0, 1, [1, 2, 3, 9, 4, 5, 6, 9]))            # tie across halves: index 3
    c.append((0, 1, [0, 0, 0, 0, 7, 0, 0, 7]))            # tie inside the upper half: index 4
    c.append((0, 1, [0, 3, 0, 3, 0, 0, 0, 0]))            # index 1
    c.append((0, 1, [-1, -32768, 32767, 32767, -5, 32767, 0, 0]))  # index 2
    c.append((0, 1, [100, 0, 0, 0, 0, 0, 101, 101]))      # index 6
    c.append((0, 0, [1, 2, 3, 4, 5, 6, 7, 30000]))        # idle: outputs hold
    c.append((0, 0, [0] * 8))
    c.append((1, 1, [0, 0, 0, 0, 0, 0, 0, 9]))            # reset wins
    c.append((0, 0, [0] * 8))
    for _ in range(400):
        pool = [rng.randint(-32768, 32767) for _ in range(3)]
        vals = [rng.choice(pool + [-32768, 32767, rng.randint(-32768, 32767)]) for _ in range(8)]  # many ties
        c.append((int(rng.random() < 0.01), int(rng.random() < 0.75), vals))
    return c


@cocotb.test()
async def finds_the_first_maximum(dut):
    dut.rst.value, dut.in_valid.value, dut.x.value = 1, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("out_valid", "idx", "max_val"):
        check(dut, name, 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    out_valid, idx, best = 0, 0, 0
    for cycle, (rst, valid, vals) in enumerate(stimulus(random.Random(2501))):
        dut.rst.value, dut.in_valid.value, dut.x.value = rst, valid, pack(vals)
        await RisingEdge(dut.clk)
        await ReadOnly()
        if rst:
            out_valid, idx, best = 0, 0, 0
        else:
            out_valid = valid
            if valid:
                idx, best = argmax(vals)
        where = f"cycle {cycle} (rst={rst} in_valid={valid} x={vals})"
        check(dut, "out_valid", out_valid, where)
        check(dut, "idx", idx, where)
        check(dut, "max_val", best, where, signed=True)
        await FallingEdge(dut.clk)
