"""The citation check every answerer's output passes through: each sentence of an answer must be
supported by a stored sentence; that sentence's page becomes its citation. Support takes two gates:
the sentence must score as saying much the same (meaning and content words), and its figures,
dates, negations and names must agree with the stored sentence (claims.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.sentences import sentence_spans

from .claims import conflict, is_near_quote
from .evidence import Evidence, EvidenceFinder
from .terms import content_terms

SUPPORT_THRESHOLD = 0.62  # mean of cosine and content-word recall; verbatim quotes score 1.0
_MARKER = re.compile(r"\s*\[(\d{1,2})\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d{1,2}\])+")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


@dataclass
class CheckedSentence:
    text: str  # the answer's sentence, markers removed
    supported: bool
    support: float
    evidence: Evidence | None  # the stored sentence that supports it best
    conflict: str | None = None  # why a sentence that scored as supported was refused
    repaired: bool = False  # a near-quote replaced by the stored sentence it quotes


def split_answer(answer: str) -> list[tuple[str, list[int]]]:
    """Answer text → (sentence without markers, source numbers it cited)."""
    out = []
    for line in answer.splitlines():
        line = _LIST_PREFIX.sub("", line).strip()
        line_start = len(out)
        for start, end in sentence_spans(line):
            sentence = line[start:end]
            lead = _LEADING_MARKERS.match(sentence)
            if lead and len(out) > line_start:
                # "... barriers. [1]" splits after the full stop: the marker cites the sentence before
                out[-1][1].extend(int(n) for n in _MARKER.findall(lead.group(0)))
                sentence = sentence[lead.end() :]
            cited = [int(n) for n in _MARKER.findall(sentence)]
            text = _MARKER.sub("", sentence).strip()
            if content_terms(text):
                out.append((text, cited))
    return out


def check_answer(
    answer: str, sources: list[Evidence], finder: EvidenceFinder, numbers: list[int] | None = None
) -> list[CheckedSentence]:
    """`numbers[i]` is the source number the answerer saw for sources[i] (default 1, 2, ...).
    A sentence's own citations are preferred when they support it; otherwise the best supporting
    stored sentence is cited instead; with no support the sentence is marked unsupported."""
    numbers = numbers or list(range(1, len(sources) + 1))
    pieces = split_answer(answer)
    if not pieces or not sources:
        return [CheckedSentence(text, False, 0.0, None) for text, _ in pieces]
    source_vectors = finder.vectors(sources)
    sentence_vectors = _vectors_of([text for text, _ in pieces], sources, source_vectors, finder.embedder)
    checked = []
    for (text, cited), vector in zip(pieces, sentence_vectors):
        checked.append(
            _check(text, cited, _support_scores(text, vector, sources, source_vectors), sources, numbers, finder)
        )
    return checked


def _check(
    text: str, cited: list[int], scores: np.ndarray, sources: list[Evidence], numbers: list[int], finder: EvidenceFinder
) -> CheckedSentence:
    """The best-scoring source that passes both gates, preferring the ones the sentence cites."""
    passing = [i for i in np.argsort(-scores, kind="stable") if scores[i] >= SUPPORT_THRESHOLD]
    passing.sort(key=lambda i: numbers[i] not in cited)  # stable: cited first, each by score
    refusal = None
    for i in passing:
        source = sources[i]
        if _quotes(text, source.quote):
            return CheckedSentence(text, True, float(scores[i]), source)
        why = conflict(text, source.quote, finder.name_usage)
        if why:
            refusal = refusal or why
        elif is_near_quote(text, source.quote):
            return CheckedSentence(source.quote, True, float(scores[i]), source, repaired=True)
        else:
            return CheckedSentence(text, True, float(scores[i]), source)
    return CheckedSentence(text, False, float(scores.max()), None, conflict=refusal)


def _quotes(text: str, quote: str) -> bool:
    """The sentence is the stored sentence (perhaps with its own bracketed numbers taken out as
    citation markers): an extractive answer's line, agreeing by construction."""
    text = " ".join(text.split())
    return text == quote or text == " ".join(_MARKER.sub("", quote).split())


def _vectors_of(texts: list[str], sources: list[Evidence], source_vectors: np.ndarray, embedder) -> np.ndarray:
    """Embeddings of answer sentences; a sentence quoted verbatim reuses its source's vector."""
    known = {source.quote: vector for source, vector in zip(sources, source_vectors)}
    missing = [t for t in texts if " ".join(t.split()) not in known]
    if missing:
        known.update(zip(missing, embedder.embed(missing)))
    return np.stack([known.get(" ".join(t.split()), known.get(t)) for t in texts])


def _support_scores(text: str, vector: np.ndarray, sources: list[Evidence], source_vectors: np.ndarray) -> np.ndarray:
    terms = set(content_terms(text))
    recall = np.array([len(terms & s.terms) / len(terms) if terms else 0.0 for s in sources])
    return 0.5 * (source_vectors @ vector) + 0.5 * recall
