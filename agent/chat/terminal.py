"""`aigchip chat`: a session in the terminal. Type a description, then refinements; `/help` lists commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from aigchip.chat import commands
from aigchip.chat.progress import Streamed
from aigchip.chat.session import ChatSession, SessionBusy
from aigchip.chat.store import SessionStore, Turn

INTRO = """\
Describe the block you want; then ask for changes in plain words ("make the accumulator 32 bits").
A line ending in \\ continues on the next line; a line of three double quotes starts and ends a block.
Commands:"""


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
            if not self._handle(line):
                break
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

    def _handle(self, line: str) -> bool:
        """Run one message or command; False when the person leaves. Whatever goes wrong fails that command
        alone: the session and the prompt carry on."""
        try:
            if not line.startswith("/"):
                self._turn(lambda progress: self.session.send(line, progress))
                return True
            command, args = commands.parse(line)
            files = self._read_files(args) if command.files else {}
            call = commands.Call(self.session, [] if command.files else args, files, self._progress)
            if command.name == "file":
                self.console.print(f"sending {len(next(iter(files.values())))} characters from {args[0]}", style="dim")
            if command.queued(args):
                self._turn(lambda progress: command.run(dataclasses.replace(call, progress=progress)).turn)
                return True
            reply = command.run(call)
        except (ValueError, OSError, SessionBusy) as exc:
            self.console.print(f"[red]{escape(str(exc))}[/]")
            return True
        except KeyboardInterrupt:
            self.console.print("\ninterrupted", style="dim")
            return True
        except Exception as exc:  # noqa: BLE001 - a bug in one command must not end the session
            self.console.print(f"[red]internal error in {escape(line.split()[0])}: {type(exc).__name__}: "
                               f"{escape(str(exc))}[/] (the session goes on)")
            return True
        self._show_reply(command.name, reply)
        return not reply.leave

    def _read_files(self, args: list[str]) -> dict[str, str]:
        from aigchip.chat.testfiles import MAX_TEST_BYTES

        files = {}
        for arg in args:
            path = Path(arg).expanduser()
            if path.is_file() and path.stat().st_size > 4 * MAX_TEST_BYTES:
                raise ValueError(f"{arg} is {path.stat().st_size} bytes: too big to send")
            files[path.name] = path.read_bytes().decode("utf-8", errors="replace")
        return files

    def _progress(self, text: str) -> None:
        if isinstance(text, Streamed):
            return
        self.console.print(f"  · {escape(text)}", style="dim")

    def _show_reply(self, name: str, reply: commands.Reply) -> None:
        if reply.turn is not None:
            self._show_turn(reply.turn)
        if name == "help":
            self.console.print(escape(INTRO))
        if not reply.text:
            return
        if reply.syntax in ("verilog", "diff", "python"):
            if reply.syntax == "diff":
                self.console.rule("what changed", style="dim")
            self.console.print(Syntax(reply.text, reply.syntax, line_numbers=reply.syntax != "diff", word_wrap=True))
        else:
            self.console.print(escape(reply.text), highlight=False)
        if reply.picture:
            self.console.print(f"picture: {self.session.folder / reply.picture}", style="dim")
        if reply.gtkw:
            gtkw = self.session.folder / reply.gtkw
            self.console.print(f"in GTKWave: gtkwave {gtkw.with_name('waves.vcd')} {gtkw}", style="dim", soft_wrap=True)

    # -- output -------------------------------------------------------------------------------------

    def _turn(self, operation: Callable) -> None:
        from aigchip.console import Elapsed

        before = self.session.state.current
        waiting = Elapsed("working")

        def progress(text: str) -> None:
            if isinstance(text, Streamed):  # the reply as it arrives: counted on the spinner's line
                waiting.received += len(text)
                return
            self._progress(text)
            waiting.doing, waiting.received = str(text), 0

        with self.console.status(waiting):
            turn = operation(progress)
        self._show_turn(turn)
        made = self.session.state.version(turn.version) if turn.version is not None else None
        if made is not None and made.turn == turn.number and made.assumptions:
            self.console.print(f"[bold]the model said:[/] {escape(made.assumptions)}", style="italic")
        if turn.state != "done":
            return
        if turn.version is not None and turn.version != before:  # a new version: what changed, then its verdict
            diff = self.session.diff()
            self._show_diff(diff) if diff else self._show_code()
        elif self.session.state.current != before:  # undo, redo, use: the version now current
            self._show_code()
        if turn.version is not None:
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

    def _show_verdict(self) -> None:
        from aigchip.console import show_verdict
        from aigchip.sim.types import Verdict

        version = self.session.current()
        if version is not None:
            show_verdict(Verdict.model_validate(version.verdict), self.console, log_lines=12)
            if self.session.stale(version):
                self.console.print(f"stale: v{version.number} was checked against other tests than the ones in use "
                                   "now; /check runs them", style="yellow")

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
