"""cocotb system test for im2col_gemm (AccelBench system tier): convolution jobs as im2col + GEMM (four filters,
K x K kernels of 1 to 3, stride 1 to 3, zero padding 0 to K-1, 1 to 4 int8 channels, images up to 16 x 8), checked
against a Python golden model by a scoreboard on the output stream. Every stream is valid/ready: the configuration
and input streams have seeded random gaps and junk on idle cycles, the output stream random back-pressure, so any
latency passes. Corners: signed extremes, padding on every side, strides larger than the kernel, 1 x 1 kernels,
images 1 wide or 1 high, 16 x 8 images (the whole buffer), junk in the unused channel lanes, back-to-back jobs, a
reset mid-job. Reset is held from time 0 with the clock starting low."""

import json
import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

STALL_LIMIT = 200  # cycles without any handshake before the test calls it a hang


def out_size(size: int, cfg: dict) -> int:
    return (size + 2 * cfg["pad"] - cfg["k"]) // cfg["stride"] + 1


def patch(cfg: dict, image: list[list[list[int]]], oy: int, ox: int) -> list[int]:
    """The im2col row of output (oy, ox): elements in (ky, kx, channel) order, 0 in the padding."""
    k, chans, height, width = cfg["k"], cfg["chans"], len(image), len(image[0])
    y0, x0 = oy * cfg["stride"] - cfg["pad"], ox * cfg["stride"] - cfg["pad"]
    return [image[y0 + ky][x0 + kx][c] if 0 <= y0 + ky < height and 0 <= x0 + kx < width else 0
            for ky in range(k) for kx in range(k) for c in range(chans)]


def golden(cfg: dict, weights: list[list[int]], image: list[list[list[int]]]) -> list[list[int]]:
    """Per output position in raster order, the four filters' sums: the patch matrix times the weight matrix."""
    out = []
    for oy in range(out_size(len(image), cfg)):
        for ox in range(out_size(len(image[0]), cfg)):
            row = patch(cfg, image, oy, ox)
            out.append([sum(a * weights[e][f] for e, a in enumerate(row)) for f in range(4)])
    return out


def pack(lanes: list[int], bits: int = 8) -> int:
    return sum((v & ((1 << bits) - 1)) << (bits * i) for i, v in enumerate(lanes))


def unpack(word: int, bits: int = 32) -> list[int]:
    mask = (1 << bits) - 1
    return [((word >> (bits * i)) & mask) - ((word >> (bits * i + bits - 1)) & 1) * (1 << bits) for i in range(4)]


def describe(cfg: dict) -> str:
    return f"{cfg['width']}x{cfg['height']}x{cfg['chans']} k={cfg['k']} s={cfg['stride']} p={cfg['pad']}"


class Source:
    """Drives one valid/ready input stream: items are dicts of port values; seeded random gaps, junk when idle."""

    def __init__(self, dut, prefix: str, fields: dict[str, tuple[int, int]], rng: random.Random, gap: float):
        self.valid, self.ready = getattr(dut, f"{prefix}_valid"), getattr(dut, f"{prefix}_ready")
        self.ports = {name: getattr(dut, name) for name in fields}
        self.junk = fields  # name -> (lowest, highest) for the values driven on idle cycles
        self.rng, self.gap, self.items, self.driving, self.accepted = rng, gap, deque(), False, 0

    def sample(self) -> bool:
        ready = self.ready.value
        if self.driving and not ready.is_resolvable:
            raise AssertionError(f"{self.ready._name} got {ready} (X/Z) expected 0 or 1")
        if self.driving and int(ready):
            self.items.popleft()
            self.driving, self.accepted = False, self.accepted + 1
            return True
        return False

    def drive(self) -> None:
        if not self.driving and self.items and self.rng.random() >= self.gap:
            for name, value in self.items[0].items():
                self.ports[name].value = value
            self.driving = True
        elif not self.driving:
            for name, (low, high) in self.junk.items():
                self.ports[name].value = self.rng.randint(low, high)
        self.valid.value = int(self.driving)


class Sink:
    """Checks the output stream against expected (label, lanes, last) items; random back-pressure. While
    out_valid is high and out_ready low, out_valid, out_data and out_last must hold."""

    def __init__(self, dut, rng: random.Random, ready_p: float):
        self.dut, self.rng, self.ready_p = dut, rng, ready_p
        self.expected, self.seen, self.stalled, self.ready = deque(), 0, None, 0

    def sample(self) -> bool:
        dut = self.dut
        valid = dut.out_valid.value
        if not valid.is_resolvable:
            raise AssertionError(f"output {self.seen}: out_valid got {valid} (X/Z) expected 0 or 1")
        if self.stalled is not None:
            label, word, last = self.stalled
            assert int(valid), f"{label}: out_valid got 0 expected 1 (dropped while out_ready was low)"
            now = (int(dut.out_data.value), int(dut.out_last.value))
            assert now == (word, last), (f"{label}: (out_data, out_last) got ({unpack(now[0])}, {now[1]}) expected "
                                         f"({unpack(word)}, {last}) (changed while stalled)")
        self.stalled = None
        if not int(valid):
            return False
        if not self.expected:
            raise AssertionError(f"output {self.seen}: out_valid got 1 expected 0 (no output is due)"
                                 f", out_data={dut.out_data.value}")
        label, want, want_last = self.expected[0]
        data, last = dut.out_data.value, dut.out_last.value
        if not (data.is_resolvable and last.is_resolvable):
            raise AssertionError(f"{label}: (out_data, out_last) got ({data}, {last}) (X/Z) expected ({want}, {want_last})")
        if not self.ready:
            self.stalled = (label, int(data), int(last))
            return False
        got = unpack(int(data))
        for o in range(4):
            assert got[o] == want[o], f"{label} filter {o}: out_data got {got[o]} expected {want[o]} (all: got {got} expected {want})"
        assert int(last) == want_last, f"{label}: out_last got {int(last)} expected {want_last}"
        self.expected.popleft()
        self.seen += 1
        return True

    def drive(self) -> None:
        self.ready = int(self.rng.random() < self.ready_p)
        self.dut.out_ready.value = self.ready


CFG_JUNK = {"cfg_width": (0, 31), "cfg_height": (0, 15), "cfg_chans": (0, 7), "cfg_k": (0, 3), "cfg_stride": (0, 3),
            "cfg_pad": (0, 3)}


def job_items(n: int, job: dict) -> tuple[dict, list[dict], list[tuple[str, list[int], int]]]:
    cfg = job["cfg"]
    fields = {"cfg_width": cfg["width"], "cfg_height": cfg["height"], "cfg_chans": cfg["chans"], "cfg_k": cfg["k"],
              "cfg_stride": cfg["stride"], "cfg_pad": cfg["pad"]}
    words = [pack(w) for w in job["weights"]] + [pack(p) for row in job["image"] for p in row]
    want = golden(cfg, job["weights"], job["image"])
    per_row = out_size(cfg["width"], cfg)
    outs = [(f"job {n} ({describe(cfg)}) output {i} (row {i // per_row}, col {i % per_row})", y,
             int(i == len(want) - 1)) for i, y in enumerate(want)]
    return fields, [{"in_data": w} for w in words], outs


async def reset(dut, cycles: int = 2) -> None:
    dut.rst.value = 1
    dut.cfg_valid.value, dut.in_valid.value, dut.out_ready.value = 0, 0, 0
    for _ in range(cycles):
        await RisingEdge(dut.clk)
    await ReadOnly()
    for name, want in (("cfg_ready", 1), ("in_ready", 0), ("out_valid", 0)):
        value = getattr(dut, name).value
        assert value.is_resolvable and int(value) == want, f"in reset: {name} got {value} expected {want}"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def start(dut) -> None:
    dut.clk.value, dut.rst.value = 0, 1
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await reset(dut)


async def run(dut, jobs: list[dict], rng: random.Random, gap: float, ready_p: float, first: int = 0,
              stop_when_held: int | None = None, stop_after_words: int | None = None, stop_after_outputs: int | None = None) -> list[tuple[int, int]]:
    """Stream the jobs through; returns per job (cycle of its configuration handshake, cycle of its last output)."""
    cfg_src = Source(dut, "cfg", CFG_JUNK, rng, gap)
    in_src = Source(dut, "in", {"in_data": (0, 0xFFFFFFFF)}, rng, gap)
    sink = Sink(dut, rng, ready_p)
    ends, total = [], 0
    for n, job in enumerate(jobs, start=first):
        fields, words, outs = job_items(n, job)
        cfg_src.items.append(fields)
        in_src.items.extend(words)
        sink.expected.extend(outs)
        total += len(outs)
        ends.append(total)
    marks, cycle, idle = [], 0, 0
    while sink.expected or cfg_src.items or in_src.items:
        cfg_src.drive()
        in_src.drive()
        sink.drive()
        await ReadOnly()  # the values the coming rising edge sees: handshakes are decided here
        cycle += 1
        moved = False
        if cfg_src.sample():
            before = ends[len(marks) - 1] if marks else 0  # outputs of the jobs before this one
            assert sink.seen >= before, (f"job {first + len(marks)}: configuration taken (cfg_ready 1) while job "
                                         f"{first + len(marks) - 1} has {before - sink.seen} outputs pending, expected 0")
            marks.append([cycle, None])
            moved = True
        moved |= in_src.sample()
        if sink.sample():
            moved = True
            if marks and sink.seen == ends[len(marks) - 1]:
                marks[-1][1] = cycle
        idle = 0 if moved else idle + 1
        if idle > STALL_LIMIT:
            raise AssertionError(f"no handshake for {STALL_LIMIT} cycles: {len(cfg_src.items)} configurations, "
                                 f"{len(in_src.items)} input words and {len(sink.expected)} outputs pending; "
                                 f"next output due: {sink.expected[0][0] if sink.expected else 'none'}")
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
        if stop_after_words is not None and in_src.accepted >= stop_after_words:
            break
        if stop_when_held is not None and sink.stalled is not None and sink.seen >= stop_when_held:
            break  # an output is valid and held by back-pressure
        if stop_after_outputs is not None and sink.seen >= stop_after_outputs:
            break
    dut.cfg_valid.value, dut.in_valid.value = 0, 0
    return [tuple(m) for m in marks]


def value(rng: random.Random, style: str) -> int:
    if style == "low":
        return -128
    if style == "high":
        return 127
    if style == "small":
        return rng.randint(-3, 3)
    return rng.choice((-128, 127, 0, 1, -1, rng.randint(-128, 127), rng.randint(-128, 127)))


def job(rng: random.Random, width: int, height: int, chans: int, k: int, stride: int, pad: int,
        style: str = "random", weights: str = "random") -> dict:
    """A job; pixel lanes at and above `chans` carry junk the unit must ignore."""
    cfg = {"width": width, "height": height, "chans": chans, "k": k, "stride": stride, "pad": pad}
    w = [[value(rng, weights) for _ in range(4)] for _ in range(k * k * chans)]
    image = [[[value(rng, style) if c < chans else rng.randint(-128, 127) for c in range(4)] for _ in range(width)]
             for _ in range(height)]
    return {"cfg": cfg, "weights": w, "image": image}


def directed_jobs(rng: random.Random) -> list[dict]:
    jobs = [
        job(rng, 5, 4, 2, 3, 1, 1),
        job(rng, 6, 5, 1, 2, 2, 0),
        job(rng, 4, 4, 4, 3, 1, 0),
        job(rng, 7, 3, 3, 3, 2, 2),                            # padding 2: corners see one pixel
        job(rng, 1, 1, 1, 3, 1, 1),                            # one pixel in the middle of its padding
        job(rng, 16, 2, 1, 1, 1, 0, style="small"),            # 1 x 1 kernel: a per-pixel GEMM
        job(rng, 3, 8, 4, 3, 3, 2, style="high", weights="low"),
        job(rng, 9, 5, 4, 3, 1, 1, style="low", weights="low"),  # the largest sums
        job(rng, 1, 6, 2, 2, 1, 1),                            # one column
        job(rng, 8, 1, 3, 1, 3, 0),                            # one row, stride 3
        job(rng, 16, 8, 1, 3, 2, 1),                           # the whole buffer
        job(rng, 6, 6, 2, 2, 3, 1),                            # stride larger than the kernel
        job(rng, 5, 3, 1, 3, 1, 0, style="small", weights="small"),
    ]
    for _ in range(5):
        k = rng.randint(1, 3)
        pad = rng.randint(0, k - 1)
        width, height = rng.randint(max(1, k - 2 * pad), 16), rng.randint(max(1, k - 2 * pad), 8)
        jobs.append(job(rng, width, height, rng.randint(1, 4), k, rng.randint(1, 3), pad))
    return jobs


def bound(cfg: dict) -> int:
    """Full-rate cycles from the configuration to the last output: the words, then one patch element a cycle."""
    length = cfg["k"] * cfg["k"] * cfg["chans"]
    outputs = out_size(cfg["width"], cfg) * out_size(cfg["height"], cfg)
    return length + cfg["width"] * cfg["height"] + outputs * length + 8


@cocotb.test()
async def jobs_stream_through_with_gaps_and_back_pressure(dut):
    await start(dut)
    rng = random.Random(1801)
    await run(dut, directed_jobs(rng), rng, gap=0.3, ready_p=0.6)


@cocotb.test()
async def full_rate_jobs_and_a_reset_mid_job(dut):
    """Inputs always valid, output always ready: one input word, then one patch element per cycle, a job done
    within L + W*H + OH*OW*L + 8 cycles of its configuration (L = K*K*C). Then a job cut by reset leaves nothing
    behind."""
    await start(dut)
    rng = random.Random(1802)
    jobs = [job(rng, 16, 8, 4, 3, 1, 1), job(rng, 8, 8, 2, 3, 1, 1), job(rng, 12, 6, 1, 2, 2, 0),
            job(rng, 3, 3, 1, 1, 1, 0)]
    marks = await run(dut, jobs, rng, gap=0.0, ready_p=1.0)
    for n, (j, (begin, end)) in enumerate(zip(jobs, marks)):
        cycles, limit = end - begin, bound(j["cfg"])
        dut._log.info("job %d (%s): %d cycles from configuration to last output", n, describe(j["cfg"]), cycles)
        assert cycles <= limit, f"job {n} ({describe(j['cfg'])}): cycles from configuration to last output got {cycles} expected <= {limit}"
    with open("cost.json", "w", encoding="utf-8") as f:  # the run folder; aigchip verify --keep keeps it
        json.dump({"cycles_per_job": marks[1][1] - marks[1][0], "job": describe(jobs[1]["cfg"]),
                   "cycles": {describe(j["cfg"]): end - begin for j, (begin, end) in zip(jobs, marks)}}, f)

    await run(dut, [job(rng, 8, 6, 2, 3, 1, 1)], rng, gap=0.2, ready_p=0.5, first=4, stop_after_words=30)
    await reset(dut)
    await run(dut, [job(rng, 5, 5, 3, 3, 2, 1), job(rng, 4, 3, 1, 2, 1, 0)], rng, gap=0.2, ready_p=0.7, first=5)
    await run(dut, [job(rng, 6, 4, 2, 3, 1, 1)], rng, gap=0.0, ready_p=1.0, first=7, stop_after_outputs=5)
    await reset(dut)  # cut while computing: every word taken, 19 outputs pending
    await run(dut, [job(rng, 4, 4, 1, 3, 1, 1)], rng, gap=0.1, ready_p=0.8, first=8)

    await run(dut, [job(rng, 5, 4, 2, 3, 1, 1)], rng, gap=0.0, ready_p=0.3, first=9, stop_when_held=3)
    await reset(dut)  # cut while an output is held by back-pressure: out_valid must fall in reset
    await run(dut, [job(rng, 3, 3, 1, 2, 1, 0)], rng, gap=0.1, ready_p=0.8, first=10)
    await run(dut, [job(rng, 6, 3, 1, 1, 1, 0)], rng, gap=0.0, ready_p=0.3, first=11, stop_when_held=2)
    await reset(dut)  # 1x1 kernel, one channel: every element ends a patch, so one is in flight behind the held output
    await run(dut, [job(rng, 2, 2, 1, 1, 1, 0)], rng, gap=0.1, ready_p=0.8, first=12)
