"""The chat page in a real (headless) Chromium, used as a person would: a real server, the real model path
against a loopback OpenAI-compatible endpoint, and real Icarus/cocotb checks.

Needs the Debian `chromium` package (or AIGCHIP_CHROMIUM=/path/to/chrome) and the playwright Python package;
never downloads a browser. Skips when either is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from aigchip.chat.store import SessionStore
from aigchip.config import RunConfig
from tests.test_chat_web import COUNTER8, COUNTER16, COUNTER_TEST, SPEC, fenced, running


CHROMIUM = os.environ.get("AIGCHIP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.sim, pytest.mark.browser,
              pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM}")]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TYPED = SPEC + ' <img src=x onerror="window.pwned = 1"> <b>not bold</b>'  # shown as text, never run
WAVES_LOADED = """src => { const i = document.getElementById('waves-img');
  return !i.hidden && i.getAttribute('src') && i.getAttribute('src') !== src && i.complete && i.naturalWidth > 0; }"""


@pytest.mark.timeout(120)
def test_a_person_designs_a_counter_in_the_browser(tmp_path, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    from aigchip.chat.web import create_app
    from aigchip.loopback import Loopback, Response

    monkeypatch.setenv("OPENAI_API_KEY", "sk-browser-test-key")

    def reply(body):
        asked = body["messages"][-1]["content"]
        return Response.text(fenced(COUNTER16 if "16 bits" in asked else COUNTER8))

    with Loopback(handler=reply, model="loopback-model") as endpoint:
        config = RunConfig(model="loopback-model", base_url=endpoint.base_url, demos=0, max_iters=2, timeout_s=30,
                           max_retries=0)
        app = create_app(SessionStore(tmp_path / "sessions"), config)
        with running(app) as url, sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.set_default_timeout(60_000)
                page = context.new_page()
                problems: list[str] = []
                page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
                page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
                page.goto(url)
                page.evaluate("""() => { window.progressSeen = [];
                  new MutationObserver(() => window.progressSeen.push(document.getElementById('progress').textContent))
                    .observe(document.getElementById('progress'), {childList: true, characterData: true, subtree: true}); }""")

                page.fill("#message", TYPED)
                page.press("#message", "Enter")
                page.wait_for_url("**/?session=*")
                page.wait_for_function("() => document.getElementById('verdict').textContent.startsWith('v1: compiles')")
                assert page.input_value("#message") == ""  # cleared once the server took it
                assert "[7:0] count" in page.text_content("#code")
                assert "asking loopback-model" in "\n".join(page.evaluate("window.progressSeen"))

                page.set_input_files("#test-file", files=[{"name": "test_counter.py", "mimeType": "text/x-python",
                                                           "buffer": COUNTER_TEST.encode()}])
                page.wait_for_function("() => document.getElementById('test-results').textContent === '1 of 1 passed'")
                page.wait_for_function(WAVES_LOADED, arg="")
                first_picture = page.get_attribute("#waves-img", "src")
                assert "count" in page.text_content("#waves-table")
                _zoom_and_pan_the_waveform(page, tmp_path)

                page.fill("#message", "make it 16 bits")
                page.keyboard.press("Enter")
                page.wait_for_function("() => document.getElementById('diff').textContent.includes('[15:0]')")
                page.wait_for_function(WAVES_LOADED, arg=first_picture)
                page.wait_for_function("() => document.getElementById('verdict').textContent.startsWith('v2: passes 1 test')")
                assert "+module counter8(input clk, input rst, input en, output reg [15:0] count);" in \
                    page.text_content("#diff")
                assert page.get_attribute("#download", "href").endswith("/download")

                second = context.new_page()
                second.goto(page.url)
                second.wait_for_function("() => document.querySelectorAll('#turns .turn').length === 3")
                turns = "() => [...document.querySelectorAll('#turns .turn .you')].map(n => n.textContent)"
                assert second.evaluate(turns) == page.evaluate(turns) == [TYPED, "/test add test_counter.py",
                                                                           "make it 16 bits"]
                assert "[15:0] count" in second.text_content("#code")
                assert second.text_content("#verdict").startswith("v2: passes 1 test")

                assert page.evaluate("window.pwned") is None and page.query_selector("#turns img, #turns b") is None
                page.bring_to_front()  # a background tab gets few animation frames: Playwright's waits crawl
                page.wait_for_function("() => document.getElementById('working').hidden")
                page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

                page.fill("#message", "first line")
                page.press("#message", "Shift+Enter")
                page.keyboard.type("second line")
                assert page.input_value("#message") == "first line\nsecond line"  # a new line, nothing sent
                page.route("**/messages", lambda route: route.fulfill(
                    status=503, content_type="application/json", body='{"error": "the server is away"}'))
                page.press("#message", "Enter")
                page.wait_for_function("() => document.getElementById('error').textContent.includes('server is away')")
                assert page.input_value("#message") == "first line\nsecond line"  # kept when the POST failed
                page.unroute("**/messages")

                second_picture = second.get_attribute("#waves-img", "src")
                page.click("#undo")  # the other tab follows along through its event stream
                second.wait_for_function("() => document.getElementById('verdict').textContent.startsWith('v1: passes 1 test')")
                assert "[7:0] count" in second.text_content("#code")
                second.wait_for_function(WAVES_LOADED, arg=second_picture)
                page.wait_for_function("() => document.querySelectorAll('#turns .turn').length === 4")
                assert not [p for p in problems if "503" not in p], problems
            finally:
                browser.close()


SVG_OF = """async () => { const r = await fetch(document.getElementById('waves-img').src); const svg = await r.text();
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return [...doc.querySelectorAll('text')].map(t => t.textContent); }"""


def _zoom_and_pan_the_waveform(page, tmp_path: Path) -> None:
    """The waveform card: its span and rows as drawn, then zoomed in, panned, the whole run, and back."""
    span = page.locator("#waves-span")
    first = (int(span.get_attribute("data-start")), int(span.get_attribute("data-end")))
    caption = span.text_content()
    assert "ps" in caption and "cycles" in caption and "signals" in caption, caption
    drawn = page.evaluate(SVG_OF)
    assert [t for t in drawn if t in ("clk", "rst", "en", "count")] == ["clk", "rst", "en", "count"]  # ports, in order
    assert any(f"{first[0]} ps \u2013 {first[1]} ps" in t for t in drawn)  # the span drawn is the span said
    page.screenshot(path=str(tmp_path / "waves-first.png"), full_page=True)

    def moved(before: str) -> str:
        page.wait_for_function("b => document.getElementById('waves-span').textContent !== b", arg=before)
        page.wait_for_function(WAVES_LOADED, arg="")
        return span.text_content()

    page.click("#waves-in")
    zoomed = moved(caption)
    start, end = int(span.get_attribute("data-start")), int(span.get_attribute("data-end"))
    assert end - start == (first[1] - first[0]) // 2, (first, start, end)
    assert any(f"{start} ps \u2013 {end} ps" in t for t in page.evaluate(SVG_OF))
    page.click("#waves-right")
    panned = moved(zoomed)
    assert int(span.get_attribute("data-start")) > start
    box = page.locator("#waves-img").bounding_box()  # a drag to the right shows earlier times
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    dragged = moved(panned)
    assert int(span.get_attribute("data-start")) < start + (end - start) // 2
    page.keyboard.down("Control")  # Ctrl+wheel zooms in at the pointer
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    wheeled = moved(dragged)
    assert int(span.get_attribute("data-end")) - int(span.get_attribute("data-start")) < end - start
    page.click("#waves-whole")
    whole = moved(wheeled)
    assert whole.startswith("0 ps") and "cycles 0\u2013" in whole
    page.screenshot(path=str(tmp_path / "waves-whole.png"), full_page=True)
    page.click("#waves-reset")
    page.wait_for_function("c => document.getElementById('waves-span').textContent === c", arg=caption)
    assert page.get_attribute("#waves-gtkw", "href").endswith("/versions/1/waves.gtkw")


NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.timeout(150)
def test_on_a_phone_the_reply_streams_stale_verdicts_say_so_and_check_runs_the_tests(tmp_path, monkeypatch):
    """390 px wide: no sideways scroll; the model's reply streams in with a running timer; after tests are
    added an older version reads stale, and the Check button checks it against them."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from aigchip.chat.web import create_app
    from aigchip.loopback import Loopback, Response

    monkeypatch.setenv("OPENAI_API_KEY", "sk-browser-test-key")
    said = "I assumed an active-high synchronous reset and an enable that holds the count."

    def reply(body):
        asked = body["messages"][-1]["content"]
        code = COUNTER16 if "16 bits" in asked else COUNTER8
        return Response.text(f"{said}\n\n{fenced(code)}", chunk_delay_s=0.04)  # about 2 s of writing

    with Loopback(handler=reply, model="loopback-model") as endpoint:
        config = RunConfig(model="loopback-model", base_url=endpoint.base_url, demos=0, max_iters=2, timeout_s=30,
                           max_retries=0, stream=True)
        app = create_app(SessionStore(tmp_path / "sessions"), config)
        with running(app) as url, sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
                context.set_default_timeout(60_000)
                page = context.new_page()
                problems: list[str] = []
                page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
                page.goto(url)
                assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("document.documentElement.scrollWidth")
                page.screenshot(path=str(tmp_path / "phone-empty.png"), full_page=True)

                page.fill("#message", SPEC)
                page.press("#message", "Enter")
                page.wait_for_function("() => { const r = document.getElementById('reply');"
                                       " return !r.hidden && r.textContent.includes('active-high'); }")
                assert not page.is_hidden("#working")
                page.wait_for_function("() => /^\\d+ s$/.test(document.getElementById('elapsed').textContent)")
                page.screenshot(path=str(tmp_path / "phone-streaming.png"), full_page=True)
                page.wait_for_function("() => document.getElementById('verdict').textContent.startsWith('v1: compiles')")
                assert page.text_content("#assumptions") == said
                assert page.is_hidden("#reply") and page.is_hidden("#working")

                page.fill("#message", "make it 16 bits")
                page.press("#message", "Enter")
                page.wait_for_function("() => document.getElementById('verdict').textContent.startsWith('v2: compiles')")
                assert page.evaluate("() => document.getElementById('right').classList.contains('diff-first')")
                top_of = "id => document.getElementById(id).getBoundingClientRect().top"
                assert page.evaluate(top_of, "diff-card") < page.evaluate(top_of, "code-card")  # what changed, first

                page.set_input_files("#test-file", files=[{"name": "test_counter.py", "mimeType": "text/x-python",
                                                           "buffer": COUNTER_TEST.encode()}])
                page.wait_for_function("() => document.getElementById('verdict').textContent === 'v2: passes 1 test'")
                stale = page.locator("#versions li").first.locator(".st-stale")
                assert "stale" in stale.text_content() and "compiles" in stale.text_content()  # v1: checked without tests
                page.click("[data-testid=use-1]")
                page.wait_for_function("() => document.getElementById('verdict').className.includes('stale')")
                assert page.text_content("#verdict").startswith("v1: compiles")
                assert page.evaluate(NO_SIDEWAYS_SCROLL)
                page.screenshot(path=str(tmp_path / "phone-stale.png"), full_page=True)

                page.click("#check")
                page.wait_for_function("() => document.getElementById('verdict').textContent === 'v1: passes 1 test'")
                assert "stale" not in page.get_attribute("#verdict", "class")
                assert page.text_content("#turns .turn:last-child .agent").startswith("version 1 checked again: passes 1 test")
                assert page.evaluate(NO_SIDEWAYS_SCROLL)
                page.screenshot(path=str(tmp_path / "phone-checked.png"), full_page=True)
                assert not problems, problems
            finally:
                browser.close()
