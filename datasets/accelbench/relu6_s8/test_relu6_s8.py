"""cocotb test for relu6_s8: a Python model of the four-lane clamp(x, 0, six), one edge of latency, dout held
while valid_in is low; every int8 value against ceilings 0, 1, 6, 96, 126, 127, 128, 200, 255 (the signed /
unsigned comparison trap), lanes with distinct values (swapped or dropped lanes), random stimulus, and reset in
mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def lanes_of(word: int) -> list[int]:
    return [((word >> (8 * i)) & 0xFF) - (256 if (word >> (8 * i + 7)) & 1 else 0) for i in range(4)]


def pack(lanes: list[int]) -> int:
    return sum((x & 0xFF) << (8 * i) for i, x in enumerate(lanes))


def relu6(x: int, six: int) -> int:
    return 0 if x < 0 else min(x, six)


def stimulus(rng: random.Random) -> list[tuple[int, int, int, int]]:
    """(valid_in, din, six, rst) per cycle."""
    out = []
    for six in (0, 1, 6, 96, 126, 127, 128, 200, 255):
        values = list(range(-128, 128))
        rng.shuffle(values)
        for k in range(0, 256, 4):
            out.append((1, pack(values[k:k + 4]), six, 0))
    out += [(1, pack([-128, 127, 0, -1]), 64, 0), (0, pack([5, 6, 7, 8]), 64, 0), (0, 0, 0, 0),
            (1, pack([10, 20, 30, 40]), 25, 0), (1, pack([40, 30, 20, 10]), 25, 0)]
    for _ in range(500):
        six = rng.choice([0, 6, 32, 100, 127, rng.randint(0, 255)])
        din = pack([rng.randint(-128, 127) for _ in range(4)])
        out.append((int(rng.random() < 0.7), din, six, int(rng.random() < 0.02)))
    return out


@cocotb.test()
async def clamps_four_lanes_like_the_model(dut):
    dut.rst.value, dut.valid_in.value, dut.din.value, dut.six.value = 1, 1, pack([100, 100, 100, 100]), 255
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert val(dut.valid_out) == 0, f"in reset: valid_out got {val(dut.valid_out)} expected 0"
    assert val(dut.dout) == 0, f"in reset: dout got {val(dut.dout)} expected 0"
    await FallingEdge(dut.clk)
    held = 0
    for cycle, (valid, din, six, rst) in enumerate(stimulus(random.Random(666))):
        dut.valid_in.value, dut.din.value, dut.six.value, dut.rst.value = valid, din, six, rst
        await RisingEdge(dut.clk)
        await ReadOnly()
        if rst:
            held, want_valid = 0, 0
        else:
            want_valid = valid
            if valid:
                held = pack([relu6(x, six) for x in lanes_of(din)])
        got_valid = val(dut.valid_out)
        assert got_valid == want_valid, f"cycle {cycle} (valid_in={valid} rst={rst}): valid_out got {got_valid} expected {want_valid}"
        got = val(dut.dout)
        if got != held:
            where = "" if isinstance(got, str) else "; lanes got " + str(lanes_of(got))
            raise AssertionError(f"cycle {cycle} (din lanes {lanes_of(din)} six={six} valid_in={valid} rst={rst}): "
                                 f"dout got {got if isinstance(got, str) else format(got, '#010x')} expected {held:#010x} "
                                 f"(lanes {lanes_of(held)}{where})")
        await FallingEdge(dut.clk)
