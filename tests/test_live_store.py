"""Several processes on one data dir, and the page's defences, against the real chat server: the CLI
ingests and forgets while the page runs, and the page answers from the new live versions on the next
question (API and browser), without a restart or an error. The page sends anti-framing, no-sniff and
content-security headers, and shows a pasted question as text, checked in Chromium."""

from __future__ import annotations

import subprocess
import sys

import pytest
from chat_server import queue_call, raw_get, server_env, start, wait_ready
from conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow

OUTSIDE = "198.51.100.7"  # TEST-NET-2: never a real host
HARBOUR_V1 = (
    "<!-- page 1 -->\n# Harbour plan\n\nThe harbour plan commits the council to spend forty percent of "
    "its procurement budget with local firms by 2030.\n"
)
HARBOUR_V2 = HARBOUR_V1.replace("forty percent", "sixty-five percent")
ORCHARD = (
    "<!-- page 1 -->\n# Orchard notes\n\nThe orchard cooperative planted nine hundred apple trees on "
    "council land in the pilot year.\n"
)
HARBOUR_QUESTION = "What share of its procurement budget does the harbour plan commit the council to spend locally?"
ORCHARD_QUESTION = "How many apple trees did the orchard cooperative plant?"


def _cli(root, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(root / "data"), *args],
        cwd=root,
        env=server_env(root / "cli-home"),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("live-store")
    (root / "docs").mkdir()
    (root / "cli-home").mkdir()
    (root / "docs" / "harbour-plan.md").write_text(HARBOUR_V1, encoding="utf-8")
    first = _cli(root, "ingest", str(root / "docs"))
    assert first.returncode == 0, first.stdout + first.stderr
    server = start("live", root)
    try:
        yield wait_ready(server)
    finally:
        server.stop()


def _ask(server, question: str, doc_id: str = "") -> tuple[str, object]:
    return queue_call(server.port, "ask", [question, doc_id, "extractive"])


def test_the_running_page_answers_from_what_another_process_ingested_or_forgot(server):
    root = server.root
    event, data = _ask(server, HARBOUR_QUESTION)
    assert event == "complete" and "forty percent" in data[0]["answer"], (event, data)

    (root / "docs" / "harbour-plan.md").write_text(HARBOUR_V2, encoding="utf-8")
    (root / "docs" / "orchard-notes.md").write_text(ORCHARD, encoding="utf-8")
    ingest = _cli(root, "ingest", str(root / "docs"))
    assert ingest.returncode == 0 and "updated    harbour-plan" in ingest.stdout, ingest.stdout

    event, data = _ask(server, HARBOUR_QUESTION)  # the next question, no restart
    assert event == "complete", (event, data)
    assert "sixty-five percent" in data[0]["answer"] and "forty percent" not in data[0]["answer"], data
    event, data = _ask(server, ORCHARD_QUESTION)
    assert event == "complete" and data[0]["citations"][0]["doc_id"] == "orchard-notes", data

    forget = _cli(root, "forget", "orchard-notes")
    assert forget.returncode == 0, forget.stderr
    event, data = _ask(server, ORCHARD_QUESTION)
    assert event == "complete", (event, data)
    assert all(c["doc_id"] != "orchard-notes" for c in data[0]["citations"] + data[0]["nearest_pages"]), data
    event, data = _ask(server, ORCHARD_QUESTION, doc_id="orchard-notes")
    assert event == "error" and "no document with id 'orchard-notes'" in str(data), (event, data)

    log = server.log.read_text()
    assert "Error finding id" not in log and "chunk store failed" not in log, log[-3000:]


def test_questions_are_checked_by_the_api(server):
    event, data = _ask(server, "   ")
    assert event == "error" and "the question is empty" in str(data), (event, data)
    event, data = _ask(server, "why " * 1500)
    assert event == "error" and "more than the limit of 4000" in str(data), (event, data)


def test_every_response_carries_the_security_headers(server):
    import http.client

    for path in ("/", "/config", "/gradio_api/info"):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()
        assert headers.get("x-frame-options") == "DENY", (path, headers)
        assert headers.get("x-content-type-options") == "nosniff", (path, headers)
        csp = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "img-src 'self' data: blob:" in csp, (path, csp)
        assert "script-src 'self' " in csp and "http" not in csp, (path, csp)
    assert raw_get(server.port, "/")[0] == 200


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _watched_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside, errors = [], []

    def guard(route):  # nothing may leave the machine; record what tried
        if f"//{OUTSIDE}" in route.request.url or not route.request.url.startswith(
            ("http://127.0.0.1", "data:", "blob:")
        ):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, outside, errors


def test_a_pasted_image_tag_is_shown_as_text_and_fetches_nothing(server, browser):
    context, page, outside, errors = _watched_page(browser)
    try:
        page.goto(server.url)
        question = f'<img src="http://{OUTSIDE}/q.png"> What does the harbour plan commit the council to spend?'
        page.locator("#question textarea").fill(question)
        page.locator("#ask").click()
        page.wait_for_function(
            """() => { const t = document.querySelector('#chat')?.innerText || '';
                                 return (t.includes('[1]') || t.includes("doesn't appear to cover"))
                                        && !t.includes('Searching the report'); }""",
            timeout=60_000,
        )
        chat = page.locator("#chat").inner_text()
        images = page.evaluate(
            f"() => Array.from(document.images).filter(i => (i.src || '').includes('{OUTSIDE}')).length"
        )
        # and the policy itself: an image from outside added by script is refused by the browser
        violation = page.evaluate(f"""() => new Promise(resolve => {{
            document.addEventListener('securitypolicyviolation',
                                      e => resolve(e.violatedDirective + ' ' + e.blockedURI));
            const img = document.createElement('img');
            img.src = 'http://{OUTSIDE}/late.png';
            document.body.appendChild(img);
            setTimeout(() => resolve(null), 3000);
        }})""")
    finally:
        context.close()
    assert f'<img src="http://{OUTSIDE}/q.png">' in chat, chat  # shown as the text that was typed
    assert images == 0
    assert violation is not None and violation.startswith("img-src") and OUTSIDE in violation, violation
    assert outside == [], outside
    assert errors == [], errors


def test_the_open_chat_page_answers_from_a_version_ingested_by_the_cli(server, browser):
    context, page, outside, errors = _watched_page(browser)
    try:
        page.goto(server.url)
        page.locator("#question textarea").wait_for()
        (server.root / "docs" / "harbour-plan.md").write_text(
            HARBOUR_V1.replace("forty percent", "seventy percent"), encoding="utf-8"
        )
        ingest = _cli(server.root, "ingest", str(server.root / "docs" / "harbour-plan.md"))
        assert ingest.returncode == 0 and ingest.stdout.startswith("updated    harbour-plan"), ingest.stdout
        page.locator("#question textarea").fill(HARBOUR_QUESTION)  # the page was opened before the ingest
        page.locator("#ask").click()
        page.wait_for_function(
            """() => { const t = document.querySelector('#chat')?.innerText || '';
                                 return t.includes('[1]') && !t.includes('Searching the report'); }""",
            timeout=60_000,
        )
        chat = page.locator("#chat").inner_text()
    finally:
        context.close()
    assert "seventy percent" in chat and "Error" not in chat, chat
    assert outside == [] and errors == [], (outside, errors)


def test_the_page_refuses_to_be_framed_by_another_site(server, browser):
    context, page, outside, errors = _watched_page(browser)
    try:
        page.set_content(f'<iframe id="victim" src="{server.url}" width="800" height="600"></iframe>')
        page.wait_for_timeout(3000)  # time for the frame to load, if it were allowed to
        framed = [f for f in page.frames if f != page.main_frame]
        inside = [
            f.evaluate("() => document.querySelector('#question') !== null")
            for f in framed
            if not f.url.startswith("chrome-error")
        ]
    finally:
        context.close()
    assert framed, "the iframe was not created"
    assert inside in ([], [False]), inside
