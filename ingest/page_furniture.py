"""Running headers, footers and page numbers: found by position and repetition across pages, never
by what they say, so it works on reports nobody here has seen."""

from __future__ import annotations

import re
from collections import Counter

from .pdf_spans import Span

EDGE_SHARE = 0.15  # the top and bottom 15% of a page is where headers and footers live
EDGE_SPANS = 3  # and they are among the first or last few spans there
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
    # numbers are left out, so "Report 2023 | 6" and "Report 2023 | 7" (or "7" cut off as its own
    # span) are the same running title
    text = _ROMAN_WORD.sub(" ", _DIGITS.sub(" ", span.text.lower()))
    return where, " ".join(text.split()).strip(" |·•–—-")


def find_furniture(pages: list[list[Span]], heights: list[float], labels: list[str]) -> list[set[int]]:
    """For each page, the indexes of its spans that are page furniture: text repeated at the same
    edge of several pages (numbers ignored, so 'Page 3' and 'Page 4' repeat), bare page numbers,
    and an edge span that carries the page's own printed number."""
    edges = [edge_spans(spans, height) for spans, height in zip(pages, heights)]
    counts = Counter(key for page_edges, height in zip(edges, heights) for key in {_key(s, height) for s in page_edges})
    repeats = min(3, max(2, len(pages) // 2))
    out = []
    for spans, page_edges, height, label in zip(pages, edges, heights, labels):
        furniture = set()
        for span in page_edges:
            key = _key(span, height)
            repeated = bool(key[1]) and counts[key] >= repeats and _set_apart(span, spans, height)
            if repeated or _page_number(span, spans, label) or _ends_with_label(span.text, label):
                furniture.add(next(i for i, s in enumerate(spans) if s is span))
        # a running title printed on the same line as the page number is furniture too
        numbers = [spans[i] for i in furniture if _page_number(spans[i], spans, label)]
        for i, span in enumerate(spans):
            if (
                span in page_edges
                and any(abs(span.middle - n.middle) < 0.5 * n.size for n in numbers)
                and _set_apart(span, spans, height)
            ):
                furniture.add(i)
        if len(furniture) == len(spans):  # a page is never all furniture: its only line is its text
            furniture = {i for i in furniture if _BARE_NUMBER.match(spans[i].text)}
        out.append(furniture)
    return out


def _page_number(span: Span, spans: list[Span], label: str) -> bool:
    """A bare number at the edge is the page number when it is the page's label, or when it
    stands alone on its line (a table row that starts a page has other cells beside it)."""
    if not _BARE_NUMBER.match(span.text):
        return False
    if label and span.text.lower().split()[-1] == label.lower():
        return True
    return not any(other is not span and abs(other.middle - span.middle) < 0.5 * span.size for other in spans)


def _set_apart(span: Span, spans: list[Span], height: float) -> bool:
    """A header or footer stands apart from the body: more white space than a line gap lies
    between it and the nearest text above or below it (towards the middle of the page)."""
    in_line = [s for s in spans if s is not span and min(s.x1, span.x1) > max(s.x0, span.x0)]
    if span.middle > height / 2:
        gaps = [span.y0 - s.y1 for s in in_line if s.y1 <= span.y0 + 0.5]
    else:
        gaps = [s.y0 - span.y1 for s in in_line if s.y0 >= span.y1 - 0.5]
    return not gaps or min(gaps) >= 0.5 * span.size


def _ends_with_label(text: str, label: str) -> bool:
    """A running title printed beside this page's own number ('Annual report 2023 | 14')."""
    if not label or not label.isalnum() or len(text.split()) > 16:
        return False
    words = text.replace("|", " ").split()
    return len(words) > 1 and (words[-1].lower() == label.lower() or words[0].lower() == label.lower())
