"""A conversation as a record that can be filed: when, which document versions, which answer mode,
each answer once, and its citations as footnotes (title, section, printed page, PDF page, the document
id and version, and the quote where it differs from the answer's own words)."""

from __future__ import annotations

import datetime as dt

from .answer_view import REFUSAL_PAGES
from .markdown_text import inert_markdown as t


def conversation_markdown(answers: list, documents: list, *, now: dt.datetime | None = None) -> str:
    """`answers`: the assistant's Answers in order; `documents`: the library's records. Questions,
    answers, titles and quotes are written as text, so a Markdown viewer opening the file runs and
    fetches nothing."""
    now = now or dt.datetime.now(dt.timezone.utc)
    modes = sorted({a.mode for a in answers}) or ["extractive"]
    lines = [
        "# Conversation with the report assistant",
        "",
        f"- Date: {now.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Answer mode: {', '.join(modes)}",
        "- Library: " + ("; ".join(f"{d.id} v{d.version} (sha256 {d.sha256[:12]})" for d in documents) or "empty"),
        "",
    ]
    for turn, answer in enumerate(answers, start=1):
        lines += [f"## Q{turn}: {t(' '.join(answer.question.split()))}", ""]
        if answer.abstained:
            lines += [t(answer.text.split(REFUSAL_PAGES)[0]), ""]
            if answer.nearest_pages:
                lines += ["Nearest pages: " + "; ".join(p.markdown() for p in answer.nearest_pages), ""]
            continue
        supported = [s for s in answer.sentences if s.supported]
        lines += [" ".join(f"{t(s.text)}[^{turn}-{s.citation}]" for s in supported), ""]
        if answer.note:
            lines += [f"({t(answer.note)})", ""]
        said = {" ".join(s.text.split()) for s in supported}
        for number, citation in enumerate(answer.citations, start=1):
            quote = " ".join(citation.quote.split())
            extra = f" Quote: “{t(quote)}”" if quote not in said else ""
            lines.append(f"[^{turn}-{number}]: {citation.markdown()}.{extra}")
        lines.append("")
    return "\n".join(lines)
