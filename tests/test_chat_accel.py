"""The accelerator flow inside chat, in the terminal and on the page: plan from a request, the plan shown for
approval, /approve builds it, /plan shows the tree with each module's status, and "/plan change clamp the ReLU
at 4095" rebuilds only the modules the change touches and re-runs the system test. The model is the scripted
dot4 model behind the loopback endpoint; the checks are real (Icarus, cocotb, yosys)."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console

from aigchip.chat.session import ChatSession
from aigchip.chat.store import SessionStore
from aigchip.chat.terminal import Terminal
from aigchip.config import RunConfig
from aigchip.loopback import Loopback, Response
from tests.accel_fixture import REQUEST, Script, fenced, plan_text

pytestmark = [pytest.mark.sim, pytest.mark.timeout(600)]

CLAMPED_RTL = ("module relu18 (input wire signed [17:0] x, output wire [17:0] y);\n"
               "  assign y = x[17] ? 18'd0 : (x > 18'sd4095 ? 18'd4095 : x);\nendmodule\n")
CLAMPED_TEST = """import random

import cocotb
from cocotb.triggers import Timer


@cocotb.test()
async def clamps(dut):
    rng = random.Random(5)
    for x in [0, 1, 4095, 4096, 131071, 1 << 17, (1 << 18) - 1] + [rng.randrange(1 << 18) for _ in range(40)]:
        dut.x.value = x
        await Timer(1, unit="ns")
        want = 0 if x >> 17 else min(x, 4095)
        assert int(dut.y.value) == want, f"x={x}: y got {int(dut.y.value)}, expected {want}"
"""


def clamped_plan() -> str:
    text = plan_text()
    text = text.replace("Combinational: y is x when the signed 18-bit input x is zero or positive, and 0 when x is negative.",
                        "Combinational: y is 0 when the signed 18-bit input x is negative, else the smaller of x and 4095.")
    text = text.replace('return {"y": 0 if x >> 17 else x}', 'return {"y": 0 if x >> 17 else min(x, 4095)}')
    text = text.replace("return max(0, sum(x * y for x, y in zip(lanes(a), lanes(b))))",
                        "return min(4095, max(0, sum(x * y for x, y in zip(lanes(a), lanes(b)))))")
    assert text.count("4095") == 3
    return text


class Changing(Script):
    """The dot4 script; asked to change the plan, it answers the clamped plan, and from then on writes the
    clamped ReLU and its tests."""

    def __call__(self, body: dict) -> Response:
        first = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if "Change the architecture plan" in first:
            assert "clamp the ReLU at 4095" in first and "name: dot4" in first
            with self._lock:
                self.calls.append(("change", "", 0))
                self.designs["relu18"] = [fenced(CLAMPED_RTL)]
                self.tests["relu18"] = fenced(CLAMPED_TEST, "python")
            return Response.text(fenced(clamped_plan(), "yaml"))
        return super().__call__(body)


@pytest.fixture()
def endpoint():
    script = Changing()
    with Loopback(handler=script, model="loop-coder") as server:
        yield script, RunConfig(model="loop-coder", base_url=server.base_url, demos=0, max_iters=3, lint=False,
                                cache=False, max_retries=0, timeout_s=60)


def test_plan_approve_and_change_one_part_in_the_terminal(tmp_path, endpoint, monkeypatch):
    script, config = endpoint
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    lines = ["/plan", f"/accel {' '.join(REQUEST.split())}", "/plan", "/approve", "/plan",
             "/plan change clamp the ReLU at 4095", "/plan", "/quit"]
    store = SessionStore(tmp_path / "sessions")
    session = ChatSession.create(store, config)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, no_color=True, highlight=False, emoji=False)
    marks: list[int] = []
    asked: list[int] = []  # model calls made before each line

    def read(prompt: str) -> str:
        marks.append(len(buffer.getvalue()))
        asked.append(len(script.calls))
        return lines[len(marks) - 1]

    Terminal(session, store, console=console, read=read).run()
    out = buffer.getvalue()
    said = [" ".join(out[a:b].split()) for a, b in zip(marks, [*marks[1:], len(out)])]

    def calls(line: int, purpose: str, module: str = "") -> int:  # made while that line ran
        return sum(1 for p, m, _ in script.calls[asked[line]:asked[line + 1]]
                   if p == purpose and (not module or m == module))
    assert "no accelerator in this session yet" in said[0]
    assert "Decisions:" in said[1] and "Modules (children first):" in said[1] and "/approve builds it" in said[1]
    assert calls(1, "plan") == 1 and calls(1, "design") == 0  # nothing built before approval
    assert "dot4_top [planned]" in said[2] and "awaits approval" in said[2]
    assert "dot4_top [verified, tests: plan" in said[3] and "pass: every module and the system test passed" in said[3]
    assert "cycles per job" in said[3] and "whole design" in said[3]
    assert "relu18 [verified" in said[4] and "awaits approval" not in said[4]

    # the change: relu18 and the top (written against relu18's spec, tested by the new system test) rebuilt
    assert "changed: relu18, dot4_top; kept as verified: mul8, add4, dot4_core" in said[5]
    assert "pass: every module and the system test passed" in said[5]
    assert calls(5, "change") == 1
    modules = ("mul8", "add4", "dot4_core", "relu18", "dot4_top")
    assert {m: calls(5, "design", m) for m in modules} == {"mul8": 0, "add4": 0, "dot4_core": 0, "relu18": 1,
                                                           "dot4_top": 1}
    assert calls(5, "tests", "relu18") == 1 and calls(5, "tests") == 1  # only the changed leaf's tests rewritten
    assert "kept from an earlier run" in said[6]
    run = session.folder / "accel"
    assert "min(4095" in (run / "plan.yaml").read_text()
    assert "4095" in (run / "modules/relu18/relu18.v").read_text()


def test_the_page_offers_the_same_commands(tmp_path, endpoint, monkeypatch):
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from aigchip.chat.web import create_app

    _, config = endpoint
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    app = create_app(SessionStore(tmp_path / "sessions"), config)
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        base = f"/api/sessions/{client.post('/api/sessions', json={}).json()['id']}"

        def turn(line: str) -> dict:
            before = len(client.get(base).json()["turns"])
            response = client.post(f"{base}/commands", json={"line": line})
            assert response.status_code == 202, response.text
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                view = client.get(base).json()
                if not view["busy"] and len(view["turns"]) > before and view["turns"][-1]["state"] != "pending":
                    return view["turns"][-1]
                time.sleep(0.1)
            raise AssertionError("the session stayed busy")

        planned = turn(f"/accel {' '.join(REQUEST.split())}")
        assert planned["state"] == "done" and "Modules (children first):" in planned["answer"]
        tree = client.post(f"{base}/commands", json={"line": "/plan"}).json()["output"]
        assert "dot4_top  [planned]" in tree and "└── relu18  [planned]" in tree
        card = client.get(base).json()["accel"]  # the page's Accelerator card
        assert card["tree"] == tree.split("\n\n")[0] and not card["approved"] and card["cost"] == ""
        built = turn("/approve")
        assert built["state"] == "done" and "pass: every module and the system test passed" in built["answer"]
        tree = client.post(f"{base}/commands", json={"line": "/plan"}).json()["output"]
        assert "│   ├── mul8  [verified, tests: model" in tree
        card = client.get(base).json()["accel"]
        assert card["approved"] and card["status"] == "pass" and "dot4_top  [verified" in card["tree"]
        assert "cycles per job" in card["cost"] and "whole design" in card["cost"]
        refused = client.post(f"{base}/commands", json={"line": "/accel another one"})
        assert refused.status_code == 400 and "already has an accelerator" in refused.json()["error"]


@pytest.mark.browser
def test_the_page_shows_the_tree_as_modules_finish(tmp_path, endpoint, monkeypatch):
    """In headless Chromium: /accel typed in the message box, the Accelerator card with the plan awaiting
    approval, /approve, and the tree updated while the modules are built (some verified, others not yet)."""
    import os
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = os.environ.get("AIGCHIP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        pytest.skip(f"no Chromium at {chromium}")
    from aigchip.chat.web import create_app
    from tests.test_chat_browser import ARGS
    from tests.test_chat_web import running

    _, config = endpoint
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    app = create_app(SessionStore(tmp_path / "sessions"), config)
    with running(app) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(240_000)
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.goto(url)
            page.fill("#message", f"/accel {' '.join(REQUEST.split())}")
            page.press("#message", "Enter")
            page.wait_for_function("() => document.getElementById('accel-status').textContent === 'the plan awaits /approve'")
            assert "dot4_top  [planned]" in page.text_content("#accel-tree")
            page.evaluate("""() => { window.trees = [];
              new MutationObserver(() => window.trees.push(document.getElementById('accel-tree').textContent))
                .observe(document.getElementById('accel-tree'), {childList: true, characterData: true, subtree: true}); }""")
            assert page.text_content("#plan-yaml").startswith("name: dot4")
            page.click("#accel-approve")
            page.wait_for_function("() => document.getElementById('accel-status').textContent.startsWith('pass')")
            assert "cycles per job" in page.text_content("#accel-cost") and page.is_hidden("#accel-approve")
            seen = page.evaluate("window.trees")
            assert any("[verified" in t and ("[planned" in t or "[building" in t) for t in seen), seen

            # a person's edit of plan.yaml, loaded back: only the top's entry changed, so only the top is rebuilt
            edited = page.text_content("#plan-yaml").replace(
                "The accelerator: the ReLU of a 4-lane int8 dot product, registered.",
                "The accelerator: ReLU of the dot product of two 4-lane int8 vectors, one register stage.")
            assert edited != page.text_content("#plan-yaml")
            page.set_input_files("#plan-file", files=[{"name": "plan.yaml", "mimeType": "text/yaml",
                                                       "buffer": edited.encode()}])
            page.wait_for_function("() => document.getElementById('accel-status').textContent.startsWith('building')")
            page.wait_for_function("() => document.getElementById('accel-status').textContent.startsWith('pass')")
            tree = page.text_content("#accel-tree")
            assert "mul8  [verified, kept from an earlier run]" in tree and "dot4_top  [verified, tests: plan" in tree
            assert "one register stage" in page.text_content("#plan-yaml")
            assert not problems, problems
        finally:
            browser.close()


@pytest.mark.timeout(60)
def test_accel_needs_a_model_and_plan_commands_need_a_plan(tmp_path):
    from aigchip.chat import commands

    store = SessionStore(tmp_path / "sessions")
    session = ChatSession.create(store, RunConfig(model="offline", demos=0))
    try:
        for line, said in (("/accel a dot product unit", "offline baseline cannot plan"),
                           ("/approve", "no accelerator in this session yet"),
                           ("/plan change make it wider", "no accelerator in this session yet")):
            command, args = commands.parse(line)
            with pytest.raises(ValueError, match=said):
                command.run(commands.Call(session=session, args=args))
        assert commands.parse("/plan")[0].run(commands.Call(session=session)).text.startswith("no accelerator")
        assert session.snapshot().turns == []  # nothing was recorded as a turn
    finally:
        session.close()
