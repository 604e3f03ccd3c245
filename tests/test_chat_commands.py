"""Every command of the one command table (aigchip.chat.commands), run in both front ends against a live session:
the terminal (`Terminal.run` reading typed lines) and the page's API (over HTTP), the model a loopback
OpenAI-compatible endpoint, the checks real (Icarus and cocotb). Each row says what the person must see after
typing the line in either front end; a command that fails says why and the session goes on."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console

from aigchip.chat import commands
from aigchip.chat.session import ChatSession
from aigchip.chat.store import SessionStore
from aigchip.chat.terminal import Terminal
from aigchip.config import RunConfig
from aigchip.loopback import Loopback, Response
from tests.conftest import FIXTURES

pytest.importorskip("starlette")
from starlette.testclient import TestClient

pytestmark = [pytest.mark.sim, pytest.mark.timeout(240)]
CHAT = FIXTURES / "chat"
V1, V2 = (CHAT / "counter8_v1.v").read_text(), (CHAT / "counter8_v2.v").read_text()
TESTS = (CHAT / "test_counter8.py").read_text()
SPEC = "An 8-bit counter module named counter8 with clk, rst, en inputs and a count output."
EDITED = V1.replace("count + 8'd1", "count + 8'd1 /* my edit */")

# (what is typed, what the person must see in either front end, or for the page when it differs: "PAGE:...")
# Files after a command are read from `files` by the terminal and uploaded by the page.
ROWS: list[tuple[str, list[str], str | None]] = [
    (SPEC, ["version 1: compiles (no tests)"], None),
    ("/help", ["/test add FILE", "/use N", "/redo"], None),
    ("/show", ["module counter8", "[7:0]"], None),
    ("/verdict", ["v1: compiles (no tests)", "no tests were given"], None),
    ("/tests", ["no tests yet"], None),
    ("/waves", ["no simulation yet"], None),
    ("/test add test_counter8.py", ["version 1 checked again: passes 1 test"], None),
    ("/tests", ["tests/test_counter8.py", "counts_up"], None),
    ("/check", ["version 1 checked again: passes 1 test"], None),
    ("/waves", ["count", "rst"], None),
    ("/waves 1-2", ["cycle", "count"], None),
    ("/waves soon", ["/waves [all] [A-B]"], None),
    ("make it 16 bits", ["version 2: passes 1 test"], None),
    ("/diff", ["[15:0]", "[7:0]"], None),
    ("/diff 1 2", ["[15:0]"], None),
    ("/versions", ["v1", "* v2", "passes 1 test"], None),
    ("/undo", ["back to version 1 (was 2): passes 1 test"], None),
    ("/redo", ["forward to version 2 (was 1)"], None),
    ("/use 1", ["now on version 1 (was 2"], None),
    ("/use 9", ["no version 9"], None),  # fails that command only
    ("/show 9", ["no version 9"], None),
    ("/frobnicate", ["unknown command /frobnicate"], None),
    ("/test write", ["wrote tests/test_counter8.py", "passes 1 test"], None),
    ("/load counter8.v", ["version 3 (your edit): passes 1 test"], None),
    ("/retry", ["no failed message to retry"], None),
    ("/optimize smaller", ["/optimize takes one of area, fmax, latency"], None),  # tests/test_chat_optimize.py runs it
    ("/model", ["model: loop-coder"], None),
    ("/model other-coder", ["model is now other-coder"], None),
    ("/plan", ["no accelerator in this session yet"], None),
    ("/approve", ["no accelerator in this session yet"], None),
    ("/plan change make it wider", ["no accelerator in this session yet"], None),
    ("/plan load plan.yaml", ["no accelerator in this session yet"], None),
    ("/accel a dot product unit", ["the plan cannot be used", "[unparseable]"], None),  # the model answers Verilog
    ("/file spec.txt", ["sending 15 characters from", "version 4"], "PAGE:is for the terminal"),
    ("/save OUT", ["saved counter8.v", "aigchip regress"], "PAGE:the download link"),
    ("/sessions", ["An 8-bit counter"], "PAGE:the session picker"),
    ("/quit", [], "PAGE:close the tab"),
]


def _answer(body: dict) -> Response:
    asked = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
    if "cocotb 2.x test module" in asked:
        return Response.text(f"```python\n{TESTS}```")
    if "16 bits" in asked:
        return Response.text(f"```verilog\n{V2}```")
    return Response.text(f"```verilog\n{V1}```")


def _files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "counter8.v").write_text(EDITED)
    (tmp_path / "spec.txt").write_text("make it 16 bits")
    (tmp_path / "plan.yaml").write_text("name: [")
    return {"test_counter8.py": CHAT / "test_counter8.py", "counter8.v": tmp_path / "counter8.v",
            "spec.txt": tmp_path / "spec.txt", "OUT": tmp_path / "saved", "plan.yaml": tmp_path / "plan.yaml"}


@pytest.fixture()
def endpoint():
    with Loopback(handler=_answer, model="loop-coder") as server:
        yield RunConfig(model="loop-coder", base_url=server.base_url, demos=0, max_iters=2, lint=False, cache=False,
                        max_retries=0, timeout_s=30)


def test_the_table_has_a_row_for_every_command():
    typed = {commands.parse(line)[0].name for line, _, _ in ROWS if line.startswith("/") and line != "/frobnicate"}
    assert typed == set(commands.BY_NAME)


def test_every_command_in_the_terminal(tmp_path, endpoint, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    files = _files(tmp_path)
    lines = [" ".join(str(files.get(w, w)) for w in line.split(" ")) if line.startswith("/") else line
             for line, _, _ in ROWS]
    store = SessionStore(tmp_path / "sessions")
    session = ChatSession.create(store, endpoint)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, no_color=True, highlight=False, emoji=False)
    marks: list[int] = []

    def read(prompt: str) -> str:
        marks.append(len(buffer.getvalue()))
        if len(marks) > len(lines):
            raise EOFError
        return lines[len(marks) - 1]

    Terminal(session, store, console=console, read=read).run()  # returns only through /quit
    out = buffer.getvalue()
    assert len(marks) == len(lines), "the session ended before its last command"
    assert "session kept: aigchip chat --resume" in out[marks[-1]:]
    seen = [out[a:b] for a, b in zip(marks, [*marks[1:], len(out)])]
    for (line, expected, _), said in zip(ROWS, seen):
        flat = " ".join(said.split())
        for piece in expected:
            assert piece in flat, f"{line!r}: expected {piece!r} in the terminal, saw:\n{said}"
    assert (tmp_path / "saved" / "counter8.v").is_file() and (tmp_path / "saved" / "meta.json").is_file()


def test_every_command_on_the_page(tmp_path, endpoint, monkeypatch):
    from aigchip.chat.web import create_app

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    files = _files(tmp_path)
    app = create_app(SessionStore(tmp_path / "sessions"), endpoint)
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        sid = client.post("/api/sessions", json={}).json()["id"]
        base = f"/api/sessions/{sid}"
        for line, expected, page_expected in ROWS:
            before = client.get(base).json()
            if not line.startswith("/"):
                response = client.post(f"{base}/messages", json={"text": line})
            else:
                name, *args = line[1:].split()
                command = commands.BY_NAME.get(f"{name} {args[0]}" if args else name) or commands.BY_NAME.get(name)
                uploads = command is not None and command.files and not command.terminal_only
                body = ({"command": command.name, "files": {a: files[a].read_text() for a in args[-1:]}}
                        if uploads else {"line": line})
                response = client.post(f"{base}/commands", json=body)
            said = _page_sees(client, base, response, before)
            for piece in [page_expected[5:]] if page_expected else expected:
                assert piece in said, f"{line!r}: expected {piece!r} on the page, saw:\n{said}"
        view = client.get(base).json()
        assert view["current"]["number"] == 3 and view["model"] == "other-coder"


def _page_sees(client, base: str, response, before: dict) -> str:
    """What the page shows after a request: the error, a command's output, or the turn it ran once done."""
    if response.status_code >= 400:
        return response.json()["error"]
    data = response.json()
    if "output" in data:
        return data["output"]
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        view = client.get(base).json()
        if not view["busy"] and len(view["turns"]) > len(before["turns"]) and \
                all(t["state"] != "pending" for t in view["turns"]):
            turn = view["turns"][-1]
            return f"{turn['answer']}\n{view['current']['label'] if view['current'] else ''}"
        time.sleep(0.05)
    raise AssertionError(f"the page's session stayed busy: {view}")
