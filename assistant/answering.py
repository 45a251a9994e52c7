"""Question → cited answer: retrieve, score stored sentences, answer, check citations, or abstain."""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass
from typing import Iterator

from ingest.manifest import KINDS
from ingest.pdf_quote import quote_boxes
from ingest.store import StoreError

from .answer_record import Answer, Clock, abstain, finish
from .change_answers import change_answer
from .citation import Citation
from .citation_check import CheckedSentence, check_answer
from .evidence import Evidence, EvidenceFinder
from .extractive import (
    in_series_order,
    list_answer,
    select_sentences,
    with_antecedent,
    with_continuation,
    with_parts,
)
from .lead import choose_lead
from .lists import PageLists, is_intro
from .question import Intent, QuestionError, analyse, asked_terms, asks_for_one, missing, new_names
from .retrieval import Hit, HybridRetriever
from .terms import TermStats, content_terms
from .versioned import PinnedAssistants, answer_keys, check_version

EVIDENCE_HITS = 8  # chunks whose sentences are considered
SECTION_LIST_COVERAGE = 0.5  # share of a list question's other words a section's list must hold
_WHERE = re.compile(r"^\s*(where|on (what|which) pages?|(what|which) pages?)\b", re.I)  # asks for a place, not a list


@dataclass(frozen=True)
class Answerability:
    """How closely the best evidence answers a question: this share of its meaning match plus the rest
    of its rare-word coverage, and the threshold below which the assistant abstains. The two are
    calibrated together (settings: answerability_dense_weight, abstain_below)."""

    dense_weight: float
    threshold: float

    def score(self, dense: float, coverage: float) -> float:
        return self.dense_weight * dense + (1 - self.dense_weight) * coverage


def check_question(question: str, max_chars: int) -> str:
    """The question as it will be asked, or QuestionError: checked before any search is made."""
    question = (question or "").strip()
    if not question:
        raise QuestionError("the question is empty; type a question about the reports")
    if len(question) > max_chars:
        raise QuestionError(
            f"the question is {len(question)} characters long, more than the limit of {max_chars} "
            "(REPORT_ASSISTANT_MAX_QUESTION_CHARS); ask it more briefly"
        )
    return question


class Assistant:
    def __init__(
        self,
        store,
        embedder,
        library,
        *,
        answerability: Answerability,
        generators: dict | None = None,
        max_question_chars: int = 4000,
        pinned: tuple[str, int] | None = None,
    ):
        """`pinned` (doc id, version): answer from that kept version of the document instead of its live one."""
        self.store, self.embedder, self.library = store, embedder, library
        self.pinned = pinned
        self.pinned_assistants = PinnedAssistants(self._pinned_to)
        self.answerability = answerability
        self.max_question_chars = max_question_chars
        self.generators = generators or {}  # mode name → generative answerer
        self._store_lock = threading.RLock()  # a reopen never runs under another thread's search
        self._refresh()

    def _pinned_to(self, key: tuple[str, int]) -> "Assistant":
        """An assistant like this one that answers from one kept version of a document."""
        return Assistant(
            self.store,
            self.embedder,
            self.library,
            answerability=self.answerability,
            generators=self.generators,
            max_question_chars=self.max_question_chars,
            pinned=key,
        )

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

    def ask(
        self,
        question: str,
        *,
        doc_id: str | None = None,
        kind: str | None = None,
        mode: str = "extractive",
        retrieval_query: str | None = None,
        version: int | None = None,
    ) -> Answer:
        answer = None
        for answer in self.ask_stream(
            question, doc_id=doc_id, kind=kind, mode=mode, retrieval_query=retrieval_query, version=version
        ):
            pass
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        doc_id: str | None = None,
        kind: str | None = None,
        mode: str = "extractive",
        retrieval_query: str | None = None,
        version: int | None = None,
    ) -> Iterator[Answer]:
        """Yields partial answers while a model writes (text only), then the checked final answer.
        `version`: a kept version of `doc_id` to answer from instead of the live one."""
        question, retrieval_query = self._checked_request(question, kind, mode, retrieval_query)
        if version is not None and check_version(self.library, doc_id, version):
            yield from self.pinned_assistants.get(doc_id, version).ask_stream(
                question, doc_id=doc_id, kind=kind, mode=mode, retrieval_query=retrieval_query
            )
            return
        with self._store_lock:
            self.sync()
            changed = change_answer(self, question, doc_id, kind) if not self.pinned else None
        if changed is not None:
            yield changed
            return
        clock = Clock()
        found = self._search(question, retrieval_query, doc_id, kind, clock)
        yield from self._respond(question, mode, found, clock)

    def _respond(self, question: str, mode: str, found: "_Search", clock: Clock) -> Iterator[Answer]:
        """From the scored evidence: a refusal, or the model's checked answer (streamed), or the
        extractive one; then its citations located on their pages."""
        base = Answer(
            question=question,
            text="",
            abstained=False,
            mode=mode,
            retrieval_query=found.query,
            best_evidence=found.best,
            best_dense=found.dense,
            best_coverage=found.coverage,
            retrieved=[(h.doc_id, h.page_label) for h in found.pages],
        )
        intent = analyse(found.asked, self.stats)
        lead = choose_lead(intent, found.ranked, self.finder, found.asked)
        if lead is None and found.best >= self.answerability.threshold and len(found.hits) > EVIDENCE_HITS:
            # close passages, but none gives what is asked (a date, a name): the rest of the
            # retrieved chunks are read before refusing
            found = self._scored(
                found.query, found.asked, found.hits, found.terms, found.vector, len(found.hits), tuple(found.evidence)
            )
            lead = choose_lead(intent, found.ranked, self.finder, found.asked)
        listed = (
            [] if lead is not None and found.best >= self.answerability.threshold else self._section_list(intent, found)
        )
        if listed:  # "what are the recommendations?": the list under the heading "Recommendations"
            lead = listed[0]
        elif found.best < self.answerability.threshold or lead is None:
            top = found.ranked[0] if found.ranked else None
            gap = (
                missing(intent, top.quote, self.finder.context(top), self.stats, top.dense)
                if top and found.best >= self.answerability.threshold
                else ""
            )
            yield abstain(base, found.pages, clock, gap)
            return
        pages = _lead_first(found, lead)  # the page that answers is the first page shown
        base.retrieved = [(h.doc_id, h.page_label) for h in pages]
        checked = None
        if mode != "extractive":
            checked = yield from self._model_answer(base, found, mode, clock)
        if checked is None:
            chosen = listed or self._extract(found.asked, intent, found.ranked, lead)
            # the answer's lines are the stored sentences themselves: each is its own support
            checked = [CheckedSentence(e.shown or e.quote, True, 1.0, e) for e in chosen]
            shortfall = _shortfall(intent, chosen, self.stats)
            base.note = " ".join(filter(None, [base.note, shortfall]))  # keeps a model fallback's note
        clock.lap("answer_ms")
        answer = finish(base, checked, pages, clock)
        answer.citations = self._locate_quotes(answer.citations)
        clock.lap("boxes_ms")
        yield answer

    def _checked_request(
        self, question: str, kind: str | None, mode: str, retrieval_query: str | None
    ) -> tuple[str, str | None]:
        """The question and retrieval query as they will be used, or QuestionError before any work."""
        question = check_question(question, self.max_question_chars)
        if retrieval_query is not None:
            retrieval_query = retrieval_query.strip()[: self.max_question_chars * 2] or question
        if kind and kind not in KINDS:
            raise QuestionError(f"unknown kind '{kind}'; kinds: {', '.join(KINDS)}")
        if mode != "extractive" and mode not in self.generators:
            raise QuestionError(
                f"answer mode '{mode}' is not available; modes: {', '.join(['extractive', *self.generators])}"
            )
        return question, retrieval_query

    def _search(
        self, question: str, retrieval_query: str | None, doc_id: str | None, kind: str | None, clock: "Clock"
    ) -> "_Search":
        """Retrieve the chunks, then score their sentences against the question."""
        with self._store_lock:
            self.sync()
            if self.problems:
                raise StoreError(_mismatch(self.problems, self.registry.path))
            if doc_id and doc_id not in {r.id for r in self.library.documents()}:
                raise QuestionError(f"no document with id '{doc_id}' (see: report-assistant status)")
            query = self.stats.correct(retrieval_query or question)
            query_vector = self.embedder.embed_query(query)
            # "the social audit" says which document to search; its words would find its cover, not the answer
            named = None if doc_id else self.retriever.named_document(question)
            doc_id, search = (named[0], query.replace(named[1], "it")) if named else (doc_id, query)
            search_vector = query_vector if search == query else self.embedder.embed_query(search)
            hits = self.retriever.retrieve(search, doc_id=doc_id, kind=kind, query_vector=search_vector)
        clock.lap("retrieve_ms")
        # a follow-up is searched with the earlier subject, but its own words weigh double when the
        # sentences are scored, so the answer is about what was asked now, not what was asked before
        asked = self.stats.correct(question)
        terms = asked_terms(asked, content_terms(query) + (content_terms(asked) if asked != query else []))
        found = self._scored(query, asked, hits, terms, query_vector, EVIDENCE_HITS)
        clock.lap("evidence_ms")
        return found

    def _scored(
        self, query: str, asked: str, hits: list[Hit], terms: list[str], vector, depth: int, read: tuple = ()
    ) -> "_Search":
        """The sentences of the first `depth` chunks, scored against the question; `read`: those of
        the first chunks, already scored."""
        start = 1 + max((e.hit_rank for e in read), default=-1)
        new = self.finder.sentences(hits[start:depth], start, {e.cache_key for e in read})
        self.finder.score(terms, vector, new)
        evidence = list(read) + new
        dense = max((e.dense for e in evidence), default=0.0)
        coverage = max((e.coverage for e in evidence), default=0.0)
        # the pages shown (retrieved, nearest) put the chunk that answers best first; a model is
        # given the chunks in retrieval order, which its source numbers refer to
        return _Search(
            query,
            asked,
            hits,
            evidence,
            sorted(evidence, key=lambda e: e.score, reverse=True),
            _by_best_sentence(hits, evidence),
            dense,
            coverage,
            self.answerability.score(dense, coverage),
            terms,
            vector,
        )

    def _model_answer(self, base: Answer, found: "_Search", mode: str, clock: "Clock"):
        """Streams the model's words as partial answers; returns its checked sentences, or None when
        none of them is supported (the report's own sentences are then shown, with a note)."""
        generator = self.generators.get(mode)
        sources = _hit_sources(found.hits[: generator.max_sources], found.evidence)
        text = ""
        for text in generator.stream(base.question, found.hits[: generator.max_sources]):
            base.text = text
            yield base
        clock.lap("generate_ms")
        checked = check_answer(text, sources, self.finder, numbers=[e.hit_rank + 1 for e in sources])
        if any(c.supported for c in checked):
            return checked
        base.note = (
            "The model's answer had no sentence the report supports, so the report's own sentences are shown instead."
        )
        return None

    def _extract(self, asked: str, intent: Intent, ranked: list[Evidence], lead: Evidence) -> list[Evidence]:
        """The extractive answer: the items of the list asked for, or the lead and its support."""
        if intent.acronym:  # the words it stands for answer alone: other uses of it support nothing
            return [lead]
        listed = intent.kind == "list" or (intent.kind == "name" and not asks_for_one(intent))
        tried = listed and not _WHERE.match(asked)
        items = list_answer(intent, ranked, self.finder, self.lists) if tried else []
        if len(items) > 1:
            return items
        if is_intro(lead.quote):
            # the sentence that answers best introduces a list: its items answer, but to "what is
            # the Neighbourhood Action Group?" they are only a list it made, so the introduction,
            # which says what they are, comes first
            if intent.defined:
                items = self._items_at(lead.doc_key, lead.page_index, lead.start, lead.hit_rank)
            elif not tried:
                items = list_answer(intent, ranked, self.finder, self.lists)
            # "There are four GP surgeries in Witney:" answers "how many?" itself; its items follow
            says_itself = intent.defined or intent.kind == "amount"
            if len(items) > 1:
                return [lead] + items if says_itself else items
            # its list was not found: the next sentence that answers leads
            lead = choose_lead(intent, [e for e in ranked if not is_intro(e.quote)], self.finder, asked) or lead
        sequence = self.lists.sequence_after(lead.doc_key, lead.page_index, lead.start)
        if sequence:  # "... has a number of challenges. Firstly, ... Secondly, ...": the points are the answer
            return [
                e
                for e in (
                    self.finder.span_evidence(lead.doc_key, i.page_index, i.start, i.end, lead.hit_rank)
                    for i in sequence
                )
                if e
            ]
        chosen = select_sentences(ranked, self.finder, lead=lead, reasons=intent.kind == "reason")
        chosen = with_parts(with_continuation(chosen, self.finder), ranked, asked, self.finder)
        return in_series_order(with_antecedent(chosen, self.finder), asked)

    def _section_list(self, intent: Intent, found: "_Search") -> list[Evidence]:
        """The items of a list set under a heading that is the very thing a list question asks for
        ("Recommendations" for "what are the recommendations of the social audit?"), in the first
        retrieved chunk of such a section: its items seldom repeat the heading's word, so no sentence
        of it matches the question closely; [] when there is none."""
        if intent.kind != "list" or not intent.head:
            return []
        # the rest of what is asked must be in the list ("... for the car park?"), but not the words
        # naming the document asked ("... of the social audit?")
        named = self.retriever.named_document(found.asked)
        naming = set(content_terms(named[1])) if named else set()
        rest = [t for t in intent.focus if t != intent.head and t not in naming]
        for rank, hit in enumerate(found.hits[:EVIDENCE_HITS]):
            chunk = hit.chunk
            if not chunk.section or _words(chunk.section.split(">")[-1]) != [intent.head]:
                continue
            key, page = chunk.doc_key, chunk.page_index
            text = self.finder.page_text(key, page)
            heading = next(
                (
                    b
                    for b in self.lists.page_blocks(key, page)
                    if b.kind == "heading" and _words(text[b.start : b.end]) == [intent.head]
                ),
                None,
            )
            if heading is None:
                continue
            evidence = self._items_at(key, page, heading.start, rank)
            said = set().union(*(e.terms for e in evidence)) if evidence else set()
            if len(evidence) > 1 and (not rest or self.stats.coverage(rest, said) >= SECTION_LIST_COVERAGE):
                return evidence
        return []

    def _items_at(self, doc_key: str, page_index: int, offset: int, rank: int) -> list[Evidence]:
        """The items of the list introduced at `offset` (a sentence or a heading), as evidence."""
        _, items = self.lists.list_at(doc_key, page_index, offset, None)
        spans = (self.finder.span_evidence(doc_key, i.page_index, i.start, i.end, rank, i.shown) for i in items)
        return [e for e in spans if e]

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


@dataclass
class _Search:
    query: str  # what was searched (a follow-up carries the conversation's subject)
    asked: str  # the question itself, spelling corrected
    hits: list[Hit]  # in retrieval order
    evidence: list[Evidence]  # their sentences, scored
    ranked: list[Evidence]  # best first
    pages: list[Hit]  # the hits, the one holding the best sentence first
    dense: float
    coverage: float
    best: float  # answerability of the best evidence
    terms: list[str]  # the question's terms the sentences were scored on
    vector: object  # ... and its vector


def _words(heading: str) -> list[str]:
    """A heading's words without its numbering: "3.6 Recommendations" → ['recommend']."""
    return [t for t in content_terms(heading) if t.isalpha()]


def _by_best_sentence(hits: list[Hit], evidence: list[Evidence]) -> list[Hit]:
    """The chunks whose sentences were scored, reordered by their best sentence (the page that
    answers best comes first among the nearest pages); the rest keep their order after them."""
    best: dict[int, float] = {}
    for e in evidence:
        best[e.hit_rank] = max(best.get(e.hit_rank, 0.0), e.score)
    scored = sorted(best, key=lambda rank: -best[rank])
    return [hits[rank] for rank in scored] + [h for rank, h in enumerate(hits) if rank not in best]


def _lead_first(found: "_Search", lead: Evidence) -> list[Hit]:
    first = found.hits[lead.hit_rank]
    return [first] + [h for h in found.pages if h is not first]


def _shortfall(intent: Intent, chosen: list[Evidence], stats: TermStats) -> str:
    """'The question asks for six; ...' when a list or names answer has fewer items than asked."""
    if not intent.count or intent.kind not in ("list", "name") or not chosen:
        return ""
    items = sum(e.is_bullet for e in chosen)
    names = len(new_names(chosen[0].quote, set(intent.focus), stats)) if intent.kind == "name" else 0
    found = max(items, names)
    if found >= intent.count:
        return ""
    return (
        f"The question asks for {intent.count}; the passages found give {found or 'none'} of them "
        "as a list, so check the cited pages for the rest."
    )


def _mismatch(problems: dict[str, list[str]], registry_path) -> str:
    doc_id, issues = next(iter(problems.items()))
    more = f" (and {len(problems) - 1} more documents)" if len(problems) > 1 else ""
    return f"the store does not match {registry_path.name}: {doc_id}: {issues[0]}{more}; run: report-assistant repair"


def _hit_sources(hits: list[Hit], evidence: list[Evidence]) -> list[Evidence]:
    ids = {(h.chunk.doc_key, h.chunk.page_index) for h in hits}
    return [e for e in evidence if (e.doc_key, e.page_index) in ids]
