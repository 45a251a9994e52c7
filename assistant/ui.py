"""The chat page (Gradio): its layout and which handler each control calls. What the handlers do lives
in chat_handlers; how answers, pages and the library are shown in answer_view, evidence_panel,
library_view, versions_panel and export; the browser's style and scripts in page_assets."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from ingest.loaders import SUPPORTED_SUFFIXES

from .chat_handlers import ChatHandlers, new_state
from .library_view import library_line, library_rows
from .modes import mode_choices
from .page_assets import BACK_TO_ANSWER, EXAMPLES, PAGE_SCRIPT, SHOW_ANSWER_START, SHOW_MARKS
from .versions_panel import show_update, update_choices, version_choices

INTRO = (
    "## Report assistant\nAsk about the reports in the library. Every point in an answer cites the page it "
    "comes from — click a [number] to see the page; when the reports don't cover a question, it says so."
)
PRIVATE = {"api_visibility": "private"}  # the page's own handlers are not part of the public API


def build_app(components) -> gr.Blocks:
    handlers = ChatHandlers(components)
    with gr.Blocks(title="Report assistant", analytics_enabled=False) as app:
        state = gr.State(new_state())
        gr.Markdown(INTRO)
        summary = gr.Markdown(library_line(handlers.library.documents()), elem_id="library-line")
        with gr.Tab("Ask"):
            ask = _ask_tab(handlers, components.settings)
        with gr.Tab("Library"):
            shelf = _library_tab(handlers)
        evidence = [
            ask.evidence_title,
            ask.evidence_status,
            ask.evidence_text,
            ask.page_image,
            ask.viewer_doc,
            ask.page_label,
            ask.section,
            state,
        ]
        _wire_ask(handlers, ask, evidence, state)
        library_views = [
            shelf.result,
            shelf.table,
            summary,
            ask.doc_filter,
            ask.viewer_doc,
            shelf.to_remove,
            shelf.update_choice,
            shelf.changes,
        ]
        _wire_library(handlers, shelf, library_views)
        ask.doc_filter.change(handlers.versions_of, ask.doc_filter, ask.version_filter, **PRIVATE)
        # the values above were read when the app was built: a reload shows the library as it is now
        app.load(lambda: handlers.library_outputs("")[1:], None, library_views[1:], **PRIVATE)
        app.load(None, js=PAGE_SCRIPT)
        gr.api(handlers.api_ask, api_name="ask")
    return app


def _ask_tab(handlers: ChatHandlers, settings) -> SimpleNamespace:
    ui = SimpleNamespace()
    documents = handlers.doc_choices()
    with gr.Row():
        with gr.Column(scale=3, min_width=320):
            ui.chatbot = gr.Chatbot(
                label="Conversation",
                show_label=False,
                height=480,
                feedback_options=None,
                buttons=["copy", "copy_all"],
                elem_id="chat",
                autoscroll=False,
            )
            with gr.Row(elem_id="ask-row"):
                ui.question = gr.Textbox(
                    placeholder="Ask a question about the report…",
                    show_label=False,
                    scale=5,
                    elem_id="question",
                    autofocus=True,
                    max_length=settings.max_question_chars,
                )
                ui.send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
            gr.Examples(EXAMPLES, inputs=ui.question, label="Examples")
            with gr.Row():
                modes = mode_choices(settings)
                ui.mode = gr.Dropdown(
                    modes, value="extractive", label="Answer mode", elem_id="mode", interactive=len(modes) > 1
                )
                ui.doc_filter = gr.Dropdown(documents, value="", label="Search in", elem_id="doc-filter")
                ui.version_filter = gr.Dropdown(
                    **version_choices(handlers.library, None), label="Version", elem_id="version-filter"
                )
            with gr.Row(elem_id="chat-actions"):
                ui.new_chat = gr.Button("New conversation", size="md", elem_id="new-conversation")
                ui.download = gr.DownloadButton(
                    "Export conversation (Markdown)", size="md", interactive=False, elem_id="export"
                )
        with gr.Column(scale=2, min_width=300, elem_id="evidence-panel"):
            _evidence_column(ui, documents)
    return ui


def _evidence_column(ui: SimpleNamespace, documents: list) -> None:
    gr.Markdown("### Evidence")
    ui.back = gr.Button("↑ Back to the answer", size="sm", elem_id="back-to-answer")
    ui.citations = gr.Radio([], label="Citations of the answer", elem_id="citations")
    with gr.Row():
        ui.previous_citation = gr.Button("◀ Previous", size="sm", elem_id="prev-citation")
        ui.next_citation = gr.Button("Next ▶", size="sm", elem_id="next-citation")
    ui.evidence_title = gr.Markdown(elem_id="evidence-title")
    ui.evidence_status = gr.Markdown(elem_id="evidence-status")
    ui.evidence_text = gr.HTML(elem_id="evidence-text")
    ui.page_image = gr.HTML(elem_id="page-image")
    with gr.Row(elem_id="page-row"):
        ui.previous_page = gr.Button("◀ Page", size="sm", min_width=70, elem_id="prev-page")
        ui.page_label = gr.Textbox(
            label="Go to page",
            show_label=False,
            scale=2,
            min_width=100,
            placeholder="Go to page: 12, iv or PDF 12",
            elem_id="page-label",
        )
        ui.next_page = gr.Button("Page ▶", size="sm", min_width=70, elem_id="next-page")
    ui.viewer_doc = gr.Dropdown(documents[1:], value=None, label="Document", elem_id="viewer-doc")
    ui.section = gr.Dropdown([], value=None, label="Sections (the document's outline)", elem_id="outline")
    ui.open_box = gr.Textbox(elem_classes="ra-hidden", elem_id="open-request")
    ui.open_trigger = gr.Button("open", elem_classes="ra-hidden", elem_id="open-trigger")


def _library_tab(handlers: ChatHandlers) -> SimpleNamespace:
    ui, library = SimpleNamespace(), handlers.library
    ui.table = gr.Dataframe(
        library_rows(library.documents()),
        headers=["id", "title", "kind", "version", "pages", "chunks", "ingested"],
        interactive=False,
        wrap=True,
        column_widths=["220px", "400px", "110px", "80px", "70px", "80px", "190px"],
        elem_id="library",
    )
    ui.files = gr.File(
        label="Add or update documents (PDF, Markdown, text)",
        file_count="multiple",
        file_types=sorted(SUPPORTED_SUFFIXES),
        height=160,
        elem_id="upload",
    )
    ui.result = gr.Markdown(elem_id="upload-result")
    with gr.Row(elem_id="remove-row"):
        # nothing chosen by default: a pre-selected document next to a red button invites accidents
        ui.to_remove = gr.Dropdown(
            handlers.doc_choices()[1:], value=None, label="Remove a document", scale=3, elem_id="remove-choice"
        )
        ui.remove = gr.Button("Remove…", variant="stop", size="md", scale=1, min_width=100, elem_id="remove")
    with gr.Group(visible=False, elem_id="remove-confirm") as ui.confirm_box:
        ui.confirm_question = gr.Markdown(elem_id="remove-question")
        with gr.Row():
            ui.confirm = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="remove-yes")
            ui.cancel = gr.Button("Cancel", size="sm", elem_id="remove-cancel")
    ui.update_choice = gr.Dropdown(
        update_choices(library), value=None, label="What changed in an update", elem_id="changes-choice"
    )
    ui.changes = gr.Markdown(elem_id="changes")
    return ui


def _wire_ask(h: ChatHandlers, ui: SimpleNamespace, evidence: list, state) -> None:
    panel = h.panel
    ask_inputs = [ui.question, ui.chatbot, state, ui.mode, ui.doc_filter, ui.version_filter]
    ask_outputs = [ui.chatbot, ui.citations, ui.question, ui.download, *evidence]
    for trigger in (ui.send.click, ui.question.submit):
        trigger(h.chat_turn, ask_inputs, ask_outputs, **PRIVATE).then(None, js=SHOW_ANSWER_START).then(
            None, js=SHOW_MARKS
        )
    ui.open_trigger.click(
        h.open_request,
        [ui.open_box, state],
        [ui.citations, *evidence],
        **PRIVATE,
        js="(request, state) => [window.reportAssistant.request, state]",
    ).then(None, js=SHOW_MARKS)
    ui.citations.input(
        lambda i, s: panel.open_item(s, s.get("shown") or 0, i), [ui.citations, state], evidence, **PRIVATE
    ).then(None, js=SHOW_MARKS)
    for button, delta in ((ui.previous_citation, -1), (ui.next_citation, 1)):
        button.click(
            lambda i, s, d=delta: h.step_citation(i, s, d), [ui.citations, state], [ui.citations, *evidence], **PRIVATE
        ).then(None, js=SHOW_MARKS)
    for button, delta in ((ui.previous_page, -1), (ui.next_page, 1)):
        button.click(lambda s, d=delta: panel.step_page(s, d), state, evidence, **PRIVATE)
    ui.page_label.submit(lambda s, label: panel.go_to_label(s, label), [state, ui.page_label], evidence, **PRIVATE)
    ui.section.input(lambda s, i: panel.go_to_section(s, i), [state, ui.section], evidence, **PRIVATE)
    ui.viewer_doc.input(lambda s, d: panel.open_document(s, d), [state, ui.viewer_doc], evidence, **PRIVATE)
    ui.back.click(None, js=BACK_TO_ANSWER)
    reset_outputs = [ui.chatbot, ui.citations, ui.download, *evidence]
    ui.new_chat.click(h.new_conversation, None, reset_outputs, **PRIVATE)
    ui.chatbot.clear(h.new_conversation, None, reset_outputs, **PRIVATE)  # its bin icon


def _wire_library(h: ChatHandlers, ui: SimpleNamespace, library_views: list) -> None:
    one_at_a_time = {"concurrency_limit": 1, "concurrency_id": "library"}  # the library's lock refuses a second
    ui.update_choice.input(lambda value: show_update(h.library, value), ui.update_choice, ui.changes, **PRIVATE)
    ui.files.upload(h.upload, ui.files, library_views, **PRIVATE, **one_at_a_time).then(
        lambda: None, None, ui.files, **PRIVATE
    )
    ui.remove.click(h.ask_to_remove, ui.to_remove, [ui.result, ui.confirm_box, ui.confirm_question], **PRIVATE)
    ui.confirm.click(h.remove, ui.to_remove, library_views, **PRIVATE, **one_at_a_time).then(
        lambda: gr.update(visible=False), None, ui.confirm_box, **PRIVATE
    )
    ui.cancel.click(lambda: gr.update(visible=False), None, ui.confirm_box, **PRIVATE)
