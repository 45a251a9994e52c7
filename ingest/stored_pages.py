"""Each kept version's pages as they were indexed (label, PDF page, text), saved beside its stored
copy as `<doc key>.pages.json`: comparing versions and checking a quote read them without parsing
the file again. A version stored before these files existed is read from its stored copy."""

from __future__ import annotations

import json
from pathlib import Path

from .loaders import load_document
from .pages import Limits, Page

SUFFIX = ".pages.json"


def write_pages(files_dir: Path, doc_key: str, pages: list[Page]) -> None:
    rows = [{"index": p.index, "label": p.label, "pdf": p.is_pdf, "text": p.text} for p in pages]
    (files_dir / f"{doc_key}{SUFFIX}").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def read_pages(files_dir: Path, record, limits: Limits = Limits()) -> list[Page]:
    """The pages of one kept version (a DocumentRecord), in file order."""
    path = files_dir / f"{record.doc_key}{SUFFIX}"
    if path.exists():
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [Page(index=r["index"], label=r["label"], text=r["text"], is_pdf=r["pdf"]) for r in rows]
    return load_document(files_dir / record.stored_file, limits, isolate=True).pages
