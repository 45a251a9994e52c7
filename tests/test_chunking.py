"""Chunks stay inside one page, point at their exact text, and fit what the embedder reads."""

from __future__ import annotations

import pytest
from conftest import CORPUS

from ingest.chunking import chunk_pages
from ingest.loaders import load_document
from ingest.pages import Page
from ingest.sentences import sentence_spans

MAX = 200


def _table_run(rows: int) -> str:
    """A table flattened to one line: no full stops, no blank lines, thousands of word pieces."""
    return " ".join(f"| {2010 + i % 10} | Bradford ward {i % 7} | {1234 + i} | 56,{i % 10}% |" for i in range(rows))


def _chunk(pages, embedder, max_tokens=MAX, title="A report"):
    return chunk_pages(
        pages,
        doc_id="doc",
        doc_kind="report",
        title=title,
        version=3,
        max_tokens=max_tokens,
        count_tokens=embedder.count_tokens,
    )


def _assert_exact_and_within_pages(chunks, pages):
    by_index = {p.index: p for p in pages}
    for chunk in chunks:
        page = by_index[chunk.page_index]
        assert chunk.page_label == page.label and chunk.pdf_page == page.pdf_page
        assert 0 <= chunk.char_start < chunk.char_end <= len(page.text)
        assert chunk.text == page.text[chunk.char_start : chunk.char_end]
        assert chunk.id == f"doc@3:{page.index}:{chunk.char_start}"
        assert chunk.doc_key == "doc@3"
    # chunks of one page are in order and never overlap
    for page in pages:
        spans = [(c.char_start, c.char_end) for c in chunks if c.page_index == page.index]
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def _assert_covers_every_word(chunks, pages):
    for page in pages:
        covered = "".join(c.text for c in chunks if c.page_index == page.index)
        assert "".join(page.text.split()) == "".join(covered.split())


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.md")))
def test_corpus_chunks_never_cross_pages_and_end_at_sentences(embedder, name):
    pages = load_document(CORPUS / name).pages
    chunks = _chunk(pages, embedder)

    assert chunks
    _assert_exact_and_within_pages(chunks, pages)
    _assert_covers_every_word(chunks, pages)
    assert max(embedder.count_tokens(c.text) for c in chunks) <= MAX
    for page in pages:
        starts = {s for s, _ in sentence_spans(page.text)}
        ends = {e for _, e in sentence_spans(page.text)}
        for chunk in (c for c in chunks if c.page_index == page.index):
            assert chunk.char_start in starts and chunk.char_end in ends, "a chunk cut a sentence"


def test_pages_with_short_text_are_not_merged_across_a_boundary(embedder):
    pages = [
        Page(1, "12", "Alpha fact on page twelve."),
        Page(2, "13", "Beta fact on page thirteen."),
        Page(3, "14", ""),
        Page(4, "15", "Gamma fact."),
    ]
    chunks = _chunk(pages, embedder)
    assert [(c.page_label, c.text) for c in chunks] == [
        ("12", "Alpha fact on page twelve."),
        ("13", "Beta fact on page thirteen."),
        ("15", "Gamma fact."),
    ]


def test_huge_table_run_is_cut_to_the_token_limit(embedder):
    table = _table_run(400)
    pages = [
        Page(1, "7", "Intro sentence before the table. " + table + "\n\nA closing sentence after it."),
        Page(2, "8", "## Table 9: spend by ward\n\n" + table, is_pdf=True),
        Page(3, "9", table),
    ]
    assert embedder.count_tokens(table) > 20 * MAX
    chunks = _chunk(pages, embedder)

    _assert_exact_and_within_pages(chunks, pages)
    _assert_covers_every_word(chunks, pages)
    sizes = [embedder.count_tokens(c.text) for c in chunks]
    assert max(sizes) <= MAX
    assert sum(sizes) / len(sizes) > MAX * 0.8, "table pieces should be packed, not word by word"
    # a heading stays with the start of the table it names
    first_of_page_8 = next(c for c in chunks if c.page_label == "8")
    assert first_of_page_8.text.startswith("## Table 9: spend by ward\n\n| 2010 |")
    assert first_of_page_8.pdf_page == 2


@pytest.mark.slow
def test_library_chunks_fit_the_model_with_the_title(tmp_path, make_components, embedder):
    """What the embedder reads is the title line plus the chunk: that must fit its 256 pieces even
    when the chunk size is set to the model's limit and the title is long."""
    folder = tmp_path / "docs"
    folder.mkdir()
    title = (
        "Powerful Communities, Strong Economies: the final report of the Keep it Local for "
        "Economic Resilience action research, with case studies of six pilot areas and a "
        "framework for commissioners and councillors"
    )
    (folder / "manifest.yaml").write_text(
        f'documents:\n  - id: big-table\n    kind: report\n    title: "{title}"\n    file: table.md\n'
    )
    (folder / "table.md").write_text(
        "<!-- page 4 -->\n## Table 2: local spend\n\n"
        + _table_run(150)
        + "\n<!-- page 5 -->\n"
        + "Ordinary prose follows the table. " * 60
    )
    components = make_components(chunk_max_tokens=256)
    [result] = components.library.ingest([folder])
    assert result.status == "new", result.detail

    stored = components.store.get_chunks(components.registry.active_keys())
    assert len(stored) == result.chunks
    pages = {p.label: p for p in load_document(folder / "table.md").pages}
    limit = embedder.max_tokens - 2  # [CLS] and [SEP]
    for chunk in stored:
        assert chunk.text == pages[chunk.page_label].text[chunk.char_start : chunk.char_end]
        assert embedder.count_tokens(chunk.embedding_text()) <= limit


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("Withdrawal Note NIST SP 800-61 Rev. 2 is withdrawn. It is superseded.", 2),
        ("Published 79 pages (Aug. 2012) by the institute. See Fig. 3 for more.", 2),
        ("The mill closed in 2002. 2003 was quieter.", 2),  # a year after a full stop still starts one
        ("Costs rose by 5%. 12 councils took part.", 2),
    ],
)
def test_a_short_capitalised_abbreviation_before_a_number_ends_no_sentence(text, sentences):
    assert len(sentence_spans(text)) == sentences, [text[s:e] for s, e in sentence_spans(text)]


def test_a_footnote_mark_after_the_stop_ends_the_sentence_and_is_dropped():
    text = "It was driven by the country's competition bureau, the ACCC.24 In other places, demand grew."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "It was driven by the country's competition bureau, the ACCC.",
        "In other places, demand grew.",
    ]
    for kept in ("## A.1 Scenario Questions", "Costs rose 3.5 Million in total.", "See p.12 For details."):
        assert len(sentence_spans(kept)) == 1, [kept[s:e] for s, e in sentence_spans(kept)]
