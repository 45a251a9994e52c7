"""The first line of an answer: the close stored sentence that gives what the question asks for.

Among the sentences scoring close to the best, those that give the kind of thing asked (question.py:
an amount, a date, a name of the kind asked, about the question's names) may lead. Captions never
do. Of those, the best is chosen with a small preference for the sentence that does what the
question asks: names more of the things "which ones?" asks for, names someone for "who ...?", gives a
month or a day for "when ...?", a time span for "when should ...?", a result for "what did it
find?", a cause for "why ...?", an
enumeration for "what are the ...?"; and against one that says what is not there, unless the
question is put that way.
"""

from __future__ import annotations

import itertools
import re

from .evidence import Evidence, EvidenceFinder
from .extractive import asks, contact_line, names_only, points_elsewhere, title_like
from .question import (
    AUTHORED,
    PERSON,
    Intent,
    defines,
    gives_answer,
    gives_count,
    gives_figure,
    names_asked_for,
    new_names,
    reason_given,
)
from .terms import content_terms

LEAD_POOL = 12  # sentences considered for the first line (the best ones that give what is asked)
LEAD_FLOOR = 0.6  # ... scoring at least this share of the best one
TYPED_LEAD_FLOOR = 0.4  # ... when it must give an amount, a date or names
NAME_BONUS = 0.1  # per name, when the question asks which ones (one name for "who ...?")
LIST_BONUS = 0.1  # per listed item (commas, 'and'), when the question asks for a list
CUE_BONUS = 0.15  # for a sentence that gives a cause ("why"), a month or day or a time span ("when")
VERB_BONUS = 0.15  # for a sentence that has the deed a "who ...?" question asks about ("funded")
NEGATIVE_PENALTY = 0.15  # for a sentence that says what is missing, when the question asks what is there
# "gives no page number", "is not known", "does not say": a statement that something is missing
_NEGATIVE = re.compile(
    r"\b(gives?|has|have|had|is|are|was|were|holds?|contains?|finds?|found) no\b|"
    r"\bnot (known|stated|given|identified|found|confirmed|verified|available|mentioned)\b|"
    r"\b(does|do|did|could|can)(n't| not) (say|give|identify|state|mention|describe|confirm|tell)\b|"
    r"\bno (text|detail|details|information|page|figures?|record)\b",
    re.I,
)
# "The section on the framework runs from page 6 to page 10" and
# "Section 3.2.4 discusses the value of centralized logging": where something is told, not what it says
_NAVIGATION = re.compile(
    r"\b(starts?|begins?|runs?|appears?|is set out|are set out)\b.{0,60}\bpages?\s+\d|"
    r"^(section|chapter|appendix|part)\s+[\w.-]+\s+(discusses|describes|covers|explains|presents|provides|"
    r"contains|lists|addresses|examines|outlines)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
_ASKS_SHARE = re.compile(r"\b(percentage|proportion|share|fraction)\s+of\b", re.I)
_SHARE = re.compile(
    r"\d\s?%|\bper ?cent\b|\bout of\b|\b(one|two|three|\d+) in (every )?\w+\b|"
    r"\b(half|third|quarter|majority|minority)\b",
    re.I,
)
_ASKS_CONTACT = re.compile(r"\b(contact|e-?mail|get in touch)\b", re.I)
_ASKS_WHERE = re.compile(r"\b(pages?|where|starts?|begins?|chapters?|sections?|appendix)\b", re.I)
_SPECIFIC_DATE = re.compile(
    r"\b(january|february|march|april|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b|\bmay\s+\d|\d\s+may\b|"
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    re.I,
)
_TIME_SPAN = re.compile(
    r"\b(within|after|before|until|during|every|each|for)\s+(\w+\s+){0,2}(days?|weeks?|months?|"
    r"years?|hours?|minutes?)\b|\b(immediately|annually|monthly|weekly|daily|as soon as)\b",
    re.I,
)
# what was found: a result verb, or a figure found ("almost 60% of respondents reported ...")
_RESULT = re.compile(
    r"\b(found|finds|showed|shows|revealed|concluded|reported|enabled|increased|fell|rose)\b|\d\s?%", re.I
)
_PREPOSITIONS = frozenset("in of for on at by from to with about during between into over under within".split())
_WHO_VERB = re.compile(
    r"^\s*who\s+(?!(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|must)\b)"
    r"([a-z]+)",
    re.I,
)


def choose_lead(intent: Intent, ranked: list[Evidence], finder: EvidenceFinder, question: str = "") -> Evidence | None:
    """The sentence to lead with, or None when no close sentence gives what is asked."""
    if not ranked:
        return None
    stats = finder.stats
    verb = _WHO_VERB.match(question)
    deed = content_terms(verb.group(1)) if verb else []
    done_to = _deed_object(question[verb.end() :]) if deed else ""
    # a figure, a date or a name (who did the deed) may sit in a sentence that shares fewer words
    # with the question
    typed = intent.kind in ("amount", "date", "name") or bool(deed)
    asks_contact = bool(_ASKS_CONTACT.search(question))  # a contacts page answers only this
    # a line of names ("St Mary the Virgin, Witney") says who or which, not "does it have toilets?"
    # nor who did a deed ("who funded the audit?")
    asks_name = (intent.who and not deed) or intent.kind == "name" or intent.author or asks_contact
    floor = ranked[0].score * (TYPED_LEAD_FLOOR if typed else LEAD_FLOOR)

    def fits(e: Evidence) -> bool:
        # a caption names a topic and a stored question asks: neither answers (a list's
        # introduction leads to its items)
        return (
            (
                not title_like(e.quote)
                or (intent.author and _author_line(intent, e, finder))
                or (asks_contact and contact_line(e.quote))
            )
            and not asks(e.quote)
            and not points_elsewhere(e.quote)
            and (asks_name or not names_only(e.quote))
            and gives_answer(intent, e.quote, finder.context(e), stats, e.dense)
        )

    candidates = filter(fits, itertools.takewhile(lambda e: e.score >= floor, ranked))
    fitting = list(itertools.islice(candidates, LEAD_POOL))
    if not fitting:
        return None
    # what answers exactly ("within several days" for "when should ...?", "27,569" for "how many
    # ...?", "the funder of the research" for "who funded the research?") leads over what only
    # touches the subject, when a close sentence gives it; the closest fitting sentences are
    # searched first, and as many more when none of them does
    exact = [e for e in fitting if _exact(intent, e, finder, deed, done_to)]
    if not exact:
        exact = [e for e in itertools.islice(candidates, LEAD_POOL) if _exact(intent, e, finder, deed, done_to)]
    fitting = exact or fitting
    if not _ASKS_WHERE.search(question):  # where a thing is told in the report is no answer to what it is
        fitting = [e for e in fitting if not _NAVIGATION.search(e.quote)] or fitting
    # a sentence saying what is not there ("gives no page number") answers only a question that asks so
    unasked = 0.0 if intent.negated else NEGATIVE_PENALTY
    return max(
        fitting,
        key=lambda e: e.score * (1 + _preference(intent, e, deed, stats) - unasked * bool(_NEGATIVE.search(e.quote))),
    )


def _author_line(intent: Intent, e: Evidence, finder: EvidenceFinder) -> bool:
    """A person's name alone on a title page ("Catriona Robertson"): capitalised words the library
    never writes in lower case, which "Social Audit" is not, and not the title the question names."""
    return bool(
        e.title_line
        and PERSON.match(e.quote)
        and not e.terms & set(intent.focus)
        and all(finder.name_usage.is_name(w) for w in e.quote.split())
    )


def _deed_object(rest: str) -> str:
    """The common noun a "who ...?" question's deed is done to, as a stem: "funded the Keep it Local
    for Economic Resilience research" → research; "led the pilot in Bristol" → pilot. '' when the
    deed is done to a name ("published Powerful Communities, Strong Economies"): a document may call
    a named thing by another word ("the report")."""
    said = re.findall(r"[\w'’-]+", rest)
    for i, word in enumerate(said):
        # a preposition ends the phrase, unless it joins the words of a name ("Local for Economic")
        inside_name = 0 < i < len(said) - 1 and said[i - 1][:1].isupper() and said[i + 1][:1].isupper()
        if word.lower() in _PREPOSITIONS and not inside_name:
            said = said[:i]
            break
    if not said or not said[-1].islower():
        return ""
    return (content_terms(said[-1]) or [""])[0]


def _exact(intent: Intent, e: Evidence, finder: EvidenceFinder, deed: list[str], done_to: str) -> bool:
    sentence = e.quote
    if intent.author:  # a name on the title page, or a sentence that says who wrote it
        return _author_line(intent, e, finder) or bool(AUTHORED.search(sentence))
    if deed:  # "who funded the research?": who did that deed, to that thing ("the funder of the research")
        stats = finder.stats
        return _did(deed, e, stats) and _names_someone(intent, e, stats) and (not done_to or done_to in e.terms)
    if intent.defined:  # "what is an incident?": "an incident is a violation of ..."
        return defines(intent.defined, sentence)
    if intent.when:
        return bool(_TIME_SPAN.search(sentence))
    if intent.kind == "amount" and not intent.duration:
        return gives_figure(sentence)
    return True


def _preference(intent: Intent, e: Evidence, deed: list[str], stats) -> float:
    """How much better a sentence does what the question asks than merely sharing its words."""
    if intent.kind == "name":
        return NAME_BONUS * min(len(names_asked_for(intent, e.quote, stats)), 6)
    if intent.kind == "date":
        return CUE_BONUS * bool(_SPECIFIC_DATE.search(e.quote))
    if intent.kind == "list":
        return LIST_BONUS * min(_items_in(e.quote), 5)
    if intent.kind == "reason":
        return CUE_BONUS * reason_given(e.quote, intent)
    if intent.when:
        return CUE_BONUS * bool(_TIME_SPAN.search(e.quote))
    if intent.kind == "amount" and _HOW_MANY.search(intent.question):
        # "how many people were surveyed?" is answered by a count, rather than by a share of them
        return CUE_BONUS * gives_count(e.quote)
    if intent.kind == "amount" and _ASKS_SHARE.search(intent.question):  # "what share of ...?": a share
        return CUE_BONUS * bool(_SHARE.search(e.quote))
    if intent.finding:
        return CUE_BONUS * bool(_RESULT.search(e.quote))
    if intent.who:
        return NAME_BONUS * _names_someone(intent, e, stats) + VERB_BONUS * _did(deed, e, stats)
    return 0.0


def _names_someone(intent: Intent, e: Evidence, stats) -> bool:
    return bool(new_names(e.quote, set(intent.focus), stats))


def _did(deed: list[str], e: Evidence, stats) -> bool:
    """Whether the sentence has the deed a "who ...?" question asks about ("funded", or "funder")."""
    return bool(deed) and stats.coverage(deed, e.terms) > 0


def _items_in(sentence: str) -> int:
    return sentence.count(",") + sentence.count(";") + len(re.findall(r"\band\b", sentence))
