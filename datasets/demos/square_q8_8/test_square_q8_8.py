"""cocotb test for square_q8_8: a Python model of the Q8.8 square with round-half-up and saturation, the rounding
ties, the saturation boundary, gaps in in_valid, then seeded random values."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

Q_MAX = 2**15 - 1


def model(x: int) -> tuple[int, int]:
    """(y, sat) for a signed Q8.8 raw value x."""
    rounded = (x * x + 128) >> 8
    return (Q_MAX, 1) if rounded > Q_MAX else (rounded, 0)


@cocotb.test()
async def squares_like_the_model(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.in_valid.value, dut.x.value = 1, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(88)
    # 2896**2 -> 32761 (fits), 2897**2 -> 32784 (saturates); 11**2 = 0x79 rounds down, 12**2 = 0x90 rounds up.
    # No square ends in exactly 0x80, so an exact tie never occurs.
    corners = [0, 1, -1, 8, -8, 11, 12, 16, -16, 24, 40, 181, 256, -256, 2895, 2896, -2896, 2897, -2897,
               32767, -32768, 4096, -4096, 23]
    plan = [(1, x) for x in corners] + [(int(rng.random() < 0.8), rng.choice([rng.randint(-32768, 32767),
                                                                              rng.randint(-3000, 3000)]))
                                        for _ in range(2000)]
    y, sat = 0, 0
    for cycle, (valid, x) in enumerate(plan):
        dut.in_valid.value, dut.x.value = valid, x & 0xFFFF
        await RisingEdge(dut.clk)
        await ReadOnly()
        if valid:
            y, sat = model(x)
        got = {"out_valid": int(dut.out_valid.value), "y": dut.y.value.to_signed(), "sat": int(dut.sat.value)}
        want = {"out_valid": valid, "y": y, "sat": sat}
        for name in got:
            assert got[name] == want[name], \
                f"cycle {cycle} (in_valid={valid} x={x}): {name} got {got[name]} expected {want[name]}"
        await FallingEdge(dut.clk)
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("out_valid", "y", "sat"):
        got = int(getattr(dut, name).value)
        assert got == 0, f"after reset: {name} got {got} expected 0"
