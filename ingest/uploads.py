"""Files added through the chat page: kept in DATA_DIR/uploads under a safe name, and staged beside
that name first, so an upload that fails leaves the earlier file of that name, and the library, as
they were."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ReportAssistantError
from .manifest import doc_id_from_name
from .results import IngestResult


def safe_file_name(name: str) -> str:
    """A user's file name made safe to store: no folders, no control characters, bounded length."""
    name = Path(name.replace("\\", "/")).name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()[:10]
    stem = re.sub(r"[^\w.\- ]+", "_", stem).strip(" ._")[:100] or "document"
    return stem + suffix


@dataclass(frozen=True)
class StagedUpload:
    staging: Path  # the copy, beside the final name until it is ingested
    target: Path  # where it is kept once ingested

    @property
    def doc_id(self) -> str:
        return doc_id_from_name(self.target.name)


def stage_upload(uploads: Path, source: Path) -> StagedUpload:
    target = uploads / safe_file_name(source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.incoming")
    shutil.copyfile(source, staging)
    return StagedUpload(staging, target)


def ingest_upload(library, upload: StagedUpload, progress=None) -> list[IngestResult]:
    """Put the staged file in place and ingest it; when that fails, the earlier file of the same name
    comes back (or the new one goes). A failure the user can act on (another ingest holds the
    library) is a failed result; any other exception is raised after the files are put back."""
    target, previous = upload.target, upload.target.with_name(f".{upload.target.name}.previous")
    if target.exists():
        target.replace(previous)
    upload.staging.replace(target)
    failed = True
    try:
        try:
            results = library.ingest([target], progress=progress)
        except ReportAssistantError as exc:
            results = [IngestResult(str(target), upload.doc_id, "failed", detail=f"{target.name}: {exc}")]
        failed = any(r.status == "failed" for r in results)
        return results
    finally:
        if failed and previous.exists():
            previous.replace(target)
        elif failed:
            target.unlink(missing_ok=True)
        previous.unlink(missing_ok=True)
