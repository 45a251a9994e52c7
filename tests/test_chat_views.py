"""What the chat page says, on a real store: the library line, the table's order, a PDF's own
title, the export's record, and how an answer's text is kept text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from assistant.answer_record import Answer
from assistant.answer_view import answer_markdown, safe_markdown
from assistant.citation import AnswerSentence, Citation
from assistant.export import conversation_markdown
from assistant.library_view import by_kind, library_line, library_rows

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-pdfs"


def test_library_line_and_table_on_the_default_corpus(corpus_components):
    records = corpus_components.library.documents()
    line = library_line(records)
    assert line.startswith(
        "**Library:** main report *Powerful Communities, Strong Economies — full report (digest)* "
        "(a digest, not the official PDF)"
    ), line
    assert "11 documents: 1 report, 1 summary, 6 case studies, 3 context documents" in line, line
    rows = library_rows(records)
    assert [row[2] for row in rows[:2]] == ["report", "summary"] and rows[-1][2] == "context"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row[6]) for row in rows)


def test_export_states_date_versions_mode_and_gives_each_answer_once(corpus_components):
    assistant = corpus_components.assistant
    question = "What are the four areas of action?"
    answer = assistant.ask(question)
    refusal_question = "What is the boiling point of mercury in kelvin?"
    refusal = assistant.ask(refusal_question)
    assert not answer.abstained and refusal.abstained
    records = by_kind(corpus_components.library.documents())
    text = conversation_markdown(
        [answer, refusal], records, now=dt.datetime(2026, 11, 28, 13, 5, tzinfo=dt.timezone.utc)
    )
    assert "- Date: 2026-11-28 13:05 UTC" in text and "- Answer mode: extractive" in text
    for record in records:
        assert f"{record.id} v{record.version} (sha256 {record.sha256[:12]})" in text
    for sentence in answer.sentences:
        assert text.count(sentence.text) == 1, sentence.text  # not repeated as its quote
        assert f"{sentence.text}[^1-{sentence.citation}]" in text
    for number, citation in enumerate(answer.citations, start=1):
        assert re.search(rf"^\[\^1-{number}\]: {re.escape(citation.title)}, .*pp?\. ", text, re.M), text
    assert "## Q2: " + refusal_question in text and "Nearest pages: " in text


def test_answer_text_stays_text():
    hostile = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) ![x](http://example.com/x.png)"
    shown = safe_markdown(hostile)
    assert "<img" not in shown and not re.search(r"(?<!\\)\]\(javascript", shown) and "![" not in shown
    answer = Answer(
        question="q",
        text=hostile,
        abstained=False,
        mode="extractive",
        sentences=[AnswerSentence(hostile, True, 1, 1.0)],
        citations=[Citation("d", "T", "3-27", None, None, 1, hostile)],
    )
    bubble = answer_markdown(answer, 4)
    assert "(#cite-4-1)" in bubble and "pp. 3-27 (exact page not known)" in bubble
    assert "<img" not in bubble and not re.search(r"(?<!\\)\]\(javascript", bubble)


def test_a_sentence_that_continues_its_line_is_shown_on_it():
    sentences = [
        AnswerSentence("The report sets out its belief.", True, 1, 1.0),
        AnswerSentence("Communities can change places.", True, 2, 1.0, continues=True),
        AnswerSentence("Another point.", True, 3, 1.0),
    ]
    answer = Answer(question="q", text="", abstained=False, mode="extractive", sentences=sentences)
    lines = answer_markdown(answer, 0).splitlines()
    assert (
        lines[0]
        == "The report sets out its belief. [\\[1\\]](#cite-0-1) Communities can change places. [\\[2\\]](#cite-0-2)"
    )
    assert lines[1] == "- Another point. [\\[3\\]](#cite-0-3)"


def test_pdf_title_comes_from_the_pdf_when_the_manifest_gives_none(make_components):
    source = REAL / "multi_page.pdf"
    if not source.is_file():
        pytest.skip(f"{source} is not present (the real PDFs live in ../shared/real-pdfs/)")
    library = make_components().library
    (result,) = library.ingest([source])
    assert result.status == "new", result.line()
    assert library.registry.load()["multi-page"].title == "The Evolution of the Word Processor"
    (again,) = library.ingest([source])
    assert again.status == "unchanged", again.line()  # the file's own title does not count as a change


def test_a_title_from_a_pdf_is_shown_as_text_not_markdown():
    from ingest.registry import DocumentRecord

    hostile = "![x](http://198.51.100.7/x.png) [click](javascript:alert(1))"
    record = DocumentRecord(
        id="hostile",
        title=hostile,
        kind="report",
        version=1,
        pages=1,
        chunks=1,
        sha256="0" * 64,
        file_sha256="0" * 64,
        ingested_at="2026-11-28T12:00:00+00:00",
        source="x.pdf",
        stored_file="hostile@1.pdf",
    )
    line = library_line([record])
    assert "![" not in line and not re.search(r"(?<!\\)\]\(", line), line
