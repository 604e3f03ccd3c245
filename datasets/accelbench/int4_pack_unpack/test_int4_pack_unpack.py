"""cocotb test for int4_pack_unpack (combinational): pack mode with every int8 value of a against a spread of b
values and vice versa (saturation at -9/-8/7/8 and the extremes, nibble order, the sat flag), unpack mode with
every byte (sign extension of both nibbles, b ignored), and random mode switching, against a Python model."""

import random

import cocotb
from cocotb.triggers import Timer


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def model(mode: int, a: int, b: int) -> tuple[int, int, int]:
    """(y0, y1, sat) with y0, y1 as unsigned bytes; a and b are signed."""
    if mode:
        ua = a & 0xFF
        lo, hi = ua & 0xF, ua >> 4
        return ((lo - 16 if lo & 8 else lo) & 0xFF, (hi - 16 if hi & 8 else hi) & 0xFF, 0)
    ca, cb = max(-8, min(7, a)), max(-8, min(7, b))
    return (((cb & 0xF) << 4) | (ca & 0xF), 0, int(ca != a or cb != b))


def vectors(rng: random.Random) -> list[tuple[int, int, int]]:
    spread = [-128, -9, -8, -7, -1, 0, 1, 7, 8, 127]
    out = [(0, a, b) for a in range(-128, 128) for b in spread]
    out += [(0, a, b) for b in range(-128, 128) for a in (-128, -9, -8, 7, 8, 127)]
    out += [(0, a, b) for a in range(-9, 9) for b in range(-9, 9)]
    out += [(1, a, rng.randint(-128, 127)) for a in range(-128, 128)]
    out += [(1, a, b) for a in (0x7F, 0x78, 0x87 - 256, 0x88 - 256, -1, 0) for b in spread]
    out += [(rng.randint(0, 1), rng.randint(-128, 127), rng.randint(-128, 127)) for _ in range(500)]
    return out


@cocotb.test()
async def packs_and_unpacks_like_the_model(dut):
    for n, (mode, a, b) in enumerate(vectors(random.Random(4488))):
        dut.mode.value, dut.a.value, dut.b.value = mode, a, b
        await Timer(1, unit="ns")
        want = model(mode, a, b)
        got = (val(dut.y0), val(dut.y1), val(dut.sat))
        what = f"vector {n} ({'unpack' if mode else 'pack'} mode, a={a} ({a & 0xFF:#04x}), b={b})"
        for name, g, w in zip(("y0", "y1", "sat"), got, want):
            shown = f"{g:#04x}" if isinstance(g, int) else g
            assert g == w, f"{what}: {name} got {shown} expected {w:#04x}"
