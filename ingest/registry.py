"""The registry of ingested documents: which version of each is live. Writing it is the commit
point of an ingest, so it is replaced atomically (write a temp file, fsync, rename)."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class DocumentRecord:
    id: str
    title: str
    kind: str
    version: int
    pages: int
    chunks: int
    sha256: str           # of the extracted text and page labels
    file_sha256: str      # of the file bytes: an identical file is skipped without parsing
    ingested_at: str
    source: str
    stored_file: str      # copy kept in the data dir (for page previews and re-reads)
    page_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def doc_key(self) -> str:
        return f"{self.id}@{self.version}"

    def public(self) -> dict:
        return {k: getattr(self, k) for k in
                ("id", "title", "kind", "version", "pages", "chunks", "sha256", "ingested_at", "source")}


class Registry:
    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict[str, DocumentRecord]:
        if not self.path.exists():
            return {}
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        return {doc_id: DocumentRecord(**record) for doc_id, record in raw["documents"].items()}

    def save(self, records: dict[str, DocumentRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {"format": 1, "documents": {k: asdict(v) for k, v in sorted(records.items())}}
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def active_keys(self) -> list[str]:
        return [record.doc_key for record in self.load().values()]
