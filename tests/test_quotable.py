"""Which sentences of a page an answer may quote (pure function, no model): a footnote mark is not
part of a sentence, and a sentence broken off mid-clause or a reference list's entry is not quoted."""

from __future__ import annotations

from ingest.quotable import quotable_spans


def _quotes(text: str) -> list[str]:
    return [text[start:end] for start, end, _ in quotable_spans(text)]


def test_a_footnote_mark_ends_a_sentence_and_is_left_out():
    text = (
        "Analysts should validate alerts with data from other sources.31 SIEMs Security Information and "
        "Event Management products generate alerts from log data. Agencies must have a breach policy for "
        "personally identifiable information (PII).14 Incident handlers should know it. Identity links a "
        "person to data held in the private sector.64"
    )
    assert _quotes(text) == [
        "Analysts should validate alerts with data from other sources.",
        "SIEMs Security Information and Event Management products generate alerts from log data.",
        "Agencies must have a breach policy for personally identifiable information (PII).",
        "Incident handlers should know it.",
        "Identity links a person to data held in the private sector.",
    ]


def test_a_year_or_a_version_before_a_full_stop_is_no_footnote_mark():
    text = "Open Banking began in 2018. The rules changed in 2023.64 New firms joined."
    assert _quotes(text) == ["Open Banking began in 2018.", "The rules changed in 2023.64 New firms joined."]


def test_a_sentence_cut_off_mid_clause_is_not_quoted_but_a_list_item_is():
    text = (
        "This model can be thought of as a team for teams. Because the focus of this document is\n\n"
        "- Identifying precursors and indicators; and\n- Make copies of log files"
    )
    assert _quotes(text) == [
        "This model can be thought of as a team for teams.",
        "Identifying precursors and indicators; and",
        "Make copies of log files",
    ]


def test_reference_entries_are_not_quoted_but_sentences_that_open_with_a_title_are():
    text = (
        "“Draft Recommendations on the Governance of Digital Identity.\n\n"
        "“Investment holdings data included in the exchange” Monetary Authority of Singapore.\n\n"
        "“The state of open banking in Europe — in 4 charts”, Sifted.eu.\n\n"
        "“The Money Trail” is a report that follows council spending through a town.\n\n"
        "“the costs of the directive largely outweigh the benefits to banks,” the study found."
    )
    assert _quotes(text) == [
        "“The Money Trail” is a report that follows council spending through a town.",
        "“the costs of the directive largely outweigh the benefits to banks,” the study found.",
    ]


def test_a_numbered_note_that_opens_with_a_quoted_title_is_a_reference_not_a_sentence():
    text = (
        "1. The series draws on interviews with industry leaders over the past three years.\n\n"
        "2. “Embedded finance: Connecting the dots.” IDG Connect. May 24, 2022.\n\n"
        "3. “Shifting from Open Banking to Open Finance.” OECD Publishing. March 2023."
    )
    assert _quotes(text) == ["The series draws on interviews with industry leaders over the past three years."]
