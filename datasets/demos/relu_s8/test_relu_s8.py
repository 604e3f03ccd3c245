"""cocotb test for relu_s8 (combinational): every int8 value in every lane, both modes, then random vectors."""

import random

import cocotb
from cocotb.triggers import Timer

LANES, SIX = 4, 96


def relu(x: int, relu6: int) -> int:
    y = max(x, 0)
    return min(y, SIX) if relu6 else y


def pack(lanes: list[int]) -> int:
    return sum((v & 0xFF) << (8 * i) for i, v in enumerate(lanes))


def lane(word: int, i: int) -> int:
    byte = (word >> (8 * i)) & 0xFF
    return byte - 256 if byte >= 128 else byte


@cocotb.test()
async def relu_and_relu6_like_the_model(dut):
    rng = random.Random(99)
    values = list(range(-128, 128))
    vectors = [[values[(n + 64 * i) % 256] for i in range(LANES)] for n in range(256)]  # every value in every lane
    vectors += [[rng.choice([-128, -1, 0, 1, SIX - 1, SIX, SIX + 1, 127, rng.randint(-128, 127)])
                 for _ in range(LANES)] for _ in range(300)]
    for step, xs in enumerate(vectors):
        for relu6 in (0, 1):
            dut.x.value, dut.relu6.value = pack(xs), relu6
            await Timer(1, unit="ns")
            word = int(dut.y.value)
            for i, x in enumerate(xs):
                got, want = lane(word, i), relu(x, relu6)
                assert got == want, f"step {step}: y lane {i} got {got} expected {want} (x={x} relu6={relu6})"
