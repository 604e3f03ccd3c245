"""The model layer against agent.loopback: the real openai/langchain HTTP path, on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import io
import json
import pickle
import socket
import subprocess
import sys
import time

import pytest

from aigchip.loopback import Loopback, Response
from aigchip.models.local import ManualModel, ReplayModel, ScriptedModel, record_line
from aigchip.models import ChatModel, ChatSettings, Message, ModelError, Reply, Usage, price
from aigchip.models.cache import CachedModel

KEY = "sk-test-0123456789abcdefSECRET"
MODEL = "loop-model"
PRICES = {MODEL: (1.0, 2.0)}  # $ per 1M prompt, completion tokens
ASK: list[Message] = [{"role": "system", "content": "You write Verilog."},
                      {"role": "user", "content": "A 2-input AND gate named and2."}]
RTL = "module and2(input a, b, output y); assign y = a & b; endmodule"


def chat(server: Loopback, **settings) -> ChatModel:
    options = dict(model=MODEL, base_url=server.base_url, timeout_s=5, max_retries=2, prices=PRICES)
    return ChatModel(ChatSettings(**{**options, **settings}), api_key=KEY)


def run_async(model, call):
    """Run `call()` (a coroutine) in a fresh event loop, closing the model's connections after."""
    async def main():
        try:
            return await call()
        finally:
            await model.aclose()

    return asyncio.run(main())


def failure(call) -> ModelError:
    with pytest.raises(ModelError) as caught:
        call()
    return caught.value


# --- the HTTP path ---------------------------------------------------------------------------------

def test_plain_completion_returns_text_usage_and_cost():
    with Loopback([Response.text(RTL, prompt_tokens=100, completion_tokens=50)]) as server:
        [reply] = chat(server).complete(ASK)
    assert reply.text == RTL and reply.kind == "chat" and reply.model == MODEL and reply.llm
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (100, 50)
    assert reply.usage.cost_usd == pytest.approx((100 * 1.0 + 50 * 2.0) / 1e6)
    assert reply.finish_reason == "stop" and not reply.cached
    body = server.completions()[0].body
    assert body["messages"] == [dict(m) for m in ASK] and body["model"] == MODEL


def test_streaming_returns_the_same_text_and_usage():
    with Loopback([Response.text(RTL, prompt_tokens=100, completion_tokens=50)]) as server:
        [reply] = chat(server, stream=True).complete(ASK)
    assert reply.text == RTL
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (100, 50)
    body = server.completions()[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_n_samples_come_from_one_request_with_usage_split():
    with Loopback([Response.text("a", "b", "c", prompt_tokens=30, completion_tokens=10)]) as server:
        replies = chat(server).complete(ASK, n=3)
    assert [r.text for r in replies] == ["a", "b", "c"]
    assert len(server.completions()) == 1 and server.completions()[0].body["n"] == 3
    assert [r.usage.prompt_tokens for r in replies] == [30, 0, 0]
    assert sum(r.usage.completion_tokens for r in replies) == 10


def test_an_endpoint_that_ignores_n_gets_single_calls_for_the_rest():
    with Loopback(["a", "b", "c"]) as server:
        replies = chat(server, seed=7).complete(ASK, n=3, sample_index=2)
    assert [r.text for r in replies] == ["a", "b", "c"]
    bodies = [r.body for r in server.completions()]
    assert bodies[0]["n"] == 3 and "n" not in bodies[1] and "n" not in bodies[2]
    assert [b["seed"] for b in bodies] == [9, 10, 11]  # seed + sample number
    with Loopback(["a", "b", "c"]) as server:
        model = chat(server)
        assert sorted(r.text for r in run_async(model, lambda: model.acomplete(ASK, n=3))) == ["a", "b", "c"]
    assert len(server.completions()) == 3


def test_server_error_then_success_is_retried():
    with Loopback([Response.fail(500), RTL]) as server:
        [reply] = chat(server).complete(ASK)
    assert reply.text == RTL and len(server.completions()) == 2


def test_rate_limit_honours_retry_after():
    with Loopback([Response.fail(429, headers={"Retry-After": "1"}), RTL]) as server:
        [reply] = chat(server).complete(ASK)
    first, second = server.completions()
    assert reply.text == RTL and second.at - first.at >= 0.9


def test_bad_key_is_auth_error_after_one_request_and_never_leaks():
    echo = f"Incorrect API key provided: {KEY}"
    with Loopback([Response.fail(401, echo)]) as server:
        model = chat(server)
        error = failure(lambda: model.complete(ASK))
    assert error.kind == "auth" and not error.retryable and "OPENAI_API_KEY" in str(error)
    assert len(server.completions()) == 1
    assert server.completions()[0].headers["authorization"] == f"Bearer {KEY}"
    for text in (str(error), repr(error), repr(model), str(vars(model)), repr(model.settings)):
        assert KEY not in text and "0123456789abcdef" not in text


def test_context_length_is_not_retried():
    with Loopback([Response.context_length(), RTL]) as server:
        error = failure(lambda: chat(server).complete(ASK))
    assert error.kind == "context_length" and not error.retryable and "--demos" in str(error)
    assert len(server.completions()) == 1


def test_an_endpoint_that_never_answers_times_out():
    with Loopback([Response(delay_s=4)]) as server:
        start = time.monotonic()
        error = failure(lambda: chat(server, timeout_s=1, max_retries=0).complete(ASK))
    assert error.kind == "timeout" and error.retryable and time.monotonic() - start < 3


def test_a_dead_endpoint_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = ChatSettings(model=MODEL, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    error = failure(lambda: ChatModel(settings).complete(ASK))
    assert error.kind == "unreachable" and "running" in str(error) and str(port) in str(error)


def test_server_errors_that_persist_are_retryable_server_errors():
    with Loopback([Response.fail(503)]) as server:
        error = failure(lambda: chat(server, max_retries=0).complete(ASK))
    assert error.kind == "server" and error.retryable and "503" in str(error)


def test_malformed_json_is_a_bad_response():
    with Loopback([Response.malformed()]) as server:
        error = failure(lambda: chat(server, max_retries=0).complete(ASK))
    assert error.kind == "bad_response" and not error.retryable


def test_empty_content_is_an_empty_reply():
    with Loopback([Response.text("")]) as server:
        [reply] = chat(server).complete(ASK)
    assert reply.text == ""


def test_missing_key_for_openai_fails_before_any_call_and_local_servers_need_none(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    error = failure(lambda: ChatModel(ChatSettings(model="gpt-4o")))
    assert error.kind == "auth" and "OPENAI_API_KEY" in str(error) and "--api-key-env" in str(error)
    monkeypatch.setenv("MY_KEY", KEY)
    assert ChatModel(ChatSettings(model="gpt-4o", api_key_env="MY_KEY")).name == "gpt-4o"
    with Loopback([RTL]) as server:
        ChatModel(ChatSettings(model=MODEL, base_url=server.base_url, max_tokens=64)).complete(ASK)
    received = server.completions()[0]
    assert received.headers["authorization"] == "Bearer not-needed" and received.body["max_tokens"] == 64


def test_concurrent_async_calls_overlap():
    with Loopback(handler=lambda body: Response.text(RTL, delay_s=0.5)) as server:
        model = chat(server)
        start = time.monotonic()
        results = run_async(model, lambda: asyncio.gather(*(model.acomplete(ASK, sample_index=i) for i in range(10))))
        elapsed = time.monotonic() - start
        assert run_async(model, lambda: model.acomplete(ASK))[0].text == RTL  # a second event loop works too
    assert [r[0].text for r in results] == [RTL] * 10 and elapsed < 3


def test_async_streaming_with_several_samples():
    with Loopback(["a", "b"]) as server:
        model = chat(server, stream=True)
        replies = run_async(model, lambda: model.acomplete(ASK, n=2))
    assert sorted(r.text for r in replies) == ["a", "b"] and len(server.completions()) == 2


def test_models_endpoint_lists_the_model():
    import urllib.request

    with Loopback(model="demo") as server, urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as answer:
        assert json.load(answer)["data"][0]["id"] == "demo"


# --- injected langchain models, and the pieces ---------------------------------------------------

def test_an_injected_langchain_model_is_called_once_per_sample():
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    fake = GenericFakeChatModel(messages=iter(["one", "two", "three"]))
    model = ChatModel(ChatSettings(model="fake"), llm=fake)
    assert [r.text for r in model.complete(ASK, n=2)] == ["one", "two"]
    [reply] = asyncio.run(model.acomplete(ASK))
    assert reply.text == "three" and reply.usage.cost_usd is None


def test_usage_sums_and_prices():
    total = Usage(prompt_tokens=1, completion_tokens=2) + Usage(prompt_tokens=3, cost_usd=0.5)
    assert (total.prompt_tokens, total.completion_tokens, total.cost_usd) == (4, 2, 0.5)
    assert (Usage() + Usage()).cost_usd is None
    prices = {"gpt-4o": (2.5, 10.0), "gpt-4o-mini": (0.15, 0.6)}
    million = Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)
    assert price(million, "gpt-4o-mini-2024-07-18", prices) == pytest.approx(0.75)
    assert price(million, "gpt-4o", prices) == pytest.approx(12.5)
    assert price(million, "llama3", prices) is None


def test_model_errors_pickle():
    error = pickle.loads(pickle.dumps(ModelError("timeout", "slow", retryable=False)))
    assert (error.kind, str(error), error.retryable) == ("timeout", "slow", False)


def test_importing_the_model_layer_does_not_import_langchain():
    code = ("import sys, aigchip.models, aigchip.models.cache, aigchip.models.factory, aigchip.models.local, "
            "aigchip.models.offline, aigchip.loopback; print('langchain' in str(list(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_scripted_model_replies_in_order_raises_and_runs_out():
    model = ScriptedModel(["first", ModelError("rate_limited", "busy"), "second"])
    assert model.complete(ASK)[0].text == "first"
    assert failure(lambda: model.complete(ASK)).kind == "rate_limited"
    reply = asyncio.run(model.acomplete(ASK))[0]
    assert reply.text == "second" and reply.kind == "scripted" and not reply.llm
    assert failure(lambda: model.complete(ASK)).kind == "exhausted"
    assert len(model.requests) == 4 and model.requests[0] == ASK


def test_replay_matches_messages_first_then_recorded_order(tmp_path):
    other: list[Message] = [{"role": "user", "content": "A counter."}]
    recorded = Reply(text=RTL, usage=Usage(prompt_tokens=9), model="gpt-x", kind="chat")
    lines = [record_line(other, recorded.model_copy(update={"text": "counter"})), {"type": "verdict"},
             record_line(ASK, recorded)]
    transcript = tmp_path / "session.jsonl"
    transcript.write_text("".join(json.dumps(line) + "\n" for line in lines))
    model = ReplayModel(transcript)
    [reply] = model.complete(ASK)
    assert reply.text == RTL and reply.kind == "replay" and reply.usage == Usage() and model.name == "gpt-x"
    assert model.complete([{"role": "user", "content": "changed"}])[0].text == "counter"
    assert model.unmatched == 1 and failure(lambda: model.complete(ASK)).kind == "exhausted"


def test_manual_model_writes_the_prompt_and_reads_until_end(tmp_path):
    shown = io.StringIO()
    pasted = io.StringIO(f"```verilog\n{RTL}\n```\nEND\nnot part of the reply\n")
    model = ManualModel(tmp_path / "prompt.md", out=shown, input_stream=pasted)
    [reply] = model.complete(ASK)
    assert reply.text == f"```verilog\n{RTL}\n```" and reply.kind == "manual"
    assert "A 2-input AND gate" in (tmp_path / "prompt.md").read_text() and "A 2-input AND gate" in shown.getvalue()
    no_end = ManualModel(tmp_path / "p.md", out=shown, input_stream=io.StringIO("module m;\nendmodule\n"))
    assert no_end.complete(ASK)[0].text == "module m;\nendmodule"  # the end of input ends the reply too
    nothing = ManualModel(tmp_path / "p.md", out=shown, input_stream=io.StringIO(""))
    assert failure(lambda: nothing.complete(ASK)).kind == "cancelled"
    reply_file = tmp_path / "reply.txt"
    from_file = ManualModel(tmp_path / "p.md", reply_path=reply_file, out=shown)
    assert failure(lambda: from_file.complete(ASK)).kind == "cancelled"
    reply_file.write_text(RTL)
    assert from_file.complete(ASK)[0].text == RTL


def test_cached_model_asks_the_endpoint_once_per_sample(tmp_path):
    with Loopback(["first", "second", "third", "fourth"]) as server:
        model = CachedModel(chat(server), tmp_path)
        assert model.complete(ASK)[0].text == "first"
        again = model.complete(ASK)
        assert again[0].text == "first" and again[0].cached and again[0].usage == Usage()
        assert len(server.completions()) == 1
        assert model.complete(ASK, sample_index=1)[0].text == "second"
        assert len(server.completions()) == 2
        for entry in tmp_path.rglob("*.json"):
            entry.write_text("{ damaged")
        assert run_async(model, lambda: model.acomplete(ASK))[0].text == "third"  # a damaged entry is a miss
        assert CachedModel(chat(server), tmp_path, enabled=False).complete(ASK)[0].text == "fourth"


def test_a_chat_model_builds_its_client_before_the_first_request(tmp_path, monkeypatch):
    from aigchip.config import RunConfig
    from aigchip.models.factory import make_model
    from aigchip.task import from_text

    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path))
    with Loopback(handler=lambda body: Response.text("```verilog\nmodule m; endmodule\n```")) as server:
        config = RunConfig(model="served", base_url=server.base_url, max_retries=0)
        model = make_model(config, from_text("a module m", top="m"), out_dir=None)
        deadline = time.monotonic() + 60
        while model.inner._sync_llm is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert model.inner._sync_llm is not None and server.completions() == []  # ready, nothing sent yet
        assert "module m" in model.complete([{"role": "user", "content": "hi"}])[0].text


def test_the_loopback_writes_replies_without_waiting_for_the_clients_ack(monkeypatch):
    """TCP_NODELAY on every connection, as real servers set it: with Nagle's algorithm a keep-alive reply's body
    waited for the client's delayed ACK of its headers (about 40 ms a request, on top of any scripted delay)."""
    from aigchip import loopback

    accepted: list[int] = []
    make_handler = loopback._handler_class

    def recording(server):
        class Recording(make_handler(server)):
            def setup(self):
                super().setup()
                accepted.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        return Recording

    monkeypatch.setattr(loopback, "_handler_class", recording)
    with Loopback(["one", "two"]) as server:
        model = chat(server)
        assert [model.complete(ASK)[0].text for _ in range(2)] == ["one", "two"]
    assert accepted and all(accepted)
