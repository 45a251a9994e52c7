"""Markdown page markers, plain text with form feeds, and the default corpus."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import CORPUS

from ingest.loaders import load_document
from ingest.manifest import entries_for
from ingest.pages import DocumentError
from ingest.text_loader import PAGE_MARKER


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_markers_give_labels_and_page_text(tmp_path):
    path = _write(
        tmp_path,
        "digest.md",
        "<!-- page cover -->\n# Title\n\nCover words.\n\n"
        "<!-- page 43 -->\nPage forty-three says this.\n\n"
        "  <!--page 44-->  \nPage forty-four says that.\n"
        "<!-- page 38-42 -->\nA section whose exact page is unknown.\n"
        "<!-- page 45–47 -->\nAn en dash range.\n"
        "<!-- PAGE A1 -->\nAppendix one.\n",
    )
    pages = load_document(path).pages

    assert [(p.index, p.label) for p in pages] == [
        (1, "cover"),
        (2, "43"),
        (3, "44"),
        (4, "38-42"),
        (5, "45-47"),
        (6, "A1"),
    ]
    assert pages[0].text == "# Title\n\nCover words."
    assert pages[1].text == "Page forty-three says this."
    assert pages[2].text == "Page forty-four says that."
    assert all(p.pdf_page is None and not p.is_pdf for p in pages)
    assert not any("<!--" in p.text for p in pages)


def test_marker_inside_a_line_is_just_text(tmp_path):
    path = _write(tmp_path, "inline.md", "<!-- page 1 -->\nSee the note <!-- page 2 --> in the middle of a line.\n")
    loaded = load_document(path)
    assert [p.label for p in loaded.pages] == ["1"]
    assert "<!--" not in loaded.pages[0].text  # never left in the text a quote could come from
    assert any(w.startswith("line 2: '<!-- page 2 -->' is not a page marker") for w in loaded.warnings)


def test_text_before_first_marker_becomes_front_page(tmp_path):
    path = _write(tmp_path, "preamble.md", "Some introduction.\n\n<!-- page 5 -->\nPage five.\n")
    loaded = load_document(path)

    assert [(p.index, p.label, p.text) for p in loaded.pages] == [
        (1, "front", "Some introduction."),
        (2, "5", "Page five."),
    ]
    assert any("front" in w for w in loaded.warnings)


def test_duplicate_marker_label_is_an_error(tmp_path):
    path = _write(tmp_path, "dupe.md", "<!-- page 7 -->\nOne.\n<!-- page 8 -->\nTwo.\n<!-- page 7 -->\nThree.\n")
    with pytest.raises(DocumentError, match="page marker '7' appears twice"):
        load_document(path)


def test_dash_variants_of_a_range_are_the_same_label(tmp_path):
    path = _write(tmp_path, "dupe.md", "<!-- page 3-4 -->\nOne.\n<!-- page 3–4 -->\nTwo.\n")
    with pytest.raises(DocumentError, match="appears twice"):
        load_document(path)


def test_marker_named_front_clashes_with_the_preamble_page(tmp_path):
    path = _write(tmp_path, "front.md", "Intro.\n<!-- page front -->\nMore.\n<!-- page 2 -->\nTwo.\n")
    with pytest.raises(DocumentError, match="'front' appears twice"):
        load_document(path)


def test_markdown_without_markers_is_one_page(tmp_path):
    pages = load_document(_write(tmp_path, "note.md", "# Note\n\nJust one page of text.\n")).pages
    assert [(p.index, p.label) for p in pages] == [(1, "1")]
    assert pages[0].text == "# Note\n\nJust one page of text."


def test_markers_only_with_no_text_is_an_error(tmp_path):
    with pytest.raises(DocumentError, match="no text"):
        load_document(_write(tmp_path, "hollow.md", "<!-- page 1 -->\n\n<!-- page 2 -->\n"))


def test_plain_text_form_feeds_split_pages(tmp_path):
    path = _write(tmp_path, "export.txt", "First page text.\n\fSecond page text.\n\f\fFourth page.\n")
    loaded = load_document(path)

    assert [(p.index, p.label, p.text) for p in loaded.pages] == [
        (1, "1", "First page text."),
        (2, "2", "Second page text."),
        (3, "3", ""),
        (4, "4", "Fourth page."),
    ]
    assert loaded.warnings == ["pages with no text: 3"]


def test_plain_text_without_form_feeds_is_one_page(tmp_path):
    pages = load_document(_write(tmp_path, "plain.txt", "Line one.\nLine two.\n")).pages
    assert [(p.label, p.text) for p in pages] == [("1", "Line one.\nLine two.")]


def test_windows_1252_text_is_read(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("Caf\u00e9 costs \u00a35 \u2013 cheap.".encode("cp1252"))
    assert load_document(path).pages[0].text == "Caf\u00e9 costs \u00a35 \u2013 cheap."


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.md", b"", "the file is empty"),
        ("blank.txt", b"\n\n  \n", "the file has no text"),
        ("zip.md", b"PK\x03\x04rest-of-archive", "not really text: the file is a ZIP archive"),
        ("image.txt", b"\x89PNG\r\n\x1a\n....", "not really text: the file is a PNG image"),
        ("binary.txt", b"abc\x00def", "looks binary"),
        ("slides.pptx", b"PK\x03\x04", "unsupported file type '.pptx'"),
    ],
)
def test_bad_text_files_give_one_line_reasons(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as error:
        load_document(path)
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DocumentError, match="file not found"):
        load_document(tmp_path / "nowhere.md")
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(DocumentError, match="not a regular file"):
        load_document(tmp_path / "folder.md")


# --- the default corpus ---


def _manifest():
    return yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", _manifest()["documents"], ids=lambda e: e["id"])
def test_every_corpus_document_loads_with_its_markers(entry):
    path = CORPUS / entry["file"]
    raw = path.read_text(encoding="utf-8")
    markers = [m.group(1).replace("–", "-") for m in PAGE_MARKER.finditer(raw)]
    loaded = load_document(path)

    expected = markers or ["1"]
    assert [p.label for p in loaded.pages] == expected
    assert [p.index for p in loaded.pages] == list(range(1, len(expected) + 1))
    assert loaded.warnings == []
    assert all(p.text.strip() for p in loaded.pages)
    assert all(re.fullmatch(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)?", label) for label in expected)
    # nothing is lost: every non-marker line of the file is on some page, as text or as a note
    body = "\n".join(p.text for p in loaded.pages)
    notes = " ".join(n for p in loaded.pages for n in p.notes)
    for line in PAGE_MARKER.sub("", raw).splitlines():
        if line.strip().startswith(">"):
            assert line.strip() == "> [!NOTE]" or line.strip()[1:].strip() in notes
            assert line.strip()[1:].strip() not in body
        else:
            assert line.strip() in body


def test_corpus_folder_lists_exactly_the_manifest_documents():
    manifest = _manifest()
    entries = entries_for([CORPUS])

    assert [e.doc_id for e in entries] == sorted(
        (d["id"] for d in manifest["documents"]),
        key=lambda doc_id: next(d["file"] for d in manifest["documents"] if d["id"] == doc_id),
    )
    by_id = {d["id"]: d for d in manifest["documents"]}
    for entry in entries:
        assert entry.kind == by_id[entry.doc_id]["kind"]
        assert entry.title == by_id[entry.doc_id]["title"]
        assert entry.path == CORPUS / by_id[entry.doc_id]["file"]
    assert "README.md" not in {e.path.name for e in entries}


def test_corpus_report_digests_have_known_pages():
    report = load_document(CORPUS / "full-report-digest.md")
    summary = load_document(CORPUS / "summary-digest.md")
    assert {"cover", "43", "38-42", "A1"} <= {p.label for p in report.pages}
    assert [p.label for p in summary.pages][:5] == ["cover", "2", "3", "4", "5"]
