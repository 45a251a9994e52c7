"""The chat page (Gradio): a thin shell over the same functions as the CLI."""
from __future__ import annotations

import html
import logging
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import gradio as gr

from ingest.library import DiskFull, IngestResult, LibraryBusy
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.manifest import doc_id_from_name
from ingest.pages import page_reference
from ingest.store import StoreError

from .answering import QuestionError, check_question
from .conversation import Conversation, conversation_markdown
from .markdown_text import safe_markdown
from .page_view import PageViewer

EXAMPLES = [
    "What evidence supports letting go of risk aversion?",
    "What are the seven characteristics of a resilient local economy?",
    "Which areas took part in the pilots?",
    "What did the Shropshire pilot do?",
]
CSS = """
.page-text { position: relative; white-space: pre-wrap; max-height: 28rem; overflow-y: auto; font-size: 0.92rem;
             line-height: 1.45; padding: 0.6rem; border: 1px solid var(--border-color-primary); }
.page-text mark { background: #ffe58a; color: #111; padding: 0 2px; }
.editor-note { margin-top: 8px; padding: 6px 8px; border-left: 3px solid #888; font-style: italic; }
#citations label { font-size: 0.85rem; }
#ask-row { align-items: stretch; }
#library table { font-size: 0.85rem; }
#remove-row { align-items: flex-end; }
#remove-row > #remove { margin-bottom: 11px !important; min-height: 40px; }
@media (max-width: 640px) {
  #ask-row { flex-wrap: nowrap; }
  #ask-row > :first-child { flex: 1 1 0 !important; min-width: 0 !important; }
  #ask-row > #ask { flex: 0 0 5rem !important; min-width: 5rem !important; }
  #chat-actions { flex-wrap: wrap; }
  #chat-actions > button { flex: 1 1 100% !important; }
  .page-text { max-height: 20rem; }
}
"""
# After a citation is shown: scroll its page text (not the whole page) to the highlighted sentence.
SCROLL_TO_MARK = """() => { setTimeout(() => {
  const box = document.querySelector('#evidence-text .page-text');
  const mark = box && box.querySelector('mark');
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
}, 60); }"""
log = logging.getLogger(__name__)
NEEDS_LOGIN = ("**Not changed:** adding or removing documents on a page shared on the network needs a "
               "login (set REPORT_ASSISTANT_AUTH_USERNAME and REPORT_ASSISTANT_AUTH_PASSWORD).")


def build_app(components) -> gr.Blocks:
    assistant, library = components.assistant, components.library
    viewer = PageViewer(library)
    modes = ["extractive", *assistant.generators]
    uploads = components.settings.data_dir / "uploads"
    exports = Path(tempfile.mkdtemp(prefix="report-assistant-exports-"))

    def doc_choices():
        return [("All documents", "")] + [(f"{r.title} ({r.kind})", r.id) for r in library.documents()]

    def library_rows():
        return [[r.id, r.title, r.kind, r.version, r.pages, r.chunks, _when(r.ingested_at)]
                for r in library.documents()]

    def chat_turn(question, history, state, mode, doc_id):
        """Outputs: chat, state, citations, question box, evidence title/text/image, export button."""
        try:  # checked before any work: an empty or oversized question is refused with a message
            question = check_question(question, assistant.max_question_chars)
        except QuestionError as exc:
            history = history + [{"role": "assistant", "content": f"**Not asked:** {safe_markdown(str(exc))}."}]
            yield history, state, gr.update(), gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
            return
        conversation: Conversation = state["conversation"]
        try:
            query = conversation.query_for(question, condense=_condenser(assistant, mode))
        except Exception:  # a model that cannot condense still lets the heuristic carry the subject
            query = conversation.query_for(question)
        history = history + [{"role": "user", "content": safe_markdown(question)},
                             {"role": "assistant", "content": "_Searching the report…_"}]
        # the previous answer's citations no longer belong to the last answer: clear them while this one runs
        no_evidence = (gr.update(choices=[], value=None), "", "", gr.update(value=None, visible=False))
        yield history, state, *no_evidence[:1], "", *no_evidence[1:], gr.update()
        try:
            answer = None
            for answer in assistant.ask_stream(question, doc_id=doc_id or None, mode=mode, retrieval_query=query):
                history[-1]["content"] = safe_markdown(answer.text) or "_Writing…_"
                yield history, state, gr.update(), "", gr.update(), gr.update(), gr.update(), gr.update()
        except Exception as exc:  # a model or server failure: say so, keep the conversation
            log.exception("answering failed")
            advice = " Try the extractive mode." if mode != "extractive" else ""
            history[-1]["content"] = f"**Error:** {safe_markdown(str(exc))}.{advice}"
            yield history, state, gr.update(), "", gr.update(), gr.update(), gr.update(), gr.update()
            return
        conversation.add(answer.retrieval_query)
        state["answers"].append(answer.to_json() | {"question": question})
        history[-1]["content"] = _answer_markdown(answer)
        first = 0 if answer.citations else None
        # the evidence of citation [1] is sent here, not left to the radio's change event: when the new
        # answer's first citation has the same index (0) as the old one, the radio does not change
        yield (history, state, _citation_choices(answer.to_json()), "", *show_citation(first, state),
               gr.update(value=export(state), interactive=True))

    def show_citation(index, state):
        if index is None or not state["answers"] or not state["answers"][-1]["citations"]:
            return "", "", gr.update(value=None, visible=False)
        citations = state["answers"][-1]["citations"]
        c = citations[int(index) % len(citations)]
        pdf = f" · PDF page {c['pdf_page']}" if c["pdf_page"] else ""
        section = f" · {html.escape(c['section'])}" if c.get("section") else ""
        header = f"**{html.escape(c['title'])}** — **{html.escape(page_reference(c['page']))}**{pdf}{section}"
        image = viewer.render_pdf_page(c["doc_id"], c["pdf_page"])
        return (header, viewer.highlighted_html(c["doc_id"], c["page"], c["quote"]),
                gr.update(value=image, visible=image is not None))

    def step(index, state, delta):
        if not state["answers"] or not state["answers"][-1]["citations"]:
            return gr.update()
        count = len(state["answers"][-1]["citations"])
        return gr.update(value=((index or 0) + delta) % count)

    def new_conversation():
        return ([], _new_state(), gr.update(choices=[], value=None), "", "", gr.update(value=None, visible=False),
                gr.update(value=None, interactive=False))

    def export(state):
        """The conversation so far as a Markdown file, set as the export button's value after each answer
        (a DownloadButton downloads the value it holds when clicked, so it must be ready beforehand)."""
        path = Path(tempfile.mkdtemp(dir=exports)) / "conversation.md"
        path.write_text(conversation_markdown(state["answers"]), encoding="utf-8")
        return str(path)

    def refresh_library():
        return library_rows(), gr.update(choices=doc_choices()), gr.update(choices=doc_choices()[1:])

    def may_change_library(request: gr.Request | None) -> bool:
        """Anyone at this machine may change the library; on a shared page only a logged-in user."""
        if request is not None and getattr(request, "username", None):
            return True
        return components.settings.host in LOOPBACK and _from_loopback_page(request)

    def upload(files, request: gr.Request = None):
        if not may_change_library(request):
            return NEEDS_LOGIN, library_rows(), gr.update(choices=doc_choices())
        if not files:
            return "No file chosen.", library_rows(), gr.update(choices=doc_choices())
        lines = []
        staged = []
        for file in files:
            source = Path(file if isinstance(file, str) else file.name)
            name = _safe_file_name(source.name)
            if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                lines.append(f"- **failed** {html.escape(name)}: unsupported file type (use PDF, Markdown or text)")
                continue
            target = uploads / name
            if any(t == target for _, t in staged):  # two files of one name (from different folders)
                lines.append(f"- **failed** {html.escape(name)}: a file of the same name is already in this "
                             "upload; upload it on its own")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(f".{target.name}.incoming")
            shutil.copyfile(source, staging)
            staged.append((staging, target))
        for staging, target in staged:
            lines += _ingest_upload(library, staging, target)
        assistant.refresh()
        return "\n".join(lines), library_rows(), gr.update(choices=doc_choices())

    def remove(doc_id, request: gr.Request = None):
        if not may_change_library(request):
            return NEEDS_LOGIN, library_rows(), gr.update(choices=doc_choices())
        if not doc_id:
            return "Choose a document to remove.", library_rows(), gr.update(choices=doc_choices())
        try:
            removed = library.forget(doc_id)
        except (LibraryBusy, DiskFull) as exc:
            return f"**Not removed:** {html.escape(str(exc))}", library_rows(), gr.update(choices=doc_choices())
        assistant.refresh()
        message = f"Removed `{doc_id}`." if removed else f"No document `{doc_id}`."
        return message, library_rows(), gr.update(choices=doc_choices(), value="")

    with gr.Blocks(title="Report assistant", analytics_enabled=False) as app:
        state = gr.State(_new_state())
        gr.Markdown("## Report assistant\nAsk about the reports in the library. Every point in an answer "
                    "cites the page it comes from; when the reports don't cover a question, it says so.")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(label="Conversation", show_label=False, height=480, feedback_options=None,
                                         buttons=["copy", "copy_all"], elem_id="chat")
                    with gr.Row(elem_id="ask-row"):
                        question = gr.Textbox(placeholder="Ask a question about the report…", show_label=False,
                                              scale=5, elem_id="question", autofocus=True,
                                              max_length=components.settings.max_question_chars)
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    gr.Examples(EXAMPLES, inputs=question, label="Examples")
                    with gr.Row():
                        mode = gr.Dropdown(modes, value="extractive", label="Answer mode", elem_id="mode")
                        doc_filter = gr.Dropdown(doc_choices(), value="", label="Search in", elem_id="doc-filter")
                    with gr.Row(elem_id="chat-actions"):
                        new_chat = gr.Button("New conversation", size="md", elem_id="new-conversation")
                        download = gr.DownloadButton("Export conversation (Markdown)", size="md",
                                                     interactive=False, elem_id="export")
                with gr.Column(scale=2, min_width=300):
                    gr.Markdown("### Evidence")
                    citations = gr.Radio([], label="Citations of the last answer", elem_id="citations")
                    with gr.Row():
                        previous_citation = gr.Button("◀ Previous", size="sm", elem_id="prev-citation")
                        next_citation = gr.Button("Next ▶", size="sm", elem_id="next-citation")
                    evidence_title = gr.Markdown(elem_id="evidence-title")
                    evidence_text = gr.HTML(elem_id="evidence-text")
                    evidence_image = gr.Image(label="Page", type="pil", interactive=False, elem_id="evidence-image",
                                              buttons=["fullscreen"], visible=False)
        with gr.Tab("Library"):
            table = gr.Dataframe(library_rows(), headers=["id", "title", "kind", "version", "pages", "chunks",
                                                          "ingested"], interactive=False, wrap=True,
                                 column_widths=["220px", "400px", "110px", "80px", "70px", "80px", "190px"],
                                 elem_id="library")
            files = gr.File(label="Add or update documents (PDF, Markdown, text)", file_count="multiple",
                            file_types=sorted(SUPPORTED_SUFFIXES), height=160, elem_id="upload")
            result = gr.Markdown(elem_id="upload-result")
            with gr.Row(elem_id="remove-row"):
                # nothing chosen by default: a pre-selected document next to a red button invites accidents
                to_remove = gr.Dropdown(doc_choices()[1:], value=None, label="Remove a document", scale=3,
                                        elem_id="remove-choice")
                remove_button = gr.Button("Remove", variant="stop", size="md", scale=1, min_width=100,
                                          elem_id="remove")

        evidence = [evidence_title, evidence_text, evidence_image]
        ask_inputs = [question, chatbot, state, mode, doc_filter]
        ask_outputs = [chatbot, state, citations, question, *evidence, download]
        send.click(chat_turn, ask_inputs, ask_outputs, api_visibility="private")
        question.submit(chat_turn, ask_inputs, ask_outputs, api_visibility="private")
        citations.change(show_citation, [citations, state], evidence, api_visibility="private").then(
            None, js=SCROLL_TO_MARK)
        previous_citation.click(lambda i, s: step(i, s, -1), [citations, state], citations, api_visibility="private")
        next_citation.click(lambda i, s: step(i, s, 1), [citations, state], citations, api_visibility="private")
        reset_outputs = [chatbot, state, citations, *evidence, download]
        new_chat.click(new_conversation, None, reset_outputs, api_visibility="private")
        chatbot.clear(new_conversation, None, reset_outputs, api_visibility="private")  # its bin icon
        # one library change at a time (the library's lock would refuse a second one)
        files.upload(upload, files, [result, table, doc_filter], api_visibility="private",
                     concurrency_limit=1, concurrency_id="library").then(
            lambda: (gr.update(choices=doc_choices()[1:], value=None), None), None, [to_remove, files],
            api_visibility="private")
        remove_button.click(remove, to_remove, [result, table, doc_filter], api_visibility="private",
                            concurrency_limit=1, concurrency_id="library").then(
            lambda: gr.update(choices=doc_choices()[1:], value=None), None, to_remove, api_visibility="private")
        # the values above were read when the app was built: a reload shows the library as it is now
        app.load(refresh_library, None, [table, doc_filter, to_remove], api_visibility="private")

        def api_ask(question: str, doc_id: str = "", mode: str = "extractive") -> dict:
            """Ask one question; returns the same JSON as `report-assistant ask --json`."""
            try:
                return assistant.ask(question, doc_id=doc_id or None, mode=mode).to_json()
            except (QuestionError, StoreError) as exc:  # the caller sees why, in one line
                raise gr.Error(str(exc)) from None

        gr.api(api_ask, api_name="ask")
    return app


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _from_loopback_page(request: gr.Request | None) -> bool:
    """A request sent by a page this machine serves on loopback. A page of another site that reaches the
    port through DNS rebinding names its own host (and origin): it is not a local user."""
    if request is None:  # called in-process, not over HTTP
        return True
    headers = getattr(request, "headers", None) or {}
    try:
        names = [headers.get("host", "")] + ([urlsplit(headers["origin"]).netloc] if headers.get("origin") else [])
        return all(urlsplit(f"//{name}").hostname in LOOPBACK for name in names)
    except ValueError:  # a malformed host or origin
        return False


def _condenser(assistant, mode: str):
    """With a model at hand, follow-ups are rewritten as standalone questions by that model."""
    generator = assistant.generators.get(mode) if mode != "extractive" else None
    return generator.condense if generator is not None else None


def _new_state() -> dict:
    return {"conversation": Conversation(), "answers": []}


def _answer_markdown(answer) -> str:
    text = safe_markdown(answer.text)
    if answer.citations:
        text += "\n\n" + "\n".join(
            f"[{n}] {safe_markdown(_where(c))}"
            for n, c in enumerate(answer.citations, start=1))
    return text


def _citation_choices(answer_json: dict):
    choices = [(f"[{n}] {_where(c)}", n - 1) for n, c in enumerate(answer_json["citations"], 1)]
    return gr.update(choices=choices, value=0 if choices else None)


def _where(citation: dict) -> str:
    section = f", {citation['section']}" if citation.get("section") else ""
    return f"{citation['title']}{section}, {page_reference(citation['page'])}"


def _when(iso_time: str) -> str:
    """'2026-11-26T02:20:21+00:00' → '2026-11-26 02:20 UTC' (ingest times are stored in UTC)."""
    return iso_time[:16].replace("T", " ") + (" UTC" if iso_time.endswith("+00:00") else "")


def _safe_file_name(name: str) -> str:
    """A user's file name made safe to store: no folders, no control characters, bounded length."""
    name = Path(name.replace("\\", "/")).name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()[:10]
    stem = re.sub(r"[^\w.\- ]+", "_", stem).strip(" ._")[:100] or "document"
    return stem + suffix


def _ingest_upload(library, staging: Path, target: Path) -> list[str]:
    """Ingest a staged upload under its final name; a failed file is removed, the library kept."""
    previous = target.with_name(f".{target.name}.previous")
    if target.exists():
        target.replace(previous)
    staging.replace(target)
    try:
        results = library.ingest([target])
    except Exception as exc:  # e.g. another ingest holds the library, or the embedder failed
        log.exception("ingesting %s failed", target.name)
        results = [IngestResult(str(target), doc_id_from_name(target.name), "failed",
                                detail=f"{target.name}: {exc}")]
    failed = any(r.status == "failed" for r in results)
    if failed and previous.exists():
        previous.replace(target)
    elif failed:
        target.unlink(missing_ok=True)
    previous.unlink(missing_ok=True)
    return [f"- **{r.status}** {html.escape(r.doc_id if r.doc_id != '-' else doc_id_from_name(target.name))}"
            f"{': ' + html.escape(r.detail) if r.detail else ''}"
            f"{f' ({r.pages} pages, {r.chunks} chunks)' if r.status != 'failed' else ''}" for r in results]
