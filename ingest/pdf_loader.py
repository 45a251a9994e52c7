"""PDF → pages, each with its physical index, the page number printed on it, and its text as a
reader reads it (see pdf_layout); plus the document's outline."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .outline import contents_entries, contents_line_indexes, from_bookmarks, from_contents, from_headings
from .page_furniture import edge_spans, find_furniture
from .pages import DocumentError, Limits, LoadedDocument, Page
from .pdf_layout import document_style, page_text, span_rows
from .pdf_spans import Span, page_spans

# A header or footer line that is only a page number, or a number beside a running title.
_ARABIC_LINE = [
    re.compile(r"^(?:page|p\.)?\s*(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?$", re.I),
    re.compile(r"^(\d{1,4})\s*[|·•–—-]\s+\S.*$"),
    re.compile(r"^\S.*\S\s*[|·•–—-]?\s+(\d{1,4})$"),
]
_ROMAN_LINE = re.compile(r"^(?:page\s+)?([ivxlc]{1,7})$", re.I)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_EDGE_LINES = 3


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
        spans, heights = zip(*(_page_spans(pdf, i, limits) for i in range(count)))
        own_labels = [pdf.get_page_label(i) or str(i + 1) for i in range(count)]
        bookmarks = _bookmarks(pdf)
        metadata_title = pdf.get_metadata_dict(skip_empty=True).get("Title", "")
    finally:
        pdf.close()
    edge_texts = ["\n".join(s.text for s in edge_spans(page, height)) for page, height in zip(spans, heights)]
    labels = label_pages(edge_texts, own_labels)
    loaded = _read_pages(list(spans), list(heights), labels, bookmarks)
    loaded.title = document_title(metadata_title, loaded.pages, path.name)
    return loaded


_HEADING_LINE = re.compile(r"^#{1,2}\s+(?![\d.]+\s)(.{4,200}?)\s*$", re.M)  # not a numbered "5.1 Methods"
_NOT_A_TITLE = re.compile(r"^(untitled|microsoft word|document\d*|title|slide \d+)\b|\.(docx?|pdf|indd|pptx?)$", re.I)


def document_title(metadata_title: str, pages: list[Page], file_name: str) -> str:
    """The PDF's own title: its metadata Title when that is a real title (not 'Microsoft Word -
    x.docx' or the file name), else the first top-level heading of its first pages; '' if neither."""
    title = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]", " ", metadata_title).split())
    if 4 <= len(title) <= 200 and not _NOT_A_TITLE.search(title) and title.lower() != Path(file_name).stem.lower():
        return title
    for page in pages[:5]:
        match = _HEADING_LINE.search(page.text)
        if match:
            return " ".join(match.group(1).split())[:200]
    return ""


def _read_pages(
    spans: list[list[Span]], heights: list[float], labels: list[str], bookmarks: list[tuple[str, int, int | None]]
) -> LoadedDocument:
    furniture = find_furniture(spans, heights, labels)
    body = [[s for j, s in enumerate(page) if j not in furniture[i]] for i, page in enumerate(spans)]
    style = document_style(body)
    pages, contents, tables, previous = [], [], 0, []
    for i, spans_of_page in enumerate(body):
        spans_of_page, entries = _without_contents(spans_of_page)
        contents += [(title, page, i) for title, page in entries]
        # the lowest table of the previous page may run on at the top of this one
        text, previous = page_text(spans_of_page, style, carried=min(previous, key=lambda t: t.y0, default=None))
        tables += len(previous)
        pages.append(
            Page(
                index=i + 1,
                label=labels[i],
                text=text,
                is_pdf=True,
                furniture=tuple(spans[i][j].text for j in sorted(furniture[i])),
            )
        )
    empty = [p.index for p in pages if not p.text.strip()]
    if len(empty) == len(pages):
        raise DocumentError("the PDF has no text layer (scanned images?); run OCR on it first")
    warnings = [f"PDF pages with no text (images only?): {_ranges(empty)}"] if empty else []
    pdf_page_of: dict[str, int] = {}
    for i, label in enumerate(labels):
        pdf_page_of.setdefault(label.lower(), i + 1)
    outline = (
        from_bookmarks(bookmarks, labels)
        if bookmarks
        else from_contents([(t, p) for t, p, _ in contents], pdf_page_of)
        if contents
        else from_headings(pages)
    )
    return LoadedDocument(pages=pages, warnings=warnings, outline=outline, contents_lines=len(contents), tables=tables)


def _without_contents(spans: list[Span]) -> tuple[list[Span], list[tuple[str, str]]]:
    """A contents page's entry lines come out of the text; they become the outline instead."""
    rows = span_rows(spans)
    lines = [" ".join(s.text for s in row) for row in rows]
    entries = contents_entries(lines)
    if not entries:
        return spans, []
    drop = contents_line_indexes(entries, lines)
    kept = [s for index, row in enumerate(rows) if index not in drop for s in row]
    return kept, [(title, page) for _, title, page in entries]


def _page_spans(pdf, index: int, limits: Limits) -> tuple[list[Span], float]:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        characters = textpage.count_chars()
        if characters > limits.max_chars_per_page:
            raise DocumentError(
                f"page {index + 1} holds {characters} characters, more than the limit of {limits.max_chars_per_page}"
            )
        return page_spans(textpage), page.get_height()
    finally:
        page.close()


def _bookmarks(pdf, limit: int = 2000) -> list[tuple[str, int, int | None]]:
    out = []
    for bookmark in pdf.get_toc(max_depth=8):
        if len(out) >= limit:
            break
        dest = bookmark.get_dest()
        out.append((bookmark.get_title(), bookmark.level, dest.get_index() if dest else None))
    return out


def _explain_open_error(message: str, err_code: int | None = None) -> str:
    lowered = message.lower()
    if err_code == 0:  # FPDF_ERR_SUCCESS: the file parsed, but it has no page tree (or zero pages)
        return "the PDF has no pages"
    if "password" in lowered:
        return "the PDF is encrypted and needs a password"
    if "format" in lowered or "file" in lowered:
        return "the PDF is damaged or truncated and cannot be read"
    return f"the PDF cannot be read ({message})"


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
        for start, end, run_offset in _other_runs(arabic, offset):
            for i in range(start, end):
                labels[i] = str(i - run_offset)
    front = numbered[0] if numbered else len(texts)
    roman = [_candidates(text, _roman_values) for text in texts[:front]]
    roman_offset = _dominant_offset(roman, front)
    if roman_offset is not None:
        last_roman = max(i for i in range(front) if (i - roman_offset) in roman[i])
        for i in range(last_roman + 1):
            if i - roman_offset >= 1:  # an unnumbered cover before 'ii' is page i, not '1'
                labels[i] = _to_roman(i - roman_offset)
    return labels


def _other_runs(candidates: list[set[int]], offset: int) -> list[tuple[int, int, int]]:
    """Stretches of two or more consecutive pages numbered consecutively at an offset other than the
    document's main one, as (first page, end, offset): the pages before a page inserted into a
    numbered sequence, or a section numbered on its own. A single page printing another number
    keeps the main run's label: one number alone may be a figure's or a list's."""

    def off_main(page: int) -> bool:  # a page printing its main-run number stays in the main run
        return (page - offset) not in candidates[page]

    runs, i = [], 0
    while i < len(candidates):
        offsets = sorted(i - value for value in candidates[i]) if off_main(i) else []
        for run_offset in offsets:
            end = i + 1
            while end < len(candidates) and (end - run_offset) in candidates[end] and off_main(end):
                end += 1
            if end - i >= 2:
                runs.append((i, end, run_offset))
                i = end - 1
                break
        i += 1
    return runs


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
    for number, numeral in (
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
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
