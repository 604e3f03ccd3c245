"""`aigchip serve`: the chat in a browser. One page (templates/chat/) and a small JSON API over the same
`ChatSession`s the terminal uses; progress streams to the page as server-sent events.

It listens on 127.0.0.1 and guards the local-only assumptions a browser can break: requests must name an
allowed Host (DNS rebinding), POSTs must be JSON from the page's own origin (cross-site forms and
fetches), bodies are capped, and only files inside a session's folder are ever read. The model's name is
the only configuration a response carries: base URLs and keys never reach the page.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
import tempfile
import zipfile
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aigchip.chat.store import SessionStore
from aigchip.chat.web_hub import NoSession, SessionHub, command_call, command_job, message_job
from aigchip.config import RunConfig
from aigchip.paths import package_data

ASSETS = package_data("templates", "chat")
STATIC = {"/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/app.css": ("app.css", "text/css; charset=utf-8")}
MAX_BODY = 4 * 1024 * 1024
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                   (b"x-frame-options", b"DENY")]


class HTTPProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def host_name(host_header: str) -> str:
    """The host part of a Host header, without the port (IPv6 literals keep their brackets)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class _Guard:
    """Pure ASGI middleware: refuse a Host that is not ours (400) and add safety headers to every response."""

    def __init__(self, app: Callable[..., Awaitable[None]], allowed_hosts: tuple[str, ...]) -> None:
        self.app, self.allowed = app, {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if host_name(headers.get("host", "")) not in self.allowed:
            body = b'{"error": "invalid Host header: aigchip serve answers only to its own address"}'
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()), *_COMMON_HEADERS]})
            await send({"type": "http.response.body", "body": body})
            return

        async def guarded_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_COMMON_HEADERS]}
            await send(message)

        await self.app(scope, receive, guarded_send)


async def read_json(request: Any) -> dict[str, Any]:
    """The body of a POST from our own page: same origin, JSON, at most MAX_BODY bytes, a JSON object."""
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() != f"http://{request.headers.get('host', '').lower()}":
        raise HTTPProblem(403, f"cross-origin request refused (Origin {origin[:100]})")
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPProblem(403, "cross-site request refused")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPProblem(415, "send the body as JSON with Content-Type: application/json")
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        raise HTTPProblem(400, "bad Content-Length") from None
    if declared > MAX_BODY:
        raise HTTPProblem(413, f"the request body is over {MAX_BODY // (1024 * 1024)} MB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPProblem(413, f"the request body is over {MAX_BODY // (1024 * 1024)} MB")
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPProblem(400, f"the body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise HTTPProblem(400, "the body must be a JSON object")
    return data


def _sse(event: str, payload: str) -> str:
    return f"event: {event}\ndata: {payload}\n\n"


def create_app(store: SessionStore, config: RunConfig, *, model_factory: Any = None,
               check: Callable[..., Any] | None = None, allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
               keepalive_s: float = 15.0) -> Any:
    """The Starlette app behind `aigchip serve` (see the module doc for what it guards against)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import (
        FileResponse,
        JSONResponse,
        Response,
        StreamingResponse,
    )
    from starlette.routing import Route

    hub = SessionHub(store, config, model_factory=model_factory, check=check)

    def api(handler: Callable[..., Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPProblem as exc:
                return JSONResponse({"error": hub.redact(exc.message)}, status_code=exc.status)
            except NoSession as exc:
                return JSONResponse({"error": hub.redact(str(exc))}, status_code=404)
            except ValueError as exc:
                return JSONResponse({"error": hub.redact(str(exc))}, status_code=400)
            except Exception as exc:  # noqa: BLE001 - a bug fails this request, never the server
                return JSONResponse({"error": hub.redact(f"internal error: {type(exc).__name__}: {exc}")},
                                    status_code=500)
        return endpoint

    async def live_of(request: Request) -> Any:
        return await run_in_threadpool(hub.get, request.path_params["session_id"])  # may read chat.json

    def accepted(live: Any, job: Any) -> JSONResponse:
        waiting = live.submit(job)
        return JSONResponse({"accepted": True, "kind": job.kind, "text": job.text, "queued": waiting},
                            status_code=202)

    async def static(request: Request) -> Response:
        name, media = STATIC[request.url.path]
        return FileResponse(ASSETS / name, media_type=media,
                            headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"})

    async def sessions(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(await run_in_threadpool(store.list))
        data = await read_json(request)
        top = data.get("top")
        if top is not None and not isinstance(top, str):
            raise ValueError("top must be a string")
        live = await run_in_threadpool(hub.create, top or None)
        return Response(await run_in_threadpool(live.view_json), status_code=201, media_type="application/json")

    async def view(request: Request) -> Response:
        live = await live_of(request)
        return Response(await run_in_threadpool(live.view_json), media_type="application/json",
                        headers={"Cache-Control": "no-store"})

    async def messages(request: Request) -> Response:
        data = await read_json(request)
        live = await live_of(request)
        return accepted(live, message_job(live, data.get("text")))

    async def run_command(live: Any, data: dict[str, Any]) -> Response:
        command, call = await run_in_threadpool(command_call, live, data)
        if command.queued(call.args):
            return accepted(live, command_job(command, call))
        reply = await run_in_threadpool(command.run, call)  # reads only: answered at once
        return Response(hub.redact(json.dumps({"command": command.name, "output": reply.text,
                                               "syntax": reply.syntax})), media_type="application/json")

    async def commands(request: Request) -> Response:
        data = await read_json(request)
        return await run_command(await live_of(request), data)

    async def tests(request: Request) -> Response:  # the same as {"command": "test add", "files": {name: content}}
        data = await read_json(request)
        if not isinstance(data.get("name"), str) or not isinstance(data.get("content"), str):
            raise ValueError("a test upload is JSON {name, content} with both strings")
        return await run_command(await live_of(request),
                                 {"command": "test add", "files": {data["name"]: data["content"]}})

    async def design(request: Request) -> Response:  # the same as {"command": "load", "files": {...}}
        data = await read_json(request)
        if not isinstance(data.get("files"), dict) or not data["files"]:
            raise ValueError("a design upload is JSON {files: {name: content}} with strings")
        return await run_command(await live_of(request), {"command": "load", "files": data["files"]})

    async def events(request: Request) -> Response:
        live = await live_of(request)
        try:
            limit = min(float(request.query_params.get("max_s", 3600 * 24)), 3600 * 24)
        except ValueError:
            raise HTTPProblem(400, "max_s is a number of seconds") from None
        loop = asyncio.get_running_loop()
        subscriber = live.subscribe(loop)  # before the first view, so nothing falls between the two
        try:
            first = await run_in_threadpool(live.view_json)
        except BaseException:
            live.unsubscribe(subscriber)
            raise

        async def stream() -> Any:
            try:
                yield _sse("state", first)
                started = idle = loop.time()
                while not hub.closed.is_set() and loop.time() - started < limit:
                    try:
                        event, payload = await asyncio.wait_for(subscriber.queue.get(), timeout=0.5)
                    except TimeoutError:
                        if loop.time() - idle >= keepalive_s:
                            idle = loop.time()
                            yield ": keep-alive\n\n"
                        continue
                    idle = loop.time()
                    yield _sse(event, payload)
            finally:
                live.unsubscribe(subscriber)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    def span_of(request: Request) -> dict[str, Any]:
        """?start=&end= (ticks of the VCD) and ?internals=1, checked."""
        span: dict[str, Any] = {"internals": request.query_params.get("internals") in ("1", "true")}
        for name in ("start", "end"):
            text = request.query_params.get(name)
            if text:
                try:
                    span[name] = int(text)
                except ValueError:
                    raise HTTPProblem(400, f"{name} is a whole number of the waveform's time ticks") from None
        return span

    async def waves(request: Request) -> Response:
        live = await live_of(request)
        base = f"/api/sessions/{live.session.state.id}"
        data = await run_in_threadpool(lambda: live.waves(base, **span_of(request)))
        return Response(json.dumps(data), media_type="application/json", headers={"Cache-Control": "no-store"})

    async def wave_file(request: Request) -> Response:
        """The kept VCD, or a GTKWave save file for the span asked for; both download into one folder."""
        from aigchip.waveview import write_gtkw

        number, name = request.path_params["number"], request.path_params["name"]
        if name not in ("waves.vcd", "waves.gtkw"):
            raise HTTPProblem(404, "not found")
        live = await live_of(request)
        version, span = await run_in_threadpool(lambda: live.wave_window(number, **span_of(request)))
        folder = live.session.folder.resolve()
        vcd = (folder / version.waves).resolve()
        if not vcd.is_relative_to(folder) or vcd.suffix != ".vcd":
            raise HTTPProblem(404, "no waveform for this version")
        if name == "waves.vcd":
            return FileResponse(vcd, media_type="application/octet-stream",
                                headers={"Content-Disposition": 'attachment; filename="waves.vcd"'})
        with tempfile.TemporaryDirectory(prefix="aigchip-gtkw-") as scratch:
            saved = await run_in_threadpool(write_gtkw, span, vcd, Path(scratch) / "waves.gtkw", title=version.top)
            data = saved.read_bytes()
        return Response(data, media_type="application/octet-stream",
                        headers={"Content-Disposition": 'attachment; filename="waves.gtkw"'})

    async def picture(request: Request) -> Response:
        live = await live_of(request)
        number = request.path_params.get("number")
        if any(request.query_params.get(name) for name in ("start", "end", "internals")):
            from aigchip.chat.waves import render_svg

            version, span = await run_in_threadpool(lambda: live.wave_window(number, **span_of(request)))
            svg = await run_in_threadpool(lambda: render_svg(span, title=version.top))
            return Response(svg.encode("utf-8"), media_type="image/svg+xml",
                            headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "no-cache"})
        path = await run_in_threadpool(live.picture, number)
        if path is None:
            raise HTTPProblem(404, "no waveform picture for this version (add tests to get one)")
        return Response(path.read_bytes(), media_type="image/svg+xml",
                        headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "no-cache"})

    async def download(request: Request) -> Response:
        live = await live_of(request)
        data, name = await run_in_threadpool(_zip_of, live.session)
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'})

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        yield
        hub.close()

    async def info(request: Request) -> Response:
        return JSONResponse({"model": config.model})  # the one setting the page may know

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [Route(path, static, methods=["GET"]) for path in STATIC] + [
        Route("/favicon.ico", no_icon, methods=["GET"]),
        Route("/api/info", info, methods=["GET"]),
        Route("/api/sessions", api(sessions), methods=["GET", "POST"]),
        Route("/api/sessions/{session_id}", api(view), methods=["GET"]),
        Route("/api/sessions/{session_id}/messages", api(messages), methods=["POST"]),
        Route("/api/sessions/{session_id}/commands", api(commands), methods=["POST"]),
        Route("/api/sessions/{session_id}/tests", api(tests), methods=["POST"]),
        Route("/api/sessions/{session_id}/design", api(design), methods=["POST"]),
        Route("/api/sessions/{session_id}/events", api(events), methods=["GET"]),
        Route("/api/sessions/{session_id}/picture", api(picture), methods=["GET"]),
        Route("/api/sessions/{session_id}/versions/{number:int}/picture", api(picture), methods=["GET"]),
        Route("/api/sessions/{session_id}/download", api(download), methods=["GET"]),
        Route("/api/sessions/{session_id}/waves", api(waves), methods=["GET"]),
        Route("/api/sessions/{session_id}/versions/{number:int}/{name:str}", api(wave_file), methods=["GET"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_Guard, allowed_hosts=tuple(allowed_hosts))],
                    lifespan=lifespan)
    app.state.hub = hub
    return app


def _zip_of(session: Any) -> tuple[bytes, str]:
    """The current version saved as `generate --out` does, zipped under one folder named <top>-v<N>."""
    with tempfile.TemporaryDirectory(prefix="aigchip-serve-") as scratch:
        out = Path(scratch) / "out"
        session.save(out)
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8")) if (out / "meta.json").is_file() else {}
        number = (meta.get("chat") or {}).get("version", "")
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{meta.get('top') or 'design'}-v{number}")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.write(path, f"{name}/{path.relative_to(out).as_posix()}")
        return buffer.getvalue(), name


def serve(store: SessionStore, config: RunConfig, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the page and API with uvicorn until Ctrl-C (blocking)."""
    import uvicorn

    allowed = ("127.0.0.1", "localhost") + ((host,) if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::") else ())
    app = create_app(store, config, allowed_hosts=allowed)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            app.state.hub.close()  # end the event streams, so shutting down does not wait for open tabs
            super().handle_exit(sig, frame)

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)  # before the address is printed: a browser opened at once is queued, not refused
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port} ({exc.strerror}); pass --port 0 for any free port") from None
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"aigchip serve: open http://{shown}:{port}/   (sessions in {store.root}; Ctrl-C to stop)", flush=True)
    try:
        Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3)).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn raises the Ctrl-C again once it has shut down
        pass
    print("aigchip serve: stopped (sessions are kept)", flush=True)
