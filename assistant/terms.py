"""Content words of questions and sentences: stemmed, stopwords removed, weighted by rarity."""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from functools import cached_property, lru_cache

import Stemmer

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me more
most my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself yourselves tell say says said does report reports page pages give
gives given according please show list name named describe explain mention mentions mentioned
much many actual actually happen happened happens think thinks feel feels matter matters overall
anything something main roughly exactly really mean means kind sort thing things get got make made
know known find found use used way ways whether
argue argues argued arguing suggest suggests suggested want wants wanted
""".split()
)
_stemmer = Stemmer.Stemmer("english")
MAX_CORRECTIONS = 12  # distinct unknown words looked up per question
MAX_WORD_LENGTH = 30  # longer "words" are not words: never looked up


# irregular verb forms the stemmer leaves apart from their verb ("came" for "come")
_IRREGULAR = dict(
    pair.split(":")
    for pair in """
came:come went:go gone:go took:take taken:take gave:give given:give made:make wrote:write written:write
began:begin begun:begin brought:bring bought:buy built:build held:hold led:lead met:meet paid:pay ran:run
saw:see seen:see sent:send spent:spend stood:stand taught:teach thought:think told:tell won:win grew:grow
grown:grow knew:know rose:rise risen:rise fell:fall fallen:fall chose:choose chosen:choose drove:drive
driven:drive spoke:speak spoken:speak sold:sell kept:keep lost:lose meant:mean sought:seek caught:catch
found:find understood:understand undertook:undertake undertaken:undertake withdrew:withdraw
""".split()
)


# American -ize spellings as British -ise ones, so "organizations" and "organisations" are one word
# (the stemmer alone makes "organization" "organ", the organ of a church)
_AMERICAN_IZE = re.compile(r"(?<=\w{3})iz(e|es|ed|ing|ation|ations|ational|er|ers)$")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    word = _IRREGULAR.get(word, word)
    return _stemmer.stemWord(_AMERICAN_IZE.sub(r"is\1", word))


def words(text: str) -> list[str]:
    return [w.replace("'s", "") for w in _WORD.findall(text.lower())]


# names whose last word says their kind: a "... Foundation" or "... Trust" is a charity and may be a
# funder, a "... Ltd" a company (as stems)
_KIND_BY_LAST_WORD = {
    "foundat": ("chariti", "funder"),
    "trust": ("chariti", "funder"),
    "fund": ("funder",),
    **{mark: ("compani", "firm") for mark in ("ltd", "limit", "plc", "inc", "llp")},
}
# a name: capitalised words, perhaps joined by "of", "the", "and", "for" ("Friends Provident
# Foundation", "Bank for International Settlements"), or an acronym ("NEF", "LM3")
NAME = re.compile(
    r"\b(?:[A-Z][\w'’&.-]*[a-z0-9][\w'’&.-]*|[A-Z]{2,}[0-9]*)(?:\s+(?:of|the|and|for|&)?\s*"
    r"(?:[A-Z][\w'’&.-]*|[A-Z]{2,}[0-9]*))*"
)


def kind_of_name(name: str) -> tuple[str, ...]:
    """The kinds a name's last word says it is of ('Friends Provident Foundation' → charity, funder)."""
    words = name.split()
    return _KIND_BY_LAST_WORD.get(stem(words[-1].rstrip(".,").lower()), ()) if words else ()


# the last words of an organisation's name, as written ("Shropshire Council", "NEF Consulting"; not
# stems: "Open Banking" is no bank)
_ORGANISATION_WORDS = frozenset(
    (
        "council consulting centre center association institute institution society bank group network "
        "alliance partnership university college agency authority department office commission company "
        "corporation committee team foundation trust fund ltd limited plc inc llp"
    ).split()
)


def names_an_organisation(name: str) -> bool:
    """Whether a name's last word says it is an organisation's ("Friends Provident Foundation")."""
    words = name.split()
    return len(words) > 1 and words[-1].rstrip(".,").lower() in _ORGANISATION_WORDS


# words that mean others they do not write: a population is the people who live in a place (stems)
_MEANS = {"popul": ("peopl", "live", "resid", "inhabit")}


@lru_cache(maxsize=50_000)
def implied_terms(sentence: str) -> frozenset[str]:
    """Terms a sentence says without writing them: the kinds its names of two or more words are of,
    by their last word ("paid for by Friends Provident Foundation" names a charity and a funder),
    and what its words mean ("Witney's population ..." is about the people who live there).
    Cached: the same sentences are scored again for every question near them."""
    names = (m.group(0) for m in NAME.finditer(sentence))
    kinds = {kind for name in names if len(name.split()) > 1 for kind in kind_of_name(name)}
    meant = {term for word in content_terms(sentence) for term in _MEANS.get(word, ())}
    return frozenset(kinds | meant)


def content_terms(text: str) -> list[str]:
    return list(_content_terms(text))


@lru_cache(maxsize=50_000)
def _content_terms(text: str) -> tuple[str, ...]:
    """Cached: the same sentences and paragraphs are read again for every question near them."""
    return tuple(stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))


def _same_case(original: str, correction: str) -> str:
    """'Shropshre' → 'Shropshire', not 'shropshire': a name stays a name for what reads names."""
    if original.isupper() and len(original) > 1:
        return correction.upper()
    return correction[:1].upper() + correction[1:] if original[:1].isupper() else correction


def _one_gap(a: str, b: str) -> bool:
    """Whether the longer of two words is the shorter with one letter put in."""
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class TermStats:
    """Document frequencies over the live chunks: rarity weights and a vocabulary for spelling."""

    def __init__(self, texts: list[str], dictionary: frozenset[str] = frozenset()):
        self.dictionary = dictionary  # real words (never "corrected"), e.g. the embedder's vocabulary
        self.n = max(len(texts), 1)
        self.df = Counter(term for text in texts for term in set(content_terms(text)))
        self.surface = sorted({w for text in texts for w in words(text) if len(w) > 3})

    def idf(self, term: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(term, 0)))

    def known(self, term: str) -> bool:
        return term in self.df

    def correct(self, question: str) -> str:
        """Replace words the corpus never uses by a close corpus word ("aversoin" → "aversion").
        Each look-up compares against the whole vocabulary, so only the first MAX_CORRECTIONS distinct
        unknown words (of at most MAX_WORD_LENGTH letters) are looked up: the cost has a ceiling."""
        looked_up: dict[str, str | None] = {}

        def fix(match: re.Match) -> str:
            word = match.group(0)
            lower = word.lower()
            if len(lower) < 4 or len(lower) > MAX_WORD_LENGTH or lower in STOPWORDS or self.known(stem(lower)):
                return word
            if lower in self.dictionary:
                # a real word the library never uses may still be a slip for one it does ("acton" for
                # "action"): one letter left out or added, in a lower-case word of five letters or more
                near = self._one_letter_apart(lower) if word.islower() and len(lower) >= 5 else None
                return near or word
            if lower not in looked_up:
                if len(looked_up) >= MAX_CORRECTIONS:
                    return word
                cutoff = 0.84 if len(lower) > 5 else 0.75  # one slip in a short word weighs more
                close = difflib.get_close_matches(lower, self.surface, n=1, cutoff=cutoff)
                looked_up[lower] = close[0] if close else None
            return _same_case(word, looked_up[lower]) if looked_up[lower] else word

        return re.sub(r"[A-Za-z]+", fix, question)

    def _one_letter_apart(self, word: str) -> str | None:
        """A library word that is `word` with one letter more or less, if there is exactly one."""
        near = {w for w in self.surface if abs(len(w) - len(word)) == 1 and _one_gap(w, word)}
        return near.pop() if len(near) == 1 else None

    def coverage(self, query_terms: list[str], text_terms: set[str]) -> float:
        """Share of the question's rarity-weighted content found in a text. A doer found for its
        deed counts ("funder" for "funded"): the stemmer keeps them apart."""
        total = sum(self.idf(t) for t in query_terms)
        if not total:
            return 0.0
        text_terms = text_terms | {self.doers[t] for t in text_terms if t in self.doers}
        return sum(self.idf(t) for t in query_terms if t in text_terms or self.doers.get(t) in text_terms) / total

    @cached_property
    def doers(self) -> dict[str, str]:
        """'funder' → 'fund', 'employer' → 'employ': a stem ending in -er whose base the library also
        uses as a verb ('funded', 'funding')."""
        verbs = {w[:-2] for w in self.surface if w.endswith("ed")} | {w[:-3] for w in self.surface if w.endswith("ing")}
        return {t: t[:-2] for t in self.df if len(t) > 5 and t.endswith("er") and t[:-2] in self.df and t[:-2] in verbs}
