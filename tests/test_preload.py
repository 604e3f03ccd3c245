"""The chat client built before the pre-flight, with the collector held off while it imports (models/preload.py)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from pathlib import Path

from aigchip.models import preload


def test_no_collection_while_held_and_the_collector_back_on_after_the_last_holder(monkeypatch):
    monkeypatch.setattr(preload, "_frozen", False)  # as in a process that has built no client yet
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other_holder() -> None:
        with preload.few_collections():
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=other_holder)
    thread.start()
    assert inside.wait(30)
    try:
        with preload.few_collections():
            assert not gc.isenabled()
            kept = [[n] for n in range(1000)]  # made while held: frozen when the last holder leaves
        assert not gc.isenabled()  # the other thread still holds it
    finally:
        release.set()
        thread.join(30)
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)
    gc.unfreeze()  # leave the test process as it was


def test_only_the_first_build_freezes_what_exists(monkeypatch):
    """A long-lived process builds a client per turn: freezing every time would keep its cyclic garbage."""
    monkeypatch.setattr(preload, "_frozen", False)
    with preload.few_collections():
        pass
    first = gc.get_freeze_count()
    assert first > 0
    garbage = [[n] for n in range(1000)]
    with preload.few_collections():
        pass
    assert gc.get_freeze_count() == first and gc.isenabled() and garbage
    gc.unfreeze()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with preload.few_collections():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


WARM_UP = ("import gc, sys, threading\n"
           "import pyslang\n"  # nanobind reports objects still alive at exit: frozen ones must not be
           "from aigchip.models.chat import ChatModel, ChatSettings\n"
           "assert 'langchain_openai' not in sys.modules\n"
           "ChatModel(ChatSettings(model='m', base_url='http://127.0.0.1:9/v1')).warm_up()\n")


def test_a_client_built_in_the_background_leaves_the_collector_on_and_the_process_exits_cleanly():
    code = WARM_UP + (
        "for thread in threading.enumerate():\n"
        "    if thread.name == 'aigchip-client-warm-up':\n"
        "        thread.join(120)\n"
        "print({'imported': 'langchain_openai' in sys.modules, 'gc': gc.isenabled(),\n"
        "       'frozen': gc.get_freeze_count() > 100000})\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'imported': True, 'gc': True, 'frozen': True}"
    assert "leak" not in done.stderr  # unfrozen at exit: the last collection frees them as usual


def test_a_process_that_ends_while_the_client_still_builds_ends_cleanly():
    code = WARM_UP + "import time\ntime.sleep(0.2)\n"  # still importing, in its daemon thread, collector off
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and done.stderr == ""


def test_an_endpoint_run_starts_building_its_client_before_its_preflight(tmp_path: Path, monkeypatch):
    from aigchip.bench.adapters import load
    from aigchip.bench.runner import run_eval
    from aigchip.config import RunConfig
    from aigchip.loopback import Loopback, Response
    from aigchip.models.chat import ChatModel
    from aigchip.sim.types import Status, Verdict

    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "bench" / "t1"
    root.mkdir(parents=True)
    (root / "tb.v").write_text("module tb; endmodule\n")
    (root / "inv.v").write_text("module inv(input a, output y); assign y = ~a; endmodule\n")
    (root / "task.json").write_text(json.dumps({"id": "t1", "top": "inv", "testbench": "tb.v", "solution": "inv.v",
                                                "spec": "an inverter inv"}))
    started: list[str] = []
    warm_up = ChatModel.warm_up
    monkeypatch.setattr(ChatModel, "warm_up", lambda self: (started.append("build"), warm_up(self)))
    checked: list[list[str]] = []

    def check(pairs, jobs=1):
        checked.append(list(started))
        return [Verdict(status=Status.PASS) for _ in pairs]

    reply = "```verilog\nmodule inv(input a, output y); assign y = ~a; endmodule\n```"
    with Loopback(handler=lambda body: Response.text(reply)) as server:
        config = RunConfig(model="served", base_url=server.base_url, demos=0, max_iters=1, lint=False,
                           max_retries=0)
        summary = run_eval(load(tmp_path / "bench"), config, samples=1, ks=[1], out_dir=tmp_path / "out",
                           check=check)
        assert summary["pass_at_k"]["1"] == 1.0 and len(server.completions()) == 1
    assert checked[0] == ["build"]  # the reference's check (the pre-flight) ran after the build began

    started.clear()
    run_eval(load(tmp_path / "bench"), config.model_copy(update={"model": "reference"}), samples=1, ks=[1],
             out_dir=tmp_path / "ref", check=check)
    assert started == []  # no endpoint, no client


def test_a_model_that_cannot_be_made_stops_the_run_when_its_samples_start_and_only_if_one_is_left(monkeypatch):
    import pytest

    from aigchip.bench import run_model
    from aigchip.config import RunConfig
    from aigchip.models import ModelError
    from aigchip.task import from_text

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    task = from_text("an inverter inv", top="inv")
    factory = run_model.begin(RunConfig(model="gpt-4o-mini", base_url=None), [task])  # no key: nothing raised yet
    assert factory([])(task, 0) is None  # a resumed run with nothing left to ask needs no model
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        factory([task])
