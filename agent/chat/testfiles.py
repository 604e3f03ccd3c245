"""The tests a chat session checks against: one cocotb module, or Verilog testbench files, in its tests/ folder."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from aigchip.extract import python_tests
from aigchip.sim.process import safe_name

if TYPE_CHECKING:
    from aigchip.chat.progress import Progress
    from aigchip.chat.session import ChatSession
    from aigchip.chat.store import Turn

MAX_TEST_BYTES = 1024 * 1024


def plain_name(name: str) -> str:
    """The file name alone, whatever folders (/ or \\) an upload or a path put before it; ValueError if none."""
    return safe_name(Path(str(name).replace("\\", "/")).name)


def validate_test(name: str, content: str | bytes) -> tuple[str, str]:
    """A test file as the session will keep it: (plain file name, text); ValueError says what is wrong."""
    name = plain_name(name)
    if Path(name).suffix.lower() not in (".py", ".v", ".sv"):
        raise ValueError("tests are a cocotb module (.py) or Verilog testbench files (.v, .sv)")
    data = content.encode("utf-8") if isinstance(content, str) else content
    if len(data) > MAX_TEST_BYTES:
        raise ValueError(f"{name} is {len(data)} bytes; tests are limited to {MAX_TEST_BYTES}")
    text = data.decode("utf-8", errors="replace")
    if name.lower().endswith(".py"):
        code, problem = python_tests(f"```python\n{text}\n```")
        if code is None:
            raise ValueError(f"{name}: {problem.split('. Reply')[0]}")
    return name, text


def install_test(folder: Path, names: list[str], name: str, text: str) -> tuple[list[str], list[str]]:
    """Write `name` into `folder`; returns the new list of test files and the files it replaced (removed, or
    rewritten with other text). One kind at a time: a cocotb module replaces everything, a testbench file
    replaces a cocotb module and joins the other testbench files."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = name in names and (folder / name).is_file() and (folder / name).read_bytes() != text.encode("utf-8")
    python = name.endswith(".py")
    kept, removed = [], []
    for old in names:
        if python or old.endswith(".py"):
            (folder / old).unlink(missing_ok=True)
            if old != name:
                removed.append(old)
        else:
            kept.append(old)
    (folder / name).write_text(text, encoding="utf-8")
    return (kept if name in kept else [*kept, name]), ([name] if changed else []) + removed


def write_tests(session: ChatSession, turn: Turn, progress: Progress) -> None:
    """/test write: tests from the conversation and, once there is a design, its real ports (parsed by slang),
    installed as the session's cocotb module, then the current design checked against them."""
    from aigchip import interface
    from aigchip.chat.context import conversation
    from aigchip.chat.progress import ProgressRecorder, Streamed
    from aigchip.loop import Agent
    from aigchip.models.chat import listen_to_tokens

    current = session.current()
    ports = interface.of_design(current.files, current.top) if current is not None else None
    task = session._task(conversation(session.state))
    task = task.model_copy(update={"testbench": (), "tests": None})
    config = session.config.model_copy(update={"feedback": "self"})
    model = session._model(config, task)
    listen_to_tokens(model, lambda piece: progress(Streamed(piece)))
    recorder = ProgressRecorder(session.folder, progress, model.name)
    with tempfile.TemporaryDirectory(prefix="aigchip-chat-tests-") as scratch:
        try:
            agent = Agent(model, config, recorder=recorder, check=session.checker, work_dir=Path(scratch))
            code = agent._write_self_tests(task, task.spec_text(), ports)
        finally:
            recorder.close()
    if code is None:
        turn.state, turn.answer = "failed", "the model wrote no usable cocotb test module"
        return
    replaced = session._install_test(f"test_{task.top}.py", code, by_model=True)
    session._recheck(turn, progress)
    against = f" for the ports of v{current.number} ({', '.join(p.name for p in ports.ports)})" \
        if ports and current is not None else ""
    turn.answer = f"wrote tests/test_{task.top}.py{against}; {replaced + '; ' if replaced else ''}{turn.answer}"
