"""Retrieved chunks → stored sentences (the units answers quote), scored against the question."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ingest.quotable import quotable_spans

from .claims import NameUsage
from .retrieval import Hit, HybridRetriever
from .terms import TermStats, content_terms


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
    start: int              # offset of the sentence in the page text
    hit_rank: int           # rank of the chunk it came from (0 = best)
    is_bullet: bool
    section: str | None = None   # heading path of the chunk it came from
    terms: frozenset = field(default_factory=frozenset)
    dense: float = 0.0
    coverage: float = 0.0
    score: float = 0.0

    @property
    def page_key(self) -> tuple[str, str]:
        return (self.doc_id, self.page_label)

    @property
    def cache_key(self) -> tuple[str, int, int]:
        return (self.doc_key, self.page_index, self.start)


class EvidenceFinder:
    def __init__(self, retriever: HybridRetriever, embedder, stats: TermStats,
                 stored: dict[tuple, np.ndarray] | None = None, max_cache: int = 50_000):
        self.retriever, self.embedder, self.stats = retriever, embedder, stats
        self.stored = stored or {}   # sentence vectors computed at ingest, keyed like cache_key
        self._vectors: dict[tuple, np.ndarray] = {}
        self.max_cache = max_cache

    @cached_property
    def name_usage(self) -> NameUsage:
        """Which words the library writes as names; built on first use (only model answers need it)."""
        return NameUsage([c["text"] for c in self.retriever.chunks.values()])

    def sentences(self, hits: list[Hit]) -> list[Evidence]:
        """Sentences of the hit chunks, in rank order, each stored sentence once."""
        seen, out = set(), []
        for rank, hit in enumerate(hits):
            for evidence in _chunk_sentences(hit.text, hit.metadata, rank):
                if evidence.cache_key not in seen:
                    seen.add(evidence.cache_key)
                    out.append(evidence)
        return out

    def page_sentences(self, like: Evidence) -> list[Evidence]:
        """Every stored sentence of the page `like` sits on, in reading order."""
        chunks = sorted((c for c in self.retriever.chunks.values()
                         if c["metadata"]["doc_key"] == like.doc_key
                         and c["metadata"]["page_index"] == like.page_index),
                        key=lambda c: c["metadata"]["char_start"])
        return [e for c in chunks for e in _chunk_sentences(c["text"], c["metadata"], like.hit_rank)]

    def score(self, question_terms: list[str], query_vector: np.ndarray, evidence: list[Evidence]) -> None:
        if not evidence:
            return
        vectors = self.vectors(evidence)
        dense = vectors @ query_vector
        for item, similarity in zip(evidence, dense):
            item.dense = float(similarity)
            item.coverage = self.stats.coverage(question_terms, item.terms)
            # dense meaning and rare-word overlap count equally; the chunk's rank breaks ties
            item.score = 0.5 * item.dense + 0.5 * item.coverage + 0.02 / (1 + item.hit_rank)

    def vectors(self, evidence: list[Evidence]) -> np.ndarray:
        missing = [e for e in evidence if e.cache_key not in self.stored and e.cache_key not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self.max_cache:
                self._vectors.clear()
            for item, vector in zip(missing, self.embedder.embed([e.quote for e in missing])):
                self._vectors[item.cache_key] = vector
        return np.stack([self.stored.get(e.cache_key, self._vectors.get(e.cache_key)) for e in evidence])


def _chunk_sentences(text: str, metadata: dict, rank: int) -> list[Evidence]:
    out = []
    for start, end, is_bullet in quotable_spans(text):
        sentence = text[start:end]
        terms = frozenset(content_terms(sentence))
        if len(terms) < 2:
            continue
        out.append(Evidence(
            quote=" ".join(sentence.split()), doc_id=metadata["doc_id"], title=metadata["title"],
            page_label=metadata["page_label"], pdf_page=metadata.get("pdf_page"),
            doc_key=metadata["doc_key"], page_index=metadata["page_index"],
            start=metadata["char_start"] + start, hit_rank=rank, is_bullet=is_bullet,
            section=metadata.get("section") or None, terms=terms))
    return out
