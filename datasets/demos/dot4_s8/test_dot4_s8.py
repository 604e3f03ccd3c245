"""cocotb test for dot4_s8: a Python dot product of four int8 lanes, registered one cycle later."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def pack(lanes: list[int]) -> int:
    return sum((v & 0xFF) << (8 * i) for i, v in enumerate(lanes))


def stimulus(rng: random.Random) -> list[tuple[int, list[int], list[int]]]:
    corners = [(1, [-128] * 4, [-128] * 4), (1, [127] * 4, [-128] * 4), (1, [127] * 4, [127] * 4),
               (0, [1] * 4, [1] * 4), (1, [0] * 4, [0] * 4), (1, [1, -1, 2, -2], [5, 5, 5, 5]),
               (1, [-128, 127, -1, 0], [-1, 1, -128, 127])]
    lane = lambda: rng.choice([-128, 127, 0, -1, rng.randint(-128, 127), rng.randint(-128, 127)])  # noqa: E731
    randoms = [(int(rng.random() < 0.75), [lane() for _ in range(4)], [lane() for _ in range(4)]) for _ in range(500)]
    return corners + randoms


@cocotb.test()
async def dot_product_like_the_model(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.valid_in.value, dut.a.value, dut.b.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    dot = 0
    for cycle, (valid, a, b) in enumerate(stimulus(random.Random(44))):
        dut.valid_in.value, dut.a.value, dut.b.value = valid, pack(a), pack(b)
        await RisingEdge(dut.clk)
        await ReadOnly()
        if valid:
            dot = sum(x * y for x, y in zip(a, b))
        got_valid, got_dot = int(dut.valid_out.value), dut.dot.value.to_signed()
        assert got_valid == valid, f"cycle {cycle}: valid_out got {got_valid} expected {valid}"
        assert got_dot == dot, f"cycle {cycle}: dot got {got_dot} expected {dot} (a={a} b={b} valid={valid})"
        await FallingEdge(dut.clk)
