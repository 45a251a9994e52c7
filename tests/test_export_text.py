"""The exported conversation is text: a question or quote holding HTML or Markdown image syntax cannot
make a Markdown viewer load or run anything."""

from __future__ import annotations

import datetime as dt

from assistant.answer_record import Answer
from assistant.citation import AnswerSentence, Citation
from assistant.export import conversation_markdown


def test_questions_answers_and_quotes_are_exported_as_text():
    hostile = '<img src="http://198.51.100.7/q.png"> ![x](http://198.51.100.7/i.png) <script>alert(1)</script>'
    turn = Answer(
        question=f"{hostile} what\nabout spending?",
        text=f"Councils should act. {hostile} [1]",
        abstained=False,
        mode="extractive",
        sentences=[AnswerSentence(f"Councils should act. {hostile}", True, 1, 1.0)],
        citations=[Citation("d", f"Title {hostile}", "3", None, None, 1, f"A quote\n\n# not a heading {hostile}")],
    )
    text = conversation_markdown([turn], [], now=dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc))
    assert "<img" not in text and "<script" not in text and "![" not in text, text
    assert '&lt;img src="http://198.51.100.7/q.png">' in text  # still readable as what was written
    assert "## Q1: &lt;img" in text and text.count("\n## ") == 1  # a question is one heading line
    assert "Quote: “A quote # not a heading" in text  # a quote stays on its footnote's line
