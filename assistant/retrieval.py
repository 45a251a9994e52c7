"""Question → evidence chunks: BM25 and dense search fused by reciprocal rank, over live versions only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters, VectorStoreQuery
from llama_index.retrievers.bm25 import BM25Retriever

from ingest.chunking import Chunk

from .terms import content_terms

NEAR_DUPLICATE_CHUNK = 0.9  # cosine above which two chunks say the same thing
# "in Appendix 2", "chapter 3", "section 3.4.1": a place in the document the question names
_PLACE = re.compile(r"\b(appendix|annex|chapter|section|part)\s+([0-9]+(?:\.[0-9]+)*|[IVX]+|[A-Z])\b", re.I)
NAME_CHARS = 300  # the opening of a document's first page that may name it, as a cover does
# "the social audit", "the tax report", "the NIST guide": a document the question names by what it is
_NAMED_DOCUMENT = re.compile(
    r"\bthe\s+((?:[\w'’-]+\s+){1,3}?)(report|guide|audit|study|survey|review|strategy|plan|handbook|"
    r"toolkit|briefing|paper)\b",
    re.I,
)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused reciprocal-rank score

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id

    @property
    def page_label(self) -> str:
        return self.chunk.page_label


class DenseRetriever(BaseRetriever):
    """Dense search in Chroma with our own embedder (keeps LlamaIndex's global Settings out).
    It returns the same node objects the BM25 side holds: reciprocal-rank fusion matches the two
    lists by node hash (text + metadata), and Chroma's copies carry different metadata, so a chunk
    found by both would otherwise count as two half-scored chunks instead of one."""

    def __init__(self, store, embedder, filters: MetadataFilters, top_k: int, nodes: dict[str, TextNode]):
        super().__init__()
        self.store, self.embedder, self.filters, self.top_k = store, embedder, filters, top_k
        self.nodes = nodes

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vector = query_bundle.embedding or self.embedder.embed_query(query_bundle.query_str).tolist()
        result = self.store.query(
            VectorStoreQuery(query_embedding=vector, similarity_top_k=self.top_k, filters=self.filters)
        )
        return [
            NodeWithScore(node=self.nodes[n.node_id], score=s)
            for n, s in zip(result.nodes, result.similarities)
            if n.node_id in self.nodes
        ]


class HybridRetriever:
    """Built from the store's live chunks; rebuild after every ingest (`Retrieval.refresh`)."""

    def __init__(self, store, embedder, active_keys: list[str], top_k: int = 10):
        self.store, self.embedder, self.top_k = store, embedder, top_k
        self.active_keys = list(active_keys)
        self.chunks: dict[str, Chunk] = {c.id: c for c in store.get_chunks(self.active_keys)}
        self.vectors = store.get_vectors(list(self.chunks))
        self._fusers: dict[tuple, QueryFusionRetriever | None] = {}

    def retrieve(
        self, query: str, *, doc_id: str | None = None, kind: str | None = None, query_vector=None
    ) -> list[Hit]:
        fuser = self._fuser(doc_id, kind)
        if fuser is None:
            return []
        bundle = QueryBundle(
            query_str=query, embedding=None if query_vector is None else [float(x) for x in query_vector]
        )
        hits = [
            Hit(self.chunks[n.node.node_id], n.score) for n in fuser.retrieve(bundle) if n.node.node_id in self.chunks
        ]
        return _named_place_first(query, self._diverse(hits))

    def named_document(self, question: str) -> tuple[str, str] | None:
        """(doc id, the words naming it) for the one document whose title or title page holds every
        word of a name the question gives it ("What are the recommendations of the social audit?");
        None when it gives none, or when several documents fit ("the report" of a library of reports)."""
        for match in _NAMED_DOCUMENT.finditer(question):
            name = set(content_terms(match.group(1) + match.group(2)))
            fitting = [doc for doc, words in self._name_words.items() if name <= words]
            if len(fitting) == 1:
                return fitting[0], match.group(0)
        return None

    @cached_property
    def _name_words(self) -> dict[str, set[str]]:
        """Each document's title and the opening of its first page (a cover's lines: "St Mary the
        Virgin, Witney / Social Audit / January 2012"), as content terms."""
        opening: dict[str, Chunk] = {}
        for chunk in self.chunks.values():
            first = opening.get(chunk.doc_id)
            if first is None or (chunk.page_index, chunk.char_start) < (first.page_index, first.char_start):
                opening[chunk.doc_id] = chunk
        return {
            doc: set(content_terms(chunk.title)) | set(content_terms(chunk.text[:NAME_CHARS]))
            for doc, chunk in opening.items()
        }

    def _diverse(self, hits: list[Hit]) -> list[Hit]:
        """A chunk that says nearly what a better-ranked one says (a summary repeating the report,
        templated pages) moves to the end, so the top hits cover more of the library."""
        kept, repeats = [], []
        for hit in hits:
            vector = self.vectors.get(hit.chunk_id)
            if vector is not None and any(
                float(vector @ self.vectors[k.chunk_id]) > NEAR_DUPLICATE_CHUNK
                for k in kept
                if k.chunk_id in self.vectors
            ):
                repeats.append(hit)
            else:
                kept.append(hit)
        return kept + repeats

    def _fuser(self, doc_id: str | None, kind: str | None) -> QueryFusionRetriever | None:
        key = (doc_id, kind)
        if key not in self._fusers:
            self._fusers[key] = self._build_fuser(doc_id, kind)
        return self._fusers[key]

    def _build_fuser(self, doc_id: str | None, kind: str | None) -> QueryFusionRetriever | None:
        wanted = [
            c
            for c in self.chunks.values()
            if (doc_id is None or c.doc_id == doc_id) and (kind is None or c.doc_kind == kind)
        ]
        if not wanted:
            return None
        # fusion tells nodes apart by a hash of text and metadata: two chunks of the same text (a
        # summary repeating its report) stay two only if their metadata differs
        nodes = {
            c.id: TextNode(id_=c.id, text=c.text, metadata={"chunk": c.id}, excluded_embed_metadata_keys=["chunk"])
            for c in wanted
        }
        bm25 = BM25Retriever.from_defaults(nodes=list(nodes.values()), similarity_top_k=min(self.top_k * 2, len(nodes)))
        dense = DenseRetriever(
            self.store, self.embedder, _filters(self.active_keys, doc_id, kind), self.top_k * 2, nodes
        )
        # num_queries=1 and reciprocal_rerank: no query rewriting, so the LLM is never called;
        # MockLLM only keeps LlamaIndex from resolving its default (OpenAI) model.
        return QueryFusionRetriever(
            [bm25, dense],
            llm=MockLLM(),
            mode="reciprocal_rerank",
            num_queries=1,
            use_async=False,
            similarity_top_k=self.top_k,
        )


def _named_place_first(query: str, hits: list[Hit]) -> list[Hit]:
    """A question that names a place in the document ("What did the analysis in Appendix 2 find?")
    is answered from that place: the chunks in a section of that name come first, in their order."""
    places = [re.compile(rf"\b{re.escape(kind)}\s+{re.escape(n)}\b", re.I) for kind, n in _PLACE.findall(query)]
    if not places:
        return hits
    inside = [h for h in hits if any(p.search(h.chunk.section) for p in places)]
    return inside + [h for h in hits if h not in inside]


def _filters(active_keys: list[str], doc_id: str | None, kind: str | None) -> MetadataFilters:
    filters = [MetadataFilter(key="doc_key", value=active_keys, operator=FilterOperator.IN)]
    if doc_id:
        filters.append(MetadataFilter(key="doc_id", value=doc_id, operator=FilterOperator.EQ))
    if kind:
        filters.append(MetadataFilter(key="doc_kind", value=kind, operator=FilterOperator.EQ))
    return MetadataFilters(filters=filters)
