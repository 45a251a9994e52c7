"""Ingest, re-ingest, prune and forget: keeps the registry, the stored files and the chunks in step.

An update writes the new version's chunks under a new key, commits by rewriting the registry,
then retires the old version. A crash before the commit leaves the old version live; after it,
the new one. Leftovers of either are removed at the start of the next ingest.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import chunk_pages, context_line
from .loaders import load_document
from .manifest import FileEntry, entries_for
from .pages import DocumentError, Limits, LoadedDocument
from .registry import DocumentRecord, Registry
from .sentences import quotable_spans
from .store import ChunkStore

ProgressFactory = Callable[[int, str], Callable[[int], None]]


class LibraryBusy(Exception):
    pass


@dataclass
class IngestResult:
    source: str
    doc_id: str
    status: str                # new | updated | unchanged | failed | removed
    pages: int = 0
    chunks: int = 0
    detail: str = ""
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        counts = f"{self.pages} pages, {self.chunks} chunks" if self.status != "failed" else ""
        parts = [f"{self.status:<9}", self.doc_id, counts, self.detail]
        return "  ".join(p for p in parts if p)


class Library:
    def __init__(self, data_dir: Path, store: ChunkStore, embedder: Callable[[], object], *,
                 chunk_max_tokens: int, limits: Limits = Limits()):
        """`embedder` is a function returning the embedder, so forget, prune and unchanged
        re-ingests never pay for loading the model."""
        self.data_dir = Path(data_dir)
        self.files_dir = self.data_dir / "files"
        self.registry = Registry(self.data_dir / "documents.json")
        self.store = store
        self._embedder = embedder
        self.chunk_max_tokens = chunk_max_tokens
        self.limits = limits

    @property
    def embedder(self):
        return self._embedder()

    def documents(self) -> list[DocumentRecord]:
        return sorted(self.registry.load().values(), key=lambda r: r.id)

    def ingest(self, paths: list[Path], *, prune: bool = False,
               progress: ProgressFactory | None = None) -> list[IngestResult]:
        with self._lock():
            self.store.delete_all_but(self.registry.active_keys())
            self._remove_stray_files()
            try:
                entries = entries_for(paths)
            except (OSError, ValueError) as exc:
                return [IngestResult(" ".join(map(str, paths)), "-", "failed", detail=str(exc))]
            results, first_of = [], {}
            for entry in entries:
                first = first_of.setdefault(entry.doc_id, entry.path)
                if first.resolve() != entry.path.resolve():  # would silently replace the other file
                    results.append(IngestResult(str(entry.path), entry.doc_id, "failed", detail=(
                        f"{_printable(entry.path.name)}: has the same document id '{entry.doc_id}' as "
                        f"{_printable(first.name)} in this run; rename one or give ids in manifest.yaml")))
                    continue
                results.append(self._ingest_entry(entry, progress))
            if prune:
                results += self._prune(seen={e.doc_id for e in entries})
            return results

    def forget(self, doc_id: str) -> bool:
        with self._lock():
            records = self.registry.load()
            record = records.pop(doc_id, None)
            if record is None:
                return False
            self.registry.save(records)
            self._retire(record)
            return True

    def _ingest_entry(self, entry: FileEntry, progress: ProgressFactory | None) -> IngestResult:
        result = IngestResult(str(entry.path), entry.doc_id, "failed")
        name = _printable(entry.path.name)  # a file name may hold newlines: the reason stays one line
        try:
            return self._ingest_file(entry, progress)
        except DocumentError as exc:
            result.detail = f"{name}: {exc}"
        except OSError as exc:
            result.detail = f"{name}: cannot read the file ({exc.strerror or exc})"
        return result

    def _ingest_file(self, entry: FileEntry, progress: ProgressFactory | None) -> IngestResult:
        if not entry.path.is_file():
            raise DocumentError("file not found" if not entry.path.exists() else "not a regular file")
        records = self.registry.load()
        old = records.get(entry.doc_id)
        file_sha = _file_sha256(entry.path)
        # a title the manifest does not give comes from the file itself, which the hash covers
        same_title = old is not None and (old.title == entry.title or not entry.titled)
        if old and old.file_sha256 == file_sha and same_title and old.kind == entry.kind:
            return IngestResult(str(entry.path), entry.doc_id, "unchanged", old.pages, old.chunks)
        loaded = load_document(entry.path, self.limits, isolate=True)
        if loaded.title and not entry.titled:
            entry = dataclasses.replace(entry, title=loaded.title)
        if old and old.sha256 == loaded.text_sha256 and old.title == entry.title and old.kind == entry.kind:
            old.file_sha256, old.source = file_sha, str(entry.path.resolve())
            self.registry.save(records | {old.id: old})
            return IngestResult(str(entry.path), entry.doc_id, "unchanged", old.pages, old.chunks)
        record = self._write_version(entry, loaded, file_sha, version=old.version + 1 if old else 1,
                                     progress=progress)
        self.registry.save(self.registry.load() | {record.id: record})  # the commit point
        if old:
            self._retire(old)
        detail = _describe_changes(old, record) if old else ""
        return IngestResult(str(entry.path), record.id, "updated" if old else "new", record.pages,
                            record.chunks, detail, loaded.warnings)

    def _write_version(self, entry: FileEntry, loaded: LoadedDocument, file_sha: str, *,
                       version: int, progress: ProgressFactory | None) -> DocumentRecord:
        # the embedder reads the title and section lines too (Chunk.embedding_text): leave room for them
        title_tokens = self.embedder.count_tokens(entry.title + "\n")
        section_tokens = max((self.embedder.count_tokens(context_line(s.title) + "\n") for s in loaded.outline),
                             default=0)
        max_tokens = max(16, min(self.chunk_max_tokens,
                                 self.embedder.max_tokens - 2 - title_tokens - section_tokens))
        chunks = chunk_pages(loaded.pages, doc_id=entry.doc_id, doc_kind=entry.kind,
                             title=entry.title, version=version, max_tokens=max_tokens,
                             count_tokens=self.embedder.count_tokens, outline=loaded.outline)
        if not chunks:
            raise DocumentError("no text to index")
        tick = progress(len(chunks), entry.path.name) if progress else None
        vectors = self._embed_with_sentences(chunks, tick)
        stored = self.files_dir / f"{entry.doc_id}@{version}{entry.path.suffix.lower()}"
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.path, stored)
        outline = [section.to_json() for section in loaded.outline]
        (self.files_dir / f"{entry.doc_id}@{version}.outline.json").write_text(json.dumps(outline), encoding="utf-8")
        self.store.add(chunks, vectors)
        return DocumentRecord(
            id=entry.doc_id, title=entry.title, kind=entry.kind, version=version,
            pages=len(loaded.pages), chunks=len(chunks), sha256=loaded.text_sha256,
            file_sha256=file_sha, ingested_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            source=str(entry.path.resolve()), stored_file=stored.name, page_hashes=loaded.page_hashes())

    def _embed_with_sentences(self, chunks: list, tick) -> "np.ndarray":
        """Chunk vectors, and from the same pass the vector of every quotable sentence, saved
        beside the stored file so answering never embeds stored text again."""
        texts = [c.embedding_text() for c in chunks]
        spans = [quotable_spans(c.text) for c in chunks]
        shift = [len(t) - len(c.text) for t, c in zip(texts, chunks)]  # the title line before the text
        vectors, sentence_vectors = self.embedder.embed_with_spans(
            texts, [[(s + d, e + d) for s, e, _ in chunk_spans] for chunk_spans, d in zip(spans, shift)],
            progress=tick)
        keys = [(c.page_index, c.char_start + s) for c, chunk_spans in zip(chunks, spans) for s, _, _ in chunk_spans]
        path = self.files_dir / f"{chunks[0].doc_key}.sentences.npz"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(keys, dtype=np.int64).reshape(-1, 2),
                 vectors=np.concatenate(sentence_vectors) if keys else np.zeros((0, vectors.shape[1]), np.float32))
        return vectors

    def outline(self, doc_id: str) -> list[dict] | None:
        """The live version's sections ({title, level, page, pdf_page}), or None for no such document."""
        record = self.registry.load().get(doc_id)
        if record is None:
            return None
        path = self.files_dir / f"{record.doc_key}.outline.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []

    def sentence_vectors(self) -> dict[tuple, "np.ndarray"]:
        """(doc key, page index, start) → unit vector, for every live document's sentences."""
        out = {}
        for record in self.registry.load().values():
            path = self.files_dir / f"{record.doc_key}.sentences.npz"
            if path.exists():
                data = np.load(path)
                for (page_index, start), vector in zip(data["keys"], data["vectors"]):
                    if vector.any():
                        out[(record.doc_key, int(page_index), int(start))] = vector
        return out

    def _retire(self, record: DocumentRecord) -> None:
        self.store.delete_key(record.doc_key)
        for path in self.files_dir.glob(f"{record.doc_key}.*"):
            path.unlink(missing_ok=True)

    def _remove_stray_files(self) -> None:
        """Stored files of versions that were never committed or never retired (after a crash)."""
        live = {record.doc_key for record in self.registry.load().values()}
        for path in self.files_dir.glob("*"):
            if path.is_file() and path.name.split(".", 1)[0] not in live:
                path.unlink()

    def _prune(self, seen: set[str]) -> list[IngestResult]:
        records = self.registry.load()
        gone = [r for r in records.values() if r.id not in seen and not Path(r.source).exists()]
        for record in gone:
            records.pop(record.id)
            self.registry.save(records)
            self._retire(record)
        return [IngestResult(r.source, r.id, "removed", r.pages, r.chunks, "file is gone") for r in gone]

    @contextlib.contextmanager
    def _lock(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "ingest.lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LibraryBusy(f"another ingest is already running on {self.data_dir}; "
                                  "wait for it to finish") from None
            yield


def _printable(name: str) -> str:
    """A file name for a one-line message: control and line-breaking characters become '?'."""
    return _UNPRINTABLE.sub("?", name)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # surrogates: undecodable bytes


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe_changes(old: DocumentRecord, new: DocumentRecord) -> str:
    before, after = old.page_hashes, new.page_hashes
    changes = {
        "pages added": [p for p in after if p not in before],
        "removed": [p for p in before if p not in after],
        "altered": [p for p in after if p in before and before[p] != after[p]],
    }
    text = "; ".join(f"{name}: {', '.join(pages)}" for name, pages in changes.items() if pages)
    return text or "text unchanged, metadata updated"
