"""Pages → chunks: sentence-aware, never across a page boundary, sized for the embedder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .outline import Section
from .pages import Page
from .sentences import sentence_spans

TokenCounter = Callable[[str], int]
_HEADING = re.compile(r"^#{1,6}\s")


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    doc_kind: str
    title: str
    version: int
    page_label: str
    page_index: int
    pdf_page: int | None
    char_start: int
    char_end: int
    text: str
    section: str = ""  # heading path, e.g. "3 Lessons > 3.1 Variations"; "" before any heading

    @property
    def doc_key(self) -> str:
        return f"{self.doc_id}@{self.version}"

    def embedding_text(self) -> str:
        """What the embedder reads: the title and the section give a short chunk its context."""
        section = context_line(self.section)
        return f"{self.title}\n{section}\n{self.text}" if section else f"{self.title}\n{self.text}"


SECTION_CONTEXT_WORDS = 14


def context_line(section: str) -> str:
    """The innermost section title, cut short: the context line an embedded chunk carries."""
    return " ".join(section.split(" > ")[-1].split()[:SECTION_CONTEXT_WORDS])


def approximate_tokens(text: str) -> int:
    return int(len(text.split()) * 1.4) + 1


def chunk_pages(
    pages: list[Page],
    *,
    doc_id: str,
    doc_kind: str,
    title: str,
    version: int,
    max_tokens: int,
    count_tokens: TokenCounter = approximate_tokens,
    outline: list[Section] | None = None,
) -> list[Chunk]:
    """Chunks with the section each lies in, from the document's outline."""
    starts = _section_starts(pages, outline or [])
    chunks: list[Chunk] = []
    open_sections: list[Section] = []  # outermost first; runs across pages
    for page in pages:
        for start, end in _page_spans(page.text, max_tokens, count_tokens):
            while starts and starts[0][0] <= (page.index, start):
                section = starts.pop(0)[1]
                open_sections = [s for s in open_sections if s.level < section.level] + [section]
            chunks.append(
                Chunk(
                    id=f"{doc_id}@{version}:{page.index}:{start}",
                    doc_id=doc_id,
                    doc_kind=doc_kind,
                    title=title,
                    version=version,
                    page_label=page.label,
                    page_index=page.index,
                    pdf_page=page.pdf_page,
                    char_start=start,
                    char_end=end,
                    text=page.text[start:end],
                    section=" > ".join(s.title for s in open_sections)[:300],
                )
            )
    return chunks


def _section_starts(pages: list[Page], outline: list[Section]) -> list[tuple[tuple[int, int], Section]]:
    """Where each section starts: (page index, offset of its title in that page's text, or 0),
    in reading order. A section whose page is unknown is left out."""
    index_of = {}
    for page in pages:
        index_of.setdefault(("pdf", page.pdf_page), page.index)
        index_of.setdefault(("label", page.label), page.index)
    text_of = {page.index: page.text for page in pages}
    starts = []
    for section in outline:
        index = index_of.get(("pdf", section.pdf_page)) if section.pdf_page else index_of.get(("label", section.page))
        if index is None:
            continue
        words = [re.escape(w) for w in section.title.split()[:8]]
        found = re.search(r"\W+".join(words), text_of[index], re.I) if words else None
        line_start = text_of[index].rfind("\n", 0, found.start()) + 1 if found else 0  # the heading's '#'
        starts.append(((index, line_start), section))
    return sorted(starts, key=lambda item: item[0])


def _page_spans(text: str, max_tokens: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    pieces = []
    for start, end in sentence_spans(text):
        pieces.extend(_split_long(text, start, end, max_tokens, count_tokens))
    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    current_tokens = 0
    for start, end in pieces:
        tokens = count_tokens(text[start:end])
        # a heading starts a chunk, so every chunk lies in one section (headings stay with their text)
        full = current_tokens + tokens > max_tokens or _is_heading(text, start, end)
        if current and full and not _is_heading(text, *current):
            spans.append(current)
            current, current_tokens = None, 0
        current = (current[0] if current else start, end)
        current_tokens += tokens
    if current:
        spans.append(current)
    # a heading kept with a piece that already fills the budget would overflow it: cut at words
    return [piece for span in spans for piece in _split_long(text, *span, max_tokens, count_tokens)]


def _is_heading(text: str, start: int, end: int) -> bool:
    lines = text[start:end].strip().splitlines()
    return bool(lines) and all(_HEADING.match(line) for line in lines)


def _split_long(text: str, start: int, end: int, max_tokens: int, count_tokens: TokenCounter) -> list[tuple[int, int]]:
    """A 'sentence' longer than the model reads (a table, a list without stops) is cut at words."""
    if count_tokens(text[start:end]) <= max_tokens:
        return [(start, end)]
    words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    pieces, first = [], 0
    while first < len(words):
        last = first + 1
        while last < len(words) and count_tokens(text[start + words[first][0] : start + words[last][1]]) <= max_tokens:
            last += 1
        pieces.append((start + words[first][0], start + words[last - 1][1]))
        first = last
    return pieces
