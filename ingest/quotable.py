"""The sentences of a page an answer may quote: not headings, not list markers, and nothing from a
paragraph addressed to a language model ("ignore previous instructions ...")."""

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
