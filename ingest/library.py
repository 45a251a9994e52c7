"""Ingest, re-ingest, prune: keeps the registry, the stored files and the chunks in step.

An update writes the new version's chunks under a new key, then commits by rewriting the registry,
which makes it live and keeps the old version beside it (up to `keep_versions`). A crash before the
commit leaves the old version live; after it, the new one. Leftovers of uncommitted or dropped
versions are removed at the start of the next ingest. Kept versions: versions.py; repair: repair.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
from pathlib import Path
from typing import Callable

import numpy as np

from .changes import compare
from .disk import STORE_MIN_FREE_MB, DiskFull, file_sha256, free_mb, is_disk_full, no_space, printable, space_needed
from .errors import ReportAssistantError
from .loaders import READING, load_document
from .manifest import FileEntry, entries_for
from .pages import DocumentError, Limits, LoadedDocument
from .registry import DocumentRecord, Registry
from .repair import Repair
from .results import IngestResult
from .store import ChunkStore, StoreError
from .stored_pages import read_pages
from .version_files import VersionFiles, read_sentence_vectors, write_version
from .versions import KeptVersions, next_version, switch_live, with_history

ProgressFactory = Callable[[int, str], Callable[[int], None]]
__all__ = ["DiskFull", "Duplicate", "IngestResult", "Library", "LibraryBusy"]


class LibraryBusy(ReportAssistantError):
    pass


class Duplicate(ReportAssistantError):
    """The file's content is already live under another id (the argument)."""


def _refused_entry(entry: FileEntry, first_of: dict[str, Path]) -> IngestResult | None:
    """A file that cannot be ingested as listed: unreadable, or a second file of this run with the id
    of an earlier one (`first_of`: the first readable file of each id), which it would silently replace."""
    if entry.error:
        return IngestResult(
            str(entry.path), entry.doc_id, "failed", detail=f"{printable(str(entry.path))}: {entry.error}"
        )
    first = first_of.setdefault(entry.doc_id, entry.path)
    if first.resolve() != entry.path.resolve():
        return IngestResult(
            str(entry.path),
            entry.doc_id,
            "failed",
            detail=(
                f"{printable(entry.path.name)}: has the same document id '{entry.doc_id}' as {printable(first.name)} "
                "in this run; rename one or give ids in manifest.yaml"
            ),
        )
    return None


def _refuse_duplicate(records: list[DocumentRecord], same) -> None:
    match = next((r for r in records if same(r)), None)
    if match is not None:
        raise Duplicate(match.id)


class Library(KeptVersions, Repair):
    def __init__(
        self,
        data_dir: Path,
        store: ChunkStore,
        embedder: Callable[[], object],
        *,
        chunk_max_tokens: int,
        limits: Limits = Limits(),
        keep_versions: int = 0,
    ):
        """`embedder` is a function returning the embedder, so forget, prune and unchanged
        re-ingests never pay for loading the model. `keep_versions`: versions kept per document, the
        live one included (0: all)."""
        self.data_dir = Path(data_dir)
        self.files_dir = self.data_dir / "files"
        self.registry = Registry(self.data_dir / "documents.json")
        self.store = store
        self._embedder = embedder
        self.chunk_max_tokens = chunk_max_tokens
        self.limits = limits
        self.keep_versions = keep_versions
        self._seen_registry = self.registry.signature()  # the registry as this process's store last saw it
        self._allow_duplicates = True  # set per ingest run (a repair rebuilds whatever was there)

    @property
    def embedder(self):
        return self._embedder()

    def documents(self) -> list[DocumentRecord]:
        return sorted(self.registry.load().values(), key=lambda r: r.id)

    def ingest(
        self,
        paths: list[Path],
        *,
        prune: bool = False,
        progress: ProgressFactory | None = None,
        allow_duplicates: bool = False,
    ) -> list[IngestResult]:
        """`allow_duplicates` stores a file whose content another live document already has."""
        with self._lock():
            self._remove_stray_files()  # files first: they free space for the store's own cleanup
            if self._store_may_write():
                self.store.delete_all_but(self.registry.kept_keys())
            try:
                entries = entries_for(paths)
            except (OSError, ValueError) as exc:
                return [IngestResult(" ".join(map(str, paths)), "-", "failed", detail=str(exc))]
            results, first_of = [], {}
            for entry in entries:
                refused = _refused_entry(entry, first_of)
                if refused:
                    results.append(refused)
                    continue
                self._allow_duplicates = allow_duplicates
                try:
                    results.append(self._ingest_entry(entry, progress))
                finally:
                    self._allow_duplicates = True
            if prune:
                results += self._prune(seen={e.doc_id for e in entries})
            return results

    def problems(self, records: dict[str, DocumentRecord] | None = None, *, kept: bool = False) -> dict[str, list[str]]:
        """Where the chunk store or the stored copies disagree with the registry: doc id → problems of
        its live version (and with `kept`, of its other kept versions too, each named)."""
        records = self.registry.load() if records is None else records
        out = {}
        for doc_id, record in sorted(records.items()):
            issues = self._issues(record)
            if kept:
                issues += [f"version {old.version}: {issue}" for old in record.previous for issue in self._issues(old)]
            if issues:
                out[doc_id] = issues
        return out

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

    def _ingest_entry(self, entry: FileEntry, progress: ProgressFactory | None) -> IngestResult:
        result = IngestResult(str(entry.path), entry.doc_id, "failed")
        name = printable(entry.path.name)  # a file name may hold newlines: the reason stays one line
        try:
            return self._ingest_file(entry, progress)
        except DiskFull as exc:
            result.detail = f"{name}: {exc}"
        except Duplicate as exc:
            result.status, result.detail = (
                "skipped",
                (f"{name}: same content as {exc.args[0]}; not stored again (--allow-duplicates stores it anyway)"),
            )
        except DocumentError as exc:
            result.detail = f"{name}: {exc}"
        except OSError as exc:
            result.detail = (
                f"{name}: no space left on device in {self.data_dir}"
                if is_disk_full(exc)
                else f"{name}: cannot read the file ({exc.strerror or exc})"
            )
        return result

    def _ingest_file(self, entry: FileEntry, progress: ProgressFactory | None) -> IngestResult:
        if not entry.path.is_file():
            raise DocumentError("file not found" if not entry.path.exists() else "not a regular file")
        records = self.registry.load()
        old = records.get(entry.doc_id)
        issues = self._issues(old) if old else []  # a damaged version is rebuilt, never "unchanged"
        file_sha = file_sha256(entry.path)
        # a title the manifest does not give comes from the file itself, which the hash covers
        same_file = [
            v
            for v in (old.versions() if old else [])
            if v.file_sha256 == file_sha and v.kind == entry.kind and (v.title == entry.title or not entry.titled)
        ]
        live_is_same_file = any(v.version == old.version for v in same_file)
        read_before = old is not None and old.reading < READING  # by older reading rules: read it again
        if not issues and not read_before and live_is_same_file:
            return IngestResult(str(entry.path), entry.doc_id, "unchanged", old.pages, old.chunks)
        kept = [v for v in same_file if v.version != old.version and not self._issues(v)]
        if kept:  # a kept version of this very file: it becomes live again, nothing is embedded
            return self._relive(records, old, kept[-1].version, issues, entry.path)
        others = [r for r in records.values() if r.id != entry.doc_id]
        if not self._allow_duplicates:
            _refuse_duplicate(others, lambda r: r.file_sha256 == file_sha)
        loaded = load_document(entry.path, self.limits, isolate=True)
        if not self._allow_duplicates:
            _refuse_duplicate(others, lambda r: r.sha256 == loaded.text_sha256)
        if loaded.title and not entry.titled:
            entry = dataclasses.replace(entry, title=loaded.title)
        if (
            old
            and not issues
            and old.sha256 == loaded.text_sha256
            and old.title == entry.title
            and old.kind == entry.kind
        ):
            old.file_sha256, old.source, old.reading = file_sha, str(entry.path.resolve()), READING
            self._commit(records | {old.id: old})
            return IngestResult(str(entry.path), entry.doc_id, "unchanged", old.pages, old.chunks)
        if read_before and live_is_same_file:
            # the same file reads as other text now: the new reading replaces the old, which is no
            # version of its own (it would answer "what changed?" with reading differences)
            issues = issues + ["read again by newer reading rules"]
        return self._add_version(entry, loaded, file_sha, old, issues, progress)

    def _add_version(
        self,
        entry: FileEntry,
        loaded: LoadedDocument,
        file_sha: str,
        old: DocumentRecord | None,
        issues: list[str],
        progress: ProgressFactory | None,
    ) -> IngestResult:
        """Write the file's new version, make it live in one commit, then retire what the keep limit
        (or damage) leaves out; a disk that fills up on the way leaves the previous version live."""
        version = next_version(old)
        needed_mb = space_needed(entry.path, loaded, getattr(self.embedder, "dimension", 384))
        if self.store.path is not None and free_mb(self.data_dir) < needed_mb:  # checked before any write
            raise DiskFull(no_space(self.data_dir, needed_mb))
        try:
            record = self._write_version(entry, loaded, file_sha, version=version, progress=progress)
            detail = self._describe_update(old, loaded) if old else ""
            record, dropped = with_history(record, old, keep=self.keep_versions, keep_old=not issues)
            self._commit(self.registry.load() | {record.id: record})  # the commit point
        except (OSError, StoreError) as exc:  # the disk filled up while writing (another writer?)
            # Chroma does not always say why a write failed ("Error in compaction"): a store failure
            # with less free space than this version needs is taken for a full disk
            if not (is_disk_full(exc) or (isinstance(exc, StoreError) and free_mb(self.data_dir) < needed_mb)):
                raise
            self._discard(f"{entry.doc_id}@{version}")  # the previous version stays live
            raise DiskFull(no_space(self.data_dir, needed_mb)) from None
        for gone in dropped + ([old] if issues else []):
            self._retire(gone)
        if issues:
            detail = f"rebuilt ({'; '.join(issues)}); {detail}".removesuffix("; ")
        return IngestResult(
            str(entry.path),
            record.id,
            "updated" if old else "new",
            record.pages,
            record.chunks,
            detail,
            loaded.warnings,
        )

    def _relive(
        self, records: dict[str, DocumentRecord], old: DocumentRecord, version: int, issues: list[str], path: Path
    ) -> IngestResult:
        """The file is a kept version's file: that version becomes live again."""
        record = switch_live(old, version)
        record.source = str(path.resolve())
        if issues:  # the damaged live version is not kept
            record.previous = [v for v in record.previous if v.version != old.version]
        self._commit(records | {record.id: record})
        if issues:
            self._retire(old)
        return IngestResult(
            record.source,
            record.id,
            "updated",
            record.pages,
            record.chunks,
            f"the same file as kept version {version}, which is live again (was version {old.version})",
        )

    def _describe_update(self, old: DocumentRecord, loaded: LoadedDocument) -> str:
        """'pages added: 12; altered: 7', pages matched by their text (ingest/changes.py)."""
        try:
            return compare(read_pages(self.files_dir, old, self.limits), loaded.pages).line()
        except (DocumentError, OSError, ValueError):  # the old version's pages are gone (a damaged store)
            return ""

    def _write_version(
        self, entry: FileEntry, loaded: LoadedDocument, file_sha: str, *, version: int, progress: ProgressFactory | None
    ) -> DocumentRecord:
        return write_version(
            VersionFiles(self.files_dir, self.store, self.embedder, self.chunk_max_tokens),
            entry,
            loaded,
            file_sha,
            version=version,
            progress=progress,
        )

    def outline(self, doc_id: str, version: int | None = None) -> list[dict] | None:
        """A version's sections ({title, level, page, pdf_page}; the live one's by default), or None
        for no such document or version."""
        record = self.version_record(doc_id, version)
        if record is None:
            return None
        path = self.files_dir / f"{record.doc_key}.outline.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []

    def sentence_vectors(self, doc_keys: list[str] | None = None) -> dict[tuple, "np.ndarray"]:
        """(doc key, page index, start) → unit vector, for the sentences of these versions (default:
        every live one)."""
        return read_sentence_vectors(self.files_dir, self.registry.active_keys() if doc_keys is None else doc_keys)

    def _retire(self, record: DocumentRecord) -> None:
        for path in self.files_dir.glob(f"{record.doc_key}.*"):
            path.unlink(missing_ok=True)
        if self._store_may_write():  # else its chunks, no longer kept, are removed by a later ingest
            self.store.delete_key(record.doc_key)

    def _store_may_write(self) -> bool:
        """An embedded Chroma that runs out of space mid-write can hang for good (it retries its log):
        with almost no space left, the store is not written to at all."""
        return self.store.path is None or free_mb(self.data_dir) >= STORE_MIN_FREE_MB

    def _discard(self, doc_key: str) -> None:
        """Remove what an uncommitted version wrote: its files first, which frees space for the store."""
        for path in self.files_dir.glob(f"{doc_key}.*"):
            path.unlink(missing_ok=True)
        if self._store_may_write():  # what is left is removed at the start of a later ingest
            with contextlib.suppress(StoreError):
                self.store.delete_key(doc_key)

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
        """Stored files of versions that were never committed or no longer kept (after a crash)."""
        kept = set(self.registry.kept_keys())
        for path in self.files_dir.glob("*"):
            if path.is_file() and path.name.split(".", 1)[0] not in kept:
                path.unlink()

    def _prune(self, seen: set[str]) -> list[IngestResult]:
        records = self.registry.load()
        gone = [r for r in records.values() if r.id not in seen and not Path(r.source).exists()]
        for record in gone:
            records.pop(record.id)
            self._commit(records)
            for version in record.versions():
                self._retire(version)
        return [IngestResult(r.source, r.id, "removed", r.pages, r.chunks, "file is gone") for r in gone]

    @contextlib.contextmanager
    def _lock(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "ingest.lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LibraryBusy(
                    f"another ingest is already running on {self.data_dir}; wait for it to finish"
                ) from None
            self.sync_store()  # never write through a view of the store older than the last commit
            self.registry.catch_up_backup()
            yield
