"""More moments to die at during an update (SIGKILL, so nothing gets to clean up): after parsing,
between embedding batches, half-way through writing the new chunks, and half-way through writing
the registry's temporary file. After each, the store opens, every document has exactly one complete
live version, the old text is still what retrieval finds, and the next run finishes the update.
(Killed just before the commit and just after it: test_crash_safety.py, whose setup this reuses.)
Also: a second ingest while one is running is refused with the LibraryBusy message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import REPO, run_python
from test_crash_safety import NEW_SENTENCE, OLD_SENTENCE, _rerun_cleans_up, _setup_v1

pytestmark = pytest.mark.slow

# One update ingest in a child process that SIGKILLs itself at the chosen moment.
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    import ingest.embedder
    import ingest.library
    import ingest.registry
    from assistant.components import Components
    from assistant.settings import Settings

    moment, data_dir, folder = sys.argv[1:4]

    def die():
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if moment == "after-parse":  # the new text is parsed; nothing of the new version is written
        def write_version(self, entry, loaded, *args, **kwargs):
            print(f"parsed {entry.doc_id}: {len(loaded.pages)} pages", flush=True)
            die()
        ingest.library.Library._write_version = write_version
    elif moment == "mid-embedding":  # one batch of the new chunks embedded, the rest not yet
        real_embed = ingest.embedder.Embedder.embed_with_spans
        def embed_with_spans(self, texts, spans, progress=None):
            def tick(n):
                print(f"embedded {n} of {len(texts)}", flush=True)
                die()
            return real_embed(self, texts, spans, progress=tick)
        ingest.embedder.Embedder.embed_with_spans = embed_with_spans
    elif moment == "mid-chunk-write":  # half of the new version's chunks are in Chroma
        from llama_index.vector_stores.chroma import ChromaVectorStore
        real_add = ChromaVectorStore.add
        def add(self, nodes, **kwargs):
            real_add(self, nodes[: len(nodes) // 2], **kwargs)
            print(f"wrote {len(nodes) // 2} of {len(nodes)} chunks", flush=True)
            die()
        ChromaVectorStore.add = add
    elif moment == "mid-registry-write":  # the registry's temp file is half written
        real_dump = ingest.registry.json.dump
        def dump(payload, handle, **kwargs):
            versions = [r["version"] for r in payload.get("documents", {}).values()]
            if str(getattr(handle, "name", "")).endswith(".tmp") and max(versions, default=1) > 1:
                text = ingest.registry.json.dumps(payload, **kwargs)
                handle.write(text[: len(text) // 2])
                handle.flush()
                os.fsync(handle.fileno())
                print("registry temp file half written", flush=True)
                die()
            real_dump(payload, handle, **kwargs)
        ingest.registry.json.dump = dump
    else:
        raise SystemExit(f"unknown moment {moment}")
    settings = Settings.from_env(environ={}, data_dir=Path(data_dir), embed_batch_size=1)
    Components(settings).library.ingest([Path(folder)])
    print("ingest finished without being killed", flush=True)
""")

MOMENTS = {  # moment → what the dying child printed last
    "after-parse": "parsed report: 3 pages",
    "mid-embedding": "embedded 1 of 3",
    "mid-chunk-write": "wrote 1 of 3 chunks",
    "mid-registry-write": "registry temp file half written",
}
OLD_QUESTION = "How many anchor institutions did the old edition count in the borough?"


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_killed_mid_update_keeps_one_complete_old_version(moment, tmp_path, make_components):
    folder, data_dir, before = _setup_v1(tmp_path, make_components)
    child = run_python(["-c", CHILD, moment, str(data_dir), str(folder)], cwd=tmp_path)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert child.stdout.splitlines()[-1] == MOMENTS[moment], child.stdout
    if moment == "mid-chunk-write":  # the dead run left part of version 2 in the store
        assert make_components(data_dir).store.count("report@2") == 1
    if moment == "mid-registry-write":
        assert (data_dir / "documents.tmp").exists()

    components = make_components(data_dir)  # the store opens, the registry loads
    records = components.registry.load()
    assert records == before  # the commit never happened: version 1 is live
    live = components.store.get_chunks(components.registry.active_keys())
    for record in records.values():
        assert components.store.count(record.doc_key) == record.chunks, record.doc_key
        assert sum(c.doc_key == record.doc_key for c in live) == record.chunks
    assert len(live) == sum(r.chunks for r in records.values())
    assert sorted(c.page_label for c in live if c.doc_id == "report") == ["1", "2", "3"]
    texts = " ".join(c.text for c in live)
    assert OLD_SENTENCE in texts and NEW_SENTENCE not in texts

    hits = components.assistant.retriever.retrieve(OLD_QUESTION)
    assert hits and OLD_SENTENCE in hits[0].text, [h.text for h in hits]
    assert hits[0].chunk.doc_key == "report@1"
    assert all(h.chunk.version == 1 for h in hits if h.doc_id == "report")

    _rerun_cleans_up(make_components, data_dir, folder, expected_status="updated")
    assert not (data_dir / "documents.tmp").exists()


# The first ingest, paused while it holds the library's lock until the test lets it go on.
PAUSED = textwrap.dedent("""
    import sys, time
    from pathlib import Path

    import ingest.library
    from assistant.components import Components
    from assistant.settings import Settings

    data_dir, folder, paused, go = map(Path, sys.argv[1:5])
    real_ingest_file = ingest.library.Library._ingest_file
    def ingest_file(self, entry, progress):
        paused.touch()
        deadline = time.monotonic() + 120
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        return real_ingest_file(self, entry, progress)
    ingest.library.Library._ingest_file = ingest_file
    for result in Components(Settings.from_env(environ={}, data_dir=data_dir)).library.ingest([folder]):
        print(result.line(), flush=True)
""")


def test_a_second_ingest_while_one_runs_is_refused_with_library_busy(tmp_path, make_components):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "first.md").write_text("<!-- page 1 -->\nThe first ingest holds the library.\n")
    data_dir, paused, go = tmp_path / "data", tmp_path / "paused", tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSED, str(data_dir), str(folder), str(paused), str(go)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not paused.exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first ingest never reached its pause"
            time.sleep(0.1)

        (tmp_path / "later").mkdir()
        (tmp_path / "later" / "second.md").write_text("A document the refused run must not add.\n")
        second = run_python(
            ["-m", "assistant.cli", "--data-dir", str(data_dir), "ingest", str(tmp_path / "later")],
            cwd=tmp_path,
            timeout=120,
        )
        assert second.returncode == 2, second.stdout + second.stderr
        assert "Traceback" not in second.stderr
        assert second.stderr.strip().splitlines()[-1] == (
            f"error: another ingest is already running on {data_dir}; wait for it to finish"
        )
        assert second.stdout == ""

        go.touch()
        out, err = first.communicate(timeout=180)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, err
    assert out.split()[:2] == ["new", "first"], out

    components = make_components(data_dir)
    records = components.registry.load()
    assert set(records) == {"first"}
    assert components.store.count() == records["first"].chunks
    # the lock went with the first process: a third run goes through
    assert {r.doc_id: r.status for r in components.library.ingest([tmp_path / "later"])} == {"second": "new"}
