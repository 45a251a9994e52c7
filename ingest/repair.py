"""Repair after damage: restore a damaged registry from its backup (or, with no good copy, from the
stored copies), then rebuild every kept version whose chunks or files are missing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .disk import file_sha256, printable
from .loaders import load_document
from .manifest import FileEntry
from .pages import DocumentError
from .registry import DocumentRecord, RegistryError
from .results import IngestResult
from .stored_pages import SUFFIX as PAGES_SUFFIX

SIDE_FILES = (".sentences.npz", ".outline.json", PAGES_SUFFIX)  # beside each version's stored copy


class Repair:
    """Library's repair (a mixin: it uses the library's lock, commit and ingest steps)."""

    def repair(self, progress=None) -> list:
        with self._lock():
            results = []
            try:
                records = self.registry.load()
            except RegistryError as exc:
                records, origin = self.registry.load_backup(), self.registry.backup_path.name
                if records is None:
                    records, origin = self._records_from_stored_copies(), "the stored copies"
                if not records:
                    return [
                        IngestResult(
                            str(self.registry.path),
                            "-",
                            "failed",
                            detail=(
                                f"{exc.args[0].split(';')[0]}, and {self.registry.backup_path.name} is missing or "
                                f"damaged too; move {self.registry.path.name} away and ingest the documents again"
                            ),
                        )
                    ]
                self._commit(records)
                results.append(
                    IngestResult(
                        str(self.registry.path),
                        "-",
                        "restored",
                        detail=(f"{self.registry.path.name} restored from {origin} ({len(records)} documents)"),
                    )
                )
            self.store.delete_all_but(self.registry.kept_keys())
            self._remove_stray_files()
            for doc_id, issues in self.problems(records).items():
                results.append(self._rebuild(records[doc_id], issues, progress))
            for record in self.documents():
                for old in record.previous:
                    issues = self._issues(old)
                    if issues:
                        results.append(self._rebuild_kept(old, issues, progress))
            return results

    def _records_from_stored_copies(self) -> dict[str, DocumentRecord]:
        """With no good registry left: every version with chunks in the store and a stored copy, as a
        record that claims no chunks, so the repair then rebuilds its chunks from that copy; the newest
        of each document is live. The original file's path is not known any more (source stays blank)."""
        records: dict[str, DocumentRecord] = {}
        for doc_key, metadata in sorted(self.store.versions().items(), key=lambda kv: -kv[1]["version"]):
            copies = [p for p in self.files_dir.glob(f"{doc_key}.*") if not p.name.endswith(SIDE_FILES)]
            if not copies:
                continue
            try:
                loaded = load_document(copies[0], self.limits, isolate=True)
            except (DocumentError, OSError):
                continue
            record = DocumentRecord(
                id=metadata["doc_id"],
                title=metadata["title"],
                kind=metadata["doc_kind"],
                version=metadata["version"],
                pages=len(loaded.pages),
                chunks=0,
                sha256=loaded.text_sha256,
                file_sha256=file_sha256(copies[0]),
                source="",
                stored_file=copies[0].name,
                ingested_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                page_hashes=loaded.page_hashes(),
            )
            live = records.setdefault(record.id, record)
            if live is not record:
                live.previous.insert(0, record)
            live.last_version = live.version
        return records

    def _rebuild(self, record: DocumentRecord, issues: list[str], progress):
        """The live version, rebuilt as a new version (written beside it, then made live)."""
        stored, source = self.files_dir / record.stored_file, Path(record.source)
        intact = [p for p in (stored, source) if p.is_file() and file_sha256(p) == record.file_sha256]
        original = intact[0] if intact else source
        if not original.is_file():
            return IngestResult(
                record.source,
                record.id,
                "failed",
                detail=(
                    f"cannot rebuild: {'; '.join(issues)}, and neither the stored copy nor {printable(record.source)} "
                    f"is there; run: report-assistant forget {record.id}"
                ),
            )
        result = self._ingest_entry(FileEntry(original, record.id, record.kind, record.title), progress)
        if result.status != "failed":
            if original == stored:  # keep pointing at the user's file, not at our copy
                records = self.registry.load()
                records[record.id].source = record.source
                self._commit(records)
            where = (
                "the stored copy"
                if original == stored
                else ("the original file" if intact else "the original file, which has changed since")
            )
            result.status, result.detail = "repaired", f"rebuilt from {where} ({'; '.join(issues)})"
        result.source = record.source
        return result

    def _rebuild_kept(self, old: DocumentRecord, issues: list[str], progress):
        """A kept version that is not live, rebuilt in place from its stored copy (it does not answer
        meanwhile), or, with no intact copy, no longer kept."""
        stored = self.files_dir / old.stored_file
        result = IngestResult(old.source, old.id, "removed", old.pages, old.chunks)
        if not stored.is_file() or file_sha256(stored) != old.file_sha256:
            self._drop_kept(old)
            result.detail = f"version {old.version} could not be rebuilt ({'; '.join(issues)}): no longer kept"
            return result
        try:
            loaded = load_document(stored, self.limits, isolate=True)
        except DocumentError as exc:
            self._drop_kept(old)
            result.detail = f"version {old.version} could not be read again ({exc}): no longer kept"
            return result
        self.store.delete_key(old.doc_key)
        entry = FileEntry(stored, old.id, old.kind, old.title, titled=True)
        rebuilt = self._write_version(entry, loaded, old.file_sha256, version=old.version, progress=progress)
        rebuilt.source, rebuilt.ingested_at = old.source, old.ingested_at
        records = self.registry.load()
        live = records[old.id]
        live.previous = [rebuilt if v.version == old.version else v for v in live.previous]
        self._commit(records)
        result.status, result.chunks = "repaired", rebuilt.chunks
        result.detail = f"version {old.version} rebuilt from its stored copy ({'; '.join(issues)})"
        return result

    def _drop_kept(self, old: DocumentRecord) -> None:
        records = self.registry.load()
        live = records[old.id]
        live.previous = [v for v in live.previous if v.version != old.version]
        self._commit(records)
        self._retire(old)
