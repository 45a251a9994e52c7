"""PDF → pages: physical index and printed label, on generated and real PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REAL_PDFS
from pdf_factory import PageSpec, encrypt_pdf, make_pdf, report_with_front_matter

from ingest.loaders import load_document
from ingest.pages import DocumentError
from ingest.pdf_loader import label_pages

# cover, ii, iii, then printed 1..6 with body page 3 a full-page figure that prints no number
EXPECTED_LABELS = ["i", "ii", "iii", "1", "2", "3", "4", "5", "6"]


def _labels_and_indexes(path):
    pages = load_document(path).pages
    assert [p.index for p in pages] == list(range(1, len(pages) + 1))
    assert [p.pdf_page for p in pages] == [p.index for p in pages]
    assert all(p.is_pdf for p in pages)
    return [p.label for p in pages], pages


def test_footer_numbers_after_cover_and_roman_front_matter(tmp_path):
    labels, pages = _labels_and_indexes(report_with_front_matter(tmp_path / "report.pdf"))

    assert labels == EXPECTED_LABELS
    assert len(set(labels)) == len(labels), "two pages share a label, so a citation is ambiguous"
    # the printed page 1 is the 4th physical page; the figure page (printed 3) is the 6th
    by_label = {p.label: p for p in pages}
    assert by_label["1"].index == 4 and "Section p1 sentence 1" in by_label["1"].text
    assert by_label["3"].index == 6 and "Figure two" in by_label["3"].text
    assert by_label["6"].index == 9 and "Section p6" in by_label["6"].text
    assert "Powerful Places Annual Review" in by_label["i"].text


def test_running_header_numbers(tmp_path):
    path = report_with_front_matter(tmp_path / "report.pdf", running_header="Powerful Places Annual Review")
    labels, pages = _labels_and_indexes(path)

    assert labels == EXPECTED_LABELS
    # the running header gives the label and is page furniture, never part of the text
    assert pages[7].furniture == ("Powerful Places Annual Review 5",)
    assert all("Powerful Places Annual Review" not in p.text for p in pages[3:])
    assert pages[7].label == "5" and pages[7].index == 8


def test_figure_page_late_in_run_and_numbering_starting_later(tmp_path):
    """The printed numbers need not start at 1, and an unnumbered page near the end is filled."""
    specs = [PageSpec(body=["Title page of the review"])]
    specs += [
        PageSpec(body=[f"Chapter text number {n} about local spending."], footer=f"Page {n}") for n in range(10, 14)
    ]
    specs.append(PageSpec(body=["Map of the pilot areas"], figure="drawing"))
    specs.append(PageSpec(body=["Closing remarks about local spending."], footer="Page 15"))
    labels, _ = _labels_and_indexes(make_pdf(tmp_path / "late.pdf", specs))

    assert labels[1:] == ["10", "11", "12", "13", "14", "15"]


def test_pdf_without_printed_numbers_uses_physical_numbers(tmp_path):
    specs = [PageSpec(body=[f"Plain page about topic {name}."]) for name in ("alpha", "beta", "gamma")]
    labels, _ = _labels_and_indexes(make_pdf(tmp_path / "plain.pdf", specs))
    assert labels == ["1", "2", "3"]


def test_label_pages_ignores_stray_numbers_in_body_text():
    """A single number that happens to end a line near the edge must not relabel the document."""
    texts = ["Intro line\nbody\nWe counted 42", "More body\nand more\nend", "Final body\ntext\nend"]
    assert label_pages(texts, ["1", "2", "3"]) == ["1", "2", "3"]


def test_label_pages_keeps_a_short_run_before_an_inserted_page():
    """Pages printed 1 and 2, then a page printed 30 (inserted from elsewhere), then 3 to 7: the
    numbering has two offsets, and the two pages before the insertion keep their printed numbers
    instead of falling back to their physical places. The inserted page, alone at its offset, keeps
    its own label."""
    printed = ["Cover", "1", "2", "30", "3", "4", "5", "6", "7"]
    texts = [f"Body text of this page\nmore body\n{number}" for number in printed]
    own = [str(i + 1) for i in range(len(printed))]
    assert label_pages(texts, own) == ["1", "1", "2", "4", "3", "4", "5", "6", "7"]


def test_label_pages_ignores_a_second_number_on_a_page_of_the_main_run():
    """A page printing its number and, near the edge, another pair of numbers keeps its number."""
    texts = [f"Body\nmore\n{n}" for n in range(1, 6)]
    texts[2] = "Body\nmore\n3\n33"
    texts[3] = "Body\nmore\n4\n34"
    assert label_pages(texts, [str(i) for i in range(1, 6)]) == ["1", "2", "3", "4", "5"]


def test_encrypted_pdf_with_empty_user_password_loads(tmp_path):
    plain = report_with_front_matter(tmp_path / "plain.pdf")
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", user_password="")
    assert b"/Encrypt" in locked.read_bytes()

    labels, pages = _labels_and_indexes(locked)
    assert labels == EXPECTED_LABELS
    assert "Section p2 sentence 3" in pages[4].text


def test_pdf_with_one_image_page_among_text_pages_warns(tmp_path):
    specs = [
        PageSpec(body=["First page of text."], footer="1"),
        PageSpec(figure="image"),
        PageSpec(body=["Third page of text."], footer="3"),
    ]
    loaded = load_document(make_pdf(tmp_path / "mixed.pdf", specs))
    assert [p.label for p in loaded.pages] == ["1", "2", "3"]
    assert loaded.pages[1].text.strip() == ""
    assert loaded.warnings == ["PDF pages with no text (images only?): 2"]


@pytest.mark.parametrize("figure", ["image", "drawing"])
def test_pdf_with_no_text_layer_is_refused(tmp_path, figure):
    path = make_pdf(tmp_path / "scan.pdf", [PageSpec(figure=figure), PageSpec(figure=figure)])
    with pytest.raises(DocumentError, match="no text layer"):
        load_document(path)


def test_pdf_with_user_password_is_refused(tmp_path):
    locked = encrypt_pdf(
        report_with_front_matter(tmp_path / "plain.pdf"), tmp_path / "locked.pdf", user_password="s3cret"
    )
    with pytest.raises(DocumentError, match="encrypted.*password"):
        load_document(locked)


def test_truncated_pdf_is_refused(tmp_path):
    whole = report_with_front_matter(tmp_path / "whole.pdf").read_bytes()
    (tmp_path / "half.pdf").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DocumentError, match="damaged or truncated"):
        load_document(tmp_path / "half.pdf")


def test_html_renamed_pdf_is_refused(tmp_path):
    (tmp_path / "page.pdf").write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    with pytest.raises(DocumentError, match=r"not really a PDF \(starts like an HTML page\)"):
        load_document(tmp_path / "page.pdf")


# --- the real PDFs kept in shared/ (CI has them at the same place; skipped when absent) ---


def _real_pdf(name: str):
    path = REAL_PDFS / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    return path


def test_real_multi_page_pdf():
    labels, pages = _labels_and_indexes(_real_pdf("multi_page.pdf"))
    assert labels == ["1", "2", "3", "4", "5"]
    assert pages[0].text.startswith("## The Evolution of the Word Processor\n\n")  # a heading, on its own
    assert "Specialized Word Processing Tools" in pages[2].text


def test_real_single_page_pdf_keeps_its_printed_number():
    labels, pages = _labels_and_indexes(_real_pdf("2305.03393v1-pg9.pdf"))
    assert labels == ["9"]
    assert pages[0].pdf_page == 1
    # the running title beside the printed number is furniture: out of the text, kept as metadata
    assert pages[0].furniture == ("Optimized Table Tokenization for Table Structure Recognition", "9")
    assert "Optimized Table Tokenization" not in pages[0].text


def _table_pdf(path: Path) -> Path:
    """A table of councils and figures that starts low on page 1 and runs on at the top of page 2."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    rows = [("Council", "Contracts", "Local share")] + [
        (f"Area {n}", f"{100 + n * 7}", f"{20 + n}%") for n in range(1, 9)
    ]
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.set_xy(20, 30)
    pdf.multi_cell(
        170,
        6,
        "Councils reported how many contracts went to local providers. The figures below "
        "come from the councils' own returns.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    y = 200
    for number, row in enumerate(rows):
        if number == 6:
            pdf.add_page()
            pdf.set_font("Helvetica", size=11)
            y = 30
        for x, cell in zip((20, 80, 140), row):
            pdf.set_xy(x, y)
            pdf.cell(40, 6, cell)
        y += 8
    pdf.output(str(path))
    return path


def test_table_rows_carry_their_headers_on_both_pages(tmp_path):
    pages = load_document(_table_pdf(tmp_path / "table.pdf")).pages
    assert "Council: Area 1 | Contracts: 107 | Local share: 21%" in pages[0].text
    # the rows that run on to the next page keep the header printed on the page before
    assert "Council: Area 6 | Contracts: 142 | Local share: 26%" in pages[1].text
    assert "Council: Area 8 | Contracts: 156 | Local share: 28%" in pages[1].text


def test_a_heading_over_two_columns_is_not_taken_for_a_line_poking_into_the_gutter():
    from ingest.pdf_layout import DocumentStyle, reading_order
    from ingest.pdf_spans import Span

    style = DocumentStyle(body_size=11.0, body_bold=False, line_gap=3.0)
    heading = Span("A heading across both columns", 34.0, 500.0, 400.0, 512.0, 11.0, False)
    left = [Span(f"left line {i}", 34.0, 480.0 - 14 * i, 219.0, 491.0 - 14 * i, 11.0, False) for i in range(5)]
    right = [Span(f"right line {i}", 228.0, 480.0 - 14 * i, 413.0, 491.0 - 14 * i, 11.0, False) for i in range(5)]
    stray = Span("right line poking in", 218.5, 480.0 - 14 * 5, 395.0, 491.0 - 14 * 5, 11.0, False)
    order = [s.text for group in reading_order([heading, *left, *right, stray], style) for s in group]
    assert order[0] == "A heading across both columns"
    assert order[1:6] == [f"left line {i}" for i in range(5)]
    assert order[6:] == [f"right line {i}" for i in range(5)] + ["right line poking in"]


def _prose_lines(side: str, x0: float, x1: float, top: float, count: int):
    from ingest.pdf_spans import Span

    return [
        Span(f"{side} column line {i} of the prose", x0, top - 14 * i, x1, top + 11 - 14 * i, 11.0, False)
        for i in range(count)
    ]


def test_a_line_set_close_over_two_columns_of_prose_is_read_before_them():
    from ingest.pdf_layout import DocumentStyle, reading_order
    from ingest.pdf_spans import Span

    style = DocumentStyle(body_size=11.0, body_bold=False, line_gap=3.0)
    # one line gap above the columns, as a paragraph's opening line across both would be
    opening = Span(
        "Retailing and the care sectors are major employers across the town.", 34.0, 494.0, 413.0, 505.0, 11.0, False
    )
    left, right = _prose_lines("left", 34.0, 219.0, 480.0, 6), _prose_lines("right", 228.0, 413.0, 480.0, 6)
    order = [s.text for group in reading_order([opening, *left, *right], style) for s in group]
    assert order == [opening.text] + [s.text for s in left] + [s.text for s in right]


def test_a_paragraph_across_two_columns_set_close_above_them_is_read_whole_before_them():
    from ingest.pdf_layout import DocumentStyle, reading_order
    from ingest.pdf_spans import Span

    style = DocumentStyle(body_size=11.0, body_bold=False, line_gap=3.0)
    # three lines across, the last a short one; the columns start one paragraph gap (5 pt) below
    across = [
        Span(
            f"across line {i} of the opening paragraph of the page",
            34.0,
            536.0 - 14 * i,
            413.0,
            547.0 - 14 * i,
            11.0,
            False,
        )
        for i in range(2)
    ] + [Span("its last words.", 34.0, 508.0, 110.0, 519.0, 11.0, False)]
    left, right = _prose_lines("left", 34.0, 219.0, 492.0, 7), _prose_lines("right", 228.0, 413.0, 492.0, 7)
    groups = reading_order([*across, *left, *right], style)
    order = [s.text for group in groups for s in group]
    assert order == [s.text for s in across] + [s.text for s in left] + [s.text for s in right]
    assert [s.text for s in groups[0]] == [s.text for s in across]  # the paragraph is not cut before its last line


def test_a_tables_title_over_its_columns_of_short_cells_is_still_read_by_rows():
    from ingest.pdf_layout import DocumentStyle, reading_order
    from ingest.pdf_spans import Span

    style = DocumentStyle(body_size=11.0, body_bold=False, line_gap=3.0)
    title = Span("Title Description Additional Information", 34.0, 494.0, 413.0, 505.0, 11.0, False)
    cells = [
        span
        for i, (code, name) in enumerate(
            [("AI", "Asset Identification"), ("ARF", "Asset Results"), ("CCE", "Config Enum")] * 3
        )
        for span in (
            Span(code, 34.0, 480.0 - 14 * i, 60.0, 491.0 - 14 * i, 11.0, False),
            Span(name, 120.0, 480.0 - 14 * i, 240.0, 491.0 - 14 * i, 11.0, False),
        )
    ]
    groups = reading_order([title, *cells], style)
    assert len(groups) == 1  # one group, read line by line: each code beside its name
    order = [s.text for s in groups[0]]
    assert order[:5] == [title.text, "AI", "Asset Identification", "ARF", "Asset Results"]


def test_a_table_on_the_left_page_of_a_spread_does_not_take_in_the_right_pages_text():
    from ingest.pdf_layout import DocumentStyle, page_text
    from ingest.pdf_spans import Span

    style = DocumentStyle(body_size=11.0, body_bold=False, line_gap=3.0)
    wards = [("Central", "78", "2.9"), ("East", "72", "1.5"), ("North", "43", "1.7"), ("South", "79", "2.2")]
    table = [
        Span(text, x0, 480.0 - 14 * i, x0 + 40.0, 491.0 - 14 * i, 11.0, False)
        for i, row in enumerate(wards)
        for text, x0 in zip(row, (34.0, 150.0, 220.0))
    ]
    prose = _prose_lines("right", 430.0, 760.0, 480.0, 4)  # the right-hand page, on the same baselines
    text, tables = page_text(table + prose, style)
    assert len(tables) == 1 and [len(row) for row in tables[0].rows] == [3, 3, 3, 3]
    assert "Central | 78 | 2.9" in text and "right column line 0" not in text.split("Central")[1].split("\n\n")[0]


def test_a_sentence_running_on_into_the_next_column_is_one_paragraph():
    from ingest.pdf_layout import DocumentStyle, page_text
    from ingest.pdf_spans import Span

    style = DocumentStyle(body_size=11.0, body_bold=False, line_gap=3.0)
    left = _prose_lines("left", 34.0, 219.0, 480.0, 5) + [
        Span("catering is offered for weddings,", 34.0, 410.0, 219.0, 421.0, 11.0, False)
    ]
    right = [Span("funerals and other special services.", 228.0, 480.0, 413.0, 491.0, 11.0, False)]
    right += _prose_lines("right", 228.0, 413.0, 466.0, 5)
    text, _ = page_text(left + right, style)
    assert "catering is offered for weddings, funerals and other special services." in text
    # a paragraph that ends its column with a full stop is not run on into the next
    ended = left[:-1] + [Span("The left column ends here.", 34.0, 410.0, 219.0, 421.0, 11.0, False)]
    text, _ = page_text(ended + right, style)
    assert "The left column ends here.\n\nfunerals and other special services." in text
