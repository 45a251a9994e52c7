"""How an answer is shown in the chat: escaped text, each [n] a link that opens citation n in the
evidence panel, a refusal's nearest pages as links that open those pages, and for a model's
answer a mark on every sentence saying whether it passed the claim check."""

from __future__ import annotations

from .answer_record import add_line
from .markdown_text import safe_markdown

REFUSAL_PAGES = " The nearest pages are:"


def cite_link(turn: int, number: int) -> str:
    """'[n]' as a link the page's script turns into "open citation n of answer `turn`"."""
    return f"[\\[{number}\\]](#cite-{turn}-{number})"


def answer_markdown(answer, turn: int) -> str:
    """The chat bubble of `answer` (an assistant Answer), number `turn` (0-based) of the conversation."""
    if answer.abstained:
        text = safe_markdown(answer.text.split(REFUSAL_PAGES)[0])
        if answer.nearest_pages:
            text += "\n\nNearest pages (open one to look): " + " · ".join(
                f"[{p.markdown()}](#page-{turn}-{i})" for i, p in enumerate(answer.nearest_pages)
            )
        return text
    generated = answer.mode != "extractive" and not answer.note
    lines = []
    for sentence in answer.sentences:
        text = safe_markdown(sentence.text)
        if sentence.supported:
            add_line(
                lines, ("✓ " if generated else "") + f"{text} {cite_link(turn, sentence.citation)}", sentence.continues
            )
        elif generated:  # shown struck out, so the reader sees what the check refused
            lines.append(f"✗ ~~{text}~~ _(no support in the report: left out)_")
    body = lines[0] + "".join(f"\n- {line}" for line in lines[1:]) if lines else safe_markdown(answer.text)
    if generated:
        body = "_Written by the model; ✓ = checked against the report, ✗ = not supported._\n\n" + body
    if answer.note:
        body += f"\n\n_({safe_markdown(answer.note)})_"
    if answer.citations:
        body += "\n\n" + "  \n".join(
            f"{cite_link(turn, n)} {c.markdown()}" for n, c in enumerate(answer.citations, start=1)
        )
    return body


def evidence_choices(answer) -> list[tuple[str, int]]:
    """The evidence panel's list for an answer: its citations, or a refusal's nearest pages."""
    if answer.abstained:
        return [(f"Nearest: {p.text()}", i) for i, p in enumerate(answer.nearest_pages)]
    return [(f"[{n}] {c.text()}", n - 1) for n, c in enumerate(answer.citations, start=1)]
