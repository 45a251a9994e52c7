"""A document's pages as a reader sees them: the stored text of any page (a quote marked in it, the
editor's notes beside it), and for PDFs an image of the page rendered from the copy kept in the
data dir, with the quote's boxes drawn over it."""

from __future__ import annotations

import base64
import html
import io
import re
from functools import lru_cache

from ingest.loaders import load_document
from ingest.pages import Page

IMAGE_SCALE = 2.0  # 144 dpi: small print stays readable when zoomed


class PageViewer:
    def __init__(self, library):
        self.library = library

    def _path(self, doc_id: str, version: int | None = None) -> str | None:
        record = self.library.version_record(doc_id, version)
        return str(self.library.files_dir / record.stored_file) if record else None

    def pages(self, doc_id: str, version: int | None = None) -> list[Page]:
        """A kept version's pages in file order (the live one's by default; [] for no such version)."""
        path = self._path(doc_id, version)
        return list(_pages_in_order(path, self.library.limits)) if path else []

    def position(
        self, doc_id: str, label: str | None = None, pdf_page: int | None = None, version: int | None = None
    ) -> int | None:
        """0-based position of a page, found by its physical PDF page or else its printed label."""
        pages = self.pages(doc_id, version)
        if pdf_page is not None and any(p.is_pdf for p in pages):
            return pdf_page - 1 if 0 < pdf_page <= len(pages) else None
        wanted = (label or "").strip().lower()
        wanted = wanted[3:].strip() if wanted.startswith(("pp.", "p. ")) else wanted.removeprefix("p.").strip()
        return next((i for i, p in enumerate(pages) if p.label.lower() == wanted), None)

    def page_text(self, doc_id: str, label: str) -> str:
        return self._by_label(doc_id, label)[0]

    def _by_label(self, doc_id: str, label: str) -> tuple[str, tuple[str, ...]]:
        path = self._path(doc_id)
        return _pages_by_label(path, self.library.limits).get(label, ("", ())) if path else ("", ())

    def highlighted_html(self, doc_id: str, label: str, quote: str) -> str:
        """The text of the page(s) with this label, escaped, the quoted sentence marked."""
        text, notes = self._by_label(doc_id, label)
        return text_html(text, notes, quote)

    def page_html(self, page: Page, quote: str | None = None) -> str:
        return text_html(page.text, page.notes, quote)

    def image_html(self, doc_id: str, page: Page, boxes: list | None = None, version: int | None = None) -> str:
        """The rendered PDF page with each box drawn over it, or '' for pages that are not PDF pages.
        Boxes are PDF points (origin bottom left); they are placed in percent of the page, so they
        stay on the words at any zoom."""
        path = self._path(doc_id, version)
        if not path or not page.is_pdf or not path.endswith(".pdf"):
            return ""
        picture, (left, bottom, width, height) = _render(path, page.index)
        marks = "".join(
            f"<div class='quote-box' style='left:{100 * (x0 - left) / width:.3f}%;"
            f"top:{100 * (bottom + height - y1) / height:.3f}%;width:{100 * (x1 - x0) / width:.3f}%;"
            f"height:{100 * (y1 - y0) / height:.3f}%'></div>"
            for x0, y0, x1, y1 in boxes or []
        )
        return (
            f"<div class='page-image' tabindex='0' aria-label='Image of PDF page {page.index}'>"
            f"<div class='page-canvas'><img alt='PDF page {page.index}' src='data:image/webp;base64,{picture}'>"
            f"{marks}</div></div>"
        )


def text_html(text: str, notes: tuple[str, ...], quote: str | None) -> str:
    """Page text, escaped, with the quote marked (whitespace may differ), and the editor's notes on
    that page beside it (never quoted as evidence)."""
    if not text:
        return "<p><em>The page text is no longer stored (the document was updated or removed).</em></p>"
    notes_html = "".join(
        f"<div class='editor-note'><strong>Editor's note:</strong> {html.escape(n)}</div>" for n in notes
    )
    match = re.search(r"\s+".join(re.escape(word) for word in quote.split()), text) if quote else None
    if not match:
        return f"<div class='page-text'>{html.escape(text)}</div>{notes_html}"
    return (
        "<div class='page-text'>"
        + html.escape(text[: match.start()])
        + "<mark>"
        + html.escape(match.group(0))
        + "</mark>"
        + html.escape(text[match.end() :])
        + "</div>"
        + notes_html
    )


@lru_cache(maxsize=16)
def _pages_in_order(path: str, limits) -> tuple[Page, ...]:
    return tuple(load_document(path, limits).pages)


@lru_cache(maxsize=16)
def _pages_by_label(path: str, limits) -> dict[str, tuple[str, tuple[str, ...]]]:
    """label → (text, editor's notes); pages sharing a label are read as one."""
    pages: dict[str, tuple[str, tuple[str, ...]]] = {}
    for page in _pages_in_order(path, limits):
        text, notes = pages.get(page.label, ("", ()))
        pages[page.label] = ((text + "\n" if text else "") + page.text, notes + page.notes)
    return pages


@lru_cache(maxsize=8)
def _render(path: str, pdf_page: int) -> tuple[str, tuple[float, float, float, float]]:
    """(base64 WebP of the page, its crop box as left, bottom, width, height in PDF points)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[pdf_page - 1]
        left, bottom, right, top = page.get_cropbox()
        image = page.render(scale=IMAGE_SCALE, rotation=0).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="WEBP", quality=82, method=2)
        return base64.b64encode(buffer.getvalue()).decode("ascii"), (left, bottom, right - left, top - bottom)
    finally:
        pdf.close()
