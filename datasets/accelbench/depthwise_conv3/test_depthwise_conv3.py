"""cocotb test for depthwise_conv3: per-channel valid-mode 3-tap convolution, four channels at once, through a
two-stage pipeline; checks every cycle with gaps, per-tap weight writes (also on a sample's edge and to the
unused addresses 12..15), distinct per-channel kernels, extremes and resets mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

CH, TAPS, LATENCY = 4, 3, 2


def pack(vals: list[int], width: int) -> int:
    return sum((v & ((1 << width) - 1)) << (width * i) for i, v in enumerate(vals))


def lanes(value: int, width: int, count: int) -> list[int]:
    out = []
    for i in range(count):
        v = (value >> (width * i)) & ((1 << width) - 1)
        out.append(v - (1 << width) if v >> (width - 1) else v)
    return out


def check_y(dut, want: list[int], where: str) -> None:
    value = dut.y.value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: y got {value} (X/Z) expected channels {want}")
    got = lanes(int(value), 32, CH)
    for c in range(CH):
        assert got[c] == want[c], f"{where}: y channel {c} got {got[c]} expected {want[c]} (all channels got {got} expected {want})"


def check(dut, name: str, want: int, where: str) -> None:
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    assert int(value) == want, f"{where}: {name} got {int(value)} expected {want}"


class Model:
    def __init__(self) -> None:
        self.k = [[0] * TAPS for _ in range(CH)]
        self.hist: list[list[int]] = []  # accepted sample vectors since reset, last three kept
        self.p_valid, self.p_sum = 0, [0] * CH     # stage 1 (sums of its products)
        self.out_valid, self.y = 0, [0] * CH

    def edge(self, rst: int, w_we: int, addr: int, data: int, valid: int, x: list[int]) -> None:
        if rst:
            self.__init__()
            return
        self.out_valid = self.p_valid
        if self.p_valid:
            self.y = list(self.p_sum)
        self.p_valid = 0
        if valid:
            self.hist = (self.hist + [list(x)])[-3:]
            if len(self.hist) == 3:
                self.p_valid = 1
                self.p_sum = [sum(self.k[c][t] * self.hist[t][c] for t in range(TAPS)) for c in range(CH)]
        if w_we and addr < 12:
            self.k[addr // 3][addr % 3] = data


async def start(dut) -> None:
    dut.rst.value, dut.w_we.value, dut.w_addr.value, dut.w_data.value, dut.in_valid.value, dut.x.value = 1, 0, 0, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    check(dut, "out_valid", 0, "in reset")
    check_y(dut, [0] * CH, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def writes(kernels: list[list[int]]) -> list[tuple]:
    return [(0, 1, 3 * c + t, kernels[c][t], 0, [0] * CH) for c in range(CH) for t in range(TAPS)]


def stimulus(rng: random.Random) -> list[tuple]:
    """(rst, w_we, w_addr, w_data, in_valid, x) per cycle."""
    val = lambda: rng.choice([-128, 127, -1, 0, rng.randint(-128, 127), rng.randint(-128, 127)])  # noqa: E731
    distinct = [[1, 2, 3], [-4, 5, -6], [7, -8, 9], [10, 20, 30]]
    c = writes(distinct)
    c += [(0, 1, a, 99, 0, [0] * CH) for a in (12, 13, 14, 15)]                 # unused addresses: no effect
    c += [(0, 0, 0, 0, 1, [1, 10, 100, -1]), (0, 0, 0, 0, 0, [9] * CH), (0, 0, 0, 0, 1, [2, 20, -100, -2]),
          (0, 0, 0, 0, 1, [3, 30, 50, -3]), (0, 0, 0, 0, 1, [4, 40, -50, -4])]
    c += [(0, 1, 4, -128, 1, [5, 50, 25, -5])]                                    # write on a sample's edge
    c += [(0, 0, 0, 0, 1, [6, 60, 12, -6]), (0, 0, 0, 0, 0, [0] * CH)]
    c += writes([[-128] * 3] * 4) + [(0, 0, 0, 0, 1, [-128] * CH)] * 4            # +49152 per channel
    c += writes([[127] * 3, [-128] * 3, [127, -128, 127], [0, 0, 1]])
    c += [(0, 0, 0, 0, 1, [-128, -128, 127, 127])] * 3 + [(0, 0, 0, 0, 1, [127, 127, -128, -128])] * 2
    c += [(1, 0, 0, 0, 1, [1] * CH)]                                              # reset: kernels and window cleared
    c += [(0, 0, 0, 0, 1, [rng.randint(-128, 127) for _ in range(CH)]) for _ in range(4)]
    c += writes([[rng.randint(-128, 127) for _ in range(3)] for _ in range(4)])
    for _ in range(350):
        w_we = int(rng.random() < 0.15)
        c.append((int(rng.random() < 0.01), w_we, rng.randrange(16), val(), int(rng.random() < 0.65),
                  [val() for _ in range(CH)]))
    return c


@cocotb.test()
async def convolves_every_channel_like_the_model(dut):
    await start(dut)
    model = Model()
    for cycle, (rst, w_we, addr, data, valid, x) in enumerate(stimulus(random.Random(2201))):
        dut.rst.value, dut.w_we.value, dut.w_addr.value, dut.w_data.value = rst, w_we, addr, data & 0xFF
        dut.in_valid.value, dut.x.value = valid, pack(x, 8)
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, w_we, addr, data, valid, x)
        where = f"cycle {cycle} (rst={rst} w_we={w_we} w_addr={addr} w_data={data} in_valid={valid} x={x})"
        check(dut, "out_valid", model.out_valid, where)
        check_y(dut, model.y, where)
        await FallingEdge(dut.clk)
