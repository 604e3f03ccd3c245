"""`aigchip chat` driven as a person would, in a real pseudo-terminal (pexpect), against a loopback
OpenAI-compatible server and the real simulators: describe, add tests, refine, see the diff and the
waveform, survive prose, a failing model and a hanging simulation, undo, save, quit and resume."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigchip.loopback import Loopback, Response
from tests.conftest import FIXTURES

pexpect = pytest.importorskip("pexpect")
CHAT = FIXTURES / "chat"
pytestmark = [pytest.mark.sim, pytest.mark.timeout(240)]


def _fenced(name: str) -> str:
    return f"Here is the design.\n\n```verilog\n{(CHAT / name).read_text()}```\n"


_SLOWED: list[str] = []


def _answer(body: dict) -> Response:
    """The loopback model: answers by what the user last asked (skipping the loop's feedback messages)."""
    asked = next(m["content"] for m in reversed(body["messages"])
                 if m["role"] == "user" and not m["content"].startswith("Your design for"))
    if "slowly" in asked and not _SLOWED:
        _SLOWED.append(asked)  # only the first time: the retry is answered at once
        return Response.text(_fenced("counter8_v2.v"), delay_s=30)
    if "16 bits" in asked:
        return Response.text(_fenced("counter8_v2.v"))
    if "GPU" in asked:
        return Response.text("I cannot do that: a GPU kernel is not something I can write in Verilog.")
    if "valid output" in asked:
        return Response.fail(401, "invalid api key")
    if "never settles" in asked:
        return Response.text(_fenced("counter8_hang.v"))
    return Response.text(_fenced("counter8_v1.v"))


def _spawn(args: list[str], env: dict[str, str]) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "aigchip.cli", "chat", *args], env=env, encoding="utf-8",
                          timeout=60, dimensions=(50, 160))
    child.expect_exact("you> ")
    return child


def _say(child: pexpect.spawn, text: str, *expect: str, timeout: float = 60) -> str:
    """Type a line, wait for each expected piece of output in order and the next prompt; returns the output."""
    child.sendline(text)
    seen = ""
    for piece in expect:
        child.expect_exact(piece, timeout=timeout)
        seen += child.before + piece
    child.expect_exact("you> ", timeout=timeout)
    return seen + child.before


def _flat(text: str) -> str:
    """The output with line breaks (the terminal wraps long lines) turned into single spaces."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture()
def chat_env(tmp_path: Path):
    _SLOWED.clear()
    with Loopback(handler=_answer) as server:
        env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "160", "AIGCHIP_SIM_TIMEOUT": "4",
               "AIGCHIP_SESSIONS": str(tmp_path / "sessions"), "PYTHONPATH": str(Path(__file__).parents[1])}
        env.pop("OPENAI_API_KEY", None)
        yield server, env, ["--model=loop-coder", f"--base-url={server.base_url}", "--max-iters=2"]


def test_a_session_from_description_to_saved_design_and_back(chat_env, tmp_path: Path) -> None:
    server, env, flags = chat_env
    child = _spawn(flags, env)
    out = _say(child, "An 8-bit counter module named counter8 with clk, rst, en inputs and a count output.",
               "version 1", "compiles and lints (no tests)")
    assert "module counter8" in out and "[7:0]" in out  # the code is shown
    assert "no tests were given" in out

    out = _say(child, f"/test add {CHAT / 'test_counter8.py'}", "checked again")
    assert "passes 1 test" in out

    out = _say(child, "make it 16 bits", "version 2", "what changed")
    assert re.search(r"-.*\[7:0\] count", out) and re.search(r"\+.*\[15:0\] count", out)
    assert "passes 1 test" in out
    refinement = server.completions()[-1].body["messages"]
    assert "counter8" in refinement[-1]["content"] and "[7:0]" in refinement[-1]["content"]  # the current design
    assert any("8-bit counter" in m["content"] for m in refinement[:-1])  # and the conversation so far

    out = _say(child, "/waves", "gtkwave ")
    assert re.search(r"cycle\s+time \(ps\)\s+rst\s+en\s+count", out), out  # ports, in order; time in the file's unit
    assert re.search(r"^\s+5\s+60000\s+0\s+1\s+4\r?$", out, re.M), out  # cycle 5: count 4 just before its edge
    picture = Path(re.search(r"picture: (\S+\.svg)", out.replace("\r\n", "")).group(1))
    assert picture.is_file() and "<svg" in picture.read_text()
    assert picture.with_name("waves.gtkw").is_file()

    # a refinement answered in prose: the design stays as it was
    out = _say(child, "now run it on a GPU", "no new design")
    assert "current design is unchanged" in _flat(out) and "GPU kernel" in _flat(out)
    # the model fails mid-session (401: no retry); the next message still works
    out = _say(child, "add a valid output", "aigchip> model error")
    assert "invalid api key" in _flat(out) and "/retry" in _flat(out)
    # a design whose simulation hangs: a timeout verdict, and the prompt comes back
    out = _say(child, "make it one that never settles", "version 3", timeout=90)
    assert "timeout" in out

    out = _say(child, "/undo", "back to version 2")
    out = _say(child, "/versions", "v3")
    assert "* v2" in out
    saved = tmp_path / "saved"
    _say(child, f"/save {saved}", "saved")
    child.sendline("/quit")
    child.expect_exact("session kept: aigchip chat --resume")
    child.expect(pexpect.EOF)

    meta = json.loads((saved / "meta.json").read_text())
    assert meta["top"] == "counter8" and "[15:0]" in (saved / "counter8.v").read_text()
    regress = subprocess.run([sys.executable, "-m", "aigchip.cli", "regress", str(saved), "--json"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert regress.returncode == 0, regress.stdout + regress.stderr
    report = json.loads(regress.stdout)
    assert report["designs"] == 1 and report["results"][0]["now"] == "pass"

    # resumed: the conversation is shown again, and nothing typed was lost
    child = _spawn(["--resume", "last", *flags], env)
    out = child.before
    assert "add a valid output" in out and "never settles" in out
    out = _say(child, "/show", "endmodule")
    assert "[15:0]" in out
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    state = json.loads(next((tmp_path / "sessions").glob("*/chat.json")).read_text())
    typed = [t["text"] for t in state["turns"]]
    assert typed[:3] == ["An 8-bit counter module named counter8 with clk, rst, en inputs and a count output.",
                         "/test add test_counter8.py", "make it 16 bits"]
    assert [t["state"] for t in state["turns"] if t["text"] in ("add a valid output", "now run it on a GPU")] == \
        ["failed", "failed"]


def test_a_very_long_spec_from_a_file_is_kept_whole(chat_env, tmp_path: Path) -> None:
    server, env, flags = chat_env
    spec = tmp_path / "spec.txt"
    text = "An 8-bit counter module named counter8 with clk, rst, en and count.\n" + \
        "".join(f"Requirement {i}: the count register keeps its value when en is low.\n" for i in range(3000))
    spec.write_text(text)
    child = _spawn(flags, env)
    _say(child, f"/file {spec}", f"sending {len(text)} characters", "version 1")
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    state = json.loads(next((tmp_path / "sessions").glob("*/chat.json")).read_text())
    assert state["turns"][0]["text"] == text.strip() and len(text) > 200_000
    assert "Requirement 2999" in server.completions()[0].body["messages"][-1]["content"]


def test_a_multi_line_block_is_one_message(chat_env) -> None:
    server, env, flags = chat_env
    child = _spawn(flags, env)
    child.sendline('"""')
    child.sendline("A counter module named counter8.")
    child.sendline("It has clk, rst, en and an 8-bit count.")
    _say(child, '"""', "version 1")
    asked = server.completions()[0].body["messages"][-1]["content"]
    assert "named counter8.\nIt has clk" in asked
    _say(child, "/nonsense", "unknown command")
    _say(child, "/undo", "nothing to undo")
    child.sendeof()
    child.expect(pexpect.EOF)


def test_ctrl_c_stops_the_turn_not_the_session(chat_env) -> None:
    _server, env, flags = chat_env
    child = _spawn(flags, env)
    _say(child, "An 8-bit counter module named counter8.", "version 1")
    child.sendline("make it 16 bits, slowly")
    child.expect_exact("asking loop-coder")
    for _ in range(200):  # interrupt while the model is thinking
        if _SLOWED:
            break
        time.sleep(0.05)
    child.sendintr()
    child.expect_exact("interrupted", timeout=15)
    child.expect_exact("you> ")
    out = _say(child, "/retry", "version 2", "what changed")  # the message was kept: send it again
    assert "[15:0] count" in out
    child.sendline("/quit")
    child.expect(pexpect.EOF)
