"""A chat version from what a turn produced: the record kept in chat.json, its files on disk, the checker that
keeps a waveform of every simulation, and the words a turn answers with."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from aigchip.chat.store import Version
from aigchip.loop import Outcome
from aigchip.sim.process import safe_name
from aigchip.sim.types import Design, Verdict


def recording_check(checker: Callable[..., list[Verdict]], keep: Path,
                    tests_by_model: Callable[[], bool] = lambda: False) -> Callable[..., list[Verdict]]:
    """`checker`, recording a VCD into `keep` whenever a simulation runs, so the waveform of the last one can be
    shown without simulating again; cocotb tests the model wrote (`tests_by_model()`, asked at each check) are
    marked so, for the sandbox."""
    def check(pairs, jobs=1):
        by_model = {"tests_by_model": tests_by_model()}
        pairs = [(design, options.model_copy(update={"waves": True, "keep_dir": keep,
                                                     **(by_model if options.tests else {})})
                  if (options.tests or options.testbench) else options) for design, options in pairs]
        return checker(pairs, jobs=jobs)
    return check


def make_version(number: int, turn: int, design: Design, verdict: Verdict, outcome: Outcome | None,
                 tests_key: str) -> Version:
    return Version(number=number, turn=turn, top=design.top, files=dict(design.files), status=str(verdict.status),
                   summary=verdict.summary(), verdict=verdict.model_dump(mode="json", exclude={"waveform", "run_dir"}),
                   iterations=outcome.iterations if outcome else 0,
                   tokens=outcome.usage.total_tokens if outcome else 0, tests_key=tests_key)


def write_files(session_folder: Path, version: Version) -> None:
    folder = session_folder / version.folder
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in version.files.items():
        (folder / safe_name(name)).write_text(text, encoding="utf-8")


def no_design_answer(outcome: Outcome) -> str | None:
    """Why a turn made no version (None when it made one): a model error, or no usable design in the replies."""
    if outcome.design is None and outcome.stopped == "model_error":
        return f"model error: {outcome.message}; the current design is unchanged (/retry sends it again)"
    if outcome.design is None or outcome.verdict is None:
        last = outcome.attempts[-1] if outcome.attempts else None
        said = f" It said: {last.reply.strip()[:600]}" if last is not None and last.reply.strip() else ""
        why = outcome.message or (last.verdict.summary() if last else "no reply")
        return f"no new design ({why}); the current design is unchanged.{said}"
    return None


def reply_of(outcome: Outcome) -> str:
    """The reply that held the design the turn ended with."""
    return next((a.reply for a in reversed(outcome.attempts)
                 if a.design is not None and outcome.design is not None and a.design.files == outcome.design.files), "")


def made_answer(number: int, label: str, outcome: Outcome) -> str:
    answer = f"version {number}: {label} after {outcome.iterations} iteration{'s' if outcome.iterations != 1 else ''}"
    if outcome.message:
        answer += f" (stopped: {outcome.message})"
    if outcome.attempts and outcome.attempts[-1].model == "offline":
        answer += " [no LLM was used: the offline baseline picked the closest demo design]"
    return answer
