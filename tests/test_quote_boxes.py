"""The quote marked on the PDF page: boxes from PDFium's text layer, found by letters only, and
only where the match is certain. Checked on a real report (../shared/real-pdfs/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.pdf_quote import fold, line_boxes, locate, page_letters, quote_boxes

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-pdfs"
NIST = REAL / "nist-sp800-61r2.pdf"
IIF = REAL / "iif-deloitte-open-data.pdf"


def _nist() -> Path:
    if not NIST.is_file():
        pytest.skip(f"{NIST} is not present (the real PDFs live in ../shared/real-pdfs/)")
    return NIST


def _text_under(path: Path, pdf_page: int, boxes: list[list[float]]) -> str:
    """What PDFium reads inside the boxes: the words a reader sees highlighted."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        textpage = pdf[pdf_page - 1].get_textpage()
        return " ".join(
            textpage.get_text_bounded(x0, y0 + 0.3 * (y1 - y0), x1, y1 - 0.3 * (y1 - y0)) for x0, y0, x1, y1 in boxes
        )
    finally:
        pdf.close()


def test_letters_only_matching_ignores_breaks_hyphens_and_case():
    page, _ = fold("The incident re-\nsponse team (CSIRT) handles   most of the work.\nIt then")
    quote = fold("incident response team (CSIRT) handles most")[0]
    (span,) = locate(page, quote)
    assert page[span[0] : span[1]] == quote and span[0] == len("the")
    assert locate(page, fold("a sentence that is not on this page")[0]) == []
    twice, _ = fold("Contain the incident first. Contain the incident first.")
    assert locate(twice, fold("Contain the incident first.")[0]) == [], "ambiguous: marked nothing"


def test_a_sentence_split_across_columns_is_found_in_long_unique_pieces():
    page = fold(
        "Left column ends with the first half of a long sentence | Right column: unrelated "
        "words here | and the second half of that long sentence follows"
    )[0]
    quote = fold("the first half of a long sentence and the second half of that long sentence")[0]
    spans = locate(page, quote)
    assert len(spans) == 2 and "".join(page[a:b] for a, b in spans) == quote
    assert locate(page, fold("the first half of a long sentence zz")[0]) == [], "a short tail elsewhere"


def test_boxes_cover_the_quoted_words_on_a_real_page():
    path = _nist()
    quote = (
        "Because performing incident response effectively is a complex undertaking, establishing a "
        "successful incident response capability requires substantial planning and resources."
    )
    page = next(i for i in range(1, 30) if fold(quote)[0] in page_letters(str(path), i).letters)
    boxes = quote_boxes(path, page, quote)
    assert 1 <= len(boxes) <= 4, boxes  # one box per line of the sentence
    assert all(x0 < x1 and y0 < y1 for x0, y0, x1, y1 in boxes)
    assert fold(_text_under(path, page, boxes))[0] == fold(quote)[0]
    # the same sentence is not on the next page: nothing is marked there
    assert quote_boxes(path, page + 1, quote) == []


def test_line_boxes_merge_characters_of_one_line():
    chars = [(10, 100, 15, 110), (15, 100, 20, 110), (22, 100, 27, 110), (10, 88, 15, 98)]
    assert line_boxes(chars) == [[10, 100, 27, 110], [10, 88, 15, 98]]


@pytest.mark.slow
def test_ask_json_citations_of_a_pdf_carry_boxes(make_components, tmp_path):
    """A cited PDF page's quote comes with its boxes, in PDF points, and they cover the quote."""
    path = _nist()
    components = make_components()
    (result,) = components.library.ingest([path])
    assert result.status == "new", result.line()
    answer = components.assistant.ask("What are the phases of the incident response process?")
    assert not answer.abstained and answer.citations, answer.text
    payload = json.loads(json.dumps(answer.to_json()))
    located = [c for c in payload["citations"] if c["boxes"]]
    assert located, payload["citations"]
    stored = components.library.files_dir / components.registry.load()[result.doc_id].stored_file
    for citation in located:
        assert fold(_text_under(stored, citation["pdf_page"], citation["boxes"]))[0] == fold(citation["quote"])[0]
    assert "boxes_ms" in payload["timings_ms"]


def test_an_unreadable_stored_copy_gives_no_boxes_instead_of_an_error(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    quote = "Because performing incident response effectively is a complex undertaking."
    assert quote_boxes(broken, 1, quote) == []
    assert quote_boxes(tmp_path / "gone.pdf", 1, quote) == []


def test_a_quote_read_without_its_footnote_mark_is_still_marked_on_the_page():
    if not IIF.is_file():
        pytest.skip(f"{IIF} is not present (the real PDFs live in ../shared/real-pdfs/)")
    # the page draws "in 2021⁶³ with"; the stored sentence has no mark
    quote = "Brazil launched its Open Finance initiative in 2021 with the aim to allow the exchange of data"
    boxes = quote_boxes(IIF, 27, quote)
    assert boxes
    assert fold(_text_under(IIF, 27, boxes))[0].startswith(fold("Brazil launched its Open Finance")[0])
