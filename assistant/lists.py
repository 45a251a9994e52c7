"""Lists in a page's layout: the items that follow a list's introduction, for "what are the N ..."
questions.

A page's text is read as blocks: headings, bullets (any one marker: '•', '-', '1.', '(ii)', a
symbol font's tick), captions ("Figure 3 ..."), footnote and link lines, short label lines and
paragraphs. A list is an introduction (a paragraph, or a bullet, whose last sentence ends in ':' or
announces 'the following', 'as follows', 'listed below', 'include') and the items after it: the
bullets that carry the first item's marker (bullets with another marker belong to the item above
them), or label lines and headings each followed by its description. A list runs on across a page
break, past the page's trailing footnotes. How many items to take comes from the question ("the
five steps") or else the introduction ("any of three staffing models:"). Decided from layout and
punctuation only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.sentences import sentence_spans

MAX_ITEMS = 12
MAX_PAGES = 3  # a list is followed over at most this many pages
SHORT_LABEL_WORDS = 5  # an item's first sentence this short is its label: its description goes with it
LABEL_WORDS = 8  # a line this short without a full stop can label a description

_BULLET = re.compile(
    r"^(?:(?P<glyph>[-*•–—▪●○■◦►➢✓✔])|(?P<num>\d{1,2})[.)]|\((?P<roman>[ivx]{1,4})\)|"
    r"\((?P<alpha>[a-z])\)|(?P<font>[^\x00-\x7F]))[ \t]+(?=\S)"
)
_HEADING = re.compile(r"^(#{1,6})\s+")
_CAPTION = re.compile(r"^(figure|fig\.|table|chart|exhibit|box|source)\s*[\dA-Z]", re.I)
_NOTE = re.compile(r"^(?:\S*(?:https?://|www\.)\S*\s*)+$|^\d{1,3}\s+(?:see|http|www)", re.I)
_INTRO = re.compile(
    r"(?::|\b(?:as follows|the following|listed below|set out below|below|include|includes|"
    r"including|namely|such as)[.:]?)\s*$",
    re.I,
)
# "Firstly, it's insecure ... Secondly, it's inefficient ... Finally, ...": a list told in sentences
_SEQUENCE = re.compile(r"^(first(ly)?|second(ly)?|third(ly)?|fourth(ly)?|fifth(ly)?|next|finally|lastly)\b,?", re.I)
_NUMBERS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve "
        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_COUNTED = re.compile(r"\b(%s|\d{1,2})\s+(?:[\w-]+\s+){0,3}?([\w-]+s)\b" % "|".join(_NUMBERS), re.I)


@dataclass(frozen=True)
class Block:
    start: int  # offset of its text (after any marker) in the page text
    end: int
    kind: str  # heading | bullet | caption | note | label | text
    marker: str = ""  # a bullet's marker kind ('•', 'num', ...), a heading's level ('###')


@dataclass(frozen=True)
class Item:
    page_index: int
    start: int
    end: int
    shown: str | None = None  # "Label: description" when the label is a line of its own


def blocks(text: str) -> list[Block]:
    """The page's blocks in reading order."""
    out: list[Block] = []
    current: list[int] | None = None  # [start, end, kind, marker] of the open text block

    def close():
        if current:
            out.append(_classify(text, *current))

    offset = 0
    for line in text.splitlines(keepends=True):
        start, stripped = offset + len(line) - len(line.lstrip()), line.strip()
        offset += len(line)
        if not stripped:
            close()
            current = None
            continue
        end = start + len(stripped)
        heading, bullet = _HEADING.match(stripped), _BULLET.match(stripped)
        if heading or bullet:
            close()
            match = heading or bullet
            kind = "heading" if heading else "bullet"
            marker = heading.group(1) if heading else next(k for k, v in bullet.groupdict().items() if v)
            if kind == "bullet" and marker == "glyph":
                marker = bullet.group("glyph")
            current = [start + match.end(), end, kind, marker]
            if heading:
                close()
                current = None
        elif current:
            current[1] = end
            if current[2] == "line":
                current[2] = "text"
        else:
            current = [start, end, "line", ""]
    close()
    return out


def _classify(text: str, start: int, end: int, kind: str, marker: str) -> Block:
    body = text[start:end]
    if kind in ("heading", "bullet"):
        return Block(start, end, kind, marker)
    if _CAPTION.match(body):
        return Block(start, end, "caption")
    if _NOTE.match(body):
        return Block(start, end, "note")
    words = body.split()
    if (
        kind == "line"
        and len(words) <= LABEL_WORDS
        and not body.endswith((".", "!", "?", ",", ";"))
        and body[:1].isupper()
    ):
        return Block(start, end, "label")
    return Block(start, end, "text")


def counted(sentence: str) -> int | None:
    """How many items a sentence announces ("any of three staffing models:" → 3), 2 to 20."""
    return next((number for number, _ in _counts(sentence)), None)


def counted_noun(sentence: str) -> str:
    """What a sentence counts ("three community anchor organisations took part" → 'organisations'),
    or ''."""
    return next((noun for _, noun in _counts(sentence)), "")


def _counts(sentence: str):
    for match in _COUNTED.finditer(sentence):
        word = match.group(1).lower()
        number = _NUMBERS.get(word) if not word.isdigit() else int(word)
        if number and 2 <= number <= 20:
            yield number, match.group(2)


def is_intro(sentence: str) -> bool:
    return bool(_INTRO.search(sentence.rstrip()))


class PageLists:
    """Lists on the pages of the library, read from each page's rebuilt text."""

    def __init__(self, page_text, has_page):
        self.page_text, self.has_page = page_text, has_page
        self._blocks: dict[tuple[str, int], list[Block]] = {}

    def page_blocks(self, doc_key: str, page_index: int) -> list[Block]:
        key = (doc_key, page_index)
        if key not in self._blocks:
            self._blocks[key] = blocks(self.page_text(doc_key, page_index))
        return self._blocks[key]

    def list_at(self, doc_key: str, page_index: int, offset: int, count: int | None) -> tuple[str, list[Item]]:
        """The list a sentence at `offset` introduces or belongs to: (its introduction's text, its
        items); ('', []) when the sentence is in no list."""
        page = self.page_blocks(doc_key, page_index)
        at = next((i for i, b in enumerate(page) if b.start <= offset < b.end + 1), None)
        if at is None:
            return "", []
        text = self.page_text(doc_key, page_index)
        block = page[at]
        intro = _last_sentence(text, block)
        if block.kind == "bullet" and not is_intro(intro):
            first = at
            while first > 0 and (page[first - 1].kind in ("note", "caption") or page[first - 1].kind == "bullet"):
                first -= 1
            while page[first].kind != "bullet" or page[first].marker != block.marker:
                first += 1
            before = page[first - 1] if first > 0 and page[first - 1].kind in ("text", "label") else None
            intro = _last_sentence(text, before) if before else ""
            return intro, self._items(doc_key, page_index, first, count or counted(intro), bullets_from=first)
        if block.kind in ("caption", "note"):
            return "", []
        items = self._items(doc_key, page_index, at + 1, count or counted(intro))
        return (intro, items) if items and (is_intro(intro) or items[0].page_index == page_index) else ("", [])

    def sequence_after(self, doc_key: str, page_index: int, offset: int) -> list[Item]:
        """The sentences after the one at `offset`, in its paragraph, that tell a list in order
        ("Firstly, ... Secondly, ... Finally, ..."); [] when the paragraph does not go on so."""
        text = self.page_text(doc_key, page_index)
        block = next((b for b in self.page_blocks(doc_key, page_index) if b.start <= offset < b.end + 1), None)
        if block is None or block.kind not in ("text", "bullet"):
            return []
        spans = [(block.start + s, block.start + e) for s, e in sentence_spans(text[block.start : block.end])]
        items = [Item(page_index, s, e) for s, e in spans if s > offset and _SEQUENCE.match(text[s:e])]
        first = text[items[0].start : items[0].end] if items else ""
        return items if len(items) > 1 and re.match(r"first", first, re.I) else []

    def _items(
        self, doc_key: str, page_index: int, at: int, count: int | None, bullets_from: int | None = None
    ) -> list[Item]:
        stream = list(self._stream(doc_key, page_index, at))
        stream = [(p, b) for p, b in stream if b.kind not in ("caption", "note")]
        if not stream:
            return []
        limit = min(count or MAX_ITEMS, MAX_ITEMS)
        first = stream[0][1]
        if first.kind == "bullet":
            return self._bullets(doc_key, stream, first.marker, limit)
        if first.kind in ("heading", "label") and bullets_from is None:
            return self._labelled(doc_key, stream, first, limit)
        return []

    def _stream(self, doc_key: str, page_index: int, at: int):
        """Blocks from `at` on, running over page breaks into the next pages."""
        for page in range(page_index, page_index + MAX_PAGES):
            if page != page_index and not self.has_page(doc_key, page):
                return
            for block in self.page_blocks(doc_key, page)[at if page == page_index else 0 :]:
                yield page, block

    def _bullets(self, doc_key: str, stream, marker: str, limit: int) -> list[Item]:
        items = []
        for page, block in stream:
            if block.kind != "bullet":
                break
            if block.marker == marker:  # another marker: a sub-bullet of the item above
                items.append(self._bullet_item(doc_key, page, block))
                if len(items) >= limit:
                    break
        return items

    def _bullet_item(self, doc_key: str, page: int, block: Block) -> Item:
        """A bullet's first sentence; a short first sentence is a label and takes the next one too."""
        text = self.page_text(doc_key, page)
        spans = [(block.start + s, block.start + e) for s, e in sentence_spans(text[block.start : block.end])]
        end = spans[0][1] if spans else block.end
        if len(spans) > 1 and len(text[spans[0][0] : spans[0][1]].split()) <= SHORT_LABEL_WORDS:
            end = spans[1][1]
        return Item(page, block.start, end)

    def _labelled(self, doc_key: str, stream, first: Block, limit: int) -> list[Item]:
        """Label lines or headings, each with the first sentence of the paragraph under it; labels
        that come one after another (a figure's boxes) are the items on their own."""
        labels = ("heading", "label")
        same = [
            b.kind in labels and (b.kind != "heading" or first.kind != "heading" or b.marker == first.marker)
            for _, b in stream
        ]
        if len(stream) > 1 and same[1]:
            items = []
            for (page, block), ok in zip(stream, same):
                if not ok or len(items) >= limit:
                    break
                items.append(Item(page, block.start, block.end))
            return items if len(items) > 1 else []
        items, i = [], 0
        while i + 1 < len(stream) and same[i] and stream[i + 1][1].kind == "text" and len(items) < limit:
            (page, label), (next_page, body) = stream[i], stream[i + 1]
            text = self.page_text(doc_key, next_page)
            spans = sentence_spans(text[body.start : body.end])
            body_end = body.start + (spans[0][1] if spans else body.end - body.start)
            label_text = self.page_text(doc_key, page)[label.start : label.end].rstrip()
            shown = f"{label_text.rstrip(':')}: {text[body.start : body_end]}"
            if next_page == page:
                items.append(Item(page, label.start, body_end, shown))
            else:
                items.append(Item(page, label.start, label.end))
            i += 2
        return items if len(items) > 1 else []


def _last_sentence(text: str, block: Block) -> str:
    spans = sentence_spans(text[block.start : block.end])
    return text[block.start + spans[-1][0] : block.start + spans[-1][1]] if spans else ""
