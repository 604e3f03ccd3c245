"""cocotb test for restoring_div_u8: quotient and remainder against divmod, divide by zero, exact busy/done
timing, start ignored while busy, seeded random operands."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

STEPS = 8


def model(dividend: int, divisor: int) -> tuple[int, int, int, int]:
    """(quotient, remainder, div_by_zero, cycles from start to done)."""
    if divisor == 0:
        return 0xFF, dividend, 1, 1
    q, r = divmod(dividend, divisor)
    return q, r, 0, STEPS + 1


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.start.value, dut.dividend.value, dut.divisor.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def divide(dut, n: int, x: int, d: int, rng: random.Random) -> None:
    q, r, dz, cycles = model(x, d)
    dut.start.value, dut.dividend.value, dut.divisor.value = 1, x, d
    for cycle in range(cycles):
        await RisingEdge(dut.clk)
        await ReadOnly()
        busy, done = int(dut.busy.value), int(dut.done.value)
        want_busy, want_done = int(cycle < cycles - 1), int(cycle == cycles - 1)
        where = f"op {n} cycle {cycle} (dividend={x} divisor={d})"
        assert busy == want_busy, f"{where}: busy got {busy} expected {want_busy}"
        assert done == want_done, f"{where}: done got {done} expected {want_done}"
        await FallingEdge(dut.clk)
        # new operands and start while busy must be ignored
        dut.start.value, dut.dividend.value, dut.divisor.value = rng.randint(0, 1), rng.randint(0, 255), rng.randint(0, 255)
    dut.start.value = 0
    for name, want in (("quotient", q), ("remainder", r), ("div_by_zero", dz)):
        got = int(getattr(dut, name).value)
        assert got == want, f"op {n}: {name} got {got} expected {want} (dividend={x} divisor={d})"


@cocotb.test()
async def divides_like_divmod(dut):
    await start(dut)
    rng = random.Random(17)
    corners = [(0, 1), (255, 1), (255, 255), (254, 255), (255, 2), (1, 255), (128, 3), (100, 10), (7, 0), (0, 0),
               (255, 0), (200, 7), (255, 128), (127, 128), (9, 3)]
    ops = corners + [(rng.randint(0, 255), rng.choice([0, rng.randint(1, 15), rng.randint(1, 255)])) for _ in range(200)]
    for n, (x, d) in enumerate(ops):
        await divide(dut, n, x, d, rng)
        for _ in range(rng.randint(0, 2)):
            await FallingEdge(dut.clk)


@cocotb.test()
async def reset_clears_everything(dut):
    await start(dut)
    dut.start.value, dut.dividend.value, dut.divisor.value = 1, 5, 0
    await FallingEdge(dut.clk)
    dut.divisor.value = 3
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("busy", "done", "quotient", "remainder", "div_by_zero"):
        got = int(getattr(dut, name).value)
        assert got == 0, f"after reset: {name} got {got} expected 0"
