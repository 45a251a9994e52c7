"""Reading real report PDFs nobody here wrote (../shared/real-pdfs/): page furniture, contents
pages, outlines, headings, columns, hyphens and tables, checked on the text an answer can quote."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from ingest.pdf_loader import parse_pdf_pages
from ingest.quotable import quotable_spans

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-pdfs"
ALL = [
    "nist-sp800-61r2.pdf",
    "st-mary-witney-social-audit.pdf",
    "iif-deloitte-open-data.pdf",
    "deloitte-tax-technology-2023.pdf",
    "multi_page.pdf",
    "2305.03393v1-pg9.pdf",
]
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\[?\d+\]?\s*$|…{2,}")


@lru_cache(maxsize=None)
def _read(name: str):
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} is not present (the real PDFs live in ../shared/real-pdfs/)")
    return parse_pdf_pages(path)


def _quotable(page) -> list[str]:
    return [page.text[start:end] for start, end, _ in quotable_spans(page.text)]


@pytest.mark.parametrize("name", ALL)
def test_no_header_or_footer_inside_any_quotable_sentence(name):
    loaded = _read(name)
    furniture = {
        line for page in loaded.pages for line in page.furniture if len(line.split()) >= 3
    }  # running titles, not bare numbers
    for page in loaded.pages:
        for sentence in _quotable(page):
            assert not any(line in sentence for line in furniture), (page.label, sentence[:120])


def test_running_header_and_page_numbers_are_furniture():
    loaded = _read("nist-sp800-61r2.pdf")
    body = loaded.pages[12]  # printed page 3
    assert body.label == "3"
    assert body.furniture == ("COMPUTER SECURITY INCIDENT HANDLING GUIDE", "3")
    assert all("COMPUTER SECURITY INCIDENT HANDLING GUIDE" not in page.text for page in loaded.pages)
    # a running title beside the page number, on a designed report
    deloitte = _read("deloitte-tax-technology-2023.pdf")
    assert any(line.startswith("Tax in a data-driven world |") for line in deloitte.pages[5].furniture)
    assert "Tax in a data-driven world |" not in deloitte.pages[5].text


@pytest.mark.parametrize("name", ALL)
def test_no_contents_line_is_quotable(name):
    for page in _read(name).pages:
        for sentence in _quotable(page):
            assert not _DOT_LEADER.search(sentence), (page.label, sentence[:120])


def test_contents_pages_without_dot_leaders_are_recognised():
    witney = _read("st-mary-witney-social-audit.pdf")
    contents = witney.pages[2]
    assert "Setting and context 10" not in contents.text and "Housing 16" not in contents.text
    assert witney.contents_lines >= 14


def test_outline_from_bookmarks_has_titles_levels_and_printed_pages():
    outline = {s.title: s for s in _read("nist-sp800-61r2.pdf").outline}
    section = outline["2.3.4 Sharing Information With Outside Parties"]
    assert (section.level, section.page, section.pdf_page) == (3, "9", 19)
    assert outline["1. Introduction"].level == 1 and outline["1. Introduction"].page == "4"
    assert outline["Abstract"].page == "iv"


def test_outline_without_bookmarks_comes_from_headings():
    outline = _read("multi_page.pdf").outline
    assert outline[0].title == "The Evolution of the Word Processor" and outline[0].pdf_page == 1
    assert any(s.title == "Specialized Word Processing Tools" and s.page == "3" for s in outline)


def test_headings_are_lines_of_their_own():
    nist = _read("nist-sp800-61r2.pdf")
    page = next(p for p in nist.pages if p.label == "9")
    assert "\n### 2.3.4 Sharing Information With Outside Parties\n" in f"\n{page.text}\n"
    assert not any(s.startswith("2.3.4 Sharing") for s in _quotable(page))


def test_words_hyphenated_across_lines_are_rejoined():
    deloitte = _read("iif-deloitte-open-data.pdf")
    text = " ".join(page.text for page in deloitte.pages)
    # 'participants' is broken over two lines in the PDF ("partici-" / "pants") on at least one page
    assert not re.search(r"\b[a-z]{3,}- [a-z]{3,}\b", text.replace("- and", "").replace("- or", "")), re.findall(
        r"\b[a-z]{3,}- [a-z]{3,}\b", text
    )[:5]


def test_two_columns_are_read_one_after_the_other():
    witney = _read("st-mary-witney-social-audit.pdf")
    page = witney.pages[9]  # 'Setting and context': a full-width paragraph over two columns
    text = " ".join(page.text.split())
    first_column = "St Mary’s is one of four churches in the parish of Witney."
    first_column_end = "It is very close to the RAF’s Brize Norton base and is 6 miles from Witney."
    second_column = "Witney thrives as a market town and is the largest service centre in the district"
    assert first_column in text and first_column_end in text and second_column in text
    assert (
        text.index("Visitors and residents alike")
        < text.index(first_column)
        < text.index(first_column_end)
        < text.index(second_column)
    )


def test_a_line_poking_into_the_gutter_does_not_merge_two_columns():
    # a stray line of the right column starts 0.7 pt inside the left column's edge on Witney p. 6
    page = next(page for page in _read("st-mary-witney-social-audit.pdf").pages if page.label == "6")
    quotes = _quotable(page)
    assert "The social audit explores the opportunities for St Mary’s to serve the area as a whole." in quotes
    assert "The Lower Layer SOAs are able to reveal a more detailed picture." in quotes
    assert not any("explores the The Lower Layer" in q for q in quotes)


def test_a_spread_reads_its_pages_apart_and_its_columns_under_an_opening_line():
    # Witney p. 15 is a spread: ward tables on the left page, two columns of prose on the right,
    # under a line across both set one line gap above them
    page = next(page for page in _read("st-mary-witney-social-audit.pdf").pages if page.label == "15")
    quotes = _quotable(page)
    income = "The median (gross) annual income (ONS 2010) of Witney residents was £23,755"
    assert income + " which is above the UK figure of £21,212." in quotes
    assert "Witney Central | 78 | 2.9" in page.text  # the left page's table rows, without the right page's words
    assert not any("There are three major business The median" in q for q in quotes)


def test_a_column_of_prose_beside_a_chart_is_read_apart_from_the_chart_labels():
    # Deloitte p. 15: the survey's description in a narrow column, Figure 8's bar and ring charts
    # beside it; one chart's heading ("Industry") stands in a narrow column of its own
    page = next(page for page in _read("deloitte-tax-technology-2023.pdf").pages if page.label == "15")
    quotes = _quotable(page)
    assert (
        "Deloitte surveyed 300 senior tax and finance leaders at companies across a range of industries, "
        "sizes, and regions to understand their future vision for the tax function and how they plan to "
        "achieve that vision."
    ) in quotes
    assert not any("US$750M" in q and "surveyed" in q for q in quotes)


def test_columns_under_a_paragraph_across_the_page_are_read_one_after_the_other():
    # Witney p. 25: two narrow-gutter columns one paragraph gap under a paragraph across both
    page = next(page for page in _read("st-mary-witney-social-audit.pdf").pages if page.label == "25")
    quotes = _quotable(page)
    assert "St Mary’s has a number of different spaces which can be used separately." in quotes
    catering = "A range of catered options for weddings and other occasions would make St Mary’s significantly"
    assert catering + " more attractive for potential users." in quotes
    # the left column's last sentence runs on at the top of the right column: one sentence, not two pieces
    kitchen = "The Winchester Room is well used - an upgraded kitchen would allow professional catering to be"
    assert kitchen + " provided on site for weddings, funerals, special church services and cultural events." in quotes


def test_a_table_row_is_quotable_with_its_column_headers():
    page = _read("2305.03393v1-pg9.pdf").pages[0]
    rows = [s for s in _quotable(page) if "OTSL" in s and "0.965" in s]
    assert rows, page.text
    assert "Language: OTSL" in rows[0] and "Inference" in rows[0] and "2.73" in rows[0]


@pytest.mark.parametrize("name", ALL)
def test_no_quotable_sentence_ends_in_a_footnote_mark(name):
    for page in _read(name).pages:
        for sentence in _quotable(page):
            assert not re.search(r"[a-z][.!?][”\"')]*\d{1,3}$", sentence), (page.label, sentence[-80:])


def test_a_raised_footnote_mark_is_not_read_into_the_words_before_it():
    # "in 2021⁶³" read "in 202163"; "Payment Services Directive 2⁵⁵ or PSD2⁵⁶" read "2 55 or PSD256"
    iif = {page.label: page.text for page in _read("iif-deloitte-open-data.pdf").pages}
    assert "Open Finance initiative in 2021 with the aim" in iif["27"]
    assert "Payments Services Directive 2 or PSD2," in iif["26"]
    assert "Interchange in 2022 after" in iif["26"]
    nist = {page.label: page.text for page in _read("nist-sp800-61r2.pdf").pages}
    assert "imminent threat of violation of computer security policies" in nist["6"]
    # an endnote's own number, first on its line, stays
    assert iif["30"].startswith("## Endnotes\n\n1. Realizing the Digital Promise")


def test_a_sentence_cut_off_by_footnotes_and_a_reference_entry_are_not_quotable():
    nist = next(page for page in _read("nist-sp800-61r2.pdf").pages if page.label == "13")
    quotes = _quotable(nist)
    assert "This model can be thought of as a CSIRT for CSIRTs." in quotes
    assert not any(q.startswith("Because the focus of this document") for q in quotes)  # continues on p. 14
    endnotes = next(page for page in _read("iif-deloitte-open-data.pdf").pages if page.label == "31")
    assert "Draft Recommendations on the Governance of Digital Identity" in endnotes.text
    assert not any("Draft Recommendations on the Governance" in q for q in _quotable(endnotes))
    notes = next(page for page in _read("iif-deloitte-open-data.pdf").pages if page.label == "30")
    assert "Embedded finance: Connecting the dots" in notes.text
    assert not any("Connecting the dots" in q or q.startswith("May 24, 2022") for q in _quotable(notes))
