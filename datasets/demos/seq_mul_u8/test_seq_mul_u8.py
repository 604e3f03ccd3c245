"""cocotb test for seq_mul_u8: each product against a*b, exact busy/done timing, start ignored while busy,
result held after done, seeded random operands."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

STEPS = 8


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.start.value, dut.a.value, dut.b.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def multiply(dut, n: int, a: int, b: int, hold_start: bool = False) -> None:
    """Pulse start (or hold it for the whole operation) and check busy, done and product every cycle."""
    dut.start.value, dut.a.value, dut.b.value = 1, a, b
    for cycle in range(STEPS + 1):
        await RisingEdge(dut.clk)
        await ReadOnly()
        busy, done = int(dut.busy.value), int(dut.done.value)
        want_busy, want_done = int(cycle < STEPS), int(cycle == STEPS)
        where = f"op {n} cycle {cycle} (a={a} b={b})"
        assert busy == want_busy, f"{where}: busy got {busy} expected {want_busy}"
        assert done == want_done, f"{where}: done got {done} expected {want_done}"
        await FallingEdge(dut.clk)
        if not hold_start:
            # change the inputs while busy: they must be ignored
            dut.start.value, dut.a.value, dut.b.value = cycle % 2, (a + 1) % 256, (b + 3) % 256
    got = int(dut.product.value)
    assert got == a * b, f"op {n}: product got {got} expected {a * b} (a={a} b={b})"


@cocotb.test()
async def products_and_timing_match_the_model(dut):
    await start(dut)
    rng = random.Random(8)
    corners = [(0, 0), (255, 255), (255, 1), (1, 255), (0, 255), (255, 0), (128, 2), (170, 85), (1, 1), (16, 16)]
    ops = corners + [(rng.randint(0, 255), rng.randint(0, 255)) for _ in range(150)]
    for n, (a, b) in enumerate(ops):
        await multiply(dut, n, a, b)
        dut.start.value = 0
        idle = rng.randint(0, 2)
        for cycle in range(idle):  # the result is held while idle
            await RisingEdge(dut.clk)
            await ReadOnly()
            got, busy = int(dut.product.value), int(dut.busy.value)
            assert got == a * b, f"op {n} idle cycle {cycle}: product got {got} expected {a * b} (held)"
            assert busy == 0, f"op {n} idle cycle {cycle}: busy got {busy} expected 0"
            await FallingEdge(dut.clk)


@cocotb.test()
async def back_to_back_with_start_held_high(dut):
    await start(dut)
    for n, (a, b) in enumerate([(200, 201), (13, 0), (255, 254)]):
        dut.start.value, dut.a.value, dut.b.value = 1, a, b
        await multiply(dut, n, a, b, hold_start=True)


@cocotb.test()
async def reset_aborts_an_operation(dut):
    await start(dut)
    dut.start.value, dut.a.value, dut.b.value = 1, 99, 77
    for _ in range(4):
        await FallingEdge(dut.clk)
    dut.rst.value, dut.start.value = 1, 0
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("busy", "done", "product"):
        got = int(getattr(dut, name).value)
        assert got == 0, f"after reset: {name} got {got} expected 0"
