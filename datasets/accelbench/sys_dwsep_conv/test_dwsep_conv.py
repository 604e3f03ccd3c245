"""cocotb system test for dwsep_conv (AccelBench system tier): jobs of depthwise-separable convolution (3x3
depthwise per channel, rounding requantisation, optional ReLU, then 1x1 pointwise over four channels) on 4-channel
int8 images up to 16 x 63, checked against a Python golden model by a scoreboard on the output stream. Every
stream is valid/ready: the configuration and input streams have seeded random gaps and junk on idle cycles, the
output stream random back-pressure, so any latency passes. Corners: signed extremes, saturation at both ends,
rounding ties at every shift, shift 0, images exactly 3 wide or high and 16 wide, jobs that keep the previous
weights, back-to-back jobs, a reset mid-job. Reset is held from time 0 with the clock starting low."""

import json
import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

STALL_LIMIT = 200  # cycles without any handshake before the test calls it a hang


def round_shift(x: int, shift: int) -> int:
    return (x + (1 << (shift - 1))) >> shift if shift else x


def sat8(x: int) -> int:
    return max(-128, min(127, x))


def golden(cfg: dict, dw: list[list[int]], pw: list[list[int]], image: list[list[list[int]]]) -> list[list[int]]:
    """The job's outputs (four channels each) in raster order of the 3x3 windows' top-left corners."""
    height, width = len(image), len(image[0])
    out = []
    for r0 in range(height - 2):
        for c0 in range(width - 2):
            d = []
            for ch in range(4):
                acc = sum(image[r0 + dr][c0 + dc][ch] * dw[3 * dr + dc][ch] for dr in range(3) for dc in range(3))
                v = sat8(round_shift(acc, cfg["shift1"]))
                d.append(max(v, 0) if cfg["relu"] else v)
            out.append([sat8(round_shift(sum(d[i] * pw[o][i] for i in range(4)), cfg["shift2"])) for o in range(4)])
    return out


def pack(lanes: list[int]) -> int:
    return sum((v & 0xFF) << (8 * i) for i, v in enumerate(lanes))


def unpack(word: int) -> list[int]:
    return [((word >> (8 * i)) & 0xFF) - (256 if (word >> (8 * i + 7)) & 1 else 0) for i in range(4)]


def describe(cfg: dict) -> str:
    return (f"{cfg['width']}x{cfg['height']} shift1={cfg['shift1']} relu={cfg['relu']} shift2={cfg['shift2']}"
            f"{' keep' if cfg['keep'] else ''}")


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
            assert got[o] == want[o], f"{label} channel {o}: out_data got {got[o]} expected {want[o]} (all: got {got} expected {want})"
        assert int(last) == want_last, f"{label}: out_last got {int(last)} expected {want_last}"
        self.expected.popleft()
        self.seen += 1
        return True

    def drive(self) -> None:
        self.ready = int(self.rng.random() < self.ready_p)
        self.dut.out_ready.value = self.ready


CFG_JUNK = {"cfg_width": (0, 31), "cfg_height": (0, 63), "cfg_shift1": (0, 15), "cfg_relu": (0, 1),
            "cfg_shift2": (0, 15), "cfg_keep": (0, 1)}


def job_items(n: int, job: dict) -> tuple[dict, list[dict], list[tuple[str, list[int], int]]]:
    cfg = job["cfg"]
    fields = {"cfg_width": cfg["width"], "cfg_height": cfg["height"], "cfg_shift1": cfg["shift1"],
              "cfg_relu": cfg["relu"], "cfg_shift2": cfg["shift2"], "cfg_keep": cfg["keep"]}
    words = [] if cfg["keep"] else [pack(t) for t in job["dw"]] + [pack(row) for row in job["pw"]]
    words += [pack(p) for row in job["image"] for p in row]
    want = golden(cfg, job["dw"], job["pw"], job["image"])
    per_row = cfg["width"] - 2
    outs = [(f"job {n} ({describe(cfg)}) output {i} (window row {i // per_row}, col {i % per_row})", y,
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
              stop_when_held: int | None = None, stop_after_words: int | None = None) -> list[tuple[int, int]]:
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
    dut.cfg_valid.value, dut.in_valid.value = 0, 0
    return [tuple(m) for m in marks]


def lanes(rng: random.Random, style: str) -> list[int]:
    if style == "low":
        return [-128] * 4
    if style == "high":
        return [127] * 4
    if style == "small":
        return [rng.randint(-3, 3) for _ in range(4)]
    return [rng.choice((-128, 127, 0, 1, -1, rng.randint(-128, 127), rng.randint(-128, 127))) for _ in range(4)]


def job(rng: random.Random, width: int, height: int, shift1: int, relu: int, shift2: int, style: str = "random",
        weights: str = "random", keep_from: dict | None = None) -> dict:
    cfg = {"width": width, "height": height, "shift1": shift1, "relu": relu, "shift2": shift2,
           "keep": int(keep_from is not None)}
    if keep_from is not None:
        dw, pw = keep_from["dw"], keep_from["pw"]
    else:
        dw = [lanes(rng, weights) for _ in range(9)]
        pw = [lanes(rng, weights) for _ in range(4)]
    image = [[lanes(rng, style) for _ in range(width)] for _ in range(height)]
    return {"cfg": cfg, "dw": dw, "pw": pw, "image": image}


def directed_jobs(rng: random.Random) -> list[dict]:
    jobs = [
        job(rng, 6, 5, 8, 0, 7),
        job(rng, 3, 3, 0, 0, 0, style="small", weights="small"),   # no shift: exact small sums
        job(rng, 16, 4, 9, 1, 6),
        job(rng, 5, 7, 1, 0, 1, style="small", weights="small"),   # ties at shift 1
        job(rng, 4, 3, 15, 0, 15),                                 # everything rounds to 0 or +-1
        job(rng, 3, 5, 2, 1, 3, style="small", weights="small"),
        job(rng, 7, 3, 0, 0, 0, style="high", weights="high"),      # saturate high at both stages
        job(rng, 4, 4, 0, 0, 0, style="low", weights="high"),       # saturate low
        job(rng, 5, 4, 3, 0, 2, style="low", weights="low"),
        job(rng, 9, 6, 7, 1, 8),
    ]
    jobs.append(job(rng, 8, 4, 8, 0, 6, keep_from=jobs[-1]))   # keep the previous weights
    jobs.append(job(rng, 5, 5, 4, 0, 4, style="small"))
    jobs.append(job(rng, 3, 4, 2, 1, 1, style="small", keep_from=jobs[-1]))
    for _ in range(4):
        width, height = rng.randint(3, 16), rng.randint(3, 7)
        small = rng.random() < 0.3  # small weights: small shifts keep the outputs off zero
        jobs.append(job(rng, width, height, rng.randint(1, 4) if small else rng.randint(6, 9), rng.randint(0, 1),
                        rng.randint(1, 4) if small else rng.randint(5, 8), weights="small" if small else "random"))
    return jobs


@cocotb.test()
async def jobs_stream_through_with_gaps_and_back_pressure(dut):
    await start(dut)
    rng = random.Random(1701)
    await run(dut, directed_jobs(rng), rng, gap=0.3, ready_p=0.6)


@cocotb.test()
async def full_rate_jobs_and_a_reset_mid_job(dut):
    """Inputs always valid, output always ready: one word per cycle, a job done within 13 + W*H + 8 cycles of its
    configuration (W*H + 8 when it keeps its weights). Then a job cut by reset leaves nothing behind."""
    await start(dut)
    rng = random.Random(1702)
    jobs = [job(rng, 16, 6, 9, 1, 7), job(rng, 8, 8, 8, 0, 7)]
    jobs += [job(rng, 12, 5, 8, 1, 6, keep_from=jobs[1]), job(rng, 3, 3, 7, 0, 6)]
    marks = await run(dut, jobs, rng, gap=0.0, ready_p=1.0)
    for n, (j, (begin, end)) in enumerate(zip(jobs, marks)):
        cfg = j["cfg"]
        cycles, bound = end - begin, (0 if cfg["keep"] else 13) + cfg["width"] * cfg["height"] + 8
        dut._log.info("job %d (%s): %d cycles from configuration to last output", n, describe(cfg), cycles)
        assert cycles <= bound, f"job {n} ({describe(cfg)}): cycles from configuration to last output got {cycles} expected <= {bound}"
    with open("cost.json", "w", encoding="utf-8") as f:  # the run folder; aigchip verify --keep keeps it
        json.dump({"cycles_per_job": marks[1][1] - marks[1][0], "job": describe(jobs[1]["cfg"]),
                   "cycles": {describe(j["cfg"]): end - begin for j, (begin, end) in zip(jobs, marks)}}, f)

    await run(dut, [job(rng, 8, 6, 8, 0, 7)], rng, gap=0.2, ready_p=0.5, first=4, stop_after_words=30)
    await reset(dut)
    after = [job(rng, 5, 5, 8, 1, 7), job(rng, 4, 3, 7, 0, 6)]
    after.append(job(rng, 6, 4, 8, 0, 6, keep_from=after[1]))
    await run(dut, after, rng, gap=0.2, ready_p=0.7, first=5)

    # cut while an output is held by back-pressure, mid-row of a 16-wide image so that every pipeline stage behind
    # the output holds a window too: out_valid must fall in reset, and nothing in flight may come out after it
    await run(dut, [job(rng, 16, 4, 8, 0, 7)], rng, gap=0.0, ready_p=0.3, first=8, stop_when_held=3)
    await reset(dut)
    await run(dut, [job(rng, 4, 4, 8, 1, 7)], rng, gap=0.1, ready_p=0.8, first=9)
