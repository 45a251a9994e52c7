"""Questions about what changed ("what changed about the funding figures?", "what is new in the
latest version?"): answered from the changes between the two latest kept versions of each document,
each side quoted and cited with its version and page.

Whether a question asks about change is read from its wording. A question that only might ("what
changed in Bristol after the pilot?" is about the report's content) is answered from the changes
when some change is about its subject, and otherwise as any question; one that names versions,
editions or updates is answered from the changes or refused."""

from __future__ import annotations

import re
import time

from ingest.pages import page_reference

from .answer_record import Answer
from .citation import AnswerSentence, Citation
from .terms import content_terms, words

MAX_CHANGES = 6
_CHANGE = re.compile(
    r"\bwhat(?:'s| is| has| have)?(?: been)? (?:changed|new|different)\b|\bwhat changes\b"
    r"|\b(?:changes?|differences?) (?:in|to|since|between|from)\b|\bchanged\b|\bdiffers?\b",
    re.I,
)
_VERSIONS = re.compile(r"\b(?:versions?|editions?|updates?|updated|revisions?|revised)\b", re.I)
CHANGE_TERMS = frozenset(
    content_terms(
        "what's new change changed changes different difference differences differ version versions edition editions "
        "update updated updates revision revised latest previous last earlier older newer between since compared"
    )
)


def change_answer(assistant, question: str, doc_id: str | None, kind: str | None):
    """The answer to a question about change, or None when it is not one (or nothing changed on its
    subject and it does not name versions: then it is answered as any question)."""
    if not _CHANGE.search(question) and not _VERSIONS.search(question):
        return None
    start = time.perf_counter()
    documents = [
        r
        for r in assistant.library.documents()
        if len(r.versions()) > 1 and doc_id in (None, r.id) and kind in (None, r.kind)
    ]
    if not documents or not (_CHANGE.search(question) or _asks_for_changes(question)):
        return None
    items = [item for record in documents for item in _items(assistant.library, record)]
    topic = [t for t in content_terms(question) if t not in CHANGE_TERMS]
    # a word neither the library nor any changed sentence uses ("figures") cannot pick a change
    changed_terms = {t for item in items for s in (item[3], item[4]) if s for t in content_terms(s)}
    usable = [t for t in topic if assistant.stats.known(t) or t in changed_terms]
    relevant = (_about(assistant, question, usable, items) if usable else []) if topic else items
    if not relevant:
        return _nothing_changed(question, documents) if _VERSIONS.search(question) else None
    answer = _answer(assistant, question, relevant[:MAX_CHANGES])
    answer.retrieval_query = question
    answer.timings_ms = {"changes_ms": round((time.perf_counter() - start) * 1000, 1)}
    answer.timings_ms["total_ms"] = answer.timings_ms["changes_ms"]
    return answer


def _asks_for_changes(question: str) -> bool:
    return bool(re.search(r"\b(?:compare|comparison|since|between)\b", question, re.I))


def _items(library, record) -> list[tuple]:
    """(before record, after record, change kind, old sentence, new sentence, page change) for every
    changed, added and removed sentence between the document's two latest kept versions."""
    older, newer = [v.version for v in record.versions()][-2:]
    before, after, changes = library.changes(record.id, older, newer)
    out = []
    for page in changes.pages:
        out += [(before, after, "changed", old, new, page) for old, new in page.changed]
        out += [(before, after, "added", None, new, page) for new in page.added]
        out += [(before, after, "removed", old, None, page) for old in page.removed]
    return out


def _about(assistant, question: str, topic: list[str], items: list[tuple]) -> list[tuple]:
    """The items about the question's subject, best first: the answerability measure the assistant
    abstains by (meaning match and rare-word coverage), over either side of each change."""
    if not items:
        return []
    sentences = [s for item in items for s in (item[3], item[4]) if s]
    vectors = dict(zip(sentences, assistant.embedder.embed(sentences)))
    query = assistant.embedder.embed_query(question)
    scored = []
    for item in items:
        score = max(
            assistant.answerability.score(
                float(vectors[s] @ query), assistant.stats.coverage(topic, set(content_terms(s)))
            )
            for s in (item[3], item[4])
            if s
        )
        if score >= assistant.answerability.threshold:
            scored.append((score, item))
    return [item for _, item in sorted(scored, key=lambda pair: -pair[0])]


def _answer(assistant, question: str, items: list[tuple]):
    answer = Answer(question=question, text="", abstained=False, mode="extractive")
    lines = []
    for before, after, change, old, new, page in items:
        sides = []
        if old:
            sides.append(
                (
                    (before, page.before, old),
                    f"Version {before.version}, {page_reference(page.before.label)}, "
                    + ("said" if new else "had, now removed")
                    + f": “{old}”",
                )
            )
        if new:
            sides.append(
                (
                    (after, page.after, new),
                    f"Version {after.version}, {page_reference(page.after.label)}, "
                    + ("says" if old else "adds")
                    + f": “{new}”",
                )
            )
        for (record, at, quote), text in sides:
            citation = Citation(record.id, record.title, at.label, at.pdf_page, None, record.version, quote)
            if citation not in answer.citations:
                answer.citations.append(citation)
            number = answer.citations.index(citation) + 1
            answer.sentences.append(AnswerSentence(text, True, number, 1.0))
            lines.append(f"{text} [{number}]")
    pairs = sorted({(b.title, b.id, b.version, a.version) for b, a, *_ in items})
    answer.note = (
        "Answered from the changes between "
        + "; ".join(
            f"version {old} and version {new} of {title} (report-assistant changes {doc_id})"
            for title, doc_id, old, new in pairs
        )
        + "."
    )
    answer.text = lines[0] + "".join(f"\n- {line}" for line in lines[1:]) + f"\n\n({answer.note})"
    answer.citations = assistant._locate_quotes(answer.citations)
    return answer


def _nothing_changed(question: str, documents: list):
    compared = "; ".join(
        f"{r.title} (versions {', '.join(str(v.version) for v in r.versions()[-2:])})" for r in documents
    )
    subject = " ".join(w for w in words(question) if any(t not in CHANGE_TERMS for t in content_terms(w)))
    text = (
        f"The report doesn't appear to cover this: no change between the two latest versions of "
        f"{compared} is about {subject}."
    )
    return Answer(question=question, text=text, abstained=True, mode="extractive")
