"""Question → cited answer: retrieve, score stored sentences, answer, check citations, or abstain."""
from __future__ import annotations

import dataclasses
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from ingest.manifest import KINDS
from ingest.store import StoreError
from ingest.pdf_quote import quote_boxes

from .change_answers import change_answer
from .citation import AnswerSentence, Citation, PageRef
from .citations import CheckedSentence, check_answer
from .evidence import Evidence, EvidenceFinder
from .extractive import list_answer, select_sentences, with_continuation, with_parts
from .lead import choose_lead
from .lists import PageLists, is_intro
from .question import Intent, analyse, missing, new_names
from .retrieval import Hit, HybridRetriever
from .terms import TermStats, content_terms
from .versioned import PinnedAssistants, answer_keys, check_version
from ingest.errors import ReportAssistantError

EVIDENCE_HITS = 8       # chunks whose sentences are considered
NEAREST_PAGES = 3       # pages suggested when abstaining
_WHERE = re.compile(r"^\s*(where|on (what|which) pages?|(what|which) pages?)\b", re.I)  # asks for a place, not a list


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
    best_evidence: float = 0.0     # answerability, compared with the abstention threshold
    best_dense: float = 0.0
    best_coverage: float = 0.0
    retrieved: list[tuple[str, str]] = field(default_factory=list)  # (doc id, page) in rank order
    note: str = ""                 # e.g. why a model's answer was replaced

    def to_json(self) -> dict:
        return {"answer": self.text, "abstained": self.abstained, "citations": [c.to_json() for c in self.citations],
                "sentences": [s.to_json() for s in self.sentences],
                "nearest_pages": [p.to_json() for p in self.nearest_pages],
                "mode": self.mode, "note": self.note, "retrieval_query": self.retrieval_query,
                "evidence_score": round(self.best_evidence, 4), "timings_ms": self.timings_ms}


@dataclass(frozen=True)
class Answerability:
    """How closely the best evidence answers a question: this share of its meaning match plus the rest
    of its rare-word coverage, and the threshold below which the assistant abstains. The two are
    calibrated together (settings: answerability_dense_weight, abstain_below)."""
    dense_weight: float
    threshold: float

    def score(self, dense: float, coverage: float) -> float:
        return self.dense_weight * dense + (1 - self.dense_weight) * coverage


class QuestionError(ReportAssistantError):
    """A question that cannot be asked as given (empty, too long, an unknown document, kind or mode)."""


def check_question(question: str, max_chars: int) -> str:
    """The question as it will be asked, or QuestionError: checked before any search is made."""
    question = (question or "").strip()
    if not question:
        raise QuestionError("the question is empty; type a question about the reports")
    if len(question) > max_chars:
        raise QuestionError(f"the question is {len(question)} characters long, more than the limit of {max_chars} "
                            "(REPORT_ASSISTANT_MAX_QUESTION_CHARS); ask it more briefly")
    return question


class Assistant:
    def __init__(self, store, embedder, library, *, answerability: Answerability, generators: dict | None = None,
                 max_question_chars: int = 4000, pinned: tuple[str, int] | None = None):
        """`pinned` (doc id, version): answer from that kept version of the document instead of its live one."""
        self.store, self.embedder, self.library = store, embedder, library
        self.pinned = pinned
        self.pinned_assistants = PinnedAssistants(self)
        self.answerability = answerability
        self.max_question_chars = max_question_chars
        self.generators = generators or {}   # mode name → generative answerer
        self._store_lock = threading.RLock()   # a reopen never runs under another thread's search
        self._refresh()

    @property
    def registry(self):
        return self.library.registry

    def _refresh(self) -> None:
        """Re-read the live chunks and check them against the registry."""
        with self._store_lock:
            self._registry_seen = self.registry.signature()
            keys, self.problems = answer_keys(self.library, self.registry.load(), self.pinned)
            self.retriever = HybridRetriever(self.store, self.embedder, keys)
            self.stats = TermStats([c.text for c in self.retriever.chunks.values()], self.embedder.whole_words())
            self.finder = EvidenceFinder(self.retriever, self.embedder, self.stats, self.library.sentence_vectors(keys))
            self.lists = PageLists(self.finder.page_text, self.finder.has_page)

    def sync(self) -> None:
        """Catch up with the library before a question: after an ingest or forget by this process, the
        CLI or another page (the registry changed), re-read the live chunks, reopening the store first
        when another process wrote it. Nobody needs to tell the assistant the library changed."""
        with self._store_lock:
            reopened = self.library.sync_store()
            if reopened or self.registry.signature() != self._registry_seen:
                self._refresh()

    def ask(self, question: str, *, doc_id: str | None = None, kind: str | None = None,
            mode: str = "extractive", retrieval_query: str | None = None, version: int | None = None) -> Answer:
        answer = None
        for answer in self.ask_stream(question, doc_id=doc_id, kind=kind, mode=mode,
                                      retrieval_query=retrieval_query, version=version):
            pass
        return answer

    def ask_stream(self, question: str, *, doc_id: str | None = None, kind: str | None = None,
                   mode: str = "extractive", retrieval_query: str | None = None,
                   version: int | None = None) -> Iterator[Answer]:
        """Yields partial answers while a model writes (text only), then the checked final answer.
        `version`: a kept version of `doc_id` to answer from instead of the live one."""
        question = check_question(question, self.max_question_chars)
        if retrieval_query is not None:
            retrieval_query = retrieval_query.strip()[:self.max_question_chars * 2] or question
        if kind and kind not in KINDS:
            raise QuestionError(f"unknown kind '{kind}'; kinds: {', '.join(KINDS)}")
        if mode != "extractive" and mode not in self.generators:
            raise QuestionError(f"answer mode '{mode}' is not available; modes: "
                                f"{', '.join(['extractive', *self.generators])}")
        if version is not None and check_version(self.library, doc_id, version):
            yield from self.pinned_assistants.get(doc_id, version).ask_stream(
                question, doc_id=doc_id, kind=kind, mode=mode, retrieval_query=retrieval_query)
            return
        with self._store_lock:
            self.sync()
            changed = change_answer(self, question, doc_id, kind) if not self.pinned else None
        if changed is not None:
            yield changed
            return
        clock = _Clock()
        with self._store_lock:
            self.sync()
            if self.problems:
                raise StoreError(_mismatch(self.problems, self.registry.path))
            if doc_id and doc_id not in {r.id for r in self.library.documents()}:
                raise QuestionError(f"no document with id '{doc_id}' (see: report-assistant status)")
            query = self.stats.correct(retrieval_query or question)
            query_vector = self.embedder.embed_query(query)
            hits = self.retriever.retrieve(query, doc_id=doc_id, kind=kind, query_vector=query_vector)
        clock.lap("retrieve_ms")
        evidence = self.finder.sentences(hits[:EVIDENCE_HITS])
        # a follow-up is searched with the earlier subject, but its own words weigh double when the
        # sentences are scored, so the answer is about what was asked now, not what was asked before
        asked = self.stats.correct(question)
        terms = content_terms(query) + (content_terms(asked) if asked != query else [])
        self.finder.score(terms, query_vector, evidence)
        ranked = sorted(evidence, key=lambda e: e.score, reverse=True)
        # the pages shown (retrieved, nearest) put the chunk that answers best first; a model is
        # given the chunks in retrieval order, which its source numbers refer to
        pages = _by_best_sentence(hits, evidence)
        clock.lap("evidence_ms")
        dense = max((e.dense for e in evidence), default=0.0)
        coverage = max((e.coverage for e in evidence), default=0.0)
        best = self.answerability.score(dense, coverage)
        base = Answer(question=question, text="", abstained=False, mode=mode, retrieval_query=query,
                      best_evidence=best, best_dense=dense, best_coverage=coverage,
                      retrieved=[(h.doc_id, h.page_label) for h in pages])
        intent = analyse(asked, self.stats)
        lead = choose_lead(intent, ranked, self.finder, asked)
        if best < self.answerability.threshold or lead is None:
            gap = missing(intent, ranked[0].quote, self.finder.context(ranked[0]), self.stats, ranked[0].dense) \
                if ranked and best >= self.answerability.threshold else ""
            yield _abstain(base, pages, clock, gap)
            return
        checked = None
        if mode != "extractive":
            generator = self.generators.get(mode)
            if generator is None:
                raise QuestionError(f"answer mode '{mode}' is not available; modes: "
                                 f"{', '.join(['extractive', *self.generators])}")
            sources = _hit_sources(hits[:generator.max_sources], evidence)
            text = ""
            for text in generator.stream(question, hits[:generator.max_sources]):
                base.text = text
                yield base
            clock.lap("generate_ms")
            checked = check_answer(text, sources, self.finder, numbers=[e.hit_rank + 1 for e in sources])
            if not any(c.supported for c in checked):
                base.note = ("The model's answer had no sentence the report supports, so the report's "
                             "own sentences are shown instead.")
                checked = None
        if checked is None:
            chosen = self._extract(asked, intent, ranked, lead)
            # the answer's lines are the stored sentences themselves: each is its own support
            checked = [CheckedSentence(e.shown or e.quote, True, 1.0, e) for e in chosen]
            shortfall = _shortfall(intent, chosen, self.stats)
            base.note = " ".join(filter(None, [base.note, shortfall]))  # keeps a model fallback's note
        clock.lap("answer_ms")
        answer = _finish(base, checked, pages, clock)
        answer.citations = self._locate_quotes(answer.citations)
        clock.lap("boxes_ms")
        yield answer

    def _extract(self, asked: str, intent: Intent, ranked: list[Evidence], lead: Evidence) -> list[Evidence]:
        """The extractive answer: the items of the list asked for, or the lead and its support."""
        # a list is asked for, or the sentence that answers best only introduces one
        if (intent.kind in ("list", "name") and not _WHERE.match(asked)) or is_intro(lead.quote):
            items = list_answer(intent, ranked, self.finder, self.lists)
            if len(items) > 1:
                return items
        if is_intro(lead.quote):  # its list was not found: the next sentence that answers leads
            lead = choose_lead(intent, [e for e in ranked if not is_intro(e.quote)], self.finder, asked) or lead
        sequence = self.lists.sequence_after(lead.doc_key, lead.page_index, lead.start)
        if sequence:  # "... has a number of challenges. Firstly, ... Secondly, ...": the points are the answer
            return [e for e in (self.finder.span_evidence(lead.doc_key, i.page_index, i.start, i.end, lead.hit_rank)
                                for i in sequence) if e]
        chosen = select_sentences(ranked, self.finder, lead=lead, reasons=intent.kind == "reason")
        return with_parts(with_continuation(chosen, self.finder), ranked, asked, self.finder)

    def _locate_quotes(self, citations: list[Citation]) -> list[Citation]:
        """Citations of PDF pages gain the boxes of their quote on the page ([] when it cannot be
        located with confidence), so any client can draw the same highlight."""
        located = []
        for citation in citations:
            record = self.library.version_record(citation.doc_id, citation.version)
            if citation.pdf_page and record and record.stored_file.endswith(".pdf"):
                boxes = quote_boxes(self.library.files_dir / record.stored_file, citation.pdf_page, citation.quote)
                citation = dataclasses.replace(citation, boxes=tuple(tuple(box) for box in boxes))
            located.append(citation)
        return located


def _by_best_sentence(hits: list[Hit], evidence: list[Evidence]) -> list[Hit]:
    """The chunks whose sentences were scored, reordered by their best sentence (the page that
    answers best comes first among the nearest pages); the rest keep their order after them."""
    best: dict[int, float] = {}
    for e in evidence:
        best[e.hit_rank] = max(best.get(e.hit_rank, 0.0), e.score)
    scored = sorted(best, key=lambda rank: -best[rank])
    return [hits[rank] for rank in scored] + [h for rank, h in enumerate(hits) if rank not in best]


def _shortfall(intent: Intent, chosen: list[Evidence], stats: TermStats) -> str:
    """'The question asks for six; ...' when a list or names answer has fewer items than asked."""
    if not intent.count or intent.kind not in ("list", "name") or not chosen:
        return ""
    items = sum(e.is_bullet for e in chosen)
    names = len(new_names(chosen[0].quote, set(intent.focus), stats)) if intent.kind == "name" else 0
    found = max(items, names)
    if found >= intent.count:
        return ""
    return (f"The question asks for {intent.count}; the passages found give {found or 'none'} of them "
            "as a list, so check the cited pages for the rest.")


def _mismatch(problems: dict[str, list[str]], registry_path) -> str:
    doc_id, issues = next(iter(problems.items()))
    more = f" (and {len(problems) - 1} more documents)" if len(problems) > 1 else ""
    return (f"the store does not match {registry_path.name}: {doc_id}: {issues[0]}{more}; "
            "run: report-assistant repair")


def _hit_sources(hits: list[Hit], evidence: list[Evidence]) -> list[Evidence]:
    ids = {(h.chunk.doc_key, h.chunk.page_index) for h in hits}
    return [e for e in evidence if (e.doc_key, e.page_index) in ids]


def _finish(answer: Answer, checked: list[CheckedSentence], hits: list[Hit], clock: "_Clock") -> Answer:
    supported = [c for c in checked if c.supported]
    if not supported:
        return _abstain(answer, hits, clock)
    citations, lines = [], []
    for item in checked:
        number = None
        if item.supported:
            citation = _citation(item.evidence)
            if citation not in citations:
                citations.append(citation)
            number = citations.index(citation) + 1
        answer.sentences.append(AnswerSentence(item.text, item.supported, number, item.support,
                                               repaired=item.repaired, conflict=item.conflict))
        if item.supported:
            lines.append(f"{item.text} [{number}]")
    answer.text = lines[0] + "".join(f"\n- {line}" for line in lines[1:])
    dropped = len(checked) - len(supported)
    if dropped:
        answer.text += f"\n\n({dropped} sentence(s) without support in the report were left out.)"
    if answer.note:
        answer.text += f"\n\n({answer.note})"
    answer.citations = citations
    answer.timings_ms = clock.laps
    return answer


def _abstain(answer: Answer, hits: list[Hit], clock: "_Clock", lacking: str = "") -> Answer:
    pages = []
    for hit in hits:
        chunk = hit.chunk
        page = PageRef(chunk.doc_id, chunk.title, chunk.page_label, chunk.pdf_page, chunk.section or None, chunk.version)
        if page not in pages:
            pages.append(page)
    answer.nearest_pages = pages[:NEAREST_PAGES]
    where = "; ".join(p.text() for p in answer.nearest_pages)
    gap = (f"the closest passages lack {lacking}" if lacking
           else "nothing in the stored documents answers it closely enough to quote")
    answer.text = f"The report doesn't appear to cover this: {gap}." + (f" The nearest pages are: {where}." if where else "")
    answer.abstained = True
    answer.timings_ms = clock.laps
    return answer


def _citation(evidence: Evidence) -> Citation:
    return Citation(evidence.doc_id, evidence.title, evidence.page_label, evidence.pdf_page, evidence.section,
                    int(evidence.doc_key.rpartition("@")[2]), evidence.quote)


class _Clock:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round((now - self.last) * 1000, 1)
        self.laps["total_ms"] = round((now - self.start) * 1000, 1)
        self.last = now
