"""Re-ingest: unchanged files are skipped, a changed file replaces its old version completely,
removed files can be pruned, and one document can be forgotten."""

from __future__ import annotations

import fcntl
import hashlib
import os

import pytest
from conftest import assert_store_holds_kept_versions, kept_files

from ingest.library import LibraryBusy
from ingest.loaders import READING, load_document
from ingest.sentences import sentence_spans


def _store_matches_registry(components):
    """Every chunk in Chroma belongs to a kept version, each kept version is complete, and files/ holds
    each kept version's copy, sentence vectors, outline and pages, nothing else."""
    records = components.registry.load()
    assert_store_holds_kept_versions(components.store, records)
    assert sorted(p.name for p in components.library.files_dir.glob("*")) == kept_files(records)
    return records


def _chunk_texts(components):
    return [c.text for c in components.store.get_chunks(components.registry.active_keys())]


def _write_doc(folder, name, pages: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(f"<!-- page {label} -->\n{text}\n\n" for label, text in pages.items()), encoding="utf-8")
    return path


@pytest.mark.slow
def test_reingest_default_corpus(corpus_copy, components, embed_counter):
    library = components.library
    first = library.ingest([corpus_copy])
    assert {r.status for r in first} == {"new"}, [r.line() for r in first]
    assert len(first) == 11
    records = _store_matches_registry(components)
    counts = {doc_id: components.store.count(r.doc_key) for doc_id, r in records.items()}
    assert len(embed_counter.texts) == sum(r.chunks for r in records.values())

    # 1. the same files again: every document unchanged, nothing embedded, nothing rewritten
    embed_counter.reset()
    again = library.ingest([corpus_copy])
    assert [(r.doc_id, r.status) for r in again] == [(r.doc_id, "unchanged") for r in first]
    assert [(r.pages, r.chunks) for r in again] == [(r.pages, r.chunks) for r in first]
    assert embed_counter.calls == 0
    assert components.registry.load() == records

    # 2. touching every file (mtime only) changes nothing either
    for path in corpus_copy.iterdir():
        os.utime(path, (1_900_000_000, 1_900_000_000))
    touched = library.ingest([corpus_copy])
    assert {r.status for r in touched} == {"unchanged"}
    assert embed_counter.calls == 0
    assert components.registry.load() == records

    # 3. one page of one document changes: only that document is re-embedded and replaced
    digest = corpus_copy / "summary-digest.md"
    page_12 = next(p for p in load_document(digest).pages if p.label == "12")
    start, end = sentence_spans(page_12.text)[-1]
    old_sentence = page_12.text[start:end]
    corpus_text = "".join(p.read_text(encoding="utf-8") for p in corpus_copy.glob("*.md"))
    assert corpus_text.count(old_sentence) == 1 and len(old_sentence) > 40
    new_sentence = "The second edition rewrote this spread around a Wakefield allotment cooperative."
    digest.write_text(digest.read_text(encoding="utf-8").replace(old_sentence, new_sentence), encoding="utf-8")
    assert any(old_sentence in t for t in _chunk_texts(components))

    updated = {r.doc_id: r for r in library.ingest([corpus_copy])}
    result = updated.pop("pcse-summary")
    assert result.status == "updated"
    assert result.detail == "altered: 12"
    assert {r.status for r in updated.values()} == {"unchanged"}

    after = _store_matches_registry(components)
    new_record, old_record = after["pcse-summary"], records["pcse-summary"]
    assert new_record.version == old_record.version + 1
    assert result.chunks == new_record.chunks == components.store.count(new_record.doc_key)
    assert new_record.previous == [old_record.alone()]  # the old version is kept, complete, and does not answer
    assert components.store.count(old_record.doc_key) == old_record.chunks
    assert len(embed_counter.texts) == new_record.chunks  # nothing else was embedded
    for doc_id, record in after.items():
        if doc_id != "pcse-summary":
            assert record == records[doc_id]
            assert components.store.count(record.doc_key) == counts[doc_id]

    live = components.store.get_chunks(components.registry.active_keys())
    assert not any(old_sentence in c.text for c in live)
    [hit] = [c for c in live if new_sentence in c.text]
    assert hit.doc_id == "pcse-summary"
    assert hit.page_label == "12"
    assert hit.version == new_record.version


def test_pages_added_removed_and_altered_are_reported(tmp_path, components):
    folder = tmp_path / "docs"
    path = _write_doc(
        folder, "plan.md", {"1": "Alpha says one thing.", "2": "Beta says another.", "3": "Gamma is on page three."}
    )
    [new] = components.library.ingest([path])
    assert (new.status, new.doc_id, new.pages) == ("new", "plan", 3)

    _write_doc(
        folder,
        "plan.md",
        {"1": "Alpha says one thing.", "2": "Beta now says something else.", "4": "Delta arrives on page four."},
    )
    [result] = components.library.ingest([path])

    assert result.status == "updated"
    assert result.detail == "pages added: 4; removed: 3; altered: 2"
    _store_matches_registry(components)
    texts = " ".join(_chunk_texts(components))
    assert "Delta arrives" in texts and "Beta now says" in texts
    assert "Gamma" not in texts and "Beta says another" not in texts


def test_same_text_in_new_bytes_is_unchanged_and_keeps_an_absolute_source(
    tmp_path, make_components, embed_counter, monkeypatch
):
    folder = tmp_path / "docs"
    path = _write_doc(folder, "notes.md", {"1": "Notes on local procurement.", "2": "More notes."})
    components = make_components()
    [first] = components.library.ingest([folder])
    embed_counter.reset()

    path.write_text(path.read_text(encoding="utf-8") + "\n\n\n", encoding="utf-8")  # same text
    monkeypatch.chdir(tmp_path)
    [again] = components.library.ingest([folder.relative_to(tmp_path)])  # a relative path this time

    assert again.status == "unchanged"
    assert embed_counter.calls == 0
    record = components.registry.load()["notes"]
    assert record.version == 1
    assert record.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # next time: no parse
    assert record.source == str(path.resolve())

    # run from elsewhere: a prune must not mistake the document for one whose file is gone
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    other = _write_doc(tmp_path / "other", "other.md", {"1": "Other text."})
    results = components.library.ingest([other], prune=True)
    assert [(r.doc_id, r.status) for r in results] == [("other", "new")]
    assert set(components.registry.load()) == {"notes", "other"}


def test_a_document_read_by_older_reading_rules_is_read_again(tmp_path, make_components, embed_counter):
    # a library ingested before a reading fix (a layout now read column by column) must not keep the
    # old reading of an unchanged file: its next ingest reads the file again
    path = _write_doc(tmp_path / "docs", "plan.md", {"1": "Alpha says one thing.", "2": "Beta says another."})
    components = make_components()
    [first] = components.library.ingest([path])
    assert components.registry.load()["plan"].reading == READING

    # an older edition read the same text: the record is stamped, nothing is embedded again
    records = components.registry.load()
    records["plan"].reading = READING - 1
    components.registry.save(records)
    embed_counter.reset()
    [again] = components.library.ingest([path])
    assert (again.status, embed_counter.calls) == ("unchanged", 0)
    record = components.registry.load()["plan"]
    assert (record.version, record.reading) == (1, READING)

    # an older edition read it as other text: the new reading replaces it, not kept as a version
    records = components.registry.load()
    records["plan"].reading, records["plan"].sha256 = READING - 1, "0" * 64
    components.registry.save(records)
    [reread] = components.library.ingest([path])
    assert reread.status == "updated" and "read again by newer reading rules" in reread.detail, reread.detail
    records = _store_matches_registry(components)
    assert (records["plan"].version, records["plan"].reading, records["plan"].previous) == (2, READING, [])
    assert components.library.ingest([path])[0].status == "unchanged"


def test_title_change_in_the_manifest_makes_a_new_version(tmp_path, components):
    folder = tmp_path / "docs"
    _write_doc(folder, "a.md", {"1": "Some text about councils."})
    manifest = folder / "manifest.yaml"
    manifest.write_text("documents:\n  - {id: doc-a, file: a.md, kind: report, title: Old title}\n")
    [first] = components.library.ingest([folder])
    manifest.write_text("documents:\n  - {id: doc-a, file: a.md, kind: summary, title: New title}\n")
    [second] = components.library.ingest([folder])

    assert (first.status, second.status) == ("new", "updated")
    assert second.detail == "text unchanged, metadata updated"
    records = _store_matches_registry(components)
    assert (records["doc-a"].title, records["doc-a"].kind, records["doc-a"].version) == ("New title", "summary", 2)
    [chunk] = components.store.get_chunks(components.registry.active_keys())
    assert (chunk.title, chunk.doc_kind) == ("New title", "summary")


def test_prune_removes_documents_whose_files_are_gone(tmp_path, components):
    folder, kept_elsewhere = tmp_path / "docs", tmp_path / "kept"
    a = _write_doc(folder, "a.md", {"1": "Document A on page one."})
    b = _write_doc(folder, "b.md", {"1": "Document B on page one.", "2": "And page two."})
    c = _write_doc(kept_elsewhere, "c.md", {"1": "Document C lives in another folder."})
    library = components.library
    assert {r.status for r in library.ingest([folder, c])} == {"new"}
    b_record = components.registry.load()["b"]

    b.unlink()
    without_prune = library.ingest([folder])
    assert [(r.doc_id, r.status) for r in without_prune] == [("a", "unchanged")]
    assert "b" in components.registry.load()  # no --prune: kept

    results = library.ingest([folder], prune=True)
    assert [(r.doc_id, r.status) for r in results] == [("a", "unchanged"), ("b", "removed")]
    assert results[1].detail == "file is gone"
    records = _store_matches_registry(components)
    assert set(records) == {"a", "c"}  # c was not in this run, but its file exists
    assert components.store.count(b_record.doc_key) == 0
    assert not any("Document B" in t for t in _chunk_texts(components))
    assert a.exists()


def test_forget_removes_one_document(tmp_path, components):
    folder = tmp_path / "docs"
    _write_doc(folder, "a.md", {"1": "Document A text."})
    _write_doc(folder, "b.md", {"1": "Document B text."})
    library = components.library
    library.ingest([folder])
    b_key = components.registry.load()["b"].doc_key

    assert library.forget("b") is True
    records = _store_matches_registry(components)
    assert set(records) == {"a"}
    assert components.store.count(b_key) == 0
    assert _chunk_texts(components) == ["Document A text."]
    assert library.forget("b") is False
    assert library.forget("never-there") is False
    assert set(components.registry.load()) == {"a"}


def test_second_ingest_while_locked_is_refused(tmp_path, components):
    folder = tmp_path / "docs"
    _write_doc(folder, "a.md", {"1": "Document A text."})
    library = components.library
    data_dir = components.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)

    with (data_dir / "ingest.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(LibraryBusy) as busy:
            library.ingest([folder])
        with pytest.raises(LibraryBusy):
            library.forget("a")
        message = str(busy.value)
        assert "another ingest is already running" in message and str(data_dir) in message
        assert "\n" not in message
        assert components.registry.load() == {}
        fcntl.flock(handle, fcntl.LOCK_UN)

    [result] = library.ingest([folder])  # the lock is free again
    assert result.status == "new"
