"""cocotb test for barrel_rotate8 (combinational): every data value, amount and operation against a Python model."""

import cocotb
from cocotb.triggers import Timer

NAMES = ("sll", "srl", "sra", "rol")


def model(data: int, amt: int, op: int) -> int:
    if op == 0:
        return (data << amt) & 0xFF
    if op == 1:
        return data >> amt
    if op == 2:
        signed = data - 256 if data & 0x80 else data
        return (signed >> amt) & 0xFF
    return ((data << amt) | (data >> (8 - amt))) & 0xFF


@cocotb.test()
async def every_input_matches_the_model(dut):
    n = 0
    for op in range(4):
        for amt in range(8):
            for data in range(256):
                dut.data.value, dut.amt.value, dut.op.value = data, amt, op
                await Timer(1, unit="ns")
                want, got = model(data, amt, op), int(dut.y.value)
                assert got == want, f"vector {n} ({NAMES[op]} data=0x{data:02x} amt={amt}): y got 0x{got:02x} expected 0x{want:02x}"
                n += 1
