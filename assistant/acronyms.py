"""'What does CSIRT stand for?': the question asks for an acronym's words, and a sentence answers it
only by spelling them out beside it ("Computer Security Incident Response Team (CSIRT)")."""

from __future__ import annotations

import re

_ACRONYM = r"[\"'‘“]?([A-Z][A-Za-z0-9&-]*[A-Z0-9])s?[\"'’”]?"
_ASKED = re.compile(
    rf"(?i:\bwhat\s+(?:does|do|did)\s+(?:the\s+)?(?:acronym\s+|abbreviation\s+)?){_ACRONYM}"
    r"(?i:\s+(?:stand\s+for|mean))\W*$|"
    rf"(?i:\bwhat\s+is\s+(?:the\s+)?(?:acronym\s+|abbreviation\s+)?){_ACRONYM}(?i:\s+short\s+for)\b|"
    rf"(?i:\bwhat\s+is\s+the\s+(?:full\s+(?:name|form)|expansion)\s+of\s+(?:the\s+)?){_ACRONYM}",
)
# words an acronym usually skips: "Department of Health and Social Care" is DHSC
_SKIPPED = frozenset("of and for the in on to a an at by with &".split())


ASKING = frozenset("stand mean short full name form expans acronym abbrevi".split())  # as stems


def asked_acronym(question: str) -> str:
    """The acronym whose words the question asks for ('' when it asks something else)."""
    match = _ASKED.search(question)
    return next((g for g in match.groups() if g), "") if match else ""


def expands(acronym: str, sentence: str) -> bool:
    """Whether the sentence spells the acronym out: its words' initials next to it, in brackets
    either way round ("Words (ACR)", "ACR (Words)"), or after it at the start ("ACR: Words")."""
    letters = acronym.lower().replace("-", "")  # "US-CERT": United States Computer Emergency Readiness Team
    # "Local Multiplier 3 (LM3)", but "the second Payment Services Directive (PSD2)"
    spellings = {letters, letters.rstrip("0123456789")} - {""}
    for match in re.finditer(rf"\(\s*{re.escape(acronym)}s?\s*\)", sentence):
        before = _words(sentence[: match.start()])[-3 * len(letters) :]  # its words stand just before it
        if any(_spelled(before, s, whole=False) for s in spellings):
            return True
    for match in re.finditer(rf"\b{re.escape(acronym)}s?\s*\(([^)]*)\)", sentence):
        inside = _words(match.group(1))
        if len(inside) <= 3 * len(letters) and any(_spelled(inside, s, whole=True) for s in spellings):
            return True
    listed = re.match(rf"\s*{re.escape(acronym)}s?\s*[:–—-]?\s+(.+)", sentence)  # an acronyms appendix's line
    return bool(listed) and any(
        _spelled(_words(listed.group(1))[: len(s) * 2], s, whole=False, tail=False) for s in spellings
    )


def _words(text: str) -> list[str]:
    return [w for w in (w.strip("\"'“”‘’(),;:") for w in re.split(r"[\s/-]+", text)) if w]


def _spelled(words: list[str], letters: str, whole: bool, tail: bool = True) -> bool:
    """Whether the words' initials spell the letters: the last words (`tail`), the first ones, or
    all of them (`whole`). A small word may give its letter ("point of contact", POC) or not
    ("Department of Health", DH)."""
    if not tail:
        words = words[::-1]
        letters = letters[::-1]

    def match(i: int, j: int) -> bool:
        if j < 0:
            return not whole or all(w.lower() in _SKIPPED for w in words[: i + 1])
        if i < 0:
            return False
        word = words[i].lower()
        return (word[0] == letters[j] and match(i - 1, j - 1)) or (word in _SKIPPED and match(i - 1, j))

    return match(len(words) - 1, len(letters) - 1)
