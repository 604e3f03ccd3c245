"""The chat kind: langchain's ChatOpenAI against any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama,
llama.cpp server, LM Studio), with failures classified as `ModelError`s.

API keys stay inside `ChatModel` as a `SecretStr`: never in a repr, an error or a transcript. langchain
is imported inside methods only, so importing this module stays fast.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import weakref
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, SecretStr

from aigchip.models.protocol import ErrorKind, Message, ModelError, Reply, Usage, check_n


class ChatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    base_url: str | None = None  # None: api.openai.com
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 120
    max_retries: int = 4
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stream: bool = False
    prices: dict[str, tuple[float, float]] = {}  # model name to $ per 1M prompt and completion tokens


def price(usage: Usage, model_name: str, prices: dict[str, tuple[float, float]]) -> float | None:
    """Cost in dollars, from the exact model name or else its longest listed prefix; None if unlisted."""
    rate = prices.get(model_name)
    if rate is None:
        prefixes = [p for p in prices if model_name.startswith(p + "-")]
        rate = prices[max(prefixes, key=len)] if prefixes else None
    if rate is None:
        return None
    return (usage.prompt_tokens * rate[0] + usage.completion_tokens * rate[1]) / 1_000_000


OPENAI_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"  # local servers (vLLM, Ollama, llama.cpp) accept any key
_CONTEXT_WORDS = re.compile(r"context[ _](length|window)|maximum context|prompt is too long|too many tokens", re.I)
_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_*-]{4})[A-Za-z0-9_*-]+")


class ChatModel:
    """langchain's ChatOpenAI against any OpenAI-compatible endpoint; `llm` injects another langchain chat
    model (tests), called once per sample. Retries are the openai client's, up to `max_retries`: 408, 409,
    429 (honouring Retry-After), 5xx, connection errors and timeouts, with backoff; never 400 or 401."""

    kind = "chat"

    def __init__(self, settings: ChatSettings, *, api_key: str | None = None, llm: Any = None) -> None:
        self.settings, self.name, self.endpoint = settings, settings.model, settings.base_url or OPENAI_URL
        self._injected = llm
        self._api_key = SecretStr("" if llm is not None else _resolve_key(settings, api_key))
        self._lock = threading.Lock()
        self._sync_llm: Any = None
        self._async_llms: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()  # event loop: llm
        self.token_listener: Callable[[str], None] | None = None  # told each piece of a streamed reply (sync calls)

    def __repr__(self) -> str:
        return f"ChatModel(model={self.name!r}, base_url={self.endpoint!r}, stream={self.settings.stream})"

    def cache_identity(self) -> dict[str, Any]:
        """What, besides the messages and sample, decides the replies (for reply caches)."""
        s = self.settings
        return {"model": s.model, "base_url": self.endpoint, "temperature": s.temperature, "top_p": s.top_p,
                "max_tokens": s.max_tokens, "seed": s.seed}

    def complete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        check_n(n)
        llm, prompt = self._llm(None), _to_langchain(messages)
        replies: list[Reply] = []
        while len(replies) < n:  # after the first call: the endpoint ignored `n`, or we stream; one per sample
            want = self._batch(n) if not replies else 1
            try:
                result = llm.generate([prompt], **self._options(want, sample_index + len(replies)),
                                      **self._listening())
            except Exception as exc:  # noqa: BLE001 - every client error is classified by _model_error
                raise self._model_error(exc) from None
            replies += self._replies(result, want)
        return replies[:n]

    async def acomplete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        check_n(n)
        llm, prompt = self._llm(asyncio.get_running_loop()), _to_langchain(messages)

        async def one_call(want: int, index: int) -> list[Reply]:
            try:
                return self._replies(await llm.agenerate([prompt], **self._options(want, index)), want)
            except ModelError:
                raise
            except Exception as exc:  # noqa: BLE001 - every client error is classified by _model_error
                raise self._model_error(exc) from None

        replies = [] if self._batch(n) == 1 else await one_call(n, sample_index)  # streams: all n at once
        rest = range(sample_index + len(replies), sample_index + n)  # sample numbers still missing
        batches = await asyncio.gather(*(one_call(1, index) for index in rest))
        return (replies + [r for batch in batches for r in batch])[:n]

    async def aclose(self) -> None:
        """Close the HTTP connections this event loop opened (call before the loop ends)."""
        llm = self._async_llms.pop(asyncio.get_running_loop(), None)
        if llm is not None and llm.http_async_client is not None:
            await llm.http_async_client.aclose()

    def _listening(self) -> dict[str, Any]:
        """langchain callbacks passing streamed tokens to `token_listener` (only when the reply streams)."""
        listener = self.token_listener
        if listener is None or not self.settings.stream:
            return {}
        tell: Callable[[str], None] = listener
        from langchain_core.callbacks import BaseCallbackHandler

        class Tokens(BaseCallbackHandler):
            def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
                if token:
                    tell(token)

        return {"callbacks": [Tokens()]}

    def _batch(self, n: int) -> int:
        return 1 if self.settings.stream or self._injected is not None else n

    def _options(self, want: int, sample: int) -> dict[str, Any]:
        options: dict[str, Any] = {"n": want} if want > 1 else {}
        if self.settings.seed is not None and self._injected is None:
            options["seed"] = self.settings.seed + sample
        return options

    def _replies(self, result: Any, want: int) -> list[Reply]:
        generations = (result.generations[0] if result.generations else [])[:want]
        if not generations:
            raise ModelError("bad_response", f"{self.endpoint} answered with no choices: does it serve {self.name!r}?")
        reported = getattr(generations[0].message, "usage_metadata", None)
        usages = _split_usage(reported, len(generations))
        if reported:
            usages = [u.model_copy(update={"cost_usd": price(u, self.name, self.settings.prices)}) for u in usages]
        return [Reply(text=g.text, usage=u, model=self.name, kind="chat", finish_reason=(g.generation_info or {})
                      .get("finish_reason")) for g, u in zip(generations, usages)]

    def warm_up(self) -> None:
        """Build the client in the background: importing langchain_openai and openai costs about 1.7 CPU
        seconds, which then overlaps the run's own set-up instead of delaying the first request. A client
        that cannot be built fails again, with its real error, on the first call."""
        if self._injected is None and self._sync_llm is None:
            threading.Thread(target=self._build_quietly, daemon=True, name="aigchip-client-warm-up").start()

    def _build_quietly(self) -> None:
        try:
            self._llm(None)
        except Exception:  # noqa: BLE001  reported by the first real call
            pass

    def _llm(self, loop: asyncio.AbstractEventLoop | None) -> Any:
        """The langchain model; async callers get one per event loop (an httpx pool is bound to its loop)."""
        if self._injected is not None:
            return self._injected
        with self._lock:
            if loop is None:
                self._sync_llm = self._sync_llm or self._build(async_client=False)
                return self._sync_llm
            if loop not in self._async_llms:
                self._async_llms[loop] = self._build(async_client=True)
            return self._async_llms[loop]

    def _build(self, *, async_client: bool) -> Any:
        from aigchip.models.preload import few_collections

        with few_collections():  # the import and the client build both make many objects and little garbage
            return self._client(async_client)

    def _client(self, async_client: bool) -> Any:
        import openai
        from langchain_openai import ChatOpenAI

        s = self.settings
        options: dict[str, Any] = dict(  # explicit base_url and key: no OPENAI_* or LangSmith gateway variables apply
            model=s.model, base_url=self.endpoint, api_key=self._api_key, timeout=s.timeout_s,
            max_retries=s.max_retries, temperature=s.temperature, top_p=s.top_p, streaming=s.stream,
            stream_usage=True, use_responses_api=False, cache=False,
            http_async_client=openai.DefaultAsyncHttpxClient() if async_client else None)
        if s.max_tokens is not None and s.base_url is None:
            options["max_tokens"] = s.max_tokens  # sent as max_completion_tokens, which OpenAI wants
        elif s.max_tokens is not None:
            options["extra_body"] = {"max_tokens": s.max_tokens}  # what every compatible server reads
        return ChatOpenAI(**options)

    def _model_error(self, exc: BaseException) -> ModelError:
        kind, advice = _classify(exc, self)
        detail = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"[:400]
        key = self._api_key.get_secret_value()
        detail = _KEY_LIKE.sub(r"\1***", detail.replace(key, "***") if len(key) >= 6 else detail)
        return ModelError(kind, f"{advice} ({detail})")


def _resolve_key(settings: ChatSettings, given: str | None) -> str:
    key = (given or os.environ.get(settings.api_key_env) or "").strip()
    if key:
        return key
    if settings.base_url:
        return PLACEHOLDER_KEY
    raise ModelError("auth", f"no API key for {OPENAI_URL}: set {settings.api_key_env} (or name another variable "
                     "with --api-key-env), or point --base-url at a local OpenAI-compatible server")


def _classify(exc: BaseException, model: ChatModel) -> tuple[ErrorKind, str]:
    """Which kind of failure `exc` is, and what a person should do about it."""
    import openai
    from langchain_core import exceptions as lc

    url, s, status = model.endpoint, model.settings, getattr(exc, "status_code", None)
    retries = f"after {s.max_retries} retries"
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError, lc.ModelAuthenticationError,
                        lc.ModelPermissionDeniedError)):
        return "auth", f"{url} refused the API key (HTTP {status}): set {s.api_key_env}, or pick one with --api-key-env"
    if isinstance(exc, lc.ContextOverflowError) or (isinstance(exc, openai.BadRequestError) and (
            exc.code == "context_length_exceeded" or _CONTEXT_WORDS.search(exc.message))):
        return "context_length", f"the prompt is longer than {model.name}'s context window: use fewer --demos"
    if isinstance(exc, (openai.APITimeoutError, lc.ModelTimeoutError)):
        return "timeout", f"{url} did not answer within {s.timeout_s:g} s ({retries}): raise the timeout"
    if isinstance(exc, (openai.APIConnectionError, lc.ModelConnectionError)):
        return "unreachable", f"could not connect to {url} ({retries}): is the server at {url} running?"
    if isinstance(exc, (openai.RateLimitError, lc.ModelRateLimitError)):
        return "rate_limited", f"{url} still answers 429 Too Many Requests {retries}: lower --concurrency or wait"
    if isinstance(exc, lc.ModelAPIError) or (status is not None and (status >= 500 or status in (408, 409))):
        return "server", f"{url} failed with HTTP {status} {retries}: try again later"
    if isinstance(exc, openai.NotFoundError):
        return "bad_response", f"{url} answered 404 for {model.name!r}: check --model, and that --base-url ends in /v1"
    if isinstance(exc, openai.APIStatusError):
        return "bad_response", f"{url} rejected the request with HTTP {status}"
    return "bad_response", f"{url} sent something that is not a valid chat completion"


def _split_usage(reported: dict[str, Any] | None, count: int) -> list[Usage]:
    """One request's usage over its choices: the prompt once (first reply), completion tokens shared out."""
    prompt = int((reported or {}).get("input_tokens") or 0)
    completion = int((reported or {}).get("output_tokens") or 0)
    share, extra = divmod(completion, count)
    return [Usage(prompt_tokens=prompt if i == 0 else 0, completion_tokens=share + (1 if i < extra else 0))
            for i in range(count)]


def _to_langchain(messages: list[Message]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m["role"]](content=m["content"]) for m in messages]


def listen_to_tokens(model: Any, listener: Callable[[str], None] | None) -> bool:
    """Tell `model` (or the chat model it wraps) to pass each piece of a streamed reply to `listener`;
    False when it has no such model (offline, scripted, replay) or does not stream."""
    while model is not None:
        if isinstance(model, ChatModel):
            model.token_listener = listener
            return model.settings.stream
        model = getattr(model, "inner", None)
    return False
