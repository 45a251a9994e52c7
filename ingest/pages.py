"""Pages are data: what every loader returns and every later step reads."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .errors import ReportAssistantError

_RANGE = re.compile(r"^(\d+|[ivxlc]+)-(\d+|[ivxlc]+)$", re.I)


class DocumentError(ReportAssistantError):
    """A file that cannot be ingested; the message is one line naming the reason."""


@dataclass(frozen=True)
class Page:
    index: int  # 1-based position in the file (the physical PDF page for PDFs)
    label: str  # the printed page label a reader would look for
    text: str
    is_pdf: bool = False  # whether `index` is a physical PDF page
    furniture: tuple[str, ...] = ()  # running headers, footers and page numbers taken out of `text`
    notes: tuple[str, ...] = ()  # editor's notes: shown with the page, never quoted as evidence

    @property
    def pdf_page(self) -> int | None:
        return self.index if self.is_pdf else None


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 200 * 1024 * 1024
    max_pages: int = 3000
    max_chars_per_page: int = 200_000
    parse_timeout_s: int = 120
    parse_memory_mb: int = 2048


@dataclass
class LoadedDocument:
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)  # e.g. pages with no text layer
    outline: list = field(default_factory=list)  # outline.Section, in reading order
    contents_lines: int = 0  # contents-page lines kept out of the text
    tables: int = 0
    title: str = ""  # the file's own title (PDF metadata or first heading)

    @property
    def text_sha256(self) -> str:
        """Hash of the text and its page labels only, so a touched or re-saved file is unchanged."""
        digest = hashlib.sha256()
        for page in self.pages:
            digest.update(f"\x00{page.label}\x00{page.text}".encode())
        return digest.hexdigest()

    def page_hashes(self) -> dict[str, str]:
        """Short hash per page, keyed by label (a repeated label gets '#2', '#3', ...)."""
        hashes: dict[str, str] = {}
        for page in self.pages:
            key, n = page.label, 1
            while key in hashes:
                n += 1
                key = f"{page.label}#{n}"
            hashes[key] = hashlib.sha256(page.text.encode()).hexdigest()[:16]
        return hashes


def page_reference(label: str) -> str:
    """How a page is named to a reader: 'p. 43', or for a section whose exact page is not known,
    'pp. 3-27 (exact page not known)' — never a single page nobody checked."""
    if _RANGE.match(label or ""):
        return f"pp. {label} (exact page not known)"
    return f"p. {label}"
