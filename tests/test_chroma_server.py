"""The chunk store on a real `chroma run` server (127.0.0.1, a free port, a temp path), beside the
embedded store: same answers, same eval scores, updates and forgets work, and a server that goes
away is one readable error that leaves no partial document behind."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, free_port, run_python, stop_process, wait_until_answers

from ingest.store import StoreError

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")  # the chromadb package's CLI, beside this Python
RISK_QUESTION = "What evidence supports letting go of risk aversion?"
OLD_COVER = "records that the copy was uploaded to that website on 10 Jun 2020"
NEW_COVER = "records that the copy was uploaded to that website on 3 March 2031"


class ChromaServer:
    """`chroma run` on 127.0.0.1; stop() and start() again keep the same path and port."""

    def __init__(self, path: Path, log: Path):
        self.path, self.log, self.port = path, log, free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        if not CHROMA.exists():
            pytest.skip(f"no chroma CLI at {CHROMA}")
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_until_answers(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", self.process, self.log, timeout)

    def stop(self) -> None:
        stop_process(self.process, timeout_s=20)
        self.process = None


def _server(root: Path):
    server = ChromaServer(root / "chroma-server", root / "chroma-server.log")
    server.start()
    return server


@pytest.fixture
def chroma_server(tmp_path):
    server = _server(tmp_path)
    yield server
    server.stop()


def _components(embedder, data_dir: Path, server: ChromaServer | None = None, **overrides):
    from assistant.components import Components
    from assistant.settings import Settings

    if server:
        overrides.update(chroma_host="127.0.0.1", chroma_port=server.port)
    components = Components(Settings.from_env(environ={}, data_dir=data_dir, **overrides))
    components.__dict__["embedder"] = embedder
    return components


def _cited(answer) -> list[tuple]:
    return [(c.doc_id, c.page, c.quote) for c in answer.citations]


def _eval_ours(components) -> dict:
    from assistant.page_view import PageViewer
    from evals import runner

    questions = runner.load_questions(runner.DEFAULT_QUESTIONS)
    results = runner.run_questions(components.assistant, questions, PageViewer(components.library).page_text)
    return runner.summarise(results, [])["ours"]


def _assert_live_versions_complete(components) -> None:
    records = components.registry.load()
    live = components.store.get_chunks(components.registry.active_keys())
    for record in records.values():
        assert components.store.count(record.doc_key) == record.chunks, record.doc_key
        assert sum(c.doc_key == record.doc_key for c in live) == record.chunks
    assert len(live) == sum(r.chunks for r in records.values())


def test_server_store_answers_scores_updates_and_forgets_like_the_embedded_one(
    tmp_path, embedder, corpus_components, chroma_server
):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    remote = _components(embedder, tmp_path / "data", chroma_server)
    results = remote.library.ingest([corpus])
    assert results and {r.status for r in results} == {"new"}, [r.line() for r in results]
    assert not (tmp_path / "data" / "chroma").exists(), "the server settings still wrote an embedded store"
    assert remote.store.count() == corpus_components.store.count()

    # the same question gets the same answer and citations from either store
    embedded_answer = corpus_components.assistant.ask(RISK_QUESTION)
    remote_answer = remote.assistant.ask(RISK_QUESTION)
    assert not remote_answer.abstained and remote_answer.citations
    assert _cited(remote_answer) == _cited(embedded_answer)
    assert remote_answer.text == embedded_answer.text

    # and the whole eval question set scores the same
    ours_remote, ours_embedded = _eval_ours(remote), _eval_ours(corpus_components)
    assert set(ours_remote) == set(ours_embedded)
    for key, value in ours_embedded.items():
        assert ours_remote[key] == pytest.approx(value, abs=1e-9), key

    # one page changes: the update becomes live on the server, the old version is kept there but never answers
    summary = corpus / "summary-digest.md"
    text = summary.read_text(encoding="utf-8")
    assert OLD_COVER in text
    summary.write_text(text.replace(OLD_COVER, NEW_COVER), encoding="utf-8")
    before = remote.registry.load()
    statuses = {r.doc_id: (r.status, r.detail) for r in remote.library.ingest([corpus])}
    assert statuses["pcse-summary"] == ("updated", "altered: cover")
    assert {s for d, (s, _) in statuses.items() if d != "pcse-summary"} == {"unchanged"}
    after = remote.registry.load()
    assert after["pcse-summary"].version == before["pcse-summary"].version + 1
    old_key = before["pcse-summary"].doc_key
    assert remote.store.count(old_key) == before["pcse-summary"].chunks
    _assert_live_versions_complete(remote)
    remote.assistant.sync()
    hits = remote.assistant.retriever.retrieve("When was the copy uploaded to the document-sharing website?")
    # the summary's cover is nearly the full report's, so near-duplicate demotion may rank it below the top 3
    assert any(NEW_COVER in h.text for h in hits), [h.text[:80] for h in hits]
    assert not any(OLD_COVER in h.text for h in hits)
    # forgetting the old version removes it from the server: gone, not only hidden
    assert remote.library.forget("pcse-summary", before["pcse-summary"].version)
    stored_text = " ".join(remote.store.collection.get(include=["documents"])["documents"])
    assert NEW_COVER in stored_text and OLD_COVER not in stored_text
    assert remote.store.count(old_key) == 0

    # forget removes a document's chunks from the server
    dorset = after["case-study-dorset"]
    assert remote.library.forget("case-study-dorset")
    assert "case-study-dorset" not in remote.registry.load()
    assert remote.store.count(dorset.doc_key) == 0
    assert remote.store.count() == sum(r.chunks for r in remote.registry.load().values())
    remote.assistant.sync()
    assert all(h.doc_id != "case-study-dorset" for h in remote.assistant.retriever.retrieve("Dorset pilot area"))


def test_a_server_that_goes_away_gives_one_line_errors_and_no_partial_document(
    tmp_path, embedder, chroma_server, monkeypatch
):
    folder = tmp_path / "docs"
    folder.mkdir()
    report = folder / "report.md"
    report.write_text(
        "<!-- page 1 -->\nThe borough counted forty two anchor institutions.\n\n"
        "<!-- page 2 -->\nThe council set up a social value task group.\n",
        encoding="utf-8",
    )
    (folder / "other.md").write_text("A second document that never changes.\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    components = _components(embedder, data_dir, chroma_server)
    assert {r.status for r in components.library.ingest([folder])} == {"new"}
    before = components.registry.load()
    assistant = components.assistant
    assert not assistant.ask("How many anchor institutions did the borough count?").abstained

    # the server dies after the new version is embedded, before any of it is written
    report.write_text(report.read_text().replace("forty two", "fifty seven"), encoding="utf-8")
    import ingest.version_files

    real_embed = ingest.version_files.embed_with_sentences

    def embed_then_lose_the_server(files, chunks, tick):
        vectors = real_embed(files, chunks, tick)
        chroma_server.stop()
        return vectors

    with pytest.MonkeyPatch.context() as patch, pytest.raises(StoreError) as failed:
        patch.setattr(ingest.version_files, "embed_with_sentences", embed_then_lose_the_server)
        components.library.ingest([folder])
    message = str(failed.value)
    assert message.startswith("the chunk store failed during add: ") and "\n" not in message, message
    assert components.registry.load() == before  # never committed

    # with the server down: in-process ask and ingest, and a fresh CLI, each fail in one line
    with pytest.raises(StoreError) as asked:
        assistant.ask("How many anchor institutions did the borough count?")
    assert "\n" not in str(asked.value) and "chunk store failed" in str(asked.value)
    with pytest.raises(StoreError):
        _components(embedder, data_dir, chroma_server).library.ingest([folder])
    monkeypatch.setenv("REPORT_ASSISTANT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("REPORT_ASSISTANT_CHROMA_PORT", str(chroma_server.port))
    cli = run_python(
        ["-m", "assistant.cli", "--data-dir", str(data_dir), "ask", "How many anchor institutions?"],
        cwd=tmp_path,
        timeout=120,
    )
    assert cli.returncode == 2, cli.stdout + cli.stderr
    assert "Traceback" not in cli.stderr and cli.stdout == ""
    [line] = cli.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot open the Chroma server at 127.0.0.1:{chroma_server.port}"), line
    assert not (data_dir / "chroma").exists()

    # back on the same path: the old version is whole and live; the next run finishes the update
    chroma_server.start()
    restarted = _components(embedder, data_dir, chroma_server)
    assert restarted.registry.load() == before
    _assert_live_versions_complete(restarted)
    assert restarted.store.count() == sum(r.chunks for r in before.values())  # nothing half-written
    statuses = {r.doc_id: r.status for r in restarted.library.ingest([folder])}
    assert statuses == {"report": "updated", "other": "unchanged"}
    _assert_live_versions_complete(restarted)
    answer = restarted.assistant.ask("How many anchor institutions did the borough count?")
    assert "fifty seven" in answer.text and "forty two" not in answer.text
