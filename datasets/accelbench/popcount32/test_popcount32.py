"""cocotb test for popcount32: the combinational count checked on every vector (zero, all ones = 32, every
one-hot and every one-cold word, walking runs, random words of every density), and the registered count_q /
valid_out checked one edge later, including hold while valid_in is low and reset in mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge, Timer

MASK = 2**32 - 1


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def words(rng: random.Random) -> list[int]:
    out = [0, MASK, 0x55555555, 0xAAAAAAAA, 0x80000000, 0x00000001, 0x7FFFFFFF, 0xFFFFFFFE, 0xFFFF0000, 0x0000FFFF]
    out += [1 << i for i in range(32)]
    out += [MASK ^ (1 << i) for i in range(32)]
    out += [(MASK >> (32 - n)) << rng.randint(0, 32 - n) for n in range(1, 33)]  # runs of n ones
    for _ in range(500):
        density = rng.random()
        out.append(sum(1 << i for i in range(32) if rng.random() < density))
    return out


@cocotb.test()
async def counts_combinationally_and_registered(dut):
    rng = random.Random(3232)
    dut.rst.value, dut.valid_in.value, dut.din.value = 1, 1, MASK
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert val(dut.valid_out) == 0, f"in reset: valid_out got {val(dut.valid_out)} expected 0"
    assert val(dut.count_q) == 0, f"in reset: count_q got {val(dut.count_q)} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    held = 0
    for cycle, word in enumerate(words(rng)):
        valid = int(rng.random() < 0.7) if cycle >= 20 else 1
        reset = int(cycle > 100 and rng.random() < 0.02)
        dut.din.value, dut.valid_in.value, dut.rst.value = word, valid, reset
        want = bin(word).count("1")
        await Timer(2, unit="ns")
        got = val(dut.count)
        assert got == want, f"cycle {cycle} (din={word:#010x}): count got {got} expected {want}"
        await RisingEdge(dut.clk)
        await ReadOnly()
        if reset:
            held, want_valid = 0, 0
        else:
            held, want_valid = (want if valid else held), valid
        got_valid, got_q = val(dut.valid_out), val(dut.count_q)
        assert got_valid == want_valid, f"cycle {cycle} (valid_in={valid} rst={reset}): valid_out got {got_valid} expected {want_valid}"
        assert got_q == held, f"cycle {cycle} (din={word:#010x} valid_in={valid} rst={reset}): count_q got {got_q} expected {held}"
        await FallingEdge(dut.clk)
