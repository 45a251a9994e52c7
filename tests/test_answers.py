"""The answering half over the real default corpus: cited answers, lists, abstention, follow-ups,
filters, prompt injection, the citation check and `ask --json` — real store, real embedder."""

from __future__ import annotations

import json

import pytest
from conftest import HOSTILE_DOC_ID, run_python

from assistant.citation_check import check_answer
from assistant.conversation import Conversation
from assistant.page_view import PageViewer

RISK = "What evidence supports letting go of risk aversion?"
RISK_PAGES = {("pcse-summary", "4"), ("pcse-full-report", "3-27")}  # both hold the fourth key message
CITATION_KEYS = {"doc_id", "title", "page", "pdf_page", "section", "quote", "version"}
TOP_LEVEL_KEYS = {"answer", "abstained", "citations", "timings_ms"}
SEVEN = [
    "Positive flow of money and resources",
    "Network of diverse, responsible businesses",
    "Inclusive finance system",
    "Positive and productive use of local assets",
    "Active and connected citizens",
    "Clean and sustainable environment",
    "Good quality services",
]
FOUR = [
    "top-level leadership",
    "more joined-up systems",
    "greater ambition for social value",
    "community organisations to show that they can deliver",
]
INJECTED = ["ignore all previous instructions", "system:", "unrestricted assistant", "closing every library"]


def _norm(text: str) -> str:
    return " ".join(text.split())


def assert_quotes_on_their_pages(components, answer) -> None:
    """Every citation quotes text that really is on the page it names (whitespace normalised)."""
    viewer = PageViewer(components.library)
    titles = {record.id: record.title for record in components.library.documents()}
    assert answer.citations, answer.text
    for citation in answer.citations:
        page_text = viewer.page_text(citation.doc_id, citation.page)
        assert page_text, f"no stored page {citation.doc_id} p. {citation.page}"
        assert _norm(citation.quote) in _norm(page_text), citation
        assert citation.title == titles[citation.doc_id]


def _cited_pages(answer) -> list[tuple[str, str]]:
    return [(c.doc_id, c.page) for c in answer.citations]


def test_risk_aversion_answer_cites_pages_that_hold_its_quotes(corpus_components):
    answer = corpus_components.assistant.ask(RISK)

    assert not answer.abstained, answer.text
    assert_quotes_on_their_pages(corpus_components, answer)
    assert RISK_PAGES & set(_cited_pages(answer)), _cited_pages(answer)
    assert "letting go" in answer.text and "[1]" in answer.text
    for number in range(1, len(answer.citations) + 1):
        assert f"[{number}]" in answer.text  # every citation is referred to in the text
    assert all(s.supported and s.citation for s in answer.sentences), answer.sentences
    texts = [s.text for s in answer.sentences]
    assert len(set(texts)) == len(texts), "a sentence is repeated (the summary repeats the report)"

    data = answer.to_json()
    assert TOP_LEVEL_KEYS <= set(data)
    assert data["answer"] == answer.text and data["abstained"] is False
    assert data["citations"] and all(set(c) == CITATION_KEYS for c in data["citations"])
    assert all(c["pdf_page"] is None for c in data["citations"])  # Markdown pages have no PDF page
    assert isinstance(data["timings_ms"]["total_ms"], float)
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    "question, names",
    [
        ("What are the seven characteristics of a resilient local economy?", SEVEN),
        ("What are the four areas of action?", FOUR),
    ],
    ids=["seven-characteristics", "four-areas"],
)
def test_list_question_brings_the_whole_list(corpus_components, question, names):
    answer = corpus_components.assistant.ask(question)

    assert not answer.abstained
    missing = [name for name in names if name not in answer.text]
    assert not missing, f"missing {missing} in:\n{answer.text}"
    texts = [s.text for s in answer.sentences]
    assert len(set(texts)) == len(texts)
    assert_quotes_on_their_pages(corpus_components, answer)


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "What hospital closures happened in Bristol during the pilot?",
    ],
)
def test_out_of_scope_question_abstains_and_points_to_the_nearest_pages(corpus_components, question):
    answer = corpus_components.assistant.ask(question)

    assert answer.abstained, answer.text
    assert answer.citations == [] and answer.sentences == []
    assert "doesn't appear to cover" in answer.text
    assert 1 <= len(answer.nearest_pages) <= 3
    viewer = PageViewer(corpus_components.library)
    for page in answer.nearest_pages:
        assert viewer.page_text(page.doc_id, page.page)
        assert page.text() in answer.text
    data = answer.to_json()
    assert all(
        set(page) == {"doc_id", "title", "page", "pdf_page", "section", "version"} for page in data["nearest_pages"]
    )
    assert data["abstained"] is True and data["citations"] == []
    json.dumps(data)


def _ask_after(assistant, first_question: str, question: str):
    """Ask `question` right after `first_question` in one conversation: (first, query, follow-up)."""
    conversation = Conversation()
    first = assistant.ask(first_question, retrieval_query=conversation.query_for(first_question))
    conversation.add(first.retrieval_query)
    query = conversation.query_for(question)
    return first, query, assistant.ask(question, retrieval_query=query)


def test_follow_up_is_searched_with_the_earlier_subject(corpus_components):
    question = "Who were its anchor organisations?"
    first, query, follow = _ask_after(
        corpus_components.assistant, "Which council ran a workshop with Locality?", question
    )
    assert "Shropshire" in first.text

    assert query != question and "workshop" in query and question in query
    assert "workshop" in follow.retrieval_query
    assert not follow.abstained
    for name in ("Wem Town Hall", "Cleobury Country Centre", "Severn Centre"):
        assert name in follow.text, follow.text
    assert ("case-study-shropshire", "48-64") in _cited_pages(follow)
    assert_quotes_on_their_pages(corpus_components, follow)


def test_follow_up_answers_only_with_the_conversation(corpus_components):
    """The bare follow-up has nothing to stand on; with the earlier question it finds the figure."""
    assistant = corpus_components.assistant
    question = "How much did it reckon councils could save?"
    first, _, follow = _ask_after(
        assistant, "What earlier Locality report does the Keep it Local campaign build on?", question
    )
    assert "2014" in first.text
    bare = assistant.ask(question)

    assert not follow.abstained and "16bn" in follow.text, follow.text
    assert_quotes_on_their_pages(corpus_components, follow)
    assert "16bn" not in bare.text, bare.text


def test_conversation_joins_only_questions_that_lean_on_the_previous_one():
    conversation = Conversation()
    conversation.add("Which anchor organisations did Shropshire work with?")
    assert conversation.query_for("What is the Local Multiplier 3 method?") == "What is the Local Multiplier 3 method?"
    joined = conversation.query_for("And what did Dorset do there?")
    assert "anchor organisations" in joined and "Dorset" in joined
    assert "Shropshire" not in joined  # the follow-up names its own subject
    conversation.clear()
    assert conversation.query_for("Who were its partners?") == "Who were its partners?"


def test_doc_filter_cites_only_that_document(corpus_components):
    assistant = corpus_components.assistant
    unfiltered = assistant.ask(RISK)
    assert {doc for doc, _ in _cited_pages(unfiltered)} != {"pcse-summary"}, "the filter would prove nothing"

    answer = assistant.ask(RISK, doc_id="pcse-summary")

    assert not answer.abstained
    assert {doc for doc, _ in _cited_pages(answer)} == {"pcse-summary"}
    assert {doc for doc, _ in answer.retrieved} == {"pcse-summary"}
    assert ("pcse-summary", "4") in _cited_pages(answer)
    assert_quotes_on_their_pages(corpus_components, answer)


def test_kind_filter_cites_only_documents_of_that_kind(corpus_components):
    assistant = corpus_components.assistant
    question = "Which council ran a workshop with Locality?"
    assert "case-study-shropshire" in {doc for doc, _ in _cited_pages(assistant.ask(question))}

    answer = assistant.ask(question, kind="report")

    assert not answer.abstained
    assert {doc for doc, _ in _cited_pages(answer)} == {"pcse-full-report"}
    assert {doc for doc, _ in answer.retrieved} == {"pcse-full-report"}
    assert "Shropshire" in answer.text
    assert_quotes_on_their_pages(corpus_components, answer)


@pytest.mark.slow
def test_injected_instructions_are_never_quoted(hostile_components):
    assistant = hostile_components.assistant
    answer = assistant.ask("What does the report recommend about libraries?")

    assert (HOSTILE_DOC_ID, "1") in answer.retrieved[:5], "the hostile page must be in play"
    assert not answer.abstained
    assert HOSTILE_DOC_ID in {doc for doc, _ in _cited_pages(answer)}  # its ordinary sentences are fine
    text = answer.text.lower()
    quotes = " ".join(c.quote for c in answer.citations).lower()
    for phrase in INJECTED:
        assert phrase not in text and phrase not in quotes, phrase
    assert_quotes_on_their_pages(hostile_components, answer)

    only_hostile = assistant.ask("What does the report recommend about libraries?", doc_id=HOSTILE_DOC_ID)
    assert only_hostile.citations, only_hostile.text
    for phrase in INJECTED:
        assert phrase not in only_hostile.text.lower(), phrase


@pytest.mark.slow
def test_hostile_document_does_not_change_an_unrelated_answer(corpus_components, hostile_components):
    clean = corpus_components.assistant.ask(RISK)
    with_hostile = hostile_components.assistant.ask(RISK)

    assert not clean.abstained
    assert with_hostile.text == clean.text
    assert with_hostile.citations == clean.citations


def test_citation_check_separates_quotes_paraphrases_and_inventions(corpus_components):
    assistant = corpus_components.assistant
    hits = assistant.retriever.retrieve("Which anchor organisations did Shropshire work with?")
    sources = assistant.finder.sentences(hits[:8])
    verbatim = "Wem Town Hall was one of the three Shropshire anchor organisations."
    paraphrase = "Cleobury Country Centre was among the three community anchors Shropshire worked with."
    invented = "The report recommends abolishing all district councils by 2030."

    checked = check_answer(f"{verbatim} [3]\n- {paraphrase}\n- {invented} [1]", sources, assistant.finder)

    assert [c.text for c in checked] == [verbatim, paraphrase, invented]
    quoted, reworded, made_up = checked
    assert quoted.supported and quoted.support > 0.95
    assert quoted.evidence.quote == verbatim
    assert (quoted.evidence.doc_id, quoted.evidence.page_label) == ("case-study-shropshire", "48-64")
    page = PageViewer(corpus_components.library).page_text("case-study-shropshire", "48-64")
    assert verbatim in page
    assert reworded.supported and "Cleobury Country Centre" in reworded.evidence.quote
    assert reworded.support < quoted.support
    assert not made_up.supported and made_up.evidence is None  # its own [1] does not rescue it


def test_citation_check_prefers_the_source_the_sentence_cites(corpus_components):
    """The same sentence on two pages: the one the answer's marker names is the citation."""
    assistant = corpus_components.assistant
    hits = assistant.retriever.retrieve(RISK)
    # the two pages say the same, so the second is ranked after other chunks (near-duplicates move down)
    sources = [e for e in assistant.finder.sentences(hits) if "fourth key message" in e.quote]
    assert {(e.doc_id, e.page_label) for e in sources} == RISK_PAGES
    sentence = sources[0].quote
    for number, source in enumerate(sources, start=1):
        [checked] = check_answer(f"{sentence} [{number}]", sources, assistant.finder)
        assert checked.supported and checked.evidence is source


@pytest.mark.slow
def test_cli_ask_json_prints_one_cited_answer(corpus_components, tmp_path):
    data_dir = corpus_components.settings.data_dir
    result = run_python(
        ["-m", "assistant.cli", "--data-dir", str(data_dir), "ask", RISK, "--doc", "pcse-summary", "--json"],
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)  # the whole output is one JSON object
    assert isinstance(data, dict) and TOP_LEVEL_KEYS <= set(data)
    assert data["abstained"] is False and "letting go" in data["answer"]
    assert data["citations"] and all(set(c) == CITATION_KEYS for c in data["citations"])
    assert {c["doc_id"] for c in data["citations"]} == {"pcse-summary"}
    assert isinstance(data["timings_ms"]["total_ms"], (int, float))
    in_process = corpus_components.assistant.ask(RISK, doc_id="pcse-summary")
    assert data["citations"] == in_process.to_json()["citations"] and data["answer"] == in_process.text
    viewer = PageViewer(corpus_components.library)
    for citation in data["citations"]:
        assert _norm(citation["quote"]) in _norm(viewer.page_text(citation["doc_id"], citation["page"]))
    assert {p.name for p in tmp_path.iterdir()} <= {"home"}, "the CLI wrote outside its data dir"
