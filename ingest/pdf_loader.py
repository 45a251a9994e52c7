"""PDF → pages, each with its physical index and the page number printed on it."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .pages import DocumentError, Limits, LoadedDocument, Page

# A header or footer line that is only a page number, or a number beside a running title.
_ARABIC_LINE = [
    re.compile(r"^(?:page|p\.)?\s*(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?$", re.I),
    re.compile(r"^(\d{1,4})\s*[|·•–—-]\s+\S.*$"),
    re.compile(r"^\S.*\S\s*[|·•–—-]?\s+(\d{1,4})$"),
]
_ROMAN_LINE = re.compile(r"^(?:page\s+)?([ivxlc]{1,7})$", re.I)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_EDGE_LINES = 3
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_pdf_pages(path: Path, limits: Limits = Limits()) -> LoadedDocument:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise DocumentError(_explain_open_error(str(exc), getattr(exc, "err_code", None))) from None
    try:
        count = len(pdf)
        if count == 0:
            raise DocumentError("the PDF has no pages")
        if count > limits.max_pages:
            raise DocumentError(f"the PDF has {count} pages, more than the limit of {limits.max_pages}")
        texts = [_page_text(pdf, i, limits) for i in range(count)]
        own_labels = [pdf.get_page_label(i) or str(i + 1) for i in range(count)]
    finally:
        pdf.close()
    labels = label_pages(texts, own_labels)
    pages = [Page(index=i + 1, label=labels[i], text=texts[i], is_pdf=True) for i in range(count)]
    empty = [p.index for p in pages if not p.text.strip()]
    if len(empty) == count:
        raise DocumentError("the PDF has no text layer (scanned images?); run OCR on it first")
    warnings = [f"PDF pages with no text (images only?): {_ranges(empty)}"] if empty else []
    return LoadedDocument(pages=pages, warnings=warnings)


def _explain_open_error(message: str, err_code: int | None = None) -> str:
    lowered = message.lower()
    if err_code == 0:  # FPDF_ERR_SUCCESS: the file parsed, but it has no page tree (or zero pages)
        return "the PDF has no pages"
    if "password" in lowered:
        return "the PDF is encrypted and needs a password"
    if "format" in lowered or "file" in lowered:
        return "the PDF is damaged or truncated and cannot be read"
    return f"the PDF cannot be read ({message})"


def _page_text(pdf, index: int, limits: Limits) -> str:
    page = pdf[index]
    try:
        text = page.get_textpage().get_text_bounded()
    finally:
        page.close()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "-")
    text = _CONTROL_CHARS.sub("", text)
    if len(text) > limits.max_chars_per_page:
        raise DocumentError(
            f"page {index + 1} holds {len(text)} characters, more than the limit of {limits.max_chars_per_page}")
    return text


def label_pages(texts: list[str], own_labels: list[str]) -> list[str]:
    """Printed page labels: numbers found in headers/footers where they follow a consistent
    offset from the physical page; elsewhere the PDF's own label."""
    labels = list(own_labels)
    arabic = [_candidates(text, _arabic_values) for text in texts]
    offset = _dominant_offset(arabic, len(texts))
    numbered = []
    if offset is not None:
        numbered = [i for i, values in enumerate(arabic) if (i - offset) in values]
        for i in range(numbered[0], len(texts)):
            if i - offset >= 1:  # fills unnumbered pages (full-page figures) inside the run
                labels[i] = str(i - offset)
    front = numbered[0] if numbered else len(texts)
    roman = [_candidates(text, _roman_values) for text in texts[:front]]
    roman_offset = _dominant_offset(roman, front)
    if roman_offset is not None:
        last_roman = max(i for i in range(front) if (i - roman_offset) in roman[i])
        for i in range(last_roman + 1):
            if i - roman_offset >= 1:  # an unnumbered cover before 'ii' is page i, not '1'
                labels[i] = _to_roman(i - roman_offset)
    return labels


def _candidates(text: str, values_of) -> set[int]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    edges = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
    found = set()
    for line in edges:
        found.update(values_of(line))
    return found


def _arabic_values(line: str) -> set[int]:
    values = set()
    for pattern in _ARABIC_LINE:
        match = pattern.match(line)
        if match and 0 < int(match.group(1)) <= 5000:
            values.add(int(match.group(1)))
    return values


def _roman_values(line: str) -> set[int]:
    match = _ROMAN_LINE.match(line)
    if not match:
        return set()
    value = _from_roman(match.group(1).lower())
    return {value} if value and _to_roman(value) == match.group(1).lower() else set()


def _dominant_offset(candidates: list[set[int]], page_count: int) -> int | None:
    """The physical-minus-printed offset most pages agree on, if enough of them do."""
    votes = Counter(i - value for i, values in enumerate(candidates) for value in values)
    if not votes:
        return None
    offset, support = votes.most_common(1)[0]
    return offset if support >= min(2, page_count) else None


def _from_roman(numeral: str) -> int:
    total = 0
    for char, following in zip(numeral, numeral[1:] + " "):
        value = _ROMAN_VALUES[char]
        total += -value if following != " " and _ROMAN_VALUES[following] > value else value
    return total


def _to_roman(value: int) -> str:
    out = ""
    for number, numeral in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
                            (5, "v"), (4, "iv"), (1, "i")):
        while value >= number:
            out += numeral
            value -= number
    return out


def _ranges(numbers: list[int]) -> str:
    parts, start = [], None
    for n, following in zip(numbers, numbers[1:] + [None]):
        start = n if start is None else start
        if following != n + 1:
            parts.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ", ".join(parts)
