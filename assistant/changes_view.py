"""What changed between two versions, as JSON (`changes --json`), as text (the CLI) and as
Markdown (the Library tab): per page, the sentences added, removed and changed, with both sides'
page labels."""

from __future__ import annotations

from ingest.changes import Changes, PageChange
from ingest.pages import page_reference

from .library_view import when
from .markdown_text import safe_markdown

TEXT_SENTENCES = 12  # sentences the text shows per page (the JSON lists all)


def changes_json(before, after, changes: Changes) -> dict:
    return {
        "doc_id": after.id,
        "title": after.title,
        "from": _side(before),
        "to": _side(after),
        "summary": changes.summary(),
        "pages": [p.to_json() for p in changes.pages],
    }


def _side(record) -> dict:
    return {
        "version": record.version,
        "sha256": record.sha256,
        "ingested_at": record.ingested_at,
        "pages": record.pages,
    }


def headline(changes: Changes) -> str:
    counts = [
        f"{changes.count('added')} page{'s' if changes.count('added') != 1 else ''} added",
        f"{changes.count('removed')} removed",
        f"{changes.count('changed')} changed",
    ]
    moved = f" ({changes.moved} of them moved)" if changes.moved else ""
    return f"{', '.join(counts)}; {changes.unchanged} unchanged{moved}"


def where_from_to(change: PageChange) -> str:
    """'p. 7 → p. 8 (PDF page 9 → 10)'; a side without the page is '–'."""

    def label(page):
        return page_reference(page.label) if page else "–"

    def pdf(page):
        return str(page.pdf_page) if page and page.pdf_page else "–"

    pdfs = [p for p in (change.before, change.after) if p and p.pdf_page]
    return f"{label(change.before)} → {label(change.after)}" + (
        f" (PDF page {pdf(change.before)} → {pdf(change.after)})" if pdfs else ""
    )


def changes_text(before, after, changes: Changes) -> str:
    lines = [
        f"{after.id}: version {before.version} ({when(before.ingested_at)}, {before.pages} pages) → "
        f"version {after.version} ({when(after.ingested_at)}, {after.pages} pages)",
        headline(changes),
    ]
    for change in changes.pages:
        lines.append(f"{change.change:<8} {where_from_to(change)}")
        items = (
            [f"  ~ “{old}”\n    → “{new}”" for old, new in change.changed]
            + [f"  + “{s}”" for s in change.added]
            + [f"  - “{s}”" for s in change.removed]
        )
        lines += items[:TEXT_SENTENCES]
        if len(items) > TEXT_SENTENCES:
            lines.append(f"  … and {len(items) - TEXT_SENTENCES} more (changes --json lists all)")
    return "\n".join(lines)


def changes_markdown(before, after, changes: Changes) -> str:
    """The Library tab's view: escaped text, one section per changed page."""
    blocks = [
        f"**{safe_markdown(after.title)}** (`{after.id}`): version {before.version} → version "
        f"{after.version} — {headline(changes)}."
    ]
    if not changes.pages:
        blocks.append("The text is the same on every page.")
    for change in changes.pages:
        items = (
            [f"- changed: “{safe_markdown(old)}” → “{safe_markdown(new)}”" for old, new in change.changed]
            + [f"- added: “{safe_markdown(s)}”" for s in change.added]
            + [f"- removed: “{safe_markdown(s)}”" for s in change.removed]
        )
        blocks.append(
            f"#### {change.change.capitalize()}: {safe_markdown(where_from_to(change))}\n\n" + "\n".join(items)
        )
    return "\n\n".join(blocks)
