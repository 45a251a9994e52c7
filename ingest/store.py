"""The chunk store: one Chroma collection (cosine space), embedded on disk or on a Chroma server.

Every chunk carries `doc_key` = "<doc id>@<version>". Only keys the registry lists are ever read
(the live versions to answer; a kept older version when a question asks for it), so a half-written
new version stays invisible until it is committed.
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .errors import ReportAssistantError


class StoreError(ReportAssistantError):
    pass


def _store_call(method):
    """Any failure of the store (a Chroma server gone away, a full disk) becomes one StoreError line."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            full = "no space left on device: " if _disk_full(detail) else ""
            raise StoreError(f"{full}the chunk store failed during {method.__name__.strip('_')}: {detail}") from None

    return wrapper


def _disk_full(detail: str) -> bool:
    return any(sign in detail.lower() for sign in ("no space left", "disk is full", "os error 28"))


def open_chroma_client(*, path: Path | None = None, host: str = "", port: int = 8000):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if host:
            return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
        path.mkdir(parents=True, exist_ok=True)
        # Chroma shares one system per folder within a process, and that system reads the vector index
        # once: every open starts a fresh one, so it sees the folder as it is now (a holder of the old
        # one keeps it)
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(path), None)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        where = f"Chroma server at {host}:{port}" if host else f"Chroma store in {path}"
        raise StoreError(f"cannot open the {where}: {exc}".splitlines()[0]) from None


class ChunkStore:
    def __init__(self, client, collection_name: str, path: Path | None = None):
        """`path`: the embedded store's folder (None for a Chroma server), so `reopen` can read it again."""
        self.client, self.collection_name, self.path = client, collection_name, path
        self._open_collection()

    def _open_collection(self) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        try:
            self.collection = self.client.get_or_create_collection(
                self.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except Exception as exc:
            raise StoreError(f"cannot reach the chunk store: {exc}".splitlines()[0]) from None
        self.vector_store = ChromaVectorStore(chroma_collection=self.collection)

    def reopen(self) -> None:
        """See what another process wrote. An embedded Chroma reads its vector index once per process
        and never notices another writer (it then returns ids that are gone: "Error finding id"), so
        the cached system is dropped and the folder opened afresh. A server needs nothing."""
        if self.path is None:
            return
        from chromadb.api.shared_system_client import SharedSystemClient as shared

        if shared._identifier_to_refcount.get(getattr(self.client, "_identifier", None), 0) <= 1:
            with contextlib.suppress(Exception):
                self.client.close()  # the only holder in this process: stop it and free its files
        self.client = open_chroma_client(path=self.path)
        self._open_collection()

    @_store_call
    def query(self, query):
        """Dense search through LlamaIndex's Chroma adapter (similarities are exp(-distance))."""
        return self.vector_store.query(query)

    @_store_call
    def add(self, chunks: list[Chunk], embeddings: np.ndarray) -> None:
        nodes = [_to_node(chunk, vector) for chunk, vector in zip(chunks, embeddings)]
        for first in range(0, len(nodes), 1000):
            self.vector_store.add(nodes[first : first + 1000])

    @_store_call
    def delete_key(self, doc_key: str) -> None:
        self.collection.delete(where={"doc_key": doc_key})

    @_store_call
    def delete_all_but(self, kept_keys: list[str]) -> int:
        """Remove chunks of versions that were never committed or are no longer kept (after a crash)."""
        where = {"doc_key": {"$nin": kept_keys}} if kept_keys else None
        stale = self.collection.get(where=where, include=[])["ids"]
        for first in range(0, len(stale), 5000):
            self.collection.delete(ids=stale[first : first + 5000])
        return len(stale)

    @_store_call
    def versions(self) -> dict[str, dict]:
        """doc key → {doc_id, version, title, doc_kind} for every version with chunks in the store."""
        metadatas = self.collection.get(include=["metadatas"])["metadatas"]
        return {m["doc_key"]: {k: m[k] for k in ("doc_id", "version", "title", "doc_kind")} for m in metadatas}

    @_store_call
    def count(self, doc_key: str | None = None) -> int:
        if doc_key is None:
            return self.collection.count()
        return len(self.collection.get(where={"doc_key": doc_key}, include=[])["ids"])

    @_store_call
    def get_chunks(self, active_keys: list[str]) -> list[Chunk]:
        """Every chunk of these versions, as the records ingest wrote (for BM25 and sentence lookup)."""
        if not active_keys:
            return []
        result = self.collection.get(where={"doc_key": {"$in": active_keys}}, include=["documents", "metadatas"])
        return [_from_metadata(i, t, m) for i, t, m in zip(result["ids"], result["documents"], result["metadatas"])]

    @_store_call
    def get_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored chunk vectors by id (unit length: the embedder normalises them)."""
        if not ids:
            return {}
        result = self.collection.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(result["ids"], result["embeddings"])}


def chunk_metadata(chunk: Chunk) -> dict:
    metadata = {
        "doc_id": chunk.doc_id,
        "doc_key": chunk.doc_key,
        "doc_kind": chunk.doc_kind,
        "title": chunk.title,
        "version": chunk.version,
        "page_label": chunk.page_label,
        "page_index": chunk.page_index,
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
    }
    if chunk.pdf_page is not None:  # Chroma metadata must be flat scalars, never None
        metadata["pdf_page"] = chunk.pdf_page
    if chunk.section:
        metadata["section"] = chunk.section
    return metadata


def _to_node(chunk: Chunk, vector: np.ndarray):
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    metadata = chunk_metadata(chunk)
    # LlamaIndex writes the source document's id into the `doc_id` metadata key: make it ours.
    source = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)}
    return TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=metadata,
        embedding=vector.tolist(),
        relationships=source,
        excluded_embed_metadata_keys=list(metadata),
        excluded_llm_metadata_keys=list(metadata),
    )


def _from_metadata(chunk_id: str, text: str, m: dict) -> Chunk:
    return Chunk(
        id=chunk_id,
        doc_id=m["doc_id"],
        doc_kind=m["doc_kind"],
        title=m["title"],
        version=m["version"],
        page_label=m["page_label"],
        page_index=m["page_index"],
        pdf_page=m.get("pdf_page"),
        char_start=m["char_start"],
        char_end=m["char_end"],
        text=text,
        section=m.get("section", ""),
    )
