"""The Library tab's work: uploads (ingested one file at a time with visible progress; ingest/uploads.py
keeps a failed file from replacing the earlier one) and removal (asked for confirmation, naming the
document)."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

from ingest.errors import ReportAssistantError
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.results import IngestResult
from ingest.uploads import StagedUpload, ingest_upload, safe_file_name, stage_upload

from .bug_report import report_bug
from .markdown_text import safe_markdown

LOOPBACK = ("127.0.0.1", "localhost", "::1")
NEEDS_LOGIN = (
    "**Not changed:** adding or removing documents on a page shared on the network needs a "
    "login (set REPORT_ASSISTANT_AUTH_USERNAME and REPORT_ASSISTANT_AUTH_PASSWORD)."
)
STATUSES = ("new", "updated", "unchanged", "failed")


def may_change_library(settings, request) -> bool:
    """Anyone at this machine may change the library; on a shared page only a logged-in user."""
    if request is not None and getattr(request, "username", None):
        return True
    return settings.host in LOOPBACK and _from_loopback_page(request)


def _from_loopback_page(request) -> bool:
    """A request sent by a page this machine serves on loopback. A page of another site that reaches the
    port through DNS rebinding names its own host (and origin): it is not a local user."""
    if request is None:  # called in-process, not over HTTP
        return True
    headers = getattr(request, "headers", None) or {}
    try:
        names = [headers.get("host", "")] + ([urlsplit(headers["origin"]).netloc] if headers.get("origin") else [])
        return all(urlsplit(f"//{name}").hostname in LOOPBACK for name in names)
    except ValueError:  # a malformed host or origin
        return False


def upload_files(library, uploads: Path, files, progress) -> str:
    """Stage and ingest each file; returns the per-file lines and the new/updated/unchanged/failed
    summary as Markdown. `progress(fraction, desc)` is told what is happening to which file."""
    lines, staged = [], []
    for file in files:
        source = Path(file if isinstance(file, str) else file.name)
        name = safe_file_name(source.name)
        if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            lines.append(f"- **failed** {html.escape(name)}: unsupported file type (use PDF, Markdown or text)")
            continue
        if any(upload.target.name == name for upload in staged):  # two files of one name (from different folders)
            lines.append(
                f"- **failed** {html.escape(name)}: a file of the same name is already in this "
                "upload; upload it on its own"
            )
            continue
        staged.append(stage_upload(uploads, source))
    for number, upload in enumerate(staged, start=1):
        step = f"file {number} of {len(staged)}, {upload.target.name}"
        progress((number - 1) / len(staged), desc=f"{step}: reading pages…")

        def embedding(total: int, _name: str, step=step, number=number):
            done = [0]

            def tick(n: int) -> None:
                done[0] += n
                progress(
                    (number - 1 + done[0] / total) / len(staged), desc=f"{step}: {done[0]} of {total} chunks embedded"
                )

            return tick

        lines += _ingest_upload(library, upload, embedding)
    counts = {s: sum(line.startswith(f"- **{s}**") for line in lines) for s in STATUSES}
    return "\n".join(lines) + "\n\n**Summary:** " + ", ".join(f"{n} {s}" for s, n in counts.items())


def confirm_text(library, doc_id: str) -> str | None:
    record = library.registry.load().get(doc_id or "")
    if record is None:
        return None
    return (
        f"**Remove “{safe_markdown(record.title)}”** (`{record.id}`, version {record.version}, "
        f"{record.pages} page{'s' if record.pages != 1 else ''}, {record.chunks} chunks)? "
        "Its pages and chunks leave the library"
        + (
            f", with its {len(record.previous)} earlier version{'s' if len(record.previous) != 1 else ''}"
            if record.previous
            else ""
        )
        + "; the file can be added again later."
    )


def remove_document(library, doc_id: str) -> str:
    record = library.registry.load().get(doc_id or "")
    try:
        removed = library.forget(doc_id)
    except ReportAssistantError as exc:  # the library is busy, or the disk is full
        return f"**Not removed:** {html.escape(str(exc))}"
    if not removed or record is None:
        return f"No document `{html.escape(doc_id)}`."
    return f"Removed `{record.id}` (“{safe_markdown(record.title)}”)."


def _ingest_upload(library, upload: StagedUpload, progress) -> list[str]:
    """One staged file ingested, as the summary's lines; a bug is reported as one failed line."""
    try:
        results = ingest_upload(library, upload, progress)
    except Exception as exc:  # not a failure the user can act on: the files are put back, the bug logged
        why = report_bug(library.data_dir, exc, f"chat page: ingesting {upload.target.name}")
        results = [IngestResult(str(upload.target), upload.doc_id, "failed", detail=f"{upload.target.name}: {why}")]
    return [
        f"- **{r.status}** {html.escape(r.doc_id if r.doc_id != '-' else upload.doc_id)}"
        f"{': ' + html.escape(r.detail) if r.detail else ''}"
        f"{f' ({r.pages} pages, {r.chunks} chunks)' if r.status != 'failed' else ''}"
        f"{' — [see what changed](#changes)' if r.status == 'updated' else ''}"
        for r in results
    ]
