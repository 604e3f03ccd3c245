"""`aigchip chat`: a session in the terminal. Type a description, then refinements; `/help` lists commands."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from aigchip.chat.session import ChatSession, SessionBusy
from aigchip.chat.store import SessionStore, Turn

HELP = """\
Describe the block you want; then ask for changes in plain words ("make the accumulator 32 bits").
  /show [N]        the current design (or version N)        /versions   every version and its verdict
  /diff [A B]      what changed (default: the last change)   /verdict    the current verdict in full
  /tests           the tests in use                          /test add FILE  add a cocotb .py or Verilog testbench
  /test write      let the agent write cocotb tests           /check      check the current design again
  /waves           the last simulation: a table and a picture file
  /save DIR        write the design as `generate --out` does (aigchip regress can re-check it)
  /model [NAME]    show or switch the model                  /undo       back to the previous version
  /retry           send the last failed message again        /file PATH  send a file's text as your message
  /load FILE...    your own edit of the design, as a new version, checked
  /sessions        list sessions                             /quit       leave (the session is kept)
A line ending in \\ continues on the next line; a line of three double quotes starts and ends a block."""


class Terminal:
    def __init__(self, session: ChatSession, store: SessionStore, *, console: Console | None = None,
                 read: Callable[[str], str] = input) -> None:
        self.session, self.store, self.read = session, store, read
        self.console = console or Console(highlight=False)

    def run(self) -> None:
        state = self.session.state
        self.console.print(f"[bold]aigchip chat[/]  session {state.id}  model {escape(state.model)}", highlight=False)
        self.console.print(f"kept in {self.session.folder}   /help for commands, /quit to leave", style="dim")
        if state.model == "offline":
            from aigchip.models.offline import NOTICE

            self.console.print(f"[yellow]{escape(NOTICE)}[/]")
        if state.turns:
            self._show_history()
        while True:
            try:
                line = self._read_message()
            except EOFError:
                self.console.print()
                break
            except KeyboardInterrupt:
                self.console.print("\n(/quit to leave)", style="dim")
                continue
            if line is None:
                continue
            if line.strip() in ("/quit", "/exit", "/q"):
                break
            try:
                self._handle(line)
            except (ValueError, OSError, SessionBusy) as exc:
                self.console.print(f"[red]{escape(str(exc))}[/]")
            except KeyboardInterrupt:
                self.console.print("\ninterrupted", style="dim")
        self.console.print(f"session kept: aigchip chat --resume {state.id}", style="dim")

    # -- input --------------------------------------------------------------------------------------

    def _read_message(self) -> str | None:
        first = self.read("you> ")
        if first.strip() == '"""':
            lines = []
            while (line := self.read("... ")).strip() != '"""':
                lines.append(line)
            return "\n".join(lines)
        lines = [first]
        while lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1]
            lines.append(self.read("... "))
        text = "\n".join(lines)
        return text if text.strip() else None

    # -- commands -----------------------------------------------------------------------------------

    def _handle(self, line: str) -> None:
        if not line.startswith("/"):
            self._turn(lambda progress: self.session.send(line, progress))
            return
        words = shlex.split(line[1:]) if line[1:].strip() else [""]
        command, args = words[0], words[1:]
        session = self.session
        if command == "help":
            self.console.print(escape(HELP))
        elif command == "show":
            self._show_code(int(args[0]) if args else None)
        elif command == "diff":
            diff = session.diff(*(int(a) for a in args[:2])) if len(args) >= 2 else session.diff()
            self._show_diff(diff) if diff else self.console.print("no change to show", style="dim")
        elif command == "versions":
            for v in session.state.versions:
                mark = "*" if v.number == session.state.current else " "
                self.console.print(f"{mark} v{v.number}  turn {v.turn}  {escape(v.summary)}")
        elif command == "verdict":
            self._show_verdict(full=True)
        elif command == "tests":
            texts = session.tests_text()
            if not texts:
                self.console.print("no tests yet: /test add FILE, or /test write", style="dim")
            for name, text in texts.items():
                self.console.rule(name, style="dim")
                self.console.print(Syntax(text, "python" if name.endswith(".py") else "verilog", line_numbers=True))
        elif command == "test" and args[:1] == ["add"] and len(args) == 2:
            path = Path(args[1]).expanduser()
            self._turn(lambda progress: session.add_test(path.name, path.read_bytes(), progress))
        elif command == "test" and args == ["write"]:
            self._turn(session.write_tests)
        elif command == "check":
            self._turn(session.check)
        elif command == "waves":
            self._show_waves()
        elif command == "save" and len(args) == 1:
            files = session.save(Path(args[0]).expanduser())
            self.console.print(f"saved {', '.join(files)} with checks/, session.jsonl and meta.json in {args[0]}"
                               f"  (re-check: aigchip regress {args[0]})")
        elif command == "model":
            if args:
                self._show_turn(session.set_model(args[0]))
            else:
                self.console.print(f"model: {escape(session.state.model)}")
        elif command == "undo":
            self._show_turn(session.undo())
            self._show_code()
        elif command == "load" and args:
            paths = [Path(a).expanduser() for a in args]
            files = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in paths}
            self._turn(lambda progress: session.load_design(files, progress))
        elif command == "retry":
            self._turn(session.retry)
        elif command == "file" and len(args) == 1:
            text = Path(args[0]).expanduser().read_text(encoding="utf-8", errors="replace")
            self.console.print(f"sending {len(text)} characters from {args[0]}", style="dim")
            self._turn(lambda progress: session.send(text, progress))
        elif command == "sessions":
            for s in self.store.list()[:20]:
                self.console.print(f"{s['id']}  {escape(str(s['status']))}  {escape(s['title'])}")
        else:
            raise ValueError(f"unknown command /{' '.join(words)}; /help lists them")

    # -- output -------------------------------------------------------------------------------------

    def _turn(self, operation: Callable) -> None:
        before = self.session.state.current
        turn = operation(lambda text: self.console.print(f"  · {escape(text)}", style="dim"))
        self._show_turn(turn)
        if turn.state == "done" and turn.version is not None:
            if turn.version != before:
                diff = self.session.diff()
                self._show_diff(diff) if diff else self._show_code()
            self._show_verdict()

    def _show_turn(self, turn: Turn) -> None:
        style = "green" if turn.state == "done" else "red"
        self.console.print(f"[{style}]aigchip>[/] {escape(turn.answer)}")

    def _show_code(self, number: int | None = None) -> None:
        version = self.session.state.version(number)
        if version is None:
            self.console.print("no design yet: describe the block you want", style="dim")
            return
        for name, text in version.files.items():
            self.console.rule(f"v{version.number} {name}", style="dim")
            self.console.print(Syntax(text, "verilog", line_numbers=True, word_wrap=True))

    def _show_diff(self, diff: str) -> None:
        self.console.rule("what changed", style="dim")
        self.console.print(Syntax(diff, "diff", word_wrap=True))

    def _show_verdict(self, *, full: bool = False) -> None:
        from aigchip.console import show_verdict
        from aigchip.sim.types import Verdict

        version = self.session.current()
        if version is not None:
            show_verdict(Verdict.model_validate(version.verdict), self.console, log_lines=40 if full else 12)

    def _show_waves(self) -> None:
        version = self.session.current()
        table = self.session.waves_table()
        if not table:
            self.console.print("no simulation yet: add tests (/test add FILE or /test write)", style="dim")
            return
        self.console.print(table, highlight=False)
        if version is not None and version.picture:
            self.console.print(f"picture: {self.session.folder / version.picture}", style="dim")

    def _show_history(self) -> None:
        for turn in self.session.state.turns[-6:]:
            self.console.print(f"[bold]you:[/] {escape(turn.text[:300])}")
            self._show_turn(turn)
        if self.session.current() is not None:
            self._show_code()
            self._show_verdict()
        for text in self.session.state.inbox:
            self.console.print(f"[yellow]accepted by the web page but not run yet:[/] {escape(text[:300])}")


def interactive_reader(history: Path | None) -> Callable[[str], str]:
    """input() with line editing and a history file, when readline is available."""
    try:
        import readline
    except ImportError:
        return input
    if history is not None:
        try:
            readline.read_history_file(history)
        except OSError:
            pass
        import atexit

        atexit.register(lambda: _save_history(readline, history))
    return input


def _save_history(readline, history: Path) -> None:
    try:
        readline.write_history_file(history)
    except OSError:
        pass
