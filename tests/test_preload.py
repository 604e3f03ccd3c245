"""The chat client's libraries imported ahead of need (aigchip.models.preload), with the collector held off."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from pathlib import Path

from aigchip.models import preload


def test_no_collection_while_held_and_the_collector_back_on_after_the_last_holder():
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


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with preload.few_collections():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_start_imports_the_client_in_one_background_thread_and_the_process_still_exits_cleanly():
    code = ("import gc, sys\n"
            "import pyslang\n"  # nanobind reports objects still alive at exit: frozen ones must not be
            "from aigchip.models import preload\n"
            "assert 'langchain_openai' not in sys.modules\n"
            "first = preload.start()\n"
            "assert preload.start() is first and first.daemon\n"
            "first.join(120)\n"
            "print({'imported': [m in sys.modules for m in preload.CLIENT_MODULES], 'gc': gc.isenabled(),\n"
            "       'frozen': gc.get_freeze_count() > 100000})\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'imported': [True, True], 'gc': True, 'frozen': True}"
    assert "leak" not in done.stderr  # unfrozen at exit: the last collection frees them as usual


def test_a_process_that_ends_while_the_client_still_imports_ends_cleanly():
    code = ("import time\n"
            "import pyslang\n"
            "from aigchip.models import preload\n"
            "preload.start()\n"
            "time.sleep(0.2)\n")  # the import is still going on in its daemon thread, with the collector off
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and done.stderr == ""


def test_an_endpoint_run_starts_importing_the_client_before_its_preflight(tmp_path: Path, monkeypatch):
    from aigchip.bench.adapters import load
    from aigchip.bench.runner import run_eval
    from aigchip.config import RunConfig
    from aigchip.loopback import Loopback, Response
    from aigchip.sim.types import Status, Verdict

    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "bench" / "t1"
    root.mkdir(parents=True)
    (root / "tb.v").write_text("module tb; endmodule\n")
    (root / "inv.v").write_text("module inv(input a, output y); assign y = ~a; endmodule\n")
    (root / "task.json").write_text(json.dumps({"id": "t1", "top": "inv", "testbench": "tb.v", "solution": "inv.v",
                                                "spec": "an inverter inv"}))
    started: list[str] = []
    monkeypatch.setattr(preload, "start", lambda: started.append("import"))
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
    assert checked[0] == ["import"]  # the reference's check (the pre-flight) ran after the import began

    started.clear()
    run_eval(load(tmp_path / "bench"), config.model_copy(update={"model": "reference"}), samples=1, ks=[1],
             out_dir=tmp_path / "ref", check=check)
    assert started == []  # no endpoint, no client
