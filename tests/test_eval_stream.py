"""Samples start as soon as their own task's reference passed, while the rest of the pre-flight goes on
(bench/stream.py), with the pre-flight's promises kept: the same preflight.json, no request for a task whose
reference fails, the same results. Real simulators, the loopback endpoint with scripted replies."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

from aigchip.bench import gather
from aigchip.bench.adapters import load
from aigchip.bench.runner import run_eval
from aigchip.config import RunConfig
from aigchip.loopback import Loopback, Response
from aigchip.sim.check import VerifyOptions, verify_many
from aigchip.sim.types import Design

FIXTURES = Path(__file__).parent / "fixtures" / "evaltruth"
ADD4 = (FIXTURES / "add4" / "add4.v").read_text()
ADD4_WRONG = ADD4.replace("a + b", "a | b")
SLOW_WAIT = "#1;\n        if (y !== i + j)"  # each vector waits a long simulated while, spent in a busy loop
SLOW = "begin : spin integer k; for (k = 0; k < 12000; k = k + 1) #1; end\n        if (y !== i + j)"


def fenced(code: str) -> str:
    return f"Here it is.\n\n```verilog\n{code}\n```\n"


def task_copy(root: Path, name: str, *, solution: str = ADD4, slow: bool = False) -> None:
    folder = root / name
    shutil.copytree(FIXTURES / "add4", folder)
    (folder / "add4.v").write_text(solution)
    spec = json.loads((folder / "task.json").read_text())
    (folder / "task.json").write_text(json.dumps(spec | {"id": name, "spec": f"[{name}] {spec['spec']}"}))
    if slow:
        bench = (folder / "tb_add4.v").read_text()
        assert SLOW_WAIT in bench
        (folder / "tb_add4.v").write_text(bench.replace(SLOW_WAIT, SLOW))


def bench(tmp_path: Path) -> Path:
    root = tmp_path / "bench"
    task_copy(root, "quick")
    task_copy(root, "slow", slow=True)
    task_copy(root, "broken", solution=ADD4_WRONG)
    return root


def reply(body: dict) -> Response:
    """A right adder for quick and slow, a wrong one for anything else (never asked: its reference fails)."""
    text = json.dumps(body)
    return Response.text(fenced(ADD4 if "[quick]" in text or "[slow]" in text else ADD4_WRONG), delay_s=0.2)


def run(tmp_path: Path, out: str, endpoint: Loopback, notices: list, **kwargs) -> dict:
    config = RunConfig(model="loop", base_url=endpoint.base_url, demos=0, max_iters=1, lint=False)
    return run_eval(load(tmp_path / "bench"), config, samples=2, ks=[1], out_dir=tmp_path / out, concurrency=4,
                    notify=lambda line: notices.append((time.monotonic(), line)), **kwargs)


def test_requests_for_sound_tasks_leave_before_the_preflight_ends_and_none_for_a_broken_reference(tmp_path,
                                                                                                monkeypatch):
    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    bench(tmp_path)
    import langchain_openai  # noqa: F401 - imported already, as in a long-lived process: the client is quick to build
    notices: list = []
    with Loopback(handler=reply, model="loop") as endpoint:
        summary = run(tmp_path, "out", endpoint, notices)
        asked = [(r.at, json.dumps(r.body)) for r in endpoint.completions()]
    ended = next(at for at, line in notices if line.startswith("pre-flight: 2 of 3 task(s) sound"))
    quick = [at for at, body in asked if "[quick]" in body]
    assert len(quick) == 2 and max(quick) < ended  # both samples of the quick task asked while `slow` was checked
    assert sum("[slow]" in body for _, body in asked) == 2
    assert not any("[broken]" in body for _, body in asked)  # no request for a task whose reference fails
    assert summary["reference_failures"][0]["task"] == "broken"
    assert summary["denominators"] == {"sound_tasks": 2, "all_tasks": 3}
    assert summary["pass_at_k"] == {"1": 1.0} and summary["samples"]["expected"] == 4
    found = json.loads((tmp_path / "out" / "preflight.json").read_text())
    assert [found[t]["state"] for t in ("quick", "slow", "broken")] == ["sound", "sound", "unsound"]
    records = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert sorted((r["task"], r["sample"], r["status"]) for r in records) == [
        ("quick", 0, "pass"), ("quick", 1, "pass"), ("slow", 0, "pass"), ("slow", 1, "pass")]


def test_streamed_and_waiting_runs_give_the_same_preflight_and_results(tmp_path, monkeypatch):
    """The old way (a given check: the pre-flight ends before any sample) and the streamed one agree."""
    bench(tmp_path)
    outs = {}
    with Loopback(handler=reply, model="loop") as endpoint:
        for out, kwargs in (("waited", {"check": verify_many}), ("streamed", {})):
            monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / f"cache-{out}"))  # each its own, cold
            before = len(endpoint.completions())
            summary = run(tmp_path, out, endpoint, [], **kwargs)
            asked = [json.dumps(r.body) for r in endpoint.completions()[before:]]
            found = json.loads((tmp_path / out / "preflight.json").read_text())
            records = [json.loads(line) for line in (tmp_path / out / "results.jsonl").read_text().splitlines()]
            outs[out] = (sorted(found), {t: {k: v for k, v in f.items() if k != "seconds"} for t, f in found.items()},
                         sorted((r["task"], r["sample"], r["status"], r["stopped"]) for r in records),
                         {k: summary[k] for k in ("pass_at_k", "pass_at_k_all_tasks", "denominators", "preflight",
                                                  "reference_failures", "status_counts")},
                         sorted(body.count("[quick]") + 2 * body.count("[slow]") for body in asked))
    assert outs["streamed"] == outs["waited"]


def test_the_samples_checks_keep_off_the_slots_the_preflight_still_needs():
    calls: list[list[str]] = []
    gathering = gather.Gathering(lambda pairs, jobs=1: calls.append(pairs) or ["ok"] * len(pairs), 2, linger=0.0)
    gathering.hold(2)

    answer: list = []
    pair = (Design(files={"add4.v": ADD4}, top="add4"), VerifyOptions(testbench=(FIXTURES / "add4" / "tb_add4.v",)))
    worker = threading.Thread(target=lambda: answer.append(gathering.check_for("t")([pair])))
    worker.start()
    worker.join(0.3)
    assert worker.is_alive() and not calls  # every slot is the pre-flight's: the sample's check waits
    gathering.hold(1)
    worker.join(5)
    assert answer == [["ok"]] and calls == [[pair]]  # one slot left to the samples: the check goes


def test_a_run_stopped_before_its_preflight_files_resumes_with_the_samples_it_finished(tmp_path, monkeypatch):
    """Samples may finish before preflight.json is written; a run stopped then keeps them on --resume."""
    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    bench(tmp_path)
    out = tmp_path / "out"
    with Loopback(handler=reply, model="loop") as endpoint:
        run(tmp_path, "out", endpoint, [])
        lines = (out / "results.jsonl").read_text().splitlines()
        kept = [line for line in lines if json.loads(line)["task"] == "quick"]
        (out / "results.jsonl").write_text("\n".join(kept) + "\n")  # what a stop after the quick task's samples leaves
        for name in ("preflight.json", "summary.json"):
            (out / name).unlink()
        monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache-2"))  # no reply from the cache: each is asked
        before = len(endpoint.completions())
        summary = run(tmp_path, "out", endpoint, [], resume=True)
        asked = [json.dumps(r.body) for r in endpoint.completions()[before:]]
    assert len(kept) == 2 and len(asked) == 2 and all("[slow]" in body for body in asked)
    assert summary["samples"]["resumed"] == 2 and summary["samples"]["expected"] == 4 and summary["pass_at_k"] == {"1": 1.0}
    assert json.loads((out / "preflight.json").read_text())["broken"]["state"] == "unsound"


def test_a_task_without_a_reference_to_check_starts_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "bench"
    task_copy(root, "slow", slow=True)
    task_copy(root, "noref")
    spec = json.loads((root / "noref" / "task.json").read_text())
    (root / "noref" / "task.json").write_text(json.dumps({k: v for k, v in spec.items() if k != "solution"}))
    import langchain_openai  # noqa: F401 - as in the first test: the client is quick to build
    notices: list = []
    with Loopback(handler=reply, model="loop") as endpoint:
        summary = run(tmp_path, "out", endpoint, notices)
        asked = [(r.at, json.dumps(r.body)) for r in endpoint.completions()]
    ended = next(at for at, line in notices if line.startswith("pre-flight: 1 of 2 task(s) sound"))
    assert max(at for at, body in asked if "[noref]" in body) < ended
    assert summary["preflight"]["unchecked"] == 1 and summary["samples"]["expected"] == 4
    found = json.loads((tmp_path / "out" / "preflight.json").read_text())
    assert found["noref"] == {"state": "unchecked", "simulator": "icarus", "status": None, "message": "", "tried": {}}


def test_the_preflight_keeps_a_slot_per_check_left_and_all_of_them_for_its_second_round():
    from aigchip.bench.stream import Feed

    task = load(FIXTURES).tasks[0]
    second_round, finish = threading.Event(), threading.Event()

    def preflight(told):
        told(task.id, None)  # one of the three first checks answered: two left
        told(task.id, None)
        told(task.id, None)  # all answered: a second round may follow
        second_round.set()
        finish.wait(5)
        return {task.id: {"state": "unsound"}}

    feed = Feed(preflight, [task, task, task], samples=1, done=set(), jobs=2)
    held: list[int] = []
    feed.attach(held.append)
    feed.start()
    assert second_round.wait(5)
    assert held == [2, 2, 1, 2]  # attached with 3 checks left (2 of 2 slots), 2 left, 1 left, then the second round
    finish.set()
    assert feed.wait() == {task.id: {"state": "unsound"}}
    assert held[-1] == 0 and feed.finished() and feed.take(4) == []  # over: every slot back, no sample for it


def test_an_interrupted_run_stops_its_preflight_at_the_next_verdict():
    """Ctrl-C while the pre-flight runs in its thread: the checks not started are cancelled (as when it ran in the
    main thread), no sample starts, and every slot goes back to the samples in flight."""
    import pytest

    from aigchip.bench.stream import Feed, Stopped

    task = load(FIXTURES).tasks[0]
    feed = Feed(lambda told: {}, [task, task], samples=2, done=set(), jobs=2)
    held: list[int] = []
    feed.attach(held.append)
    feed._told(task.id, {"state": "sound", "simulator": "icarus"})  # its samples are ready
    feed.stop()
    with pytest.raises(Stopped):
        feed._told(task.id, None)
    assert feed.take(4) == [] and held[-1] == 0
