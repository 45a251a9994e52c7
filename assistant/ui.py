"""The chat page (Gradio): the layout and its wiring; a thin shell over the same functions as the CLI.
How answers, pages and the library are shown lives in answer_view, evidence_panel, library_view,
library_panel and export."""
from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from ingest.errors import ReportAssistantError
from ingest.loaders import SUPPORTED_SUFFIXES

from .answer_view import answer_markdown, evidence_choices, safe_markdown
from .answering import QuestionError, check_question
from .bug_report import report_bug
from .conversation import Conversation
from .evidence_panel import EvidencePanel
from .export import conversation_markdown
from .library_panel import (NEEDS_LOGIN, confirm_text, may_change_library, remove_document, upload_files)
from .library_view import by_kind, library_line, library_rows
from .modes import mode_choices
from .versions_panel import LIVE, new_update, show_update, update_choices, version_choices

EXAMPLES = [
    "What evidence supports letting go of risk aversion?",
    "What are the seven characteristics of a resilient local economy?",
    "Which areas took part in the pilots?",
    "What did the Shropshire pilot do?",
]
CSS = """
.page-text { position: relative; white-space: pre-wrap; max-height: 18rem; overflow-y: auto; font-size: 0.92rem;
             line-height: 1.45; padding: 0.6rem; border: 1px solid var(--border-color-primary); }
.page-text mark { background: #ffe58a; color: #111; padding: 0 2px; }
.editor-note { margin-top: 8px; padding: 6px 8px; border-left: 3px solid #888; font-style: italic; }
.page-image { max-height: 34rem; overflow: auto; border: 1px solid var(--border-color-primary); cursor: zoom-in; }
.page-image.zoomed { cursor: zoom-out; }
.page-canvas { position: relative; width: 100%; }
.page-image.zoomed .page-canvas { width: 250%; }
.page-canvas img { display: block; width: 100%; height: auto; }
.quote-box { position: absolute; background: rgba(255, 213, 0, 0.38); outline: 2px solid rgba(230, 140, 0, 0.9);
             mix-blend-mode: multiply; pointer-events: none; }
#chat a[href^="#cite-"], #chat a[href^="#page-"] { font-weight: 600; text-decoration: none; padding: 0 1px; }
#chat a[href^="#cite-"]:focus-visible, #chat a[href^="#page-"]:focus-visible { outline: 2px solid #e68a00; }
#citations label { font-size: 0.85rem; }
#citations .wrap { max-height: 7.5rem; overflow-y: auto; }  /* the [n] links in the answer open citations too */
#ask-row { align-items: stretch; }
#library table { font-size: 0.85rem; }
#remove-row { align-items: flex-end; }
#remove-row > #remove { margin-bottom: 11px !important; min-height: 40px; }
#page-row { align-items: center; }
.ra-hidden, #back-to-answer { display: none !important; }
@media (max-width: 640px) {
  #ask-row { flex-wrap: nowrap; }
  #ask-row > :first-child { flex: 1 1 0 !important; min-width: 0 !important; }
  #ask-row > #ask { flex: 0 0 5rem !important; min-width: 5rem !important; }
  #chat-actions { flex-wrap: wrap; }
  #chat-actions > button { flex: 1 1 100% !important; }
  #back-to-answer { display: block !important; }
  #citations { display: none !important; }  /* the [n] links in the answer and Previous/Next do its job */
  .page-text { max-height: 14rem; }
  .page-image { max-height: 24rem; }
}
"""
# Installed once per page: a click (or Enter) on [n] or on a nearest page in the chat asks the server to
# open it in the evidence panel (through the hidden trigger button); a click on the page image zooms it.
PAGE_SCRIPT = """() => {
  if (window.reportAssistant) return;
  window.reportAssistant = { request: '' };
  const zoom = (box) => {
    box.classList.toggle('zoomed');
    const marks = Array.from(box.querySelectorAll('.quote-box'));
    if (marks.length) box.scrollTo({ top: marks[0].offsetTop - box.clientHeight / 3,
                                     left: Math.min(...marks.map(m => m.offsetLeft)) - 16, behavior: 'instant' });
  };
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const link = target && target.closest('#chat a[href^="#cite-"], #chat a[href^="#page-"]');
    if (link) {
      event.preventDefault();
      event.stopPropagation();
      window.reportAssistant.request = link.getAttribute('href').slice(1);
      document.querySelector('#open-trigger').click();
      if (window.innerWidth <= 640) document.querySelector('#evidence-panel').scrollIntoView();
      return;
    }
    const image = target && target.closest('.page-image');
    if (image) zoom(image);
  }, true);
  document.addEventListener('keydown', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.classList.contains('page-image') && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      zoom(target);
    }
  });
}"""
# After the evidence panel changed: its text scrolls to the marked sentence, its image to the quote.
SHOW_MARKS = """() => { setTimeout(() => {
  const box = document.querySelector('#evidence-text .page-text');
  const mark = box && box.querySelector('mark');
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const image = document.querySelector('#page-image .page-image');
  const quote = image && image.querySelector('.quote-box');
  if (quote) image.scrollTop = Math.max(0, quote.offsetTop - image.clientHeight / 3);
}, 60); }"""
# After an answer: the chat shows the question and the start of its answer, not the end of the answer.
SHOW_ANSWER_START = """() => { setTimeout(() => {
  const chat = document.querySelector('#chat');
  const questions = chat ? chat.querySelectorAll('.message-row.user-row, .user-row') : [];
  const question = questions[questions.length - 1];
  if (!question) return;
  let box = question.parentElement;
  while (box && box !== chat.parentElement && !(box.scrollHeight > box.clientHeight + 1
         && ['auto', 'scroll'].includes(getComputedStyle(box).overflowY))) box = box.parentElement;
  if (box && box !== chat.parentElement)
    box.scrollTop += question.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
}, 80); }"""
BACK_TO_ANSWER = "() => document.querySelector('#chat').scrollIntoView()"


def build_app(components) -> gr.Blocks:
    assistant, library, settings = components.assistant, components.library, components.settings
    panel = EvidencePanel(library)
    uploads = settings.data_dir / "uploads"
    exports = Path(tempfile.mkdtemp(prefix="report-assistant-exports-"))

    def doc_choices():
        return [("All documents", "")] + [(f"{r.title} ({r.kind})", r.id) for r in by_kind(library.documents())]

    def failure_text(exc: Exception, doing: str) -> str:
        """A failure the user can act on says what it is; anything else is logged as a bug."""
        return str(exc) if isinstance(exc, ReportAssistantError) else report_bug(settings.data_dir, exc, doing)

    def chat_turn(question, history, state, mode, doc_id, version=LIVE):
        """Outputs: chat, evidence list, question box, export button, the evidence panel, state."""
        try:  # checked before any work: an empty or oversized question is refused with a message
            question = check_question(question, assistant.max_question_chars)
        except QuestionError as exc:
            history = history + [{"role": "assistant", "content": f"**Not asked:** {safe_markdown(str(exc))}."}]
            yield history, gr.update(), question, gr.update(), *panel.unchanged(state)
            return
        conversation: Conversation = state["conversation"]
        try:
            query = conversation.query_for(question, condense=_condenser(assistant, mode))
        except Exception:  # a model that cannot condense still lets the heuristic carry the subject
            query = conversation.query_for(question)
        history = history + [{"role": "user", "content": safe_markdown(question)},
                             {"role": "assistant", "content": "_Searching the report…_"}]
        # the previous answer's citations no longer belong to the last answer: clear them while this one runs
        yield history, gr.update(choices=[], value=None), "", gr.update(), *panel.empty(state)
        try:
            answer = None
            for answer in assistant.ask_stream(question, doc_id=doc_id or None, mode=mode, retrieval_query=query,
                                               version=version or None):
                if mode != "extractive":  # a model's words as it writes them, before they are checked
                    history[-1]["content"] = safe_markdown(answer.text) or "_Writing…_"
                    yield history, gr.update(), "", gr.update(), *panel.unchanged(state)
        except Exception as exc:  # a model or server failure: say so, keep the conversation
            advice = " Try the extractive mode." if mode != "extractive" else ""
            history[-1]["content"] = f"**Error:** {safe_markdown(failure_text(exc, 'answering'))}.{advice}"
            yield history, gr.update(), "", gr.update(), *panel.unchanged(state)
            return
        conversation.add(answer.retrieval_query)
        state["answers"].append(answer)
        turn = len(state["answers"]) - 1
        history[-1]["content"] = answer_markdown(answer, turn)
        # the first citation (or nearest page) is opened at once: the answer can be checked without a click
        yield (history, panel.choices(state, turn, 0), "", gr.update(value=export(state), interactive=True),
               *panel.open_item(state, turn, 0))

    def open_request(request, state):
        """'cite-T-N' (citation N of answer T) or 'page-T-I' (nearest page I), from a link in the chat."""
        kind, _, numbers = (request or "").partition("-")
        try:
            turn, index = (int(n) for n in numbers.split("-"))
        except ValueError:
            return gr.update(), *panel.unchanged(state)
        index = index - 1 if kind == "cite" else index
        if not 0 <= turn < len(state["answers"]):
            return gr.update(), *panel.unchanged(state)
        return panel.choices(state, turn, index), *panel.open_item(state, turn, index)

    def step_citation(index, state, delta):
        turn = state.get("shown")
        if turn is None or not evidence_choices(state["answers"][turn]):
            return gr.update(), *panel.unchanged(state)
        index = ((index or 0) + delta) % len(evidence_choices(state["answers"][turn]))
        return gr.update(value=index), *panel.open_item(state, turn, index)

    def new_conversation():
        state = _new_state()
        return ([], gr.update(choices=[], value=None), gr.update(value=None, interactive=False),
                *panel.empty(state))

    def export(state):
        """The conversation so far as a Markdown file, set as the export button's value after each answer
        (a DownloadButton downloads the value it holds when clicked, so it must be ready beforehand)."""
        path = Path(tempfile.mkdtemp(dir=exports)) / "conversation.md"
        path.write_text(conversation_markdown(state["answers"], by_kind(library.documents())), encoding="utf-8")
        return str(path)

    def library_outputs(message: str, update: str | None = None):
        """The result line, then everything that shows the library (and the changes of `update`)."""
        choices = doc_choices()
        return (message, library_rows(library.documents()), library_line(library.documents()),
                gr.update(choices=choices), gr.update(choices=choices[1:]), gr.update(choices=choices[1:], value=None),
                gr.update(choices=update_choices(library), value=update), show_update(library, update))

    def upload(files, request: gr.Request = None, progress=gr.Progress()):
        if not may_change_library(settings, request):
            return library_outputs(NEEDS_LOGIN)
        if not files:
            return library_outputs("No file chosen.")
        before = {r.id: r.version for r in library.documents()}
        message = upload_files(library, uploads, files, progress)
        return library_outputs(message, new_update(before, library))

    def ask_to_remove(doc_id):
        question = confirm_text(library, doc_id)
        if question is None:
            return "Choose a document to remove.", gr.update(visible=False), ""
        return "", gr.update(visible=True), question

    def remove(doc_id, request: gr.Request = None):
        if not may_change_library(settings, request):
            return library_outputs(NEEDS_LOGIN)
        if not doc_id:
            return library_outputs("Choose a document to remove.")
        message = remove_document(library, doc_id)
        return library_outputs(message)

    with gr.Blocks(title="Report assistant", analytics_enabled=False) as app:
        state = gr.State(_new_state())
        gr.Markdown("## Report assistant\nAsk about the reports in the library. Every point in an answer "
                    "cites the page it comes from — click a [number] to see the page; when the reports don't "
                    "cover a question, it says so.")
        summary = gr.Markdown(library_line(library.documents()), elem_id="library-line")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(label="Conversation", show_label=False, height=480, feedback_options=None,
                                         buttons=["copy", "copy_all"], elem_id="chat", autoscroll=False)
                    with gr.Row(elem_id="ask-row"):
                        question = gr.Textbox(placeholder="Ask a question about the report…", show_label=False,
                                              scale=5, elem_id="question", autofocus=True,
                                              max_length=components.settings.max_question_chars)
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                    gr.Examples(EXAMPLES, inputs=question, label="Examples")
                    with gr.Row():
                        modes = mode_choices(settings)
                        mode = gr.Dropdown(modes, value="extractive", label="Answer mode", elem_id="mode",
                                           interactive=len(modes) > 1)
                        doc_filter = gr.Dropdown(doc_choices(), value="", label="Search in", elem_id="doc-filter")
                        version_filter = gr.Dropdown(**version_choices(library, None), label="Version",
                                                     elem_id="version-filter")
                    with gr.Row(elem_id="chat-actions"):
                        new_chat = gr.Button("New conversation", size="md", elem_id="new-conversation")
                        download = gr.DownloadButton("Export conversation (Markdown)", size="md",
                                                     interactive=False, elem_id="export")
                with gr.Column(scale=2, min_width=300, elem_id="evidence-panel"):
                    gr.Markdown("### Evidence")
                    back = gr.Button("↑ Back to the answer", size="sm", elem_id="back-to-answer")
                    citations = gr.Radio([], label="Citations of the answer", elem_id="citations")
                    with gr.Row():
                        previous_citation = gr.Button("◀ Previous", size="sm", elem_id="prev-citation")
                        next_citation = gr.Button("Next ▶", size="sm", elem_id="next-citation")
                    evidence_title = gr.Markdown(elem_id="evidence-title")
                    evidence_status = gr.Markdown(elem_id="evidence-status")
                    evidence_text = gr.HTML(elem_id="evidence-text")
                    page_image = gr.HTML(elem_id="page-image")
                    with gr.Row(elem_id="page-row"):
                        previous_page = gr.Button("◀ Page", size="sm", min_width=70, elem_id="prev-page")
                        page_label = gr.Textbox(label="Go to page", show_label=False, scale=2, min_width=100,
                                                placeholder="Go to page: 12, iv or PDF 12", elem_id="page-label")
                        next_page = gr.Button("Page ▶", size="sm", min_width=70, elem_id="next-page")
                    viewer_doc = gr.Dropdown(doc_choices()[1:], value=None, label="Document", elem_id="viewer-doc")
                    section = gr.Dropdown([], value=None, label="Sections (the document's outline)",
                                          elem_id="outline")
                    open_box = gr.Textbox(elem_classes="ra-hidden", elem_id="open-request")
                    open_trigger = gr.Button("open", elem_classes="ra-hidden", elem_id="open-trigger")
        with gr.Tab("Library"):
            table = gr.Dataframe(library_rows(library.documents()),
                                 headers=["id", "title", "kind", "version", "pages", "chunks", "ingested"],
                                 interactive=False, wrap=True,
                                 column_widths=["220px", "400px", "110px", "80px", "70px", "80px", "190px"],
                                 elem_id="library")
            files = gr.File(label="Add or update documents (PDF, Markdown, text)", file_count="multiple",
                            file_types=sorted(SUPPORTED_SUFFIXES), height=160, elem_id="upload")
            result = gr.Markdown(elem_id="upload-result")
            with gr.Row(elem_id="remove-row"):
                # nothing chosen by default: a pre-selected document next to a red button invites accidents
                to_remove = gr.Dropdown(doc_choices()[1:], value=None, label="Remove a document", scale=3,
                                        elem_id="remove-choice")
                remove_button = gr.Button("Remove…", variant="stop", size="md", scale=1, min_width=100,
                                          elem_id="remove")
            with gr.Group(visible=False, elem_id="remove-confirm") as confirm_box:
                confirm_question = gr.Markdown(elem_id="remove-question")
                with gr.Row():
                    confirm_button = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="remove-yes")
                    cancel_button = gr.Button("Cancel", size="sm", elem_id="remove-cancel")
            update_choice = gr.Dropdown(update_choices(library), value=None, label="What changed in an update",
                                        elem_id="changes-choice")
            changes = gr.Markdown(elem_id="changes")

        evidence = [evidence_title, evidence_status, evidence_text, page_image, viewer_doc, page_label, section, state]
        private = {"api_visibility": "private"}
        ask_inputs = [question, chatbot, state, mode, doc_filter, version_filter]
        ask_outputs = [chatbot, citations, question, download, *evidence]
        for trigger in (send.click, question.submit):
            trigger(chat_turn, ask_inputs, ask_outputs, **private).then(
                None, js=SHOW_ANSWER_START).then(None, js=SHOW_MARKS)
        open_trigger.click(open_request, [open_box, state], [citations, *evidence], **private,
                           js="(request, state) => [window.reportAssistant.request, state]").then(None, js=SHOW_MARKS)
        citations.input(lambda i, s: panel.open_item(s, s.get("shown") or 0, i), [citations, state], evidence,
                        **private).then(None, js=SHOW_MARKS)
        for button, delta in ((previous_citation, -1), (next_citation, 1)):
            button.click(lambda i, s, d=delta: step_citation(i, s, d), [citations, state], [citations, *evidence],
                         **private).then(None, js=SHOW_MARKS)
        for button, delta in ((previous_page, -1), (next_page, 1)):
            button.click(lambda s, d=delta: panel.step_page(s, d), state, evidence, **private)
        page_label.submit(lambda s, label: panel.go_to_label(s, label), [state, page_label], evidence, **private)
        section.input(lambda s, i: panel.go_to_section(s, i), [state, section], evidence, **private)
        viewer_doc.input(lambda s, d: panel.open_document(s, d), [state, viewer_doc], evidence, **private)
        back.click(None, js=BACK_TO_ANSWER)
        reset_outputs = [chatbot, citations, download, *evidence]
        new_chat.click(new_conversation, None, reset_outputs, **private)
        chatbot.clear(new_conversation, None, reset_outputs, **private)  # its bin icon

        # one library change at a time (the library's lock would refuse a second one)
        library_views = [result, table, summary, doc_filter, viewer_doc, to_remove, update_choice, changes]
        doc_filter.change(lambda d: gr.update(**version_choices(library, d)), doc_filter, version_filter, **private)
        update_choice.input(lambda value: show_update(library, value), update_choice, changes, **private)
        files.upload(upload, files, library_views, **private, concurrency_limit=1,
                     concurrency_id="library").then(lambda: None, None, files, **private)
        remove_button.click(ask_to_remove, to_remove, [result, confirm_box, confirm_question], **private)
        confirm_button.click(remove, to_remove, library_views, **private, concurrency_limit=1,
                             concurrency_id="library").then(lambda: gr.update(visible=False), None, confirm_box,
                                                            **private)
        cancel_button.click(lambda: gr.update(visible=False), None, confirm_box, **private)
        # the values above were read when the app was built: a reload shows the library as it is now
        app.load(lambda: library_outputs("")[1:], None, library_views[1:], **private)
        app.load(None, js=PAGE_SCRIPT)

        def api_ask(question: str, doc_id: str = "", mode: str = "extractive") -> dict:
            """Ask one question; returns the same JSON as `report-assistant ask --json`."""
            try:
                return assistant.ask(question, doc_id=doc_id or None, mode=mode).to_json()
            except Exception as exc:  # the caller sees why, in one line
                raise gr.Error(failure_text(exc, "api /ask")) from None

        gr.api(api_ask, api_name="ask")
    return app


def _condenser(assistant, mode: str):
    """With a model at hand, follow-ups are rewritten as standalone questions by that model."""
    generator = assistant.generators.get(mode) if mode != "extractive" else None
    return generator.condense if generator is not None else None


def _new_state() -> dict:
    return {"conversation": Conversation(), "answers": [], "shown": None, "view": None}
