"""The eval question sets themselves: they parse, ids are unique, every acceptable [document, page]
exists in the text the assistant reads, and every key fact is on one of the listed pages — so an
extractive answer can contain it. The real-PDF set is skipped when ../shared/real-pdfs/ is absent."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from evals import metrics, runner
from ingest.loaders import load_document
from ingest.manifest import entries_for

SETS = {
    "default": runner.DEFAULT_QUESTIONS,
    "real-pdfs": runner.HERE / "questions-real.yaml",
    "heldout": runner.HERE / "questions-heldout.yaml",
    "heldout-real": runner.HERE / "questions-heldout-real.yaml",
}


@lru_cache(maxsize=None)
def _pages(paths: tuple[Path, ...]) -> dict[tuple[str, str], str]:
    """(document id, printed label) → text, pages sharing a label read as one (as citations are)."""
    pages: dict[tuple[str, str], str] = {}
    for entry in entries_for(list(paths)):
        for page in load_document(entry.path).pages:
            key = (entry.doc_id, page.label)
            pages[key] = pages.get(key, "") + "\n" + page.text
    return pages


def _set_and_pages(name: str):
    qset = runner.load_set(SETS[name])
    reason = qset.missing_corpus()
    if reason:
        pytest.skip(f"question set '{name}' skipped: {reason}")
    paths = tuple(qset.files()) if qset.corpus else (runner.REPO / "corpus",)
    return qset, _pages(paths)


@pytest.mark.parametrize("name", SETS)
def test_question_file_is_well_formed(name):
    qset = runner.load_set(SETS[name])
    assert qset.name == name
    ids = [q["id"] for q in qset.questions]
    assert len(ids) == len(set(ids))
    for q in qset.questions:
        assert q["type"] in runner.TYPES, q["id"]
        if q["abstain"]:
            assert not q["pages"] and not q["facts"], q["id"]
        else:
            assert q["pages"] and q["facts"], q["id"]


def test_real_set_has_enough_questions_and_refusals():
    qset = runner.load_set(SETS["real-pdfs"])
    refuse = [q for q in qset.questions if q["abstain"]]
    assert len(qset.questions) >= 50 and len(refuse) >= 12
    assert all(q.get("about") for q in refuse), "a must-refuse question must say which document it is about"
    assert qset.corpus == (runner.REPO / ".." / "shared" / "real-pdfs").resolve()


def test_heldout_sets_cover_both_corpora_with_enough_refusals():
    """Issue 11's held-out questions: at least 40 over the default corpus and the real PDFs, at least
    12 of them must-refuse, each real-PDF refusal naming its document."""
    default, real = (runner.load_set(SETS[name]) for name in ("heldout", "heldout-real"))
    questions = default.questions + real.questions
    assert default.corpus is None and real.corpus == runner.load_set(SETS["real-pdfs"]).corpus
    assert len(questions) >= 40 and sum(q["abstain"] for q in questions) >= 12
    assert all(q.get("about") for q in real.questions if q["abstain"])
    seen = {q["question"].lower() for name in ("default", "real-pdfs") for q in runner.load_set(SETS[name]).questions}
    assert not [q["id"] for q in questions if q["question"].lower() in seen], "a held-out question is in a tuned set"


@pytest.mark.parametrize("name", SETS)
def test_every_page_exists_and_every_fact_is_on_a_listed_page(name):
    qset, pages = _set_and_pages(name)
    documents = {doc for doc, _ in pages}
    for q in qset.questions:
        for page in q["pages"]:
            assert page in pages, f"{q['id']}: no page {page} in the loaded text"
        for fact in q["facts"]:
            assert any(metrics._fact_found(pages[page], fact) for page in q["pages"]), (
                f"{q['id']}: fact {fact!r} is on none of its pages"
            )
        if q.get("about"):
            assert q["about"] in documents, f"{q['id']}: unknown document {q['about']}"


def test_lead_accuracy_reads_only_the_first_line():
    answer = "Heading line [1]\n- The guide was published in August 2012. [2]"
    assert metrics.lead_accuracy(answer, ["August 2012"]) == 0.0
    assert metrics.lead_accuracy("\nAugust 2012 [1]\n- more", ["August 2012"]) == 1.0
    assert metrics.lead_accuracy("Two: 1861 [1]\n- 1962", ["1861", "1962"]) == 1.0  # at least one fact
    assert metrics.lead_accuracy("", ["1861"]) == 0.0 and metrics.lead_accuracy("x", []) is None


def test_summary_reports_each_document_and_the_shares():
    rows = [
        {
            "id": "a",
            "type": "fact",
            "document": "d1",
            "must_abstain": False,
            "abstained": False,
            "latency_ms": 1,
            "quote_validity": 1.0,
            "hit@5": 1.0,
            "fact_recall": 1.0,
            "lead_accuracy": 0.0,
        },
        {
            "id": "b",
            "type": "fact",
            "document": "d1",
            "must_abstain": False,
            "abstained": True,
            "latency_ms": 1,
            "quote_validity": None,
            "hit@5": 0.0,
            "fact_recall": 0.0,
            "lead_accuracy": 0.0,
        },
        {
            "id": "c",
            "type": "out-of-scope",
            "document": "d2",
            "must_abstain": True,
            "abstained": False,
            "latency_ms": 1,
            "quote_validity": 1.0,
        },
        {
            "id": "d",
            "type": "out-of-scope",
            "document": "d2",
            "must_abstain": True,
            "abstained": True,
            "latency_ms": 1,
            "quote_validity": None,
        },
    ]
    summary = runner.summarise(rows, [])
    assert summary["abstention"]["answered_share"] == 0.5 and summary["abstention"]["refused_share"] == 0.5
    assert summary["by_document"]["d1"]["answered_share"] == 0.5
    assert summary["by_document"]["d1"]["hit@5"] == 0.5
    assert summary["by_document"]["d2"]["refused_share"] == 0.5 and summary["by_document"]["d2"]["answerable"] == 0
    assert "d2" in runner.format_table(summary)
    assert runner.check_thresholds(summary, {"minimum": {"refused_share": 0.9}}) == [
        "refused_share = 0.500 is below the recorded minimum 0.9"
    ]


def test_a_set_whose_corpus_is_absent_is_skipped_with_the_reason(tmp_path, capsys):
    from assistant.cli import main

    questions = tmp_path / "elsewhere.yaml"
    questions.write_text("version: 1\nname: elsewhere\ncorpus: ../no-such-folder-here/\nquestions: []\n")
    assert main(["--data-dir", str(tmp_path / "data"), "eval", "--questions", str(questions)]) == 0
    out = capsys.readouterr().out
    assert "skipped question set 'elsewhere'" in out and "no-such-folder-here" in out
