"""cocotb test for sm_to_twos8 (combinational): every input byte in both directions against a Python model,
including -0 in sign-magnitude and -128 in two's complement."""

import cocotb
from cocotb.triggers import Timer


def model(din: int, direction: int) -> tuple[int, int, int]:
    """(dout, neg_zero, ovf)."""
    if direction == 0:  # sign-magnitude in
        value = -(din & 0x7F) if din & 0x80 else din
        return value & 0xFF, int(din == 0x80), 0
    value = din - 256 if din & 0x80 else din  # two's complement in
    if value == -128:
        return 0xFF, 0, 1
    return (0x80 | -value) if value < 0 else value, 0, 0


@cocotb.test()
async def every_byte_both_directions(dut):
    for direction in (0, 1):
        for din in range(256):
            dut.din.value, dut.dir.value = din, direction
            await Timer(1, unit="ns")
            dout, neg_zero, ovf = model(din, direction)
            got = {"dout": int(dut.dout.value), "neg_zero": int(dut.neg_zero.value), "ovf": int(dut.ovf.value)}
            want = {"dout": dout, "neg_zero": neg_zero, "ovf": ovf}
            for name in got:
                assert got[name] == want[name], \
                    f"dir={direction} din=0x{din:02x}: {name} got 0x{got[name]:02x} expected 0x{want[name]:02x}"


@cocotb.test()
async def round_trip_is_identity_except_minus_zero(dut):
    for value in range(-127, 128):
        dut.din.value, dut.dir.value = value & 0xFF, 1
        await Timer(1, unit="ns")
        sm = int(dut.dout.value)
        dut.din.value, dut.dir.value = sm, 0
        await Timer(1, unit="ns")
        back = dut.dout.value.to_signed()
        assert back == value, f"value {value}: via sign-magnitude 0x{sm:02x} got {back} expected {value}"
