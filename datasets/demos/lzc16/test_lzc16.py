"""cocotb test for lzc16 (combinational): zero, every one-hot word, every word with a top bit and random lower
bits, then seeded random words."""

import random

import cocotb
from cocotb.triggers import Timer


def model(word: int) -> tuple[int, int]:
    return 16 - word.bit_length(), int(word != 0)


@cocotb.test()
async def counts_leading_zeros(dut):
    rng = random.Random(5)
    words = [0, 0xFFFF, 1, 0x8000, 0x7FFF]
    words += [1 << i for i in range(16)]
    words += [(1 << i) | rng.randint(0, (1 << i) - 1) for i in range(1, 16) for _ in range(8)]
    words += [rng.randint(0, 0xFFFF) >> rng.randint(0, 15) for _ in range(1000)]
    for n, word in enumerate(words):
        dut.data.value = word
        await Timer(1, unit="ns")
        count, valid = model(word)
        got_count, got_valid = int(dut.count.value), int(dut.valid.value)
        assert got_count == count, f"vector {n} (data=0x{word:04x}): count got {got_count} expected {count}"
        assert got_valid == valid, f"vector {n} (data=0x{word:04x}): valid got {got_valid} expected {valid}"
