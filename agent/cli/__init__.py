"""The `aigchip` command. Thin: parses, calls, prints; one module per command family. Contract: DESIGN.md."""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading
from collections.abc import Iterator, MutableMapping
from typing import Any, NoReturn, cast

import typer
from typer.core import TyperGroup
from typer.main import get_command

from aigchip.cli.common import EXIT_USAGE


def build_app() -> typer.Typer:
    """The command tree. Each command is built (its module imported, its options turned into typer's
    parameters) only when it is used or a help page lists it: a command line pays for its own command, not
    for all of them. Importing a command module does nothing."""
    from aigchip import __version__

    def version(value: bool) -> None:
        if value:
            typer.echo(f"aigchip {__version__}")
            raise typer.Exit(0)

    app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, cls=_LazyTree,
                      context_settings={"help_option_names": ["-h", "--help"]},
                      help="Natural-language hardware specs to verified RTL with an LLM in the loop.")

    @app.callback()
    def _root(_version: bool = typer.Option(False, "--version", callback=version, is_eager=True,
                                            help="Print the version and exit."),
              allow_unsandboxed_python: bool = typer.Option(
                  False, "--allow-unsandboxed-python",
                  help="Where bubblewrap cannot start, run model-written Python (self-written tests) anyway, "
                       "with only process-group and resource limits. Also AIGCHIP_ALLOW_UNSANDBOXED_PYTHON=1.")) -> None:
        if allow_unsandboxed_python or _allowed_in_toml():
            from aigchip.sim import sandbox

            os.environ[sandbox.ALLOW_VARIABLE] = "1"  # read where each run starts, in this process and its workers

    return app


def _register(name: str, app: typer.Typer) -> None:
    """Register the command (or command group) `name` on `app`, importing only its own module."""
    module = importlib.import_module(f"aigchip.cli.{_MODULES.get(name, name)}")
    if name == "eval":
        app.command("eval", cls=module.EvalCommand)(module.eval_)
    elif name in ("chat", "serve"):
        module.register(app)
    elif name == "bench":
        bench_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Measure benchmark tasks themselves.")
        bench_app.command("mutate")(module.bench_mutate)
        app.add_typer(bench_app, name="bench")
    elif name == "dataset":
        dataset_app = typer.Typer(add_completion=False, no_args_is_help=True,
                                  help="The multi-grained Verilog corpus: import, build (annotate), stats, export, index.")
        for sub in ("import", "build", "stats", "export", "index"):
            dataset_app.command(sub)(getattr(module, f"dataset_{sub}"))
        app.add_typer(dataset_app, name="dataset")
    else:
        app.command()(getattr(module, name))


# the module of each command whose module is not named after it
_MODULES = {"tools": "verify", "demos": "generate", "eval": "evaluate", "serve": "chat"}


COMMANDS = ("verify", "tools", "generate", "demos", "eval", "regress", "accel", "explore", "chat", "serve", "bench",
            "dataset")


class _Commands(MutableMapping[str, Any]):
    """The root group's commands by name, each built on first use (see build_app)."""

    def __init__(self, built: dict[str, Any]) -> None:
        self.built = built

    def __getitem__(self, name: str) -> Any:
        if name not in self.built:
            if name not in COMMANDS:
                raise KeyError(name)
            holder = typer.Typer(add_completion=False)
            holder.callback()(lambda: None)  # a group, so the command is built exactly as in the whole tree
            _register(name, holder)
            self.built[name] = cast(TyperGroup, get_command(holder)).commands[name]
        return self.built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        del self.built[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*COMMANDS, *(name for name in self.built if name not in COMMANDS)])

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self.built))


class _LazyTree(TyperGroup):
    """typer's group with the commands of _Commands."""

    def __init__(self, *args: Any, commands: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, commands=cast(Any, _Commands(dict(commands or {}))), **kwargs)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return self.commands[cmd_name] if cmd_name in COMMANDS or cmd_name in self.commands else None


def _allowed_in_toml() -> bool:
    """aigchip.toml's `allow_unsandboxed_python = true` (a file that cannot be read is reported by the command)."""
    from aigchip.config import _from_toml

    try:
        return _from_toml(None).get("allow_unsandboxed_python") is True
    except ValueError:
        return False


def __getattr__(name: str) -> typer.Typer:  # `from aigchip.cli import app` builds the tree on first use
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    """Entry point: no traceback ever reaches the user."""
    # aigchip's settings and verdicts are pydantic models of its own: no pydantic plugin is loaded for them,
    # which spares every command a scan of every installed package's entry points (about 6 ms of CPU and
    # 10 ms of file reads). A PYDANTIC_DISABLE_PLUGINS the user set is kept as it is.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        build_app()()
    except SystemExit as done:
        _leave(done.code)
    except KeyboardInterrupt:
        typer.echo("aigchip: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a bug in aigchip: say so plainly
        typer.echo(f"aigchip: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _leave(code: object) -> NoReturn:
    """End the process once the command is done, without the interpreter's teardown: freeing every module
    and object one by one costs about 0.05 CPU s after a plain command and 0.4 s once langchain is loaded,
    and nobody waits for it. The exit handlers still run (chat's history, logging, temporary folders), and
    the output is flushed; while any other thread than daemons still works, the usual exit waits for it."""
    status = 0 if code is None else code if isinstance(code, int) else 1
    if isinstance(code, str):
        print(code, file=sys.stderr)
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe (aigchip ... | head): nothing more can reach it
    os._exit(status)
