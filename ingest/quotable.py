"""The sentences of a page an answer may quote: not headings, not list markers, not footnote marks,
not a sentence broken off mid-clause or a reference list's entry, and nothing from a paragraph
addressed to a language model ("ignore previous instructions ...")."""

from __future__ import annotations

import re

from .sentences import sentence_spans

_BULLET = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^#{1,6}\s")
# Text addressed to a language model is data, never evidence: it is neither quoted nor accepted
# as support, so a document cannot talk an answer into being "supported".
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b|"
    r"\bsystem prompt\b|\b(you are|act as) (now )?(an?|the) (ai|assistant|language model|chatbot)\b|"
    r"^\s*(system|assistant|user)\s*:|<\|?(im_start|system)\|?>",
    re.I,
)


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# a footnote mark after a sentence's full stop ("... private sector.64") is not the report's words, and
# ends that sentence though no space follows the stop ("other sources.31 SIEMs ...")
_FOOTNOTE_MARK = re.compile(r"(?<=[a-z)”’\"'][.!?])[\"'”’)]*\d{1,3}$")
_AFTER_FOOTNOTE_MARK = re.compile(r"(?<=[a-z)”’\"'][.!?])[\"'”’)\]]*\d{1,3}\s+(?=[\"'“‘(\[]?[A-Z])")
# a sentence cut off where the page ends or a footnote begins ("Because the focus of this document is")
_CUT_OFF = re.compile(
    r"\b(a|an|the|of|to|in|on|at|by|for|from|with|and|or|but|that|which|is|are|was|were|be|been|has|have|"
    r"had|will|would|can|could|should|may|must|as|than|its|their|this|these|such)$",
    re.I,
)
# a reference list's entry: a quoted title left open ("“Draft Recommendations on the Governance of ..."),
# or a quoted title with only names after it ("“Investment holdings data ...” Monetary Authority ...")
# ... and a numbered note that opens with a quoted title: '2. “Embedded finance: Connecting the dots.” IDG
# Connect. May 24, 2022.' (every sentence of it: the title, the publisher, the date)
_NUMBERED_REFERENCE = re.compile(r"(?m)^[ \t]*\d{1,3}[.)][ \t]+[“\"‘'].*?(?=\n\s*\n|\n[ \t]*\d{1,3}[.)]\s|\Z)", re.S)
_OPEN_TITLE = re.compile(r"^[“\"‘']([^”\"’']+)$")
_TITLE_AND_NAMES = re.compile(r"^[“\"‘'][^”\"’']+[”\"’'][.,]?\s*(.+)$")


def quotable_spans(text: str) -> list[tuple[int, int, bool]]:
    """Sentences an answer may quote, as (start, end, is_bullet): headings, list markers, numbered
    reference entries and every sentence of a paragraph addressed to a model are left out (the claim an injection wants
    repeated sits beside the instruction, and would otherwise be quoted or accepted as support)."""
    left_out = _hostile_paragraphs(text) + [m.span() for m in _NUMBERED_REFERENCE.finditer(text)]
    out = []
    for start, end in _split_at_footnote_marks(text, sentence_spans(text)):
        sentence = text[start:end]
        if _HEADING.match(sentence) or any(low <= start < high for low, high in left_out):
            continue
        bullet = _BULLET.match(sentence)
        if bullet:
            start += bullet.end()
        mark = _FOOTNOTE_MARK.search(text, start, end)
        if mark:
            end = mark.start() + len(mark.group(0).rstrip("0123456789"))
        if len(text[start:end].split()) >= 3 and not _fragment(text[start:end]):
            out.append((start, end, bool(bullet)))
    return out


def _split_at_footnote_marks(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Only the quotes are split there: chunks keep the sentences the shared splitter gives."""
    out = []
    for start, end in spans:
        for mark in _AFTER_FOOTNOTE_MARK.finditer(text, start, end):
            out.append((start, mark.start()))
            start = mark.end()
        out.append((start, end))
    return out


def _fragment(sentence: str) -> bool:
    """A sentence broken off mid-clause, or a reference list's title: neither reads as the report's
    own sentence."""
    if _CUT_OFF.search(sentence) and not re.search(r"[;,]\s*(and|or)$", sentence):  # a list item's "; and"
        return True
    title, named = _OPEN_TITLE.match(sentence), _TITLE_AND_NAMES.match(sentence)
    return bool(title and _capitalised(title.group(1)) or named and _capitalised(named.group(1)))


def _capitalised(text: str) -> bool:
    long_words = [w for w in text.split() if len(w) > 3]
    return bool(long_words) and sum(w[0].isupper() or w[0].isdigit() for w in long_words) >= 0.8 * len(long_words)


def _hostile_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of paragraphs holding a sentence addressed to a model."""
    out, cursor = [], 0
    for end, next_start in [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)] + [(len(text), 0)]:
        paragraph = text[cursor:end]
        if any(_INSTRUCTION.search(paragraph[s:e]) for s, e in sentence_spans(paragraph)):
            out.append((cursor, end))
        cursor = next_start
    return out
