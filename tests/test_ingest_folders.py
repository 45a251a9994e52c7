"""Folders as users have them: the same content under two names is reported and stored once (unless
asked), and an unreadable file or sub-folder is one failed line while the rest of the folder goes on."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import run_cli

REPORT = (
    "<!-- page 1 -->\n# Harbour plan\n\nThe harbour plan commits the council to spend forty percent of its "
    "procurement budget with local firms by 2030.\n"
)
OTHER = "<!-- page 1 -->\n# Orchard notes\n\nThe orchard cooperative planted nine hundred apple trees.\n"


def test_the_same_content_under_two_names_is_stored_once_unless_asked(tmp_path, make_components):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "harbour-plan.md").write_text(REPORT, encoding="utf-8")
    (folder / "renamed-harbour-plan.md").write_text(REPORT, encoding="utf-8")
    (folder / "orchard-notes.md").write_text(OTHER, encoding="utf-8")
    library = make_components(tmp_path / "data").library

    results = {r.doc_id: r for r in library.ingest([folder])}
    assert {d: r.status for d, r in results.items()} == {  # files are taken in name order
        "harbour-plan": "new",
        "orchard-notes": "new",
        "renamed-harbour-plan": "skipped",
    }
    assert (
        results["renamed-harbour-plan"]
        .line()
        .endswith(
            "renamed-harbour-plan.md: same content as harbour-plan; not stored again "
            "(--allow-duplicates stores it anyway)"
        )
    )
    assert [r.id for r in library.documents()] == ["harbour-plan", "orchard-notes"]

    again = {r.doc_id: r.status for r in library.ingest([folder])}
    assert again == {"harbour-plan": "unchanged", "orchard-notes": "unchanged", "renamed-harbour-plan": "skipped"}

    allowed = {r.doc_id: r.status for r in library.ingest([folder / "renamed-harbour-plan.md"], allow_duplicates=True)}
    assert allowed == {"renamed-harbour-plan": "new"}
    assert [r.id for r in library.documents()] == ["harbour-plan", "orchard-notes", "renamed-harbour-plan"]


def test_the_cli_reports_duplicates_in_its_summary(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text(REPORT, encoding="utf-8")
    (folder / "b.md").write_text(REPORT, encoding="utf-8")
    result = run_cli("--data-dir", str(tmp_path / "data"), "ingest", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        result.stdout.splitlines()[-1] == "1 new, 0 updated, 0 unchanged, 0 removed, 0 failed, 1 skipped as duplicates"
    )
    assert "skipped    b  b.md: same content as a;" in result.stdout


def _without_root_overrides() -> list[str]:
    """Root reads every file whatever its permissions: run the CLI without the capabilities that allow it."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permissions cannot refuse a read")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]


def test_an_unreadable_file_or_folder_is_one_failed_line_and_the_rest_goes_on(tmp_path):
    prefix = _without_root_overrides()
    docs = tmp_path / "docs"
    for folder in (docs / "a-first", docs / "locked", docs / "z-last"):
        folder.mkdir(parents=True)
    (docs / "a-first" / "harbour-plan.md").write_text(REPORT, encoding="utf-8")
    (docs / "locked" / "secret.md").write_text(OTHER.replace("apple", "pear"), encoding="utf-8")
    (docs / "sealed.md").write_text("<!-- page 1 -->\nA sealed note about quarterly spending.\n", encoding="utf-8")
    (docs / "z-last" / "orchard-notes.md").write_text(OTHER, encoding="utf-8")
    (docs / "locked").chmod(0o000)
    (docs / "sealed.md").chmod(0o000)
    try:
        result = run_cli("--data-dir", str(tmp_path / "data"), "ingest", str(docs), cwd=tmp_path, prefix=prefix)
    finally:
        (docs / "locked").chmod(0o755)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"failed     -  {docs / 'locked'}: cannot read the folder (Permission denied)" in lines, lines
    assert "failed     sealed  sealed.md: cannot read the file (Permission denied)" in lines, lines
    assert any(line.startswith("new        harbour-plan ") for line in lines), lines
    assert any(line.startswith("new        orchard-notes ") for line in lines), lines
    assert lines[-1] == "2 new, 0 updated, 0 unchanged, 0 removed, 2 failed", lines
