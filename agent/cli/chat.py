"""The `aigchip chat` and `aigchip serve` commands (registered by aigchip.cli.build_app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from aigchip.cli.common import Simulator

ExistingFile = dict(exists=True, dir_okay=False, readable=True)
Sessions = Annotated[Optional[Path], typer.Option("--sessions", help="Sessions folder (default $AIGCHIP_SESSIONS, "
                                                  "else ~/.local/share/aigchip/sessions).", file_okay=False)]
Model = Annotated[Optional[str], typer.Option(help="Endpoint model name, or offline / manual / replay.")]
BaseUrl = Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, ...).")]
MaxIters = Annotated[Optional[int], typer.Option(help="Self-correction rounds per message.", min=1)]
Sim = Annotated[Optional[Simulator], typer.Option(help="Simulator.")]
ApiKeyEnv = Annotated[Optional[str], typer.Option(help="Environment variable holding the API key.")]
Stream = Annotated[bool, typer.Option("--stream/--no-stream", help="Stream the model's reply as it is written.")]
ConfigFile = Annotated[Optional[Path], typer.Option("--config", help="aigchip.toml with defaults.", **ExistingFile)]


def _config(model: str | None, base_url: str | None, max_iters: int | None, sim: Simulator | None,
            config_file: Path | None, api_key_env: str | None = None, stream: bool = True):
    from aigchip.config import load_config

    try:
        return load_config(dict(model=model, base_url=base_url, max_iters=max_iters, simulator=sim.value if sim else None,
                                api_key_env=api_key_env, stream=stream), config_file=config_file)
    except ValueError as exc:
        typer.echo(f"aigchip: {str(exc).splitlines()[0]}", err=True)
        raise typer.Exit(2) from None


def chat(
    resume: Annotated[Optional[str], typer.Option(help="Resume a session by id, or 'last'.")] = None,
    list_sessions: Annotated[bool, typer.Option("--list", help="List sessions and exit.")] = False,
    top: Annotated[Optional[str], typer.Option(help="Name of the top module (default: from the description).")] = None,
    model: Model = None,
    base_url: BaseUrl = None,
    max_iters: MaxIters = None,
    sim: Sim = None,
    api_key_env: ApiKeyEnv = None,
    stream: Stream = True,
    sessions: Sessions = None,
    config_file: ConfigFile = None,
) -> None:
    """A spec-to-RTL session in the terminal: describe a block, see it generated and checked, refine it."""
    from aigchip.chat.session import ChatSession
    from aigchip.chat.store import SessionStore
    from aigchip.chat.terminal import Terminal, interactive_reader

    store = SessionStore(sessions)
    if list_sessions:
        for s in store.list():
            typer.echo(f"{s['id']}  {s['status'] or '-':<14} {s['turns']:>3} turns  {s['title']}")
        return
    config = _config(model, base_url, max_iters, sim, config_file, api_key_env, stream)
    try:
        if resume:
            session_id = store.latest() if resume == "last" else resume
            if session_id is None:
                raise ValueError(f"no sessions in {store.root} to resume")
            session = ChatSession.resume(store, session_id, config)
            if model:
                session.set_model(model)
        else:
            session = ChatSession.create(store, config, top=top)
    except ValueError as exc:
        typer.echo(f"aigchip: {exc}", err=True)
        raise typer.Exit(2) from None
    Terminal(session, store, read=interactive_reader(store.root / ".history")).run()


def serve(
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free one).", min=0, max=65535)] = 8765,
    model: Model = None,
    base_url: BaseUrl = None,
    max_iters: MaxIters = None,
    sim: Sim = None,
    api_key_env: ApiKeyEnv = None,
    stream: Stream = True,
    sessions: Sessions = None,
    config_file: ConfigFile = None,
) -> None:
    """The same sessions as a local web page: chat on one side; code, verdict, tests and waveform on the other."""
    from aigchip.chat.store import SessionStore
    from aigchip.chat.web import serve as run_server

    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"aigchip: warning: serving on {host} lets other machines drive this one's simulators", err=True)
    try:
        run_server(SessionStore(sessions), _config(model, base_url, max_iters, sim, config_file, api_key_env, stream),
                   host=host, port=port)
    except ValueError as exc:
        typer.echo(f"aigchip: {exc}", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.command()(chat)
    app.command()(serve)
