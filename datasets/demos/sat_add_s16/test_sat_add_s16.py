"""cocotb test for sat_add_s16 (combinational): a Python model of saturating add and subtract, the values
around both limits, then seeded random operands."""

import random

import cocotb
from cocotb.triggers import Timer

MAX, MIN = 2**15 - 1, -(2**15)


def model(a: int, b: int, sub: int) -> tuple[int, int]:
    exact = a - b if sub else a + b
    if exact > MAX:
        return MAX, 1
    if exact < MIN:
        return MIN, 1
    return exact, 0


@cocotb.test()
async def adds_and_subtracts_with_saturation(dut):
    rng = random.Random(16)
    edge = [MIN, MIN + 1, -2, -1, 0, 1, 2, MAX - 1, MAX, 16384, -16384]
    cases = [(a, b, s) for a in edge for b in edge for s in (0, 1)]
    cases += [(rng.randint(MIN, MAX), rng.randint(MIN, MAX), rng.randint(0, 1)) for _ in range(3000)]
    for n, (a, b, s) in enumerate(cases):
        dut.a.value, dut.b.value, dut.sub.value = a & 0xFFFF, b & 0xFFFF, s
        await Timer(1, unit="ns")
        y, ovf = model(a, b, s)
        got_y, got_ovf = dut.y.value.to_signed(), int(dut.ovf.value)
        where = f"vector {n} (a={a} b={b} sub={s})"
        assert got_y == y, f"{where}: y got {got_y} expected {y}"
        assert got_ovf == ovf, f"{where}: ovf got {got_ovf} expected {ovf}"
