"""cocotb unit test for dw_pointwise, the reference's pointwise stage (dwsep_conv): the four depthwise sums
requantised (rounding shift, int8 saturation, optional ReLU), mixed by the 4x4 pointwise weights, requantised
again; a result reaches the output two advancing edges after it enters, with its valid and last flags, and
nothing moves on an edge that does not advance. Reset held from time 0, clock starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

INPUTS = ("adv", "in_valid", "in_last", "dw_sum", "shift1", "relu", "shift2", "pw_rows")


def requant(x: int, shift: int, relu: int = 0) -> int:
    y = max(-128, min(127, (x + (1 << (shift - 1))) >> shift if shift else x))
    return max(y, 0) if relu else y


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
async def sums_are_requantised_mixed_and_requantised(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in INPUTS:
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("out_valid", "busy"):
        assert read(dut, name, "in reset") == 0, f"in reset: {name} got {getattr(dut, name).value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1721)
    mid = (0, 0, None)  # valid, last, the four pointwise sums
    out = (0, 0, None, "")  # valid, last, the four outputs, what
    for cycle in range(600):
        adv, valid, last = int(rng.random() < 0.7), int(rng.random() < 0.6), int(rng.random() < 0.3)
        if cycle % 60 == 0:
            shift1, shift2, relu = rng.randint(0, 15), rng.randint(0, 15), rng.randint(0, 1)
            rows = [[rng.choice((-128, 127, rng.randint(-128, 127), rng.randint(-3, 3))) for _ in range(4)]
                    for _ in range(4)]
        scale = 1 << shift1
        sums = [max(-147456, min(147456, rng.choice((-147456, 147456, rng.randint(-200, 200) * scale // 2,
                                                     rng.randint(-147456, 147456), (2 * rng.randint(-130, 130) + 1) * scale // 2))))
                for _ in range(4)]  # the depthwise range; ties and values near the int8 edges after the shift
        for name, value in zip(INPUTS, (adv, valid, last, pack(sums, 19), shift1, relu, shift2,
                                        pack([pack(r, 8) for r in rows], 32))):
            getattr(dut, name).value = value
        await RisingEdge(dut.clk)
        if adv:
            out = (mid[0], mid[1], [requant(p, shift2) for p in mid[2]] if mid[0] else None,
                   f"pointwise sums {mid[2]} shift2={shift2}")
            d = [requant(s, shift1, relu) for s in sums]
            mid = (valid, last, [sum(d[i] * rows[o][i] for i in range(4)) for o in range(4)])
        await ReadOnly()
        where = f"cycle {cycle}"
        assert read(dut, "out_valid", where) == out[0], f"{where}: out_valid got {dut.out_valid.value} expected {out[0]}"
        busy = int(mid[0] or out[0])
        assert read(dut, "busy", where) == busy, f"{where}: busy got {dut.busy.value} expected {busy}"
        if out[0]:
            assert read(dut, "out_last", where) == out[1], f"{where}: out_last got {dut.out_last.value} expected {out[1]}"
            word = read(dut, "out_data", where)
            for o in range(4):
                got = lane(word, o, 8)
                assert got == out[2][o], f"{where} output {o}: out_data got {got} expected {out[2][o]} ({out[3]})"
        await FallingEdge(dut.clk)
