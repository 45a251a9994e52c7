"""A cited page as a reader sees it: its stored text, the quote highlighted, and for PDFs an
image of the page rendered from the copy kept in the data dir."""
from __future__ import annotations

import html
import re
from functools import lru_cache

from ingest.loaders import load_document


class PageViewer:
    def __init__(self, library):
        self.library = library

    def _record(self, doc_id: str):
        return next((r for r in self.library.documents() if r.id == doc_id), None)

    def page_text(self, doc_id: str, label: str) -> str:
        return self._page(doc_id, label)[0]

    def _page(self, doc_id: str, label: str) -> tuple[str, tuple[str, ...]]:
        record = self._record(doc_id)
        if record is None:
            return "", ()
        return _pages_of(str(self.library.files_dir / record.stored_file), self.library.limits).get(label, ("", ()))

    def highlighted_html(self, doc_id: str, label: str, quote: str) -> str:
        """The page text, escaped, with the quoted sentence marked (whitespace may differ), and the
        editor's notes on that page beside it (never quoted as evidence)."""
        text, notes = self._page(doc_id, label)
        if not text:
            return "<p><em>The page text is no longer stored (the document was updated or removed).</em></p>"
        notes_html = "".join(f"<div class='editor-note'><strong>Editor's note:</strong> {html.escape(n)}</div>"
                             for n in notes)
        pattern = r"\s+".join(re.escape(word) for word in quote.split())
        match = re.search(pattern, text)
        if not match:
            return f"<div class='page-text'>{html.escape(text)}</div>{notes_html}"
        return ("<div class='page-text'>" + html.escape(text[:match.start()]) + "<mark>"
                + html.escape(match.group(0)) + "</mark>" + html.escape(text[match.end():]) + "</div>" + notes_html)

    def render_pdf_page(self, doc_id: str, pdf_page: int | None, scale: float = 1.4):
        """PIL image of a physical PDF page (1-based), or None for non-PDF documents."""
        record = self._record(doc_id)
        if record is None or pdf_page is None or not record.stored_file.endswith(".pdf"):
            return None
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(self.library.files_dir / record.stored_file))
        try:
            return pdf[pdf_page - 1].render(scale=scale).to_pil()
        finally:
            pdf.close()


@lru_cache(maxsize=16)
def _pages_of(path: str, limits) -> dict[str, tuple[str, tuple[str, ...]]]:
    """label → (text, editor's notes); pages sharing a label are read as one."""
    pages: dict[str, tuple[str, tuple[str, ...]]] = {}
    for page in load_document(path, limits).pages:
        text, notes = pages.get(page.label, ("", ()))
        pages[page.label] = ((text + "\n" if text else "") + page.text, notes + page.notes)
    return pages
