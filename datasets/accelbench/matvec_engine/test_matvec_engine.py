"""cocotb test for matvec_engine: directed products (identity, extremes, transposition check), then a cycle model
of busy, done and y0..y3 under random writes, starts (also while busy), vector changes and a reset mid-run."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

OUTS = ("y0", "y1", "y2", "y3")


def check(dut, name: str, want: int, where: str, signed: bool = False) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if signed else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


def pack(vec: list[int]) -> int:
    return sum((v & 0xFF) << (8 * i) for i, v in enumerate(vec))


class Model:
    def __init__(self) -> None:
        self.m = [[0] * 4 for _ in range(4)]
        self.x = [0] * 4
        self.busy, self.done, self.count, self.y = 0, 0, 0, [0] * 4

    def edge(self, rst: int, w_en: int, addr: int, data: int, start: int, x: list[int]) -> None:
        if rst:
            self.__init__()
            return
        self.done = 0
        if not self.busy:
            if w_en:
                self.m[addr >> 2][addr & 3] = data
            if start:
                self.busy, self.count, self.x = 1, 0, list(x)
        else:
            self.count += 1
            if self.count == 4:
                self.busy, self.done = 0, 1
                self.y = [sum(self.m[r][c] * self.x[c] for c in range(4)) for r in range(4)]


async def start_clock(dut) -> None:
    dut.rst.value, dut.w_en.value, dut.w_addr.value, dut.w_data.value, dut.start.value, dut.x.value = 1, 0, 0, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("busy", "done", *OUTS):
        check(dut, name, 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, model: Model, cycles, label: str) -> None:
    for n, (rst, w_en, addr, data, start, x) in enumerate(cycles):
        dut.rst.value, dut.w_en.value, dut.w_addr.value, dut.w_data.value = rst, w_en, addr, data
        dut.start.value, dut.x.value = start, pack(x)
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, w_en, addr, data, start, x)
        where = f"{label} cycle {n} (rst={rst} w_en={w_en} w_addr={addr} w_data={data} start={start} x={x})"
        check(dut, "busy", model.busy, where)
        check(dut, "done", model.done, where)
        for name, want in zip(OUTS, model.y):
            check(dut, name, want, where, signed=True)
        await FallingEdge(dut.clk)


def load(matrix: list[list[int]]) -> list[tuple]:
    return [(0, 1, 4 * r + c, matrix[r][c], 0, [0] * 4) for r in range(4) for c in range(4)]


def compute(x: list[int], idle: int = 5) -> list[tuple]:
    garbage = [(0, 0, 0, 0, 0, [77, -77, 33, -33])] * idle  # x changes after start must not matter
    return [(0, 0, 0, 0, 1, x)] + garbage


@cocotb.test()
async def directed_products(dut):
    await start_clock(dut)
    model = Model()
    rng = random.Random(1901)
    # matrix never written after reset: all zero
    await run(dut, model, compute([5, 6, 7, 8]), "zero matrix")
    identity = [[int(r == c) for c in range(4)] for r in range(4)]
    await run(dut, model, load(identity) + compute([-128, 127, -1, 3]), "identity")
    asym = [[1, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 4], [5, 0, 0, -6]]  # M != M^T: catches a transpose
    await run(dut, model, load(asym) + compute([10, 20, 30, 40]), "asymmetric")
    await run(dut, model, load([[-128] * 4] * 4) + compute([-128] * 4), "extreme +65536")
    await run(dut, model, compute([127] * 4), "extreme -65024")
    cols = [[rng.randint(-128, 127) for _ in range(4)] for _ in range(4)]
    await run(dut, model, load(cols) + compute([1, 0, 0, 0]) + compute([0, 0, 0, 1]), "single columns")


@cocotb.test()
async def matches_the_model_under_random_traffic(dut):
    await start_clock(dut)
    model = Model()
    rng = random.Random(1902)
    cycles = []
    for n in range(500):
        rst = int(n == 250)
        start = int(rng.random() < 0.25)
        w_en = int(rng.random() < 0.5)  # also while busy: must be ignored
        value = rng.choice([-128, 127, -1, 0, rng.randint(-128, 127), rng.randint(-128, 127)])
        x = [rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(4)]
        cycles.append((rst, w_en, rng.randrange(16), value, start, x))
    await run(dut, model, cycles, "random")
