"""cocotb test for skid_buffer_vr (default WIDTH=16): a cycle-accurate Python model of the two-register skid
buffer checked before every edge (s_ready, m_valid and m_data must not depend on this cycle's s_valid / m_ready),
an end-to-end scoreboard (no word lost, duplicated or reordered), random back-pressure on both sides in several
mixes, a full-throughput phase (one word per cycle), m_valid/m_data held while stalled, and reset in mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

WIDTH = 16


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
        self.out_valid, self.out_data, self.skid_valid, self.skid_data = 0, 0, 0, 0

    @property
    def s_ready(self) -> int:
        return int(not self.skid_valid)

    def step(self, s_valid: int, s_data: int, m_ready: int) -> None:
        take = s_valid and self.s_ready
        if m_ready or not self.out_valid:
            if self.skid_valid:
                self.out_valid, self.out_data, self.skid_valid = 1, self.skid_data, 0
            else:
                self.out_valid = int(take)
                if take:
                    self.out_data = s_data
        elif take:
            self.skid_valid, self.skid_data = 1, s_data


class Bench:
    def __init__(self, dut, rng: random.Random) -> None:
        self.dut, self.rng, self.model = dut, rng, Model()
        self.cycle, self.word, self.pending = 0, 0, None  # pending: the word the source is offering
        self.sent: list[int] = []
        self.received: list[int] = []

    def reset(self) -> None:
        """After a reset edge: both registers empty, words in flight dropped, the source offers afresh."""
        self.model.reset()
        self.pending, self.sent, self.received = None, [], []

    def check(self, when: str) -> None:
        dut, m = self.dut, self.model
        for name, want in (("s_ready", m.s_ready), ("m_valid", m.out_valid)):
            got = val(getattr(dut, name))
            assert got == want, f"cycle {self.cycle} ({when}): {name} got {got} expected {want}"
        if m.out_valid:
            got = val(dut.m_data)
            assert got == m.out_data, f"cycle {self.cycle} ({when}): m_data got {got:#06x} expected {m.out_data:#06x}" \
                if isinstance(got, int) else f"cycle {self.cycle} ({when}): m_data got {got} expected {m.out_data:#06x}"

    async def run(self, label: str, cycles: int, p_valid: float, p_ready: float, expect_every_cycle: bool = False) -> None:
        dut, rng = self.dut, self.rng
        for _ in range(cycles):
            # an AXI-style source: once it offers a word it keeps offering it until it is taken
            if self.pending is None and rng.random() < p_valid:
                self.word = (self.word * 17 + 0x1357) % 2**WIDTH
                self.pending = self.word
            s_valid = int(self.pending is not None)
            s_data = self.pending if s_valid else rng.getrandbits(WIDTH)
            m_ready = int(rng.random() < p_ready)
            dut.s_valid.value, dut.s_data.value, dut.m_ready.value = s_valid, s_data, m_ready
            await ReadOnly()
            when = f"{label}, s_valid={s_valid} m_ready={m_ready}"
            self.check(when + ", before the edge")
            took = s_valid and self.model.s_ready
            if expect_every_cycle:
                assert took, f"cycle {self.cycle} ({when}): s_ready got 0 expected 1 (full throughput: a word per cycle)"
            if self.model.out_valid and m_ready:
                self.received.append(self.model.out_data)
            if took:
                self.sent.append(s_data)
                self.pending = None
            self.model.step(s_valid, s_data, m_ready)
            await RisingEdge(dut.clk)
            await ReadOnly()
            self.check(when + ", after the edge")
            await FallingEdge(dut.clk)
            self.cycle += 1
        for i, (got, want) in enumerate(zip(self.received, self.sent)):
            assert got == want, f"{label} (by cycle {self.cycle}): received word {i} got {got:#06x} expected {want:#06x} (the word sent as number {i})"


async def start(dut) -> None:
    dut.rst.value, dut.s_valid.value, dut.s_data.value, dut.m_ready.value = 1, 1, 0xABCD, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert val(dut.m_valid) == 0, f"in reset: m_valid got {val(dut.m_valid)} expected 0"
    assert val(dut.s_ready) == 1, f"in reset: s_ready got {val(dut.s_ready)} expected 1"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def passes_every_word_in_order_under_back_pressure(dut):
    await start(dut)
    bench = Bench(dut, random.Random(1212))
    await bench.run("full throughput", 40, 1.0, 1.0, expect_every_cycle=True)
    for label, p_valid, p_ready in [("balanced", 0.7, 0.7), ("slow sink", 0.95, 0.3), ("slow source", 0.3, 0.95),
                                    ("source saturates", 1.0, 0.5), ("sink saturates", 0.5, 1.0),
                                    ("sink stops", 1.0, 0.0), ("sink restarts", 1.0, 1.0), ("random", 0.6, 0.6)]:
        await bench.run(label, 120, p_valid, p_ready)
    await bench.run("drain", 10, 0.0, 1.0)
    assert len(bench.received) == len(bench.sent), \
        f"cycle {bench.cycle} after draining: words received got {len(bench.received)} expected {len(bench.sent)} (all words sent)"
    assert len(bench.sent) > 400, f"test set-up: only {len(bench.sent)} words went through"


@cocotb.test()
async def reset_in_mid_stream_empties_both_registers(dut):
    await start(dut)
    rng = random.Random(1213)
    bench = Bench(dut, rng)
    for burst in range(4):
        await bench.run(f"burst {burst}", rng.randint(5, 30), 1.0, 0.3)  # leaves both registers full most times
        dut.rst.value, dut.m_ready.value = 1, 0
        await RisingEdge(dut.clk)
        await ReadOnly()
        assert val(dut.m_valid) == 0, f"burst {burst} after reset: m_valid got {val(dut.m_valid)} expected 0"
        assert val(dut.s_ready) == 1, f"burst {burst} after reset: s_ready got {val(dut.s_ready)} expected 1"
        await FallingEdge(dut.clk)
        dut.rst.value = 0
        bench.reset()
        await bench.run(f"after reset {burst}", 30, 0.8, 0.6)
