"""cocotb test for fxp_mul_round (combinational): a Python model of the Q1.15 multiply with round-half-up and
saturation, checked on signed extremes, exact ties of both signs, near-ties, and seeded random vectors."""

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


def model(a: int, b: int) -> tuple[int, int]:
    rounded = (a * b + 2**14) >> 15  # Python >> floors, as an arithmetic shift does
    if rounded > HI:
        return HI, 1
    if rounded < LO:
        return LO, 1
    return rounded, 0


def vectors(rng: random.Random) -> list[tuple[int, int]]:
    special = [LO, LO + 1, -16384, -2, -1, 0, 1, 2, 16384, HI - 1, HI]
    out = [(a, b) for a in special for b in special]
    # exact ties: a*b = odd * 2^14, so the discarded bits are exactly one half
    for _ in range(300):
        j = rng.randint(0, 14)
        a = (2 * rng.randint(0, 2 ** (15 - j - 1) - 1) + 1) << j
        b = (2 * rng.randint(0, 2 ** (j) - 1) + 1) << (14 - j) if j > 0 else 1 << 14
        if a > HI or b > HI:
            continue
        out.append((a * rng.choice([1, -1]), b * rng.choice([1, -1])))
    # near ties: a odd, b = (half an LSB plus or minus one) / a modulo 2^15, so a*b mod 2^15 = 2^14 +- 1
    for _ in range(200):
        a = rng.randrange(LO + 1, HI, 2)
        b = ((2**14 + rng.choice([1, -1])) * pow(a, -1, 2**15)) % 2**15
        out.append((a, b - 2**15 if b > HI else b))
    out += [(rng.randint(LO, HI), rng.randint(LO, HI)) for _ in range(2500)]
    out += [(rng.randint(-300, 300), rng.randint(LO, HI)) for _ in range(300)]  # results near zero
    return out


@cocotb.test()
async def rounds_half_up_and_saturates(dut):
    ties = near = 0
    for n, (a, b) in enumerate(vectors(random.Random(1515))):
        dut.a.value, dut.b.value = a, b
        await Timer(1, unit="ns")
        want_y, want_sat = model(a, b)
        ties += (a * b) % 2**15 == 2**14
        near += (a * b) % 2**15 in (2**14 - 1, 2**14 + 1)
        got_y, got_sat = val(dut.y, True), val(dut.sat)
        assert got_y == want_y, f"vector {n} (a={a}, b={b}, a*b={a * b}): y got {got_y} expected {want_y}"
        assert got_sat == want_sat, f"vector {n} (a={a}, b={b}): sat got {got_sat} expected {want_sat}"
    assert ties > 100, f"test set-up: only {ties} exact ties were checked"
    assert near > 100, f"test set-up: only {near} near ties were checked"
