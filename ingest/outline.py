"""A document's outline (section titles, levels and start pages) and its contents pages.

The outline comes from the PDF's own bookmarks when it has them, else from its contents pages,
else from the headings found in the text. Contents pages are recognised by their layout (lines
that end in page numbers, often with dot leaders, in rising order), and their lines are never
evidence."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

_LEADER = re.compile(r"(?:\.\s?){3,}|…{2,}|_{4,}")
_ENTRY = re.compile(r"^(?P<title>.*?\S)\s*(?:(?:\.\s?){2,}|…+|_{3,}|\s)\s*\[?(?P<page>\d{1,4}|[ivxlc]{1,6})\]?$", re.I)
_NUMBERED = re.compile(r"^((?:\d{1,2}|[A-Z])(?:\.\d{1,2})*)\.?\s+\S")
MIN_ENTRIES = 4


@dataclass(frozen=True)
class Section:
    title: str
    level: int  # 1 = top level
    page: str  # printed page label
    pdf_page: int | None  # physical page (1-based), when known

    def to_json(self) -> dict:
        return asdict(self)


def contents_entries(lines: list[str]) -> list[tuple[int, str, str]] | None:
    """If these lines (one page, furniture removed) are a contents page or a list of figures or
    tables, their entries as (line index, title, printed page); else None. A title wrapped over
    two lines is joined."""
    entries, pending = [], []
    for index, line in enumerate(lines):
        match = _ENTRY.match(line)
        if match and len(match.group("title").split()) <= 25:
            title = " ".join(pending + [_LEADER.sub(" ", match.group("title")).strip(" .")])
            entries.append((index, " ".join(title.split()), match.group("page")))
            pending = []
        elif 4 <= len(line.split()) <= 12 and not line.rstrip().endswith("."):
            pending = [line.strip()]  # maybe the first line of a wrapped entry
        else:
            pending = []
    if len(entries) < MIN_ENTRIES:
        return None
    leaders = sum(bool(_LEADER.search(lines[i])) for i, _, _ in entries)
    numbers = [int(p) for _, _, p in entries if p.isdigit()]
    rising = sum(b >= a for a, b in zip(numbers, numbers[1:])) >= 0.8 * max(1, len(numbers) - 1)
    share = len(entries) / max(1, len(lines))
    if leaders >= MIN_ENTRIES or (rising and share >= 0.5 and len(set(numbers)) >= MIN_ENTRIES - 1):
        return entries
    return None


def contents_line_indexes(entries: list[tuple[int, str, str]], lines: list[str]) -> set[int]:
    """Lines that belong to contents entries, including the first half of a wrapped title."""
    out = set()
    for index, title, _ in entries:
        out.add(index)
        if index > 0 and lines[index - 1].strip() and title.startswith(lines[index - 1].strip()):
            out.add(index - 1)
    return out


def level_of(title: str, default: int = 1) -> int:
    """'3.1.2 Title' is level 3; an unnumbered title keeps the default."""
    match = _NUMBERED.match(title)
    return match.group(1).count(".") + 1 if match else default


def from_contents(entries: list[tuple[str, str]], pdf_page_of: dict[str, int]) -> list[Section]:
    return [Section(title, level_of(title), page, pdf_page_of.get(page.lower())) for title, page in entries]


def from_bookmarks(bookmarks: list[tuple[str, int, int | None]], labels: list[str]) -> list[Section]:
    """(title, 0-based level, 0-based page index) from the PDF → sections."""
    out = []
    for title, level, index in bookmarks:
        title = " ".join(title.split())
        if not title:
            continue
        known = index is not None and 0 <= index < len(labels)
        out.append(
            Section(
                title[:200], level_of(title, level + 1), labels[index] if known else "", index + 1 if known else None
            )
        )
    return out


_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


def from_headings(pages) -> list[Section]:
    """The '#' heading lines of each page's text, in order (Markdown, and PDFs without better)."""
    return [
        Section(m.group(2)[:200], len(m.group(1)), page.label, page.pdf_page)
        for page in pages
        for m in _MARKDOWN_HEADING.finditer(page.text)
    ]
