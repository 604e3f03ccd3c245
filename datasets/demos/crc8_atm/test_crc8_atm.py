"""cocotb test for crc8_atm: a bitwise CRC-8 (poly 0x07) model, the standard check value, messages separated by
clear (alone and together with valid), gaps in valid, seeded random bytes, and reset."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def crc_byte(crc: int, byte: int) -> int:
    crc ^= byte
    for _ in range(8):
        crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.clear.value, dut.valid.value, dut.data.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def check_value_of_123456789(dut):
    await start(dut)
    for byte in b"123456789":
        dut.valid.value, dut.data.value = 1, byte
        await FallingEdge(dut.clk)
    dut.valid.value = 0
    got = int(dut.crc.value)
    assert got == 0xF4, f"after '123456789': crc got 0x{got:02x} expected 0xf4"


@cocotb.test()
async def stream_matches_the_model(dut):
    await start(dut)
    rng = random.Random(7)
    plan = [(0, 1, 0xFF), (0, 1, 0x00), (0, 1, 0x80), (1, 1, 0x01), (0, 1, 0x07), (1, 0, 0x00), (0, 0, 0x12)]
    plan += [(int(rng.random() < 0.04), int(rng.random() < 0.8), rng.randint(0, 255)) for _ in range(1500)]
    crc = 0
    for cycle, (clear, valid, data) in enumerate(plan):
        dut.clear.value, dut.valid.value, dut.data.value = clear, valid, data
        await RisingEdge(dut.clk)
        await ReadOnly()
        base = 0 if clear else crc
        crc = crc_byte(base, data) if valid else base
        got = int(dut.crc.value)
        assert got == crc, f"cycle {cycle} (clear={clear} valid={valid} data=0x{data:02x}): crc got 0x{got:02x} expected 0x{crc:02x}"
        await FallingEdge(dut.clk)
    dut.rst.value, dut.valid.value = 1, 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.crc.value) == 0, f"after reset: crc got 0x{int(dut.crc.value):02x} expected 0x00"
