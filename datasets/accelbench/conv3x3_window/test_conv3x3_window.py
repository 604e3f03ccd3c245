"""cocotb test for conv3x3_window: a cycle model of the three-stage MAC pipeline (each stage loads only with
its valid bit) checked every cycle, single-tap windows that expose a wrong tap pairing, extremes, idle cycles
with junk inputs, and resets with windows in flight."""

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


def pack(vals: list[int]) -> int:
    return sum((v & 0xFF) << (8 * i) for i, v in enumerate(vals))


class Model:
    """Valid bits move one stage per edge; a stage's data loads only when the valid bit entering it is 1,
    so out_data changes only together with out_valid."""

    def __init__(self) -> None:
        self.valid = [0] * LATENCY
        self.data = [0] * LATENCY  # the value each stage's registers stand for (the window's final sum)
        self.tags = ["reset value (0)"] * LATENCY

    def edge(self, rst: int, valid: int, pix: list[int], wgt: list[int], tag: str) -> None:
        if rst:
            self.__init__()
            return
        new_data = list(self.data)
        new_tags = list(self.tags)
        for s in range(LATENCY - 1, 0, -1):
            if self.valid[s - 1]:
                new_data[s], new_tags[s] = self.data[s - 1], self.tags[s - 1]
        if valid:
            new_data[0], new_tags[0] = sum(p * w for p, w in zip(pix, wgt)), tag
        self.valid = [valid] + self.valid[:-1]
        self.data, self.tags = new_data, new_tags


async def start(dut) -> None:
    dut.rst.value, dut.in_valid.value, dut.pix.value, dut.wgt.value = 1, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    check(dut, "out_valid", 0, "in reset")
    check(dut, "out_data", 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def stimulus(rng: random.Random) -> list[tuple[int, int, list[int], list[int]]]:
    val = lambda: rng.choice([-128, 127, -1, 0, 1, rng.randint(-128, 127), rng.randint(-128, 127)])  # noqa: E731
    c = [(0, 1, [-128] * 9, [-128] * 9),          # 9 * 16384 = 147456 needs 19 bits
         (0, 1, [-128] * 9, [127] * 9),           # -146304
         (0, 1, [127] * 9, [127] * 9)]
    for tap in range(9):                          # one tap at a time, distinct weights elsewhere in junk pixels = 0
        pix = [0] * 9
        pix[tap] = tap + 2
        wgt = [10 * (t + 1) for t in range(9)]
        c.append((0, 1, pix, wgt))
    c += [(0, 0, [val() for _ in range(9)], [val() for _ in range(9)]) for _ in range(4)]   # idle with junk
    c += [(0, 1, [val() for _ in range(9)], [val() for _ in range(9)]) for _ in range(3)]
    c += [(1, 1, [100] * 9, [100] * 9)]           # reset with three windows in flight
    c += [(0, 1, [1] * 9, [2] * 9), (0, 0, [3] * 9, [3] * 9), (1, 0, [0] * 9, [0] * 9)]  # reset mid-pipeline
    c += [(0, 0, [7] * 9, [7] * 9)] * 4
    for _ in range(400):
        c.append((int(rng.random() < 0.01), int(rng.random() < 0.6),
                  [val() for _ in range(9)], [val() for _ in range(9)]))
    return c


@cocotb.test()
async def pipeline_matches_the_model_every_cycle(dut):
    await start(dut)
    model = Model()
    for cycle, (rst, valid, pix, wgt) in enumerate(stimulus(random.Random(2101))):
        dut.rst.value, dut.in_valid.value, dut.pix.value, dut.wgt.value = rst, valid, pack(pix), pack(wgt)
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, valid, pix, wgt, f"window of cycle {cycle}")
        where = f"cycle {cycle} (out_data should be the {model.tags[-1]}; inputs this cycle rst={rst} in_valid={valid})"
        check(dut, "out_valid", model.valid[-1], where)
        check(dut, "out_data", model.data[-1], where, signed=True)
        await FallingEdge(dut.clk)


@cocotb.test()
async def latency_is_exactly_three_edges(dut):
    await start(dut)
    pix = [1, -2, 3, -4, 5, -6, 7, -8, 9]
    wgt = [-128, 127, -1, 0, 64, -64, 2, 3, 5]
    want = sum(p * w for p, w in zip(pix, wgt))
    dut.in_valid.value, dut.pix.value, dut.wgt.value = 1, pack(pix), pack(wgt)
    for edge in range(1, 7):
        await RisingEdge(dut.clk)
        await ReadOnly()
        where = f"edge {edge} after one window (pix={pix} wgt={wgt})"
        check(dut, "out_valid", int(edge == LATENCY), where)
        check(dut, "out_data", want if edge >= LATENCY else 0, where, signed=True)
        await FallingEdge(dut.clk)
        dut.in_valid.value, dut.pix.value, dut.wgt.value = 0, pack([5] * 9), pack([5] * 9)
