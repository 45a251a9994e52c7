"""Running headers, footers and page numbers: found by position and repetition across pages, never
by what they say, so it works on reports nobody here has seen."""
from __future__ import annotations

import re
from collections import Counter

from .pdf_spans import Span

EDGE_SHARE = 0.15       # the top and bottom 15% of a page is where headers and footers live
EDGE_SPANS = 3          # and they are among the first or last few spans there
_DIGITS = re.compile(r"\d+")
_ROMAN_WORD = re.compile(r"\b[ivxlc]{1,7}\b", re.I)
_BARE_NUMBER = re.compile(r"^(?:page\s*)?(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)


def edge_spans(spans: list[Span], height: float) -> list[Span]:
    """Spans at the top or bottom edge of a page, top first."""
    ordered = sorted(spans, key=lambda s: -s.middle)
    top = [s for s in ordered[:EDGE_SPANS] if s.y0 >= height * (1 - EDGE_SHARE)]
    bottom = [s for s in ordered[-EDGE_SPANS:] if s.y1 <= height * EDGE_SHARE]
    return top + [s for s in bottom if s not in top]


def _key(span: Span, height: float) -> tuple[str, str]:
    where = "top" if span.middle > height / 2 else "bottom"
    text = _ROMAN_WORD.sub("#", _DIGITS.sub("#", span.text.lower()))
    return where, " ".join(text.split())


def find_furniture(pages: list[list[Span]], heights: list[float], labels: list[str]) -> list[set[int]]:
    """For each page, the indexes of its spans that are page furniture: text repeated at the same
    edge of several pages (numbers ignored, so 'Page 3' and 'Page 4' repeat), bare page numbers,
    and an edge span that carries the page's own printed number."""
    edges = [edge_spans(spans, height) for spans, height in zip(pages, heights)]
    counts = Counter(key for page_edges, height in zip(edges, heights)
                     for key in {_key(s, height) for s in page_edges})
    repeats = min(3, max(2, len(pages) // 2))
    out = []
    for spans, page_edges, height, label in zip(pages, edges, heights, labels):
        furniture = set()
        for span in page_edges:
            if counts[_key(span, height)] >= repeats or _BARE_NUMBER.match(span.text) \
                    or _ends_with_label(span.text, label):
                furniture.add(next(i for i, s in enumerate(spans) if s is span))
        out.append(furniture)
    return out


def _ends_with_label(text: str, label: str) -> bool:
    """A running title printed beside this page's own number ('Annual report 2023 | 14')."""
    if not label or not label.isalnum() or len(text.split()) > 16:
        return False
    words = text.replace("|", " ").split()
    return len(words) > 1 and (words[-1].lower() == label.lower() or words[0].lower() == label.lower())
