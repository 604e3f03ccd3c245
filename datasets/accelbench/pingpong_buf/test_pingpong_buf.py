"""cocotb test for pingpong_buf (default WIDTH=8, N=8): a cycle-accurate Python model of the two banks (wr_ready,
rd_valid, rd_data and bank checked before every edge, so none may depend on this cycle's wr_valid / rd_ready),
plus model-independent safety checks: the reader gets exactly the written words in order, never a word of a block
before the whole block was written, and the writer never gets more than two blocks ahead of the reader (no
overwrite of unread data). Traffic mixes: both sides at full speed, fast writer / slow reader, slow writer / fast
reader, random; reset in mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

WIDTH, N = 8, 8


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


class Model:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.bank, self.wcnt, self.ridx, self.rfull = 0, 0, 0, 0
        self.mem = [[None] * N, [None] * N]

    @property
    def wr_ready(self) -> int:
        return int(self.wcnt != N)

    @property
    def rd_valid(self) -> int:
        return self.rfull

    @property
    def rd_data(self):
        return self.mem[1 - self.bank][self.ridx]

    def step(self, wr_valid: int, wr_data: int, rd_ready: int) -> None:
        if not self.wr_ready and not self.rd_valid:
            self.bank, self.wcnt, self.ridx, self.rfull = 1 - self.bank, 0, 0, 1
            return
        if wr_valid and self.wr_ready:
            self.mem[self.bank][self.wcnt] = wr_data
            self.wcnt += 1
        if self.rd_valid and rd_ready:
            self.ridx += 1
            if self.ridx == N:
                self.ridx, self.rfull = 0, 0


class Bench:
    def __init__(self, dut, rng: random.Random) -> None:
        self.dut, self.rng, self.model, self.cycle = dut, rng, Model(), 0
        self.restart()

    def restart(self) -> None:
        self.model.reset()
        self.written: list[int] = []
        self.read: list[int] = []

    async def run(self, label: str, cycles: int, p_wr: float, p_rd: float) -> None:
        dut, rng, m = self.dut, self.rng, self.model
        for _ in range(cycles):
            wr_valid, rd_ready = int(rng.random() < p_wr), int(rng.random() < p_rd)
            wr_data = (len(self.written) * 29 + 7 + rng.randint(0, 1) * 128) % 2**WIDTH
            dut.wr_valid.value, dut.wr_data.value, dut.rd_ready.value = wr_valid, wr_data, rd_ready
            await ReadOnly()
            at = f"{label} cycle {self.cycle} (wr_valid={wr_valid} rd_ready={rd_ready}; {len(self.written)} written, {len(self.read)} read)"
            for name, want in (("wr_ready", m.wr_ready), ("rd_valid", m.rd_valid), ("bank", m.bank)):
                got = val(getattr(dut, name))
                assert got == want, f"{at}: {name} got {got} expected {want}"
            if m.rd_valid:
                got = val(dut.rd_data)
                assert got == m.rd_data, f"{at}: rd_data got {got} expected {m.rd_data} (word {m.ridx} of bank {1 - m.bank})"
            # model-independent safety properties of the handshakes the design allows
            if wr_valid and m.wr_ready:
                block = len(self.written) // N
                assert len(self.read) >= (block - 1) * N, \
                    f"{at}: wr_ready got 1 expected 0 (a write into block {block} would overwrite block {block - 2}, read only {len(self.read)} words)"
                self.written.append(wr_data)
            if rd_ready and m.rd_valid:
                index = len(self.read)
                assert len(self.written) >= (index // N + 1) * N, \
                    f"{at}: rd_valid got 1 expected 0 (block {index // N} is not completely written)"
                assert m.rd_data == self.written[index], f"{at}: read word {index} is {m.rd_data}, written {self.written[index]}"
                self.read.append(m.rd_data)
            m.step(wr_valid, wr_data, rd_ready)
            await RisingEdge(dut.clk)
            await FallingEdge(dut.clk)
            self.cycle += 1
        for i, (got, want) in enumerate(zip(self.read, self.written)):
            assert got == want, f"{label} (by cycle {self.cycle}): read word {i} got {got} expected {want} (word {i} written)"


async def start(dut) -> None:
    dut.rst.value, dut.wr_valid.value, dut.wr_data.value, dut.rd_ready.value = 1, 1, 0x3C, 1
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name, want in (("wr_ready", 1), ("rd_valid", 0), ("bank", 0)):
        assert val(getattr(dut, name)) == want, f"in reset: {name} got {val(getattr(dut, name))} expected {want}"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def double_buffers_blocks_without_overwrite(dut):
    await start(dut)
    bench = Bench(dut, random.Random(2222))
    for label, cycles, p_wr, p_rd in [("full speed", 60, 1.0, 1.0), ("fast writer", 150, 1.0, 0.2),
                                      ("fast reader", 150, 0.25, 1.0), ("random", 300, 0.6, 0.6),
                                      ("reader stops", 40, 1.0, 0.0), ("reader restarts", 60, 1.0, 1.0),
                                      ("writer stops", 40, 0.0, 1.0), ("random again", 200, 0.8, 0.7)]:
        await bench.run(label, cycles, p_wr, p_rd)
    assert len(bench.read) > 40 * N // 2, f"test set-up: only {len(bench.read)} words were read"


@cocotb.test()
async def reset_in_mid_stream_empties_both_banks(dut):
    await start(dut)
    rng = random.Random(2223)
    bench = Bench(dut, rng)
    for burst in range(4):
        await bench.run(f"burst {burst}", rng.randint(5, 40), 0.9, 0.5)
        dut.rst.value = 1
        await RisingEdge(dut.clk)
        await ReadOnly()
        for name, want in (("wr_ready", 1), ("rd_valid", 0), ("bank", 0)):
            got = val(getattr(dut, name))
            assert got == want, f"burst {burst} after reset: {name} got {got} expected {want}"
        await FallingEdge(dut.clk)
        dut.rst.value = 0
        bench.restart()
        await bench.run(f"after reset {burst}", 40, 0.9, 0.8)
