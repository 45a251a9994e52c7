"""Kept versions: every ingested version of a document stays in the store (up to a setting's count),
one of them live. Rolling back, forgetting one version or all, and listing them.

A rollback writes nothing but the registry: the old version's chunks and files are all there, so
the registry's atomic replace is the whole switch (a crash before it leaves the old live version,
after it the new one)."""

from __future__ import annotations

import dataclasses

from .changes import Changes, compare
from .disk import DiskFull, is_disk_full
from .errors import ReportAssistantError
from .registry import DocumentRecord
from .stored_pages import read_pages


class VersionError(ReportAssistantError):
    """A version that cannot be used as asked: one line naming the document and what is kept."""


def next_version(old: DocumentRecord | None) -> int:
    """Numbers are never reused, not even a forgotten one's: a citation names one text for good."""
    if old is None:
        return 1
    return max([old.last_version] + [v.version for v in old.versions()]) + 1


def with_history(
    new: DocumentRecord, old: DocumentRecord | None, *, keep: int, keep_old: bool = True
) -> tuple[DocumentRecord, list[DocumentRecord]]:
    """The new live record with the old versions attached (the old live one too unless `keep_old`
    is False: a damaged version is not kept), and the versions that `keep` (0: all) leaves out."""
    history = sorted((old.previous + ([old.alone()] if keep_old else [])) if old else [], key=lambda r: r.version)
    dropped = history[: max(0, len(history) - (keep - 1))] if keep else []
    new.previous = history[len(dropped) :]
    new.last_version = max(new.version, old.last_version if old else 0)
    return new, dropped


def switch_live(record: DocumentRecord, version: int) -> DocumentRecord:
    """The document's record with kept `version` live and every other version kept."""
    target = record.kept(version)
    others = [v for v in record.versions() if v.version != version]
    return dataclasses.replace(
        target, previous=others, last_version=max([record.last_version] + [v.version for v in record.versions()])
    )


def versions_json(record: DocumentRecord) -> list[dict]:
    """`status --json`'s "versions": each kept version, oldest first."""
    return [
        {
            "version": v.version,
            "live": v.version == record.version,
            "sha256": v.sha256,
            "source": v.source,
            "ingested_at": v.ingested_at,
            "pages": v.pages,
            "chunks": v.chunks,
        }
        for v in record.versions()
    ]


def kept_numbers(record: DocumentRecord) -> str:
    return ", ".join(str(v.version) for v in record.versions())


class KeptVersions:
    """Library's operations on versions (a mixin: it uses the library's lock, commit and retire)."""

    def version_record(self, doc_id: str, version: int | None = None) -> DocumentRecord | None:
        """A kept version of a document (the live one for None), or None."""
        record = self.registry.load().get(doc_id)
        if record is None or version is None:
            return record.alone() if record else None
        return record.kept(version)

    def changes(
        self, doc_id: str, old: int | None = None, new: int | None = None
    ) -> tuple[DocumentRecord, DocumentRecord, Changes]:
        """What changed from kept version `old` to `new`; by default from the kept version before the
        live one to the live one."""
        records = self.registry.load()
        record = records.get(doc_id)
        if record is None:
            raise VersionError(f"no document with id '{doc_id}' (see: report-assistant status)")
        new = record.version if new is None else new
        if old is None:
            earlier = [v.version for v in record.versions() if v.version != new]
            if not earlier:
                raise VersionError(f"{doc_id} has one version only (version {record.version}): nothing to compare")
            old = max([v for v in earlier if v < new] or earlier)
        before, after = (self._kept_or_fail(records, doc_id, n).kept(n) for n in (old, new))
        return before, after, compare(*(read_pages(self.files_dir, v, self.limits) for v in (before, after)))

    def version_issues(self, doc_id: str, version: int) -> list[str]:
        """What is missing of a kept version (its chunks, stored copy, sentence vectors); [] when whole."""
        record = self.version_record(doc_id, version)
        return self._issues(record) if record else [f"version {version} is not kept"]

    def rollback(self, doc_id: str, to: int) -> int:
        """Make kept version `to` live again; returns the version that was live."""
        with self._lock():
            records = self.registry.load()
            record = self._kept_or_fail(records, doc_id, to)
            if record.version == to:
                raise VersionError(f"version {to} of {doc_id} is already live")
            issues = self._issues(record.kept(to))
            if issues:
                raise VersionError(f"version {to} of {doc_id} is damaged ({issues[0]}); run: report-assistant repair")
            self._commit(records | {doc_id: switch_live(record, to)})
            return record.version

    def forget(self, doc_id: str, version: int | None = None) -> bool:
        """Remove a document with all its versions, or one kept version that is not live. False when
        there is no such document."""
        with self._lock():
            records = self.registry.load()
            record = records.get(doc_id)
            if record is None:
                return False
            gone = record.versions()
            if version is not None:
                self._kept_or_fail(records, doc_id, version)
                if version == record.version and record.previous:
                    raise VersionError(
                        f"version {version} is the live version of {doc_id}; roll back first (report-assistant "
                        f"rollback {doc_id} --to {record.previous[-1].version}) or forget the whole document"
                    )
                gone = [record.kept(version)]
                record.previous = [v for v in record.previous if v.version != version]
            if version is None or version == record.version:
                records.pop(doc_id)
            try:
                self._commit(records)
            except OSError as exc:
                if is_disk_full(exc):
                    raise DiskFull(f"no space left on device in {self.data_dir}: nothing was removed") from None
                raise
            for old in gone:
                self._retire(old)
            return True

    def _kept_or_fail(self, records: dict[str, DocumentRecord], doc_id: str, version: int) -> DocumentRecord:
        record = records.get(doc_id)
        if record is None:
            raise VersionError(f"no document with id '{doc_id}' (see: report-assistant status)")
        if record.kept(version) is None:
            raise VersionError(f"{doc_id} has no version {version} (kept versions: {kept_numbers(record)})")
        return record
