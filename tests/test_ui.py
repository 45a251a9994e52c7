"""The chat page as a user meets it: the real server in a subprocess, driven in Chromium and by
gradio_client. One server for the module (its first start ingests the default corpus, ~30 s)."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_python, stop_process, wait_until_answers

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 180
ANSWER_TIMEOUT_MS = 60_000
LAPTOP = {"width": 1280, "height": 800}
NARROW = {"width": 420, "height": 800}
SCREENSHOT = REPO / "docs" / "screenshot.png"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_ASSISTANT_")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), HF_HOME=str(home / ".cache" / "hf"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(home / "gradio-tmp"),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return env


class Server:
    def __init__(self, url: str, data_dir: Path, log: Path):
        self.url, self.data_dir, self.log = url, data_dir, log


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`report-assistant chat` on a free port with an empty data dir (so it ingests corpus/)."""
    root = tmp_path_factory.mktemp("chat-server")
    home, data_dir, log = root / "home", root / "data", root / "server.log"
    home.mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), "chat", "--port", str(port)],
            cwd=REPO, env=_server_env(home), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_until_answers(url, process, log, START_TIMEOUT_S)
        yield Server(url, data_dir, log)
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Page:
    """A fresh browser page on the chat page, recording console errors and off-host requests."""

    def __init__(self, browser, url: str, viewport: dict):
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.off_host: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("request", self._request)
        self.page.goto(url)
        self.page.locator("#question textarea").wait_for()

    def _request(self, request):
        host = re.match(r"^[a-z]+://([^/:]+)", request.url)
        if host and host.group(1) != "127.0.0.1":
            self.off_host.append(request.url)

    def ask(self, question: str, wait_for: str = "[1]") -> None:
        """Type a question, click Ask, wait until the last answer in the chat contains `wait_for`."""
        page = self.page
        before = self._count(wait_for)
        page.locator("#question textarea").fill(question)
        page.locator("#ask").click()
        try:
            page.wait_for_function(
                """([needle, before]) => {
                     const chat = document.querySelector('#chat');
                     const text = chat ? chat.innerText : '';
                     return text.split(needle).length - 1 > before && !text.includes('Searching the report');
                   }""", arg=[wait_for, before], timeout=ANSWER_TIMEOUT_MS)
        except Exception:
            chat = page.locator("#chat").inner_text()
            pytest.fail(f"no answer containing {wait_for!r} to {question!r}; the chat shows:\n{chat}\n"
                        f"question box: {page.locator('#question textarea').input_value()!r}; "
                        f"console errors: {self.errors}")

    def _count(self, needle: str) -> int:
        return self.page.evaluate("n => (document.querySelector('#chat')?.innerText || '').split(n).length - 1",
                                  needle)

    def citations(self) -> list[str]:
        return [t.strip() for t in self.page.locator("#citations label").all_inner_texts()]

    def wait_for_citations(self, previous: list[str] | None = None) -> list[str]:
        """The radio is drawn by the same response as the answer, though not always in the same frame."""
        self.page.wait_for_function(
            """previous => {
                 const labels = Array.from(document.querySelectorAll('#citations label')).map(l => l.innerText.trim());
                 return labels.length > 0 && JSON.stringify(labels) !== JSON.stringify(previous);
               }""", arg=previous or [], timeout=10_000)
        return self.citations()

    def selected_citation(self) -> str:
        return self.page.locator("#citations label:has(input:checked)").inner_text().strip()

    def wait_for_evidence(self, citation_label: str) -> tuple[str, str]:
        """Wait until the evidence panel shows this citation; returns its title line and marked sentence."""
        number, title, page_label = _parse_citation(citation_label)
        self.page.wait_for_function(
            """([title, page]) => {
                 const t = document.querySelector('#evidence-title')?.innerText || '';
                 return t.includes(title) && t.includes('printed page ' + page)
                        && document.querySelector('#evidence-text mark') !== null;
               }""", arg=[title, page_label], timeout=10_000)
        heading = self.page.locator("#evidence-title").inner_text()
        marked = self.page.locator("#evidence-text mark").inner_text()
        return heading, " ".join(marked.split())

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(300)  # let the last scroll and repaint settle
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def library_rows(self) -> list[list[str]]:
        """The library table's cells (the Dataframe draws them as `cell-ROW-COLUMN` elements)."""
        cells = self.page.evaluate("""() => Array.from(document.querySelectorAll('#library [data-testid^="cell-"]'))
            .map(e => [e.dataset.testid, e.innerText.trim()])""")
        rows: dict[int, dict[int, str]] = {}
        for testid, text in cells:
            match = re.fullmatch(r"cell-(\d+)-(\d+)", testid)
            if match:
                rows.setdefault(int(match.group(1)), {})[int(match.group(2))] = text
        return [[row[c] for c in sorted(row)] for _, row in sorted(rows.items())]

    def library_ids(self) -> list[str]:
        return [row[0] for row in self.library_rows()]

    def open_library(self) -> None:
        self.page.get_by_role("tab", name="Library").click()
        self.page.locator('#library [data-testid="cell-0-0"]').wait_for()

    def upload(self, file: Path, expect: str) -> str:
        """Upload one file in the Library tab; wait until the result line says `expect` about it."""
        result = self.page.locator("#upload-result")
        self.page.locator("#upload input[type=file]").set_input_files(str(file))
        self.page.wait_for_function(
            """([expect, name]) => {
                 const text = document.querySelector('#upload-result')?.innerText || '';
                 return text.includes(expect) && text.includes(name);
               }""", arg=[expect, file.stem], timeout=ANSWER_TIMEOUT_MS)
        # the library table is updated by the same response; the file box is emptied right after
        self.page.locator("#upload [data-testid=upload-text]").wait_for(timeout=10_000)
        return " ".join(result.inner_text().split())

    def close(self) -> None:
        self.context.close()


def _parse_citation(label: str) -> tuple[int, str, str]:
    match = re.fullmatch(r"\[(\d+)\] (.+), p\. (\S+)", " ".join(label.split()))
    assert match, f"not a citation label: {label!r}"
    return int(match.group(1)), match.group(2), match.group(3)


def _normalise(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


@pytest.fixture
def open_page(browser, server):
    pages: list[Page] = []

    def open_(viewport: dict = LAPTOP) -> Page:
        page = Page(browser, server.url, viewport)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def test_api_ask_matches_cli_and_only_ask_is_exposed(server, tmp_path):
    from gradio_client import Client

    question = "What are the four areas of action?"
    client = Client(server.url, verbose=False)
    answer = client.predict(question, "", "extractive", api_name="/ask")

    cli = run_python(["-m", "assistant.cli", "--data-dir", str(server.data_dir), "ask", question, "--json"],
                     cwd=tmp_path, timeout=180)
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)

    assert isinstance(answer, dict) and not answer["abstained"]
    assert answer["citations"], answer
    key = [(c["doc_id"], c["page"], c["quote"]) for c in expected["citations"]]
    assert [(c["doc_id"], c["page"], c["quote"]) for c in answer["citations"]] == key
    assert answer["answer"] == expected["answer"]

    api = client.view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/ask"]
    assert api["unnamed_endpoints"] == {}
    for private in ("/chat_turn", "/upload", "/remove", "/show_citation"):
        with pytest.raises(Exception):  # the client refuses endpoints the app does not publish
            client.predict("x", api_name=private)


def test_cited_answer_evidence_and_library_uploads(server, open_page, tmp_path):
    shots = tmp_path / "screenshots"
    view = open_page(LAPTOP)
    page = view.page

    # a cited answer; [1] is selected and shown at once
    view.ask("What evidence supports letting go of risk aversion?")
    chat_text = _normalise(page.locator("#chat").inner_text())
    labels = view.wait_for_citations()
    assert labels and labels[0].startswith("[1] ")
    assert view.selected_citation() == labels[0]
    view.wait_for_evidence(labels[0])

    # choose another citation: the panel shows its title, printed page and the quoted sentence marked
    chosen = labels[1] if len(labels) > 1 else labels[0]
    page.locator("#citations label").filter(has_text=chosen).click()
    heading, marked = view.wait_for_evidence(chosen)
    number, title, page_label = _parse_citation(chosen)
    assert title in heading and f"printed page {page_label}" in heading
    assert marked and _normalise(marked) in chat_text, (marked, chat_text)
    assert re.search(re.escape(_normalise(marked)) + r".{0,3}\[" + str(number) + r"\]", chat_text)
    assert page.locator("#evidence-text mark").count() == 1
    mark_visible = page.evaluate("""() => {
        const box = document.querySelector('#evidence-text .page-text');
        const mark = box.querySelector('mark');
        const b = box.getBoundingClientRect(), m = mark.getBoundingClientRect();
        return m.top >= b.top - 1 && m.top <= b.bottom; }""")
    assert mark_visible, "the marked sentence is scrolled out of the page-text box"
    assert not page.locator("#evidence-image").is_visible(), "an empty page-image box for a Markdown page"
    laptop_shot = view.screenshot(shots / "answer-evidence-1280.png")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(laptop_shot, SCREENSHOT)

    # the same page at phone width: nothing wider than the screen
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    ask_box = page.locator("#question").bounding_box() or page.locator("#question textarea").bounding_box()
    assert page.locator("#ask").bounding_box()["width"] < ask_box["width"], "Ask button squeezes the question box"
    view.screenshot(shots / "answer-evidence-420.png")
    page.set_viewport_size(LAPTOP)

    # back to [1], then a second question whose [1] is another page: the panel follows the new answer
    page.locator("#prev-citation").click() if chosen != labels[0] else None
    page.wait_for_function("() => document.querySelector('#citations input:checked')?.value === '0'",
                           timeout=10_000)
    view.ask("What are the four areas of action?", wait_for="top-level leadership")
    new_labels = view.wait_for_citations(previous=labels)
    assert view.selected_citation() == new_labels[0]
    heading, marked = view.wait_for_evidence(new_labels[0])
    assert "area" in marked.lower(), marked

    # Library: add a small Markdown document, change page 2, upload it again under the same name
    view.open_library()
    before = view.library_ids()
    assert "pcse-full-report" in before and "orchard-notes" not in before
    v1, v2 = tmp_path / "v1" / "orchard-notes.md", tmp_path / "v2" / "orchard-notes.md"
    for path, page_two in ((v1, "Volunteers pruned the hedges every autumn."),
                           (v2, "Volunteers pruned the hedges and mended the dry-stone walls every autumn.")):
        path.parent.mkdir()
        path.write_text("<!-- page 1 -->\nThe orchard cooperative planted forty apple trees in spring.\n\n"
                        f"<!-- page 2 -->\n{page_two}\n", encoding="utf-8")
    first = view.upload(v1, "new")
    assert re.search(r"\bnew orchard-notes \(2 pages, \d+ chunks\)", first), first
    assert view.library_ids() == sorted(before + ["orchard-notes"])
    second = view.upload(v2, "updated")
    assert re.search(r"\bupdated orchard-notes: altered: 2 \(2 pages", second), second
    view.screenshot(shots / "library-updated-1280.png")

    # a corrupt PDF: reported as failed with the reason; the library is left as it was
    rows_before = view.library_rows()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 16)
    third = view.upload(broken, "failed")
    assert re.search(r"\bfailed broken: broken\.pdf: .*(damaged|truncated|cannot be read)", third), third
    assert view.library_rows() == rows_before
    assert not (server.data_dir / "uploads" / "broken.pdf").exists()
    view.screenshot(shots / "library-failed-1280.png")
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(300)
    view.screenshot(shots / "library-420.png")
    page.set_viewport_size(LAPTOP)

    # a reload shows the library as it is now (not as it was when the server started)
    page.reload()
    view.open_library()
    page.wait_for_function("() => document.querySelector('#library').innerText.includes('orchard-notes')",
                           timeout=10_000)
    assert view.library_rows() == rows_before
    remove_choice = page.locator("#remove-choice input").input_value()
    assert remove_choice == "", f"a document is pre-selected for removal: {remove_choice!r}"

    assert view.errors == [], view.errors
    assert view.off_host == [], view.off_host
    assert len(list(shots.glob("*.png"))) == 5


def test_export_downloads_the_conversation(server, open_page, tmp_path):
    view = open_page(LAPTOP)
    page = view.page
    assert page.locator("#export").is_disabled(), "export offered before there is anything to export"
    question = "What did the Shropshire pilot do?"
    view.ask(question)
    view.wait_for_citations()
    page.wait_for_function("() => !document.querySelector('#export').disabled", timeout=10_000)
    with page.expect_download(timeout=15_000) as download_info:
        page.locator("#export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".md")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = target.read_text(encoding="utf-8")
    assert f"## Q: {question}" in text
    chat_text = _normalise(page.locator("#chat").inner_text())
    quotes = [line[2:] for line in text.splitlines() if line.startswith("> ")]
    assert quotes, text
    assert all(_normalise(q) in chat_text for q in quotes), (quotes, chat_text)
    assert re.search(r"^\[1\] .+, p\. \S+", text, re.M), text

    # a new conversation empties the chat, the citations and the evidence, and has nothing to export
    page.locator("#new-conversation").click()
    page.wait_for_function("""() => !document.querySelector('#chat').innerText.includes('[1]')
        && document.querySelector('#evidence-title').innerText.trim() === ''
        && document.querySelector('#export').disabled""", timeout=10_000)
    assert view.citations() == []
    assert view.errors == [], view.errors
    assert view.off_host == [], view.off_host
