"""cocotb test for tile_addr_gen (ROWS=5, COLS=6, TR=2, TC=4: edge tiles truncated in both directions): the
full address order with tile_end flags, random back-pressure on next, start ignored while busy, restart in
the done cycle, and a reset mid-pass; valid and done checked on every cycle, addr and tile_end while valid."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ROWS, COLS, TR, TC = 5, 6, 2, 4


def order() -> list[tuple[int, int]]:
    """(addr, tile_end) in emission order."""
    out = []
    for tr0 in range(0, ROWS, TR):
        for tc0 in range(0, COLS, TC):
            tile = [(r, c) for r in range(tr0, min(tr0 + TR, ROWS)) for c in range(tc0, min(tc0 + TC, COLS))]
            out += [(r * COLS + c, int(k == len(tile) - 1)) for k, (r, c) in enumerate(tile)]
    return out


ORDER = order()


def check(dut, name: str, want: int, where: str) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    assert int(value) == want, f"{where}: {name} got {int(value)} expected {want}"


class Model:
    def __init__(self) -> None:
        self.valid, self.done, self.pos = 0, 0, 0

    def edge(self, rst: int, start: int, nxt: int) -> None:
        if rst:
            self.__init__()
            return
        self.done = 0
        if not self.valid:
            if start:
                self.valid, self.pos = 1, 0
        elif nxt:
            self.pos += 1
            if self.pos == len(ORDER):
                self.valid, self.done = 0, 1


async def begin(dut) -> None:
    dut.rst.value, dut.start.value, dut.next.value = 1, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    check(dut, "valid", 0, "in reset")
    check(dut, "done", 0, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, model: Model, cycles: list[tuple[int, int, int]], label: str) -> list[int]:
    """Drive (rst, start, next) per cycle; returns the addresses taken."""
    taken = []
    for n, (rst, start, nxt) in enumerate(cycles):
        dut.rst.value, dut.start.value, dut.next.value = rst, start, nxt
        if model.valid and nxt and not rst:
            taken.append(ORDER[model.pos][0])
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, start, nxt)
        where = f"{label} cycle {n} (rst={rst} start={start} next={nxt}; element {model.pos} of the pass)"
        check(dut, "valid", model.valid, where)
        check(dut, "done", model.done, where)
        if model.valid:
            check(dut, "addr", ORDER[model.pos][0], where)
            check(dut, "tile_end", ORDER[model.pos][1], where)
        await FallingEdge(dut.clk)
    return taken


@cocotb.test()
async def full_speed_pass_then_restart_in_done_cycle(dut):
    await begin(dut)
    model = Model()
    n = len(ORDER)
    # start, take one address per cycle; start stays high throughout (ignored while busy) and in the done cycle
    cycles = [(0, 1, 0)] + [(0, 1, 1)] * n + [(0, 1, 0)] + [(0, 0, 1)] * n + [(0, 0, 0)] * 3
    taken = await run(dut, model, cycles, "full speed")
    want = [a for a, _ in ORDER] * 2
    assert taken == want, f"full speed: addresses taken got {taken} expected {want}"


@cocotb.test()
async def random_backpressure_and_reset(dut):
    await begin(dut)
    rng = random.Random(2701)
    model = Model()
    cycles = [(0, 0, 1)] * 3  # next while idle: nothing happens
    for _ in range(3):
        cycles.append((0, 1, rng.randint(0, 1)))
        cycles += [(0, int(rng.random() < 0.2), int(rng.random() < 0.55)) for _ in range(80)]
    cycles += [(0, 1, 0)] + [(0, 0, 1)] * 11 + [(1, 1, 1)] + [(0, 0, 1)] * 3  # reset mid-pass
    cycles += [(0, 1, 0)] + [(0, 0, int(rng.random() < 0.7)) for _ in range(60)]
    await run(dut, model, cycles, "random")
