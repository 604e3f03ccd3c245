"""cocotb test for maxpool2x2_s8: a model of the window phase (with `first` resynchronising it) and of the max."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


class Model:
    def __init__(self) -> None:
        self.phase, self.left, self.out_max, self.out_valid = 0, 0, 0, 0

    def step(self, valid: int, first: int, top: int, bot: int) -> None:
        right = self.phase and not first
        self.out_valid = int(bool(valid and right))
        if valid:
            if right:
                self.out_max = max(self.left, top, bot)
            else:
                self.left = max(top, bot)
            self.phase = int(not right)


def stimulus(rng: random.Random) -> list[tuple[int, int, int, int]]:
    corners = [(1, 1, -128, -128), (1, 0, -128, -128), (1, 0, 127, -128), (0, 0, 0, 0), (1, 0, -128, 126),
               (1, 0, 5, 6), (1, 1, 7, 8), (1, 1, -3, -4), (1, 0, -5, -2), (1, 0, 0, 0), (1, 0, 0, 0)]
    randoms = [(int(rng.random() < 0.8), int(rng.random() < 0.05), rng.randint(-128, 127), rng.randint(-128, 127))
               for _ in range(600)]
    return corners + randoms


@cocotb.test()
async def pools_like_the_model(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.in_valid.value, dut.first.value, dut.top.value, dut.bot.value = 1, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    model = Model()
    for cycle, (valid, first, top, bot) in enumerate(stimulus(random.Random(111))):
        dut.in_valid.value, dut.first.value, dut.top.value, dut.bot.value = valid, first, top, bot
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.step(valid, first, top, bot)
        where = f"(in_valid={valid} first={first} top={top} bot={bot})"
        got = int(dut.out_valid.value)
        assert got == model.out_valid, f"cycle {cycle}: out_valid got {got} expected {model.out_valid} {where}"
        got = dut.out_max.value.to_signed()
        assert got == model.out_max, f"cycle {cycle}: out_max got {got} expected {model.out_max} {where}"
        await FallingEdge(dut.clk)
