"""The registry of ingested documents: which version of each is live, and which earlier versions are
kept. Writing it is the commit point of an ingest or a rollback, so it is replaced atomically (write
a temp file, fsync, rename), and a copy (`documents.json.bak`) is written after every commit: a
registry damaged later is restored from it."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import ReportAssistantError

FORMAT = 2
READABLE_FORMATS = (1, 2)  # format 1 kept no earlier versions


class RegistryError(ReportAssistantError):
    """documents.json cannot be read: one line naming the file and the fix."""


@dataclass
class DocumentRecord:
    id: str
    title: str
    kind: str
    version: int
    pages: int
    chunks: int
    sha256: str  # of the extracted text and page labels
    file_sha256: str  # of the file bytes: an identical file is skipped without parsing
    ingested_at: str
    source: str
    stored_file: str  # copy kept in the data dir (for page previews and re-reads)
    page_hashes: dict[str, str] = field(default_factory=dict)
    previous: list[DocumentRecord] = field(default_factory=list)  # kept versions other than this live one
    last_version: int = 0  # the highest version number given so far: a forgotten number is never reused
    reading: int = 0  # the edition of the reading rules that made its text (ingest/loaders.py READING)

    @property
    def doc_key(self) -> str:
        return f"{self.id}@{self.version}"

    def versions(self) -> list[DocumentRecord]:
        """Every kept version, oldest first, the live one among them (without its history)."""
        return sorted([self.alone()] + self.previous, key=lambda r: r.version)

    def alone(self) -> DocumentRecord:
        """This version on its own: no kept history attached."""
        return dataclasses.replace(self, previous=[], last_version=0)

    def kept(self, version: int) -> DocumentRecord | None:
        return next((r for r in self.versions() if r.version == version), None)

    def public(self) -> dict:
        return {
            k: getattr(self, k)
            for k in ("id", "title", "kind", "version", "pages", "chunks", "sha256", "ingested_at", "source")
        }


class Registry:
    def __init__(self, path: Path):
        self.path = path

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def load(self) -> dict[str, DocumentRecord]:
        if not self.path.exists():
            return {}
        try:
            return parse(self.path.read_bytes())
        except ValueError as exc:
            raise RegistryError(
                f"{self.path} is damaged ({exc}); run: report-assistant repair "
                "(it restores the last good copy and rebuilds what is missing)"
            ) from None
        except OSError as exc:
            raise RegistryError(f"cannot read {self.path} ({exc.strerror or exc})") from None

    def load_backup(self) -> dict[str, DocumentRecord] | None:
        """The copy written after the last commit, or None when there is none or it is damaged too."""
        try:
            return parse(self.backup_path.read_bytes())
        except (OSError, ValueError):
            return None

    def signature(self) -> tuple | None:
        """Changes whenever any process commits (each save replaces the file: a new inode)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def save(self, records: dict[str, DocumentRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {"format": FORMAT, "documents": {k: _to_json(v) for k, v in sorted(records.items())}}
        try:
            with tmp.open("w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk leaves no half-written temp file behind
            raise
        os.replace(tmp, self.path)
        self._write_backup()

    def catch_up_backup(self) -> None:
        """After a crash between a commit and its backup, the backup is behind: write it again (only
        from a registry that reads well: a damaged one never replaces the good copy)."""
        try:
            current = self.path.read_bytes()
            parse(current)
        except (OSError, ValueError):
            return
        try:
            behind = self.backup_path.read_bytes() != current
        except OSError:
            behind = True
        if behind:
            self._write_backup()

    def _write_backup(self) -> None:
        tmp = self.backup_path.with_name(self.backup_path.name + ".tmp")
        try:
            with tmp.open("wb") as handle:
                handle.write(self.path.read_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.backup_path)
        except OSError:  # the commit is made; a missing backup is only a lost safety net
            tmp.unlink(missing_ok=True)

    def active_keys(self) -> list[str]:
        """The live version of each document: what answers."""
        return [record.doc_key for record in self.load().values()]

    def kept_keys(self) -> list[str]:
        """Every kept version of every document: what the store and files/ must hold."""
        return [version.doc_key for record in self.load().values() for version in record.versions()]


def _to_json(record: DocumentRecord) -> dict:
    data = asdict(record)
    data["previous"] = [{k: v for k, v in asdict(r).items() if k not in _HISTORY_FIELDS} for r in record.previous]
    return data


_HISTORY_FIELDS = ("previous", "last_version")
_RECORD_FIELDS = {f.name for f in fields(DocumentRecord)}
_REQUIRED_FIELDS = {
    f.name for f in fields(DocumentRecord) if f.name not in ("page_hashes", "reading", *_HISTORY_FIELDS)
}


def parse(raw: bytes) -> dict[str, DocumentRecord]:
    """The registry's bytes → records; ValueError (one line) when anything is off."""
    if not raw.strip():
        raise ValueError("the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), dict):
        raise ValueError("no 'documents' object")
    if data.get("format") not in READABLE_FORMATS:
        raise ValueError(f"unknown format {data.get('format')!r}")
    records = {}
    for doc_id, record in data["documents"].items():
        live = _record(doc_id, record, _RECORD_FIELDS)
        if not isinstance(live.previous, list) or not isinstance(live.last_version, int):
            raise ValueError(f"document '{doc_id}' has a field of the wrong type")
        live.previous = [_record(doc_id, old, _RECORD_FIELDS - set(_HISTORY_FIELDS)) for old in live.previous]
        if len({r.version for r in live.versions()}) != len(live.previous) + 1:
            raise ValueError(f"document '{doc_id}' lists one version twice")
        records[doc_id] = live
    return records


def _record(doc_id: str, record, allowed: set[str]) -> DocumentRecord:
    if not isinstance(record, dict):
        raise ValueError(f"document '{doc_id}' is not an object")
    unknown, missing = set(record) - allowed, _REQUIRED_FIELDS - set(record)
    if unknown or missing:
        raise ValueError(
            f"document '{doc_id}' has {'unknown' if unknown else 'missing'} field '{sorted(unknown or missing)[0]}'"
        )
    types_ok = (
        all(isinstance(record[k], str) for k in _REQUIRED_FIELDS - {"version", "pages", "chunks"})
        and all(isinstance(record[k], int) for k in ("version", "pages", "chunks"))
        and isinstance(record.get("page_hashes", {}), dict)
        and isinstance(record.get("reading", 0), int)
        and record["id"] == doc_id
    )
    if not types_ok:
        raise ValueError(f"document '{doc_id}' has a field of the wrong type")
    return DocumentRecord(**record)
