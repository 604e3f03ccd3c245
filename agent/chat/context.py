"""What a chat session shows the model and writes out, computed from its state alone: the messages of a
refinement, the conversation as one description, the diff between versions, the saved design folder."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

from aigchip import prompts
from aigchip.chat.store import SessionState, Turn, Version
from aigchip.config import RunConfig
from aigchip.models import Message
from aigchip.record import SESSION, Recorder, copy_checks, run_meta
from aigchip.task import Task
from aigchip.sim.types import Design

HISTORY_TURNS = 8  # earlier requests the model sees besides the current design
REQUEST_CHARS = 8000  # each earlier request is cut to this in the history


def refine_messages(state: SessionState, turn: Turn) -> list[Message]:
    """The system prompt, the conversation so far (requests, and what each produced), then the current
    design with the new request."""
    version = state.version()
    if version is None or state.top is None:
        raise ValueError("there is no design to refine yet")
    history: list[Message] = []
    for earlier in state.turns:
        if earlier.number >= turn.number or earlier.kind not in ("spec", "refine", "edit"):
            continue
        if earlier.kind == "edit":  # the user changed the code by hand: the model should know
            history += [{"role": "user", "content": f"(I edited the design myself: version {earlier.version})"},
                        {"role": "assistant", "content": "(noted)"}]
            continue
        made = state.version(earlier.version) if earlier.version else None
        history += [{"role": "user", "content": earlier.text[:REQUEST_CHARS]},
                    {"role": "assistant", "content": f"(version {made.number}: {made.summary})" if made
                     else f"(no design: {earlier.answer[:300]})"}]
    problems = [d.get("message", "") for d in version.verdict.get("diagnostics", [])
                if d.get("severity") == "error"][:10]
    code = "\n".join(text.rstrip("\n") for text in version.files.values())
    request = prompts.render("refine", top=state.top, version=version.number, status=version.summary, code=code,
                             problems=problems, request=turn.text)
    return [{"role": "system", "content": prompts.render("system")}, *history[-2 * HISTORY_TURNS:],
            {"role": "user", "content": request}]


def conversation(state: SessionState) -> str:
    """The spec and every refinement that went through since, as one description (for writing tests)."""
    asks = [t.text for t in state.turns if t.kind == "refine" and t.state == "done"]
    return state.spec + "".join(f"\n\nChange requested later: {a}" for a in asks)


def version_diff(old: Version, new: Version) -> str:
    lines: list[str] = []
    for name in sorted(set(old.files) | set(new.files)):
        lines += difflib.unified_diff(old.files.get(name, "").splitlines(keepends=True),
                                      new.files.get(name, "").splitlines(keepends=True),
                                      f"v{old.number}/{name}", f"v{new.number}/{name}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def save_version(state: SessionState, version: Version, task: Task, config: RunConfig, session_folder: Path,
                 out_dir: Path) -> list[str]:
    """`version` as a run folder (see aigchip.record), so `aigchip regress` can re-check it."""
    out_dir = Path(out_dir)
    recorder = Recorder(out_dir)
    recorder.close()
    files = recorder.write_design(Design(files=version.files, top=version.top))
    checks = copy_checks(task, out_dir)
    if (session_folder / SESSION).is_file():
        shutil.copyfile(session_folder / SESSION, out_dir / SESSION)
    recorder.write_meta(run_meta(
        task, config, top=version.top, files=files, checks=checks, status=version.status, verdict=version.verdict,
        iterations=version.iterations, model=state.model, demos=[],
        chat={"session": state.id, "version": version.number, "turns": [t.model_dump(mode="json") for t in state.turns]}))
    return files


_FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)


def stated_assumptions(reply: str, limit: int = 1500) -> str:
    """What a reply says outside its code blocks (where the model states its assumptions), cut to `limit`."""
    prose = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in _FENCED.sub("\n", reply).splitlines())).strip()
    return prose if len(prose) <= limit else prose[:limit].rstrip() + "\u2026"
