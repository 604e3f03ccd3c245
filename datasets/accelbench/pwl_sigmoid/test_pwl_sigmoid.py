"""cocotb test for pwl_sigmoid: a bit-exact Python model of the four-segment PWL (Q4.12 in, Q1.15 out), checked
on both sides of every segment boundary for both signs, the extremes -8.0 (-32768, whose magnitude needs 17 bits)
and +8.0 - 2^-12, a sweep of the whole input range, random values, one edge of latency, y held while valid_in is
low, and reset in mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ONE = 32768  # 1.0 in Q1.15
BOUNDS = (4096, 9728, 20480)  # |x| = 1.0, 2.375, 5.0 in Q4.12


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def model(x: int) -> int:
    a = abs(x)
    if a < 4096:
        p = 16384 + 2 * a          # 0.25 |x| + 0.5
    elif a < 9728:
        p = 20480 + a              # 0.125 |x| + 0.625
    elif a < 20480:
        p = 27648 + (a >> 2)       # 0.03125 |x| + 0.84375, floor
    else:
        p = ONE                    # 1.0
    return p if x >= 0 else ONE - p


def inputs(rng: random.Random) -> list[int]:
    out = [0, 1, -1, 2, -2, 3, -3, -32768, -32767, 32767, 32766]
    for b in BOUNDS:
        for d in (-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5):
            out += [b + d, -(b + d)]
    out += list(range(-32768, 32768, 41))
    out += [rng.randint(-32768, 32767) for _ in range(300)]
    out += [rng.randint(-10000, 10000) for _ in range(300)]
    return out


@cocotb.test()
async def follows_the_pwl_segments(dut):
    rng = random.Random(4121)
    dut.rst.value, dut.valid_in.value, dut.x.value = 1, 1, 1000
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert val(dut.valid_out) == 0, f"in reset: valid_out got {val(dut.valid_out)} expected 0"
    assert val(dut.y) == 0, f"in reset: y got {val(dut.y)} expected 0"
    await FallingEdge(dut.clk)
    held = 0
    for cycle, x in enumerate(inputs(rng)):
        valid = 1 if cycle < 80 else int(rng.random() < 0.8)
        rst = int(cycle > 80 and rng.random() < 0.01)
        dut.valid_in.value, dut.x.value, dut.rst.value = valid, x, rst
        await RisingEdge(dut.clk)
        await ReadOnly()
        if rst:
            held, want_valid = 0, 0
        else:
            held, want_valid = (model(x) if valid else held), valid
        got_valid, got = val(dut.valid_out), val(dut.y)
        assert got_valid == want_valid, f"cycle {cycle} (x={x} valid_in={valid} rst={rst}): valid_out got {got_valid} expected {want_valid}"
        assert got == held, f"cycle {cycle} (x={x} = {x / 4096:+.4f}, valid_in={valid} rst={rst}): y got {got} expected {held}"
        await FallingEdge(dut.clk)
