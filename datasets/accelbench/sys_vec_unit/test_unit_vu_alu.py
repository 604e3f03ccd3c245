"""cocotb unit test for vu_alu, the reference's lane ALU (vec_unit): every op (and the opcodes that are not ALU ops,
which give 0) on the int16 extremes, small values and random ones, every shift, saturated to int16."""

import random

import cocotb
from cocotb.triggers import Timer


def sat(v: int) -> int:
    return max(-32768, min(32767, v))


def alu(op: int, a: int, b: int, d: int, shift: int, imm: int) -> int:
    scaled = (a * b + ((1 << (shift - 1)) if shift else 0)) >> shift
    imm_signed = imm - 65536 if imm & 0x8000 else imm
    return sat({3: a + b, 4: a - b, 5: scaled, 6: d + scaled, 7: max(a, 0), 8: imm_signed, 9: max(a, b)}.get(op, 0))


@cocotb.test()
async def every_op(dut):
    rng = random.Random(1353)
    corners = (-32768, 32767, -1, 0, 1, 181, -182)
    for n in range(1500):
        op = n % 16
        a, b, d = (rng.choice(corners + (rng.randint(-32768, 32767),)) for _ in range(3))
        shift, imm = rng.randint(0, 15), rng.randint(0, 0xFFFF)
        dut.op.value, dut.a.value, dut.b.value, dut.d.value, dut.shift.value, dut.imm.value = op, a, b, d, shift, imm
        await Timer(1, unit="ns")
        want = alu(op, a, b, d, shift, imm)
        got = dut.y.value
        assert got.is_resolvable and got.to_signed() == want, (
            f"op {op} a={a} b={b} d={d} shift={shift} imm={imm:#06x}: y got {got} expected {want}")
