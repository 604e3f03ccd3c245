"""cocotb test for systolic_os_3x3: skewed matrices give C = A x B (with stalls), and a cycle model of every
operand register and accumulator under random en, clear and reset."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

OUTS = [[f"c{i}{j}" for j in range(3)] for i in range(3)]


def wrap32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def check(dut, name: str, want: int, where: str, signed: bool = False) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if signed else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


def drive(dut, a: list[int], b: list[int]) -> None:
    dut.a0.value, dut.a1.value, dut.a2.value = a
    dut.b0.value, dut.b1.value, dut.b2.value = b


async def start(dut) -> None:
    dut.rst.value, dut.clear.value, dut.en.value = 1, 0, 0
    drive(dut, [0, 0, 0], [0, 0, 0])
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for i in range(3):
        for j in range(3):
            check(dut, OUTS[i][j], 0, "in reset", signed=True)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def skewed(a: list[list[int]], b: list[list[int]], k: int, t: int) -> tuple[list[int], list[int]]:
    """Edge operands at enabled step t: row i carries A[i][t-i], column j carries B[t-j][j]; zero outside."""
    left = [a[i][t - i] if 0 <= t - i < k else 0 for i in range(3)]
    top = [b[t - j][j] if 0 <= t - j < k else 0 for j in range(3)]
    return left, top


@cocotb.test()
async def multiplies_skewed_matrices_with_stalls(dut):
    await start(dut)
    rng = random.Random(1701)
    cases = []
    cases.append(([[-128] * 3] * 3, [[-128] * 3] * 3))                      # every c = 3 * 16384 = 49152
    cases.append(([[-128] * 3] * 3, [[127] * 3] * 3))
    cases.append(([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]))  # identity
    cases.append(([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    cases.append(([[0, 1, 0], [0, 0, 1], [1, 0, 0]], [[2, -3, 5], [-7, 11, -13], [17, -19, 23]]))  # permutation
    for _ in range(3):
        cases.append(([[rng.randint(-128, 127) for _ in range(3)] for _ in range(3)],
                      [[rng.randint(-128, 127) for _ in range(3)] for _ in range(3)]))
    for _ in range(4):  # A is 3 x K and B is K x 3 for other inner sizes
        k = rng.choice([1, 2, 5, 9, 16])
        cases.append(([[rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(k)] for _ in range(3)],
                      [[rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(3)] for _ in range(k)]))
    for case, (a, b) in enumerate(cases):
        k = len(b)
        stall = case % 2 == 1  # odd cases insert stall cycles with garbage on the edges
        dut.clear.value, dut.en.value = 1, 0
        drive(dut, [99, -99, 42], [-42, 7, -7])  # ignored: clear wins
        await FallingEdge(dut.clk)
        dut.clear.value = 0
        t = 0
        while t < k + 4:
            if stall and rng.random() < 0.35:
                dut.en.value = 0
                drive(dut, [rng.randint(-128, 127) for _ in range(3)], [rng.randint(-128, 127) for _ in range(3)])
            else:
                dut.en.value = 1
                drive(dut, *skewed(a, b, k, t))
                t += 1
            await FallingEdge(dut.clk)
        dut.en.value = 0
        drive(dut, [127, 127, 127], [127, 127, 127])
        await RisingEdge(dut.clk)
        await ReadOnly()
        for i in range(3):
            for j in range(3):
                want = wrap32(sum(a[i][t] * b[t][j] for t in range(k)))
                check(dut, OUTS[i][j], want, f"case {case} (K={k}, stalls={stall}) after {k + 4} enabled cycles + 1 idle",
                      signed=True)
        await FallingEdge(dut.clk)


@cocotb.test()
async def matches_cycle_model_with_stalls_clears_and_reset(dut):
    await start(dut)
    rng = random.Random(1702)
    acc = [[0] * 3 for _ in range(3)]
    aq = [[0] * 3 for _ in range(3)]
    bq = [[0] * 3 for _ in range(3)]
    for cycle in range(400):
        en, clear, rst = int(rng.random() < 0.8), int(rng.random() < 0.04), int(rng.random() < 0.01)
        left = [rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(3)]
        top = [rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(3)]
        dut.en.value, dut.clear.value, dut.rst.value = en, clear, rst
        drive(dut, left, top)
        await RisingEdge(dut.clk)
        await ReadOnly()
        if rst or clear:
            acc = [[0] * 3 for _ in range(3)]
            aq = [[0] * 3 for _ in range(3)]
            bq = [[0] * 3 for _ in range(3)]
        elif en:
            a_op = [[left[i] if j == 0 else aq[i][j - 1] for j in range(3)] for i in range(3)]
            b_op = [[top[j] if i == 0 else bq[i - 1][j] for j in range(3)] for i in range(3)]
            acc = [[wrap32(acc[i][j] + a_op[i][j] * b_op[i][j]) for j in range(3)] for i in range(3)]
            aq, bq = a_op, b_op
        where = f"cycle {cycle} (en={en} clear={clear} rst={rst} a={left} b={top})"
        for i in range(3):
            for j in range(3):
                check(dut, OUTS[i][j], acc[i][j], where, signed=True)
        await FallingEdge(dut.clk)
    dut.rst.value, dut.clear.value = 0, 0
