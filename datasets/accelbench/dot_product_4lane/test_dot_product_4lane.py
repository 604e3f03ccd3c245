"""cocotb test for dot_product_4lane: a cycle model of the two-stage pipeline (products, then the adder tree),
checked on every cycle, with signed extremes, garbage on idle cycles and a reset mid-stream.

The number of lanes N is read from the design (the width of `a`), so the same test checks any N a sweep sets
(`aigchip explore ... --param N=1,2,4,8`); with the default N = 4 the stimulus is exactly the one it always was.
A third test measures one job, a 32-element dot product fed N lanes per cycle, and writes its cycles to
`cost.json` in the run folder (`latency_cycles`), where aigchip reads them."""

import json
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

JOB_LENGTH = 32  # elements of one job's vectors in the cycles-per-job measurement


def lanes_of(dut) -> int:
    return len(dut.a) // 8


def fit(values: list[int], n: int) -> list[int]:
    """A 4-lane corner vector for n lanes: repeated or cut (unchanged for n = 4)."""
    return (values * (n // len(values) + 1))[:n]


def check(dut, name: str, want: int, where: str, signed: bool = False) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if signed else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


def pack(lanes: list[int]) -> int:
    return sum((v & 0xFF) << (8 * i) for i, v in enumerate(lanes))


class Model:
    """The registers of the design, advanced one rising edge at a time."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.prod, self.prod_valid, self.out_valid, self.result = [0] * n, 0, 0, 0

    def edge(self, rst: int, valid: int, a: list[int], b: list[int]) -> None:
        if rst:
            self.__init__(self.n)
            return
        self.out_valid = self.prod_valid
        if self.prod_valid:
            self.result = sum(self.prod)
        if valid:
            self.prod = [x * y for x, y in zip(a, b)]
        self.prod_valid = valid


async def start(dut) -> None:
    dut.rst.value, dut.in_valid.value, dut.a.value, dut.b.value = 1, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("out_valid", "result"):
        check(dut, name, 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def lane(rng: random.Random) -> int:
    return rng.choice([-128, 127, -1, 0, 1, rng.randint(-128, 127), rng.randint(-128, 127), rng.randint(-128, 127)])


def stimulus(rng: random.Random, n: int) -> list[tuple[int, int, list[int], list[int]]]:
    """(rst, in_valid, a, b) per cycle."""
    corners = [
        (0, 1, [-128] * 4, [-128] * 4),        # +65536: needs 18 bits
        (0, 1, [-128] * 4, [127] * 4),         # -65024
        (0, 1, [127] * 4, [127] * 4),
        (0, 1, [127, -128, 127, -128], [-128, -128, 127, 127]),
        (0, 0, [5] * 4, [7] * 4),              # idle cycle with non-zero data
        (0, 1, [1, 2, 3, 4], [0, 0, 0, 0]),
        (0, 1, [1, 0, 0, 0], [1, 0, 0, 0]),    # lane 0 only
        (0, 1, [0, 0, 0, 1], [0, 0, 0, -1]),   # lane 3 only
        (0, 1, [0, 1, 0, 0], [0, 3, 0, 0]),    # lane 1 only
        (0, 1, [0, 0, -2, 0], [0, 0, 9, 0]),   # lane 2 only
        (0, 0, [-128] * 4, [-128] * 4),
        (0, 0, [100] * 4, [-100] * 4),
        (0, 1, [3, -3, 3, -3], [3, 3, 3, 3]),  # sums to zero
        (0, 0, [9] * 4, [9] * 4),
        (0, 1, [-128] * 4, [-128] * 4),
        (1, 1, [11] * 4, [11] * 4),            # reset while both stages are full
        (0, 1, [2] * 4, [2] * 4),
        (1, 0, [0] * 4, [0] * 4),              # reset while stage 1 is full
        (0, 0, [1] * 4, [1] * 4),
        (0, 0, [1] * 4, [1] * 4),
    ]
    randoms = []
    for _ in range(500):
        rst = int(rng.random() < 0.01)
        randoms.append((rst, int(rng.random() < 0.65), [lane(rng) for _ in range(n)], [lane(rng) for _ in range(n)]))
    return [(rst, valid, fit(a, n), fit(b, n)) for rst, valid, a, b in corners] + randoms


@cocotb.test()
async def pipeline_matches_the_model_every_cycle(dut):
    await start(dut)
    n = lanes_of(dut)
    model = Model(n)
    for cycle, (rst, valid, a, b) in enumerate(stimulus(random.Random(1601), n)):
        dut.rst.value, dut.in_valid.value, dut.a.value, dut.b.value = rst, valid, pack(a), pack(b)
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, valid, a, b)
        where = f"cycle {cycle} (inputs this cycle: rst={rst} in_valid={valid} a={a} b={b})"
        check(dut, "out_valid", model.out_valid, where)
        check(dut, "result", model.result, where, signed=True)
        await FallingEdge(dut.clk)


@cocotb.test()
async def latency_is_exactly_two_edges(dut):
    await start(dut)
    n = lanes_of(dut)
    a, b = fit([-128, 127, -7, 100], n), fit([-128, -128, 3, 99], n)
    want = sum(x * y for x, y in zip(a, b))
    dut.in_valid.value, dut.a.value, dut.b.value = 1, pack(a), pack(b)
    for edge in range(1, 6):
        await RisingEdge(dut.clk)
        await ReadOnly()
        check(dut, "out_valid", int(edge == 2), f"edge {edge} after one vector")
        if edge == 2:
            check(dut, "result", want, f"edge {edge} after the vector a={a} b={b}", signed=True)
        await FallingEdge(dut.clk)
        dut.in_valid.value, dut.a.value, dut.b.value = 0, pack([1] * n), pack([1] * n)
    check(dut, "result", want, "3 edges after the only valid output (result must hold)", signed=True)


@cocotb.test()
async def one_job_is_measured_in_cycles(dut):
    """A job: the dot product of two JOB_LENGTH-element vectors, fed N lanes a cycle back to back; its partial
    results summed must equal the whole product. Cycles run from the edge that samples the first beat to the
    edge after which the last partial result is out."""
    await start(dut)
    n = lanes_of(dut)
    rng = random.Random(1602)
    a = [rng.randint(-128, 127) for _ in range(JOB_LENGTH)]
    b = [rng.randint(-128, 127) for _ in range(JOB_LENGTH)]
    beats = [(a[i:i + n] + [0] * n)[:n] for i in range(0, JOB_LENGTH, n)]
    b_beats = [(b[i:i + n] + [0] * n)[:n] for i in range(0, JOB_LENGTH, n)]
    total, seen, cycles = 0, 0, 0
    while seen < len(beats):
        if cycles < len(beats):
            dut.in_valid.value, dut.a.value, dut.b.value = 1, pack(beats[cycles]), pack(b_beats[cycles])
        else:
            dut.in_valid.value = 0
        await RisingEdge(dut.clk)
        cycles += 1
        await ReadOnly()
        if int(dut.out_valid.value):
            total += dut.result.value.to_signed()
            seen += 1
        assert cycles <= len(beats) + 16, f"edge {cycles}: only {seen} of {len(beats)} partial results came out"
        await FallingEdge(dut.clk)
    want = sum(x * y for x, y in zip(a, b))
    assert total == want, f"job of {JOB_LENGTH} elements over {n} lanes: partial results sum to {total} expected {want}"
    with open("cost.json", "w", encoding="utf-8") as f:  # the run folder; aigchip verify --keep keeps it
        json.dump({"latency_cycles": cycles, "cycles_per_job": cycles, "lanes": n,
                   "job": f"dot product of two {JOB_LENGTH}-element int8 vectors"}, f)
