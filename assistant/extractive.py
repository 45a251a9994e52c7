"""The default answerer: no model writes anything; the answer is the best stored sentences, cited."""
from __future__ import annotations

import re

import numpy as np

from .evidence import Evidence, EvidenceFinder
from .question import asks_for_list
from .terms import content_terms

MAX_POINTS = 6
MAX_LIST_ITEMS = 12
RELATIVE_FLOOR = 0.6    # keep sentences scoring at least this share of the best one
REASONS_FLOOR = 0.45    # ... and for "why" / "what evidence" questions
SUPPORT_SHARE = 0.5     # a further point covers at least this share of the first line's question words
NEAR_DUPLICATE = 0.92   # cosine above which two sentences say the same thing
LIST_MATCH_MARGIN = 0.25  # a later list must match the question this much better to be preferred


def title_like(quote: str) -> bool:
    """A caption or title ("Incident Response Life Cycle (Detection and Analysis)"): a few
    capitalised words with no sentence ending. It names a thing; it does not answer."""
    words = [w for w in quote.split() if w[:1].isalpha()]
    if quote.rstrip().endswith((".", "!", "?", ":", ";")) or len(words) > 10 or not words:
        return False
    if re.search(r"[\d|,:]", quote):  # a table row, a date line or "Name, Role, Organisation" says something
        return False
    return sum(w[0].isupper() for w in words if len(w) > 3) >= 0.8 * max(1, sum(len(w) > 3 for w in words))


def select_sentences(question: str, ranked: list[Evidence], finder: EvidenceFinder,
                     asked: str | None = None, lead: Evidence | None = None,
                     reasons: bool = False) -> list[Evidence]:
    """Best sentences, without near-duplicates; for list questions, the whole list they belong to.
    `asked` is the user's own question when `question` also carries an earlier turn's subject;
    `lead` is the sentence that answers it directly; `reasons` widens the net for "why" questions,
    whose reasons are often stated in several places."""
    if not ranked:
        return []
    best = ranked[0].score
    floor = best * (REASONS_FLOOR if reasons else RELATIVE_FLOOR)
    chosen: list[Evidence] = []
    chosen_vectors: list[np.ndarray] = []
    if lead is not None:
        ranked = [lead] + [e for e in ranked if e is not lead]
    for item in ranked:
        if len(chosen) >= MAX_POINTS:
            break
        if (item.score < floor or title_like(item.quote)) and item is not lead:
            continue
        # a further point must share much of what the first line shares with the question, or it
        # is merely nearby; "why" questions take reasons from wherever the library gives them
        if chosen and not reasons and item.coverage < SUPPORT_SHARE * chosen[0].coverage:
            continue
        vector = finder.vectors([item])[0]
        # the same sentence on two pages (a summary repeating the report) has two different
        # contextual vectors, so equal text is checked as well as the cosine
        if any(item.quote == other.quote for other in chosen) \
                or any(float(vector @ other) > NEAR_DUPLICATE for other in chosen_vectors):
            continue
        chosen.append(item)
        chosen_vectors.append(vector)
    if asks_for_list(question):
        chosen = _with_whole_list(chosen, finder, content_terms(asked or question))
    return chosen


def _with_whole_list(chosen: list[Evidence], finder: EvidenceFinder, terms: list[str]) -> list[Evidence]:
    """Add the whole list that a chosen bullet (or list introduction) belongs to, so 'the seven X'
    brings all seven. When the chosen sentences touch several lists, the one whose items best match
    the question's words wins (a follow-up "who were its anchor organisations?" wants the list of
    organisations, not the list of the workshop's aims); near-ties go to the better-ranked sentence."""
    candidates, seen = [], set()
    for anchor in chosen:
        page = finder.page_sentences(anchor)
        at = next((i for i, e in enumerate(page) if e.start == anchor.start), None)
        if at is None:
            continue
        if not anchor.is_bullet and at + 1 < len(page) and page[at + 1].is_bullet:
            at += 1  # a sentence that introduces a list
        if not page[at].is_bullet:
            continue
        first, last = _list_bounds(page, at)
        if (anchor.doc_key, anchor.page_index, first) in seen:
            continue
        seen.add((anchor.doc_key, anchor.page_index, first))
        items = page[first:last + 1]
        match = sum(finder.stats.coverage(terms, item.terms) for item in items) / len(items)
        candidates.append((match, page, at))
    if not candidates:
        return chosen
    best = max(match for match, _, _ in candidates)
    _, page, at = next(c for c in candidates if c[0] >= best - LIST_MATCH_MARGIN)
    return _list_block(chosen, page, at)


def _list_bounds(page: list[Evidence], at: int) -> tuple[int, int]:
    first, last = at, at
    while first > 0 and page[first - 1].is_bullet:
        first -= 1
    while last + 1 < len(page) and page[last + 1].is_bullet:
        last += 1
    return first, last


def _list_block(chosen: list[Evidence], page: list[Evidence], at: int) -> list[Evidence]:
    first, last = _list_bounds(page, at)
    intro = page[first - 1:first] if first > 0 else []  # the sentence that introduces the list
    block = intro + page[first:last + 1][:MAX_LIST_ITEMS]
    keys, quotes = {e.cache_key for e in block}, {e.quote for e in block}
    rest = [e for e in chosen if e.cache_key not in keys and e.quote not in quotes]
    lead = rest[:1] if rest and rest[0].score >= chosen[0].score else []
    return lead + block + rest[len(lead):len(lead) + 2]


def compose(chosen: list[Evidence]) -> tuple[str, list[Evidence]]:
    """A direct first line, then one point per further sentence, each with its citation marker."""
    lines = []
    for number, item in enumerate(chosen, start=1):
        text = f"{item.quote} [{number}]"
        lines.append(text if number == 1 else f"- {text}")
    return "\n".join(lines), chosen
