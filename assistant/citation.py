"""What an answer points at, as typed records with one formatter each for text, Markdown and JSON:
a `PageRef` (a page of a document: a refusal's nearest pages), a `Citation` (a page and the
sentence quoted from it) and an `AnswerSentence` (a line of an answer and the citation it carries)."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.pages import page_reference

from .markdown_text import safe_markdown


@dataclass(frozen=True)
class PageRef:
    doc_id: str
    title: str
    page: str  # the printed page label a reader looks for
    pdf_page: int | None  # the physical PDF page (1-based), None for other files
    section: str | None  # the heading path the page's text sits under
    version: int  # the document version the page was read from

    def text(self) -> str:
        """'Title, Section, p. 4, PDF page 6 (doc-id, version 2)': how a page is named everywhere people
        read it; the id and version let anyone ask that version again (`ask --doc ID --version N`) and
        `report-assistant verify` re-check a quote."""
        parts = [
            self.title,
            self.section,
            page_reference(self.page),
            f"PDF page {self.pdf_page}" if self.pdf_page else None,
        ]
        return ", ".join(part for part in parts if part) + f" ({self.doc_id}, version {self.version})"

    def markdown(self) -> str:
        """The same, inert for a Markdown renderer (a title read from a PDF is untrusted)."""
        return safe_markdown(self.text())

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "page": self.page,
            "pdf_page": self.pdf_page,
            "section": self.section,
            "version": self.version,
        }


@dataclass(frozen=True)
class Citation(PageRef):
    quote: str  # text that occurs on that page of the stored document
    boxes: tuple | None = None  # for a PDF page: the quote's lines in PDF points ([] when not located)

    def to_json(self) -> dict:
        data = super().to_json() | {"quote": self.quote}
        if self.boxes is not None:
            data["boxes"] = [list(box) for box in self.boxes]
        return data


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    supported: bool
    citation: int | None  # the number of its citation (1-based), None when unsupported
    support: float
    repaired: bool = False  # a model's near-quote, shown as the stored sentence
    conflict: str | None = None  # why a sentence that read like a stored one was refused
    continues: bool = False  # shown on the same line as the sentence before

    def to_json(self) -> dict:
        data = {
            "text": self.text,
            "supported": self.supported,
            "citation": self.citation,
            "support": round(self.support, 3),
        }
        if self.repaired:
            data["repaired"] = True
        if self.conflict:
            data["conflict"] = self.conflict
        if self.continues:
            data["continues"] = True
        return data
