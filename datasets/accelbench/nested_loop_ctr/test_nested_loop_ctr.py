"""cocotb test for nested_loop_ctr: full-speed iteration orders for several bound sets (including 1x1x1 and a
255-long inner loop), zero bounds, random stalls, bounds changing mid-run (must be latched), start ignored
while busy, restart in the done cycle, and reset mid-run; every output checked on every cycle."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

OUTS = ("busy", "i", "j", "k", "last_k", "last_j", "last_i", "done")


def check(dut, name: str, want: int, where: str) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    assert int(value) == want, f"{where}: {name} got {int(value)} expected {want}"


class Model:
    def __init__(self) -> None:
        self.busy, self.done, self.i, self.j, self.k = 0, 0, 0, 0, 0
        self.bounds = (1, 1, 1)

    def flags(self) -> tuple[int, int, int]:
        bi, bj, bk = self.bounds
        lk = int(self.busy and self.k == bk - 1)
        lj = int(lk and self.j == bj - 1)
        return lk, lj, int(lj and self.i == bi - 1)

    def edge(self, rst: int, start: int, en: int, bounds: tuple[int, int, int]) -> None:
        if rst:
            self.__init__()
            return
        self.done = 0
        if not self.busy:
            if start:
                self.bounds, self.i, self.j, self.k = bounds, 0, 0, 0
                if 0 in bounds:
                    self.done = 1
                else:
                    self.busy = 1
        elif en:
            lk, lj, li = self.flags()
            if li:
                self.busy, self.done, self.i, self.j, self.k = 0, 1, 0, 0, 0
            elif lj:
                self.i, self.j, self.k = self.i + 1, 0, 0
            elif lk:
                self.j, self.k = self.j + 1, 0
            else:
                self.k += 1

    def outputs(self) -> dict[str, int]:
        lk, lj, li = self.flags()
        return {"busy": self.busy, "i": self.i, "j": self.j, "k": self.k, "last_k": lk, "last_j": lj,
                "last_i": li, "done": self.done}


async def begin(dut) -> None:
    dut.rst.value, dut.start.value, dut.en.value = 1, 0, 0
    dut.bound_i.value, dut.bound_j.value, dut.bound_k.value = 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in OUTS:
        check(dut, name, 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, model: Model, cycles, label: str) -> list[tuple[int, int, int]]:
    """Drive (rst, start, en, (I, J, K)) per cycle; returns the (i, j, k) of every enabled busy cycle."""
    visited = []
    for n, (rst, start, en, bounds) in enumerate(cycles):
        dut.rst.value, dut.start.value, dut.en.value = rst, start, en
        dut.bound_i.value, dut.bound_j.value, dut.bound_k.value = bounds
        if model.busy and en and not rst:
            visited.append((model.i, model.j, model.k))
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, start, en, bounds)
        where = f"{label} cycle {n} (rst={rst} start={start} en={en} bounds I,J,K={bounds}; latched {model.bounds})"
        for name, want in model.outputs().items():
            check(dut, name, want, where)
        await FallingEdge(dut.clk)
    return visited


@cocotb.test()
async def full_speed_orders(dut):
    await begin(dut)
    model = Model()
    for bounds in [(2, 3, 4), (1, 1, 1), (3, 1, 2), (1, 4, 1), (1, 1, 255), (0, 3, 3), (3, 0, 3), (3, 3, 0)]:
        total = bounds[0] * bounds[1] * bounds[2]
        # start, then en every cycle; the bounds inputs change after start and must not matter
        cycles = [(0, 1, 1, bounds)] + [(0, 1, 1, (9, 9, 9))] * total + [(0, 0, 0, (0, 0, 0))] * 2
        visited = await run(dut, model, cycles, f"bounds {bounds}")
        want = [(a, b, c) for a in range(bounds[0]) for b in range(bounds[1]) for c in range(bounds[2])]
        assert visited == want, f"bounds {bounds}: iterations got {visited[:10]}... ({len(visited)}) expected {want[:10]}... ({len(want)})"


@cocotb.test()
async def random_stalls_restarts_and_reset(dut):
    await begin(dut)
    rng = random.Random(2801)
    model = Model()
    cycles = []
    bound = lambda: rng.choice([0, 1, 1, 2, 2, 3, 4])  # noqa: E731
    for n in range(700):
        rst = int(n in (333, 334))
        cycles.append((rst, int(rng.random() < 0.3), int(rng.random() < 0.7), (bound(), bound(), bound())))
    await run(dut, model, cycles, "random")
