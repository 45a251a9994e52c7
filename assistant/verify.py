"""Re-check an exported conversation: for each quoted citation, is the quote still on the cited page
of the cited version, and where is it in the live version (the same page, moved to another page,
or gone)?

Reads the Markdown export (assistant/export.py: footnotes name the document and version, and the
quote, or the answer sentence it equals) or JSON: one `ask --json` answer, a list of them, or
{"answers": [...]}."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ReportAssistantError
from ingest.pages import DocumentError, page_reference
from ingest.stored_pages import read_pages

SAME, MOVED, GONE, NOT_KEPT, NO_DOCUMENT = (
    "same page",
    "moved",
    "gone",
    "version not kept",
    "document not in the library",
)


class ExportError(ReportAssistantError):
    """A file that is not an exported conversation: one line naming the file and the reason."""


@dataclass(frozen=True)
class QuoteRef:
    turn: int
    citation: int
    doc_id: str
    version: int | None
    page: str
    pdf_page: int | None
    quote: str


def read_export(path: Path) -> list[QuoteRef]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"cannot read {path} ({getattr(exc, 'strerror', None) or exc})") from None
    refs = _from_json(text, path) if text.lstrip().startswith(("{", "[")) else _from_markdown(text)
    if not refs and re.search(r"^\[\^\d+-\d+\]: ", text, re.M):
        raise ExportError(
            f"{path}: its citations name no document version (exported before versions were "
            "recorded), so they cannot be checked"
        )
    if not refs:
        raise ExportError(
            f"{path}: no quoted citations found (expected a conversation exported from the chat "
            "page, or the output of ask --json)"
        )
    return refs


def _from_json(text: str, path: Path) -> list[QuoteRef]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    answers = data.get("answers", [data]) if isinstance(data, dict) else data
    refs = []
    for turn, answer in enumerate(answers if isinstance(answers, list) else [], start=1):
        for number, c in enumerate(answer.get("citations") or [] if isinstance(answer, dict) else [], start=1):
            if isinstance(c, dict) and {"doc_id", "page", "quote"} <= set(c):
                refs.append(
                    QuoteRef(
                        turn,
                        number,
                        str(c["doc_id"]),
                        _int(c.get("version")),
                        str(c["page"]),
                        _int(c.get("pdf_page")),
                        _flat(str(c["quote"])),
                    )
                )
    return refs


_QUESTION = re.compile(r"^## Q(\d+): ")
_MARKER = re.compile(r"\[\^(\d+)-(\d+)\]")
_FOOTNOTE = re.compile(
    r"^\[\^(\d+)-(\d+)\]: (?P<where>.*?) \((?P<doc>[a-z0-9-]+), version (?P<version>\d+)\)\."
    r"(?: Quote: “(?P<quote>.*)”)?$"
)
_PAGE = re.compile(
    r", (?:pp\. (?P<range>[^,]+?) \(exact page not known\)|p\. (?P<page>[^,]+?))"
    r"(?:, PDF page (?P<pdf>\d+))?$"
)


def _from_markdown(text: str) -> list[QuoteRef]:
    said: dict[tuple[int, int], str] = {}  # an answer sentence, by the footnote it carries
    refs = []
    for line in text.splitlines():
        footnote, page = _FOOTNOTE.match(line), None
        if footnote:
            page = _PAGE.search(footnote["where"])
        if footnote and page:
            key = (int(footnote[1]), int(footnote[2]))
            quote = _uninert(footnote["quote"]) if footnote["quote"] else said.get(key, "")
            refs.append(
                QuoteRef(
                    *key,
                    footnote["doc"],
                    int(footnote["version"]),
                    page["range"] or page["page"],
                    _int(page["pdf"]),
                    _flat(quote),
                )
            )
        elif not _QUESTION.match(line):
            cursor = 0
            for marker in _MARKER.finditer(line):
                said.setdefault((int(marker[1]), int(marker[2])), _uninert(line[cursor : marker.start()]).strip())
                cursor = marker.end()
    return [r for r in refs if r.quote]


def verify(library, refs: list[QuoteRef]) -> dict:
    """`verify --json`: each quote's place in its cited version and in the live version."""
    records = library.registry.load()
    pages: dict[str, list] = {}

    def pages_of(version):
        if version.doc_key not in pages:
            try:
                pages[version.doc_key] = read_pages(library.files_dir, version, library.limits)
            except (DocumentError, OSError, ValueError):
                pages[version.doc_key] = []
        return pages[version.doc_key]

    quotes = []
    for ref in refs:
        record = records.get(ref.doc_id)
        cited = record.kept(ref.version) if record and ref.version is not None else None
        row = {
            "turn": ref.turn,
            "citation": ref.citation,
            "doc_id": ref.doc_id,
            "version": ref.version,
            "page": ref.page,
            "pdf_page": ref.pdf_page,
            "quote": ref.quote,
        }
        if record is None:
            row["cited_version"] = row["live_version"] = {"version": None, "status": NO_DOCUMENT}
        else:
            row["cited_version"] = (
                {"version": ref.version, "status": NOT_KEPT}
                if cited is None
                else _place(pages_of(cited), ref, by_pdf_page=True) | {"version": cited.version}
            )
            row["live_version"] = _place(pages_of(record), ref, by_pdf_page=False) | {"version": record.version}
        quotes.append(row)
    return {
        "quotes": quotes,
        "summary": {
            "quotes": len(quotes),
            "cited_version": dict(Counter(q["cited_version"]["status"] for q in quotes)),
            "live_version": dict(Counter(q["live_version"]["status"] for q in quotes)),
        },
    }


def _place(pages: list, ref: QuoteRef, *, by_pdf_page: bool) -> dict:
    """Where the quote is among these pages: on the cited page (the same physical page in the cited
    version; the same printed label in another), on other pages, or nowhere."""

    def cited(page) -> bool:
        if by_pdf_page and ref.pdf_page is not None and page.is_pdf:
            return page.pdf_page == ref.pdf_page
        return page.label == ref.page

    holding = [p for p in pages if ref.quote in _flat(p.text)]
    if any(cited(p) for p in holding):
        return {
            "status": SAME,
            "page": ref.page,
            "pdf_page": ref.pdf_page if by_pdf_page else next(p.pdf_page for p in holding if cited(p)),
        }
    if holding:
        return {"status": MOVED, "page": holding[0].label, "pdf_page": holding[0].pdf_page}
    return {"status": GONE, "page": None, "pdf_page": None}


def verify_text(report: dict, name: str) -> str:
    lines = [f"{name}: {report['summary']['quotes']} quoted citations"]
    for q in report["quotes"]:
        version = f" v{q['version']}" if q["version"] is not None else ""
        lines.append(
            f"[Q{q['turn']} {q['citation']}] {q['doc_id']}{version}, {page_reference(q['page'])}: "
            f"cited version: {_said(q['cited_version'])}; live version: {_said(q['live_version'])}"
        )
        lines.append(f"    “{q['quote'][:110]}{'…' if len(q['quote']) > 110 else ''}”")
    summary = report["summary"]
    lines.append(
        "summary: cited version: "
        + ", ".join(f"{n} {s}" for s, n in summary["cited_version"].items())
        + "; live version: "
        + ", ".join(f"{n} {s}" for s, n in summary["live_version"].items())
    )
    return "\n".join(lines)


def _said(place: dict) -> str:
    version = f"{place['version']} " if place.get("version") is not None else ""
    if place["status"] == MOVED:
        pdf = f" (PDF page {place['pdf_page']})" if place["pdf_page"] else ""
        return f"{version}moved to {page_reference(place['page'])}{pdf}"
    return f"{version}{place['status']}"


def _uninert(text: str) -> str:
    """Undo export.py's inert_markdown: the quote as it was stored."""
    return text.replace("!\\[", "![").replace("&lt;", "<")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
