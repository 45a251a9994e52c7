"""The evaluation's metrics (evals/metrics.py): deterministic, on pages and strings."""

from __future__ import annotations

import pytest

from evals import metrics

A1, A2, B3 = ("a", "1"), ("a", "2"), ("b", "3")


def test_pages_count_once_in_rank_order():
    assert metrics.ranked_pages([A1, A1, B3, A1, A2]) == [A1, B3, A2]


def test_retrieval_scores():
    assert metrics.retrieval_scores([A1, B3], {A1}) == {"hit@1": 1.0, "hit@5": 1.0, "mrr": 1.0, "ndcg@10": 1.0}
    second = metrics.retrieval_scores([B3, A1], {A1})
    assert (second["hit@1"], second["hit@5"], second["mrr"]) == (0.0, 1.0, 0.5)
    assert second["ndcg@10"] == pytest.approx(0.6309, abs=1e-4)  # 1 / log2(3)
    assert metrics.retrieval_scores([("c", str(i)) for i in range(6)] + [A1], {A1})["hit@5"] == 0.0
    assert metrics.retrieval_scores([], {A1})["mrr"] == 0.0


def test_citation_scores():
    assert metrics.citation_scores([A1, B3], {A1}) == {"citation_precision": 0.5, "citation_recall": 1.0}
    assert metrics.citation_scores([], {A1}) == {"citation_precision": None, "citation_recall": 0.0}


def test_facts_and_the_lead_line():
    answer = "Six areas took part: Bradford and Bristol. [1]\n- Shropshire worked with “Wem Town Hall”. [2]"
    assert metrics.fact_recall(answer, ["bradford", '"wem town hall"', "/shrop\\w+/", "Dorset"]) == 0.75
    assert metrics.fact_recall(answer, []) is None
    assert metrics.lead_accuracy(answer, ["Bristol"]) == 1.0
    assert metrics.lead_accuracy(answer, ["Shropshire"]) == 0.0  # not in the first line
    assert metrics.lead_line("\n\n  \nfirst\nsecond") == "first"


def test_quotes_are_matched_with_typography_and_spacing_folded():
    assert metrics.quote_valid("councils’ “letting go” – slowly", 'Councils\'  "letting go" - slowly, said X.')
    assert not metrics.quote_valid("councils let go", "Councils did not let go.")


def test_abstention_scores():
    rows = [
        {"abstained": True, "must_abstain": True},
        {"abstained": True, "must_abstain": False},
        {"abstained": False, "must_abstain": True},
        {"abstained": False, "must_abstain": False},
        {"abstained": False, "must_abstain": False},
    ]
    assert metrics.abstention_scores(rows) == {
        "abstain_precision": 0.5,
        "abstain_recall": 0.5,
        "false_abstains": 1,
        "false_answers": 1,
        "answered_share": 2 / 3,
        "refused_share": 0.5,
    }


def test_percentile_mean_and_aggregate():
    assert metrics.percentile([5, 1, 3, 2, 4], 0.5) == 3 and metrics.percentile([5, 1, 3, 2, 4], 0.95) == 5
    assert metrics.percentile([], 0.5) is None
    assert metrics.mean([1, None, 3]) == 2 and metrics.mean([None]) is None
    assert metrics.aggregate([{"x": 1}, {"x": 3}, {}], ["x"]) == {"x": 2}
