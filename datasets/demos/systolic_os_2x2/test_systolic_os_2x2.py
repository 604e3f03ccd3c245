"""cocotb test for systolic_os_2x2: skewed operands give C = A x B, and a cycle model of the array under
random stalls and clears."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ACC_W = 20
OUTS = ("c00", "c01", "c10", "c11")


def wrap(value: int) -> int:
    value &= (1 << ACC_W) - 1
    return value - (1 << ACC_W) if value >> (ACC_W - 1) else value


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.clear.value, dut.en.value = 1, 0, 0
    dut.a0.value, dut.a1.value, dut.b0.value, dut.b1.value = 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def skewed(a: list[list[int]], b: list[list[int]], k: int, cycle: int) -> tuple[int, int, int, int]:
    """Edge operands at `cycle`: row i and column j are delayed by i and j cycles; zeros outside."""
    get = lambda seq, t: seq[t] if 0 <= t < k else 0  # noqa: E731
    return (get(a[0], cycle), get(a[1], cycle - 1), get([r[0] for r in b], cycle), get([r[1] for r in b], cycle - 1))


@cocotb.test()
async def multiplies_skewed_matrices(dut):
    await start(dut)
    rng = random.Random(66)
    cases = [[[-128] * 16, [-128] * 16], None, None, None]
    for case, rows in enumerate(cases):
        k = 16 if rows else rng.randint(1, 12)
        a = rows or [[rng.randint(-128, 127) for _ in range(k)] for _ in range(2)]
        b = [[-128, -128] for _ in range(k)] if rows else [[rng.randint(-128, 127) for _ in range(2)] for _ in range(k)]
        dut.clear.value = 1
        await FallingEdge(dut.clk)
        dut.clear.value, dut.en.value = 0, 1
        for cycle in range(k + 2):
            dut.a0.value, dut.a1.value, dut.b0.value, dut.b1.value = skewed(a, b, k, cycle)
            await FallingEdge(dut.clk)
        dut.en.value = 0
        await ReadOnly()
        for i in range(2):
            for j in range(2):
                want = wrap(sum(a[i][t] * b[t][j] for t in range(k)))
                got = getattr(dut, f"c{i}{j}").value.to_signed()
                assert got == want, f"case {case} (K={k}): c{i}{j} got {got} expected {want}"
        await FallingEdge(dut.clk)


@cocotb.test()
async def matches_cycle_model_with_stalls_and_clears(dut):
    await start(dut)
    rng = random.Random(77)
    acc = [0, 0, 0, 0]
    a0_r = a1_r = b0_r = b1_r = 0
    for cycle in range(600):
        en, clear = int(rng.random() < 0.8), int(rng.random() < 0.03)
        a0, a1, b0, b1 = (rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(4))
        dut.en.value, dut.clear.value = en, clear
        dut.a0.value, dut.a1.value, dut.b0.value, dut.b1.value = a0, a1, b0, b1
        await RisingEdge(dut.clk)
        await ReadOnly()
        if clear:
            acc, a0_r, a1_r, b0_r, b1_r = [0, 0, 0, 0], 0, 0, 0, 0
        elif en:
            products = [a0 * b0, a0_r * b1, a1 * b0_r, a1_r * b1_r]
            acc = [wrap(c + p) for c, p in zip(acc, products)]
            a0_r, a1_r, b0_r, b1_r = a0, a1, b0, b1
        for name, want in zip(OUTS, acc):
            got = getattr(dut, name).value.to_signed()
            assert got == want, f"cycle {cycle}: {name} got {got} expected {want} (en={en} clear={clear})"
        await FallingEdge(dut.clk)
