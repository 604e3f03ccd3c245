"""cocotb test for bf16_mul (combinational): a bit-exact Python model of the bfloat16 product (round to nearest
even, subnormals treated as / flushed to zero, infinities, canonical NaN), checked on a matrix of special values,
exact ties with odd and even kept bits, rounding carries into the exponent, the overflow and underflow edges
(including a rounding carry that lifts a result out of the flushed range), and seeded random vectors."""

import random

import cocotb
from cocotb.triggers import Timer

QNAN = 0x7FC0


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def fields(x: int) -> tuple[int, int, int]:
    return x >> 15, (x >> 7) & 0xFF, x & 0x7F


def model(a: int, b: int) -> int:
    sa, ea, ma = fields(a)
    sb, eb, mb = fields(b)
    s = sa ^ sb
    nan_a, nan_b = ea == 255 and ma != 0, eb == 255 and mb != 0
    inf_a, inf_b = ea == 255 and ma == 0, eb == 255 and mb == 0
    zero_a, zero_b = ea == 0, eb == 0  # subnormal inputs count as zero
    if nan_a or nan_b or (inf_a and zero_b) or (inf_b and zero_a):
        return QNAN
    if inf_a or inf_b:
        return (s << 15) | 0x7F80
    if zero_a or zero_b:
        return s << 15
    m = (0x80 | ma) * (0x80 | mb)
    e = ea + eb - 127
    if m >> 15:
        e += 1
        kept, guard, sticky = m >> 8, (m >> 7) & 1, (m & 0x7F) != 0
    else:
        kept, guard, sticky = m >> 7, (m >> 6) & 1, (m & 0x3F) != 0
    if guard and (sticky or kept & 1):
        kept += 1
        if kept == 0x100:
            kept, e = 0x80, e + 1
    if e >= 255:
        return (s << 15) | 0x7F80
    if e <= 0:
        return s << 15
    return (s << 15) | (e << 7) | (kept & 0x7F)


def pack(s: int, e: int, m: int) -> int:
    return (s << 15) | (e << 7) | m


def significand_classes() -> dict[str, list[tuple[int, int]]]:
    """Mantissa pairs (ma, mb) by what rounding does with them."""
    out: dict[str, list[tuple[int, int]]] = {k: [] for k in
                                              ("tie_even", "tie_odd", "carry", "exact", "top_exact")}
    for ma in range(128):
        for mb in range(128):
            m = (0x80 | ma) * (0x80 | mb)
            top = m >> 15
            kept, guard, rest = (m >> 8, (m >> 7) & 1, m & 0x7F) if top else (m >> 7, (m >> 6) & 1, m & 0x3F)
            if guard and not rest:
                out["tie_odd" if kept & 1 else "tie_even"].append((ma, mb))
            if kept == 0xFF and guard:  # rounds up to 2.0 (only possible below 2.0: 255*255 < 0xFF00)
                out["carry"].append((ma, mb))
            if not guard and not rest:
                out["top_exact" if top else "exact"].append((ma, mb))
    return out


def vectors(rng: random.Random) -> list[tuple[str, int, int]]:
    specials = [0x0000, 0x8000, 0x0001, 0x807F, 0x3F80, 0xBF80, 0x4000, 0x3F00, 0x3FC0, 0xC040, 0x7F7F, 0xFF7F,
                0x0080, 0x8080, 0x00FF, 0x7F80, 0xFF80, 0x7FC0, 0x7F81, 0xFFC1, 0x7FFF]
    out = [("special", a, b) for a in specials for b in specials]
    classes = significand_classes()
    # rounding cases at ordinary exponents
    for name in classes:
        for _ in range(60):
            ma, mb = rng.choice(classes[name])
            ea, eb = rng.randint(100, 150), rng.randint(100, 150)
            out.append((name, pack(rng.randint(0, 1), ea, ma), pack(rng.randint(0, 1), eb, mb)))
    # the overflow edge: ea + eb - 127 (+ normalisation, + carry) around 254/255
    for _ in range(300):
        name = rng.choice(list(classes))
        ma, mb = rng.choice(classes[name])
        total = rng.randint(127 + 252, 127 + 256)
        ea = rng.randint(max(1, total - 254), min(254, total - 1))
        out.append((f"overflow edge ({name})", pack(rng.randint(0, 1), ea, ma), pack(rng.randint(0, 1), total - ea, mb)))
    # the underflow edge: ea + eb - 127 around 0/1, with carries that lift an exponent-0 result to the smallest normal
    for _ in range(300):
        name = rng.choice(list(classes))
        ma, mb = rng.choice(classes[name])
        total = rng.randint(124, 129)
        ea = rng.randint(max(1, total - 254), min(254, total - 1))
        out.append((f"underflow edge ({name})", pack(rng.randint(0, 1), ea, ma), pack(rng.randint(0, 1), total - ea, mb)))
    for ma, mb in classes["carry"][:20]:  # exponent 0 before rounding, 1 after the carry: 0x0080, not zero
        out.append(("carry out of flush", pack(0, 64, ma), pack(1, 63, mb)))
    out += [("random bits", rng.getrandbits(16), rng.getrandbits(16)) for _ in range(1500)]
    out += [("random normal", pack(rng.randint(0, 1), rng.randint(90, 165), rng.getrandbits(7)),
             pack(rng.randint(0, 1), rng.randint(90, 165), rng.getrandbits(7))) for _ in range(1500)]
    return out


@cocotb.test()
async def multiplies_like_the_bit_exact_model(dut):
    for n, (kind, a, b) in enumerate(vectors(random.Random(16016))):
        for x, y in ((a, b), (b, a)) if n % 7 == 0 else ((a, b),):  # commutativity on a sample
            dut.a.value, dut.b.value = x, y
            await Timer(1, unit="ns")
            want, got = model(x, y), val(dut.y)
            shown = f"{got:#06x}" if isinstance(got, int) else got
            assert got == want, f"vector {n} ({kind}; a={x:#06x} b={y:#06x}): y got {shown} expected {want:#06x}"
