"""A question about change ("what changed about the funding figures?") is answered from the changes
between the two latest versions, each side quoted and cited with its version and page; other
questions are answered as before."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import run_python

from assistant.export import conversation_markdown

EDITIONS = {
    1: [
        "The harbour board reviews local spending every spring.",
        "The council's funding for community energy was four hundred thousand pounds in 2017. "
        "Volunteers ran the energy cafe on Saturdays.",
        "The tram consultation closed in March after six public meetings. In Bristol the pilot brought anchor "
        "institutions together to buy from local firms.",
    ],
    2: [
        "The harbour board reviews local spending every spring.",
        "The council's funding for community energy was six hundred thousand pounds in 2017. "
        "Volunteers ran the energy cafe on Saturdays.",
        "The tram consultation closed in May after six public meetings. In Bristol the pilot brought anchor "
        "institutions together to buy from local firms.",
    ],
}
OLD_FUNDING, NEW_FUNDING = EDITIONS[1][1].split(". ")[0] + ".", EDITIONS[2][1].split(". ")[0] + "."


@pytest.fixture
def updated(tmp_path, components):
    folder = tmp_path / "docs"
    folder.mkdir()
    for edition in (1, 2):
        (folder / "plan.md").write_text(
            "".join(f"<!-- page {n} -->\n{text}\n\n" for n, text in enumerate(EDITIONS[edition], 1)), encoding="utf-8"
        )
        (folder / "notes.md").write_text(
            "<!-- page 1 -->\nThe orchard cooperative planted nine hundred apple trees on council land.\n",
            encoding="utf-8",
        )
        components.library.ingest([folder])
    assert components.registry.load()["plan"].version == 2
    return components


def test_a_question_about_change_cites_both_versions(updated, tmp_path):
    answer = updated.assistant.ask("What changed about the funding figures?")
    assert not answer.abstained, answer.text
    assert [(c.doc_id, c.version, c.page, c.quote) for c in answer.citations] == [
        ("plan", 1, "2", OLD_FUNDING),
        ("plan", 2, "2", NEW_FUNDING),
    ]
    assert answer.text.splitlines()[0] == f"Version 1, p. 2, said: “{OLD_FUNDING}” [1]"
    assert answer.text.splitlines()[1] == f"- Version 2, p. 2, says: “{NEW_FUNDING}” [2]"
    assert "tram" not in answer.text  # a change, but not about funding
    assert "report-assistant changes plan" in answer.note

    # the answer, exported, verifies: each quote is on its page of its own version
    export = tmp_path / "changes.md"
    export.write_text(conversation_markdown([answer], updated.library.documents(), now=dt.datetime(2026, 12, 1)))
    checked = run_python(
        ["-m", "assistant.cli", "--data-dir", str(updated.settings.data_dir), "verify", str(export), "--json"],
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert [
        (q["version"], q["cited_version"]["status"], q["live_version"]["status"])
        for q in json.loads(checked.stdout)["quotes"]
    ] == [(1, "same page", "gone"), (2, "same page", "same page")]


def test_what_is_new_lists_every_change_and_an_unrelated_subject_is_refused(updated):
    everything = updated.assistant.ask("What is new in the latest version?")
    assert {(c.version, c.page) for c in everything.citations} == {(1, "2"), (2, "2"), (1, "3"), (2, "3")}
    refused = updated.assistant.ask("What changed about the apple trees in the latest version?")
    assert refused.abstained and "no change between the two latest versions of plan" in refused.text, refused.text


def test_other_questions_are_answered_from_the_live_version(updated):
    plain = updated.assistant.ask("How much funding did the council give to community energy?")
    assert [(c.version, c.quote) for c in plain.citations][:1] == [(2, NEW_FUNDING)]
    # "what changed" about a subject no update touched reads as a question about the report's content
    content = updated.assistant.ask("What changed in Bristol when the pilot brought anchor institutions together?")
    assert not content.abstained and content.citations[0].version == 2
    assert "Answered from the changes" not in content.text
