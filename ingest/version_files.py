"""Writing one version of a document: its chunks (sized for the embedder) embedded into the store, and
beside its stored copy in files/ the vector of every quotable sentence, its outline and its page texts.
The registry record it returns is committed by the library; until then the version answers nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import Chunk, chunk_pages, context_line
from .loaders import READING
from .manifest import FileEntry
from .pages import DocumentError, LoadedDocument
from .quotable import quotable_spans
from .registry import DocumentRecord
from .stored_pages import write_pages

ProgressFactory = Callable[[int, str], Callable[[int], None]]


@dataclass(frozen=True)
class VersionFiles:
    """Where a version is written, and what writes it."""

    files_dir: Path
    store: object
    embedder: object
    chunk_max_tokens: int


def write_version(
    files: VersionFiles,
    entry: FileEntry,
    loaded: LoadedDocument,
    file_sha: str,
    *,
    version: int,
    progress: ProgressFactory | None,
) -> DocumentRecord:
    chunks = chunk_pages(
        loaded.pages,
        doc_id=entry.doc_id,
        doc_kind=entry.kind,
        title=entry.title,
        version=version,
        max_tokens=_chunk_tokens(files, entry.title, loaded),
        count_tokens=files.embedder.count_tokens,
        outline=loaded.outline,
    )
    if not chunks:
        raise DocumentError("no text to index")
    tick = progress(len(chunks), entry.path.name) if progress else None
    vectors = embed_with_sentences(files, chunks, tick)
    doc_key = f"{entry.doc_id}@{version}"
    stored = files.files_dir / f"{doc_key}{entry.path.suffix.lower()}"
    if stored.resolve() != entry.path.resolve():  # a kept version rebuilt in place reads its own copy
        shutil.copyfile(entry.path, stored)
    outline = [section.to_json() for section in loaded.outline]
    (files.files_dir / f"{doc_key}.outline.json").write_text(json.dumps(outline), encoding="utf-8")
    write_pages(files.files_dir, doc_key, loaded.pages)
    files.store.add(chunks, vectors)
    return DocumentRecord(
        id=entry.doc_id,
        title=entry.title,
        kind=entry.kind,
        version=version,
        pages=len(loaded.pages),
        chunks=len(chunks),
        sha256=loaded.text_sha256,
        file_sha256=file_sha,
        ingested_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        source=str(entry.path.resolve()),
        stored_file=stored.name,
        page_hashes=loaded.page_hashes(),
        reading=READING,
    )


def _chunk_tokens(files: VersionFiles, title: str, loaded: LoadedDocument) -> int:
    """The largest chunk: the embedder reads the title and section lines too (Chunk.embedding_text)."""
    count = files.embedder.count_tokens
    title_tokens = count(title + "\n")
    section_tokens = max((count(context_line(s.title) + "\n") for s in loaded.outline), default=0)
    return max(16, min(files.chunk_max_tokens, files.embedder.max_tokens - 2 - title_tokens - section_tokens))


def embed_with_sentences(files: VersionFiles, chunks: list[Chunk], tick) -> np.ndarray:
    """Chunk vectors, and from the same pass the vector of every quotable sentence, saved beside the
    stored file so answering never embeds stored text again."""
    texts = [c.embedding_text() for c in chunks]
    spans = [quotable_spans(c.text) for c in chunks]
    shift = [len(t) - len(c.text) for t, c in zip(texts, chunks)]  # the title line before the text
    vectors, sentence_vectors = files.embedder.embed_with_spans(
        texts, [[(s + d, e + d) for s, e, _ in chunk_spans] for chunk_spans, d in zip(spans, shift)], progress=tick
    )
    keys = [(c.page_index, c.char_start + s) for c, chunk_spans in zip(chunks, spans) for s, _, _ in chunk_spans]
    path = files.files_dir / f"{chunks[0].doc_key}.sentences.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        keys=np.array(keys, dtype=np.int64).reshape(-1, 2),
        vectors=np.concatenate(sentence_vectors) if keys else np.zeros((0, vectors.shape[1]), np.float32),
    )
    return vectors


def read_sentence_vectors(files_dir: Path, doc_keys: list[str]) -> dict[tuple, np.ndarray]:
    """(doc key, page index, start) → unit vector, for the sentences of these versions."""
    out = {}
    for doc_key in doc_keys:
        path = files_dir / f"{doc_key}.sentences.npz"
        if path.exists():
            data = np.load(path)
            for (page_index, start), vector in zip(data["keys"], data["vectors"]):
                if vector.any():
                    out[(doc_key, int(page_index), int(start))] = vector
    return out
