"""cocotb test for systolic_ws_2x2: weights loaded, activation vectors streamed with gaps; each y = x * W must
appear exactly three rising edges after its x, y must read 0 on invalid slots, and rst must clear the weights."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

LATENCY = 3


def check(dut, name: str, want: int, where: str, signed: bool = False) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if signed else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


class Model:
    """Weights plus a LATENCY-deep pipeline of (valid, y0, y1, description) slots."""

    def __init__(self) -> None:
        self.w = [[0, 0], [0, 0]]
        self.pipe = [(0, 0, 0, "empty")] * LATENCY

    def edge(self, rst: int, w_load: int, w: list[list[int]], valid: int, x: list[int], tag: str) -> None:
        if rst:
            self.__init__()
            return
        if valid:
            slot = (1, x[0] * self.w[0][0] + x[1] * self.w[1][0], x[0] * self.w[0][1] + x[1] * self.w[1][1],
                    f"{tag} x={x} W={self.w}")
        else:
            slot = (0, 0, 0, f"{tag} (invalid slot)")
        self.pipe = [slot] + self.pipe[:-1]
        if w_load:
            self.w = [row[:] for row in w]

    @property
    def out(self) -> tuple[int, int, int, str]:
        return self.pipe[-1]


async def start(dut) -> None:
    dut.rst.value, dut.w_load.value, dut.x_valid.value = 1, 0, 0
    for name in ("w00", "w01", "w10", "w11", "x0", "x1"):
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("y_valid", "y0", "y1"):
        check(dut, name, 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def schedule(rng: random.Random) -> list[tuple[int, int, list[list[int]], int, list[int]]]:
    """(rst, w_load, W, x_valid, x) per cycle. Weights change only with the array empty."""
    weight_sets = [
        [[1, 0], [0, 1]], [[2, 3], [5, 7]], [[-128, -128], [-128, -128]], [[127, -128], [-128, 127]],
        [[0, 1], [1, 0]], [[-1, 0], [0, 0]], [[0, 0], [0, 5]],
    ] + [[[rng.randint(-128, 127) for _ in range(2)] for _ in range(2)] for _ in range(5)]
    cycles = []
    junk = lambda: [rng.randint(-128, 127), rng.randint(-128, 127)]  # noqa: E731
    for n, w in enumerate(weight_sets):
        cycles.append((0, 1, w, 0, junk()))
        first = [[-128, -128], [127, 127], [-128, 127], [1, 0], [0, 1], [1, 1]]
        for k in range(28):
            if k < len(first):
                cycles.append((0, 0, [[9, 9], [9, 9]], 1, first[k]))  # back-to-back vectors, W inputs ignored
            else:
                valid = int(rng.random() < 0.6)
                cycles.append((0, 0, [[rng.randint(-128, 127)] * 2] * 2, valid,
                               [rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(2)]))
        if n == 3:  # reset in mid-stream: pipeline flushed, weights back to 0
            cycles.append((1, 0, w, 1, [50, 60]))
            cycles += [(0, 0, w, 1, [rng.randint(-128, 127), rng.randint(-128, 127)]) for _ in range(6)]
        cycles += [(0, 0, w, 0, junk()), (0, 0, w, 0, junk())]  # drain before the next weight load
    return cycles


@cocotb.test()
async def streams_vectors_through_the_array(dut):
    await start(dut)
    model = Model()
    for cycle, (rst, w_load, w, valid, x) in enumerate(schedule(random.Random(1801))):
        dut.rst.value, dut.w_load.value, dut.x_valid.value = rst, w_load, valid
        dut.w00.value, dut.w01.value, dut.w10.value, dut.w11.value = w[0][0], w[0][1], w[1][0], w[1][1]
        dut.x0.value, dut.x1.value = x
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, w_load, w, valid, x, f"cycle {cycle}")
        want_valid, want_y0, want_y1, what = model.out
        where = f"cycle {cycle} (output for the vector sampled at {what})"
        check(dut, "y_valid", want_valid, where)
        check(dut, "y0", want_y0, where, signed=True)
        check(dut, "y1", want_y1, where, signed=True)
        await FallingEdge(dut.clk)


@cocotb.test()
async def one_vector_takes_exactly_three_edges(dut):
    await start(dut)
    dut.w_load.value, dut.w00.value, dut.w01.value, dut.w10.value, dut.w11.value = 1, 3, -5, 7, 11
    await FallingEdge(dut.clk)
    dut.w_load.value, dut.w00.value, dut.w01.value, dut.w10.value, dut.w11.value = 0, 0, 0, 0, 0
    dut.x_valid.value, dut.x0.value, dut.x1.value = 1, -100, 90
    want = (-100 * 3 + 90 * 7, -100 * -5 + 90 * 11)
    for edge in range(1, 7):
        await RisingEdge(dut.clk)
        await ReadOnly()
        on = edge == LATENCY
        where = f"edge {edge} after x=[-100, 90] with W=[[3, -5], [7, 11]]"
        check(dut, "y_valid", int(on), where)
        check(dut, "y0", want[0] if on else 0, where, signed=True)
        check(dut, "y1", want[1] if on else 0, where, signed=True)
        await FallingEdge(dut.clk)
        dut.x_valid.value, dut.x0.value, dut.x1.value = 0, 55, -55
