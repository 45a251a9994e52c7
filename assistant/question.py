"""What a question asks for, and whether a stored sentence gives it.

A question asks for an amount, a date, named things, a list, a reason, or a fact, about some
focus. A sentence answers it only if it gives that kind of thing and is about the focus: the
question's rare names (a place, a product, an organisation) must be in the sentence or in the
document or section it belongs to. Decided from the words of the question and the statistics of
the library, so it holds on documents nobody here has seen.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.errors import ReportAssistantError

from .acronyms import ASKING, asked_acronym, expands
from .terms import (
    NAME,
    STOPWORDS,
    TermStats,
    content_terms,
    implied_terms,
    kind_of_name,
    names_an_organisation,
    stem,
    words,
)


class QuestionError(ReportAssistantError):
    """A question that cannot be asked as given (empty, too long, an unknown document, kind or mode)."""


_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    "fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|half|"
    "quarter|third|majority|minority|per cent|percent"
)
_COUNT = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_AMOUNT_QUESTION = re.compile(
    r"\bhow (much|many|large|big|high|long|often)\b|\bwhat (percentage|proportion|share|fraction|number|amount)\b|"
    r"\bwhat (is|was|were|are) the (\w+ )?(cost|costs|budget|price|salary|revenue|turnover|total|figure|"
    r"percentage|proportion|rate)\b|"
    r"\bwhat (\w+ )?(revenue|turnover|salary|budget|price|fine|fee)s? (is|was|did|does|do)\b|"
    r"\bwhat (did|does|do|will|would) .+ cost\b",
    re.I,
)
# an amount of money is asked for: the figure must be a sum, and the sentence must say what of
_MONEY_ASKED = re.compile(
    r"\b(costs?|costing|spend|spends|spending|spent|pay|pays|paid|save|saved|savings?|budgets?|"
    r"prices?|salary|salaries|revenues?|turnover|fees?|fines?|funding|invest|invested|investment|"
    r"earn|earned|earnings|charged?)\b",
    re.I,
)
# "how much time / data ...", "how many ...", "what share ...": a quantity that is not money, whatever
# words follow ("how many saw a reduced need for capital investment?" asks for a count)
_OTHER_QUANTITY = re.compile(
    r"\bhow much (?!(?:did|does|do|is|was|were|will|would|has|have|had|can|could|money|"
    r"funding|cash)\b)[a-z]+|\bhow many\b|\bwhat (share|percentage|proportion|number|fraction)\b",
    re.I,
)
# a sum of money: a currency sign or code by a figure, or a currency word after a figure or a number
# written out ("1.3 million pounds", "twelve thousand pounds")
_MONEY = re.compile(
    r"[£$€¥]\s?\d|\b(USD|EUR|GBP)\s?\d|"
    r"(\d(m|bn|k)?|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion)\b)\s?(pounds?|dollars?|euros?|pence)\b",
    re.I,
)
_AMOUNT_CUE = re.compile(r"\b(cost|costs|budget|price|salary|revenue|turnover)\b", re.I)
_DATE_QUESTION = re.compile(
    r"^\s*when (was|were|did|is|will)\b(?!.*\b(should|must|need)\b)|\bwhat (year|date|month|day)\b|"
    r"\bwhich (year|date|month)\b|\bsince when\b",
    re.I,
)
# "which organisations ...?", "what countries ...?": the answer names them
_KIND_NOUNS = (
    r"(?:organi[sz]ations?|groups?|partners?|councils?|places?|areas?|countries|country|companies|"
    r"company|people|persons?|authors?|charit(?:y|ies)|bodies|body|agenc(?:y|ies)|institutions?|firms?|banks?|towns?|"
    r"cities|city|members?|funders?|anchors?|products?|vendors?|tools?|departments?|regions?|universities|"
    r"schools?|churches|providers?|architects?|designers?|consultants?|contractors?|suppliers?|publishers?|"
    r"manufacturers?|platforms?|software|brands?)"
)
_NAME_QUESTION = re.compile(
    r"^\s*(which|what|name the|list the|who (?:are|were|was|is) (?:the|its|their|his|her)?)\s+"
    r"(?!(?:did|do|does|is|are|was|were|has|have|had|can|could|will|would|"
    rf"should)\b)(\w+\s+)?(?P<kind>{_KIND_NOUNS})(?:\s+(?P<then>{_KIND_NOUNS}))?\b",
    re.I,
)
_REASON_QUESTION = re.compile(
    r"^\s*why\b|\bwhat (evidence|reasons?|causes?|explains?)\b|\bhow come\b|\bon what basis\b", re.I
)
_LIST_QUESTION = re.compile(
    rf"\b(what|which|who) (are|were)\b|\blist\b|\bname the\b|\b({'|'.join(_COUNT)}|\d{{1,2}}) (\w+ )?(\w+s)\b|"
    r"\bkinds? of\b|\btypes? of\b|\bways?\b|\bsteps\b|\bphases\b|\bstages\b|"
    # "what staffing models can ...", "which attack vectors does ...": a plural thing asked for
    # ("what should tax leaders do?" asks what they should do: its subject follows the verb)
    r"^\s*(what|which)\s+(?!(?:should|must|can|could|will|would|do|does|did|might|may|shall)\b)"
    r"(?:[\w-]+\s+){0,3}?[\w-]*[^siu\W]s\s+(do|does|did|are|were|can|could|should|must|will|"
    r"would|have|has|is|was)\b",
    re.I,
)
_AUX = r"(?:do|does|did|are|were|is|was|can|could|should|must|will|would|have|has|had|may|might)"
_WHAT_X = re.compile(
    rf"^\s*(?:what|which)\s+(?:(?:kinds?|types?|sorts?|forms?)\s+of\s+)?(?!{_AUX}\b)(.+?)\s+{_AUX}\b", re.I
)
_THE_X = re.compile(
    r"^\s*(?:what|which|who)\s+(?:are|were|is|was)\s+(?:the|its|their)\s+(.+?)"
    r"(?:\s+(?:of|in|for|that|which|who|to|on|from|by|at)\b|\s*[?.]?\s*$)",
    re.I,
)
# "what is the report's ISBN?", "who is the chief executive of Locality?": an attribute (X) of a
# named holder (Y); a sentence giving another holder's X does not answer
_HOLDERS_X = re.compile(
    r"^\s*(?:what|who|which)\s+(?:is|was|are|were)\s+(?:the\s+)?(?P<y>[\w .&-]+?)['’]s?\s+(?P<x>[\w -]+?)\s*\??\s*$",
    re.I,
)
_X_OF_HOLDER = re.compile(
    r"^\s*(?:what|who|which)\s+(?:is|was|are|were)\s+the\s+(?P<x>[\w -]+?)\s+of\s+"
    r"(?:the\s+)?(?P<y>[\w .&'’-]+?)\s*\??\s*$",
    re.I,
)
_HOLDER_NAME = r"(?:[\"“”]?(?:[A-Z][\w’'&.-]*|of|the|and|for)\s*)+[\"“”]?"
_AUTHOR_QUESTION = re.compile(
    r"^\s*who\s+(wrote|authored|prepared|compiled|produced)\b|^\s*who\s+(is|was|are|were)\s+the\s+authors?\b|"
    r"\bwritten by whom\b",
    re.I,
)
# who wrote it: a person's name alone (a title page's line), or a sentence saying who wrote or published it
PERSON = re.compile(r"^(?:(?:Dr|Prof|Revd|Rev|Sir|Dame)\.?\s+)?[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’.-]*){1,3}$")
AUTHORED = re.compile(
    r"(?i:\b(written|authored|prepared|compiled|published|produced)\b[^.;]{0,40}?\bby\b|\bauthors?\b)|"
    r"[,(]\s*by\s+[A-Z][a-z]",  # a byline: '"The Money Trail", by Justin Sacks'
)
# "X wrote Y": it answers "who wrote Z?" only when Y is Z ("wrote an essay" does not say who wrote the report)
_WROTE = re.compile(r"\b(?:wrote|authored|co-authored|co-wrote)\s+(?P<work>[^.;]{1,80})", re.I)
_WORK_FILLER = frozenset("the a an this that its their his her of in on for and by about who wrote write".split())
_ARTICLES = frozenset("the a an this that its their".split())
_REASON_CUE = re.compile(
    r"\b(because|due to|owing to|as a result|results? (in|from)|resulted (in|from)|since|so that|"
    r"therefore|thus|hence|leads? to|led to|caused|driven by|reasons?|explains?|in order to|"
    r"partly|stems? from|means that|so as to)\b",
    re.I,
)
_TIME_UNIT = re.compile(r"\b(seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b", re.I)
_HAS_NUMBER = re.compile(rf"\d|[£$€%]|\b({_NUMBER_WORDS})\b", re.I)
# numbers that are not amounts: years, and references to pages, chapters, figures and the like
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
)
_NOT_AN_AMOUNT = re.compile(
    rf"\b(1[89]|20)\d\d\b|(?<=[A-Za-z,.;:)\]])\d{{1,3}}\b|\b\d{{1,2}}(st|nd|rd|th)?\s+{_MONTH}\b|\b{_MONTH}\s+\d{{1,2}}\b|"
    r"\b(pages?|pp?\.|chapters?|sections?|figures?|fig\.|tables?|"
    r"appendix|appendices|parts?|steps?|version|no\.)\s*\d[\d.\-–]*",
    re.I,
)
# "which organisations?" is answered by an organisation's name (two or more capitalised words, as in
# "Wem Town Hall"), not by a place's ("Bristol")
_ORGANISATION_QUESTION = re.compile(
    r"\b(organi[sz]ations?|groups?|partners?|companies|company|charit(y|ies)|bodies|"
    r"body|agenc(y|ies)|institutions?|firms?|banks?|funders?|anchors?|vendors?|"
    r"providers?|universities|schools?|churches)\b",
    re.I,
)
# "may" is a month only with a day or a year beside it ("May 2019", "3 May"), not in "it may have been";
# an older year is one only after a word that places it in time ("a Norman church in 1142", not
# "1324 pupils"), and a century ("in the thirteenth century", "13th-century") or a decade is a date too
_HAS_DATE = re.compile(
    r"\b(1[89]|20)\d\d\b|\b(january|february|march|april|june|july|august|september|"
    r"october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b|"
    r"\bmay\s+\d|\d\s+may\b|"
    r"\b(in|since|from|by|until|till|of|circa|c\.|around|before|after|between)\s+1[0-7]\d\d\b|"
    r"\((?:[bdc]\.?\s*)?1[0-7]\d\d\b|"  # "Henry Box (d 1660)", "(1549-1620)"
    r"\b(\w+th|first|second|third|\d{1,2}(st|nd|rd|th))[- ]centur(y|ies)\b|\b1\d{2}0s\b",
    re.I,
)
# "According to X, ..." and "X says ..." name a source, not the answer
_ATTRIBUTION = re.compile(
    r"^\s*according to [^,]+,|^[^,.;]{0,60}?\b(says|said|reports?|notes?|observes?|argues?|"
    r"writes?|explains?|describes?|states?|gives?|finds?|found|concludes?|recommends?|adds?|added|"
    r"suggests?|claims?|warns?|stresses|emphasi[sz]es|admits?|acknowledges?|insists?|points? out)\b",
    re.I,
)
ANCHOR_SHARE = 0.2  # a question's name in more than this share of chunks is the library's subject, not a focus
NAME_SHARE = 0.35  # an answer's name in more than this share of chunks is the library's subject, not news
# the share of the question's other (rarity-weighted) words a sentence giving a figure, a date or
# names must hold, so that it is about what was asked
TYPED_COVERAGE = {"amount": 0.5, "date": 0.5, "name": 0.25}
TYPED_DENSE = 0.6  # ... unless its meaning is this close to the question's (cosine)
HEAD_DENSE = 0.7  # a sentence this close in meaning may call the thing asked for by another word
STRONG_COVERAGE = 0.6  # a figure's sentence holding this much of the rest needn't name what it counts


@dataclass
class Intent:
    kind: str  # amount | date | name | reason | list | fact
    count: int | None = None  # "the three approaches" → 3
    anchors: list[str] = field(default_factory=list)  # rare names that the answer must be about (stems)
    anchor_words: list[str] = field(default_factory=list)  # ... as the question spells them
    focus: list[str] = field(default_factory=list)  # the question's content terms
    heads: list[str] = field(default_factory=list)  # what an amount is of ("jobs", "budget")
    organisations: bool = False  # "which organisations ...?": the names asked for are organisations'
    any_organisation: bool = False  # ... of any kind (not "which community organisations ...?")
    asked_for: list[str] = field(default_factory=list)  # what the question asks for ("staffing models")
    head: str = ""  # ... its main word, as a stem ("model"), that a sentence must mention
    head_word: str = ""  # ... as the question spells it
    money: list[str] = field(default_factory=list)  # "how much did it cost?": the sum's subject (stems)
    who: bool = False  # "who ...?": a person or body is asked for
    duration: bool = False  # "how long ...?": a span of time ("months or years") is an amount
    finding: bool = False  # "what did the poll find?": what was found, a result, is asked for
    when: bool = False  # "when should ...?" (not a date): a time or a span is asked for
    negated: bool = False  # "why don't ...?": a condition ("if ...") is a reason too
    author: bool = False  # "who wrote ...?": the document's author is asked for
    work: str = ""  # ... of this work ("NEF's original handbook", "the report")
    attribute: str = ""  # "what is the report's ISBN?": the attribute asked for ("ISBN") ...
    holder: list[str] = field(default_factory=list)  # ... and whose it must be (its words: "report")
    holder_name: str = ""  # ... as the question writes it ("Locality", "the report")
    acronym: str = ""  # "what does CSIRT stand for?": the acronym whose words are asked for
    defined: str = ""  # "what is an incident?": the thing whose definition is asked for, as written
    question: str = ""  # the question as asked


def analyse(question: str, stats: TermStats) -> Intent:
    author = _AUTHOR_QUESTION.search(question)
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
    count = next(
        (
            _COUNT.get(m.group(1).lower(), None) or (int(m.group(1)) if m.group(1).isdigit() else None)
            for m in re.finditer(rf"\b({'|'.join(_COUNT)}|\d{{1,2}})\s+(\w+\s+)?\w+s\b", question, re.I)
        ),
        None,
    )
    acronym = asked_acronym(question)
    # "stand for", "short for": how an acronym's meaning is asked for, not what a sentence must hold
    anchors = [(stem, word) for stem, word in _anchors(question, stats) if not (acronym and stem in ASKING)]
    head_word = _head_word(question, kind)
    head = (content_terms(head_word) or [""])[0]
    # "which organisations funded ...?" is answered by any organisation's name ("Friends Provident
    # Foundation"); "which community organisations ...?" only by one given as such
    asked = _NAME_QUESTION.search(question) if kind == "name" else None
    any_organisation = head == "organis" and bool(asked) and not (asked.group(2) or asked.group("then"))
    return Intent(
        kind=kind,
        count=count,
        anchors=[stem for stem, _ in anchors],
        anchor_words=[w for _, w in anchors],
        focus=asked_terms(question, content_terms(question)),
        heads=_amount_heads(question) if kind == "amount" else [],
        organisations=kind == "name" and bool(_ORGANISATION_QUESTION.search(question)),
        any_organisation=any_organisation,
        asked_for=asked_for(question),
        head=head,
        head_word=head_word,
        money=[t for m in _MONEY_ASKED.finditer(question) for t in content_terms(m.group(0))]
        if kind == "amount" and not _OTHER_QUANTITY.search(question)
        else [],
        who=bool(re.match(r"\s*(who|whom|whose)\b", question, re.I)),
        duration=bool(re.search(r"\bhow long\b", question, re.I)),
        finding=bool(re.search(r"\bwhat (did|does|do) .+ (find|found|show|reveal|conclude|report)\b", question, re.I)),
        when=kind != "date" and bool(re.match(r"\s*when\b", question, re.I)),
        negated=bool(re.search(r"n't\b|\bnot\b|\bnever\b", question, re.I)),
        author=bool(author),
        work=question[author.end() :] if author else "",
        acronym=acronym,
        defined=_defined(question) if kind == "fact" and not acronym else "",
        question=question,
        **_attribute(question),
    )


# "What is an incident?", "What are precursors?": what the thing is, is asked
_DEFINITION_QUESTION = re.compile(r"^\s*what\s+(?:is|are)\s+(?:an?\s+|the\s+)?([^?]{1,60}?)\s*\??\s*$", re.I)
_DEFINING = (
    r"(?:\s*\([^)]{1,60}\))?\s*(?::\s|(?:is|are)\s+(?:an?|the|any|one|defined as|described as|generally|usually|"
    r"typically)\b|means\b|refers?\s+to\b|stands?\s+for\b)"
)


def _defined(question: str) -> str:
    match = _DEFINITION_QUESTION.match(question)
    said = match.group(1).split() if match else []
    # a term, not "the report about" nor "the median income in Witney" (a figure of a place)
    if not said or len(said) > 5 or any(w.lower() in STOPWORDS for w in said):
        return ""
    return " ".join(said)


def defines(defined: str, sentence: str) -> bool:
    """Whether a sentence says what a thing is: "In general, an incident is a violation of ...",
    "Computer Security Incident Response Team (CSIRT): A capability set up ...", "X means ..."."""
    words = [re.escape(w) for w in defined.split()]
    words[-1] = words[-1][:-1] + "s?" if words[-1].endswith("s") else words[-1] + "s?"
    thing = r"\s+".join(words)
    return bool(
        re.search(rf"(?<![\w-]){thing}{_DEFINING}", sentence, re.I)
        or re.search(rf"\({thing}\)\s*(?::|is\b|are\b|means\b)", sentence, re.I)
    )


def _as_asked(words: list[str], question: str) -> list[str]:
    """Words the question writes side by side are one name: "West Oxfordshire", not "West or Oxfordshire"."""
    out: list[str] = []
    for word in words:
        if out and f"{out[-1]} {word}" in question:
            out[-1] += f" {word}"
        else:
            out.append(word)
    return out


def asks_for_one(intent: Intent) -> bool:
    """ "Which council ran the workshop?" asks for one name; "which councils ...?" for a list."""
    word = intent.head_word.lower()
    return intent.kind == "name" and not intent.count and not (word.endswith("s") or word in ("people", "software"))


def _attribute(question: str) -> dict:
    match = _HOLDERS_X.match(question) or _X_OF_HOLDER.match(question)
    holder = [w for w in words(match.group("y")) if w not in _ARTICLES] if match else []
    if not holder or len(match.group("x").split()) > 3:
        return {}
    article = "the " if match.string[: match.start("y")].lower().endswith("the ") else ""
    return {"attribute": match.group("x"), "holder": holder, "holder_name": article + match.group("y")}


def _wrote_it(intent: Intent, sentence: str) -> bool:
    asked = _work_words(intent.work)
    return any(asked & _work_words(m.group("work")) for m in _WROTE.finditer(sentence))


def _work_words(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in _WORK_FILLER}


def other_holder(intent: Intent, sentence: str) -> bool:
    """Whether the sentence gives the attribute asked for as someone else's: "Mapping Economic
    Resilience" (ISBN ...) for the report's ISBN, "chief executive of Halifax Opportunities Trust"
    for Locality's. An attribute given without a holder is not refused here."""
    if not intent.attribute:
        return False
    # a title is often written with capitals ("Chief Executive of ..."): the attribute's words match in any case
    x = "(?i:" + r"\s+".join(re.escape(w) + r"\w*" for w in intent.attribute.split()) + ")"
    holders = [
        m.group("n")
        for pattern in (
            rf"(?P<n>{_HOLDER_NAME})['’]s?\s+{x}\b",  # Locality's chief executive
            rf"\b{x}\s+(?:of|at|for)\s+(?P<n>{_HOLDER_NAME})",  # chief executive of Locality
            rf"(?P<n>{_HOLDER_NAME})\s*\(\s*{x}\b",  # "A Title" (ISBN ...)
        )
        for m in re.finditer(pattern, sentence)
        if content_terms(m.group("n"))
    ]
    return bool(holders) and not any(set(intent.holder) & set(words(n)) for n in holders)


def gives_figure(sentence: str) -> bool:
    """Whether a sentence gives an amount in figures ("27,569", "60%"), not only in words that
    leave it vague ("the majority", "over half"); years and page references are not amounts."""
    return bool(re.search(r"\d", _NOT_AN_AMOUNT.sub(" ", sentence)))


# a count: a number that is no share ("78%"), no sum ("£23,755", "US$750M") and no part of a code;
# its thousands and decimals are joined first, so that "2,000" is no year and "12.5" no footnote mark
_COUNT_FIGURE = re.compile(
    r"(?<![\w$£€.,/\u2009\u2024-])\d+(?:\u2009\d{3})*(?:\u2024\d+)?"
    r"(?![\w%/\u2009\u2024-]|[.,]\d|\s*(?:%|per ?cent|percent))"
)


def gives_count(sentence: str) -> bool:
    """Whether a sentence gives a count ("300 senior tax leaders") for "how many ...?", not only a
    share of them ("78% of respondents")."""
    grouped = re.sub(r"(?<=\d)\.(?=\d)", "\u2024", re.sub(r"(?<=\d),(?=\d{3}\b)", "\u2009", sentence))
    return bool(_COUNT_FIGURE.search(_NOT_AN_AMOUNT.sub(" ", grouped)))


def reason_given(sentence: str, intent: Intent) -> bool:
    """Whether a sentence gives a cause or a reason ("due to", "because", "as a result"); for a
    'why not' question a condition ("would ... if") is one too."""
    return bool(_REASON_CUE.search(sentence) or (intent.negated and re.search(r"\bif\b|\bunless\b", sentence, re.I)))


def asked_for(question: str) -> list[str]:
    """The thing a question asks for, as content terms: "what staffing models can ..." → staffing,
    model; "what are the seven characteristics of ..." → characteristic."""
    match = _WHAT_X.search(question) or _THE_X.search(question)
    if not match:
        return []
    return [t for t in content_terms(match.group(1)) if t not in _COUNT and not t.isdigit()]


def _head_word(question: str, kind: str) -> str:
    """The noun a question asks for, which an answer must mention: the kind of name asked for
    ("which ERP vendor" → vendor), else the thing "what X does ..." asks about ("what penalty does
    ..." → penalty; "what benefit of outsourcing ..." → benefit). Amounts and dates are checked
    by their own rules."""
    if kind == "name":
        match = _NAME_QUESTION.search(question)  # "which anchor organisations" asks for organisations
        return (match.group("then") or match.group("kind")) if match else ""
    if kind in ("amount", "date"):
        return ""
    match = _WHAT_X.search(question) or _THE_X.search(question)
    if not match:
        return ""
    words = match.group(1).split(" of ")[0].split()
    return words[-1] if 0 < len(words) <= 4 else ""


def _amount_heads(question: str) -> list[str]:
    """What an amount is of: the noun after 'how many'/'what percentage of', or a cue noun
    ('budget', 'cost'); a sentence giving a figure must name it."""
    heads = [
        m.group(1)
        for m in re.finditer(
            r"\b(?:how many|number of|percentage of|proportion of|share of)\s+(?:the\s+)?([a-z]+)", question, re.I
        )
    ]
    heads += [m.group(1) for m in _AMOUNT_CUE.finditer(question)]
    return [t for h in heads for t in content_terms(h)]


def _anchors(question: str, stats: TermStats) -> list[tuple[str, str]]:
    """Names in the question (capitalised after the first word, or acronyms) that few chunks use,
    or words neither the library nor the embedder's English vocabulary knows."""
    tokens = question.split()
    out = []
    for position, token in enumerate(tokens):
        word = re.sub(r"^\W+|\W+$", "", token)
        word = re.sub(r"['’]s$", "", word)
        if len(word) < 2 or word.lower() in STOPWORDS or not word.replace("-", "").isalnum():
            continue  # contractions ("don't") and symbols are not names
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        if re.match(r"^[\dIVXivx]+[.\d]*\W*$", following):
            continue  # "Appendix 2", "Figure 3", "Section 2.1": a place in the document, not a subject
        capitalised = (position > 0 and word[0].isupper()) or (word.isupper() and len(word) > 1)
        terms = content_terms(word)
        if not terms:
            continue
        share = stats.df.get(terms[0], 0) / stats.n
        unknown = not stats.known(terms[0]) and not _english(word.lower(), stats.dictionary)
        if (capitalised and share < ANCHOR_SHARE) or unknown:
            out.append((terms[0], word))
    return out


def _english(word: str, dictionary: frozenset[str]) -> bool:
    """Whether a word, or its stem without a common ending, is in the embedder's vocabulary."""
    bases = [word] + [
        word[: -len(end)] + add
        for end, add in (
            ("ies", "y"),
            ("ing", ""),
            ("ing", "e"),
            ("ed", ""),
            ("ed", "e"),
            ("es", ""),
            ("s", ""),
            ("ly", ""),
        )
        if word.endswith(end)
    ]
    return any(base in dictionary for base in bases)


def _found(term: str, known: set[str]) -> bool:
    """A term is in a text when its stem is, or a form the stemmer splits off ('withdrawn' and
    'withdraw'), or a spelling one letter away with the same first letter ('Aadhaar' and 'Aadhar')."""
    if term in known:
        return True
    if len(term) < 5:
        return False
    return any(_same_word(term, k) for k in known if len(k) >= 4)


@lru_cache(maxsize=200_000)
def _same_word(term: str, k: str) -> bool:
    return (
        (k.startswith(term) or term.startswith(k))
        and min(len(k), len(term)) >= 5
        or (abs(len(k) - len(term)) <= 1 and k[0] == term[0] and difflib.SequenceMatcher(None, k, term).ratio() >= 0.85)
    )


# "What does the social audit say about young people?": the document asked is not the subject
_DOCUMENT_FRAME = re.compile(
    r"\b(?:what|how)\s+(?:does|do|did)\s+((?:the|this|that|its|their)\s+(?:[\w'’-]+\s+){0,3}?"
    r"(?:report|guide|audit|document|publication|paper|study|survey|review|summary|strategy|plan|"
    r"handbook|framework|toolkit|briefing))\s+(?:say|tell\s+us|state|write|mention|conclude|"
    r"recommend|report|find)\s+(?:about|on|regarding|of)\b",
    re.I,
)


def asked_terms(question: str, terms: list[str]) -> list[str]:
    """The question's content terms without the words that only say how it asks: for an acronym's
    meaning ("stand for", "short for"), or which document to ask ("what does the guide say about
    logging?" asks about logging; a name in it, "the Ideas Alliance review", stays)."""
    if asked_acronym(question):
        terms = [t for t in terms if t not in ASKING]
    frame = _DOCUMENT_FRAME.search(question)
    if frame:
        framing = {t for w in frame.group(1).split() if w.islower() for t in content_terms(w)}
        kept = [t for t in terms if t not in framing]
        terms = kept or terms
    return terms


def gives_answer(intent: Intent, sentence: str, context: str, stats: TermStats, dense: float = 0.0) -> bool:
    """Whether a sentence (with the title and section it sits in as `context`) can lead an answer.
    `dense` is the sentence's meaning match with the question: a close paraphrase ("posts" for
    "jobs") stands in for shared words."""
    return not missing(intent, sentence, context, stats, dense)


def missing(intent: Intent, sentence: str, context: str, stats: TermStats, dense: float = 0.0) -> str:
    """What this sentence lacks to lead the answer ('' when nothing): a name the question is about,
    or the amount, date or names it asks for."""
    sentence_terms = set(content_terms(sentence))
    known = sentence_terms | set(content_terms(context)) | implied_terms(sentence)  # what it says without writing
    if other_holder(intent, sentence):
        return f"the {intent.attribute} of {intent.holder_name}"
    if intent.acronym and not expands(intent.acronym, sentence):
        return f"what {intent.acronym} stands for"
    if intent.author and not (AUTHORED.search(sentence) or PERSON.match(sentence) or _wrote_it(intent, sentence)):
        return "an author's name"
    absent = [word for stem, word in zip(intent.anchors, intent.anchor_words) if not _found(stem, known)]
    if absent:
        return f"any mention of {' or '.join(_as_asked(absent, intent.question))}"
    rest = [t for t in intent.focus if t not in intent.anchors]
    about = stats.coverage(rest, {t for t in rest if _found(t, known)}) if rest else 1.0
    close = dense >= TYPED_DENSE
    if intent.kind == "amount":
        if intent.money and not (_MONEY.search(sentence) and any(_found(t, known) for t in intent.money)):
            return "a sum of money"  # "how much will it cost?" is not answered by a count, nor by another sum
        of_it = not intent.heads or bool(set(intent.heads) & known) or close or about >= STRONG_COVERAGE
        amount = bool(_HAS_NUMBER.search(_NOT_AN_AMOUNT.sub(" ", sentence))) or (
            intent.duration and bool(_TIME_UNIT.search(sentence))
        )  # "for months or years"
        return "" if amount and of_it and (about >= TYPED_COVERAGE["amount"] or close) else "an amount"
    if intent.kind == "date":
        return "" if _HAS_DATE.search(sentence) and (about >= TYPED_COVERAGE["date"] or close) else "a date"
    if intent.kind == "name":
        named = names_asked_for(intent, sentence, stats)
        return "" if named and (about >= TYPED_COVERAGE["name"] or close) else f"any {intent.head_word} by name"
    if intent.head and not _found(intent.head, known) and dense < HEAD_DENSE:
        return f"any mention of {intent.head_word}"
    return ""


def names_asked_for(intent: Intent, sentence: str, stats: TermStats) -> list[str]:
    """The sentence's names of the kind a "which ...?" question asks for: "... anchor organisations as
    Wem Town Hall" for "which organisations?", not the authors of another work beside them."""
    spans = _new_name_spans(sentence, set(intent.focus), stats)
    if intent.organisations:
        spans = [n for n in spans if len(n[0].split()) > 1]
    return [
        n[0]
        for n in spans
        if not intent.head
        or _of_kind(sentence, n, intent.head)
        or (intent.any_organisation and names_an_organisation(n[0]))
    ]


def list_fits(intent: Intent, intro: str, items: list[str], stats: TermStats, noun: str) -> bool:
    """Whether a list is of what the question asks for. "Which councils ...?": its introduction counts
    the thing asked for (`noun`: "three anchor organisations" are no councils) or names it, or most of
    its items name one. "What are the barriers ...?": a run of bullets that nothing introduces (a page
    of separate points) must speak of barriers in its items."""
    if not intent.head:
        return True
    if intent.kind == "name":
        if noun:
            return _found(intent.head, set(content_terms(noun)))
        if intro.rstrip().endswith(":") and _found(intent.head, set(content_terms(intro))):
            return True
        return 2 * sum(bool(names_asked_for(intent, item, stats)) for item in items) >= len(items)
    if intent.kind == "list" and not noun and not intro.rstrip().endswith(":"):
        return any(_found(intent.head, set(content_terms(text))) for text in [intro, *items])
    return True


def new_names(sentence: str, question_terms: set[str], stats: TermStats) -> list[str]:
    """Names in a sentence other than its source's, the question's own and the library's subject
    (a name most chunks use, like the report's own title)."""
    return [name for name, _, _ in _new_name_spans(sentence, question_terms, stats)]


def _new_name_spans(sentence: str, question_terms: set[str], stats: TermStats) -> list[tuple[str, int, int]]:
    source = _ATTRIBUTION.match(sentence)
    skip = source.end() if source else 0
    out = []
    for match in NAME.finditer(sentence, skip):
        name = match.group(0).rstrip(".'’")
        if match.start() == skip and len(name.split()) == 1:
            continue  # a capitalised first word is just the start of the sentence
        terms = set(content_terms(name))
        new = terms - question_terms  # "Shropshire Council" answers "which council?"
        if new and min(stats.df.get(t, 0) for t in new) / stats.n < NAME_SHARE:
            out.append((name, match.start(), match.start() + len(name)))
    return out


_LINK = frozenset("is was are were as include includes including such namely like called named e.g.".split())
_CLAUSE = frozenset("that which who whom whether because if when while although".split())
KIND_NEAR = 3  # words between a name and the noun it is one of
KIND_LINKED = 8  # ... when a link ("was one of the", "such as") joins them


def _of_kind(sentence: str, name: tuple[str, int, int], head: str) -> bool:
    """Whether a name is given as one of the kind asked for: it contains the noun ("NEF Consulting"
    for a consultancy), or stands next to it, or is linked to it ("Wem Town Hall was one of the
    three anchor organisations", "organisations such as ...")."""
    text, start, end = name
    if _found(head, set(content_terms(text))) or head in kind_of_name(text):
        return True
    tokens = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", sentence)]
    first = next(i for i, (at, _) in enumerate(tokens) if at + len(tokens[i][1]) > start)
    last = max(i for i, (at, _) in enumerate(tokens) if at < end)
    for i, (_, token) in enumerate(tokens):
        if first <= i <= last or not _found(head, set(content_terms(token))):
            continue
        between = [w.lower().strip(",;:()") for _, w in (tokens[last + 1 : i] if i > last else tokens[i + 1 : first])]
        if _CLAUSE & set(between):
            continue  # "NEF Consulting is that councils are sceptical": another clause's subject
        # a link joins the name itself ("Wem Town Hall was one of the ... organisations", "councils
        # such as Bristol"), not any word between ("Open Finance initiative is still evolving in country")
        linked = between and (between[0] if i > last else between[-1]) in _LINK
        if len(between) <= KIND_NEAR or (len(between) <= KIND_LINKED and linked):
            return True
    return False
