"""`report-assistant verify`: an exported conversation (the chat page's Markdown, or ask --json) is
checked quote by quote against the cited page of the cited version and against the live version:
still on the same page, moved to another page, or gone."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from conftest import REAL_PDFS, run_python

from assistant.export import conversation_markdown

EDITION_1 = [
    "The harbour board reviews local spending every spring.",
    "The orchard cooperative planted nine hundred apple trees on council land.",
    "The fund gave four hundred thousand pounds to community energy projects.",
]
EDITION_2 = [
    EDITION_1[0],
    "A new page describes the tram line extension and the new bus routes.",
    EDITION_1[1],
    EDITION_1[2].replace("four hundred", "six hundred"),
]
QUESTIONS = [
    "When does the harbour board review local spending?",
    "How many apple trees did the orchard cooperative plant?",
    "How much did the fund give to community energy projects?",
]


def _write(folder, sentences):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.md").write_text(
        "".join(f"<!-- page {n} -->\n{s}\n\n" for n, s in enumerate(sentences, 1)), encoding="utf-8"
    )


def _cli(*args, data_dir, cwd):
    return run_python(["-m", "assistant.cli", "--data-dir", str(data_dir), *args], cwd=cwd)


def test_an_old_export_verifies_as_same_page_moved_or_gone(tmp_path, components):
    folder, data_dir = tmp_path / "docs", components.settings.data_dir
    _write(folder, EDITION_1)
    components.library.ingest([folder])
    answers = [components.assistant.ask(q) for q in QUESTIONS]
    assert [[(c.page, c.version) for c in a.citations] for a in answers] == [[("1", 1)], [("2", 1)], [("3", 1)]]
    export = tmp_path / "conversation.md"
    export.write_text(
        conversation_markdown(
            answers, components.library.documents(), now=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
        ),
        encoding="utf-8",
    )
    assert "[^2-1]: plan, p. 2 (plan, version 1)." in export.read_text()
    (tmp_path / "answer.json").write_text(json.dumps(answers[2].to_json()), encoding="utf-8")  # as ask --json prints it

    _write(folder, EDITION_2)  # a page inserted before the orchard, the fund's figure changed
    assert [r.status for r in components.library.ingest([folder])] == ["updated"]

    checked = _cli("verify", str(export), "--json", data_dir=data_dir, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # every quote is still in version 1
    report = json.loads(checked.stdout)
    rows = [(q["turn"], q["doc_id"], q["version"], q["page"], q["quote"]) for q in report["quotes"]]
    assert rows == [(n, "plan", 1, str(n), EDITION_1[n - 1]) for n in (1, 2, 3)]
    assert [q["cited_version"] for q in report["quotes"]] == [
        {"status": "same page", "page": str(n), "pdf_page": None, "version": 1} for n in (1, 2, 3)
    ]
    assert [q["live_version"] for q in report["quotes"]] == [
        {"status": "same page", "page": "1", "pdf_page": None, "version": 2},
        {"status": "moved", "page": "3", "pdf_page": None, "version": 2},
        {"status": "gone", "page": None, "pdf_page": None, "version": 2},
    ]
    assert report["summary"] == {
        "quotes": 3,
        "cited_version": {"same page": 3},
        "live_version": {"same page": 1, "moved": 1, "gone": 1},
    }

    text = _cli("verify", str(export), data_dir=data_dir, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "[Q2 1] plan v1, p. 2: cited version: 1 same page; live version: 2 moved to p. 3" in text.stdout
    assert "[Q3 1] plan v1, p. 3: cited version: 1 same page; live version: 2 gone" in text.stdout

    from_json = json.loads(
        _cli("verify", str(tmp_path / "answer.json"), "--json", data_dir=data_dir, cwd=tmp_path).stdout
    )
    assert [(q["cited_version"]["status"], q["live_version"]["status"]) for q in from_json["quotes"]] == [
        ("same page", "gone")
    ]

    # once version 1 is no longer kept, its quotes cannot be confirmed: exit 1
    assert components.library.forget("plan", 1)
    gone = _cli("verify", str(export), "--json", data_dir=data_dir, cwd=tmp_path)
    assert gone.returncode == 1
    assert {q["cited_version"]["status"] for q in json.loads(gone.stdout)["quotes"]} == {"version not kept"}


def test_a_quote_not_on_its_cited_page_fails_and_bad_files_are_one_line(tmp_path, components):
    folder, data_dir = tmp_path / "docs", components.settings.data_dir
    _write(folder, EDITION_1)
    components.library.ingest([folder])
    answer = components.assistant.ask(QUESTIONS[1]).to_json()
    answer["citations"][0]["quote"] = "The orchard cooperative planted ninety apple trees on council land."
    answer["citations"].append(dict(answer["citations"][0], quote=EDITION_1[1], page="3"))
    (tmp_path / "edited.json").write_text(json.dumps({"answers": [answer]}), encoding="utf-8")
    checked = _cli("verify", str(tmp_path / "edited.json"), "--json", data_dir=data_dir, cwd=tmp_path)
    assert checked.returncode == 1
    assert [q["cited_version"]["status"] for q in json.loads(checked.stdout)["quotes"]] == ["gone", "moved"]

    (tmp_path / "old.md").write_text("## Q1: a question\n\nAn answer.[^1-1]\n\n[^1-1]: plan, p. 2.\n")
    (tmp_path / "notes.txt").write_text("nothing to check here\n")
    for name, message in (
        (
            "old.md",
            "its citations name no document version (exported before versions were "
            "recorded), so they cannot be checked",
        ),
        (
            "notes.txt",
            "no quoted citations found (expected a conversation exported from the "
            "chat page, or the output of ask --json)",
        ),
    ):
        refused = _cli("verify", str(tmp_path / name), data_dir=data_dir, cwd=tmp_path)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.strip() == f"error: {tmp_path / name}: {message}", refused.stderr
    missing = _cli("verify", str(tmp_path / "absent.md"), data_dir=data_dir, cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith(f"error: cannot read {tmp_path / 'absent.md'}")


MULTI_PAGE = REAL_PDFS / "multi_page.pdf"  # five pages, no printed numbers: a page's label is its place


@pytest.mark.slow
@pytest.mark.skipif(not MULTI_PAGE.exists(), reason=f"{MULTI_PAGE} is absent (../shared/real-pdfs/)")
def test_an_export_from_a_real_pdf_verifies_after_a_page_is_removed(tmp_path, components):
    from evals.pdf_edits import first_pages, remove_page

    folder, data_dir = tmp_path / "docs", components.settings.data_dir
    folder.mkdir()
    path = folder / "word-processors.pdf"
    shutil.copyfile(MULTI_PAGE, path)
    components.library.ingest([folder])
    questions = {
        "1": "When was the typewriter patented and by whom?",
        "2": "Which word processor was popular among legal professionals?",
        "4": "How did word processors change education?",
    }
    answers = [components.assistant.ask(q) for q in questions.values()]
    assert [(a.citations[0].page, a.citations[0].version) for a in answers] == [("1", 1), ("2", 1), ("4", 1)], [
        a.citations[0] for a in answers
    ]
    export = tmp_path / "conversation.md"
    export.write_text(conversation_markdown(answers, components.library.documents()), encoding="utf-8")

    edited = first_pages(MULTI_PAGE, 5)
    remove_page(edited, 2)
    edited.save(path)
    assert [r.status for r in components.library.ingest([folder])] == ["updated"]

    checked = _cli("verify", str(export), "--json", data_dir=data_dir, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    first = [q for q in json.loads(checked.stdout)["quotes"] if q["citation"] == 1]
    assert [(q["page"], q["cited_version"]["status"]) for q in first] == [
        ("1", "same page"),
        ("2", "same page"),
        ("4", "same page"),
    ]
    assert [(q["live_version"]["status"], q["live_version"]["page"], q["live_version"]["pdf_page"]) for q in first] == [
        ("same page", "1", 1),
        ("gone", None, None),
        ("moved", "3", 3),
    ]
