"""An ingest killed at the worst moments leaves a registry that loads and a complete live version;
the next ingest cleans up what the dead one left."""

from __future__ import annotations

import signal
import textwrap

import pytest
from conftest import assert_store_holds_kept_versions, kept_files, run_python

# Runs one ingest in a child process that SIGKILLs itself at the chosen moment of an update.
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    import ingest.library
    import ingest.registry
    from assistant.components import Components
    from assistant.settings import Settings

    moment, data_dir, folder, keep = sys.argv[1:5]
    real_save = ingest.registry.Registry.save
    def save(self, records):
        committing = any(record.version > 1 for record in records.values())  # the save that commits
        if committing and moment == "before-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        real_save(self, records)
        if committing and moment == "after-commit":  # nothing retired yet, nothing cleaned up
            os.kill(os.getpid(), signal.SIGKILL)
    ingest.registry.Registry.save = save
    settings = Settings.from_env(environ={}, data_dir=Path(data_dir), keep_versions=int(keep))
    library = Components(settings).library
    library.ingest([Path(folder)])
    print("ingest finished without being killed")
""")

OLD_SENTENCE = "The old edition counted forty two anchor institutions in the borough."
NEW_SENTENCE = "The new edition counts fifty seven anchor institutions across the county."


def _pages(middle: str) -> str:
    return (
        f"<!-- page 1 -->\nThe first page introduces community wealth building.\n\n"
        f"<!-- page 2 -->\n{middle}\n\n"
        f"<!-- page 3 -->\nThe third page lists recommendations for commissioners.\n"
    )


def _setup_v1(tmp_path, make_components):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.md").write_text(_pages(OLD_SENTENCE), encoding="utf-8")
    (folder / "other.md").write_text("A second document that never changes.\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    components = make_components(data_dir)
    assert {r.status for r in components.library.ingest([folder])} == {"new"}
    before = components.registry.load()
    (folder / "report.md").write_text(_pages(NEW_SENTENCE), encoding="utf-8")
    return folder, data_dir, before


def _kill_during_update(tmp_path, moment, folder, data_dir, keep_versions: int = 0):
    child = run_python(["-c", CHILD, moment, str(data_dir), str(folder), str(keep_versions)], cwd=tmp_path)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert "finished without being killed" not in child.stdout


def _live_texts(components):
    return [c.text for c in components.store.get_chunks(components.registry.active_keys())]


def _rerun_cleans_up(make_components, data_dir, folder, expected_status, **settings):
    components = make_components(data_dir, **settings)
    results = {r.doc_id: r.status for r in components.library.ingest([folder])}
    assert results == {"report": expected_status, "other": "unchanged"}
    records = components.registry.load()
    assert_store_holds_kept_versions(components.store, records)
    assert sorted(p.name for p in (data_dir / "files").iterdir()) == kept_files(records)
    assert any(NEW_SENTENCE in t for t in _live_texts(components))
    assert not any(OLD_SENTENCE in t for t in _live_texts(components))
    return records


@pytest.mark.slow
def test_killed_right_before_the_commit_keeps_the_old_version(tmp_path, make_components):
    folder, data_dir, before = _setup_v1(tmp_path, make_components)
    _kill_during_update(tmp_path, "before-commit", folder, data_dir)

    components = make_components(data_dir)
    records = components.registry.load()  # loads: the registry was never half-written
    assert records == before
    old = records["report"]
    assert old.version == 1
    live = components.store.get_chunks(components.registry.active_keys())
    report_chunks = [c for c in live if c.doc_id == "report"]
    assert len(report_chunks) == old.chunks
    assert {c.version for c in report_chunks} == {1}
    assert sorted(c.page_label for c in report_chunks) == ["1", "2", "3"]
    texts = " ".join(c.text for c in live)
    assert OLD_SENTENCE in texts and NEW_SENTENCE not in texts
    # the dead run did write the new version's chunks, but nobody reads them
    assert components.store.count("report@2") > 0

    _rerun_cleans_up(make_components, data_dir, folder, expected_status="updated")


@pytest.mark.slow
def test_killed_right_after_the_commit_has_the_new_version_live(tmp_path, make_components):
    folder, data_dir, before = _setup_v1(tmp_path, make_components)
    _kill_during_update(tmp_path, "after-commit", folder, data_dir)

    components = make_components(data_dir)
    records = components.registry.load()
    new = records["report"]
    assert new.version == 2 and records["other"] == before["other"]
    assert new.previous == [before["report"].alone()]  # version 1 is kept, complete
    live = components.store.get_chunks(components.registry.active_keys())
    report_chunks = [c for c in live if c.doc_id == "report"]
    assert len(report_chunks) == new.chunks == components.store.count("report@2")
    assert sorted(c.page_label for c in report_chunks) == ["1", "2", "3"]
    texts = " ".join(c.text for c in live)
    assert NEW_SENTENCE in texts and OLD_SENTENCE not in texts
    assert components.store.count("report@1") == before["report"].chunks

    records = _rerun_cleans_up(make_components, data_dir, folder, expected_status="unchanged")
    assert [v.version for v in records["report"].versions()] == [1, 2]


@pytest.mark.slow
def test_killed_after_the_commit_that_drops_an_old_version_cleans_it_up_next_time(tmp_path, make_components):
    folder, data_dir, before = _setup_v1(tmp_path, make_components)
    _kill_during_update(tmp_path, "after-commit", folder, data_dir, keep_versions=1)

    components = make_components(data_dir, keep_versions=1)
    new = components.registry.load()["report"]
    assert new.version == 2 and new.previous == []  # committed: version 1 is no longer kept ...
    assert components.store.count("report@1") == before["report"].chunks  # ... but not yet removed
    assert (data_dir / "files" / before["report"].stored_file).exists()

    _rerun_cleans_up(make_components, data_dir, folder, expected_status="unchanged", keep_versions=1)
    assert make_components(data_dir).store.count("report@1") == 0
    assert not (data_dir / "files" / before["report"].stored_file).exists()
