"""Deterministic metrics, no model judge: pages for retrieval and citations, strings for facts."""

from __future__ import annotations

import math
import re
import statistics

Page = tuple[str, str]  # (document id, printed page label)


def ranked_pages(pages: list[Page]) -> list[Page]:
    """Distinct pages in rank order (several chunks of one page count once)."""
    seen, out = set(), []
    for page in pages:
        if page not in seen:
            seen.add(page)
            out.append(page)
    return out


def retrieval_scores(ranked: list[Page], relevant: set[Page]) -> dict:
    ranks = [i for i, page in enumerate(ranked) if page in relevant]
    dcg = sum(1 / math.log2(i + 2) for i in ranks if i < 10)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return {
        "hit@1": float(bool(ranks) and ranks[0] == 0),
        "hit@5": float(bool(ranks) and ranks[0] < 5),
        "mrr": 1 / (ranks[0] + 1) if ranks else 0.0,
        "ndcg@10": dcg / ideal if ideal else 0.0,
    }


def citation_scores(cited: list[Page], relevant: set[Page]) -> dict:
    """Precision: share of cited pages that are acceptable. Recall: whether at least one
    acceptable page is cited (questions often have several equally good pages)."""
    if not cited:
        return {"citation_precision": None, "citation_recall": 0.0}
    good = sum(page in relevant for page in cited)
    return {"citation_precision": good / len(cited), "citation_recall": float(good > 0)}


def fact_recall(answer: str, facts: list[str]) -> float | None:
    if not facts:
        return None
    return sum(_fact_found(answer, fact) for fact in facts) / len(facts)


def lead_line(answer: str) -> str:
    """The first non-empty line of an answer: what a reader sees first."""
    return next((line for line in answer.splitlines() if line.strip()), "")


def lead_accuracy(answer: str, facts: list[str]) -> float | None:
    """1.0 when at least one key fact is in the answer's first line (for a one-fact question: that
    fact), else 0.0; None for a question without facts. An abstention scores 0 on answerable ones."""
    if not facts:
        return None
    line = lead_line(answer)
    return float(any(_fact_found(line, fact) for fact in facts))


def _fact_found(answer: str, fact: str) -> bool:
    if len(fact) > 2 and fact.startswith("/") and fact.endswith("/"):
        return re.search(fact[1:-1], answer, re.I) is not None
    return normalise(fact) in normalise(answer)


def normalise(text: str) -> str:
    """Case, whitespace and typographic quotes/dashes folded, for substring checks."""
    text = text.lower().translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))
    return " ".join(text.split())


def quote_valid(quote: str, page_text: str) -> bool:
    return normalise(quote) in normalise(page_text)


def abstention_scores(results: list[dict]) -> dict:
    """Abstention precision and recall, the wrong decisions counted, and the two shares a reader
    asks about: answerable questions answered, must-refuse questions refused (= abstention recall)."""
    abstained = [r for r in results if r["abstained"]]
    should = [r for r in results if r["must_abstain"]]
    correct = [r for r in abstained if r["must_abstain"]]
    answerable = len(results) - len(should)
    false_abstains = len(abstained) - len(correct)
    return {
        "abstain_precision": len(correct) / len(abstained) if abstained else None,
        "abstain_recall": len(correct) / len(should) if should else None,
        "false_abstains": false_abstains,
        "false_answers": len(should) - len(correct),
        "answered_share": (answerable - false_abstains) / answerable if answerable else None,
        "refused_share": len(correct) / len(should) if should else None,
    }


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def mean(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def aggregate(results: list[dict], keys: list[str]) -> dict:
    return {key: mean([r.get(key) for r in results]) for key in keys}
