"""A PDF page's characters → spans: runs of text on one line with their box, size and weight.

A line is cut into several spans where a wide horizontal gap separates its words (table cells,
side-by-side columns), so later steps can see the page's layout. Coordinates are PDF points with
the origin at the bottom left, as PDFium gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GAP_EMS = 1.2  # a horizontal gap wider than this many font sizes separates two spans
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.I)


@dataclass
class Span:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float  # height of the font's box: comparable across fonts, unlike the nominal size
    bold: bool

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def words(self) -> int:
        return len(self.text.split())


def page_spans(textpage) -> list[Span]:
    import pypdfium2.raw as raw

    handle = textpage.raw
    count = textpage.count_chars()
    text = textpage.get_text_range()
    if len(text) != count:  # surrogate pairs: fall back to one call per character
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i)) for i in range(count))
    spans: list[Span] = []
    chars: list[tuple[str, float, float, float, float, int]] = []
    boxes = char_boxes(textpage, text)
    marks = footnote_marks(text, boxes)
    for i, char in enumerate(text):
        if char in "\r\n":
            _flush(chars, spans, handle)
            chars = []
            continue
        if i in marks:
            continue
        box = boxes[i]
        if chars and not char.isspace() and _breaks(chars, box):
            _flush(chars, spans, handle)
            chars = []
        chars.append((char, *box, i))
    _flush(chars, spans, handle)
    return _visible(spans)


def char_boxes(textpage, text: str) -> list[tuple[float, float, float, float]]:
    """Each character's loose box (left, bottom, right, top): the font's full height, so sizes compare."""
    import pypdfium2.raw as raw

    rect = raw.FS_RECTF()
    boxes = []
    for i in range(len(text)):
        raw.FPDFText_GetLooseCharBox(textpage.raw, i, rect)
        boxes.append((rect.left, rect.bottom, rect.right, rect.top))
    return boxes


def footnote_marks(text: str, boxes: list[tuple[float, float, float, float]]) -> set[int]:
    """Indexes of the digits set small and raised right after a word ("in 2021⁶³ with", "sector.⁶⁴"):
    footnote marks, which are not the report's words and would read as part of a figure ("202163").
    A footnote's own number, first on its line, is kept."""
    marks: set[int] = set()
    base = None  # the box of the last character of the line set at the line's own size
    for i, char in enumerate(text):
        if char in "\r\n":
            base = None
        elif not char.isspace():
            box = boxes[i]
            if char.isdigit() and base is not None and _raised(base, box):
                marks.add(i)
            elif base is None or not _raised(base, box):
                base = box
    # "data.⁶,⁷": the comma or dash between two marks is part of them; "Hong Kong ⁴⁴, and": so is the
    # space before a mark that punctuation follows
    marks |= {i for i in range(1, len(text) - 1) if text[i] in ",-–" and {i - 1, i + 1} <= marks}
    for i in [i for i in range(len(text) - 1) if text[i] == " " and i + 1 in marks]:
        end = i + 1
        while end in marks:
            end += 1
        if text[end : end + 1] in (",", ".", ";", ":", ")"):
            marks.add(i)
    return marks


def _raised(base: tuple, box: tuple) -> bool:
    """Smaller than the line's type, lifted off its baseline, and close beside it."""
    height = base[3] - base[1]
    return (
        height > 0
        and box[3] - box[1] < 0.8 * height
        and box[1] > base[1] + 0.2 * height
        and -0.5 * height <= box[0] - base[2] < height  # loose boxes may overlap a little
    )


def _visible(spans: list[Span]) -> list[Span]:
    """Where two spans of text lie on top of each other, the reader sees the one drawn last (an
    earlier draft left under a box, say): the earlier one is dropped."""
    hidden = set()
    order = sorted(range(len(spans)), key=lambda i: spans[i].y0)
    for position, i in enumerate(order):
        a = spans[i]
        for j in order[position + 1 :]:
            b = spans[j]
            if b.y0 >= a.y1:
                break
            width = min(a.x1, b.x1) - max(a.x0, b.x0)
            height = min(a.y1, b.y1) - max(a.y0, b.y0)
            smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
            if width > 0 and height > 0 and width * height > 0.5 * smaller:
                hidden.add(min(i, j))
    return [span for i, span in enumerate(spans) if i not in hidden]


def _breaks(chars: list, box: tuple) -> bool:
    """Whether the next character starts a new span: a wide gap, or a jump to another line."""
    visible = [c for c in chars if not c[0].isspace()]
    if not visible:
        return False
    _, x0, y0, x1, y1, _ = visible[-1]
    size = max(y1 - y0, 1.0)
    middle, next_middle = (y0 + y1) / 2, (box[1] + box[3]) / 2
    return box[0] - x1 > GAP_EMS * size or abs(next_middle - middle) > 0.6 * size or box[2] < x0 - size


def _flush(chars: list, spans: list[Span], handle) -> None:
    visible = [c for c in chars if not c[0].isspace()]
    if not visible:
        return
    text = "".join(c[0] for c in chars).replace("\x02", "-").replace("\ufffe", "-")
    text = " ".join(_CONTROL_CHARS.sub("", text).split())
    if not text:
        return
    heights = sorted(c[4] - c[2] for c in visible)
    spans.append(
        Span(
            text=text,
            x0=min(c[1] for c in visible),
            y0=min(c[2] for c in visible),
            x1=max(c[3] for c in visible),
            y1=max(c[4] for c in visible),
            size=round(heights[len(heights) // 2], 1),
            bold=_is_bold(handle, visible[0][5]),
        )
    )


def _is_bold(handle, index: int) -> bool:
    import ctypes

    import pypdfium2.raw as raw

    if raw.FPDFText_GetFontWeight(handle, index) >= 600:
        return True
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    length = raw.FPDFText_GetFontInfo(handle, index, buffer, 128, ctypes.byref(flags))
    return bool(length) and bool(_BOLD_NAME.search(buffer.value.decode("latin-1", "replace")))
