"""What the library holds, said in a line and a table: the main report (the official PDF or a
digest of it), how many documents of each kind, and each document's version and ingest date."""

from __future__ import annotations

from ingest.manifest import KINDS

from .answer_view import safe_markdown

PLURAL = {
    "report": "reports",
    "summary": "summaries",
    "case-study": "case studies",
    "context": "context documents",
    "document": "other documents",
}
SINGULAR = {"case-study": "case study", "context": "context document", "document": "other document"}


def by_kind(records) -> list:
    """Reports first, then summaries, case studies, context and other documents; by title within a kind."""
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(records, key=lambda r: (order.get(r.kind, len(KINDS)), r.title.lower(), r.id))


def library_line(records) -> str:
    """'Library: *Title* (official PDF) · 9 documents: 1 report, 1 summary, 6 case studies, 1 context document'."""
    records = by_kind(records)
    if not records:
        return "**Library:** empty — add documents in the Library tab."
    counts = {}
    for record in records:
        counts[record.kind] = counts.get(record.kind, 0) + 1
    kinds = ", ".join(f"{n} {PLURAL.get(k, k) if n > 1 else SINGULAR.get(k, k)}" for k, n in counts.items())
    main = next((r for r in records if r.kind == "report"), None)
    if main is None:
        lead = "no main report"
    else:
        form = "the official PDF" if main.stored_file.endswith(".pdf") else "a digest, not the official PDF"
        lead = f"main report *{safe_markdown(main.title)}* ({form})"
    total = f"{len(records)} document{'s' if len(records) != 1 else ''}"
    return f"**Library:** {lead} · {total}: {kinds}"


def library_rows(records) -> list[list]:
    return [[r.id, r.title, r.kind, r.version, r.pages, r.chunks, when(r.ingested_at)] for r in by_kind(records)]


def when(iso_time: str) -> str:
    """'2026-11-26T02:20:21+00:00' → '2026-11-26 02:20 UTC' (ingest times are stored in UTC)."""
    return iso_time[:16].replace("T", " ") + (" UTC" if iso_time.endswith("+00:00") else "")
