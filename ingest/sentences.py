"""Sentence spans inside a page's text; shared by chunking, the quotable sentences and the answerers."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally closed by a quote or bracket) before whitespace and a
# capital, digit, quote or bullet; a blank line, a bullet line or a heading line always starts one.
# A footnote mark set right after the stop ("... the ACCC.24 In other jurisdictions") ends it too,
# the mark dropped; not a section's number ("A.1 Scenario Questions").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•\-*#])|(?:(?<=[a-z)][.!?])|(?<=[A-Za-z]{2}[.!?]))\d{1,3}\s+(?=[\"“‘(]?[A-Z])"
)
_BLOCK_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)]|#+)\s)|(?<=\n)(?=#)")
_ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "etc.",
    "p.",
    "pp.",
    "cf.",
    "vs.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Prof.",
    "St.",
    "No.",
    "approx.",
    "Fig.",
)


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


# a short capitalised word and a stop before a number abbreviates: "Rev. 2", "(Aug. 2012)", "Publ. 800-61"
_ABBREVIATED_BEFORE_NUMBER = re.compile(r"\b[A-Z][a-z]{0,3}\.$")


def _merge_abbreviations(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        before = text[merged[-1][0] : merged[-1][1]] if merged else ""
        if (
            merged
            and (
                before.endswith(_ABBREVIATIONS) or (_ABBREVIATED_BEFORE_NUMBER.search(before) and text[start].isdigit())
            )
            and "\n" not in text[merged[-1][1] : start]
        ):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
