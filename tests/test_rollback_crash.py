"""A rollback killed (SIGKILL, so nothing gets to clean up) at each of its steps: before the registry
is written, half-way through writing its temporary file, after the rename but before the backup, and
after the backup. After each, the registry loads, exactly one version is live and complete (the old
live one if the rename had not happened, the rolled-back one if it had), every kept version is whole,
retrieval answers from the live text, and running the rollback again finishes it."""

from __future__ import annotations

import signal
import textwrap

import pytest
from conftest import assert_store_holds_kept_versions, kept_files, run_python
from test_crash_points import OLD_QUESTION
from test_crash_safety import NEW_SENTENCE, OLD_SENTENCE, _setup_v1

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    import ingest.registry
    from assistant.components import Components
    from assistant.settings import Settings

    moment, data_dir = sys.argv[1:3]

    def die(said):
        print(said, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    registry = ingest.registry.Registry
    real_save, real_backup, real_dump = registry.save, registry._write_backup, ingest.registry.json.dump
    if moment == "before-write":
        registry.save = lambda self, records: die("about to write the registry")
    elif moment == "mid-temp-write":
        def dump(payload, handle, **kwargs):
            text = ingest.registry.json.dumps(payload, **kwargs)
            handle.write(text[: len(text) // 2])
            handle.flush()
            os.fsync(handle.fileno())
            die("registry temp file half written")
        ingest.registry.json.dump = dump
    elif moment == "before-backup":
        registry._write_backup = lambda self: die("registry renamed, backup not written")
    elif moment == "after-backup":
        def save(self, records):
            real_save(self, records)
            die("registry and backup written")
        registry.save = save
    library = Components(Settings.from_env(environ={}, data_dir=Path(data_dir))).library
    library.rollback("report", 1)
    print("rollback finished without being killed", flush=True)
""")
MOMENTS = {  # moment → (what the dying child printed last, the version live after it)
    "before-write": ("about to write the registry", 2),
    "mid-temp-write": ("registry temp file half written", 2),
    "before-backup": ("registry renamed, backup not written", 1),
    "after-backup": ("registry and backup written", 1),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_rollback_killed_at_any_step_leaves_one_complete_live_version(moment, tmp_path, make_components):
    folder, data_dir, _ = _setup_v1(tmp_path, make_components)
    assert {r.doc_id: r.status for r in make_components(data_dir).library.ingest([folder])}["report"] == "updated"
    before = make_components(data_dir).registry.load()
    assert before["report"].version == 2 and [v.version for v in before["report"].versions()] == [1, 2]

    child = run_python(["-c", CHILD, moment, str(data_dir)], cwd=tmp_path)
    said, live = MOMENTS[moment]
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert child.stdout.splitlines()[-1] == said, child.stdout

    components = make_components(data_dir)
    records = components.registry.load()  # loads: never half-written
    assert records["report"].version == live
    assert [v.version for v in records["report"].versions()] == [1, 2]  # both still kept
    assert records["other"] == before["other"]
    assert_store_holds_kept_versions(components.store, records)
    assert sorted(p.name for p in (data_dir / "files").iterdir()) == kept_files(records)
    texts = " ".join(c.text for c in components.store.get_chunks(components.registry.active_keys()))
    live_sentence, hidden = (OLD_SENTENCE, NEW_SENTENCE) if live == 1 else (NEW_SENTENCE, OLD_SENTENCE)
    assert live_sentence in texts and hidden not in texts
    hits = components.assistant.retriever.retrieve(OLD_QUESTION, doc_id="report")
    assert hits and hits[0].chunk.doc_key == f"report@{live}"

    again = run_python(
        ["-m", "assistant.cli", "--data-dir", str(data_dir), "rollback", "report", "--to", "1"], cwd=tmp_path
    )
    if live == 1:
        assert again.returncode == 2 and again.stderr.strip() == "error: version 1 of report is already live"
    else:
        assert again.returncode == 0, again.stderr
    final = make_components(data_dir)
    records = final.registry.load()
    assert records["report"].version == 1 and [v.version for v in records["report"].versions()] == [1, 2]
    assert_store_holds_kept_versions(final.store, records)
    assert not (data_dir / "documents.tmp").exists()
    # the backup caught up too (a run that finds it behind the registry writes it again)
    assert (data_dir / "documents.json.bak").read_bytes() == (data_dir / "documents.json").read_bytes()
    answer = final.assistant.ask(OLD_QUESTION)
    assert not answer.abstained and "forty two anchor institutions" in answer.text, answer.text
    assert answer.citations[0].version == 1
