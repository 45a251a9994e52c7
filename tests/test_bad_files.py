"""Bad files fail one by one with a clear one-line reason; good files in the same run still go in,
and what was already stored is left exactly as it was."""

from __future__ import annotations

from pdf_factory import PageSpec, encrypt_pdf, make_pdf, report_with_front_matter


def _snapshot(components):
    records = components.registry.load()
    return records, {k: components.store.count(r.doc_key) for k, r in records.items()}, components.store.count()


def _make_bad_files(folder):
    folder.mkdir()
    good_pdf = report_with_front_matter(folder / "source.pdf")
    whole = good_pdf.read_bytes()
    good_pdf.unlink()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "download.pdf").write_text(
        "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please log in</body></html>\n"
    )
    make_pdf(folder / "plain.pdf", [PageSpec(body=["Confidential board minutes."], footer="1")])
    encrypt_pdf(folder / "plain.pdf", folder / "locked.pdf", user_password="board-only")
    (folder / "plain.pdf").unlink()
    (folder / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    make_pdf(folder / "scanned.pdf", [PageSpec(figure="image"), PageSpec(figure="drawing")])
    return {  # file name → what its one-line reason must say
        "missing.pdf": "file not found",
        "empty.pdf": "the file is empty",
        "download.pdf": "not really a PDF",
        "locked.pdf": "encrypted and needs a password",
        "truncated.pdf": "damaged or truncated",
        "scanned.pdf": "no text layer",
    }


def test_bad_files_fail_alone_and_leave_stored_documents_untouched(tmp_path, components):
    library = components.library
    stored_doc = tmp_path / "stored" / "kept.md"
    stored_doc.parent.mkdir()
    stored_doc.write_text("<!-- page 1 -->\nA document ingested before the bad run.\n")
    assert library.ingest([stored_doc])[0].status == "new"
    records_before, counts_before, total_before = _snapshot(components)

    bad = tmp_path / "bad"
    reasons = _make_bad_files(bad)
    (tmp_path / "good").mkdir()
    good = report_with_front_matter(tmp_path / "good" / "annual-review.pdf")
    paths = [bad / name for name in sorted(reasons)] + [good]
    results = library.ingest(paths)

    by_file = {r.source.rsplit("/", 1)[-1]: r for r in results}
    assert set(by_file) == set(reasons) | {"annual-review.pdf"}
    for name, reason in reasons.items():
        result = by_file[name]
        assert result.status == "failed", (name, result.line())
        assert result.detail.startswith(f"{name}: ") and reason in result.detail, result.detail
        assert "\n" not in result.detail and "Traceback" not in result.detail
        assert name in result.line() and reason in result.line()
        assert (result.pages, result.chunks) == (0, 0)
    assert "password" in by_file["locked.pdf"].detail

    ok = by_file["annual-review.pdf"]
    assert (ok.status, ok.doc_id, ok.pages) == ("new", "annual-review", 9)
    records = components.registry.load()
    assert set(records) == {"kept", "annual-review"}
    assert records["kept"] == records_before["kept"]
    assert components.store.count(records["kept"].doc_key) == counts_before["kept"]
    assert components.store.count() == total_before + records["annual-review"].chunks
    labels = {c.page_label for c in components.store.get_chunks([records["annual-review"].doc_key])}
    assert labels == {"i", "ii", "iii", "1", "2", "3", "4", "5", "6"}
    pdf_pages = {c.page_label: c.pdf_page for c in components.store.get_chunks([records["annual-review"].doc_key])}
    assert pdf_pages["1"] == 4 and pdf_pages["6"] == 9


def test_stored_document_whose_file_turns_bad_keeps_its_old_version(tmp_path, components):
    folder = tmp_path / "docs"
    folder.mkdir()
    path = report_with_front_matter(folder / "review.pdf")
    whole = path.read_bytes()
    library = components.library
    assert library.ingest([folder])[0].status == "new"
    records_before, counts_before, total_before = _snapshot(components)

    path.write_bytes(whole[: len(whole) // 2])  # the file is overwritten by a broken download
    [result] = library.ingest([folder])

    assert result.status == "failed" and "damaged or truncated" in result.detail
    assert _snapshot(components) == (records_before, counts_before, total_before)
    stored_copy = library.files_dir / records_before["review"].stored_file
    assert stored_copy.read_bytes() == whole


def test_encrypted_pdf_with_empty_user_password_ingests(tmp_path, components):
    plain = report_with_front_matter(tmp_path / "plain.pdf")
    folder = tmp_path / "docs"
    folder.mkdir()
    encrypt_pdf(plain, folder / "owner-locked.pdf", user_password="")
    [result] = components.library.ingest([folder])

    assert result.status == "new", result.detail
    assert result.pages == 9
    texts = [c.text for c in components.store.get_chunks(components.registry.active_keys())]
    assert any("Section p4 sentence 2" in t for t in texts)
