"""`aigchip serve`'s app (agent.chat.web): the JSON API, its event stream and the local-only guards.

Scripted models and a fake checker keep these fast; one `sim` test runs the real checker with a cocotb test.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import zipfile
from contextlib import contextmanager
from io import BytesIO

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

from aigchip.chat.store import SessionStore
from aigchip.chat.web import create_app
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.models import ModelError
from aigchip.sim.types import Status, Verdict
from tests.conftest import FIXTURES

BASE = "http://127.0.0.1:8765"
COUNTER8 = """module counter8(input clk, input rst, input en, output reg [7:0] count);
  always @(posedge clk) if (rst) count <= 0; else if (en) count <= count + 1;
endmodule
"""
COUNTER16 = COUNTER8.replace("[7:0]", "[15:0]")
SPEC = "An 8-bit counter module named counter8 with clk, rst, en and an 8-bit count output."
COUNTER_TEST = (FIXTURES / "chat" / "test_counter8.py").read_text()  # a cocotb test: 5 enabled clocks count 5


def fenced(code: str) -> str:
    return f"```verilog\n{code}```"


def fake_check(pairs, jobs=1):
    """Every design passes its one pretend test; no simulator runs."""
    return [Verdict(status=Status.PASS, tests_total=1, tests_failed=0, log="pretend log") for _ in pairs]


def config(**changes) -> RunConfig:
    return RunConfig(**{"model": "scripted", "demos": 0, "max_iters": 2, "lint": False, "cache": False} | changes)


@pytest.fixture
def make_client(tmp_path):
    clients = []

    def make(replies=(), *, model=None, check=fake_check, cfg=None, store=None):
        model = model or ScriptedModel(list(replies))
        store = store or SessionStore(tmp_path / "sessions")
        factory = (lambda c, t: model) if model is not False else None
        app = create_app(store, cfg or config(), model_factory=factory, check=check)
        client = TestClient(app, base_url=BASE)
        client.__enter__()
        clients.append(client)
        client.store, client.model = store, model
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def new_session(client, **body) -> str:
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def wait_idle(client, sid: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = client.get(f"/api/sessions/{sid}").json()
        if not view["busy"] and all(t["state"] != "pending" for t in view["turns"]):
            return view
        time.sleep(0.02)
    raise AssertionError(f"session {sid} still busy after {timeout} s: {view}")


def say(client, sid: str, text: str) -> dict:
    response = client.post(f"/api/sessions/{sid}/messages", json={"text": text})
    assert response.status_code == 202, response.text
    assert response.json()["text"] == text
    return wait_idle(client, sid)


def command(client, sid: str, name: str, arg=None):
    return client.post(f"/api/sessions/{sid}/commands", json={"command": name} | ({"arg": arg} if arg else {}))


# -- the conversation ---------------------------------------------------------------------------------------

def test_describe_refine_diff_undo_and_download(make_client):
    client = make_client([fenced(COUNTER8), fenced(COUNTER16)])
    page = client.get("/")
    assert page.status_code == 200 and 'id="message"' in page.text and "script-src 'self'" in page.headers[
        "content-security-policy"]
    assert client.get("/app.js").status_code == 200 and client.get("/app.css").status_code == 200
    sid = new_session(client)
    view = say(client, sid, SPEC)
    assert view["top"] == "counter8" and view["title"].startswith("An 8-bit counter")
    assert [(t["kind"], t["state"], t["version"]) for t in view["turns"]] == [("spec", "done", 1)]
    current = view["current"]
    assert current["number"] == 1 and "[7:0]" in current["files"]["counter8.v"]
    assert current["status"] == "pass" and current["tests_total"] == 1 and current["tests_failed"] == 0
    assert view["diff"] == "" and view["picture_url"] is None and view["download_url"].endswith("/download")

    view = say(client, sid, "make it 16 bits")
    assert view["turns"][1]["kind"] == "refine" and view["current"]["number"] == 2
    assert "+module counter8(input clk, input rst, input en, output reg [15:0] count);" in view["diff"]
    assert "-module counter8(input clk, input rst, input en, output reg [7:0] count);" in view["diff"]
    assert [v["number"] for v in view["versions"]] == [1, 2] and view["can_undo"]

    download = client.get(f"/api/sessions/{sid}/download")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    assert 'filename="counter8-v2.zip"' in download.headers["content-disposition"]
    names = zipfile.ZipFile(BytesIO(download.content)).namelist()
    assert "counter8-v2/counter8.v" in names and "counter8-v2/meta.json" in names
    assert "[15:0]" in zipfile.ZipFile(BytesIO(download.content)).read("counter8-v2/counter8.v").decode()

    assert command(client, sid, "undo").status_code == 202
    view = wait_idle(client, sid)
    assert view["current"]["number"] == 1 and "[7:0]" in view["current"]["files"]["counter8.v"]
    assert view["turns"][-1]["kind"] == "undo" and not view["can_undo"]
    undo_again = command(client, sid, "undo")
    assert undo_again.status_code == 400 and undo_again.json() == {"error": "nothing to undo"}

    listed = client.get("/api/sessions").json()
    assert [s["id"] for s in listed] == [sid] and listed[0]["status"] == "pass"


def test_bad_requests_get_clear_4xx_answers(make_client):
    client = make_client([fenced(COUNTER8)])
    sid = new_session(client, top="counter8")
    assert client.post("/api/sessions", json={"top": "a b"}).status_code == 400
    assert client.post(f"/api/sessions/{sid}/messages", json={"text": "   "}).json()["error"].startswith("the message")
    assert command(client, sid, "rm -rf").status_code == 400
    assert command(client, sid, "model", "two words").status_code == 400
    assert command(client, sid, "retry").json()["error"].startswith("no failed message to retry")
    bad_py = client.post(f"/api/sessions/{sid}/tests", json={"name": "test_x.py", "content": "def (:"})
    assert bad_py.status_code == 400 and "does not parse" in bad_py.json()["error"]
    assert client.post(f"/api/sessions/{sid}/tests", json={"name": "notes.txt", "content": "x"}).status_code == 400
    assert client.post(f"/api/sessions/{sid}/tests", json={"name": "t.py"}).status_code == 400
    assert client.get("/api/sessions/20990101-000000-abcdef").status_code == 404
    assert client.get(f"/api/sessions/{sid}/picture").status_code == 404  # no design, no picture
    assert client.get(f"/api/sessions/{sid}/download").json() == {"error": "there is no design to save yet"}
    assert command(client, sid, "model", "other-model").status_code == 202
    assert wait_idle(client, sid)["model"] == "other-model"


def test_two_tabs_posting_at_once_are_both_served_in_order(make_client):
    release = threading.Event()

    class SlowModel(ScriptedModel):
        def complete(self, messages, **kwargs):
            release.wait(10)  # the first message is still running when the second arrives
            return super().complete(messages, **kwargs)

    client = make_client(model=SlowModel([fenced(COUNTER8), fenced(COUNTER16)]))
    sid = new_session(client)
    results = []
    tabs = [threading.Thread(target=lambda t=text: results.append(
        client.post(f"/api/sessions/{sid}/messages", json={"text": t}))) for text in (SPEC, "make it 16 bits")]
    tabs[0].start()
    tabs[0].join()
    tabs[1].start()
    tabs[1].join()
    assert [r.status_code for r in results] == [202, 202]
    waiting = client.get(f"/api/sessions/{sid}").json()
    assert waiting["busy"] and "make it 16 bits" in [w["text"] for w in waiting["waiting"]]
    release.set()
    view = wait_idle(client, sid)
    assert [(t["text"], t["state"]) for t in view["turns"]] == [(SPEC, "done"), ("make it 16 bits", "done")]
    assert "[15:0]" in view["current"]["files"]["counter8.v"]


def test_a_model_error_fails_the_turn_and_the_session_goes_on(make_client):
    client = make_client([fenced(COUNTER8), ModelError("server", "the endpoint fell over"), fenced(COUNTER16)])
    sid = new_session(client)
    say(client, sid, SPEC)
    view = say(client, sid, "make it 16 bits")
    failed = view["turns"][1]
    assert failed["state"] == "failed" and "the endpoint fell over" in failed["answer"]
    assert view["current"]["number"] == 1  # unchanged
    view = say(client, sid, "make it 16 bits, please")
    assert view["turns"][2]["state"] == "done" and "[15:0]" in view["current"]["files"]["counter8.v"]


def test_a_200_kb_spec_is_kept_whole(make_client, tmp_path):
    client = make_client([fenced(COUNTER8)])
    sid = new_session(client)
    spec = "An 8-bit counter module named counter8. " + "".join(f"Detail {i}: count stays in range. "
                                                               for i in range(6000))
    spec = spec[:200_000]
    view = say(client, sid, spec)
    assert view["turns"][0]["text"] == spec.strip()
    assert client.store.load(sid).turns[0].text == spec.strip()


# -- local-only guards ------------------------------------------------------------------------------------

def test_foreign_host_headers_are_refused(make_client):
    client = make_client()
    for host in ("evil.com", "evil.com:8765", "127.0.0.1.evil.com", "localhost.evil.com:80"):
        for path in ("/", "/api/sessions"):
            response = client.get(path, headers={"host": host})
            assert response.status_code == 400 and "Host" in response.text, (host, path)
    assert client.get("/", headers={"host": "localhost:9999"}).status_code == 200
    assert client.get("/", headers={"host": "127.0.0.1"}).status_code == 200


def test_no_path_reaches_outside_a_session_folder(make_client, tmp_path):
    secret = tmp_path / "outside.svg"
    secret.write_text("<svg>TOP-SECRET-FILE</svg>")
    client = make_client([fenced(COUNTER8)])
    sid = new_session(client)
    say(client, sid, SPEC)
    for path in ("/api/sessions/..%2F..%2Fetc/picture", "/api/sessions/..%2F..%2F..%2Fetc%2Fpasswd",
                 "/api/sessions/%2e%2e/picture", "/api/sessions/../../etc/passwd", "/api/sessions/a.b/picture",
                 "/api/sessions/.../download", f"/api/sessions/{sid}/versions/..%2F1/picture",
                 f"/api/sessions/{sid}%2F..%2F..%2Foutside.svg/picture", "/app.js/../../pyproject.toml",
                 "/templates/chat/index.html", "/index.html/..%2F..%2Fpyproject.toml"):
        response = client.get(path)
        assert 400 <= response.status_code < 500, path
        assert "root:" not in response.text and "TOP-SECRET" not in response.text and "[project]" not in response.text
    # a damaged chat.json naming a file outside the folder (directly or through a link) is not followed
    state_file = client.store.folder(sid) / "chat.json"
    data = json.loads(state_file.read_text())
    data["versions"][0]["picture"] = "../../outside.svg"
    state_file.write_text(json.dumps(data))
    link = client.store.folder(sid) / "versions" / "001" / "waves.svg"
    link.symlink_to(secret)
    reopened = make_client(store=client.store)
    for path in (f"/api/sessions/{sid}/picture", f"/api/sessions/{sid}/versions/1/picture"):
        response = reopened.get(path)
        assert response.status_code == 404 and "TOP-SECRET" not in response.text
    data["versions"][0]["picture"] = "versions/001/waves.svg"  # inside by name, outside by link
    state_file.write_text(json.dumps(data))
    assert make_client(store=client.store).get(f"/api/sessions/{sid}/picture").status_code == 404


def test_posts_must_be_same_origin_json_of_bounded_size(make_client):
    client = make_client([fenced(COUNTER8)])
    sid = new_session(client)
    url = f"/api/sessions/{sid}/messages"
    as_form = client.post(url, data={"text": "hello"})
    assert as_form.status_code == 415
    plain = client.post(url, content=b'{"text": "hello"}', headers={"content-type": "text/plain"})
    assert plain.status_code == 415 and "application/json" in plain.json()["error"]
    assert client.post(url, content=b'{"text": "hello"}').status_code == 415  # no content type
    for origin in ("http://evil.com", "null", "http://localhost:8765", "https://127.0.0.1:8765"):
        response = client.post(url, json={"text": "hello"}, headers={"origin": origin})
        assert response.status_code == 403, origin
    assert client.post(url, json={"text": "hi"}, headers={"sec-fetch-site": "cross-site"}).status_code == 403
    big = client.post(url, content=b'{"text": "' + b"x" * (5 * 1024 * 1024) + b'"}',
                      headers={"content-type": "application/json"})
    assert big.status_code == 413
    broken = client.post(url, content=b'{"text": ', headers={"content-type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]
    assert client.post(url, json=["text"]).status_code == 400
    assert client.get(f"/api/sessions/{sid}").json()["turns"] == []  # none of those reached the session
    same = client.post(url, json={"text": SPEC}, headers={"origin": BASE})
    assert same.status_code == 202
    wait_idle(client, sid)


# -- the real event stream, over a real server --------------------------------------------------------------

@contextmanager
def running(app):
    """`app` under uvicorn on 127.0.0.1 (a free port) in a background thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        app.state.hub.close()
        server.should_exit = True
        thread.join(10)
        sock.close()


def read_events(response, until, timeout: float = 20.0) -> list[tuple[str, dict]]:
    """Events from an open stream until `until(events)` holds; the stream can be read again afterwards."""
    if not hasattr(response, "lines"):
        response.lines = response.iter_lines()
    events, event, deadline = [], None, time.monotonic() + timeout
    for line in response.lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            events.append((event, json.loads(line[6:])))
            if until(events):
                return events
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"the stream ended or timed out before the expected events: {events}")


def test_event_stream_sends_progress_and_state_to_every_tab(tmp_path):
    import httpx

    model = ScriptedModel([fenced(COUNTER8)])
    app = create_app(SessionStore(tmp_path / "s"), config(), model_factory=lambda c, t: model, check=fake_check,
                     keepalive_s=0.2)
    with running(app) as url, httpx.Client(base_url=url, timeout=20) as http:
        sid = http.post("/api/sessions", json={}).json()["id"]
        with http.stream("GET", f"/api/sessions/{sid}/events") as tab1, \
                http.stream("GET", f"/api/sessions/{sid}/events") as tab2:
            assert tab1.status_code == 200 and tab1.headers["content-type"].startswith("text/event-stream")
            assert http.post(f"/api/sessions/{sid}/messages", json={"text": SPEC}).status_code == 202

            def finished(events):
                return any(e == "state" and d["turns"] and d["turns"][0]["state"] == "done" and not d["busy"]
                           for e, d in events)

            for tab in (tab1, tab2):
                events = read_events(tab, finished)
                kinds = [e for e, _ in events]
                assert kinds[0] == "state" and events[0][1]["turns"] == []  # the view when the tab opened
                assert "progress" in kinds and any("asking scripted" in d["text"] for e, d in events if e == "progress")
                assert any(e == "state" and d["busy"] for e, d in events)
        assert app.state.hub.get(sid).watchers == 0 or _eventually(lambda: app.state.hub.get(sid).watchers == 0)
        with http.stream("GET", f"/api/sessions/{sid}/events?max_s=0.6") as short:
            lines = list(short.iter_lines())  # a bounded stream ends by itself
        assert lines[0] == "event: state" and ": keep-alive" in lines
        assert http.get(f"/api/sessions/{sid}/events", headers={"host": "evil.com"}).status_code == 400


def _eventually(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_api_key_never_reaches_the_page(tmp_path, monkeypatch):
    """The real model path (an OpenAI-compatible endpoint on 127.0.0.1) with a key in the environment."""
    import httpx

    from aigchip.loopback import Loopback, Response

    secret = "sk-web-secret-5f1d9c2b7a"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    replies = [Response.fail(401, f"bad key {secret[:6]}..."), Response.text(fenced(COUNTER8)),
               Response.text(fenced(COUNTER16))]
    with Loopback(replies, model="loopback-model") as endpoint:
        cfg = config(model="loopback-model", base_url=endpoint.base_url, max_retries=0, timeout_s=20)
        app = create_app(SessionStore(tmp_path / "s"), cfg, check=fake_check)
        with running(app) as url, httpx.Client(base_url=url, timeout=20) as http:
            sid = http.post("/api/sessions", json={}).json()["id"]
            seen = []
            with http.stream("GET", f"/api/sessions/{sid}/events") as stream:
                http.post(f"/api/sessions/{sid}/messages", json={"text": SPEC})  # the 401: a failed turn
                read_events(stream, lambda ev: any(e == "state" and d["turns"] and d["turns"][0]["state"] == "failed"
                                                   for e, d in ev))
                http.post(f"/api/sessions/{sid}/commands", json={"command": "retry"})
                http.post(f"/api/sessions/{sid}/messages", json={"text": "make it 16 bits"})
                events = read_events(stream, lambda ev: any(
                    e == "state" and len(d["turns"]) == 3 and d["turns"][2]["state"] == "done" for e, d in ev))
                seen.append(json.dumps(events))
            view = http.get(f"/api/sessions/{sid}").json()
            assert [t["state"] for t in view["turns"]] == ["failed", "done", "done"]
            for path in ("/", "/app.js", "/app.css", "/api/info", "/api/sessions", f"/api/sessions/{sid}"):
                seen.append(http.get(path).text)
            saved = zipfile.ZipFile(BytesIO(http.get(f"/api/sessions/{sid}/download").content))
            kept = "\n".join(saved.read(name).decode("utf-8", "replace") for name in saved.namelist())
        assert endpoint.completions()[0].headers["authorization"] == f"Bearer {secret}"  # the key was in use
    everything = "\n".join(seen)
    assert secret not in everything and endpoint.base_url not in everything
    assert "refused the API key" in everything and "[endpoint]" in everything  # the model error, without the URL
    assert "loopback-model" in everything  # the model's name is the one setting shown
    assert secret not in kept and "meta.json" in "".join(saved.namelist())  # the download: like generate --out


def test_a_streamed_reply_reaches_the_page_as_it_is_written_and_its_words_are_kept(tmp_path):
    """The endpoint streams (SSE chunks of 7 characters): the page gets the reply in `token` events before the
    turn ends, and what the model said beside the code is kept with the version (chat.json) and shown."""
    import httpx

    from aigchip.loopback import Loopback, Response

    said = "I assumed an active-high synchronous reset and that count wraps at 255."
    # paced as a model writes (about 0.7 s in all), so the reply spans several of the page's batches
    with Loopback([Response.text(f"{said}\n\n{fenced(COUNTER8)}", chunk_delay_s=0.02)],
                  model="loopback-model") as endpoint:
        cfg = config(model="loopback-model", base_url=endpoint.base_url, max_retries=0, timeout_s=20, stream=True)
        app = create_app(SessionStore(tmp_path / "s"), cfg, check=fake_check)
        with running(app) as url, httpx.Client(base_url=url, timeout=20) as http:
            sid = http.post("/api/sessions", json={}).json()["id"]
            with http.stream("GET", f"/api/sessions/{sid}/events") as stream:
                http.post(f"/api/sessions/{sid}/messages", json={"text": SPEC})
                events = read_events(stream, lambda ev: any(e == "state" and d["turns"] and d["turns"][0]["state"]
                                                            == "done" and not d["busy"] for e, d in ev))
            view = http.get(f"/api/sessions/{sid}").json()
        assert endpoint.completions()[0].body.get("stream") is True
    kinds = [e for e, _ in events]
    tokens = [d["text"] for e, d in events if e == "token"]
    assert "".join(tokens).startswith(said) and "module counter8" in "".join(tokens)
    assert 1 < len(tokens) < 60  # batched: several pieces, not one per chunk
    done = next(i for i, (e, d) in enumerate(events) if e == "state" and d["turns"] and d["turns"][0]["state"] == "done")
    assert kinds.index("token") < done  # it arrived while the turn ran
    assert view["current"]["assumptions"] == said and view["versions"][0]["assumptions"] == said
    kept = json.loads((tmp_path / "s" / sid / "chat.json").read_text())
    assert kept["versions"][0]["assumptions"] == said
    assert isinstance(view["turns"][0]["at"], float)  # the page times a running turn from here


@pytest.mark.sim
def test_real_checker_with_an_uploaded_cocotb_test_draws_the_waveform(make_client):
    client = make_client([fenced(COUNTER8), fenced(COUNTER16)], check=None, cfg=config(cache=True))
    sid = new_session(client)
    say(client, sid, SPEC)
    upload = client.post(f"/api/sessions/{sid}/tests", json={"name": "test_counter.py", "content": COUNTER_TEST})
    assert upload.status_code == 202
    view = wait_idle(client, sid, timeout=120)
    assert view["turns"][-1]["state"] == "done", view["turns"][-1]
    assert view["current"]["tests_total"] == 1 and view["current"]["tests_failed"] == 0
    assert view["tests"] == [{"name": "test_counter.py", "text": COUNTER_TEST}]
    assert "count" in view["waves_table"] and view["picture_url"].startswith(f"/api/sessions/{sid}/picture?v=1-")
    picture = client.get(view["picture_url"])
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")
    assert picture.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert picture.content.lstrip().startswith(b"<") and b"<svg" in picture.content
    first_url = view["picture_url"]
    view = say(client, sid, "make it 16 bits")
    assert view["current"]["number"] == 2 and view["current"]["status"] == "pass"
    assert view["picture_url"] != first_url and "[15:0]" in view["diff"]
    assert client.get(f"/api/sessions/{sid}/versions/1/picture").status_code == 200

    # zoom and pan: the page asks for a span; the picture, the table and the GTKWave file follow it
    first = view["waves"]
    assert first["rows"][:3] == ["clk", "rst", "en"] and first["unit"] == "ps" and first["first_cycle"] is not None
    whole = client.get(f"/api/sessions/{sid}/waves", params={"start": 0, "end": first["run_end"]}).json()
    assert whole["window"]["start_text"] == "0 ps" and whole["window"]["first_cycle"] == 0
    zoomed = client.get(f"/api/sessions/{sid}/waves", params={"start": 20000, "end": 40000, "internals": 1}).json()
    assert (zoomed["window"]["start"], zoomed["window"]["end"]) == (20000, 40000)
    assert "20000 ps" in zoomed["window"]["start_text"] and zoomed["window"]["last_cycle"] <= 4
    svg = client.get(zoomed["picture_url"]).text
    assert "20000 ps \u2013 40000 ps" in svg and ">count<" in svg
    gtkw = client.get(zoomed["gtkw_url"])
    assert gtkw.status_code == 200 and "[timestart] 20000" in gtkw.text and '[dumpfile] "waves.vcd"' in gtkw.text
    vcd_file = client.get(zoomed["vcd_url"])
    assert vcd_file.status_code == 200 and b"$enddefinitions" in vcd_file.content
    assert client.get(f"/api/sessions/{sid}/waves", params={"start": "soon"}).status_code == 400
    assert client.get(f"/api/sessions/{sid}/versions/2/passwd").status_code == 404
    assert client.get(f"/api/sessions/{sid}/versions/9/waves.vcd").status_code == 400  # no such version


def test_messages_accepted_before_the_server_stopped_run_when_it_comes_back(make_client, tmp_path):
    from aigchip.chat.session import ChatSession

    store = SessionStore(tmp_path / "sessions")
    session = ChatSession.create(store, config())
    session.accept(SPEC)  # accepted by a server that then stopped before the turn began
    session.close()
    client = make_client([fenced(COUNTER8)], store=store)
    view = client.get(f"/api/sessions/{session.state.id}").json()
    assert view["busy"] or view["turns"]  # picked up at once
    view = wait_idle(client, session.state.id)
    assert [t["text"] for t in view["turns"]] == [SPEC] and view["current"]["number"] == 1
    assert store.load(session.state.id).inbox == []


def test_your_own_edit_uploaded_as_a_design_becomes_a_version(make_client):
    client = make_client([fenced(COUNTER8)])
    sid = new_session(client)
    say(client, sid, SPEC)
    post = lambda body: client.post(f"/api/sessions/{sid}/design", json=body)  # noqa: E731
    assert post({"files": {"notes.txt": "x"}}).status_code == 400
    assert post({"files": "module counter8; endmodule"}).status_code == 400
    edited = COUNTER8.replace("count + 1", "count + 2")
    assert post({"files": {"../../counter8.v": edited}}).status_code == 202
    view = wait_idle(client, sid)
    assert view["turns"][-1]["text"] == "/load counter8.v" and view["turns"][-1]["answer"].startswith("version 2 (your edit)")
    assert view["current"]["files"] == {"counter8.v": edited} and "+  always" in view["diff"]
    assert post({"files": {"x.v": "module other; endmodule\n"}}).status_code == 202  # the wrong module: said in the turn
    view = wait_idle(client, sid)
    assert "must define module counter8" in view["last_error"] and view["turns"][-1]["kind"] == "edit"
    assert view["current"]["number"] == 2


def test_a_hanging_simulation_and_a_prose_answer_leave_the_page_usable(make_client):
    from aigchip.sim.types import Diagnostic

    def slow_timeout(pairs, jobs=1):  # as the real checker does when a simulation hangs: stopped, classified
        time.sleep(1.0)
        return [Verdict(status=Status.TIMEOUT, diagnostics=[Diagnostic(message="the simulation ran past 1 s")])
                for _ in pairs]

    client = make_client([fenced(COUNTER8), "Which width did you mean?"], check=slow_timeout,
                         cfg=config(max_iters=1))
    sid = new_session(client)
    assert client.post(f"/api/sessions/{sid}/messages", json={"text": SPEC}).status_code == 202
    started = time.monotonic()
    busy = client.get(f"/api/sessions/{sid}").json()
    assert busy["busy"] and time.monotonic() - started < 0.5  # the page is answered while the check runs
    view = wait_idle(client, sid)
    assert view["current"]["status"] == "timeout" and "ran past 1 s" in view["current"]["summary"]
    view = say(client, sid, "make it wider")
    assert view["turns"][-1]["state"] == "failed" and "Which width did you mean?" in view["turns"][-1]["answer"]
    assert view["current"]["number"] == 1 and view["turns"][-1]["text"] == "make it wider"
