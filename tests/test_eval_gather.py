"""eval's samples of one task meet in one check call (bench/gather.py), so verify_many can share their
simulation; every sample still gets the verdict it gets alone."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest

from aigchip.bench.gather import Gathering
from aigchip.sim import cocotb_batch, tools
from aigchip.sim.check import VerifyOptions, verify
from aigchip.sim.types import Design, Status, Verdict

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "cocotb"
SHARED = VerifyOptions(tests=FIXTURES / "tb_acc.py", lint=False)  # cocotb on Icarus: may share
ALONE = VerifyOptions(testbench=(FIXTURES / "acc.v",), lint=False)  # a Verilog testbench: never shares


def design(n: int) -> Design:
    return Design(files={"acc.v": f"// {n}\nmodule acc; endmodule\n"}, top="acc")


class Recording:
    """A check that records the designs of each call and how many calls ran at once."""

    def __init__(self, seconds: float = 0.05, fails: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.lock, self.running, self.most = threading.Lock(), 0, 0
        self.seconds, self.fails = seconds, fails

    def __call__(self, pairs, jobs=1):
        with self.lock:
            self.calls.append([d.files["acc.v"].split("\n")[0] for d, _ in pairs])
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        if self.fails and any(self.fails in d.files["acc.v"] for d, _ in pairs):
            raise RuntimeError("broken check")
        return [Verdict(status=Status.PASS) for _ in pairs]


def samples(gathering: Gathering, group: str, count: int, options: VerifyOptions, delay=lambda n: 0.0):
    """`count` samples of `group`, each asking for one check after `delay(n)` seconds (its model call)."""
    out: dict[int, object] = {}
    for _ in range(count):  # as the runner does when it hands the samples to its pool
        gathering.started(group)

    def one(n: int) -> None:
        try:
            time.sleep(delay(n))
            out[n] = gathering.check_for(group)([(design(n), options)], jobs=1)[0]
        except Exception as exc:  # noqa: BLE001
            out[n] = exc
        finally:
            gathering.finished(group)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    return threads, out


def run(threads) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


def test_the_samples_of_one_task_meet_in_one_call_and_calls_stay_within_jobs():
    check = Recording()
    gathering = Gathering(check, jobs=2)
    a, got_a = samples(gathering, "a", 8, SHARED, delay=lambda n: 0.01 * n)
    b, got_b = samples(gathering, "b", 3, SHARED)
    run(a + b)
    assert all(isinstance(v, Verdict) for v in [*got_a.values(), *got_b.values()])
    assert sorted(len(call) for call in check.calls) == [3, 8]
    assert check.most <= 2


def test_at_most_eight_share_a_call_and_checks_that_cannot_share_go_one_by_one():
    check = Recording()
    gathering = Gathering(check, jobs=2)
    many, _ = samples(gathering, "a", 11, SHARED)
    alone, got = samples(gathering, "b", 3, ALONE)
    run(many + alone)
    assert sorted(len(call) for call in check.calls) == [1, 1, 1, 3, 8]
    assert all(isinstance(v, Verdict) for v in got.values())


def test_a_sample_still_in_its_model_call_holds_the_others_back_at_most_the_linger():
    check = Recording(seconds=0.01)
    gathering = Gathering(check, jobs=2, linger=0.3)
    threads, _ = samples(gathering, "a", 3, SHARED, delay=lambda n: 2.0 if n == 2 else 0.0)
    started = time.monotonic()
    run(threads)
    assert [len(call) for call in check.calls] == [2, 1]  # the slow one came after the linger
    assert time.monotonic() - started < 2.6


def test_without_samples_in_flight_a_check_goes_at_once():
    check = Recording(seconds=0.0)
    gathering = Gathering(check, jobs=1, linger=5.0)
    started = time.monotonic()
    verdicts = gathering.check_for("a")([(design(0), SHARED)])
    assert verdicts[0].status is Status.PASS and time.monotonic() - started < 1.0


def test_a_check_that_raises_costs_only_its_own_sample():
    check = Recording(fails="// 1\n")
    gathering = Gathering(check, jobs=2)
    threads, got = samples(gathering, "a", 4, SHARED)
    run(threads)
    assert isinstance(got[1], RuntimeError)
    assert all(isinstance(got[n], Verdict) for n in (0, 2, 3))
    assert sorted(check.calls[0]) == ["// 0", "// 1", "// 2", "// 3"]  # together first, then each alone
    assert sorted(map(tuple, check.calls[1:])) == [("// 0",), ("// 1",), ("// 2",), ("// 3",)]


needs_cocotb = pytest.mark.skipif(
    not (importlib.util.find_spec("cocotb_tools") and tools.available("iverilog") and tools.available("vvp")),
    reason="needs Icarus Verilog and cocotb 2.1")


@pytest.mark.sim
@needs_cocotb
def test_eval_samples_share_one_simulation_and_get_the_verdicts_they_get_alone(tmp_path, monkeypatch):
    """`aigchip eval --samples 6` through the loopback endpoint on a task its cocotb tests decide, with hostile
    replies: the shareable samples meet in one simulation, and every record says what a check alone says."""
    import shutil

    from aigchip.bench import runner
    from aigchip.bench.adapters import load
    from aigchip.config import load_config
    from aigchip.loopback import Loopback, Response
    from aigchip.task import from_folder

    source = ROOT / "datasets" / "accelbench" / "relu6_s8"
    shutil.copytree(source, tmp_path / "bench" / "relu6_s8")
    good = (source / "relu6_s8.v").read_text()
    replies = {
        "buggy": good.replace("if (x[7])", "if (x[6])"),
        "good": good,
        "broken": "module relu6_s8(; endmodule",
        "finishes": good.replace("valid_out <= valid_in;", "begin valid_out <= valid_in; $finish; end"),
        "forges": good.replace("endmodule", "  initial force relu6_s8.dout = 32'd0;\nendmodule"),
        "good_too": good.replace("// Four-lane", "// A four-lane"),
    }
    assert replies["finishes"] != good and replies["forges"] != good
    seen: list[list] = []
    real = cocotb_batch.run_batch

    def spy(members, tests, **kwargs):
        verdicts = real(members, tests, **kwargs)
        seen.append(verdicts)
        return verdicts

    monkeypatch.setattr(cocotb_batch, "run_batch", spy)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback")
    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    texts = list(replies.values())
    with Loopback() as server:
        server.add(*(Response.text(f"```verilog\n{text}\n```\n") for text in texts))
        cfg = load_config({"model": "served", "base_url": server.base_url, "demos": 0, "cache": False,
                           "max_iters": 1}, env={})
        summary = runner.run_eval(load(tmp_path / "bench"), cfg, samples=len(texts), ks=[1], out_dir=tmp_path / "out",
                                  concurrency=8, jobs=2, preflight=False)
    records = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert summary["samples_per_task"] == len(texts)
    # which reply a sample got depends on who asked first: read it from the sample's transcript
    task = from_folder(source)
    options = VerifyOptions(tests=task.tests, use_cache=False)
    by_reply = {}
    for record in records:
        session = (tmp_path / "out" / record["transcript"] / "session.jsonl").read_text()
        name = next(n for n, text in replies.items() if json.dumps(text)[1:-1] in session)
        by_reply[name] = record
    assert sorted(by_reply) == sorted(replies)
    for name, text in replies.items():
        alone = verify(Design(files={"relu6_s8.v": text}, top="relu6_s8"), options)
        assert by_reply[name]["status"] == alone.status.value, name
    assert by_reply["good"]["status"] == "pass" and by_reply["buggy"]["status"] == "mismatch"
    assert by_reply["broken"]["status"] == "compile_error"
    assert len(seen) == 1, "the samples of the task met in one shared simulation"
    assert sum(v is not None for v in seen[0]) == 3  # good, good_too, buggy; the broken and hostile ones alone
