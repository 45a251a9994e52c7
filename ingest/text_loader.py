"""Markdown and plain text → pages. Markdown pages start at `<!-- page LABEL -->` lines."""

from __future__ import annotations

import re
from pathlib import Path

from .pages import DocumentError, Limits, LoadedDocument, Page

PAGE_MARKER = re.compile(r"^[ \t]*<!--\s*page\s+([^\s<>]{1,40})\s*-->[ \t]*$", re.M | re.I)
# an HTML comment that looks like a page marker but is not one ("<!-- page -->", "<!-- pages 3 4 -->")
_MARKER_LIKE = re.compile(r"<!--\s*pages?\b.*?-->", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# An editor's note: a blockquote opened by "> [!NOTE]" (GitHub's alert syntax), up to the first
# line that is not quoted. Notes are shown with their page but never quoted as the document.
_NOTE = re.compile(r"^[ \t]*>[ \t]*\[!NOTE\][ \t]*\n((?:[ \t]*>.*(?:\n|$))*)", re.M | re.I)
_FORM_FEED = "\f"  # plain-text exports of PDFs separate pages with form feeds


def read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark (Windows "Unicode")
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError("the file starts like UTF-16 text but is not valid UTF-16") from None
    if b"\x00" in raw[:8192]:
        raise DocumentError("the file looks binary, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def parse_markdown_pages(text: str, limits: Limits = Limits()) -> LoadedDocument:
    markers = list(PAGE_MARKER.finditer(text))
    if not markers:
        return _single_or_form_feed_pages(text, limits)
    real = {text.index("<!--", m.start()) for m in markers}
    warnings = [
        f"line {text.count(chr(10), 0, m.start()) + 1}: '{' '.join(m.group(0).split())[:60]}' is not "
        "a page marker (a marker is <!-- page LABEL --> on a line of its own); it was left out of the text"
        for m in _MARKER_LIKE.finditer(text)
        if m.start() not in real
    ]
    preamble = text[: markers[0].start()].strip()
    if preamble:
        warnings.append("text before the first page marker is kept as page 'front'")
    pages = [_page(1, "front", preamble)] if preamble else []
    seen: set[str] = {"front"} if preamble else set()
    for number, marker in enumerate(markers):
        end = markers[number + 1].start() if number + 1 < len(markers) else len(text)
        label = marker.group(1).replace("–", "-")
        if label in seen:
            raise DocumentError(f"page marker '{label}' appears twice")
        seen.add(label)
        pages.append(_page(len(pages) + 1, label, text[marker.end() : end]))
    return _checked(pages, warnings, limits)


def parse_plain_text_pages(text: str, limits: Limits = Limits()) -> LoadedDocument:
    return _single_or_form_feed_pages(text, limits)


def _single_or_form_feed_pages(text: str, limits: Limits) -> LoadedDocument:
    parts = text.split(_FORM_FEED) if _FORM_FEED in text else [text]
    pages = [_page(i + 1, str(i + 1), part) for i, part in enumerate(parts)]
    return _checked(pages, [], limits)


def _page(index: int, label: str, raw: str) -> Page:
    notes = tuple(
        " ".join(re.sub(r"^[ \t]*>[ \t]?", "", line) for line in m.group(1).splitlines()).strip()
        for m in _NOTE.finditer(raw)
    )
    text = _COMMENT.sub("", _NOTE.sub("", raw))
    return Page(
        index=index, label=label, text=re.sub(r"\n{3,}", "\n\n", text).strip("\n"), notes=tuple(n for n in notes if n)
    )


def _checked(pages: list[Page], warnings: list[str], limits: Limits) -> LoadedDocument:
    if not any(page.text.strip() for page in pages):
        raise DocumentError("the file has no text")
    if len(pages) > limits.max_pages:
        raise DocumentError(f"the file has {len(pages)} pages, more than the limit of {limits.max_pages}")
    for page in pages:
        if len(page.text) > limits.max_chars_per_page:
            raise DocumentError(
                f"page {page.label} holds {len(page.text)} characters, "
                f"more than the limit of {limits.max_chars_per_page}"
            )
    empty = [page.label for page in pages if not page.text.strip()]
    if empty:
        warnings = warnings + [f"pages with no text: {', '.join(empty)}"]
    return LoadedDocument(pages=pages, warnings=warnings)
