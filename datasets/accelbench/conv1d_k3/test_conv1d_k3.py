"""cocotb test for conv1d_k3: a model of the valid-mode kernel-3 convolution, one output per sample once three
samples have arrived, checked every cycle through gaps, weight reloads (also on a sample's edge), extremes and
a reset mid-stream that must empty the window."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def check(dut, name: str, want: int, where: str, signed: bool = False) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if signed else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


class Model:
    def __init__(self) -> None:
        self.k = [0, 0, 0]
        self.window: list[int] = []  # samples since reset, oldest first (last three kept)
        self.out_valid, self.out_data = 0, 0

    def edge(self, rst: int, w_we: int, w: list[int], valid: int, x: int) -> None:
        if rst:
            self.__init__()
            return
        self.out_valid = 0
        if valid:
            self.window = (self.window + [x])[-3:]
            if len(self.window) == 3:
                self.out_valid = 1
                self.out_data = sum(k * s for k, s in zip(self.k, self.window))  # weights before this edge
        if w_we:
            self.k = list(w)


async def start(dut) -> None:
    dut.rst.value, dut.w_we.value, dut.in_valid.value, dut.in_data.value = 1, 0, 0, 0
    dut.w0.value, dut.w1.value, dut.w2.value = 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    check(dut, "out_valid", 0, "in reset")
    check(dut, "out_data", 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def stimulus(rng: random.Random) -> list[tuple[int, int, list[int], int, int]]:
    """(rst, w_we, [w0, w1, w2], in_valid, in_data) per cycle; w inputs carry junk whenever w_we is low."""
    junk = lambda: [rng.randint(-128, 127) for _ in range(3)]  # noqa: E731
    c = [(0, 0, junk(), 1, 5), (0, 0, junk(), 1, 6), (0, 0, junk(), 1, 7)]       # weights still 0 after reset
    c += [(0, 1, [1, 10, 100], 0, 99)]                                           # distinct weights: order shows
    c += [(0, 0, junk(), 1, v) for v in (1, 2, 3, 4)]
    c += [(0, 0, junk(), 0, 55), (0, 0, junk(), 0, -55)]                         # gaps do not shift the window
    c += [(0, 0, junk(), 1, 5), (0, 0, junk(), 1, -6)]
    c += [(0, 1, [-128, -128, -128], 1, -128), (0, 0, junk(), 1, -128), (0, 0, junk(), 1, -128)]  # +49152
    c += [(0, 1, [127, 127, 127], 0, 0)] + [(0, 0, junk(), 1, -128)] * 3         # -48768
    c += [(0, 1, [127, -128, 127], 1, 127), (0, 0, junk(), 1, -128), (0, 0, junk(), 1, 127)]
    c += [(1, 0, junk(), 1, 50), (0, 1, [2, 3, 4], 1, 1), (0, 0, junk(), 1, 2), (0, 0, junk(), 0, 0),
          (0, 0, junk(), 1, 3), (0, 0, junk(), 1, 4)]                             # reset: refill the window
    for _ in range(400):
        rst = int(rng.random() < 0.01)
        w_we = int(rng.random() < 0.06)
        sample = rng.choice([-128, 127, -1, 0, rng.randint(-128, 127), rng.randint(-128, 127)])
        w = [rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(3)]
        c.append((rst, w_we, w, int(rng.random() < 0.7), sample))
    return c


@cocotb.test()
async def convolves_like_the_model(dut):
    await start(dut)
    model = Model()
    for cycle, (rst, w_we, w, valid, x) in enumerate(stimulus(random.Random(2001))):
        dut.rst.value, dut.w_we.value, dut.in_valid.value, dut.in_data.value = rst, w_we, valid, x
        dut.w0.value, dut.w1.value, dut.w2.value = w
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, w_we, w, valid, x)
        where = f"cycle {cycle} (rst={rst} w_we={w_we} w={w} in_valid={valid} in_data={x}; window={model.window})"
        check(dut, "out_valid", model.out_valid, where)
        check(dut, "out_data", model.out_data, where, signed=True)
        await FallingEdge(dut.clk)
