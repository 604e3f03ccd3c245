"""cocotb test for leaky_relu_fxp (combinational): a Python model of y = x (x >= 0) or floor(x / 2^k + 1/2)
(x < 0), checked for every k on every x in [-300, 300] (all tie and near-tie patterns of the low bits), the
signed extremes, and seeded random values."""

import random

import cocotb
from cocotb.triggers import Timer

LO, HI = -(2**15), 2**15 - 1


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def model(x: int, k: int) -> int:
    if x >= 0 or k == 0:
        return x
    return (x + (1 << (k - 1))) >> k  # Python >> floors like an arithmetic shift


@cocotb.test()
async def leaks_negative_inputs_with_round_half_up(dut):
    rng = random.Random(7070)
    values = list(range(-300, 301)) + [LO, LO + 1, LO + 2, -16384, -16385, HI, HI - 1, 16384]
    values += [rng.randint(LO, HI) for _ in range(300)]
    n = 0
    for k in [0, 1, 2, 3, 4, 5, 6, 7]:
        order = values[:]
        rng.shuffle(order)
        for x in order:
            dut.x.value, dut.k.value = x, k
            await Timer(1, unit="ns")
            want, got = model(x, k), val(dut.y, True)
            assert got == want, f"vector {n} (x={x}, k={k}): y got {got} expected {want}"
            n += 1
