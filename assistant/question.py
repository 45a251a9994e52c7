"""What a question asks for, and whether a stored sentence gives it.

A question asks for an amount, a date, named things, a list, a reason, or a fact, about some
focus. A sentence answers it only if it gives that kind of thing and is about the focus: the
question's rare names (a place, a product, an organisation) must be in the sentence or in the
document or section it belongs to. Decided from the words of the question and the statistics of
the library, so it holds on documents nobody here has seen.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .terms import STOPWORDS, TermStats, content_terms

_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
                 "fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|half|"
                 "quarter|third|majority|minority|per cent|percent")
_COUNT = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_AMOUNT_QUESTION = re.compile(
    r"\bhow (much|many|large|big|high|long|often)\b|\bwhat (percentage|proportion|share|fraction|number|amount)\b|"
    r"\bwhat (is|was|were|are) the (\w+ )?(cost|costs|budget|price|salary|revenue|turnover|total|figure|"
    r"percentage|proportion|rate)\b", re.I)
_AMOUNT_CUE = re.compile(r"\b(cost|costs|budget|price|salary|revenue|turnover)\b", re.I)
_DATE_QUESTION = re.compile(r"^\s*when\b|\bwhat (year|date|month|day)\b|\bwhich (year|date|month)\b|\bsince when\b", re.I)
# "which organisations ...?", "what countries ...?": the answer names them
_NAME_QUESTION = re.compile(
    r"^\s*(which|what|name the|list the)\s+(?!(?:did|do|does|is|are|was|were|has|have|had|can|could|will|would|"
    r"should)\b)(\w+\s+)?(organi[sz]ations?|groups?|partners?|councils?|places?|areas?|countries|country|companies|"
    r"company|people|persons?|authors?|charit(y|ies)|bodies|body|agenc(y|ies)|institutions?|firms?|banks?|towns?|"
    r"cities|city|members?|funders?|anchors?|products?|vendors?|tools?|departments?|regions?|universities|"
    r"schools?|churches|providers?)\b", re.I)
_REASON_QUESTION = re.compile(r"^\s*why\b|\bwhat (evidence|reasons?|causes?|explains?)\b|\bhow come\b|\bon what basis\b",
                              re.I)
_LIST_QUESTION = re.compile(
    rf"\b(what|which) (are|were)\b|\blist\b|\bname the\b|\b({'|'.join(_COUNT)}|\d+) (\w+ )?(\w+s)\b|"
    r"\bkinds? of\b|\btypes? of\b|\bways?\b|\bsteps\b|\bphases\b|\bstages\b", re.I)
_HAS_NUMBER = re.compile(rf"\d|[£$€%]|\b({_NUMBER_WORDS})\b", re.I)
_HAS_DATE = re.compile(r"\b(1[89]|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|"
                       r"october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b", re.I)
_NAME = re.compile(r"\b(?:[A-Z][\w'’&.-]*[a-z0-9][\w'’&.-]*|[A-Z]{2,}[0-9]*)(?:\s+(?:of|the|and|for|&)?\s*"
                   r"(?:[A-Z][\w'’&.-]*|[A-Z]{2,}[0-9]*))*")
# "According to X, ..." and "X says ..." name a source, not the answer
_ATTRIBUTION = re.compile(r"^\s*according to [^,]+,|^[^,.;]{0,60}?\b(says|said|reports?|notes?|observes?|argues?|"
                          r"writes?|explains?|describes?|states?|gives?|finds?|found|concludes?|recommends?)\b", re.I)
ANCHOR_SHARE = 0.2     # a question's name in more than this share of chunks is the library's subject, not a focus
NAME_SHARE = 0.35      # an answer's name in more than this share of chunks is the library's subject, not news
# the share of the question's other (rarity-weighted) words a sentence giving a figure, a date or
# names must hold, so that it is about what was asked
TYPED_COVERAGE = {"amount": 0.5, "date": 0.5, "name": 0.25}


@dataclass
class Intent:
    kind: str                      # amount | date | name | reason | list | fact
    count: int | None = None       # "the three approaches" → 3
    anchors: list[str] = field(default_factory=list)   # rare names that the answer must be about
    focus: list[str] = field(default_factory=list)     # the question's content terms
    heads: list[str] = field(default_factory=list)     # what an amount is of ("jobs", "budget")


def analyse(question: str, stats: TermStats, focus: list[str] | None = None) -> Intent:
    """`focus`: the terms searched for, when a follow-up carries an earlier question's subject."""
    if _AMOUNT_QUESTION.search(question):
        kind = "amount"
    elif _DATE_QUESTION.search(question):
        kind = "date"
    elif _NAME_QUESTION.search(question):
        kind = "name"
    elif _REASON_QUESTION.search(question):
        kind = "reason"
    elif _LIST_QUESTION.search(question):
        kind = "list"
    else:
        kind = "fact"
    count = next((_COUNT.get(m.group(1).lower(), None) or (int(m.group(1)) if m.group(1).isdigit() else None)
                  for m in re.finditer(rf"\b({'|'.join(_COUNT)}|\d+)\s+(\w+\s+)?\w+s\b", question, re.I)), None)
    return Intent(kind=kind, count=count, anchors=_anchors(question, stats),
                  focus=focus if focus is not None else content_terms(question),
                  heads=_amount_heads(question) if kind == "amount" else [])


def _amount_heads(question: str) -> list[str]:
    """What an amount is of: the noun after 'how many'/'what percentage of', or a cue noun
    ('budget', 'cost'); a sentence giving a figure must name it."""
    heads = [m.group(1) for m in re.finditer(
        r"\b(?:how many|number of|percentage of|proportion of|share of)\s+(?:the\s+)?([a-z]+)", question, re.I)]
    heads += [m.group(1) for m in _AMOUNT_CUE.finditer(question)]
    return [t for h in heads for t in content_terms(h)]


def _anchors(question: str, stats: TermStats) -> list[str]:
    """Names in the question (capitalised after the first word, or acronyms) that few chunks use,
    or words neither the library nor the embedder's English vocabulary knows."""
    tokens = question.split()
    out = []
    for position, token in enumerate(tokens):
        word = re.sub(r"^\W+|\W+$", "", token)
        word = re.sub(r"['’]s$", "", word)
        if len(word) < 2 or word.lower() in STOPWORDS:
            continue
        capitalised = (position > 0 and word[0].isupper()) or (word.isupper() and len(word) > 1)
        terms = content_terms(word)
        if not terms:
            continue
        share = stats.df.get(terms[0], 0) / stats.n
        unknown = not stats.known(terms[0]) and word.lower() not in stats.dictionary
        if (capitalised and share < ANCHOR_SHARE) or unknown:
            out.append(terms[0])
    return out


def gives_answer(intent: Intent, sentence: str, context: str, stats: TermStats) -> bool:
    """Whether a sentence (with the title and section it sits in as `context`) can lead an answer."""
    sentence_terms = set(content_terms(sentence))
    if any(anchor not in sentence_terms | set(content_terms(context)) for anchor in intent.anchors):
        return False
    # a figure or a date only answers when the sentence is about what the question asks the figure of
    # what the figure is of (the heads) counts twice
    about = stats.coverage([t for t in intent.focus + intent.heads if t not in intent.anchors], sentence_terms)
    if intent.kind == "amount":
        return bool(_HAS_NUMBER.search(sentence)) and about >= TYPED_COVERAGE["amount"]
    if intent.kind == "date":
        return bool(_HAS_DATE.search(sentence)) and about >= TYPED_COVERAGE["date"]
    if intent.kind == "name":
        return bool(new_names(sentence, set(intent.focus), stats)) and about >= TYPED_COVERAGE["name"]
    return True


def new_names(sentence: str, question_terms: set[str], stats: TermStats) -> list[str]:
    """Names in a sentence other than its source's, the question's own and the library's subject
    (a name most chunks use, like the report's own title)."""
    body = _ATTRIBUTION.sub("", sentence, count=1)
    out = []
    for match in _NAME.finditer(body):
        name = match.group(0).rstrip(".'’")
        if match.start() == 0 and len(name.split()) == 1:
            continue  # a capitalised first word is just the start of the sentence
        terms = set(content_terms(name))
        new = terms - question_terms  # "Shropshire Council" answers "which council?"
        if new and min(stats.df.get(t, 0) for t in new) / stats.n < NAME_SHARE:
            out.append(name)
    return out


def describe(intent: Intent) -> str:
    """What was missing, for a refusal: 'an amount', 'a date', 'a name' or ''."""
    return {"amount": "an amount", "date": "a date", "name": "a name"}.get(intent.kind, "")

