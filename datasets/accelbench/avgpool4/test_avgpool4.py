"""cocotb test for avgpool4: every residue of the sum modulo 4 on both signs (ties must go away from zero),
the extremes -512 and +508, random vectors, held output on idle cycles and a reset mid-stream."""

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


def rounded_mean(vals: list[int]) -> int:
    """sum/4 rounded to nearest, ties away from zero, in integers only."""
    s = sum(vals)
    q = (abs(s) + 2) // 4
    return -q if s < 0 else q


def with_sum(target: int, rng: random.Random) -> list[int]:
    """Four random int8 values that add up to `target` (-512..508)."""
    vals, rest = [], target
    for left in (3, 2, 1):  # values still to choose after this one
        v = rng.randint(max(-128, rest - 127 * left), min(127, rest + 128 * left))
        vals.append(v)
        rest -= v
    return vals + [rest]


def stimulus(rng: random.Random) -> list[tuple[int, int, list[int]]]:
    c = [(0, 1, [-128] * 4), (0, 1, [127] * 4), (0, 1, [127, 127, 127, 126]), (0, 1, [-128, -128, -128, -127]),
         (0, 1, [-128, -128, -127, -127])]
    for s in list(range(-12, 13)) + [-510, -509, -507, -506, -505, 505, 506, 507, 250, -250, 254, -254, 2, -2, 6, -6]:
        c.append((0, 1, with_sum(s, rng)))                      # every residue, ties at +-0.5, +-1.5, ...
    c.append((0, 0, [127] * 4))                                  # idle: avg holds
    c.append((0, 0, [-2, 0, 0, 0]))
    c.append((0, 1, [2, 0, 0, 0]))                               # +0.5 -> 1
    c.append((0, 1, [-2, 0, 0, 0]))                              # -0.5 -> -1
    c.append((0, 1, [-1, 0, 0, 0]))                              # -0.25 -> 0
    c.append((0, 1, [0, 0, 0, -3]))                              # -0.75 -> -1
    c.append((0, 1, [0, 0, 3, 0]))                               # +0.75 -> 1
    c.append((0, 1, [0, 1, 0, 0]))                               # +0.25 -> 0
    c.append((1, 1, [100] * 4))                                  # reset wins
    c.append((0, 0, [5] * 4))
    for _ in range(500):
        vals = [rng.choice([-128, 127, -1, 0, 1, rng.randint(-128, 127), rng.randint(-128, 127)]) for _ in range(4)]
        c.append((int(rng.random() < 0.01), int(rng.random() < 0.75), vals))
    return c


@cocotb.test()
async def averages_with_ties_away_from_zero(dut):
    dut.rst.value, dut.in_valid.value = 1, 0
    dut.a0.value, dut.a1.value, dut.a2.value, dut.a3.value = 0, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    check(dut, "out_valid", 0, "in reset")
    check(dut, "avg", 0, "in reset", signed=True)
    await FallingEdge(dut.clk)
    out_valid, avg = 0, 0
    for cycle, (rst, valid, vals) in enumerate(stimulus(random.Random(2401))):
        dut.rst.value, dut.in_valid.value = rst, valid
        dut.a0.value, dut.a1.value, dut.a2.value, dut.a3.value = vals
        await RisingEdge(dut.clk)
        await ReadOnly()
        if rst:
            out_valid, avg = 0, 0
        else:
            out_valid = valid
            if valid:
                avg = rounded_mean(vals)
        where = f"cycle {cycle} (rst={rst} in_valid={valid} a={vals} sum={sum(vals)})"
        check(dut, "out_valid", out_valid, where)
        check(dut, "avg", avg, where, signed=True)
        await FallingEdge(dut.clk)
