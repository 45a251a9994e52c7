"""Retrieved chunks → stored sentences (the units answers quote), scored against the question."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ingest.chunking import Chunk
from ingest.quotable import quotable_spans

from .claims import NameUsage
from .retrieval import Hit, HybridRetriever
from .terms import TermStats, content_terms, implied_terms


@dataclass
class Evidence:
    """One stored sentence with where it lives; `quote` occurs verbatim in the page's stored text."""

    quote: str
    doc_id: str
    title: str
    page_label: str
    pdf_page: int | None
    doc_key: str
    page_index: int
    start: int  # offset of the sentence in the page text
    hit_rank: int  # rank of the chunk it came from (0 = best)
    is_bullet: bool
    section: str | None = None  # heading path of the chunk it came from
    terms: frozenset = field(default_factory=frozenset)
    shown: str | None = None  # how an answer shows it, when not as `quote` ("Label: description")
    title_line: bool = False  # a line of a title page ("January 2012"), not a sentence
    continues: bool = False  # shown on the line before: it says what that line announces
    dense: float = 0.0
    coverage: float = 0.0
    score: float = 0.0

    @property
    def page_key(self) -> tuple[str, str]:
        return (self.doc_id, self.page_label)

    @property
    def cache_key(self) -> tuple[str, int, int]:
        return (self.doc_key, self.page_index, self.start)


PARAGRAPH_CONTEXT = 600  # characters of a sentence's paragraph before it that say what it is about
TITLE_LINE_WORDS = 12  # longest line of a title page quoted as a line
CONTEXT_SHARE = 0.5  # weight of question words found only in that context, against the sentence's own


class EvidenceFinder:
    def __init__(
        self,
        retriever: HybridRetriever,
        embedder,
        stats: TermStats,
        stored: dict[tuple, np.ndarray] | None = None,
        max_cache: int = 50_000,
    ):
        self.retriever, self.embedder, self.stats = retriever, embedder, stats
        self.stored = stored or {}  # sentence vectors computed at ingest, keyed like cache_key
        self._vectors: dict[tuple, np.ndarray] = {}
        self._texts: dict[tuple[str, int], str] = {}
        self.max_cache = max_cache

    @cached_property
    def name_usage(self) -> NameUsage:
        """Which words the library writes as names; built on first use (only model answers need it)."""
        return NameUsage([c.text for c in self.retriever.chunks.values()])

    def sentences(self, hits: list[Hit], first_rank: int = 0, seen: set | None = None) -> list[Evidence]:
        """Sentences of the hit chunks, in rank order, each stored sentence once (and none of `seen`,
        the cache keys of sentences already read). `first_rank`: the rank of the first hit given."""
        seen, out = set(seen or ()), []
        for rank, hit in enumerate(hits, start=first_rank):
            found = _chunk_sentences(hit.chunk, rank)
            if found and found[0].title_line:  # a title page is read whole: its lines mean together
                found = [e for e in self.page_sentences(found[0]) if e.title_line]
            for evidence in found:
                if evidence.cache_key not in seen:
                    seen.add(evidence.cache_key)
                    out.append(evidence)
        return out

    @cached_property
    def _pages(self) -> dict[tuple[str, int], list[Chunk]]:
        """(doc key, page index) → the page's chunks in reading order."""
        pages: dict[tuple[str, int], list[Chunk]] = {}
        for chunk in self.retriever.chunks.values():
            pages.setdefault((chunk.doc_key, chunk.page_index), []).append(chunk)
        for chunks in pages.values():
            chunks.sort(key=lambda c: c.char_start)
        return pages

    def page_sentences(self, like: Evidence) -> list[Evidence]:
        """Every stored sentence of the page `like` sits on, in reading order."""
        chunks = self._pages.get((like.doc_key, like.page_index), [])
        return [e for c in chunks for e in _chunk_sentences(c, like.hit_rank)]

    def page_text(self, doc_key: str, page_index: int) -> str:
        """The page's text rebuilt from its chunks at their offsets ('' for no such page)."""
        key = (doc_key, page_index)
        if key not in self._texts:
            self._texts[key] = _rebuild(self._pages.get(key, []))
        return self._texts[key]

    def span_evidence(
        self, doc_key: str, page_index: int, start: int, end: int, rank: int, shown: str | None = None
    ) -> Evidence | None:
        """A stored span of a page (a list item: its label and first sentence) as evidence."""
        chunks = self._pages.get((doc_key, page_index))
        text = self.page_text(doc_key, page_index)
        if not chunks or not text[start:end].strip():
            return None
        chunk = next((c for c in reversed(chunks) if c.char_start <= start), chunks[0])
        quote = " ".join(text[start:end].split())
        return Evidence(
            quote=quote,
            doc_id=chunk.doc_id,
            title=chunk.title,
            page_label=chunk.page_label,
            pdf_page=chunk.pdf_page,
            doc_key=doc_key,
            page_index=page_index,
            start=start,
            hit_rank=rank,
            is_bullet=True,
            section=chunk.section or None,
            terms=frozenset(content_terms(quote)),
            shown=" ".join(shown.split()) if shown else None,
        )

    def context(self, evidence: Evidence, title: bool = True) -> str:
        """What a sentence is about besides its own words: its document's title, its section, and
        the paragraph before it ("The report ..." after a sentence naming the report)."""
        text = self.page_text(evidence.doc_key, evidence.page_index)
        if evidence.title_line:  # a title page's lines are about what the whole page names
            return f"{evidence.title if title else ''} {text}"
        paragraph = max(text.rfind("\n\n", 0, evidence.start), evidence.start - PARAGRAPH_CONTEXT, 0)
        section = (evidence.section or "").split(" > ")[-1]
        return f"{evidence.title if title else ''} {section} {text[paragraph : evidence.start]}"

    def has_page(self, doc_key: str, page_index: int) -> bool:
        return (doc_key, page_index) in self._pages

    def score(self, question_terms: list[str], query_vector: np.ndarray, evidence: list[Evidence]) -> None:
        if not evidence:
            return
        vectors = self.vectors(evidence)
        dense = _title_pages_as_one(evidence, vectors @ query_vector)
        for item, similarity in zip(evidence, dense):
            item.dense = float(similarity)
            # what it says without writing it: a "... Foundation" is a charity, a population people living
            terms = item.terms | implied_terms(item.quote)
            item.coverage = self.stats.coverage(question_terms, terms)
            # the question's words found only in the sentence's section or paragraph count for part:
            # "The meeting should be held within several days" under "3.4.1 Lessons Learned"
            around = self.stats.coverage(question_terms, terms | set(content_terms(self.context(item, title=False))))
            covered = item.coverage + CONTEXT_SHARE * (around - item.coverage)
            # dense meaning and rare-word overlap count equally; the chunk's rank breaks ties
            item.score = 0.5 * item.dense + 0.5 * covered + 0.02 / (1 + item.hit_rank)

    def vectors(self, evidence: list[Evidence]) -> np.ndarray:
        missing = [e for e in evidence if e.cache_key not in self.stored and e.cache_key not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self.max_cache:
                self._vectors.clear()
            for item, vector in zip(missing, self.embedder.embed([e.quote for e in missing])):
                self._vectors[item.cache_key] = vector
        return np.stack([self.stored.get(e.cache_key, self._vectors.get(e.cache_key)) for e in evidence])


_NEW_LINE = re.compile(r"(?:[-*•]|\d{1,2}[.)]|#{1,6})\s")


def _title_lines(text: str) -> list[tuple[int, int, bool]]:
    """A title page (headings and short lines, no sentence to quote: "Social Audit", "January 2012",
    the author's name) is quoted by its lines: they are what it says."""
    out = []
    for match in re.finditer(r"^(?:#{1,6}\s+)?(\S.*?)\s*$", text, re.M):
        if len(match.group(1).split()) <= TITLE_LINE_WORDS:
            out.append((match.start(1), match.end(1), False))
    return out


def _title_pages_as_one(evidence: list[Evidence], dense: np.ndarray) -> np.ndarray:
    """A title page's lines mean together what none means alone: "January 2012" is the date of the
    "Social Audit" of "St Mary the Virgin, Witney". Each takes the closest meaning on its page."""
    best: dict[tuple[str, int], float] = {}
    for item, similarity in zip(evidence, dense):
        if item.title_line:
            key = (item.doc_key, item.page_index)
            best[key] = max(best.get(key, -1.0), float(similarity))
    if not best:
        return dense
    return np.array([best[(e.doc_key, e.page_index)] if e.title_line else float(d) for e, d in zip(evidence, dense)])


def _rebuild(chunks: list[Chunk]) -> str:
    """A page's text from its chunks (in reading order), each at its offset. Chunks are cut between
    sentences; a gap of two or more characters was a paragraph break, and one before a bullet or a
    heading a line break."""
    parts, cursor = [], 0
    for chunk in chunks:
        gap = chunk.char_start - cursor
        line = "\n" if _NEW_LINE.match(chunk.text) else " "
        parts.append("" if gap <= 0 else line if gap == 1 else "\n\n" + " " * (gap - 2))
        parts.append(chunk.text)
        cursor = chunk.char_start + len(chunk.text)
    return "".join(parts)


def _chunk_sentences(chunk: Chunk, rank: int) -> list[Evidence]:
    text, out = chunk.text, []
    spans = quotable_spans(text)
    title_page = not spans
    for start, end, is_bullet in spans or _title_lines(text):
        sentence = text[start:end]
        terms = frozenset(content_terms(sentence))
        if len(terms) < 2:
            continue
        out.append(
            Evidence(
                quote=" ".join(sentence.split()),
                doc_id=chunk.doc_id,
                title=chunk.title,
                page_label=chunk.page_label,
                pdf_page=chunk.pdf_page,
                doc_key=chunk.doc_key,
                page_index=chunk.page_index,
                start=chunk.char_start + start,
                hit_rank=rank,
                is_bullet=is_bullet,
                section=chunk.section or None,
                terms=terms,
                title_line=title_page,
            )
        )
    return out
