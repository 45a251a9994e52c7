"""Ingest, re-ingest, prune and forget: keeps the registry, the stored files and the chunks in step.

An update writes the new version's chunks under a new key, commits by rewriting the registry,
then retires the old version. A crash before the commit leaves the old version live; after it,
the new one. Leftovers of either are removed at the start of the next ingest.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import json
import math
import os
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
from .registry import DocumentRecord, Registry, RegistryError
from .quotable import quotable_spans
from .store import ChunkStore, StoreError
from .errors import ReportAssistantError

ProgressFactory = Callable[[int, str], Callable[[int], None]]
STORE_MIN_FREE_MB = 2   # below this, the embedded store is not written to (see _store_may_write)


class LibraryBusy(ReportAssistantError):
    pass


class DiskFull(ReportAssistantError):
    """The disk filled up during an ingest; what the new version had written is removed again."""


class Duplicate(ReportAssistantError):
    """The file's content is already live under another id (the argument)."""


def _refuse_duplicate(records: list[DocumentRecord], same) -> None:
    match = next((r for r in records if same(r)), None)
    if match is not None:
        raise Duplicate(match.id)


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
        counts = f"{self.pages} pages, {self.chunks} chunks" if self.status not in ("failed", "skipped", "restored") else ""
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
        self._seen_registry = self.registry.signature()  # the registry as this process's store last saw it
        self._allow_duplicates = True  # set per ingest run (a repair rebuilds whatever was there)

    @property
    def embedder(self):
        return self._embedder()

    def documents(self) -> list[DocumentRecord]:
        return sorted(self.registry.load().values(), key=lambda r: r.id)

    def ingest(self, paths: list[Path], *, prune: bool = False, progress: ProgressFactory | None = None,
               allow_duplicates: bool = False) -> list[IngestResult]:
        """`allow_duplicates` stores a file whose content another live document already has."""
        with self._lock():
            self._remove_stray_files()  # files first: they free space for the store's own cleanup
            if self._store_may_write():
                self.store.delete_all_but(self.registry.active_keys())
            try:
                entries = entries_for(paths)
            except (OSError, ValueError) as exc:
                return [IngestResult(" ".join(map(str, paths)), "-", "failed", detail=str(exc))]
            results, first_of = [], {}
            for entry in entries:
                if entry.error:
                    results.append(IngestResult(str(entry.path), entry.doc_id, "failed",
                                                detail=f"{_printable(str(entry.path))}: {entry.error}"))
                    continue
                first = first_of.setdefault(entry.doc_id, entry.path)
                if first.resolve() != entry.path.resolve():  # would silently replace the other file
                    results.append(IngestResult(str(entry.path), entry.doc_id, "failed", detail=(
                        f"{_printable(entry.path.name)}: has the same document id '{entry.doc_id}' as "
                        f"{_printable(first.name)} in this run; rename one or give ids in manifest.yaml")))
                    continue
                self._allow_duplicates = allow_duplicates
                try:
                    results.append(self._ingest_entry(entry, progress))
                finally:
                    self._allow_duplicates = True
            if prune:
                results += self._prune(seen={e.doc_id for e in entries})
            return results

    def forget(self, doc_id: str) -> bool:
        with self._lock():
            records = self.registry.load()
            record = records.pop(doc_id, None)
            if record is None:
                return False
            try:
                self._commit(records)
            except OSError as exc:
                if is_disk_full(exc):
                    raise DiskFull(f"no space left on device in {self.data_dir}: nothing was removed") from None
                raise
            self._retire(record)
            return True

    def problems(self, records: dict[str, DocumentRecord] | None = None) -> dict[str, list[str]]:
        """Where the chunk store or the stored copies disagree with the registry: doc id → problems."""
        records = self.registry.load() if records is None else records
        return {doc_id: issues for doc_id, record in sorted(records.items()) if (issues := self._issues(record))}

    def _issues(self, record: DocumentRecord) -> list[str]:
        issues = []
        stored = self.store.count(record.doc_key)
        if stored != record.chunks:
            issues.append(f"{stored} of {record.chunks} chunks are in the store")
        if not (self.files_dir / record.stored_file).is_file():
            issues.append(f"its stored copy files/{record.stored_file} is missing")
        if not (self.files_dir / f"{record.doc_key}.sentences.npz").is_file():
            issues.append("its sentence vectors are missing")
        return issues

    def repair(self, progress: ProgressFactory | None = None) -> list[IngestResult]:
        """Restore a damaged registry from its backup, then rebuild every document whose chunks or
        stored copy are missing, from the stored copy or else the original file."""
        with self._lock():
            results = []
            try:
                records = self.registry.load()
            except RegistryError as exc:
                records, origin = self.registry.load_backup(), self.registry.backup_path.name
                if records is None:
                    records, origin = self._records_from_stored_copies(), "the stored copies"
                if not records:
                    return [IngestResult(str(self.registry.path), "-", "failed", detail=(
                        f"{exc.args[0].split(';')[0]}, and {self.registry.backup_path.name} is missing or damaged "
                        f"too; move {self.registry.path.name} away and ingest the documents again"))]
                self._commit(records)
                results.append(IngestResult(str(self.registry.path), "-", "restored", detail=(
                    f"{self.registry.path.name} restored from {origin} ({len(records)} documents)")))
            self.store.delete_all_but(self.registry.active_keys())
            self._remove_stray_files()
            for doc_id, issues in self.problems(records).items():
                results.append(self._rebuild(records[doc_id], issues, progress))
            return results

    def _records_from_stored_copies(self) -> dict[str, DocumentRecord]:
        """With no good registry left: the newest stored copy of each document in the chunk store, as a
        record that claims no chunks, so the repair then rebuilds its chunks from that copy. The
        original file's path is not known any more (source stays blank)."""
        records: dict[str, DocumentRecord] = {}
        for doc_key, metadata in sorted(self.store.versions().items(), key=lambda kv: -kv[1]["version"]):
            doc_id = metadata["doc_id"]
            copies = [p for p in self.files_dir.glob(f"{doc_key}.*") if not p.name.endswith(".sentences.npz")]
            if doc_id in records or not copies:
                continue
            try:
                loaded = load_document(copies[0], self.limits, isolate=True)
            except (DocumentError, OSError):
                continue
            records[doc_id] = DocumentRecord(
                id=doc_id, title=metadata["title"], kind=metadata["doc_kind"], version=metadata["version"],
                pages=len(loaded.pages), chunks=0, sha256=loaded.text_sha256, file_sha256=_file_sha256(copies[0]),
                ingested_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), source="",
                stored_file=copies[0].name, page_hashes=loaded.page_hashes())
        return records

    def _rebuild(self, record: DocumentRecord, issues: list[str], progress) -> IngestResult:
        stored, source = self.files_dir / record.stored_file, Path(record.source)
        intact = [p for p in (stored, source) if p.is_file() and _file_sha256(p) == record.file_sha256]
        original = intact[0] if intact else source
        if not original.is_file():
            return IngestResult(record.source, record.id, "failed", detail=(
                f"cannot rebuild: {'; '.join(issues)}, and neither the stored copy nor {_printable(record.source)} "
                f"is there; run: report-assistant forget {record.id}"))
        result = self._ingest_entry(FileEntry(original, record.id, record.kind, record.title), progress)
        if result.status != "failed":
            if original == stored:  # keep pointing at the user's file, not at our copy
                records = self.registry.load()
                records[record.id].source = record.source
                self._commit(records)
            where = "the stored copy" if original == stored else (
                "the original file" if intact else "the original file, which has changed since")
            result.status, result.detail = "repaired", f"rebuilt from {where} ({'; '.join(issues)})"
        result.source = record.source
        return result

    def _ingest_entry(self, entry: FileEntry, progress: ProgressFactory | None) -> IngestResult:
        result = IngestResult(str(entry.path), entry.doc_id, "failed")
        name = _printable(entry.path.name)  # a file name may hold newlines: the reason stays one line
        try:
            return self._ingest_file(entry, progress)
        except DiskFull as exc:
            result.detail = f"{name}: {exc}"
        except Duplicate as exc:
            result.status, result.detail = "skipped", (
                f"{name}: same content as {exc.args[0]}; not stored again (--allow-duplicates stores it anyway)")
        except DocumentError as exc:
            result.detail = f"{name}: {exc}"
        except OSError as exc:
            result.detail = (f"{name}: no space left on device in {self.data_dir}" if is_disk_full(exc)
                             else f"{name}: cannot read the file ({exc.strerror or exc})")
        return result

    def _ingest_file(self, entry: FileEntry, progress: ProgressFactory | None) -> IngestResult:
        if not entry.path.is_file():
            raise DocumentError("file not found" if not entry.path.exists() else "not a regular file")
        records = self.registry.load()
        old = records.get(entry.doc_id)
        issues = self._issues(old) if old else []  # a damaged version is rebuilt, never "unchanged"
        file_sha = _file_sha256(entry.path)
        # a title the manifest does not give comes from the file itself, which the hash covers
        same_title = old is not None and (old.title == entry.title or not entry.titled)
        if old and not issues and old.file_sha256 == file_sha and same_title and old.kind == entry.kind:
            return IngestResult(str(entry.path), entry.doc_id, "unchanged", old.pages, old.chunks)
        others = [r for r in records.values() if r.id != entry.doc_id]
        if not self._allow_duplicates:
            _refuse_duplicate(others, lambda r: r.file_sha256 == file_sha)
        loaded = load_document(entry.path, self.limits, isolate=True)
        if not self._allow_duplicates:
            _refuse_duplicate(others, lambda r: r.sha256 == loaded.text_sha256)
        if loaded.title and not entry.titled:
            entry = dataclasses.replace(entry, title=loaded.title)
        if old and not issues and old.sha256 == loaded.text_sha256 and old.title == entry.title and old.kind == entry.kind:
            old.file_sha256, old.source = file_sha, str(entry.path.resolve())
            self._commit(records | {old.id: old})
            return IngestResult(str(entry.path), entry.doc_id, "unchanged", old.pages, old.chunks)
        version = old.version + 1 if old else 1
        needed_mb = self._space_needed(entry.path, loaded)
        if self.store.path is not None and _free_mb(self.data_dir) < needed_mb:  # checked before any write
            raise DiskFull(_no_space(self.data_dir, needed_mb))
        try:
            record = self._write_version(entry, loaded, file_sha, version=version, progress=progress)
            self._commit(self.registry.load() | {record.id: record})  # the commit point
        except (OSError, StoreError) as exc:  # the disk filled up while writing (another writer?)
            # Chroma does not always say why a write failed ("Error in compaction"): a store failure
            # with less free space than this version needs is taken for a full disk
            if not (is_disk_full(exc) or (isinstance(exc, StoreError) and _free_mb(self.data_dir) < needed_mb)):
                raise
            self._discard(f"{entry.doc_id}@{version}")  # the previous version stays live
            raise DiskFull(_no_space(self.data_dir, needed_mb)) from None
        if old:
            self._retire(old)
        detail = _describe_changes(old, record) if old else ""
        if issues:
            detail = f"rebuilt ({'; '.join(issues)}); {detail}"
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
        for path in self.files_dir.glob(f"{record.doc_key}.*"):
            path.unlink(missing_ok=True)
        if self._store_may_write():  # else its chunks, no longer live, are removed by a later ingest
            self.store.delete_key(record.doc_key)

    def _store_may_write(self) -> bool:
        """An embedded Chroma that runs out of space mid-write can hang for good (it retries its log):
        with almost no space left, the store is not written to at all."""
        return self.store.path is None or _free_mb(self.data_dir) >= STORE_MIN_FREE_MB

    def _discard(self, doc_key: str) -> None:
        """Remove what an uncommitted version wrote: its files first, which frees space for the store."""
        for path in self.files_dir.glob(f"{doc_key}.*"):
            path.unlink(missing_ok=True)
        if self._store_may_write():  # what is left is removed at the start of a later ingest
            with contextlib.suppress(StoreError):
                self.store.delete_key(doc_key)

    def _space_needed(self, path: Path, loaded: LoadedDocument) -> int:
        """A rough size of a version on disk: the file copy, then per character of text the chunk text
        (stored twice: table and full-text index) and the vectors of its chunks and sentences."""
        chars = sum(len(page.text) for page in loaded.pages)
        vector_bytes = 4 * getattr(self.embedder, "dimension", 384)
        per_char = 3 + vector_bytes * (1 / 120 + 3 / 900)  # a sentence per ~120 chars, a chunk per ~900
        return math.ceil((path.stat().st_size + chars * per_char) / 2**20) + 1

    def _commit(self, records: dict[str, DocumentRecord]) -> None:
        self.registry.save(records)
        self._seen_registry = self.registry.signature()

    def sync_store(self) -> bool:
        """Reopen the store when another process committed since this one last looked (True then)."""
        signature = self.registry.signature()
        if signature == self._seen_registry:
            return False
        self.store.reopen()
        self._seen_registry = signature
        return True

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
            self._commit(records)
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
            self.sync_store()  # never write through a view of the store older than the last commit
            yield


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return any(sign in text for sign in ("no space left", "disk is full", "os error 28", "quota exceeded"))


def _no_space(data_dir: Path, needed_mb: int) -> str:
    return (f"no space left on device in {data_dir} (needs about {needed_mb} MB free, has "
            f"{_free_mb(data_dir):.1f} MB; free some space and ingest again)")


def _free_mb(folder: Path) -> float:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize / 2**20


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
