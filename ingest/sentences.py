"""Sentence spans inside a page's text; shared by chunking and by the answerers."""
from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally closed by a quote or bracket) before whitespace and a
# capital, digit, quote or bullet; a blank line, a bullet line or a heading line always starts one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•\-*#])")
_BLOCK_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)]|#+)\s)|(?<=\n)(?=#)")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "p.", "pp.", "cf.", "vs.", "Dr.", "Mr.", "Mrs.", "Ms.",
                  "Prof.", "St.", "No.", "approx.", "Fig.")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence, trimmed of surrounding whitespace."""
    spans = []
    for block_start, block_end in _split(text, 0, len(text), _BLOCK_BREAK):
        for start, end in _split(text, block_start, block_end, _SENTENCE_END):
            spans.extend(_trim(text, start, end))
    return _merge_abbreviations(text, spans)


def _split(text: str, start: int, end: int, pattern: re.Pattern) -> list[tuple[int, int]]:
    pieces, cursor = [], start
    for match in pattern.finditer(text, start, end):
        pieces.append((cursor, match.start()))
        cursor = match.end()
    pieces.append((cursor, end))
    return pieces


def _trim(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if end > start else []


def _merge_abbreviations(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and text[merged[-1][0]:merged[-1][1]].endswith(_ABBREVIATIONS) \
                and "\n" not in text[merged[-1][1]:start]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


_BULLET = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^#{1,6}\s")
# Text addressed to a language model is data, never evidence: it is neither quoted nor accepted
# as support, so a document cannot talk an answer into being "supported".
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b|"
    r"\bsystem prompt\b|\b(you are|act as) (now )?(an?|the) (ai|assistant|language model|chatbot)\b|"
    r"^\s*(system|assistant|user)\s*:|<\|?(im_start|system)\|?>", re.I)


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def quotable_spans(text: str) -> list[tuple[int, int, bool]]:
    """Sentences an answer may quote, as (start, end, is_bullet): headings, list markers and
    every sentence of a paragraph addressed to a model are left out (the claim an injection wants
    repeated sits beside the instruction, and would otherwise be quoted or accepted as support)."""
    hostile = _hostile_paragraphs(text)
    out = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if _HEADING.match(sentence) or any(low <= start < high for low, high in hostile):
            continue
        bullet = _BULLET.match(sentence)
        if bullet:
            start += bullet.end()
        if len(text[start:end].split()) >= 3:
            out.append((start, end, bool(bullet)))
    return out


def _hostile_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of paragraphs holding a sentence addressed to a model."""
    out, cursor = [], 0
    for end, next_start in [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)] + [(len(text), 0)]:
        paragraph = text[cursor:end]
        if any(_INSTRUCTION.search(paragraph[s:e]) for s, e in sentence_spans(paragraph)):
            out.append((cursor, end))
        cursor = next_start
    return out
