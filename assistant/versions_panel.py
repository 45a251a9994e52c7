"""The chat page's versions: the version selector beside "Search in", and the Library tab's list of
updates, each showing what changed page by page (the same as `report-assistant changes`)."""

from __future__ import annotations

import html

from ingest.versions import VersionError

from .changes_view import changes_markdown
from .library_view import by_kind, when

LIVE = 0  # the selector's value for "the live version"


def version_choices(library, doc_id: str | None) -> dict:
    """The selector for one document: its live version first, then each kept version; disabled for
    all documents or a document with one version."""
    record = library.registry.load().get(doc_id or "")
    choices = [("Live version", LIVE)]
    if record:
        choices = [(f"Live version (v{record.version})", LIVE)] + [
            (f"Version {v.version} ({when(v.ingested_at)})", v.version)
            for v in reversed(record.versions())
            if v.version != record.version
        ]
    return {"choices": choices, "value": LIVE, "interactive": len(choices) > 1}


def update_choices(library) -> list[tuple[str, str]]:
    """Every update between kept versions, newest first per document: ('Title: version 1 → 2 (date)', value)."""
    out = []
    for record in by_kind(library.documents()):
        versions = record.versions()
        for old, new in reversed(list(zip(versions, versions[1:]))):
            out.append(
                (
                    f"{record.title}: version {old.version} → {new.version} ({when(new.ingested_at)})",
                    update_value(record.id, old.version, new.version),
                )
            )
    return out


def update_value(doc_id: str, old: int, new: int) -> str:
    return f"{doc_id}:{old}:{new}"


def show_update(library, value: str | None) -> str:
    """The changes of one update as Markdown, or a line saying why they cannot be shown."""
    if not value:
        return ""
    doc_id, old, new = value.rsplit(":", 2)
    try:
        return changes_markdown(*library.changes(doc_id, int(old), int(new)))
    except (VersionError, ValueError, OSError) as exc:
        return f"**The changes cannot be shown:** {html.escape(str(exc))}"


def new_update(before: dict, library) -> str | None:
    """After an upload: the update it made (the first document whose live version changed and whose
    earlier version is kept), as an update value, or None."""
    for record in library.documents():
        old = before.get(record.id)
        value = update_value(record.id, *sorted((old, record.version))) if old is not None else None
        if old != record.version and value in {v for _, v in update_choices(library)}:
            return value
    return None
