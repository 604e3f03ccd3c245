"""cocotb test for ctrl_fsm: a start runs exactly `len` steps (busy, step_en, step_idx 0..len-1), then done
pulses for one cycle; starts while running are ignored; len 0 goes straight to done."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


class Model:
    def __init__(self) -> None:
        self.state, self.idx, self.last = "IDLE", 0, 0

    def step(self, start: int, length: int) -> None:
        if self.state == "IDLE":
            if start:
                self.idx, self.last = 0, (length - 1) % 256
                self.state = "DONE" if length == 0 else "RUN"
        elif self.state == "RUN":
            if self.idx == self.last:
                self.state = "DONE"
            else:
                self.idx += 1
        else:
            self.state = "IDLE"


async def start_clock(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.start.value, dut.len.value = 1, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in ("busy", "step_en", "done"):
        got = int(getattr(dut, name).value)
        assert got == 0, f"in reset: {name} got {got} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def runs_len_steps_then_pulses_done(dut):
    await start_clock(dut)
    for length in (3, 1, 0, 255):
        dut.start.value, dut.len.value = 1, length
        await FallingEdge(dut.clk)
        dut.start.value = 0
        steps, cycles = [], 0
        while True:
            await ReadOnly()
            if int(dut.done.value):
                break
            assert int(dut.busy.value) == 1, f"len {length}, cycle {cycles}: busy got 0 expected 1 before done"
            assert int(dut.step_en.value) == 1, f"len {length}, cycle {cycles}: step_en got 0 expected 1 while busy"
            steps.append(int(dut.step_idx.value))
            cycles += 1
            assert cycles <= length + 1, f"len {length}: done got 0 expected 1 after {cycles} cycles"
            await FallingEdge(dut.clk)
        assert steps == list(range(length)), f"len {length}: step_idx sequence got {steps[:8]}... ({len(steps)} steps) expected 0..{length - 1}"
        assert int(dut.busy.value) == 0, f"len {length}: busy got 1 expected 0 with done"
        await FallingEdge(dut.clk)
        await ReadOnly()
        assert int(dut.done.value) == 0, f"len {length}: done got 1 expected 0 (pulse longer than one cycle)"
        await FallingEdge(dut.clk)


@cocotb.test()
async def matches_the_model_under_random_starts(dut):
    await start_clock(dut)
    rng = random.Random(161)
    model = Model()
    for cycle in range(800):
        start, length = int(rng.random() < 0.3), rng.choice([0, 1, 2, 3, 7, rng.randint(0, 20)])
        dut.start.value, dut.len.value = start, length
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.step(start, length)
        running = model.state == "RUN"
        want = {"busy": int(running), "step_en": int(running), "done": int(model.state == "DONE")}
        if running:
            want["step_idx"] = model.idx
        for name, value in want.items():
            got = int(getattr(dut, name).value)
            assert got == value, f"cycle {cycle}: {name} got {got} expected {value} (start={start} len={length})"
        await FallingEdge(dut.clk)
