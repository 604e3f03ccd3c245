"""The chat's /optimize and "make it smaller", for real: a loopback endpoint's scripted model, Icarus and yosys.
A wasteful design passes, "make it smaller" runs the same loop as `generate --optimize area` (a narrower design
that fails the testbench is rejected, a lean correct one kept as a new version), the answer shows each
candidate's verdict and cost, /undo goes back; the page's button runs the same command."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigchip.chat import commands
from aigchip.chat.session import ChatSession
from aigchip.chat.store import SessionStore
from aigchip.config import RunConfig
from aigchip.loopback import Loopback, Response

pytestmark = [pytest.mark.sim, pytest.mark.synth, pytest.mark.timeout(300)]
FIXTURE = Path(__file__).parent / "fixtures" / "optimize"
SPEC = "A module named acc9: a registered 9-bit sum q of two 8-bit inputs a and b, cleared by rst."


def fenced(name: str) -> Response:
    return Response.text(f"Here it is.\n\n```verilog\n{(FIXTURE / name).read_text()}```\n")


def config(endpoint: Loopback) -> RunConfig:
    return RunConfig(model="loop", base_url=endpoint.base_url, demos=0, max_iters=1, lint=False, cache=False,
                     max_retries=0, timeout_s=30, optimize_rounds=2)


def test_make_it_smaller_keeps_the_lean_design_as_a_new_version(tmp_path: Path) -> None:
    replies = [fenced(n) for n in ("acc9_wasteful.v", "acc9_narrow.v", "acc9_lean.v")]
    with Loopback(replies, model="loop") as endpoint:
        session = ChatSession.create(SessionStore(tmp_path / "sessions"), config(endpoint))
        session.add_test("tb_acc9.v", (FIXTURE / "tb_acc9.v").read_text())
        assert session.send(SPEC).version == 1 and session.current().status == "pass"
        said: list[str] = []
        turn = session.send("Make it smaller, please.", said.append)
        asked = [r.body["messages"][-1]["content"] for r in endpoint.requests if r.body]
    assert turn.kind == "optimize" and turn.state == "done" and turn.version == 2, turn.answer
    head, *lines = turn.answer.splitlines()
    assert head.startswith("version 2 (area: cells ") and "passes" in head
    assert "round 1: mismatch, not kept" in lines[1] and "cells" in lines[1]  # each candidate's verdict and cost
    assert "round 2: pass, kept: passes and is cheaper" in lines[2]
    assert any("optimize round 1" in line for line in said)  # progress while it ran
    assert "The lean design" in "".join(session.current().files.values())
    assert "cells" in asked[1] and "smaller" in asked[1]  # the optimize prompt, with the measured cost
    assert session.undo().answer.startswith("back to version 1")
    # latency needs tests that measure cycles: refused at once, as a failed turn, the design unchanged
    with pytest.raises(ValueError, match=r"never write cost\.json"):
        commands.BY_NAME["optimize"].ready(commands.Call(session, ["latency"]))
    refused = session.optimize("latency")
    assert refused.state == "failed" and refused.answer.startswith("/optimize latency needs tests that measure cycles")
    assert "never write cost.json" in refused.answer and session.current().number == 1
    with pytest.raises(ValueError, match="one of area, fmax, latency"):
        session.optimize("cheaper")


def test_the_pages_button_runs_the_same_command(tmp_path: Path) -> None:
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from aigchip.chat.web import create_app

    replies = [fenced(n) for n in ("acc9_wasteful.v", "acc9_lean.v")]
    with Loopback(replies, model="loop") as endpoint:
        app = create_app(SessionStore(tmp_path / "sessions"), config(endpoint).model_copy(update={"optimize_rounds": 1}))
        with TestClient(app, base_url="http://127.0.0.1:8765") as client:
            made = client.post("/api/sessions", json={}).json()
            base = f"/api/sessions/{made['id']}"
            client.post(f"{base}/tests", json={"name": "tb_acc9.v", "content": (FIXTURE / "tb_acc9.v").read_text()})
            client.post(f"{base}/messages", json={"text": SPEC})
            view = _settled(client, base)
            assert view["current"]["number"] == 1
            pushed = client.post(f"{base}/commands", json={"command": "optimize", "args": ["area"]})
            assert pushed.status_code == 202, pushed.text
            view = _settled(client, base)
    last = view["turns"][-1]
    assert last["text"] == "/optimize area" and last["version"] == 2 and "round 1: pass, kept" in last["answer"]
    assert view["current"]["number"] == 2 and view["can_undo"]


def _settled(client, base: str) -> dict:
    import time

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        view = client.get(base).json()
        if not view["busy"] and not any(t["state"] == "pending" for t in view["turns"]):
            return view
        time.sleep(0.2)
    raise AssertionError("the session did not settle")
