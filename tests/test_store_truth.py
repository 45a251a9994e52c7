"""The registry, the chunk store and the stored copies tell one story: when they disagree after damage,
`status` says so per document, `ask` refuses with one line naming the fix, and `repair` (or `ingest`)
rebuilds what is missing. A damaged documents.json is one line naming the file, restored from its .bak."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import run_cli

from ingest.registry import Registry

DOCS = {
    "harbour-plan.md": "<!-- page 1 -->\n# Harbour plan\n\nThe harbour plan commits the council to spend forty "
    "percent of its procurement budget with local firms by 2030.\n\n<!-- page 2 -->\n"
    "The harbour board reviews local spending every spring.\n",
    "orchard-notes.md": "<!-- page 1 -->\n# Orchard notes\n\nThe orchard cooperative planted nine hundred apple "
    "trees on council land in the pilot year.\n",
}
QUESTION = "How many apple trees did the orchard cooperative plant?"


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def store(tmp_path, make_components):
    """Two small documents ingested; returns (data dir, folder of the originals)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    data_dir = tmp_path / "data"
    results = make_components(data_dir).library.ingest([folder])
    assert [r.status for r in results] == ["new", "new"], [r.line() for r in results]
    return data_dir, folder


DAMAGE = {
    "invalid JSON": lambda good: b"{not json" + good[9:],
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "a list": lambda good: b"[]",
    "unknown field": lambda good: json.dumps(_with_unknown_field(json.loads(good))).encode(),
}


def _with_unknown_field(payload: dict) -> dict:
    next(iter(payload["documents"].values()))["colour"] = "blue"
    return payload


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_registry_is_one_line_and_repair_restores_the_last_good_copy(damage, store, tmp_path):
    data_dir, folder = store
    registry = data_dir / "documents.json"
    good = registry.read_bytes()
    assert (data_dir / "documents.json.bak").read_bytes() == good  # written with every commit
    registry.write_bytes(DAMAGE[damage](good))

    for command in (
        ["status"],
        ["status", "--json"],
        ["ask", QUESTION],
        ["ingest", str(folder)],
        ["forget", "orchard-notes"],
    ):
        line = _one_error_line(run_cli("--data-dir", str(data_dir), *command, cwd=tmp_path))
        assert str(registry) in line and "is damaged" in line and "report-assistant repair" in line, (command, line)
    assert registry.read_bytes() == DAMAGE[damage](good)  # nothing tried to write over it

    repaired = run_cli("--data-dir", str(data_dir), "repair", cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "restored from documents.json.bak (2 documents)" in repaired.stdout
    assert registry.read_bytes() == good
    status = run_cli("--data-dir", str(data_dir), "status", "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    documents = json.loads(status.stdout)["documents"]
    assert [d["id"] for d in documents] == ["harbour-plan", "orchard-notes"]
    assert not any("problems" in d for d in documents), documents


def test_without_a_good_registry_copy_repair_rebuilds_it_from_the_stored_copies(store, tmp_path, make_components):
    data_dir, folder = store
    before = {(r.id, r.title, r.kind, r.version + 1) for r in Registry(data_dir / "documents.json").load().values()}
    (data_dir / "documents.json").write_text("")
    (data_dir / "documents.json.bak").write_text("{")
    for name in DOCS:  # and the originals are gone
        (folder / name).unlink()
    repaired = run_cli("--data-dir", str(data_dir), "repair", cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    lines = repaired.stdout.splitlines()
    assert lines[0].endswith("documents.json restored from the stored copies (2 documents)"), lines
    assert [line.split()[:2] for line in lines[1:]] == [["repaired", "harbour-plan"], ["repaired", "orchard-notes"]]
    components = make_components(data_dir)
    records = components.registry.load()
    assert {(r.id, r.title, r.kind, r.version) for r in records.values()} == before  # rebuilt as a new version
    assert components.library.problems() == {}
    answer = components.assistant.ask(QUESTION)
    assert not answer.abstained and "nine hundred apple trees" in answer.text, answer.text


def test_with_no_registry_copy_and_no_stored_copies_repair_says_how_to_start_again(store, tmp_path):
    data_dir, _ = store
    (data_dir / "documents.json").write_text("")
    (data_dir / "documents.json.bak").write_text("{")
    shutil.rmtree(data_dir / "files")
    repaired = run_cli("--data-dir", str(data_dir), "repair", cwd=tmp_path)
    assert repaired.returncode == 1
    assert (
        "documents.json.bak is missing or damaged too" in repaired.stdout
        and "ingest the documents again" in repaired.stdout
    ), repaired.stdout


def test_a_lost_chunk_store_is_reported_refused_and_rebuilt_by_repair(store, tmp_path, make_components):
    data_dir, folder = store
    shutil.rmtree(data_dir / "chroma")

    status = run_cli("--data-dir", str(data_dir), "status", cwd=tmp_path)
    assert status.returncode == 1
    assert status.stdout.count("DAMAGED: 0 of") == 2 and "run: report-assistant repair" in status.stdout, status.stdout
    status = run_cli("--data-dir", str(data_dir), "status", "--json", cwd=tmp_path)
    assert [d["problems"] for d in json.loads(status.stdout)["documents"]] == [
        ["0 of 2 chunks are in the store"],
        ["0 of 1 chunks are in the store"],
    ]
    line = _one_error_line(run_cli("--data-dir", str(data_dir), "ask", QUESTION, cwd=tmp_path))
    assert (
        line.startswith("error: the store does not match documents.json: harbour-plan: 0 of 3 chunks")
        or "chunks are in the store" in line
    ), line
    assert line.endswith("run: report-assistant repair"), line

    for name in DOCS:  # the originals are gone too: the stored copies are enough
        (folder / name).unlink()
    repaired = run_cli("--data-dir", str(data_dir), "repair", cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert repaired.stdout.count("rebuilt from the stored copy") == 2, repaired.stdout

    components = make_components(data_dir)
    assert components.library.problems() == {}
    answer = components.assistant.ask(QUESTION)
    assert not answer.abstained and "nine hundred apple trees" in answer.text, answer.text
    records = components.registry.load()
    assert records["orchard-notes"].source == str((folder / "orchard-notes.md").resolve())  # still the user's file
    again = run_cli("--data-dir", str(data_dir), "repair", cwd=tmp_path)
    assert again.stdout.strip() == "nothing to repair: the registry, the chunk store and the stored copies agree"


def test_ingest_rebuilds_what_is_missing_instead_of_saying_unchanged(store, make_components):
    data_dir, folder = store
    shutil.rmtree(data_dir / "files")
    components = make_components(data_dir)
    assert set(components.library.problems()) == {"harbour-plan", "orchard-notes"}
    with pytest.raises(Exception, match="report-assistant repair"):
        components.assistant.ask(QUESTION)

    results = components.library.ingest([folder])
    assert [r.status for r in results] == ["updated", "updated"], [r.line() for r in results]
    assert all("rebuilt (its stored copy files/" in r.detail for r in results), [r.detail for r in results]
    assert components.library.problems() == {}
    answer = components.assistant.ask(QUESTION)
    assert not answer.abstained and answer.citations[0].doc_id == "orchard-notes"
    # the damaged version 1 is not kept: only the rebuilt version 2 is stored
    assert sorted(p.name for p in (data_dir / "files").iterdir()) == [
        f"{doc_id}@2.{kind}"
        for doc_id in ("harbour-plan", "orchard-notes")
        for kind in ("md", "outline.json", "pages.json", "sentences.npz")
    ]
    assert all(not r.previous for r in components.registry.load().values())


def test_a_document_that_cannot_be_rebuilt_names_forget(store, tmp_path):
    data_dir, folder = store
    shutil.rmtree(data_dir / "chroma")
    (data_dir / "files" / "orchard-notes@1.md").unlink()
    (folder / "orchard-notes.md").unlink()
    repaired = run_cli("--data-dir", str(data_dir), "repair", cwd=tmp_path)
    assert repaired.returncode == 1
    lines = repaired.stdout.strip().splitlines()
    assert lines[0].startswith("repaired   harbour-plan"), lines
    assert lines[1].startswith("failed     orchard-notes") and lines[1].endswith(
        "run: report-assistant forget orchard-notes"
    ), lines
    assert run_cli("--data-dir", str(data_dir), "forget", "orchard-notes", cwd=tmp_path).returncode == 0
    status = run_cli("--data-dir", str(data_dir), "status", cwd=tmp_path)
    assert status.returncode == 0 and "DAMAGED" not in status.stdout, status.stdout


def test_every_commit_leaves_a_backup_equal_to_the_registry(store, make_components):
    data_dir, _ = store
    components = make_components(data_dir)
    assert components.library.forget("harbour-plan")
    registry = Registry(data_dir / "documents.json")
    assert (data_dir / "documents.json.bak").read_bytes() == registry.path.read_bytes()
    assert set(registry.load_backup()) == {"orchard-notes"}
