"""A tiny OpenAI-compatible chat-completions server on 127.0.0.1, for tests, demos and benchmarks.

    with Loopback([Response.error(429, headers={"Retry-After": "1"}), Response(texts=["module m; endmodule"])]) as srv:
        model = ChatModel(ChatSettings(model="loop", base_url=srv.base_url))
        ...
        srv.requests  # every request received: path, headers, JSON body, arrival time

Each POST to /v1/chat/completions takes the next scripted `Response` from the queue, or asks
`handler(body) -> Response` when one is given. With neither left it answers 400 `loopback_exhausted`
(400 so that clients do not retry it). GET /v1/models lists the one model name.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable


def rough_tokens(text: str) -> int:
    """About four characters per token: good enough for usage figures in tests."""
    return max(1, (len(text) + 3) // 4) if text else 0


@dataclass
class Response:
    """What the server answers to one request."""

    texts: list[str] = field(default_factory=lambda: ["ok"])  # one choice each, at most the request's `n`
    status: int = 200
    error: dict[str, Any] | None = None  # the JSON body's "error" object, for status >= 400
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait this long before answering
    chunk_delay_s: float = 0.0  # when streaming: wait this long before each piece, as a model writing does
    raw_body: str | None = None  # sent verbatim instead of JSON (malformed bodies)
    prompt_tokens: int | None = None  # None: estimated from the request's messages
    completion_tokens: int | None = None  # None: estimated from the texts
    finish_reason: str = "stop"

    @classmethod
    def text(cls, *texts: str, **kwargs: Any) -> Response:
        return cls(texts=list(texts), **kwargs)

    @classmethod
    def fail(cls, status: int, message: str = "", *, code: str | None = None,
             headers: dict[str, str] | None = None, **kwargs: Any) -> Response:
        kind = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}
        error = {"message": message or f"loopback error {status}", "type": kind.get(status, "server_error"),
                 "param": None, "code": code}
        return cls(texts=[], status=status, error=error, headers=dict(headers or {}), **kwargs)

    @classmethod
    def context_length(cls) -> Response:
        return cls.fail(400, "This model's maximum context length is 8192 tokens. However, your messages "
                        "resulted in 9000 tokens.", code="context_length_exceeded")

    @classmethod
    def malformed(cls) -> Response:
        return cls(raw_body='{"id": "x", "choices": [ {"message": ')


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any] | None
    at: float  # time.monotonic() on arrival


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 makes a burst of 16 clients wait for a retry
    daemon_threads = True


class Loopback:
    """The server, running in a background thread while used as a context manager."""

    def __init__(self, responses: Iterable[Response | str] = (), *,
                 handler: Callable[[dict[str, Any]], Response] | None = None, model: str = "loopback") -> None:
        self.queue: deque[Response] = deque(Response.text(r) if isinstance(r, str) else r for r in responses)
        self.handler = handler
        self.model = model
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the loopback server is not running: use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def add(self, *responses: Response | str) -> None:
        with self._lock:
            self.queue.extend(Response.text(r) if isinstance(r, str) else r for r in responses)

    def completions(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def __enter__(self) -> Loopback:
        self._server = _Server(("127.0.0.1", 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="loopback", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()  # wakes handlers that are sleeping out a delay
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _next(self, body: dict[str, Any]) -> Response:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.handler is not None:
            return self.handler(body)
        return Response.fail(400, "loopback: no scripted response left", code="loopback_exhausted")

    def _record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)


def completion_body(response: Response, request: dict[str, Any], model: str) -> dict[str, Any]:
    texts = response.texts[: max(1, int(request.get("n") or 1))]
    choices = [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": response.finish_reason,
                "logprobs": None} for i, t in enumerate(texts)]
    return {"id": "chatcmpl-loopback", "object": "chat.completion", "created": int(time.time()),
            "model": request.get("model", model), "choices": choices, "usage": usage_of(response, request, texts)}


def usage_of(response: Response, request: dict[str, Any], texts: list[str]) -> dict[str, int]:
    prompt = response.prompt_tokens
    if prompt is None:
        prompt = sum(rough_tokens(str(m.get("content") or "")) for m in request.get("messages", []))
    completion = response.completion_tokens
    if completion is None:
        completion = sum(rough_tokens(t) for t in texts)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def stream_events(response: Response, request: dict[str, Any], model: str) -> Iterable[str]:
    """The SSE `data:` payloads for a streamed completion: role, content pieces, finish, usage, [DONE]."""
    texts = response.texts[: max(1, int(request.get("n") or 1))]
    base = {"id": "chatcmpl-loopback", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": request.get("model", model)}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> str:
        return json.dumps({**base, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]})

    for index, text in enumerate(texts):
        yield chunk(index, {"role": "assistant", "content": ""})
        for start in range(0, len(text), 7):
            yield chunk(index, {"content": text[start:start + 7]})
        yield chunk(index, {}, response.finish_reason)
    if (request.get("stream_options") or {}).get("include_usage"):
        yield json.dumps({**base, "choices": [], "usage": usage_of(response, request, texts)})
    yield "[DONE]"


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _handler_class(server: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY, as uvicorn and vLLM set it: a reply is written as headers then body, and with Nagle's
        # algorithm the body waits for the client's delayed ACK of the headers, about 40 ms on every
        # keep-alive request; an endpoint scripted to answer after 1 s answered after 1.04 s
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read `server.requests` instead

        def do_GET(self) -> None:
            server._record(Received("GET", self.path, _lower(self.headers), None, time.monotonic()))
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model",
                                                               "owned_by": "loopback"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            arrived = time.monotonic()
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            server._record(Received("POST", self.path, _lower(self.headers), body, arrived))
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            response = server._next(body)
            if response.delay_s and server._closing.wait(response.delay_s):
                self.close_connection = True
                return
            try:
                self._answer(response, body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout) before we answered

        def _answer(self, response: Response, body: dict[str, Any]) -> None:
            if response.raw_body is not None:
                self._send(response.status, response.raw_body, response.headers)
            elif response.status >= 400:
                self._send(response.status, {"error": response.error or {}}, response.headers)
            elif body.get("stream"):
                self._stream(response, body)
            else:
                self._send(200, completion_body(response, body, server.model), response.headers)

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, response: Response, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")  # the body ends when the connection does
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            for event in stream_events(response, body, server.model):
                if response.chunk_delay_s and server._closing.wait(response.chunk_delay_s):
                    break
                self.wfile.write(f"data: {event}\n\n".encode())
                self.wfile.flush()
            self.close_connection = True

    return Handler
