"""Uploads are staged beside their final name: one that fails leaves the earlier file of that name,
and the library, as they were (ingest/uploads.py)."""

from __future__ import annotations

import fcntl

from ingest.uploads import ingest_upload, safe_file_name, stage_upload

PLAN = "<!-- page 1 -->\n# Harbour plan\n\nThe harbour plan sets aside forty thousand pounds for the slipway.\n"


def test_a_failed_update_puts_the_earlier_file_back_and_keeps_the_live_version(components, tmp_path):
    library, uploads = components.library, components.settings.data_dir / "uploads"
    first = tmp_path / "in" / "Harbour Plan.md"
    first.parent.mkdir()
    first.write_text(PLAN, encoding="utf-8")
    [result] = ingest_upload(library, stage_upload(uploads, first))
    assert result.status == "new" and result.doc_id == "harbour-plan"
    kept = uploads / "Harbour Plan.md"
    assert kept.read_text(encoding="utf-8") == PLAN

    first.write_text("<!-- page 1 -->\n", encoding="utf-8")  # an update with no text at all
    [failed] = ingest_upload(library, stage_upload(uploads, first))

    assert failed.status == "failed" and "no text" in failed.detail, failed.line()
    assert kept.read_text(encoding="utf-8") == PLAN
    assert sorted(p.name for p in uploads.iterdir()) == ["Harbour Plan.md"]  # no staging copies left
    assert library.registry.load()["harbour-plan"].version == 1


def test_a_busy_library_is_a_failed_line_and_the_new_file_is_not_kept(components, tmp_path):
    library, uploads = components.library, components.settings.data_dir / "uploads"
    source = tmp_path / "notes.md"
    source.write_text(PLAN, encoding="utf-8")
    library.data_dir.mkdir(parents=True, exist_ok=True)
    with (library.data_dir / "ingest.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another ingest holds the library
        [result] = ingest_upload(library, stage_upload(uploads, source))
    assert result.status == "failed" and "another ingest is already running" in result.detail
    assert list(uploads.iterdir()) == []
    assert library.registry.load() == {}


def test_file_names_are_made_safe_to_store():
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("C:\\Users\\me\\Report 2017.PDF") == "Report 2017.pdf"
    assert safe_file_name("a\nb<c>.md") == "a_b_c.md"
    assert safe_file_name("....pdf") == "document.pdf"
