"""cocotb test for sync_fifo_fwft (default WIDTH=8, DEPTH=8): a Python queue model checked after every edge on
count, full, empty, almost_full, almost_empty and the fall-through rd_data; phases of fill-heavy, drain-heavy and
balanced random traffic (pointer wrap-around many times), writes while full (must be ignored and never read back),
reads while empty (ignored), simultaneous read and write at empty, full and in between, and reset in mid-stream."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

WIDTH, DEPTH = 8, 8


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


class Checker:
    def __init__(self, dut) -> None:
        self.dut, self.q, self.cycle, self.next_word = dut, deque(), 0, 0

    def fresh(self) -> int:
        """A new data word, distinct from its neighbours so a lost, repeated or reordered word shows."""
        self.next_word = (self.next_word + 37) % 2**WIDTH
        return self.next_word

    def check_outputs(self, phase: str) -> None:
        dut, n = self.dut, len(self.q)
        want = {"count": n, "full": int(n == DEPTH), "empty": int(n == 0),
                "almost_full": int(n >= DEPTH - 1), "almost_empty": int(n <= 1)}
        for name, w in want.items():
            got = val(getattr(dut, name))
            assert got == w, f"cycle {self.cycle} ({phase}): {name} got {got} expected {w} ({n} words stored)"
        if n:
            got = val(dut.rd_data)
            assert got == self.q[0], f"cycle {self.cycle} ({phase}): rd_data got {got} expected {self.q[0]} (oldest of {list(self.q)})"

    async def step(self, phase: str, wr: int, rd: int, rst: int = 0) -> None:
        dut = self.dut
        data = self.fresh()
        dut.wr_en.value, dut.rd_en.value, dut.wr_data.value, dut.rst.value = wr, rd, data, rst
        await ReadOnly()
        self.check_outputs(phase + ", before the edge")  # outputs must not depend on this cycle's wr_en/rd_en
        if rst:
            self.q.clear()
        else:
            was = len(self.q)
            if rd and was:
                self.q.popleft()
            if wr and was < DEPTH:
                self.q.append(data)
        await RisingEdge(dut.clk)
        await ReadOnly()
        self.check_outputs(f"{phase}, after wr_en={wr} rd_en={rd} rst={rst} wr_data={data}")
        await FallingEdge(dut.clk)
        self.cycle += 1


async def start(dut) -> Checker:
    dut.rst.value, dut.wr_en.value, dut.rd_en.value, dut.wr_data.value = 1, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    chk = Checker(dut)
    await ReadOnly()
    chk.check_outputs("after reset")
    await FallingEdge(dut.clk)
    return chk


@cocotb.test()
async def queue_behaviour_and_flags(dut):
    chk = await start(dut)
    await chk.step("read while empty", 0, 1)
    await chk.step("write+read while empty", 1, 1)
    await chk.step("read the one word", 0, 1)
    for i in range(DEPTH + 3):  # fill, then writes while full are ignored
        await chk.step(f"fill {i}", 1, 0)
    await chk.step("write+read while full", 1, 1)
    await chk.step("write to refill", 1, 0)
    await chk.step("write while full", 1, 0)
    for i in range(3):
        await chk.step(f"write+read with {len(chk.q)} stored", 1, 1)
    for i in range(DEPTH + 2):  # drain, then reads while empty are ignored
        await chk.step(f"drain {i}", 0, 1)
    rng = random.Random(1188)
    for i in range(900):
        p_wr, p_rd = [(0.8, 0.3), (0.3, 0.8), (0.5, 0.5), (0.95, 0.95)][(i // 90) % 4]
        await chk.step(f"random {i}", int(rng.random() < p_wr), int(rng.random() < p_rd))


@cocotb.test()
async def reset_in_mid_stream_empties(dut):
    chk = await start(dut)
    rng = random.Random(1189)
    for burst in range(4):
        for i in range(rng.randint(3, 20)):
            await chk.step(f"burst {burst} traffic {i}", int(rng.random() < 0.7), int(rng.random() < 0.4))
        await chk.step(f"burst {burst} reset", 1, 1, rst=1)
        for i in range(4):
            await chk.step(f"burst {burst} after reset {i}", int(i < 2), int(i >= 2))
