"""Retrieval, evidence and the extractive choice of sentences, one step at a time, on a small real
store (real Chroma, the real embedder): assistant/retrieval.py, evidence.py and extractive.py."""

from __future__ import annotations

import pytest

from assistant.evidence import _rebuild
from assistant.extractive import asks, select_sentences, title_like
from assistant.terms import content_terms

HARBOUR = """<!-- page 1 -->
# Harbour plan

The harbour board will rebuild the slipway at Porthkerris in 2026. The works are paid for by the coastal fund.

The board meets every spring to review local spending.

<!-- page 2 -->
# Volunteers

Volunteers ran the lifeboat cafe on Saturdays and raised money for new radios.
"""
ORCHARD = """<!-- page 1 -->
# Orchard notes

The orchard cooperative planted nine hundred apple trees on council land.

<!-- page 2 -->
# Volunteers

Volunteers ran the lifeboat cafe on Saturdays and raised money for new radios.
"""


@pytest.fixture(scope="module")
def assistant(embedder, tmp_path_factory):
    from assistant.components import Components
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("small-store")
    (root / "docs").mkdir()
    (root / "docs" / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (root / "docs" / "orchard.md").write_text(ORCHARD, encoding="utf-8")
    components = Components(Settings.from_env(environ={}, data_dir=root / "data"))
    components.__dict__["embedder"] = embedder
    (harbour, orchard) = components.library.ingest([root / "docs"])
    assert (harbour.status, orchard.status) == ("new", "new")
    components.assistant.sync()
    return components.assistant


def test_a_rare_word_finds_its_page_and_each_chunk_comes_once(assistant):
    hits = assistant.retriever.retrieve("Porthkerris")
    assert (hits[0].doc_id, hits[0].page_label) == ("harbour", "1")
    assert len({h.chunk_id for h in hits}) == len(hits)  # found by both searches, counted once


def test_a_paraphrase_finds_its_page_by_meaning(assistant):
    hits = assistant.retriever.retrieve("Where did the co-op grow fruit?")
    assert hits[0].doc_id == "orchard"


def test_filters_by_document_and_kind(assistant):
    assert {h.doc_id for h in assistant.retriever.retrieve("volunteers", doc_id="orchard")} == {"orchard"}
    assert assistant.retriever.retrieve("volunteers", kind="summary") == []


def test_a_near_duplicate_chunk_moves_below_the_others(assistant):
    hits = assistant.retriever.retrieve("Who ran the lifeboat cafe?")
    cafe = [i for i, h in enumerate(hits) if "lifeboat cafe" in h.text]
    assert len(cafe) == 2 and cafe[1] == len(hits) - 1, [h.text[:40] for h in hits]


def test_evidence_sentences_come_once_with_their_page_and_offset(assistant):
    hits = assistant.retriever.retrieve("slipway works")
    evidence = assistant.finder.sentences(hits)
    assert len({e.cache_key for e in evidence}) == len(evidence)
    slipway = next(e for e in evidence if "slipway" in e.quote)
    assert (slipway.doc_id, slipway.page_label, slipway.section) == ("harbour", "1", "Harbour plan")
    page = assistant.finder.page_text(slipway.doc_key, slipway.page_index)
    assert page[slipway.start :].startswith("The harbour board will rebuild the slipway")
    assert not any(e.quote.startswith("#") for e in evidence)  # headings are never evidence


def test_a_page_is_rebuilt_from_its_chunks_at_their_offsets(assistant):
    chunks = sorted(
        (c for c in assistant.retriever.chunks.values() if c.doc_id == "harbour" and c.page_label == "1"),
        key=lambda c: c.char_start,
    )
    text = _rebuild(chunks)
    for chunk in chunks:
        assert text[chunk.char_start : chunk.char_end] == chunk.text


def test_scoring_puts_the_sentence_with_the_questions_words_first(assistant):
    question = "Who pays for the slipway works?"
    evidence = assistant.finder.sentences(assistant.retriever.retrieve(question))
    assistant.finder.score(content_terms(question), assistant.embedder.embed_query(question), evidence)
    best = max(evidence, key=lambda e: e.score)
    assert best.quote == "The works are paid for by the coastal fund."
    assert 0 < best.coverage <= 1 and -1 <= best.dense <= 1


def test_the_extractive_choice_keeps_distinct_points_lead_first(assistant):
    question = "Who ran the lifeboat cafe?"
    evidence = assistant.finder.sentences(assistant.retriever.retrieve(question))
    assistant.finder.score(content_terms(question), assistant.embedder.embed_query(question), evidence)
    ranked = sorted(evidence, key=lambda e: e.score, reverse=True)
    chosen = select_sentences(ranked, assistant.finder, lead=ranked[0])
    assert chosen[0] is ranked[0] and "lifeboat cafe" in chosen[0].quote
    assert [e.quote for e in chosen].count(chosen[0].quote) == 1  # the same sentence on two pages: once


def test_titles_and_stored_questions_never_answer():
    assert title_like("Incident Response Life Cycle (Detection and Analysis)")
    assert not title_like("The board meets every spring.")
    assert not title_like("Name, Role, Organisation")
    assert asks("What should the council do next?")
    assert not asks("The council should act.")


def test_a_question_naming_a_place_in_the_document_is_answered_from_there_first():
    from assistant.retrieval import Hit, _named_place_first
    from ingest.chunking import Chunk

    def hit(n: int, section: str) -> Hit:
        chunk = Chunk(f"c{n}", "guide", "document", "Guide", 1, str(n), n, n, 0, 10, "text", section)
        return Hit(chunk, 1.0 / (n + 1))

    hits = [hit(0, "1 Scope"), hit(1, "Appendix 12 Glossary"), hit(2, "Appendices > Appendix 2 Costs"), hit(3, "")]
    named = _named_place_first("What did the analysis in Appendix 2 find?", hits)
    assert [h.chunk_id for h in named] == ["c2", "c0", "c1", "c3"]  # "Appendix 12" is another place
    assert _named_place_first("What did the analysis find?", hits) == hits
    assert (
        _named_place_first("What does section 3.4.1 say?", [hit(0, "3.4 Review"), hit(1, "Section 3.4.1 Lessons")])[
            0
        ].chunk_id
        == "c1"
    )


def test_a_sentence_repeating_another_with_other_names_is_a_repeat():
    from assistant.extractive import same_shape

    bristol = "According to the review, Bristol was one of the six pilot areas; the others were Dorset and Hackney."
    dorset = "According to the review, Dorset was one of the six pilot areas; the others were Bristol and Hackney."
    assert same_shape(bristol, dorset)
    assert not same_shape(bristol, "New Start reported that Bristol faced cuts of about £100m over five years.")
    assert not same_shape("The first stage is to define local.", "The second stage is to trace the income.")
    # rows of one table share a shape and are records of their own
    assert not same_shape(
        "Item: Title | Guide: Incident Handling Guide", "Item: Withdrawal Date | Guide: April 3, 2025"
    )


def _sentence(quote: str, at: int = 0):
    from assistant.evidence import Evidence
    from assistant.terms import content_terms

    return Evidence(quote, "doc", "Doc", "1", 1, "doc@1", 0, at, 0, False, terms=frozenset(content_terms(quote)))


def test_sentences_of_one_numbered_series_are_shown_in_order():
    from assistant.extractive import in_series_order

    chosen = [
        _sentence("The fifth stage of a study is to calculate the score.", 0),
        _sentence("The first round is the income that comes in.", 1),
        _sentence("NEF explains that the method follows money through three rounds.", 2),
        _sentence("The first stage of a study is to define what counts as local.", 3),
        _sentence("The third round is what suppliers in turn spend locally.", 4),
    ]
    shown = [e.quote.split()[1] + " " + e.quote.split()[2] for e in in_series_order(chosen, "How does it work?")]
    assert shown == ["first stage", "first round", "explains that", "fifth stage", "third round"]
    # a question that asks for one of them by its number keeps the one that answers it first
    assert in_series_order(chosen, "What is the fifth stage of a study?") == chosen


def test_one_fact_told_twice_in_nearly_the_same_words_is_a_repeat_but_other_figures_are_not():
    from assistant.extractive import same_words

    said = _sentence(
        "The reviewer says the report was launched at Locality's 2017 conference, while noting that the "
        "reviewer was not at that conference."
    )
    placed = _sentence(
        "The reviewer places the launch of the report at Locality's 2017 conference, while noting that "
        "the reviewer did not attend that conference."
    )
    assert same_words(said, placed)
    full = _sentence("According to the review, page 43 of the full report sets out four areas of action for councils.")
    summary = _sentence("According to the review, page 5 of the summary report sets out the four areas of action.")
    assert not same_words(full, summary)  # two places, two facts
    assert not same_words(said, full)
