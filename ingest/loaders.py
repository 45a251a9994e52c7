"""Any supported file → pages: checks size and real type (magic bytes), then picks the parser."""

from __future__ import annotations

from pathlib import Path

from .isolation import parse_isolated
from .outline import from_headings
from .pages import DocumentError, Limits, LoadedDocument
from .pdf_loader import parse_pdf_pages
from .text_loader import parse_markdown_pages, parse_plain_text_pages, read_text_file

SUPPORTED_SUFFIXES = {".pdf", ".md", ".markdown", ".txt"}
# the reading rules' edition: raised when the same file may now read as other text (a layout fix).
# A document read by older rules is read again at its next ingest, and stored again if its text changed.
READING = 3
_NOT_TEXT_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (or Office file)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF-": "a PDF",
}


def load_document(path: Path, limits: Limits = Limits(), *, isolate: bool = False) -> LoadedDocument:
    """`isolate` parses PDFs in a child process with the limits' time and memory caps (for files
    not yet trusted: every ingest). Markdown and text are parsed here: pure Python, size-capped."""
    path = Path(path)
    if not path.exists():
        raise DocumentError("file not found")
    if not path.is_file():
        raise DocumentError("not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported file type '{suffix or 'none'}' (use PDF, Markdown or text)")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("the file is empty")
    if size > limits.max_file_bytes:
        raise DocumentError(
            f"the file is {size // (1024 * 1024)} MB, more than the limit of "
            f"{limits.max_file_bytes // (1024 * 1024)} MB"
        )
    with path.open("rb") as handle:
        head = handle.read(1024)
    if suffix == ".pdf":
        if b"%PDF-" not in head:
            raise DocumentError(f"not really a PDF (starts like {_describe(head)})")
        return parse_isolated(path, limits) if isolate else parse_pdf_pages(path, limits)
    kind = _binary_kind(head)
    if kind:
        raise DocumentError(f"not really text: the file is {kind}")
    text = read_text_file(path)
    if suffix in (".md", ".markdown"):
        loaded = parse_markdown_pages(text, limits)
        loaded.outline = from_headings(loaded.pages)
        return loaded
    return parse_plain_text_pages(text, limits)


def _binary_kind(head: bytes) -> str | None:
    return next((kind for magic, kind in _NOT_TEXT_MAGIC.items() if head.startswith(magic)), None)


def _describe(head: bytes) -> str:
    kind = _binary_kind(head)
    if kind:
        return kind
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if stripped.startswith((b"<?xml", b"<svg")):
        return "an XML/SVG file"
    return "something else"
