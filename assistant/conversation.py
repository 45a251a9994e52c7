"""Follow-up questions without a model: a question that leans on the previous one ("and in
Bristol?", "what about its funding?") is searched together with that question's subject."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.pages import page_reference

from .markdown_text import inert_markdown
from .terms import content_terms

_LEANS_ON_PREVIOUS = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what about)\b|"
    r"\b(it|its|they|their|them|this|that|these|those|there|he|she|his|her|same)\b", re.I)
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+\b")
MAX_CONTENT_TERMS = 6
MAX_TURNS = 6


@dataclass
class Conversation:
    turns: list[str] = field(default_factory=list)  # retrieval queries of earlier turns, newest last

    def query_for(self, question: str, condense=None) -> str:
        """What to search for: the question itself, or the question plus the previous subject.
        `condense(previous, question)`, when a model is at hand, rewrites it as one question."""
        if not self.turns or not _leans_on_previous(question):
            return question
        previous = self.turns[-1]
        if condense is not None:
            rewritten = condense(previous, question)
            if rewritten:
                return rewritten
        if _NAME.search(question):  # the follow-up names its own subject: drop the old names
            previous = _NAME.sub("", previous)
        return f"{' '.join(previous.split())} {question}"

    def add(self, retrieval_query: str) -> None:
        self.turns = (self.turns + [retrieval_query])[-MAX_TURNS:]

    def clear(self) -> None:
        self.turns = []


def _leans_on_previous(question: str) -> bool:
    return len(content_terms(question)) <= MAX_CONTENT_TERMS and bool(_LEANS_ON_PREVIOUS.search(question))


def conversation_markdown(answers: list[dict]) -> str:
    """A conversation as Markdown for a committee paper: each answer with its citations and quotes.
    Questions, answers, titles and quotes are written as text (escaped), so opening the file in a
    Markdown viewer runs and fetches nothing."""
    t = inert_markdown
    lines = ["# Conversation with the report assistant", ""]
    for turn in answers:
        lines += [f"## Q: {t(' '.join(turn['question'].split()))}", "", t(turn["answer"]), ""]
        if turn["abstained"] and turn.get("nearest_pages"):
            lines += ["Nearest pages: " + "; ".join(f"{t(p['title'])}, {t(page_reference(p['page']))}"
                                                   for p in turn["nearest_pages"]), ""]
        for number, c in enumerate(turn["citations"], start=1):
            pdf = f" (PDF page {c['pdf_page']})" if c["pdf_page"] else ""
            section = f", {t(c['section'])}" if c.get("section") else ""
            quote = " ".join(c["quote"].split())  # one line: a quote can never end the blockquote
            lines += [f"[{number}] {t(c['title'])}{section}, {t(page_reference(c['page']))}{pdf}", f"> {t(quote)}", ""]
    return "\n".join(lines)
