"""cocotb test for clip_s16_to_s8 (combinational): values at, inside and outside the bounds, equal bounds, the
full int8 range as bounds, then seeded random values and bounds."""

import random

import cocotb
from cocotb.triggers import Timer


def model(x: int, lo: int, hi: int) -> tuple[int, int]:
    y = min(max(x, lo), hi)
    return y, int(y != x)


@cocotb.test()
async def clips_like_the_model(dut):
    rng = random.Random(816)
    bounds = [(-128, 127), (0, 0), (-5, 5), (-128, -128), (127, 127), (10, 100), (-100, -10), (-1, 0)]
    xs = [-32768, -129, -128, -127, -101, -100, -11, -10, -6, -5, -1, 0, 1, 5, 6, 10, 100, 101, 126, 127, 128, 255,
          256, 32767]
    cases = [(x, lo, hi) for lo, hi in bounds for x in xs]
    for _ in range(3000):
        lo, hi = sorted((rng.randint(-128, 127), rng.randint(-128, 127)))
        x = rng.choice([rng.randint(-32768, 32767), rng.randint(-200, 200), lo, hi, lo - 1, hi + 1])
        cases.append((x, lo, hi))
    for n, (x, lo, hi) in enumerate(cases):
        dut.x.value, dut.lo.value, dut.hi.value = x & 0xFFFF, lo & 0xFF, hi & 0xFF
        await Timer(1, unit="ns")
        y, clipped = model(x, lo, hi)
        got_y, got_c = dut.y.value.to_signed(), int(dut.clipped.value)
        where = f"vector {n} (x={x} lo={lo} hi={hi})"
        assert got_y == y, f"{where}: y got {got_y} expected {y}"
        assert got_c == clipped, f"{where}: clipped got {got_c} expected {clipped}"
