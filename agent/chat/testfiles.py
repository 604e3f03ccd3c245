"""The tests a chat session checks against: one cocotb module, or Verilog testbench files, in its tests/ folder."""

from __future__ import annotations

from pathlib import Path

from aigchip.extract import python_tests
from aigchip.sim.process import safe_name

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
