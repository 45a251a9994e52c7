"""Does a written sentence say what the stored sentence it cites says? The second gate of the
citation check (the first is the lexical and meaning score in citation_check.py): a sentence that reads
like its source but changes a figure, flips a negation or swaps a name must not keep the citation.

Token-level rules, deterministic and cheap:

- Numbers: every number in the claim (digits, money, percentages, "16bn", written-out numbers such
  as "six", ordinals such as "fourth", years) must occur in the source with the same value; a claim
  that gives a number as money or a percentage needs the source to give it the same way. The claim
  may leave numbers out.
- Dates: every month or weekday the claim names must be named in the source (years are numbers).
- Negations (not, no, never, none, neither, nor, without, "n't", cannot, "fail to", lack ...): a
  claim may not negate what its source does not, and may not drop a negation while keeping the
  word it negated. A claim may leave out a negated clause altogether.
- Names: every capitalised word inside the claim must occur in the source (or be spelled out by an
  acronym there, or vice versa). The first word of a sentence is capitalised anyway, so it counts
  as a name only when the library uses that word as a name (capitalised inside sentences more
  often than written in lower case) or it opens a run of capitalised words ("Great Places").

Known gaps: antonyms ("rose" for "fell"), negation by prefix ("unwilling"), and who did what to
whom among names that both sentences mention are left to the first gate.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.sentences import sentence_spans

from .terms import STOPWORDS, content_terms, stem, words

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
WORD_NUMBERS = {
    **{w: i for i, w in enumerate(_SMALL)},
    **_TENS,
    "dozen": 12,
    **{w: i for i, w in enumerate(_ORDINALS) if i},
}
_SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_SCALE = r"(?:\s*(hundred|thousand|k|million|mn|m|billion|bn|trillion|tn)\b)?"
_PERCENT = r"(?:\s*(%|per\s?cent\b|percent\b))?"
_DIGITS = re.compile(r"(?<![\w.])([£$€])?\s?(\d+(?:\.\d+)?)(?:st|nd|rd|th|s)?" + _SCALE + _PERCENT, re.I)
_WORDS = re.compile(
    r"(?<![\w-])(?:(no|any|every|some|each)\s+)?([£$€])?(%s)(?:-(%s))?\b"
    % ("|".join(sorted(WORD_NUMBERS, key=len, reverse=True)), "|".join(_SMALL[1:10]))
    + _SCALE
    + _PERCENT,
    re.I,
)

MONTHS_AND_DAYS = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_DATE_SHORT = re.compile(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)$", re.I)

_NEGATION = re.compile(
    r"\b(?:not(?!\s+(?:only|just)\b)|no|never|none|nobody|nothing|nowhere|neither|nor|without|"
    r"cannot|unable|lacks?|lacked|lacking|fail(?:s|ed|ing)?\s+to)\b|n't\b",
    re.I,
)
NEGATION_REACH = 4  # words after a negation that it can govern
_TOKEN = re.compile(r"[A-Za-z0-9£$€%]+(?:['’][a-z]+)?")
_NEAR_QUOTE = 0.9  # word overlap, both ways, for a sentence to count as a near-quote


def _clean(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ")


# ---------------------------------------------------------------- numbers and dates


def numbers(text: str) -> list[tuple[float, str]]:
    """(value, kind) of each number; kind is 'money', 'percent' or '' (plain)."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", _clean(text))
    text = re.sub(r"(?<=\d)\.\d{1,3}$", "", text.rstrip())  # "in 2017.38": a footnote mark after the stop
    out = []
    for match in _DIGITS.finditer(text):
        currency, digits, scale, percent = match.groups()
        out.append((float(digits) * _SCALES.get((scale or "").lower(), 1), _kind(currency, percent)))
    for match in _WORDS.finditer(text):
        quantifier, currency, word, unit, scale, percent = match.groups()
        word = word.lower()
        if quantifier and word == "one":  # "no one", "each one": a pronoun, not a count
            continue
        value = WORD_NUMBERS[word] + (WORD_NUMBERS[unit.lower()] if unit else 0)
        out.append((value * _SCALES.get((scale or "").lower(), 1), _kind(currency, percent)))
    return out


def _kind(currency: str | None, percent: str | None) -> str:
    return "money" if currency else "percent" if percent else ""


def _number_conflict(claim: str, source: str) -> str | None:
    given = numbers(source)
    for value, kind in numbers(claim):
        if not any(abs(value - v) <= 1e-9 * max(1.0, abs(v)) and (not kind or kind == k) for v, k in given):
            return f"the figure {_show(value, kind)} is not in the cited sentence"
    return None


def _show(value: float, kind: str) -> str:
    text = f"{value:g}" if value < 1e6 else f"{value:.4g}"
    return {"money": f"£{text}", "percent": f"{text}%"}.get(kind, text)


def _dates(text: str) -> dict[str, str]:
    """Months and weekdays keyed by their first three letters ("Jun" is June); capitalised only,
    as "may" and "march" are also ordinary words."""
    return {
        w[:3].lower(): w
        for w in _TOKEN.findall(_clean(text))
        if w[0].isupper() and (w.lower() in MONTHS_AND_DAYS or _DATE_SHORT.match(w))
    }


def _date_conflict(claim: str, source: str) -> str | None:
    named = _dates(source)
    missing = [word for key, word in _dates(claim).items() if key not in named]
    return f"the date '{missing[0]}' is not in the cited sentence" if missing else None


# ---------------------------------------------------------------- negations


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(_clean(text))]


def _negations(tokens: list[str]) -> list[int]:
    """Positions of negating tokens ("fail to" counts at "fail"; "didn't" at "didn't")."""
    text = " ".join(tokens)
    starts = {m.start() for m in _NEGATION.finditer(text)}
    # _NEGATION's "n't" matches inside a token: find the token holding each match
    positions, offset = [], 0
    for i, token in enumerate(tokens):
        end = offset + len(token)
        if any(offset <= s < end for s in starts):
            positions.append(i)
        offset = end + 1
    return positions


_FUNCTION = frozenset(
    """a an the to be been being is are was were am have has had do does did doing
any anything anyone anybody ever yet always even also quite really very it its their them they this
that these those there so much many more of in on for at by with from as longer""".split()
)


def _governed(tokens: list[str], at: int) -> str | None:
    """The first word a negation at `at` governs, stemmed ("did not give up" → "give"); None if it
    governs only function words, as in "did not do anything"."""
    for token in tokens[at + 1 : at + 1 + NEGATION_REACH]:
        if token not in _FUNCTION and token not in WORD_NUMBERS and not token.isdigit():
            return stem(token)
    return None


def _negated_terms(tokens: list[str]) -> tuple[set[str], Counter, bool]:
    """Words under a negation, how often each word is said outright (not under one), and whether
    the sentence negates anything at all."""
    positions = _negations(tokens)
    governed = {p: _governed(tokens, p) for p in positions}
    negated = {t for t in governed.values() if t}
    under = {
        i
        for p in positions
        for i in range(p + 1, p + 1 + NEGATION_REACH)
        if i < len(tokens) and stem(tokens[i]) == governed[p]
    }
    outright = Counter(stem(t) for i, t in enumerate(tokens) if i not in under)
    return negated, outright, bool(positions)


def _negation_conflict(claim: str, source: str) -> str | None:
    claim_tokens, source_tokens = _tokens(claim), _tokens(source)
    claim_negated, claim_outright, claim_negates = _negated_terms(claim_tokens)
    source_negated, source_outright, source_negates = _negated_terms(source_tokens)
    if claim_negates and not source_negates:
        return "it negates what the cited sentence does not"
    # a word the source negates, said outright by the claim more often than the source says it
    # ("no page number" → "a page number"; "...at Locality's conference, but was not at that
    # conference" → "launched at the conference" is fine), and the other way round
    for term in source_negated - claim_negated:
        if claim_outright[term] > source_outright[term]:
            return f"it drops the cited sentence's negation of '{term}'"
    for term in claim_negated - source_negated:
        if source_outright[term] > claim_outright[term]:
            return f"it negates '{term}', which the cited sentence does not"
    return _prefix_conflict(claim_tokens, source_tokens)


def _prefix_conflict(claim_tokens: list[str], source_tokens: list[str]) -> str | None:
    """ "willing" for "unwilling" (or the other way round) flips the sentence too."""
    claim, source = set(claim_tokens), set(source_tokens)
    for ours, theirs in ((claim, source), (source, claim)):
        for token in ours - theirs:
            if token.startswith("un") and len(token) > 5 and token[2:] in theirs:
                return f"'{token}' and '{token[2:]}' say opposite things"
    return None


# ---------------------------------------------------------------- names


class NameUsage:
    """How a library writes each word inside sentences: capitalised (a name) or in lower case."""

    def __init__(self, texts: list[str] = ()):
        self.capitalised: Counter = Counter()
        self.lower: Counter = Counter()
        for text in texts:
            for start, end in sentence_spans(text):
                for word in _TOKEN.findall(_clean(text[start:end]))[1:]:
                    if word[0].isupper():
                        self.capitalised[_key(word)] += 1
                    elif word[0].islower():
                        self.lower[_key(word)] += 1

    def is_name(self, word: str) -> bool:
        key = _key(word)
        return self.capitalised[key] > self.lower[key] or not self.lower[key]


def _key(word: str) -> str:
    return re.sub(r"'s$", "", word.lower())


def _capitalised(word: str) -> bool:
    return (
        word[0].isupper()
        and _key(word) not in STOPWORDS
        and _key(word) not in WORD_NUMBERS
        and _key(word) not in MONTHS_AND_DAYS
        and word != "I"
    )


def _clauses(text: str) -> list[list[str]]:
    """Word runs that start like a sentence: the sentence itself and any part after a colon,
    a dash or an opening quote."""
    return [_TOKEN.findall(part) for part in re.split(r"[:;\"“”]|\s[–—-]\s|^\W+", _clean(text)) if part.strip()]


def _name_conflict(claim: str, source: str, usage: NameUsage | None) -> str | None:
    source_words = _TOKEN.findall(_clean(source))
    known = {_key(w) for w in source_words} | set(content_terms(source))
    acronyms = _acronyms(source_words)
    for clause in _clauses(claim):
        for i, word in enumerate(clause):
            if not _capitalised(word) or _key(word) in known or word in acronyms or set(content_terms(word)) & known:
                continue
            if i == 0 and not _opens_a_name(clause, usage):
                continue
            return f"the name '{word}' is not in the cited sentence"
    return None


def _opens_a_name(clause: list[str], usage: NameUsage | None) -> bool:
    first = clause[0]
    if len(clause) > 1 and _capitalised(clause[1]):
        return True
    if first.isupper() and len(first) > 1 or any(c.isdigit() for c in first):
        return True
    return usage.is_name(first) if usage is not None else False


def _acronyms(source_words: list[str]) -> set[str]:
    """Initials of each run of capitalised words: "New Economics Foundation" → "NEF"."""
    out, run = set(), []
    for word in source_words + [""]:
        if word[:1].isupper():
            run.append(word)
            continue
        for size in range(2, len(run) + 1):
            for start in range(len(run) - size + 1):
                out.add("".join(w[0] for w in run[start : start + size]))
        run = []
    return out


# ---------------------------------------------------------------- the check


def conflict(claim: str, source: str, usage: NameUsage | None = None) -> str | None:
    """Why `claim` disagrees with `source` (one reason, for people to read), or None if it agrees."""
    if " ".join(claim.split()) == " ".join(source.split()):
        return None
    return (
        _number_conflict(claim, source)
        or _date_conflict(claim, source)
        or _negation_conflict(claim, source)
        or _name_conflict(claim, source, usage)
    )


def is_near_quote(claim: str, source: str) -> bool:
    """Almost word for word the source: at least 90% of each sentence's words are in the other."""
    a, b = Counter(words(claim)), Counter(words(source))
    shared = sum((a & b).values())
    return bool(a and b) and shared / sum(a.values()) >= _NEAR_QUOTE and shared / sum(b.values()) >= _NEAR_QUOTE
