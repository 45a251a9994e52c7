"""The plain LlamaIndex starter a user would otherwise write: SimpleDirectoryReader → VectorStoreIndex
with default chunking, dense top-k only, the same embedder, in its own Chroma collection."""

from __future__ import annotations

from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from evals.metrics import normalise
from ingest.loaders import load_document
from ingest.manifest import entries_for


class SameEmbedder(BaseEmbedding):
    """LlamaIndex's embedding interface over our sentence-transformers model (no hub access)."""

    _embedder = PrivateAttr()

    def __init__(self, embedder, **kwargs):
        super().__init__(model_name=embedder.name, embed_batch_size=embedder.batch_size, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def cannot_read(corpus_paths: list[Path]) -> str | None:
    """Why the starter cannot read this corpus, or None. Without llama-index-readers-file,
    SimpleDirectoryReader reads a PDF as raw bytes: its 'retrieval' over them would mean nothing."""
    if not any(e.path.suffix.lower() == ".pdf" for e in entries_for(corpus_paths)):
        return None
    try:
        import llama_index.readers.file  # noqa: F401
    except ImportError:
        return (
            "SimpleDirectoryReader has no PDF reader here (llama-index-readers-file is not installed) "
            "and would index the PDFs' raw bytes"
        )
    return None


def build_starter_index(files: list[Path], embedder, collection):
    """What the starter's tutorial does: read the files, chunk them by default, embed them into Chroma."""
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    documents = SimpleDirectoryReader(input_files=[str(p) for p in files]).load_data()
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    return VectorStoreIndex.from_documents(documents, storage_context=storage, embed_model=SameEmbedder(embedder))


class StarterBaseline:
    def __init__(self, corpus_paths: list[Path], embedder, chroma_client, top_k: int = 10):
        self.entries = {e.path.resolve(): e for e in entries_for(corpus_paths)}
        self.index = build_starter_index(
            list(self.entries), embedder, chroma_client.get_or_create_collection("starter_baseline")
        )
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)
        self._pages = {path: load_document(path).pages for path in self.entries}

    def retrieve_pages(self, question: str) -> list[tuple[str, str]]:
        """The starter's hits as (our document id, printed page), found by locating each hit's text."""
        return [self._locate(hit.node) for hit in self.retriever.retrieve(question)]

    def _locate(self, node) -> tuple[str, str]:
        path = Path(node.metadata.get("file_path", "")).resolve()
        entry = self.entries.get(path)
        doc_id = entry.doc_id if entry else path.stem
        pages = self._pages.get(path, [])
        if len(pages) == 1 or "page_label" in node.metadata and not pages:
            return doc_id, pages[0].label if pages else str(node.metadata["page_label"])
        # A starter chunk can span pages: credit the page holding most of its lines.
        lines = [normalise(line) for line in node.get_content().splitlines() if len(line.strip()) > 30]
        texts = [normalise(page.text) for page in pages]
        best = max(range(len(pages)), key=lambda i: sum(line in texts[i] for line in lines), default=None)
        return doc_id, pages[best].label if best is not None else "?"
