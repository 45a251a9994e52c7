"""What the chat page does when someone acts on it: ask (streaming a model's words, then the checked
answer), open a citation or a nearest page, step through citations, start over, export, upload and
remove documents. Each handler returns the values of the outputs ui.py wires it to, in that order;
the layout itself lives in ui.py."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from ingest.errors import ReportAssistantError

from .answer_view import answer_markdown, evidence_choices
from .answering import check_question
from .bug_report import report_bug
from .conversation import Conversation
from .evidence_panel import EvidencePanel
from .export import conversation_markdown
from .library_panel import NEEDS_LOGIN, confirm_text, may_change_library, remove_document, upload_files
from .library_view import by_kind, library_line, library_rows
from .markdown_text import safe_markdown
from .question import QuestionError
from .versions_panel import LIVE, new_update, show_update, update_choices, version_choices


def new_state() -> dict:
    """One browser session: its conversation, its answers, the answer whose evidence is shown, the page in view."""
    return {"conversation": Conversation(), "answers": [], "shown": None, "view": None}


class ChatHandlers:
    def __init__(self, components):
        self.assistant, self.library, self.settings = components.assistant, components.library, components.settings
        self.panel = EvidencePanel(self.library)
        self.uploads = self.settings.data_dir / "uploads"
        self.exports = Path(tempfile.mkdtemp(prefix="report-assistant-exports-"))

    def doc_choices(self) -> list[tuple[str, str]]:
        return [("All documents", "")] + [(f"{r.title} ({r.kind})", r.id) for r in by_kind(self.library.documents())]

    def failure_text(self, exc: Exception, doing: str) -> str:
        """A failure the user can act on says what it is; anything else is logged as a bug."""
        return str(exc) if isinstance(exc, ReportAssistantError) else report_bug(self.settings.data_dir, exc, doing)

    def chat_turn(self, question, history, state, mode, doc_id, version=LIVE):
        """Outputs: chat, evidence list, question box, export button, the evidence panel, state."""
        panel = self.panel
        try:  # checked before any work: an empty or oversized question is refused with a message
            question = check_question(question, self.assistant.max_question_chars)
        except QuestionError as exc:
            history = history + [{"role": "assistant", "content": f"**Not asked:** {safe_markdown(str(exc))}."}]
            yield history, gr.update(), question, gr.update(), *panel.unchanged(state)
            return
        query = self._retrieval_query(state["conversation"], question, mode)
        history = history + [
            {"role": "user", "content": safe_markdown(question)},
            {"role": "assistant", "content": "_Searching the report…_"},
        ]
        # the previous answer's citations no longer belong to the last answer: clear them while this one runs
        yield history, gr.update(choices=[], value=None), "", gr.update(), *panel.empty(state)
        try:
            answer = None
            for answer in self.assistant.ask_stream(
                question, doc_id=doc_id or None, mode=mode, retrieval_query=query, version=version or None
            ):
                if mode != "extractive":  # a model's words as it writes them, before they are checked
                    history[-1]["content"] = safe_markdown(answer.text) or "_Writing…_"
                    yield history, gr.update(), "", gr.update(), *panel.unchanged(state)
        except Exception as exc:  # a model or server failure: say so, keep the conversation
            advice = " Try the extractive mode." if mode != "extractive" else ""
            history[-1]["content"] = f"**Error:** {safe_markdown(self.failure_text(exc, 'answering'))}.{advice}"
            yield history, gr.update(), "", gr.update(), *panel.unchanged(state)
            return
        state["conversation"].add(answer.retrieval_query)
        state["answers"].append(answer)
        turn = len(state["answers"]) - 1
        history[-1]["content"] = answer_markdown(answer, turn)
        # the first citation (or nearest page) is opened at once: the answer can be checked without a click
        yield (
            history,
            panel.choices(state, turn, 0),
            "",
            gr.update(value=self.export(state), interactive=True),
            *panel.open_item(state, turn, 0),
        )

    def _retrieval_query(self, conversation: Conversation, question: str, mode: str) -> str:
        """A follow-up is searched with the conversation's subject; with a model at hand, the model
        rewrites it as a standalone question (and when it cannot, the heuristic still carries the subject)."""
        generator = self.assistant.generators.get(mode) if mode != "extractive" else None
        try:
            return conversation.query_for(question, condense=generator.condense if generator else None)
        except Exception:
            return conversation.query_for(question)

    def open_request(self, request, state):
        """'cite-T-N' (citation N of answer T) or 'page-T-I' (nearest page I), from a link in the chat."""
        kind, _, numbers = (request or "").partition("-")
        try:
            turn, index = (int(n) for n in numbers.split("-"))
        except ValueError:
            return gr.update(), *self.panel.unchanged(state)
        index = index - 1 if kind == "cite" else index
        if not 0 <= turn < len(state["answers"]):
            return gr.update(), *self.panel.unchanged(state)
        return self.panel.choices(state, turn, index), *self.panel.open_item(state, turn, index)

    def step_citation(self, index, state, delta: int):
        turn = state.get("shown")
        if turn is None or not evidence_choices(state["answers"][turn]):
            return gr.update(), *self.panel.unchanged(state)
        index = ((index or 0) + delta) % len(evidence_choices(state["answers"][turn]))
        return gr.update(value=index), *self.panel.open_item(state, turn, index)

    def new_conversation(self):
        state = new_state()
        return (
            [],
            gr.update(choices=[], value=None),
            gr.update(value=None, interactive=False),
            *self.panel.empty(state),
        )

    def export(self, state) -> str:
        """The conversation so far as a Markdown file, set as the export button's value after each answer
        (a DownloadButton downloads the value it holds when clicked, so it must be ready beforehand)."""
        path = Path(tempfile.mkdtemp(dir=self.exports)) / "conversation.md"
        path.write_text(conversation_markdown(state["answers"], by_kind(self.library.documents())), encoding="utf-8")
        return str(path)

    def library_outputs(self, message: str, update: str | None = None):
        """The result line, then everything that shows the library (and the changes of `update`)."""
        choices, documents = self.doc_choices(), self.library.documents()
        return (
            message,
            library_rows(documents),
            library_line(documents),
            gr.update(choices=choices),
            gr.update(choices=choices[1:]),
            gr.update(choices=choices[1:], value=None),
            gr.update(choices=update_choices(self.library), value=update),
            show_update(self.library, update),
        )

    def upload(self, files, request: gr.Request = None, progress=gr.Progress()):
        if not may_change_library(self.settings, request):
            return self.library_outputs(NEEDS_LOGIN)
        if not files:
            return self.library_outputs("No file chosen.")
        before = {r.id: r.version for r in self.library.documents()}
        message = upload_files(self.library, self.uploads, files, progress)
        return self.library_outputs(message, new_update(before, self.library))

    def ask_to_remove(self, doc_id):
        question = confirm_text(self.library, doc_id)
        if question is None:
            return "Choose a document to remove.", gr.update(visible=False), ""
        return "", gr.update(visible=True), question

    def remove(self, doc_id, request: gr.Request = None):
        if not may_change_library(self.settings, request):
            return self.library_outputs(NEEDS_LOGIN)
        if not doc_id:
            return self.library_outputs("Choose a document to remove.")
        return self.library_outputs(remove_document(self.library, doc_id))

    def versions_of(self, doc_id):
        return gr.update(**version_choices(self.library, doc_id))

    def api_ask(self, question: str, doc_id: str = "", mode: str = "extractive") -> dict:
        """Ask one question; returns the same JSON as `report-assistant ask --json`."""
        try:
            return self.assistant.ask(question, doc_id=doc_id or None, mode=mode).to_json()
        except Exception as exc:  # the caller sees why, in one line
            raise gr.Error(self.failure_text(exc, "api /ask")) from None
