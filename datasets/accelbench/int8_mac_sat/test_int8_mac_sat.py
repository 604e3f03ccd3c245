"""cocotb test for int8_mac_sat: a cycle-accurate Python model of the saturating 24-bit MAC, driven through
exact landings on both limits, saturation, clear (with and without en), sticky overflow, and seeded random
stimulus; then reset in mid-stream."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ACC_MAX, ACC_MIN = 2**23 - 1, -(2**23)

# every product of two int8 values, with one pair that makes it
PAIRS: dict[int, tuple[int, int]] = {}
for _a in range(-128, 128):
    for _b in range(-128, 128):
        PAIRS.setdefault(_a * _b, (_a, _b))


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


class Model:
    def __init__(self) -> None:
        self.acc, self.ovf = 0, 0

    def step(self, rst: int, clear: int, en: int, a: int, b: int) -> None:
        if rst:
            self.acc, self.ovf = 0, 0
        elif clear:
            self.acc, self.ovf = (a * b if en else 0), 0
        elif en:
            total = self.acc + a * b
            if total > ACC_MAX:
                self.acc, self.ovf = ACC_MAX, 1
            elif total < ACC_MIN:
                self.acc, self.ovf = ACC_MIN, 1
            else:
                self.acc = total


async def start(dut) -> None:
    dut.rst.value, dut.clear.value, dut.en.value, dut.a.value, dut.b.value = 1, 0, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert val(dut.acc, True) == 0, f"in reset: acc got {val(dut.acc, True)} expected 0"
    assert val(dut.ovf) == 0, f"in reset: ovf got {val(dut.ovf)} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


class Driver:
    """Drives one cycle at a time and compares acc and ovf with the model after the edge."""

    def __init__(self, dut) -> None:
        self.dut, self.model, self.cycle = dut, Model(), 0

    async def step(self, phase: str, clear: int, en: int, a: int, b: int, rst: int = 0) -> None:
        dut = self.dut
        dut.rst.value, dut.clear.value, dut.en.value, dut.a.value, dut.b.value = rst, clear, en, a, b
        before = self.model.acc
        self.model.step(rst, clear, en, a, b)
        await RisingEdge(dut.clk)
        await ReadOnly()
        got_acc, got_ovf = val(dut.acc, True), val(dut.ovf)
        inputs = f"rst={rst} clear={clear} en={en} a={a} b={b}, acc before {before}"
        assert got_acc == self.model.acc, \
            f"cycle {self.cycle} ({phase}): acc got {got_acc} expected {self.model.acc} ({inputs})"
        assert got_ovf == self.model.ovf, \
            f"cycle {self.cycle} ({phase}): ovf got {got_ovf} expected {self.model.ovf} ({inputs})"
        await FallingEdge(dut.clk)
        self.cycle += 1

    async def land_exactly(self, phase: str, target: int, big: tuple[int, int]) -> None:
        """Accumulate towards `target` with the product `big`, then land on it exactly (no saturation)."""
        step = big[0] * big[1]
        while abs(target - self.model.acc) > abs(step):
            await self.step(phase, 0, 1, *big)
        while target - self.model.acc not in PAIRS:
            await self.step(phase + " nudge", 0, 1, *((1, 1) if target > self.model.acc else (-1, 1)))
        await self.step(phase + " exact landing", 0, 1, *PAIRS[target - self.model.acc])
        assert self.model.acc == target and self.model.ovf == 0


@cocotb.test()
async def saturates_clears_and_matches_the_model(dut):
    await start(dut)
    drv = Driver(dut)
    rng = random.Random(8123)
    # small values, en low holds, clear with en loads the product
    await drv.step("first product", 0, 1, 3, -5)
    await drv.step("hold", 0, 0, 100, 100)
    await drv.step("accumulate", 0, 1, -128, -128)
    await drv.step("clear+en loads", 1, 1, -128, 127)
    await drv.step("clear+en loads", 1, 1, -128, -128)
    await drv.step("clear alone", 1, 0, 77, 77)
    # up to exactly +2^23-1 without overflow, then one more: saturate and set ovf
    await drv.land_exactly("to max", ACC_MAX, (127, 127))
    await drv.step("at max, en low", 0, 0, 127, 127)
    await drv.step("max + 0", 0, 1, 0, -128)
    await drv.step("max + 1 saturates", 0, 1, 1, 1)
    for _ in range(3):
        await drv.step("stay saturated", 0, 1, -128, -128)
    await drv.step("leave saturation", 0, 1, -128, 127)
    await drv.step("ovf sticky", 0, 1, 5, -7)
    await drv.step("clear drops ovf", 1, 0, 0, 0)
    # down to exactly -2^23, then one more below
    await drv.land_exactly("to min", ACC_MIN, (-128, 127))
    await drv.step("min - 0", 0, 1, 0, 0)
    await drv.step("min - 1 saturates", 0, 1, -1, 1)
    await drv.step("stay saturated low", 0, 1, 127, -128)
    await drv.step("leave low saturation", 0, 1, 127, 127)
    await drv.step("clear+en after ovf", 1, 1, 12, 13)
    # seeded random: mostly accumulating large products so both limits are hit many times
    for i in range(900):
        bias = (i // 150) % 3  # phases: push up, push down, anything
        if bias == 0:
            a, b = rng.randint(60, 127), rng.choice([rng.randint(60, 127), rng.randint(-128, -60)])
        elif bias == 1:
            a, b = rng.randint(-128, -60), rng.randint(60, 127)
        else:
            a, b = rng.randint(-128, 127), rng.randint(-128, 127)
        clear = int(rng.random() < 0.01)
        await drv.step(f"random {i}", clear, int(rng.random() < 0.85), a, b)


@cocotb.test()
async def reset_in_mid_stream_wins_over_clear_and_en(dut):
    await start(dut)
    drv = Driver(dut)
    for _ in range(600):
        await drv.step("fill", 0, 1, 127, 127)
    assert drv.model.ovf == 1
    await drv.step("reset with en", 0, 1, 100, 100, rst=1)
    await drv.step("after reset", 0, 1, -3, 3)
    await drv.step("reset with clear+en", 1, 1, 100, 100, rst=1)
    await drv.step("after reset", 0, 0, 9, 9)
    await drv.step("accumulate again", 0, 1, -9, 9)
