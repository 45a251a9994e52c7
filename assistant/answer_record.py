"""The answer record and how it is put together: numbered, cited lines from checked sentences, or a
refusal that names the nearest pages; with the time each step took."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .citation import AnswerSentence, Citation, PageRef
from .citation_check import CheckedSentence
from .evidence import Evidence
from .retrieval import Hit

NEAREST_PAGES = 3  # pages suggested when abstaining


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    mode: str
    citations: list[Citation] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    nearest_pages: list[PageRef] = field(default_factory=list)
    timings_ms: dict = field(default_factory=dict)
    retrieval_query: str = ""
    best_evidence: float = 0.0  # answerability, compared with the abstention threshold
    best_dense: float = 0.0
    best_coverage: float = 0.0
    retrieved: list[tuple[str, str]] = field(default_factory=list)  # (doc id, page) in rank order
    note: str = ""  # e.g. why a model's answer was replaced

    def to_json(self) -> dict:
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "sentences": [s.to_json() for s in self.sentences],
            "nearest_pages": [p.to_json() for p in self.nearest_pages],
            "mode": self.mode,
            "note": self.note,
            "retrieval_query": self.retrieval_query,
            "evidence_score": round(self.best_evidence, 4),
            "timings_ms": self.timings_ms,
        }


def add_line(lines: list[str], line: str, continues: bool = False) -> None:
    """An answer's next point, or more of the last one: "Page 2 sets out Locality's belief. [1]"
    goes on with the sentence that states it, so the first line says what was asked."""
    if continues and lines:
        lines[-1] += f" {line}"
    else:
        lines.append(line)


def finish(answer: Answer, checked: list[CheckedSentence], hits: list[Hit], clock: "Clock") -> Answer:
    supported = [c for c in checked if c.supported]
    if not supported:
        return abstain(answer, hits, clock)
    citations, lines = [], []
    for item in checked:
        number = None
        if item.supported:
            citation = _citation(item.evidence)
            if citation not in citations:
                citations.append(citation)
            number = citations.index(citation) + 1
        continues = bool(item.evidence and item.evidence.continues)
        answer.sentences.append(
            AnswerSentence(
                item.text,
                item.supported,
                number,
                item.support,
                repaired=item.repaired,
                conflict=item.conflict,
                continues=continues,
            )
        )
        if item.supported:
            add_line(lines, f"{item.text} [{number}]", continues)
    answer.text = lines[0] + "".join(f"\n- {line}" for line in lines[1:])
    dropped = len(checked) - len(supported)
    if dropped:
        answer.text += f"\n\n({dropped} sentence(s) without support in the report were left out.)"
    if answer.note:
        answer.text += f"\n\n({answer.note})"
    answer.citations = citations
    answer.timings_ms = clock.laps
    return answer


def abstain(answer: Answer, hits: list[Hit], clock: "Clock", lacking: str = "") -> Answer:
    pages = []
    for hit in hits:
        chunk = hit.chunk
        page = PageRef(
            chunk.doc_id, chunk.title, chunk.page_label, chunk.pdf_page, chunk.section or None, chunk.version
        )
        if page not in pages:
            pages.append(page)
    answer.nearest_pages = pages[:NEAREST_PAGES]
    where = "; ".join(p.text() for p in answer.nearest_pages)
    gap = (
        f"the closest passages lack {lacking}"
        if lacking
        else "nothing in the stored documents answers it closely enough to quote"
    )
    answer.text = f"The report doesn't appear to cover this: {gap}." + (
        f" The nearest pages are: {where}." if where else ""
    )
    answer.abstained = True
    answer.timings_ms = clock.laps
    return answer


def _citation(evidence: Evidence) -> Citation:
    return Citation(
        evidence.doc_id,
        evidence.title,
        evidence.page_label,
        evidence.pdf_page,
        evidence.section,
        int(evidence.doc_key.rpartition("@")[2]),
        evidence.quote,
    )


class Clock:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round((now - self.last) * 1000, 1)
        self.laps["total_ms"] = round((now - self.start) * 1000, 1)
        self.last = now
