"""Follow-up questions without a model: a question that leans on the previous one ("and in
Bristol?", "what about its funding?") is searched together with that question's subject."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .terms import content_terms

_LEANS_ON_PREVIOUS = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what about)\b|"
    r"\b(it|its|they|their|them|this|that|these|those|there|he|she|his|her|same)\b",
    re.I,
)
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
