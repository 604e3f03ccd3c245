"""The `aigchip` command. Thin: parses, calls, prints; one module per command family. Contract: DESIGN.md."""

from __future__ import annotations

import os
import sys

import typer

from aigchip.cli.common import EXIT_USAGE


def build_app() -> typer.Typer:
    """The command tree: every command registered here, so importing a command module does nothing."""
    from aigchip import __version__
    from aigchip.cli import accel, bench, chat, dataset, evaluate, explore, generate, regress, verify

    def version(value: bool) -> None:
        if value:
            typer.echo(f"aigchip {__version__}")
            raise typer.Exit(0)

    app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
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

    app.command()(verify.verify)
    app.command()(verify.tools)
    app.command()(generate.generate)
    app.command()(generate.demos)
    app.command("eval", cls=evaluate.EvalCommand)(evaluate.eval_)
    app.command()(regress.regress)
    app.command()(accel.accel)
    app.command()(explore.explore)
    chat.register(app)

    bench_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Measure benchmark tasks themselves.")
    bench_app.command("mutate")(bench.bench_mutate)
    app.add_typer(bench_app, name="bench")

    dataset_app = typer.Typer(add_completion=False, no_args_is_help=True,
                              help="The multi-grained Verilog corpus: import, build (annotate), stats, export, index.")
    for name, command in (("import", dataset.dataset_import), ("build", dataset.dataset_build),
                          ("stats", dataset.dataset_stats), ("export", dataset.dataset_export),
                          ("index", dataset.dataset_index)):
        dataset_app.command(name)(command)
    app.add_typer(dataset_app, name="dataset")
    return app


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
    try:
        build_app()()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("aigchip: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a bug in aigchip: say so plainly
        typer.echo(f"aigchip: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
