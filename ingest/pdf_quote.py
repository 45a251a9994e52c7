"""Where a quote sits on a PDF page: the boxes of its characters, from PDFium's text layer.

The stored page text is rebuilt for reading (columns in order, hyphens rejoined, headings, no
running headers), so it is not the PDF's own character stream. A quote is therefore matched on
letters and digits only: spaces, line breaks, hyphens and punctuation are ignored on both sides.
A match must be unique on the page; a quote whose parts lie in a different order on the page (a
sentence running from one column into the next) may be matched in up to three long, unique
pieces. Anything less certain gives no boxes: a missing highlight is better than a wrong one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .pdf_spans import char_boxes, footnote_marks

MIN_PIECE = 16  # letters and digits in a piece matched on its own
MAX_PIECES = 3


@dataclass(frozen=True)
class PageLetters:
    """A page's letters and digits, folded, with each one's character box in PDF points."""

    letters: str
    boxes: tuple[tuple[float, float, float, float], ...]  # (left, bottom, right, top) per letter


def quote_boxes(pdf_path: str | Path, pdf_page: int, quote: str) -> list[list[float]]:
    """[[x0, y0, x1, y1], ...] covering the quote on this page (1-based), one box per line of it;
    [] when it cannot be located with confidence."""
    try:
        page = page_letters(str(pdf_path), pdf_page)
    except Exception:  # a stored copy PDFium cannot read (gone, damaged): no boxes, the answer stands
        return []
    spans = locate(page.letters, fold(quote)[0])
    if not spans:
        return []
    return line_boxes([page.boxes[i] for start, end in spans for i in range(start, end)])


def fold(text: str) -> tuple[str, list[int]]:
    """Letters and digits of `text`, compatibility-decomposed (ligatures split) and case-folded,
    with the index in `text` each one came from."""
    letters, origin = [], []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKD", char).casefold():
            if folded.isalnum():
                letters.append(folded)
                origin.append(index)
    return "".join(letters), origin


def locate(page: str, quote: str) -> list[tuple[int, int]]:
    """Spans of `page` that spell `quote`: the whole of it once, or failing that, up to three
    pieces each long and found exactly once, in quote order. [] when not certain."""
    if len(quote) < MIN_PIECE // 2:
        return []
    whole = _occurrences(page, quote, limit=2)
    if len(whole) == 1:
        return [(whole[0], whole[0] + len(quote))]
    if whole:  # the quote occurs twice: which one was meant cannot be told
        return []
    spans, rest = [], quote
    while rest:
        length = _longest_unique_prefix(page, rest)
        if length < MIN_PIECE or len(spans) == MAX_PIECES:
            return []
        start = page.find(rest[:length])
        spans.append((start, start + length))
        rest = rest[length:]
        if 0 < len(rest) < MIN_PIECE:  # a short tail is only trusted where it follows on directly
            if page.startswith(rest, spans[-1][1]):
                spans[-1] = (spans[-1][0], spans[-1][1] + len(rest))
                rest = ""
            else:
                return []
    return spans


def _occurrences(text: str, needle: str, limit: int) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1 and len(found) < limit:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def _longest_unique_prefix(page: str, text: str) -> int:
    """Length of the longest prefix of `text` found exactly once in `page` (0 if none is).
    A longer prefix never occurs more often than a shorter one, so the length is bisected."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if page.find(text[:middle]) != -1:
            low = middle
        else:
            high = middle - 1
    return low if low and len(_occurrences(page, text[:low], limit=2)) == 1 else 0


def line_boxes(boxes: list[tuple[float, float, float, float]]) -> list[list[float]]:
    """Character boxes in reading order → one rectangle per run on a line."""
    out: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left or top <= bottom:
            continue
        if out:
            x0, y0, x1, y1 = out[-1]
            height = max(y1 - y0, top - bottom)
            same_line = abs((y0 + y1) / 2 - (bottom + top) / 2) < 0.5 * height
            if same_line and -height < left - x1 < 3 * height:
                out[-1] = [min(x0, left), min(y0, bottom), max(x1, right), max(y1, top)]
                continue
        out.append([left, bottom, right, top])
    return [[round(v, 1) for v in box] for box in out]


@lru_cache(maxsize=64)
def page_letters(pdf_path: str, pdf_page: int) -> PageLetters:
    """Read once per page (cached): PDFium's characters of the page, as letters with boxes."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    try:
        if not 1 <= pdf_page <= len(pdf):
            return PageLetters("", ())
        page = pdf[pdf_page - 1]
        if page.get_rotation():  # boxes are in unrotated page space; the image is drawn rotated
            return PageLetters("", ())
        textpage = page.get_textpage()
        count = textpage.count_chars()
        text = textpage.get_text_range()
        if len(text) != count:  # characters outside the BMP: read one by one to keep indexes aligned
            import pypdfium2.raw as raw

            text = "".join(chr(raw.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
        every_box = char_boxes(textpage, text)
        marks = footnote_marks(text, every_box)  # not in the stored text either
        folded, every = fold(text)
        kept = [k for k, i in enumerate(every) if i not in marks]
        letters = "".join(folded[k] for k in kept)
        boxes = tuple(every_box[every[k]] for k in kept)
        textpage.close()
        page.close()
        return PageLetters(letters, boxes)
    finally:
        pdf.close()
