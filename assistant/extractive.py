"""The default answerer: no model writes anything; the answer is the best stored sentences, cited."""

from __future__ import annotations

import dataclasses
import difflib
import re

import numpy as np

from .evidence import Evidence, EvidenceFinder
from .lists import PageLists, counted, counted_noun, is_intro
from .question import Intent, list_fits
from .terms import content_terms

MAX_POINTS = 6
RELATIVE_FLOOR = 0.6  # keep sentences scoring at least this share of the best one
REASONS_FLOOR = 0.45  # ... and for "why" / "what evidence" questions
SUPPORT_SHARE = 0.5  # a further point covers at least this share of the first line's question words
NEAR_DUPLICATE = 0.92  # cosine above which two sentences say the same thing
SAME_SHAPE = 0.85  # ... and word-sequence likeness, names and figures masked, above which they are one template
SAME_WORDS = 0.6  # ... or shared content words (of all either has), above which they tell one fact
SAME_WORDS_MIN = 6  # ... of sentences with at least this many content words
SHAPE_MIN_WORDS = 8  # shorter sentences are too short to call a template
SHORT_LEAD_WORDS = 14  # a first line this short may only announce what its paragraph goes on to say
PART_COVERED = 0.5  # a point holding this share of a question part's words answers that part
PART_FOUND = 0.4  # ... and a sentence holding this share may be added to answer it
PART_NEIGHBOURS = 3  # sentences after the first line on its page considered for a further part
PART_SCORE_WEIGHT = 0.1  # ... ranked by the part's words first, by closeness to the whole question next
LIST_POOL = 12  # sentences whose lists are considered for a list answer
LIST_FLOOR = 0.75  # ... scoring at least this share of the best one
ITEM_ANCHOR_WEIGHT = 0.9  # a list found from one of its items, not its introduction, counts for less
COUNT_BONUS = 0.15  # a list of the number of items asked for is preferred
ITEM_MATCH_WEIGHT = 0.25  # ... and one whose items share the question's words
HEAD_BONUS = 0.1  # ... and one whose introduction names what the question asks for

# "Page 2 sets out Locality's central belief.", "NEF Consulting names two key barriers.": a sentence
# that names what is told without telling it (no "that", "as", "how" or colon after its verb), whose
# next sentence therefore belongs on the same line
_ANNOUNCES = re.compile(
    r"\b(sets? out|names?|lists?|describes?|identif(?:y|ies)|outlines?|summari[sz]es?|presents?|"
    r"introduces?|discusses?|covers?|highlights?)\b(?![^.]*(\b(that|as|how|why|what|which|who)\b|[:;]))[^.]*\.$",
    re.I,
)


def contact_line(quote: str) -> bool:
    """ "Tax Operate Leader, Deloitte Tax LLP jd@deloitte.com": who to contact, not what the report says."""
    return bool(re.search(r"\S@\w[\w-]*\.\w", quote))


def title_like(quote: str) -> bool:
    """A caption or title ("Incident Response Life Cycle (Detection and Analysis)"): a few
    capitalised words with no sentence ending. It names a thing; it does not answer."""
    words = _line_words(quote)
    if not words:
        return False
    worded = any(w.islower() and len(w) > 3 for w in words)  # "CCIPS CERIAS CERT CIO CIRC ..." is not
    if len(words) > 10 and worded:
        return False
    if contact_line(quote):
        return True
    if re.search(r"[\d|,:]", quote):  # a table row, a date line or "Name, Role, Organisation" says something
        return False
    if not worded:  # a run of labels
        return True
    return sum(w[0].isupper() for w in words if len(w) > 3) >= 0.8 * max(1, sum(len(w) > 3 for w in words))


def names_only(quote: str) -> bool:
    """A line of names and titles ("St Mary the Virgin, Witney", "Jane Smith, Head of Tax, Haleon"): it
    can say who or which, nothing more."""
    words = _line_words(quote)
    if not words or len(words) > 10 or re.search(r"[\d|:]", quote):
        return False
    named = [w for w in words if len(w) > 3]
    return bool(named) and all(w[0].isupper() for w in named)


def _line_words(quote: str) -> list[str]:
    """The words of a line that does not end as a sentence does; [] for a sentence."""
    if quote.rstrip().endswith((".", "!", "?", ":", ";")):
        return []
    return [w for w in quote.split() if w[:1].isalpha()]


# "See http://www.cert.org/csirts/ for more information.": where to read more, not a point
_POINTER = re.compile(r"^(see|for (more|further) (information|details)|further (information|details))\b", re.I)


def points_elsewhere(quote: str) -> bool:
    return bool(_POINTER.match(quote))


def asks(quote: str) -> bool:
    """A stored question (a scenario's or a FAQ's) asks; it does not answer."""
    return quote.rstrip().rstrip("\"'”’)").endswith("?")


def select_sentences(
    ranked: list[Evidence], finder: EvidenceFinder, lead: Evidence | None = None, reasons: bool = False
) -> list[Evidence]:
    """Best sentences, without near-duplicates. `lead` is the sentence that answers the question
    directly; `reasons` widens the net for "why" questions, whose reasons are often stated in
    several places."""
    if not ranked:
        return []
    best = ranked[0].score
    share = REASONS_FLOOR if reasons else RELATIVE_FLOOR
    # a point must stand on its own words and meaning, not only on the paragraph around it
    own_floor = share * max(_own(e) for e in ranked)
    chosen: list[Evidence] = []
    chosen_vectors: list[np.ndarray] = []
    if lead is not None and lead.title_line:
        return [lead]  # a title page's line ("January 2012") answers alone: no sentence around it adds to it
    if lead is not None and contact_line(lead.quote):  # who to contact: the other contacts, not prose
        contacts = [lead] + [e for e in ranked if e is not lead and contact_line(e.quote)][: MAX_POINTS - 1]
        return [_with_name(e, finder) for e in contacts]
    if lead is not None:
        ranked = [lead] + [e for e in ranked if e is not lead]
    for item in ranked:
        if len(chosen) >= MAX_POINTS:
            break
        if (
            item.score < share * best
            or _own(item) < own_floor
            or title_like(item.quote)
            or is_intro(item.quote)
            or asks(item.quote)
            or points_elsewhere(item.quote)
            or item.title_line  # a title page's line is no sentence of support
        ) and item is not lead:
            continue  # an introduction without its list says nothing
        # a further point must share much of what the first line shares with the question, or it
        # is merely nearby; "why" questions take reasons from wherever the library gives them
        if chosen and not reasons and item.coverage < SUPPORT_SHARE * chosen[0].coverage:
            continue
        vector = finder.vectors([item])[0]
        # the same sentence on two pages (a summary repeating the report) has two different
        # contextual vectors, so equal text is checked as well as the cosine
        if (
            any(item.quote == other.quote for other in chosen)
            or any(float(vector @ other) > NEAR_DUPLICATE for other in chosen_vectors)
            or any(same_shape(item.quote, other.quote) or same_words(item, other) for other in chosen)
        ):
            continue
        chosen.append(item)
        chosen_vectors.append(vector)
    return chosen


def _with_name(contact: Evidence, finder: EvidenceFinder) -> Evidence:
    """A contact line shown with the name on the line above it ("Emily VanVleet, Tax Operate Leader ...")."""
    above = finder.page_text(contact.doc_key, contact.page_index)[: contact.start].strip().splitlines()
    name = " ".join(above[-1].lstrip("#").split()) if above else ""  # a name set as a heading, too
    if not (2 <= len(name.split()) <= 4 and title_like(name) and not contact_line(name)):
        return contact
    return dataclasses.replace(contact, shown=f"{name}, {contact.quote}")


def same_words(a: Evidence, b: Evidence) -> bool:
    """Whether two sentences tell one fact in nearly the same words ("the report was launched at
    Locality's 2017 conference" and "places the launch of the report at Locality's 2017 conference"):
    their contextual vectors can differ when they sit in different passages."""
    if "|" in a.quote or "|" in b.quote or min(len(a.terms), len(b.terms)) < SAME_WORDS_MIN:
        return False
    if set(re.findall(r"\d+", a.quote)) != set(re.findall(r"\d+", b.quote)):
        return False  # "page 43 of the full report" and "page 5 of the summary" are two facts
    return len(a.terms & b.terms) / len(a.terms | b.terms) >= SAME_WORDS


def same_shape(a: str, b: str) -> bool:
    """Whether two sentences say the same with other names or figures ("Bristol was one of the six
    pilot areas; the other five were ..." and "Dorset was one of ..."): a repeat, not more support."""
    if "|" in a or "|" in b:
        return False  # rows of one table share their shape by design; each is its own record
    shape_a, shape_b = _shape(a), _shape(b)
    return len(shape_a) >= SHAPE_MIN_WORDS and difflib.SequenceMatcher(None, shape_a, shape_b).ratio() >= SAME_SHAPE


def _shape(sentence: str) -> list[str]:
    return [
        "#" if w[:1].isupper() or w[:1].isdigit() else w for w in re.findall(r"[\w'’£$%.,-]+", sentence) if w[:1] != "."
    ][1:]  # the first word is capitalised anyway


def _own(e: Evidence) -> float:
    return 0.5 * e.dense + 0.5 * e.coverage


def list_answer(intent: Intent, ranked: list[Evidence], finder: EvidenceFinder, lists: PageLists) -> list[Evidence]:
    """The items of the list the question asks for, in the document's order, or [] when no close
    sentence introduces or belongs to a list. A sentence that enumerates the items itself ("three
    routes: employing local people, ...") competes with the lists; a list of the number asked for
    is preferred, one with fewer items is not."""
    if not ranked:
        return []
    floor = ranked[0].score * LIST_FLOOR
    best, best_score, seen = None, 0.0, set()
    for anchor in ranked[:LIST_POOL]:
        if anchor.score < floor:
            break
        score = anchor.score + (COUNT_BONUS if intent.count and counted(anchor.quote) == intent.count else 0.0)
        score += HEAD_BONUS if _announces(anchor.quote, intent.asked_for) else 0.0
        if _enumerates(anchor.quote) and not is_intro(anchor.quote) and score > best_score:
            best, best_score = [anchor], score
        intro, items = lists.list_at(anchor.doc_key, anchor.page_index, anchor.start, intent.count)
        key = (anchor.doc_key, items[0].page_index, items[0].start) if items else None
        if len(items) < 2 or key in seen:
            continue
        seen.add(key)
        introduced = not anchor.is_bullet or is_intro(anchor.quote)
        score = anchor.score * (1.0 if introduced else ITEM_ANCHOR_WEIGHT)
        score += HEAD_BONUS if _announces(intro or anchor.quote, intent.asked_for) else 0.0
        if intent.count:
            score += COUNT_BONUS if len(items) == intent.count else -COUNT_BONUS if len(items) < intent.count else 0.0
        evidence = [
            e
            for e in (
                finder.span_evidence(anchor.doc_key, item.page_index, item.start, item.end, anchor.hit_rank, item.shown)
                for item in items
            )
            if e
        ]
        if any(contact_line(e.quote) for e in evidence):
            continue  # a contacts page is no list of what was asked
        if not list_fits(intent, intro, [e.quote for e in evidence], finder.stats, counted_noun(intro)):
            continue
        # the items themselves should be about what was asked, not merely follow a close sentence
        score += ITEM_MATCH_WEIGHT * sum(finder.stats.coverage(intent.focus, e.terms) for e in evidence) / len(items)
        if score > best_score:
            best, best_score = evidence, score
    return best if best and len(best) > 1 else []


def _announces(sentence: str, asked_for: list[str]) -> bool:
    """Whether a list's introduction names what the question asks for ("Possible structures ...
    include the following:" for "what team structure models ..."), and not something else ("...
    consider the following factors:")."""
    following = re.search(r"\bthe following\s+([\w-]+)", sentence, re.I)
    if following and not set(content_terms(following.group(1))) & set(asked_for):
        return False
    return bool(set(asked_for) & set(content_terms(sentence)))


def _enumerates(sentence: str) -> bool:
    """Whether a sentence lists three or more things itself ("A, B and C", semicolons, '(ii)')."""
    tail = sentence.split(":", 1)[1] if ":" in sentence[:-1] else sentence
    return len(re.findall(r"[,;]|\(\w{1,4}\)|\band\b", tail)) >= 2


_SECOND_PART = re.compile(
    r",?\s+and\s+(?=(?:what|where|when|who|whom|how|which|why|through whom|to whom|in which|"
    r"on what|at what)\b)",
    re.I,
)


def with_continuation(chosen: list[Evidence], finder: EvidenceFinder) -> list[Evidence]:
    """A short first line that announces what its paragraph goes on to say ("Page 2 ... sets out
    Locality's central belief.") is followed by the sentence that says it."""
    if not chosen or len(chosen[0].quote.split()) > SHORT_LEAD_WORDS:
        return chosen
    text = finder.page_text(chosen[0].doc_key, chosen[0].page_index)
    paragraph_end = text.find("\n\n", chosen[0].start)
    page = finder.page_sentences(chosen[0])
    following = next((e for e in page if e.start > chosen[0].start and not e.is_bullet), None)
    if (
        following is None
        or (paragraph_end != -1 and following.start > paragraph_end)
        or following.quote in {e.quote for e in chosen}
        or asks(following.quote)
        or is_intro(following.quote)  # an introduction without its list says nothing
    ):
        return chosen
    following = dataclasses.replace(following, continues=bool(_ANNOUNCES.search(chosen[0].quote)))
    return chosen[:1] + [following] + chosen[1 : MAX_POINTS - 1]


# "This is appreciated by the young people themselves": a sentence that points back to the one before
# (not "This section describes ...": that points at the document, which needs no sentence before it)
_POINTS_BACK = re.compile(
    r"^(this|these|that|those|such|they|their|he|she)\b(?!\s+(section|chapter|document|report|publication|"
    r"guide|paper|study|survey|appendix|figure|table|page|part|book|review|audit)s?\b)",
    re.I,
)


def with_antecedent(chosen: list[Evidence], finder: EvidenceFinder) -> list[Evidence]:
    """A first line that points back ("This is appreciated by ...") is preceded, on the same line, by
    the sentence of its paragraph it points back to, so that it can be read and quoted."""
    if not chosen or not _POINTS_BACK.match(chosen[0].quote):
        return chosen
    lead = chosen[0]
    before = [e for e in finder.page_sentences(lead) if e.start < lead.start and not e.is_bullet]
    if not before or "\n\n" in finder.page_text(lead.doc_key, lead.page_index)[before[-1].start : lead.start]:
        return chosen  # it opens its paragraph: what it points back to is not a sentence away
    antecedent = before[-1]
    rest = [e for e in chosen[1:] if e.quote != antecedent.quote]
    return [antecedent, dataclasses.replace(lead, continues=True)] + rest[: MAX_POINTS - 2]


def with_parts(chosen: list[Evidence], ranked: list[Evidence], question: str, finder: EvidenceFinder) -> list[Evidence]:
    """A question of two parts ("what is chapter 1 called, and where does it start?") gets, after
    the first line, the best sentence for each further part that the answer does not cover yet:
    from the close sentences, or the few that follow the first line on its page."""
    parts = _SECOND_PART.split(question)[1:]
    if not parts or not chosen:
        return chosen
    page = finder.page_sentences(chosen[0])
    at = next((i for i, e in enumerate(page) if e.start == chosen[0].start), len(page))
    candidates = ranked + page[at + 1 : at + 1 + PART_NEIGHBOURS]
    for part in parts:
        terms = content_terms(part)
        if not terms or any(finder.stats.coverage(terms, e.terms) >= PART_COVERED for e in chosen):
            continue
        best = max(candidates, key=lambda e: finder.stats.coverage(terms, e.terms) + PART_SCORE_WEIGHT * e.score)
        if (
            finder.stats.coverage(terms, best.terms) >= PART_FOUND
            and best.quote not in {e.quote for e in chosen}
            and not is_intro(best.quote)
        ):
            chosen = chosen[:1] + [best] + chosen[1 : MAX_POINTS - 1]
    return chosen


_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
# "The fifth stage of an LM3 study is ...": one of a numbered series, named by its noun
_IN_SERIES = re.compile(rf"^(?:the\s+)?({'|'.join(_ORDINALS)})\s+(\w+)", re.I)


def in_series_order(chosen: list[Evidence], question: str) -> list[Evidence]:
    """Sentences of one numbered series ("the fifth stage", "the first stage") are shown in their
    order, in the places they hold, unless the question asks for one of them by its number."""
    if re.search(rf"\b({'|'.join(_ORDINALS)})\b", question, re.I):
        return chosen
    series: dict[str, list[int]] = {}
    for at, e in enumerate(chosen):
        match = _IN_SERIES.match(e.quote)
        if match:
            series.setdefault(match.group(2).lower(), []).append(at)
    ordered = list(chosen)
    for places in series.values():
        members = sorted(
            (chosen[at] for at in places), key=lambda e: _ORDINALS.index(_IN_SERIES.match(e.quote).group(1).lower())
        )
        for at, e in zip(places, members):
            ordered[at] = e
    return ordered
