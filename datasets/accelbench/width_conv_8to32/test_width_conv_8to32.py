"""cocotb test for width_conv_8to32: packets of 1..14 bytes from an AXI-style source (valid and data held until
taken) with random gaps, a sink with random back-pressure; checked every cycle against a cycle-accurate model
(s_ready = !m_valid || m_ready, m_valid right after the edge that took the word's 4th or last byte), and every
delivered word against the packet reference (little-endian bytes, zero padding, m_keep mask, m_last on the
packet's final word, nothing lost, repeated or reordered); held words must stay stable under back-pressure; a
phase with both sides always ready must take a byte every cycle; reset in the middle of a packet."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def word_of(chunk: list[int], last: int) -> tuple[int, int, int]:
    """(m_data, m_keep, m_last) for the 1..4 bytes of one word: little endian, zero padded."""
    return sum(b << (8 * k) for k, b in enumerate(chunk)), (1 << len(chunk)) - 1, last


class Model:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.cnt, self.full, self.word, self.keep, self.last = 0, 0, 0, 0, 0

    def s_ready(self, m_ready: int) -> int:
        return int(not self.full or m_ready)

    def step(self, s_valid: int, s_data: int, s_last: int, m_ready: int) -> None:
        take = s_valid and self.s_ready(m_ready)
        if self.full and m_ready:
            self.full = 0
        if take:
            if self.cnt == 0:
                self.word, self.keep = s_data, 1
            else:
                self.word |= s_data << (8 * self.cnt)
                self.keep |= 1 << self.cnt
            if self.cnt == 3 or s_last:
                self.full, self.last, self.cnt = 1, s_last, 0
            else:
                self.cnt += 1


class Bench:
    def __init__(self, dut, rng: random.Random) -> None:
        self.dut, self.rng, self.model = dut, rng, Model()
        self.cycle = 0
        self.reset_streams()

    def reset_streams(self) -> None:
        self.model.reset()
        self.packet: list[int] = []   # bytes of the packet being sent
        self.remaining = 0            # bytes still to send in it
        self.offer = None             # (data, last) being offered
        self.expected: list[tuple[int, int, int]] = []
        self.delivered = 0

    def next_offer(self, max_len: int) -> tuple[int, int]:
        if self.remaining == 0:
            self.packet, self.remaining = [], self.rng.randint(1, max_len)
        byte = self.rng.getrandbits(8) or 0xA5  # never zero, so a missing byte cannot hide as padding
        self.remaining -= 1
        self.packet.append(byte)
        last = int(self.remaining == 0)
        if last or len(self.packet) % 4 == 0:  # this byte finishes a word
            self.expected.append(word_of(self.packet[(len(self.packet) - 1) // 4 * 4:], last))
        return byte, last

    async def run(self, label: str, cycles: int, p_valid: float, p_ready: float, max_len: int = 14,
                  every_cycle: bool = False) -> None:
        dut, rng, m = self.dut, self.rng, self.model
        held = None
        for _ in range(cycles):
            if self.offer is None and rng.random() < p_valid:
                self.offer = self.next_offer(max_len)
            s_valid = int(self.offer is not None)
            s_data, s_last = self.offer if s_valid else (rng.getrandbits(8), rng.getrandbits(1))
            m_ready = int(rng.random() < p_ready)
            dut.s_valid.value, dut.s_data.value, dut.s_last.value, dut.m_ready.value = s_valid, s_data, s_last, m_ready
            await ReadOnly()
            at = f"{label} cycle {self.cycle} (s_valid={s_valid} s_data={s_data:#04x} s_last={s_last} m_ready={m_ready})"
            got = {n: val(getattr(dut, n)) for n in ("s_ready", "m_valid", "m_data", "m_keep", "m_last")}
            want_ready = m.s_ready(m_ready)
            assert got["s_ready"] == want_ready, f"{at}: s_ready got {got['s_ready']} expected {want_ready}"
            assert got["m_valid"] == m.full, f"{at}: m_valid got {got['m_valid']} expected {m.full}"
            if every_cycle:
                assert got["s_ready"] == 1, f"{at}: s_ready got 0 expected 1 (full throughput)"
            if m.full:
                word = (got["m_data"], got["m_keep"], got["m_last"])
                if held is not None:
                    assert word == held, f"{at}: (m_data, m_keep, m_last) got {word} expected {held} (must hold while stalled)"
                index = self.delivered
                assert index < len(self.expected), f"{at}: m_valid got 1 expected 0 (no complete word is due)"
                want = self.expected[index]
                for name, g, w in zip(("m_data", "m_keep", "m_last"), word, want):
                    shown = f"{g:#x}" if isinstance(g, int) else g
                    assert g == w, f"{at}: {name} got {shown} expected {w:#x} (word {index} of the stream)"
                if m_ready:
                    self.delivered += 1
                    held = None
                else:
                    held = word
            if s_valid and want_ready:
                self.offer = None
            m.step(s_valid, s_data, s_last, m_ready)
            await RisingEdge(dut.clk)
            await FallingEdge(dut.clk)
            self.cycle += 1


async def start(dut) -> None:
    dut.rst.value, dut.s_valid.value, dut.s_data.value, dut.s_last.value, dut.m_ready.value = 1, 1, 0x11, 1, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert val(dut.m_valid) == 0, f"in reset: m_valid got {val(dut.m_valid)} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def packs_bytes_into_words(dut):
    await start(dut)
    bench = Bench(dut, random.Random(832))
    await bench.run("full throughput", 60, 1.0, 1.0, every_cycle=True)
    for label, p_valid, p_ready, max_len in [("balanced", 0.7, 0.7, 14), ("slow sink", 1.0, 0.2, 14),
                                             ("slow source", 0.3, 1.0, 14), ("short packets", 0.9, 0.6, 3),
                                             ("single bytes", 0.9, 0.8, 1), ("long packets", 0.9, 0.9, 40)]:
        await bench.run(label, 150, p_valid, p_ready, max_len)
    await bench.run("finish", 40, 1.0, 1.0, max_len=1)
    await bench.run("drain", 5, 0.0, 1.0)
    assert bench.delivered > 300, f"test set-up: only {bench.delivered} words were delivered"


@cocotb.test()
async def reset_in_mid_packet_drops_the_partial_word(dut):
    await start(dut)
    rng = random.Random(833)
    bench = Bench(dut, rng)
    for burst in range(5):
        await bench.run(f"burst {burst}", rng.randint(3, 25), 0.9, 0.5)
        dut.rst.value = 1
        await RisingEdge(dut.clk)
        await ReadOnly()
        assert val(dut.m_valid) == 0, f"burst {burst}: m_valid got {val(dut.m_valid)} expected 0 after reset"
        await FallingEdge(dut.clk)
        dut.rst.value = 0
        bench.reset_streams()
        await bench.run(f"after reset {burst}", 30, 0.9, 0.7)
