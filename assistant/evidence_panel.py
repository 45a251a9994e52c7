"""The evidence panel: a cited page with its quote marked (in the text and on the PDF page image),
and a page viewer around it — previous/next page, a page by its label, a section of the outline,
any document of the library.

Every handler returns the same outputs, in the order of `EvidencePanel.OUTPUTS`: title, status
line, page text, page image, document choice, page label box, section choice, session state."""

from __future__ import annotations

import html

import gradio as gr

from ingest.pages import page_reference

from .answer_view import evidence_choices, safe_markdown
from .page_view import PageViewer

LOCATED = "The quote is marked on the page image (click the image to zoom)."
NOT_LOCATED = (
    "The quote could not be located on the page image with confidence, so nothing is marked on "
    "the image; it is marked in the page text."
)
OUTPUTS = ("title", "status", "text", "image", "document", "page_label", "section", "state")


class EvidencePanel:
    def __init__(self, library):
        self.library = library
        self.viewer = PageViewer(library)

    def unchanged(self, state):
        return (*(gr.update() for _ in OUTPUTS[:-1]), state)

    def empty(self, state, message: str = ""):
        state["view"] = None
        return ("", message, "", "", gr.update(), gr.update(value=""), gr.update(choices=[], value=None), state)

    def open_item(self, state, turn: int, index: int):
        """Citation `index` (0-based) of answer `turn`, or a refusal's nearest page `index`."""
        answers = state["answers"]
        if not 0 <= turn < len(answers):
            return self.empty(state)
        answer = answers[turn]
        items = answer.nearest_pages if answer.abstained else answer.citations
        if not items:
            return self.empty(state)
        state["shown"] = turn
        item = items[int(index) % len(items)]
        position = self.viewer.position(item.doc_id, item.page, item.pdf_page, item.version)
        if position is None:
            return self.empty(state, "**That page is no longer stored** (the document was updated or removed).")
        if answer.abstained:
            return self.show(state, item.doc_id, position, heading="Nearest page: ", version=item.version)
        number = int(index) % len(items) + 1
        return self.show(
            state,
            item.doc_id,
            position,
            heading=f"[{number}] ",
            quote=item.quote,
            boxes=item.boxes,
            version=item.version,
        )

    def choices(self, state, turn: int, index: int):
        """The citation list (or nearest pages) of answer `turn`, with `index` selected."""
        return gr.update(choices=evidence_choices(state["answers"][turn]), value=index)

    def step_page(self, state, delta: int):
        view = state.get("view")
        if not view:
            return self.empty(state, "Open a citation or choose a document first.")
        count = len(self.viewer.pages(view["doc_id"], view.get("version")))
        return self.show(
            state, view["doc_id"], min(max(view["position"] + delta, 0), max(count - 1, 0)), version=view.get("version")
        )

    def go_to_label(self, state, label: str):
        view = state.get("view")
        if not view:
            return self.empty(state, "Open a citation or choose a document first.")
        label, version = (label or "").strip(), view.get("version")
        position = self.viewer.position(view["doc_id"], label, version=version)
        if position is None and label.lower().startswith("pdf"):  # "PDF 12": a physical page
            digits = "".join(ch for ch in label if ch.isdigit())
            position = self.viewer.position(view["doc_id"], pdf_page=int(digits), version=version) if digits else None
        if position is None:
            result = list(self.show(state, view["doc_id"], view["position"], version=version))
            result[1] = (
                f"**No page {safe_markdown(label)} in this document.** "
                "Type a printed page label (e.g. 12 or iv) or 'PDF 12'."
            )
            return tuple(result)
        return self.show(state, view["doc_id"], position, version=version)

    def go_to_section(self, state, index):
        view = state.get("view")
        sections = self.library.outline(view["doc_id"], view.get("version")) if view else None
        if not sections or index is None or not 0 <= int(index) < len(sections):
            return self.step_page(state, 0)
        section = sections[int(index)]
        position = self.viewer.position(view["doc_id"], section["page"], section.get("pdf_page"), view.get("version"))
        return self.show(
            state,
            view["doc_id"],
            view["position"] if position is None else position,
            section_index=int(index),
            version=view.get("version"),
        )

    def open_document(self, state, doc_id: str):
        if not doc_id or not self.viewer.pages(doc_id):
            return self.empty(state)
        return self.show(state, doc_id, 0)

    def show(
        self,
        state,
        doc_id: str,
        position: int,
        *,
        heading: str = "",
        quote: str | None = None,
        boxes: list | None = None,
        section_index: int | None = None,
        version: int | None = None,
    ):
        """`version`: a kept version of the document (default: the live one)."""
        pages = self.viewer.pages(doc_id, version)
        record = self.library.version_record(doc_id, version)
        if not pages or record is None or not 0 <= position < len(pages):
            return self.empty(state, "**That page is no longer stored** (the document was updated or removed).")
        page = pages[position]
        state["view"] = {"doc_id": doc_id, "position": position, "version": version}
        pdf = (
            f" · PDF page {page.index} of {len(pages)}"
            if page.is_pdf
            else f" · page {position + 1} of {len(pages)} in the file"
        )
        title = (
            f"{html.escape(heading)}**{safe_markdown(record.title)}** — **{html.escape(page_reference(page.label))}**"
            f"{pdf} · version {record.version}"
        )
        status = ""
        try:
            image = self.viewer.image_html(doc_id, page, boxes, version)
        except Exception as exc:  # a stored copy that cannot be rendered: the text still shows
            image, status = "", f"**The page image could not be drawn:** {html.escape(str(exc))[:200]}"
        if quote and image:
            status = LOCATED if boxes else NOT_LOCATED
        sections = self.library.outline(doc_id, version) or []
        section_choices = [
            (f"{'· ' * (s['level'] - 1)}{s['title']} — {page_reference(s['page']) if s['page'] else 'page unknown'}", i)
            for i, s in enumerate(sections)
        ]
        return (
            title,
            status,
            self.viewer.page_html(page, quote),
            image,
            gr.update(value=doc_id),
            gr.update(value=page.label),
            gr.update(choices=section_choices, value=section_index),
            state,
        )
