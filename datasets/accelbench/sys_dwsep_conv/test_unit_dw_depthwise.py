"""cocotb unit test for dw_depthwise, the reference's window registers and depthwise sums (dwsep_conv): a column
of three 4-channel pixels shifted in on fire, each channel's 3x3 dot product with its nine taps registered one
advancing edge after the window completes, the valid and last flags moving only when the pipeline advances.
Reset held from time 0, clock starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

INPUTS = ("adv", "fire", "hit", "hit_last", "top", "mid", "bot", "taps")


def pack(values: list[int], bits: int) -> int:
    return sum((v & ((1 << bits) - 1)) << (bits * i) for i, v in enumerate(values))


def lane(word: int, i: int, bits: int) -> int:
    v = (word >> (bits * i)) & ((1 << bits) - 1)
    return v - (1 << bits) if v >> (bits - 1) else v


def read(dut, name: str, where: str) -> int:
    value = getattr(dut, name).value
    assert value.is_resolvable, f"{where}: {name} got {value} (X/Z) expected a number"
    return int(value)


@cocotb.test()
async def windows_give_per_channel_dot_products(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in INPUTS:
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("win_valid", "dw_valid"):
        assert read(dut, name, "in reset") == 0, f"in reset: {name} got {getattr(dut, name).value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1711)
    window = [[[0] * 4 for _ in range(3)] for _ in range(3)]  # window[row][col][channel]
    filled = 0  # columns shifted in so far
    win = (0, 0)  # valid, last
    out = (0, 0, None, "")  # valid, last, sums, what
    pick = lambda: rng.choice((-128, 127, 0, rng.randint(-128, 127)))
    for cycle in range(500):
        adv = int(rng.random() < 0.75)
        fire = adv and int(rng.random() < 0.8)
        hit, last = int(rng.random() < 0.5 and filled >= 2), int(rng.random() < 0.3)  # a window has 3 columns
        column = [[pick() for _ in range(4)] for _ in range(3)]
        taps = [[pick() for _ in range(4)] for _ in range(9)] if cycle < 250 or cycle % 50 == 0 else taps
        values = (adv, fire, hit, last, *(pack(p, 8) for p in column), pack([pack(t, 8) for t in taps], 32))
        for name, value in zip(INPUTS, values):
            getattr(dut, name).value = value
        await RisingEdge(dut.clk)
        if adv:
            sums = [sum(window[r][c][ch] * taps[3 * r + c][ch] for r in range(3) for c in range(3)) for ch in range(4)]
            out = (win[0], win[1], sums, f"window {window} taps {taps}")
            win = (int(fire and hit), last)
        if fire:
            filled += 1
            for r in range(3):
                window[r] = window[r][1:] + [column[r]]
        await ReadOnly()
        where = f"cycle {cycle}"
        assert read(dut, "win_valid", where) == win[0], f"{where}: win_valid got {dut.win_valid.value} expected {win[0]}"
        assert read(dut, "dw_valid", where) == out[0], f"{where}: dw_valid got {dut.dw_valid.value} expected {out[0]}"
        if out[0]:
            assert read(dut, "dw_last", where) == out[1], f"{where}: dw_last got {dut.dw_last.value} expected {out[1]}"
            word = read(dut, "dw_sum", where)
            for ch in range(4):
                got = lane(word, ch, 19)
                assert got == out[2][ch], f"{where} channel {ch}: dw_sum got {got} expected {out[2][ch]} ({out[3]})"
        await FallingEdge(dut.clk)
