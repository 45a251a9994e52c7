"""How an answer is shown in the chat: escaped text, each [n] a link that opens citation n in the
evidence panel, a refusal's nearest pages as links that open those pages, and for a model's
answer a mark on every sentence saying whether it passed the claim check."""
from __future__ import annotations

from ingest.pages import page_reference

from .markdown_text import safe_markdown

REFUSAL_PAGES = " The nearest pages are:"


def cite_link(turn: int, number: int) -> str:
    """'[n]' as a link the page's script turns into "open citation n of answer `turn`"."""
    return f"[\\[{number}\\]](#cite-{turn}-{number})"


def answer_markdown(answer: dict, turn: int) -> str:
    """The chat bubble of answer number `turn` (0-based) of the conversation."""
    if answer["abstained"]:
        text = safe_markdown(answer["answer"].split(REFUSAL_PAGES)[0])
        pages = answer.get("nearest_pages") or []
        if pages:
            text += "\n\nNearest pages (open one to look): " + " · ".join(
                f"[{safe_markdown(where(p))}](#page-{turn}-{i})" for i, p in enumerate(pages))
        return text
    generated = answer["mode"] != "extractive" and not answer.get("note")
    lines = []
    for sentence in answer["sentences"]:
        text = safe_markdown(sentence["text"])
        if sentence["supported"]:
            lines.append(("✓ " if generated else "") + f"{text} {cite_link(turn, sentence['citation'])}")
        elif generated:  # shown struck out, so the reader sees what the check refused
            lines.append(f"✗ ~~{text}~~ _(no support in the report: left out)_")
    body = lines[0] + "".join(f"\n- {line}" for line in lines[1:]) if lines else safe_markdown(answer["answer"])
    if generated:
        body = "_Written by the model; ✓ = checked against the report, ✗ = not supported._\n\n" + body
    if answer.get("note"):
        body += f"\n\n_({safe_markdown(answer['note'])})_"
    if answer["citations"]:
        body += "\n\n" + "  \n".join(f"{cite_link(turn, n)} {safe_markdown(where(c))}"
                                    + (f" · version {c['version']}" if c.get("version") else "")
                                    for n, c in enumerate(answer["citations"], start=1))
    return body


def evidence_choices(answer: dict) -> list[tuple[str, int]]:
    """The evidence panel's list for an answer: its citations, or a refusal's nearest pages."""
    if answer["abstained"]:
        return [(f"Nearest: {where(p)}", i) for i, p in enumerate(answer.get("nearest_pages") or [])]
    return [(f"[{n}] {where(c)}", n - 1) for n, c in enumerate(answer["citations"], start=1)]


def where(citation: dict) -> str:
    section = f", {citation['section']}" if citation.get("section") else ""
    return f"{citation['title']}{section}, {page_reference(citation['page'])}"
