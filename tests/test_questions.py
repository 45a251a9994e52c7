"""Questions are checked at the door: empty or whitespace is refused, a length limit holds before any
work (CLI, page API), spelling correction has a ceiling on its cost, and an unknown kind is an error."""

from __future__ import annotations

import difflib
import random
import string

import pytest
from conftest import run_cli

from assistant import terms
from assistant.question import QuestionError
from ingest.manifest import KINDS


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_an_empty_question_is_refused_before_any_search(question, corpus_components, embed_counter):
    with pytest.raises(QuestionError, match="the question is empty"):
        corpus_components.assistant.ask(question)
    assert embed_counter.calls == 0


def test_a_question_over_the_limit_is_refused_before_any_work(corpus_components, embed_counter, monkeypatch):
    assistant = corpus_components.assistant
    looked_up = []
    monkeypatch.setattr(assistant.stats, "correct", lambda text: looked_up.append(text) or text)
    too_long = "What did the pilots find? " * 200  # 5,200 characters; the default limit is 4,000
    with pytest.raises(
        QuestionError,
        match=r"5199 characters long, more than the limit of 4000 "
        r"\(REPORT_ASSISTANT_MAX_QUESTION_CHARS\)",
    ):
        assistant.ask(too_long)
    assert embed_counter.calls == 0 and looked_up == []
    answer = assistant.ask("What did the pilots find? " * 100)  # 2,600 characters: under the limit, searched
    assert answer.text and embed_counter.calls > 0 and looked_up


def test_spelling_correction_looks_up_a_bounded_number_of_words(corpus_components, monkeypatch):
    calls = []
    real = difflib.get_close_matches
    monkeypatch.setattr(terms.difflib, "get_close_matches", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    rng = random.Random(12)
    invented = " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 12))) for _ in range(600))
    stats = corpus_components.assistant.stats
    corrected = stats.correct(invented)
    assert len(calls) == terms.MAX_CORRECTIONS
    assert len(corrected.split()) == 600
    calls.clear()
    assert stats.correct("What evidence supports letting go of risk aversoin?").endswith("risk aversion?")
    assert calls == ["aversoin"]


def test_an_unknown_kind_is_an_error_listing_the_kinds(corpus_components):
    with pytest.raises(QuestionError, match="unknown kind 'nonsense'; kinds: " + ", ".join(KINDS)):
        corpus_components.assistant.ask("Which areas took part in the pilots?", kind="nonsense")
    answer = corpus_components.assistant.ask("Which areas took part in the pilots?", kind="case-study")
    assert all(c.doc_id.startswith("case-study-") for c in answer.citations)


def test_the_cli_refuses_with_one_line(corpus_components, tmp_path):
    data_dir = str(corpus_components.settings.data_dir)
    cases = [
        (["ask", "  "], {}, "error: the question is empty"),
        (
            ["ask", "x" * 61],
            {"REPORT_ASSISTANT_MAX_QUESTION_CHARS": "60"},
            "61 characters long, more than the limit of 60",
        ),
        (["ask", "Which areas were pilots?", "--kind", "nonsense"], {}, "unknown kind 'nonsense'; kinds: report"),
    ]
    for args, env, expected in cases:
        result = run_cli("--data-dir", data_dir, *args, cwd=tmp_path, env=env)
        assert result.returncode == 2 and result.stdout == "", (args, result.stdout)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert expected in result.stderr, result.stderr
