"""Every version kept: each update keeps the previous version (up to REPORT_ASSISTANT_KEEP_VERSIONS),
only the live one answers unless a version is asked for, `status --json` lists the versions, `forget`
removes one or all, `rollback` makes an old one live again, and `repair` rebuilds kept versions too."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import assert_store_holds_kept_versions, kept_files, run_python

from ingest.registry import Registry
from ingest.versions import VersionError

PLAN = {
    1: "The fund gave four hundred thousand pounds to community energy projects in the pilot year.",
    2: "The fund gave six hundred thousand pounds to community energy projects in the pilot year.",
    3: "The fund gave nine hundred thousand pounds to community energy projects in the pilot year.",
}
QUESTION = "How much did the fund give to community energy projects?"
FIGURE = {1: "four hundred thousand", 2: "six hundred thousand", 3: "nine hundred thousand"}


def _write_plan(folder, edition: int):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.md"
    path.write_text(
        f"<!-- page 1 -->\n# Harbour plan\n\nThe harbour board reviews local spending every spring.\n\n"
        f"<!-- page 2 -->\n{PLAN[edition]}\n",
        encoding="utf-8",
    )
    (folder / "other.md").write_text(
        "<!-- page 1 -->\nThe orchard cooperative planted nine hundred apple trees.\n", encoding="utf-8"
    )
    return path


def _ingest_editions(components, folder, editions=(1, 2, 3)):
    for edition in editions:
        _write_plan(folder, edition)
        results = {r.doc_id: r.status for r in components.library.ingest([folder])}
        assert results["plan"] == ("new" if edition == editions[0] else "updated"), results


def _cli(*args, data_dir, cwd):
    return run_python(["-m", "assistant.cli", "--data-dir", str(data_dir), *args], cwd=cwd)


def test_every_version_is_kept_and_only_the_live_one_answers(tmp_path, components):
    _ingest_editions(components, tmp_path / "docs")
    record = components.registry.load()["plan"]
    assert [v.version for v in record.versions()] == [1, 2, 3] and record.version == 3
    assert_store_holds_kept_versions(components.store, components.registry.load())
    assert sorted(p.name for p in components.library.files_dir.iterdir()) == kept_files(components.registry.load())

    answer = components.assistant.ask(QUESTION)
    assert FIGURE[3] in answer.text and FIGURE[1] not in answer.text and FIGURE[2] not in answer.text
    assert [(c.doc_id, c.version, c.page) for c in answer.citations] == [("plan", 3, "2")]

    for version in (1, 2):
        older = components.assistant.ask(QUESTION, doc_id="plan", version=version)
        assert FIGURE[version] in older.text, older.text
        assert {(c.doc_id, c.version) for c in older.citations} == {("plan", version)}
    live = components.assistant.ask(QUESTION, doc_id="plan", version=3)  # the live version, asked for
    assert live.text == components.assistant.ask(QUESTION, doc_id="plan").text


def test_status_lists_versions_and_ask_takes_a_version(tmp_path, components):
    _ingest_editions(components, tmp_path / "docs", editions=(1, 2))
    data_dir = components.settings.data_dir
    status = _cli("status", "--json", data_dir=data_dir, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    documents = {d["id"]: d for d in json.loads(status.stdout)["documents"]}
    plan = documents["plan"]
    record = Registry(data_dir / "documents.json").load()["plan"]
    assert plan["version"] == 2
    assert plan["versions"] == [
        {
            "version": v.version,
            "live": v.version == 2,
            "sha256": v.sha256,
            "source": v.source,
            "ingested_at": v.ingested_at,
            "pages": 2,
            "chunks": v.chunks,
        }
        for v in record.versions()
    ]
    assert [v["version"] for v in documents["other"]["versions"]] == [1]

    asked = _cli("ask", QUESTION, "--doc", "plan", "--version", "1", "--json", data_dir=data_dir, cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert FIGURE[1] in answer["answer"] and [c["version"] for c in answer["citations"]] == [1]
    for args, message in (
        (["--version", "1"], "a version belongs to one document: give the document too (--doc ID --version N)"),
        (["--doc", "plan", "--version", "7"], "plan has no version 7 (kept versions: 1, 2)"),
    ):
        refused = _cli("ask", QUESTION, *args, data_dir=data_dir, cwd=tmp_path)
        assert refused.returncode == 2 and refused.stderr.strip() == f"error: {message}", refused.stderr


def test_keep_versions_drops_the_oldest_from_the_store_and_files(tmp_path, make_components):
    components = make_components(keep_versions=2)
    _ingest_editions(components, tmp_path / "docs")
    records = components.registry.load()
    assert [v.version for v in records["plan"].versions()] == [2, 3]
    assert components.store.count("plan@1") == 0
    assert_store_holds_kept_versions(components.store, records)
    assert sorted(p.name for p in components.library.files_dir.iterdir()) == kept_files(records)
    with pytest.raises(Exception, match="plan has no version 1 \\(kept versions: 2, 3\\)"):
        components.assistant.ask(QUESTION, doc_id="plan", version=1)


def test_forget_one_version_or_all_and_numbers_are_never_reused(tmp_path, components):
    library = components.library
    _ingest_editions(components, tmp_path / "docs")
    with pytest.raises(
        VersionError,
        match="version 3 is the live version of plan; roll back first \\(report-assistant rollback plan --to 2\\)",
    ):
        library.forget("plan", 3)
    with pytest.raises(VersionError, match="plan has no version 5 \\(kept versions: 1, 2, 3\\)"):
        library.forget("plan", 5)
    assert library.forget("plan", 2) is True
    records = components.registry.load()
    assert [v.version for v in records["plan"].versions()] == [1, 3]
    assert components.store.count("plan@2") == 0
    assert sorted(p.name for p in library.files_dir.iterdir()) == kept_files(records)

    assert library.rollback("plan", 1) == 3
    assert library.forget("plan", 3) is True  # no longer live: it may go
    _write_plan(tmp_path / "docs", 2)
    [result] = [r for r in library.ingest([tmp_path / "docs"]) if r.doc_id == "plan"]
    assert result.status == "updated"
    assert components.registry.load()["plan"].version == 4  # 2 and 3 were used: a citation of v3 never means this

    assert library.forget("plan") is True  # all of it
    assert "plan" not in components.registry.load()
    assert not any(p.name.startswith("plan@") for p in library.files_dir.iterdir())
    assert all(components.store.count(f"plan@{n}") == 0 for n in (1, 2, 3, 4))


def test_rollback_makes_an_old_version_live_and_the_newer_file_brings_its_version_back(
    tmp_path, components, embed_counter
):
    folder = tmp_path / "docs"
    _ingest_editions(components, folder, editions=(1, 2))
    data_dir = components.settings.data_dir

    rolled = _cli("rollback", "plan", "--to", "1", data_dir=data_dir, cwd=tmp_path)
    assert rolled.returncode == 0, rolled.stderr
    assert rolled.stdout.strip() == "rolled back plan: version 1 is live (was version 2; both stay kept)"
    components.assistant.sync()
    answer = components.assistant.ask(QUESTION)
    assert FIGURE[1] in answer.text and answer.citations[0].version == 1
    again = _cli("rollback", "plan", "--to", "1", data_dir=data_dir, cwd=tmp_path)
    assert again.returncode == 2 and again.stderr.strip() == "error: version 1 of plan is already live"
    missing = _cli("rollback", "plan", "--to", "9", data_dir=data_dir, cwd=tmp_path)
    assert missing.stderr.strip() == "error: plan has no version 9 (kept versions: 1, 2)"

    # the file on disk is still edition 2: ingesting it makes kept version 2 live again, embedding nothing
    embed_counter.reset()
    results = {r.doc_id: r for r in components.library.ingest([folder])}
    assert results["plan"].status == "updated"
    assert results["plan"].detail == "the same file as kept version 2, which is live again (was version 1)"
    assert embed_counter.calls == 0
    assert [v.version for v in components.registry.load()["plan"].versions()] == [1, 2]
    assert FIGURE[2] in components.assistant.ask(QUESTION).text


def test_a_damaged_kept_version_is_not_rolled_back_to_and_repair_rebuilds_it(tmp_path, components):
    _ingest_editions(components, tmp_path / "docs", editions=(1, 2))
    data_dir = components.settings.data_dir
    (data_dir / "files" / "plan@1.sentences.npz").unlink()
    with pytest.raises(
        VersionError,
        match="version 1 of plan is damaged \\(its sentence vectors are missing\\); run: report-assistant repair",
    ):
        components.library.rollback("plan", 1)
    assert components.library.problems(kept=True) == {"plan": ["version 1: its sentence vectors are missing"]}
    assert components.library.problems() == {}  # the live version answers meanwhile
    assert FIGURE[2] in components.assistant.ask(QUESTION).text

    repaired = _cli("repair", data_dir=data_dir, cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "version 1 rebuilt from its stored copy (its sentence vectors are missing)" in repaired.stdout
    assert components.library.problems(kept=True) == {}
    assert components.library.rollback("plan", 1) == 2


def test_a_lost_chunk_store_is_rebuilt_for_every_kept_version(tmp_path, components, make_components):
    _ingest_editions(components, tmp_path / "docs", editions=(1, 2))
    data_dir = components.settings.data_dir
    shutil.rmtree(data_dir / "chroma")
    status = _cli("status", data_dir=data_dir, cwd=tmp_path)
    assert status.returncode == 1 and "DAMAGED: version 1: 0 of" in status.stdout, status.stdout

    repaired = _cli("repair", data_dir=data_dir, cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    fresh = make_components(data_dir)
    records = fresh.registry.load()
    assert [v.version for v in records["plan"].versions()] == [1, 3]  # live rebuilt as 3; version 1 in place
    assert fresh.library.problems(kept=True) == {}
    assert_store_holds_kept_versions(fresh.store, records)
    assert FIGURE[1] in fresh.assistant.ask(QUESTION, doc_id="plan", version=1).text
    assert FIGURE[2] in fresh.assistant.ask(QUESTION).text


def test_a_registry_written_before_versions_were_kept_still_loads(tmp_path, components):
    _ingest_editions(components, tmp_path / "docs", editions=(1,))
    path = components.settings.registry_path
    payload = json.loads(path.read_text())
    payload["format"] = 1
    for record in payload["documents"].values():
        del record["previous"], record["last_version"]
    path.write_text(json.dumps(payload))
    records = Registry(path).load()
    assert [v.version for v in records["plan"].versions()] == [1]
    _write_plan(tmp_path / "docs", 2)
    components.library.ingest([tmp_path / "docs"])
    assert [v.version for v in components.registry.load()["plan"].versions()] == [1, 2]


def test_removing_a_document_in_the_chat_page_says_its_earlier_versions_go_too(tmp_path, components):
    from assistant.library_panel import confirm_text, remove_document

    _ingest_editions(components, tmp_path / "docs", editions=(1, 2, 3))
    question = confirm_text(components.library, "plan")
    assert "(`plan`, version 3, 2 pages," in question and "with its 2 earlier versions;" in question, question
    assert remove_document(components.library, "plan").startswith("Removed `plan`")
    assert all(components.store.count(f"plan@{n}") == 0 for n in (1, 2, 3))
