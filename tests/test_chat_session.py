"""ChatSession without simulators: a scripted model and a fake checker, so each rule is checked fast."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from aigchip.chat.session import ChatSession, SessionBusy
from aigchip.chat.store import SessionStore
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.models import ModelError
from aigchip.sim.types import Diagnostic, Status, Verdict
from tests.conftest import FIXTURES

CHAT = FIXTURES / "chat"
V1, V2 = (CHAT / "counter8_v1.v").read_text(), (CHAT / "counter8_v2.v").read_text()
SPEC = "An 8-bit counter module named counter8 with clk, rst, en and count."
TESTS = (CHAT / "test_counter8.py").read_text()


def fenced(code: str) -> str:
    return f"```verilog\n{code}```"


class FakeCheck:
    """Passes any design without the word BUG; remembers what it was asked to check."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def __call__(self, pairs, jobs=1):
        verdicts = []
        for design, options in pairs:
            self.calls.append(("\n".join(design.files.values()), options))
            if "BUG" in "".join(design.files.values()):
                verdicts.append(Verdict(status=Status.MISMATCH, mismatches=3, samples=10,
                                        diagnostics=[Diagnostic(message="count is 4, expected 5")]))
            else:
                verdicts.append(Verdict(status=Status.PASS, checks=["policy", "cocotb" if options.tests else "syntax"]))
        return verdicts


def new_session(tmp_path: Path, replies: list, **config) -> tuple[ChatSession, ScriptedModel, FakeCheck]:
    model, check = ScriptedModel(replies), FakeCheck()
    store = SessionStore(tmp_path / "sessions")
    session = ChatSession.create(store, RunConfig(model="scripted", demos=0, max_iters=2, **config),
                                 model_factory=lambda config, task: model, check=check)
    return session, model, check


def test_describe_refine_undo_and_the_record_on_disk(tmp_path: Path) -> None:
    session, model, _ = new_session(tmp_path, [fenced(V1), fenced(V2)])
    first = session.send(SPEC)
    assert first.state == "done" and first.version == 1 and session.state.top == "counter8"
    second = session.send("make it 16 bits")
    assert second.version == 2 and session.state.current == 2
    assert "-    output reg  [7:0] count" in session.diff() and "+    output reg  [15:0] count" in session.diff()
    refine = model.requests[-1]
    assert refine[1]["content"] == SPEC and "version 1" in refine[2]["content"]  # the conversation so far
    assert "[7:0] count" in refine[-1]["content"] and "make it 16 bits" in refine[-1]["content"]

    assert session.undo().answer == "back to version 1 (was 2): compiles (no tests)"
    assert session.current().number == 1 and session.diff() == ""
    with pytest.raises(ValueError, match="nothing to undo"):
        session.undo()
    assert session.redo().answer.startswith("forward to version 2 (was 1)") and session.current().number == 2
    with pytest.raises(ValueError, match="nothing to redo"):
        session.redo()
    assert session.use(1).answer.startswith("now on version 1 (was 2") and session.current().number == 1
    with pytest.raises(ValueError, match="no version 7"):
        session.use(7)
    assert session.undo().answer.startswith("back to version 2")  # /use is undone like any move
    session.use(1)
    on_disk = json.loads((session.folder / "chat.json").read_text())
    assert [t["text"] for t in on_disk["turns"]] == [SPEC, "make it 16 bits", "/undo", "/redo", "/use 1", "/undo",
                                                     "/use 1"]
    assert on_disk["current"] == 1 and "[15:0] count" in (session.folder / "versions/002/counter8.v").read_text()
    assert (session.folder / "session.jsonl").read_text().count('"type": "verdict"') == 2


def test_a_failing_model_loses_nothing_and_retry_sends_it_again(tmp_path: Path) -> None:
    session, _model, _ = new_session(tmp_path, [ModelError("server", "upstream 503"), fenced(V1)])
    failed = session.send(SPEC)
    assert failed.state == "failed" and "upstream 503" in failed.answer and session.state.current is None
    assert session.store.load(session.state.id).turns[0].text == SPEC
    again = session.retry()
    assert again.state == "done" and session.state.spec == SPEC  # not doubled by the retry
    with pytest.raises(ValueError, match="no failed message"):
        session.retry()


def test_prose_leaves_the_design_alone_and_says_what_the_model_said(tmp_path: Path) -> None:
    session, _, _ = new_session(tmp_path, [fenced(V1), "Sorry, which width?", "I still need the width."])
    session.send(SPEC)
    turn = session.send("make it wider")
    assert turn.state == "failed" and "unchanged" in turn.answer and "I still need the width." in turn.answer
    assert session.state.current == 1 and len(session.state.versions) == 1


def test_a_failing_design_is_fed_back_within_the_turn(tmp_path: Path) -> None:
    session, model, _ = new_session(tmp_path, [fenced(V1.replace("// An", "// BUG An")), fenced(V1)])
    session.add_test("test_counter8.py", TESTS)
    turn = session.send(SPEC)
    assert turn.state == "done" and "after 2 iterations" in turn.answer
    assert "count is 4, expected 5" in model.requests[-1][-1]["content"]


def test_tests_are_checked_before_they_are_accepted(tmp_path: Path) -> None:
    session, _, check = new_session(tmp_path, [fenced(V1)])
    session.send(SPEC)
    for name, content, problem in [("notes.txt", "x", "cocotb module"), ("test_x.py", "def f(:\n", "does not parse"),
                                   ("test_x.py", "import cocotb\n", "no @cocotb.test"),
                                   ("test_x.py", "#" * (1024 * 1024 + 1), "limited")]:
        with pytest.raises(ValueError, match=problem):
            session.add_test(name, content)
    turn = session.add_test("../../escape/test_counter8.py", TESTS)
    assert (session.folder / "tests" / "test_counter8.py").is_file() and not (tmp_path / "escape").exists()
    assert turn.answer.startswith("version 1 checked again: pass") and check.calls[-1][1].tests is not None
    assert check.calls[-1][1].tests_by_model is False  # the user's own tests
    again = session.add_test("test_counter8.py", TESTS)  # the same file again: nothing replaced
    assert "replaced" not in again.answer
    changed = session.add_test("test_counter8.py", TESTS + "\n# one more line\n")
    assert changed.answer.startswith("replaced tests/test_counter8.py; version 1 checked again")
    turn = session.add_test("tb_counter8.v", "module tb; endmodule\n")  # a testbench replaces the cocotb module
    assert session.state.tests == ["tb_counter8.v"] and not (session.folder / "tests/test_counter8.py").exists()
    assert turn.answer.startswith("replaced tests/test_counter8.py;"), turn.answer


def test_the_agent_writes_tests_from_the_conversation(tmp_path: Path) -> None:
    written = f"```python\n{TESTS}```"
    session, model, check = new_session(tmp_path, [fenced(V1), fenced(V2), written])
    session.send(SPEC)
    session.send("make it 16 bits")
    turn = session.write_tests()
    assert turn.state == "done"
    assert turn.answer.startswith("wrote tests/test_counter8.py for the ports of v2 (clk, rst, en, count)"), turn.answer
    asked = model.requests[-1][-1]["content"]
    assert "Change requested later: make it 16 bits" in asked
    assert "output reg [15:0] count" in asked or "[15:0] count" in asked  # the current design's header
    assert "Drive and read only its ports: `clk`, `rst`, `en`, `count`" in asked
    assert session.tests_text() == {"test_counter8.py": TESTS}
    assert check.calls[-1][1].tests == session.folder / "tests" / "test_counter8.py"
    assert check.calls[-1][1].tests_by_model  # the model's: run only in the sandbox (or with the user's leave)
    session.add_test("test_counter8.py", TESTS)
    assert check.calls[-1][1].tests_by_model is False


def test_one_operation_at_a_time(tmp_path: Path) -> None:
    release = threading.Event()

    class SlowModel(ScriptedModel):
        def complete(self, messages, *, n=1, sample_index=0):
            release.wait(10)
            return super().complete(messages, n=n, sample_index=sample_index)

    model, store = SlowModel([fenced(V1)]), SessionStore(tmp_path)
    session = ChatSession.create(store, RunConfig(model="scripted", demos=0), model_factory=lambda c, t: model,
                                 check=FakeCheck())
    worker = threading.Thread(target=session.send, args=(SPEC,))
    worker.start()
    try:
        for _ in range(100):
            if session.busy:
                break
            threading.Event().wait(0.02)
        with pytest.raises(SessionBusy):
            session.send("make it 16 bits")
    finally:
        release.set()
        worker.join(10)
    assert [t.text for t in session.state.turns] == [SPEC] and not session.busy


def test_model_switch_persists_and_resume_closes_what_was_running(tmp_path: Path) -> None:
    seen: list[str] = []
    store = SessionStore(tmp_path)
    session = ChatSession.create(store, RunConfig(model="first", demos=0), check=FakeCheck(),
                                 model_factory=lambda config, task: seen.append(config.model) or ScriptedModel([fenced(V1)]))
    session.set_model("second")
    session.send(SPEC)
    assert seen == ["second"]
    with pytest.raises(ValueError):
        session.set_model("two words")
    state = store.load(session.state.id)
    state.turns[-1].state = "pending"  # as if the process died mid-turn
    store.save(state)
    resumed = ChatSession.resume(store, session.state.id, RunConfig(model="offline"))
    assert resumed.state.model == "second" and resumed.config.model == "second"
    assert resumed.state.turns[-1].state == "failed" and "/retry" in resumed.state.turns[-1].answer


def test_session_ids_cannot_name_other_folders(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    for bad in ("..", "../etc", "a/b", ".hidden", "x" * 100, "UPPER", ""):
        with pytest.raises(ValueError):
            store.folder(bad)
    with pytest.raises(ValueError, match="no session"):
        store.load("20260101-000000-abcdef")


def test_save_writes_the_generate_layout(tmp_path: Path) -> None:
    session, _, _ = new_session(tmp_path, [fenced(V1)])
    with pytest.raises(ValueError, match="no design"):
        session.save(tmp_path / "nothing")
    session.add_test("test_counter8.py", TESTS)
    session.send(SPEC)
    files = session.save(tmp_path / "out")
    meta = json.loads((tmp_path / "out/meta.json").read_text())
    assert files == ["counter8.v"] and meta["files"] == files and meta["top"] == "counter8"
    assert meta["checks"]["tests"] == "checks/test_counter8.py" and (tmp_path / "out/checks/test_counter8.py").is_file()
    assert meta["status"] == "pass" and meta["chat"]["version"] == 1 and (tmp_path / "out/session.jsonl").is_file()


def test_the_offline_baseline_says_it_cannot_refine(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = ChatSession.create(store, RunConfig(model="offline", demos=0), check=FakeCheck())
    first = session.send("An 8-entry synchronous FIFO of 8-bit words with full and empty flags, in a module named fifo8")
    assert first.state == "done" and session.current().top == "fifo8"  # the closest demo, renamed
    assert "no LLM was used" in first.answer
    turn = session.send("make it 16 entries deep")
    assert turn.state == "failed" and "cannot edit" in turn.answer and session.state.current == 1


def test_an_accepted_message_survives_until_its_turn(tmp_path: Path) -> None:
    session, _, _ = new_session(tmp_path, [fenced(V1)])
    session.accept("  " + SPEC + "\n")
    session.close()
    resumed = ChatSession.resume(session.store, session.state.id, session.config, check=FakeCheck(),
                                 model_factory=lambda config, task: ScriptedModel([fenced(V1)]))
    assert resumed.state.inbox == [SPEC]
    assert resumed.send(SPEC).state == "done" and resumed.state.inbox == []
    assert session.store.load(session.state.id).inbox == []


def test_a_session_is_open_in_one_process_at_a_time(tmp_path: Path) -> None:
    import subprocess
    import sys

    session, _, _ = new_session(tmp_path, [])
    session.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from agent.chat.store import SessionStore; "
         f"SessionStore(Path({str(session.store.root)!r})).acquire({session.state.id!r}); print('held', flush=True); "
         "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).parents[1])
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ValueError, match="open in another aigchip process"):
            ChatSession.resume(session.store, session.state.id, session.config)
    finally:
        holder.communicate("", timeout=10)
    again = ChatSession.resume(session.store, session.state.id, session.config)  # free once that process ended
    assert again.state.id == session.state.id


@pytest.mark.verilator
@pytest.mark.timeout(300)
def test_a_verilator_session_shows_its_waveform(tmp_path: Path) -> None:
    model = ScriptedModel([fenced(V1)])
    session = ChatSession.create(SessionStore(tmp_path), RunConfig(model="scripted", demos=0, simulator="verilator"),
                                 model_factory=lambda config, task: model)
    session.add_test("test_counter8.py", TESTS)
    turn = session.send(SPEC)
    assert turn.answer.startswith("version 1: passes 1 test after 1 iteration"), turn.answer
    header = session.waves_table().splitlines()[1].split()
    assert header == ["cycle", "time", "(ps)", "rst", "en", "count"]  # each port once, though Verilator declares them twice
    assert "<svg" in (session.folder / session.current().picture).read_text()


def test_your_own_edit_becomes_a_version_the_model_then_refines(tmp_path: Path) -> None:
    session, model, _check = new_session(tmp_path, [fenced(V1), fenced(V2)])
    session.send(SPEC)
    with pytest.raises(ValueError, match="must define module counter8"):
        session.load_design({"other.v": "module other; endmodule\n"})
    edited = V1.replace("count + 8'd1", "count + 8'd2")
    turn = session.load_design({"counter8.v": edited})
    assert turn.answer == "version 2 (your edit): compiles (no tests)" and session.current().files == {"counter8.v": edited}
    assert "+            count <= count + 8'd2;" in session.diff()
    session.send("make it 16 bits")
    asked = model.requests[-1]
    assert "count + 8'd2" in asked[-1]["content"]  # the refinement starts from the edit
    assert any("I edited the design myself" in m["content"] for m in asked)


def test_check_runs_again_and_verdicts_go_stale_when_the_tests_change(tmp_path: Path) -> None:
    session, _, check = new_session(tmp_path, [fenced(V1), fenced(V2)])
    session.send(SPEC)
    said: list[str] = []
    turn = session.check(said.append)  # the checker passed to the constructor must not hide this method
    assert turn.state == "done" and turn.answer == "version 1 checked again: compiles (no tests)"
    assert said == ["checking the current design"] and len(check.calls) == 2
    session.send("make it 16 bits")
    session.add_test("test_counter8.py", TESTS)
    v1, v2 = session.state.version(1), session.state.version(2)
    assert session.verdict_label(v2) == "passes the testbench" and not session.stale(v2)
    assert session.stale(v1) and session.verdict_label(v1).endswith("[stale: the tests changed since; /check]")
    assert "stale" in session.undo().answer  # back on v1, whose verdict predates the tests
    assert session.check().answer == "version 1 checked again: passes the testbench" and not session.stale(v1)
