"""cocotb system test for pool_act (AccelBench system tier): jobs of max/average pooling (k = 2, 3; stride 1-3)
and activation (none, ReLU, ReLU6, leaky) over int8 images up to 16 x 63, checked against a Python golden model
by a scoreboard on the output stream. Every stream is valid/ready: the configuration and pixel streams have
seeded random gaps and junk on idle cycles, the output stream random back-pressure, so any latency passes.
Corners: signed extremes (all -128, all 127, checkerboards), the leaky rounding of odd negatives, ReLU6 at its
ceiling, strides larger than the window, images exactly k wide or high, back-to-back jobs, a reset mid-job.
Reset is held from time 0 with the clock starting low."""

import json
import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

RECIPROCAL = {2: 16384, 3: 7282}  # average = floor((sum * R + 2^15) / 2^16)
ACTS = ("none", "relu", "relu6", "leaky")
STALL_LIMIT = 200  # cycles without any handshake before the test calls it a hang


def golden(cfg: dict, image: list[list[int]]) -> list[int]:
    """The job's outputs in raster order of the window positions."""
    k, s, height, width = cfg["k"], cfg["stride"], len(image), len(image[0])
    out = []
    for r0 in range(0, height - k + 1, s):
        for c0 in range(0, width - k + 1, s):
            window = [image[r][c] for r in range(r0, r0 + k) for c in range(c0, c0 + k)]
            x = (sum(window) * RECIPROCAL[k] + 32768) >> 16 if cfg["avg"] else max(window)
            act = ACTS[cfg["act"]]
            if act == "relu":
                x = max(x, 0)
            elif act == "relu6":
                x = min(max(x, 0), cfg["six"])
            elif act == "leaky" and x < 0:
                x = (x + (1 << (cfg["shift"] - 1) if cfg["shift"] else 0)) >> cfg["shift"]
            out.append(x)
    return out


def describe(cfg: dict) -> str:
    act = ACTS[cfg["act"]] + (f"({cfg['six']})" if cfg["act"] == 2 else f"(>>{cfg['shift']})" if cfg["act"] == 3 else "")
    return f"{cfg['width']}x{cfg['height']} k={cfg['k']} s={cfg['stride']} {'avg' if cfg['avg'] else 'max'} {act}"


class Source:
    """Drives one valid/ready input stream: items are dicts of port values; seeded random gaps, junk when idle."""

    def __init__(self, dut, prefix: str, fields: dict[str, tuple[int, int]], rng: random.Random, gap: float):
        self.valid, self.ready = getattr(dut, f"{prefix}_valid"), getattr(dut, f"{prefix}_ready")
        self.ports = {name: getattr(dut, name) for name in fields}
        self.junk = fields  # name -> (lowest, highest) for the values driven on idle cycles
        self.rng, self.gap, self.items, self.driving, self.accepted = rng, gap, deque(), False, 0

    def sample(self) -> bool:
        if self.driving and int(self.ready.value):
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
    """Checks one valid/ready output stream against expected (label, data, last) items; random back-pressure.
    While out_valid is high and out_ready low, out_valid, out_data and out_last must hold."""

    def __init__(self, dut, rng: random.Random, ready_p: float):
        self.dut, self.rng, self.ready_p = dut, rng, ready_p
        self.expected, self.seen, self.stalled, self.ready = deque(), 0, None, 0

    def sample(self) -> bool:
        dut = self.dut
        valid = dut.out_valid.value
        if not valid.is_resolvable:
            raise AssertionError(f"output {self.seen}: out_valid got {valid} (X/Z) expected 0 or 1")
        if self.stalled is not None:
            label, data, last = self.stalled
            assert int(valid), f"{label}: out_valid got 0 expected 1 (dropped while out_ready was low)"
            now = (dut.out_data.value.to_signed(), int(dut.out_last.value))
            assert now == (data, last), f"{label}: (out_data, out_last) got {now} expected {(data, last)} (changed while stalled)"
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
        got = (data.to_signed(), int(last))
        if not self.ready:
            self.stalled = (label, *got)
            return False
        assert got[0] == want, f"{label}: out_data got {got[0]} expected {want}"
        assert got[1] == want_last, f"{label}: out_last got {got[1]} expected {want_last}"
        self.expected.popleft()
        self.seen += 1
        return True

    def drive(self) -> None:
        self.ready = int(self.rng.random() < self.ready_p)
        self.dut.out_ready.value = self.ready


def job_items(n: int, cfg: dict, image: list[list[int]]) -> tuple[dict, list[dict], list[tuple[str, int, int]]]:
    fields = {"cfg_width": cfg["width"], "cfg_height": cfg["height"], "cfg_k": cfg["k"], "cfg_stride": cfg["stride"],
              "cfg_avg": cfg["avg"], "cfg_act": cfg["act"], "cfg_six": cfg["six"], "cfg_shift": cfg["shift"]}
    pixels = [{"in_data": p} for row in image for p in row]
    want = golden(cfg, image)
    per_row = (cfg["width"] - cfg["k"]) // cfg["stride"] + 1
    outs = [(f"job {n} ({describe(cfg)}) output {i} (window row {i // per_row}, col {i % per_row})", y, int(i == len(want) - 1))
            for i, y in enumerate(want)]
    return fields, pixels, outs


CFG_JUNK = {"cfg_width": (0, 31), "cfg_height": (0, 63), "cfg_k": (0, 3), "cfg_stride": (0, 3), "cfg_avg": (0, 1),
            "cfg_act": (0, 3), "cfg_six": (0, 127), "cfg_shift": (0, 7)}


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


async def run(dut, jobs: list[tuple[dict, list[list[int]]]], rng: random.Random, gap: float, ready_p: float,
              first: int = 0, stop_after_pixels: int | None = None) -> list[tuple[int, int]]:
    """Stream the jobs through; returns per job (cycle of its configuration handshake, cycle of its last output)."""
    cfg_src = Source(dut, "cfg", CFG_JUNK, rng, gap)
    pix_src = Source(dut, "in", {"in_data": (-128, 127)}, rng, gap)
    sink = Sink(dut, rng, ready_p)
    for n, (cfg, image) in enumerate(jobs, start=first):
        fields, pixels, outs = job_items(n, cfg, image)
        cfg_src.items.append(fields)
        pix_src.items.extend(pixels)
        sink.expected.extend(outs)
    ends = []
    total = 0
    for cfg, image in jobs:
        total += len(golden(cfg, image))
        ends.append(total)
    marks, cycle, idle = [], 0, 0
    while sink.expected or cfg_src.items or pix_src.items:
        cfg_src.drive()
        pix_src.drive()
        sink.drive()
        await ReadOnly()  # the values the coming rising edge sees: handshakes are decided here
        cycle += 1
        moved = False
        if cfg_src.sample():
            marks.append([cycle, None])
            moved = True
        moved |= pix_src.sample()
        if sink.sample():
            moved = True
            if marks and sink.seen == ends[len(marks) - 1]:
                marks[-1][1] = cycle
        idle = 0 if moved else idle + 1
        if idle > STALL_LIMIT:
            raise AssertionError(f"no handshake for {STALL_LIMIT} cycles: {len(cfg_src.items)} configurations, "
                                 f"{len(pix_src.items)} pixels and {len(sink.expected)} outputs pending; "
                                 f"next output due: {sink.expected[0][0] if sink.expected else 'none'}")
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
        if stop_after_pixels is not None and pix_src.accepted >= stop_after_pixels:
            break
    dut.cfg_valid.value, dut.in_valid.value = 0, 0
    return [tuple(m) for m in marks]


def random_image(rng: random.Random, width: int, height: int, style: str = "random") -> list[list[int]]:
    if style == "low":
        return [[-128] * width for _ in range(height)]
    if style == "high":
        return [[127] * width for _ in range(height)]
    if style == "checker":
        return [[127 if (r + c) % 2 else -128 for c in range(width)] for r in range(height)]
    if style == "negative":
        return [[rng.randint(-9, -1) for _ in range(width)] for _ in range(height)]
    if style == "small":
        return [[rng.randint(-6, 6) for _ in range(width)] for _ in range(height)]
    return [[rng.choice((-128, 127, rng.randint(-128, 127), rng.randint(-20, 20))) for _ in range(width)]
            for _ in range(height)]


def config(width: int, height: int, k: int, stride: int, avg: int, act: int, six: int = 6, shift: int = 1) -> dict:
    return {"width": width, "height": height, "k": k, "stride": stride, "avg": avg, "act": act, "six": six, "shift": shift}


def directed_jobs(rng: random.Random) -> list[tuple[dict, list[list[int]]]]:
    jobs = [
        (config(8, 6, 2, 2, 0, 0), random_image(rng, 8, 6)),
        (config(9, 7, 3, 2, 1, 1), random_image(rng, 9, 7)),
        (config(16, 5, 3, 1, 1, 3, shift=2), random_image(rng, 16, 5, "small")),
        (config(7, 9, 2, 3, 1, 2, six=3), random_image(rng, 7, 9, "small")),
        (config(3, 3, 3, 3, 0, 3, shift=7), random_image(rng, 3, 3, "low")),
        (config(2, 2, 2, 1, 1, 0), random_image(rng, 2, 2, "low")),
        (config(4, 3, 3, 2, 1, 2, six=127), random_image(rng, 4, 3, "high")),
        (config(6, 6, 2, 1, 1, 3, shift=1), random_image(rng, 6, 6, "checker")),
        (config(10, 4, 3, 1, 0, 2, six=0), random_image(rng, 10, 4)),
        (config(5, 8, 3, 3, 0, 1), random_image(rng, 5, 8)),
        (config(11, 5, 2, 2, 0, 3, shift=3), random_image(rng, 11, 5, "small")),
        (config(13, 4, 2, 1, 1, 2, six=1), random_image(rng, 13, 4, "small")),
        (config(6, 4, 2, 1, 0, 3, shift=1), random_image(rng, 6, 4, "negative")),
        (config(5, 3, 3, 2, 0, 3, shift=0), random_image(rng, 5, 3, "negative")),
    ]
    for _ in range(4):
        k = rng.choice((2, 3))
        width, height = rng.randint(k, 16), rng.randint(k, 8)
        cfg = config(width, height, k, rng.randint(1, 3), rng.randint(0, 1), rng.randint(0, 3),
                     six=rng.randint(0, 127), shift=rng.randint(0, 7))
        jobs.append((cfg, random_image(rng, width, height, rng.choice(("random", "small")))))
    return jobs


@cocotb.test()
async def jobs_stream_through_with_gaps_and_back_pressure(dut):
    await start(dut)
    rng = random.Random(1302)
    jobs = directed_jobs(rng)
    await run(dut, jobs, rng, gap=0.3, ready_p=0.6)


@cocotb.test()
async def full_rate_jobs_and_a_reset_mid_job(dut):
    """Inputs always valid, output always ready: one pixel per cycle, the job done within W*H + 8 cycles of its
    configuration. Then a job cut by reset after 20 pixels leaves nothing behind for the next job."""
    await start(dut)
    rng = random.Random(1303)
    jobs = [(config(16, 6, 3, 1, 1, 3, shift=4), random_image(rng, 16, 6)),
            (config(8, 8, 2, 2, 0, 2, six=50), random_image(rng, 8, 8)),
            (config(12, 7, 3, 2, 0, 1), random_image(rng, 12, 7))]
    marks = await run(dut, jobs, rng, gap=0.0, ready_p=1.0)
    for n, ((cfg, _), (begin, end)) in enumerate(zip(jobs, marks)):
        cycles, bound = end - begin, cfg["width"] * cfg["height"] + 8
        dut._log.info("job %d (%s): %d cycles from configuration to last output", n, describe(cfg), cycles)
        assert cycles <= bound, f"job {n} ({describe(cfg)}): cycles from configuration to last output got {cycles} expected <= {bound}"
    with open("cost.json", "w", encoding="utf-8") as f:  # the run folder; aigchip verify --keep keeps it
        json.dump({"cycles_per_job": marks[1][1] - marks[1][0], "job": describe(jobs[1][0]),
                   "cycles": {describe(cfg): end - begin for (cfg, _), (begin, end) in zip(jobs, marks)}}, f)

    cut = (config(8, 6, 2, 1, 1, 0), random_image(rng, 8, 6))
    await run(dut, [cut], rng, gap=0.2, ready_p=0.5, first=3, stop_after_pixels=20)
    await reset(dut)
    after = [(config(5, 5, 3, 1, 0, 0), random_image(rng, 5, 5)), (config(4, 4, 2, 2, 1, 1), random_image(rng, 4, 4))]
    await run(dut, after, rng, gap=0.2, ready_p=0.7, first=4)
