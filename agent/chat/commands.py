"""The chat's commands, in one table that both front ends read: the terminal (`/check` typed at `you>`) and the
page (its buttons, and the same `/check` typed in its message box). A command is looked up, its arguments
counted and converted here, and it runs here, so it behaves the same wherever it was given.

File arguments are the one difference: the terminal reads the paths it was given, the page uploads the files;
either way a command gets `files` (name to text) and never touches a path itself.
"""

from __future__ import annotations

import io
import re
import shlex
from dataclasses import dataclass, field
from typing import Callable

from aigchip.chat import accel
from aigchip.chat import optimize as chat_optimize
from aigchip.chat.progress import Progress
from aigchip.chat.session import ChatSession, model_name
from aigchip.chat.store import Turn, Version
from aigchip.chat.testfiles import plain_name, validate_test


@dataclass(frozen=True)
class Reply:
    """What a command gives the person: the turn it ran, if it changed the session, and text to show."""

    turn: Turn | None = None
    text: str = ""
    syntax: str = "text"  # how to show `text`: text, verilog, diff, python, waves
    picture: str | None = None  # a waveform picture, relative to the session folder
    gtkw: str | None = None  # the same view as a GTKWave save file, relative to the session folder
    leave: bool = False  # the terminal ends the session (quit)


@dataclass(frozen=True)
class Call:
    session: ChatSession
    args: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # file arguments, already read by the front end
    progress: Progress = lambda _: None
    page: bool = False  # given on the page (which offers fewer commands) rather than in the terminal


@dataclass(frozen=True)
class Command:
    name: str  # as typed after the slash: "check", "test add"
    usage: str  # its arguments: "", "[N]", "FILE", "FILE..."
    help: str
    run: Callable[[Call], Reply]
    changes: bool = False  # runs as a turn (the page queues it) rather than reading
    reads_bare: bool = False  # without arguments it only reads (`/model` shows, `/model NAME` switches)
    files: bool = False  # its FILE arguments are files the front end reads (terminal) or uploads (page)
    terminal_only: str = ""  # why the page does not offer it: where the page shows the same
    validate: Callable[[Call], None] | None = None  # refuses bad arguments at once, before the page queues it
    ready: Callable[[Call], object] | None = None  # refuses at once when the session cannot do it now (page: if idle)

    @property
    def line(self) -> str:
        return f"/{self.name}" + (f" {self.usage}" if self.usage else "")

    def arity(self) -> tuple[int, int]:
        words = self.usage.replace("[", " [ ").replace("]", " ] ").split()
        least = most = 0
        optional = False
        for word in words:
            if word in ("[", "]"):
                optional = word == "["
            elif word.endswith("..."):
                least, most = least + (not optional), 10_000
            else:
                least, most = least + (not optional), most + 1
        return least, most

    def queued(self, args: list[str]) -> bool:
        return self.changes and not (self.reads_bare and not args)


def number(text: str, what: str = "a version number") -> int:
    try:
        return int(text.lstrip("v"))
    except ValueError:
        raise ValueError(f"{text!r} is not {what} (see /versions)") from None


# -- reading ---------------------------------------------------------------------------------------------

def _version(session: ChatSession, args: list[str]) -> Version:
    state = session.snapshot()
    version = state.version(number(args[0]) if args else None)
    if version is None:
        raise ValueError(f"no version {args[0]} (see /versions)" if args else "no design yet: describe the block you want")
    return version


def _show(call: Call) -> Reply:
    version = _version(call.session, call.args)
    many = len(version.files) > 1
    text = "".join((f"// ---- v{version.number} {name}\n" if many else "") + code.rstrip("\n") + "\n"
                   for name, code in version.files.items())
    return Reply(text=text, syntax="verilog")


def _diff(call: Call) -> Reply:
    if len(call.args) == 1:
        raise ValueError("/diff takes two version numbers (/diff 1 3), or none for the last change")
    diff = call.session.diff(*(number(a) for a in call.args)) if call.args else call.session.diff()
    return Reply(text=diff, syntax="diff") if diff else Reply(text="no change to show")


def _versions(call: Call) -> Reply:
    state = call.session.snapshot()
    lines = [f"{'*' if v.number == state.current else ' '} v{v.number}  turn {v.turn}  {call.session.verdict_label(v)}"
             for v in state.versions]
    return Reply(text="\n".join(lines) or "no versions yet: describe the block you want")


def _verdict(call: Call) -> Reply:
    from rich.console import Console

    from aigchip.console import show_verdict
    from aigchip.sim.types import Verdict

    version = _version(call.session, call.args)
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, no_color=True, highlight=False, emoji=False)
    console.print(f"v{version.number}: {call.session.verdict_label(version)}")
    show_verdict(Verdict.model_validate(version.verdict), console, log_lines=40)
    return Reply(text=buffer.getvalue().rstrip() + "\n")


def _tests(call: Call) -> Reply:
    texts = call.session.tests_text()
    if not texts:
        return Reply(text="no tests yet: /test add FILE, or /test write")
    syntax = "python" if all(name.endswith(".py") for name in texts) else "verilog"
    comment = "#" if syntax == "python" else "//"
    return Reply(text="".join(f"{comment} ---- tests/{name}\n{text.rstrip()}\n" for name, text in texts.items()),
                 syntax=syntax)


def _waves(call: Call) -> Reply:
    internals, cycles = False, None
    for arg in call.args:
        if arg == "all":
            internals = True
        elif re.fullmatch(r"\d+(?:-\d+)?", arg):
            first, _, last = arg.partition("-")
            cycles = (int(first), int(last or first))
            if cycles[1] - cycles[0] > 200:
                raise ValueError("/waves shows at most 200 cycles at a time")
        else:
            raise ValueError("/waves [all] [A-B]: all adds the internal signals, A-B shows clock cycles A to B")
    table = call.session.waves_table(internals=internals, cycles=cycles)
    if not table:
        return Reply(text="no simulation yet: add tests (/test add FILE or /test write)")
    version = call.session.current()
    return Reply(text=table, syntax="waves", picture=version.picture if version else None,
                 gtkw=version.gtkw if version else None)


def _model(call: Call) -> Reply:
    if not call.args:
        return Reply(text=f"model: {call.session.snapshot().model}")
    return Reply(turn=call.session.set_model(call.args[0]))


def _help(call: Call) -> Reply:
    return Reply(text=help_text(page=call.page))


# -- changing ----------------------------------------------------------------------------------------------

def _one_file(call: Call) -> tuple[str, str]:
    if len(call.files) != 1:
        raise ValueError("give one file")
    return next(iter(call.files.items()))


def _test_add(call: Call) -> Reply:
    name, text = _one_file(call)
    return Reply(turn=call.session.add_test(name, text, call.progress))


def _valid_test(call: Call) -> None:
    validate_test(*_one_file(call))


def _valid_design(call: Call) -> None:
    if not call.files:
        raise ValueError("give the design's Verilog files")
    if any(not plain_name(name).lower().endswith((".v", ".sv")) for name in call.files):
        raise ValueError("a design is Verilog files (.v, .sv)")


def _valid_model(call: Call) -> None:
    if call.args:
        model_name(call.args[0])


def _can_move(stack: str, nothing: str) -> Callable[[Call], None]:
    def ready(call: Call) -> None:
        if not getattr(call.session.snapshot(), stack):
            raise ValueError(nothing)
    return ready


def _has_version(call: Call) -> None:
    _version(call.session, call.args)


def _valid_number(call: Call) -> None:
    number(call.args[0])


def _can_optimize(call: Call) -> None:
    why = chat_optimize.refusal(call.session, chat_optimize.goal_of(call.args[0]))
    if why:
        raise ValueError(why)


def _send_file(call: Call) -> Reply:
    _, text = _one_file(call)
    return Reply(turn=call.session.send(text, call.progress))


def _save(call: Call) -> Reply:
    from pathlib import Path

    out = Path(call.args[0]).expanduser()
    files = call.session.save(out)
    return Reply(text=f"saved {', '.join(files)} with checks/, session.jsonl and meta.json in {out}  "
                      f"(re-check: aigchip regress {out})")


def _sessions(call: Call) -> Reply:
    found = call.session.store.list()[:20]
    return Reply(text="\n".join(f"{s['id']}  {s['status'] or '-':<14} {s['title']}" for s in found) or "no sessions")


TABLE: tuple[Command, ...] = (
    Command("help", "", "these commands", _help),
    Command("show", "[N]", "the current design (or version N)", _show),
    Command("diff", "[A B]", "what changed (default: the last change)", _diff),
    Command("versions", "", "every version and its verdict", _versions),
    Command("verdict", "[N]", "the current verdict in full", _verdict),
    Command("tests", "", "the tests in use", _tests),
    Command("waves", "[all] [A-B]", "the last simulation around its first failure: a table, a picture, a GTKWave "
            "file (all: with internal signals; A-B: clock cycles A to B)", _waves),
    Command("check", "", "check the current design again", lambda c: Reply(turn=c.session.check(c.progress)),
            changes=True),
    Command("test add", "FILE", "add a cocotb .py or Verilog testbench, then check", _test_add, changes=True,
            files=True, validate=_valid_test),
    Command("test write", "", "let the agent write cocotb tests, then check",
            lambda c: Reply(turn=c.session.write_tests(c.progress)), changes=True),
    Command("load", "FILE...", "your own edit of the design, as a new version, checked",
            lambda c: Reply(turn=c.session.load_design(c.files, c.progress)), changes=True, files=True,
            validate=_valid_design),
    Command("optimize", "GOAL", "ask for a better design on area (smaller), fmax (a faster clock) or latency (fewer "
            "cycles, as the tests measure them); the best that passes every test becomes a new version ("
            "also typed: make it smaller / faster)", lambda c: Reply(turn=c.session.optimize(c.args[0], c.progress)),
            changes=True, validate=lambda c: chat_optimize.goal_of(c.args[0]) and None, ready=_can_optimize),
    Command("undo", "", "back to the previous version", lambda c: Reply(turn=c.session.undo()), changes=True,
            ready=_can_move("undo_stack", "nothing to undo")),
    Command("redo", "", "forward again after /undo", lambda c: Reply(turn=c.session.redo()), changes=True,
            ready=_can_move("redo_stack", "nothing to redo")),
    Command("use", "N", "make version N the current one", lambda c: Reply(turn=c.session.use(number(c.args[0]))),
            changes=True, validate=_valid_number, ready=_has_version),
    Command("retry", "", "send the last failed message again", lambda c: Reply(turn=c.session.retry(c.progress)),
            changes=True, ready=lambda c: c.session.retry_text() and None),
    Command("model", "[NAME]", "show or switch the model", _model, changes=True, reads_bare=True,
            validate=_valid_model),
    Command("accel", "REQUEST...", "plan a whole accelerator as a tree of modules (it waits for /approve)",
            lambda c: Reply(turn=accel.start(c.session, " ".join(c.args), c.progress)), changes=True,
            ready=lambda c: accel.none_yet(c.session)),
    Command("plan", "", "the accelerator's module tree, each module's status, its cost",
            lambda c: Reply(text=accel.view(c.session))),
    Command("approve", "", "build the planned accelerator: modules, integration, system test, cost",
            lambda c: Reply(turn=accel.approve(c.session, c.progress)), changes=True,
            ready=lambda c: accel.planned(c.session)),
    Command("plan change", "TEXT...", "change the accelerator (make the array 8x8): only what it affects is rebuilt",
            lambda c: Reply(turn=accel.change(c.session, " ".join(c.args), c.progress)), changes=True,
            ready=lambda c: accel.planned(c.session)),
    Command("plan load", "FILE", "your edit of the accelerator's plan.yaml, checked, then built if approved",
            lambda c: Reply(turn=accel.load(c.session, c.files, c.progress)), changes=True, files=True,
            ready=lambda c: accel.planned(c.session)),
    Command("file", "PATH", "send a file's text as your message", _send_file, changes=True, files=True,
            terminal_only="paste the text in the message box"),
    Command("save", "DIR", "write the design as `generate --out` does (aigchip regress re-checks it)", _save,
            terminal_only="the download link saves the same folder as a zip"),
    Command("sessions", "", "list sessions", _sessions, terminal_only="the session picker lists them"),
    Command("quit", "", "leave (the session is kept)", lambda c: Reply(leave=True),
            terminal_only="close the tab: the session is kept"),
)
BY_NAME = {command.name: command for command in TABLE}
ALIASES = {"exit": "quit", "q": "quit"}


def help_text(*, page: bool = False) -> str:
    shown = [c for c in TABLE if not (page and c.terminal_only)]
    width = max(len(c.line) for c in shown) + 2
    return "\n".join(f"  {c.line:<{width}}{c.help}" for c in shown)


def parse(line: str, *, page: bool = False) -> tuple[Command, list[str]]:
    """`/name args...` as its command and its arguments; ValueError says what is wrong."""
    try:
        words = shlex.split(line.strip()[1:]) if line.strip().startswith("/") else []
    except ValueError as exc:
        raise ValueError(f"cannot read the command: {exc}") from None
    if not words:
        raise ValueError("a command starts with / (/help lists them)")
    words[0] = ALIASES.get(words[0], words[0])
    two = " ".join(words[:2])
    command = BY_NAME.get(two) or BY_NAME.get(words[0])
    if command is None:
        close = [c.line for c in TABLE if c.name.split()[0] == words[0]]
        hint = f": {' or '.join(close)}" if close else "; /help lists them"
        raise ValueError(f"unknown command /{' '.join(words)}{hint}")
    if page and command.terminal_only:
        raise ValueError(f"/{command.name} is for the terminal; here, {command.terminal_only}")
    args = words[len(command.name.split()):]
    least, most = command.arity()
    if not least <= len(args) <= most:
        raise ValueError(f"usage: {command.line}")
    return command, args


def lookup(name: object, *, page: bool = False) -> Command:
    """A command by its name (the page's buttons name them); ValueError when unknown."""
    command = BY_NAME.get(name) if isinstance(name, str) else None
    if command is None:
        raise ValueError(f"unknown command {str(name)[:40]!r}; one of: {', '.join(BY_NAME)}")
    if page and command.terminal_only:
        raise ValueError(f"/{command.name} is for the terminal; here, {command.terminal_only}")
    return command
