"""cocotb unit test for vu_cmdq, the reference's command FIFO (vec_unit): order kept through random pushes and pops,
in_ready low exactly when four entries are held, out_valid low exactly when empty, a pop of an empty FIFO ignored,
a push and a pop in the same cycle when full or empty. Reset held from time 0, clock starting low."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def keeps_order_and_counts(dut):
    dut.clk.value, dut.rst.value, dut.in_valid.value, dut.in_data.value, dut.pop.value = 0, 1, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1354)
    model, sent = deque(), 0
    for cycle in range(800):
        phase = (cycle // 100) % 3  # mostly pushing, balanced, mostly popping
        push = int(rng.random() < (0.8, 0.5, 0.2)[phase])
        pop = int(rng.random() < (0.2, 0.5, 0.8)[phase])
        word = (sent * 2654435761) & 0xFFFFFFFF
        dut.in_valid.value, dut.in_data.value, dut.pop.value = push, word, pop
        await ReadOnly()
        where = f"cycle {cycle} ({len(model)} held)"
        ready, valid = int(dut.in_ready.value), int(dut.out_valid.value)
        assert ready == int(len(model) < 4), f"{where}: in_ready got {ready} expected {int(len(model) < 4)}"
        assert valid == int(bool(model)), f"{where}: out_valid got {valid} expected {int(bool(model))}"
        if model:
            got = int(dut.out_data.value)
            assert got == model[0], f"{where}: out_data got {got:#010x} expected {model[0]:#010x}"
        if pop and model:
            model.popleft()
        if push and ready:
            model.append(word)
            sent += 1
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
