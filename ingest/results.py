"""What an ingest, a repair or a prune did to one file or document: one line each."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestResult:
    source: str
    doc_id: str
    status: str  # new | updated | unchanged | failed | skipped | removed | repaired | restored
    pages: int = 0
    chunks: int = 0
    detail: str = ""
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        counts = (
            f"{self.pages} pages, {self.chunks} chunks" if self.status not in ("failed", "skipped", "restored") else ""
        )
        parts = [f"{self.status:<9}", self.doc_id, counts, self.detail]
        return "  ".join(p for p in parts if p)
