"""What changed between two versions of a document, page by page.

Pages are matched by their text, not their number: pages whose text is the same on both sides are
paired first, in order (so one page inserted early on shifts nothing); between those, a page is the
same page edited when most of its words are kept in order, and otherwise it was removed or added.
Within an edited page, sentences are compared the same way: kept, changed (most words kept),
removed or added.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Callable

from .pages import Page
from .sentences import sentence_spans

# Share of the words two pages keep in order (difflib's ratio over their words) for them to be one
# page edited. Measured over every pair of distinct pages in the real PDFs and the digests, the most
# alike were two templated digest pages (0.70, under different labels) and two contents pages of the
# NIST guide (0.44): a page under another label must keep more than the first, one keeping its label
# (which may be only its position, in a file without printed numbers) more than the second.
PAGE_MATCH = 0.75
PAGE_MATCH_SAME_LABEL = 0.5
SENTENCE_MATCH = 0.5  # the same for a sentence: edited rather than replaced by another


@dataclass
class PageChange:
    change: str  # added | removed | changed
    before: Page | None = None
    after: Page | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)  # (before, after)

    def to_json(self) -> dict:
        return {
            "change": self.change,
            "from_page": self.before.label if self.before else None,
            "from_pdf_page": self.before.pdf_page if self.before else None,
            "to_page": self.after.label if self.after else None,
            "to_pdf_page": self.after.pdf_page if self.after else None,
            "added": self.added,
            "removed": self.removed,
            "changed": [{"from": old, "to": new} for old, new in self.changed],
        }


@dataclass
class Changes:
    pages: list[PageChange]
    unchanged: int  # pages with the same text on both sides
    moved: int  # ... of which at another position or under another label

    def count(self, change: str) -> int:
        return sum(p.change == change for p in self.pages)

    def summary(self) -> dict:
        return {
            "pages_added": self.count("added"),
            "pages_removed": self.count("removed"),
            "pages_changed": self.count("changed"),
            "pages_unchanged": self.unchanged,
            "pages_moved": self.moved,
        }

    def line(self) -> str:
        """'pages added: 4; removed: 3; altered: 2, 6→7' (the labels of each side)."""
        parts = {
            "pages added": [p.after.label for p in self.pages if p.change == "added"],
            "removed": [p.before.label for p in self.pages if p.change == "removed"],
            "altered": [
                p.after.label if p.after.label == p.before.label else f"{p.before.label}→{p.after.label}"
                for p in self.pages
                if p.change == "changed"
            ],
        }
        text = "; ".join(f"{name}: {', '.join(labels)}" for name, labels in parts.items() if labels)
        return text or "text unchanged, metadata updated"


def compare(before: list[Page], after: list[Page]) -> Changes:
    old_keys, new_keys = [_flat(p.text) for p in before], [_flat(p.text) for p in after]
    pages, unchanged, moved = [], 0, 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            unchanged += i2 - i1
            moved += sum(before[i1 + k].label != after[j1 + k].label or i1 != j1 for k in range(i2 - i1))
            continue
        old, new = before[i1:i2], after[j1:j2]
        words_old, words_new = [_words(p.text) for p in old], [_words(p.text) for p in new]

        def same_page(i: int, j: int) -> float | None:
            need = PAGE_MATCH_SAME_LABEL if old[i].label == new[j].label else PAGE_MATCH
            score = _similarity(words_old[i], words_new[j], need)
            return score if score >= need else None

        for i, j in align(len(old), len(new), same_page):
            change = _page_change(old[i] if i is not None else None, new[j] if j is not None else None)
            if change is None:
                unchanged += 1
            else:
                pages.append(change)
    return Changes(pages, unchanged, moved)


def _page_change(before: Page | None, after: Page | None) -> PageChange | None:
    old = _sentences(before.text) if before else []
    new = _sentences(after.text) if after else []
    if before is None or after is None:
        return PageChange("added" if before is None else "removed", before, after, added=new, removed=old)
    change = PageChange("changed", before, after)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        left, right = old[i1:i2], new[j1:j2]
        words_left, words_right = [_words(s) for s in left], [_words(s) for s in right]

        def same_sentence(i: int, j: int) -> float | None:
            score = _similarity(words_left[i], words_right[j], SENTENCE_MATCH)
            return score if score >= SENTENCE_MATCH else None

        for i, j in align(len(left), len(right), same_sentence):
            if i is not None and j is not None:
                change.changed.append((left[i], right[j]))
            elif i is not None:
                change.removed.append(left[i])
            else:
                change.added.append(right[j])
    return change if (change.added or change.removed or change.changed) else None


def align(n: int, m: int, similar: Callable[[int, int], float | None]) -> list[tuple[int | None, int | None]]:
    """Pairs (i, j) of two sequences, in order on both sides, that maximise the summed similarity
    (`similar` gives None for a pair that may not be matched); unpaired items come as (i, None) or
    (None, j), the removed ones before the added ones of the same gap."""
    cache: dict[tuple[int, int], float | None] = {}

    def score(i: int, j: int) -> float | None:
        if (i, j) not in cache:
            cache[(i, j)] = similar(i, j)
        return cache[(i, j)]

    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = score(i, j)
            best[i][j] = max(best[i + 1][j], best[i][j + 1], pair + best[i + 1][j + 1] if pair is not None else -1.0)
    out, gap_old, gap_new, i, j = [], [], [], 0, 0
    while i < n and j < m:
        pair = score(i, j)
        if pair is not None and best[i][j] == pair + best[i + 1][j + 1]:
            out += [(k, None) for k in gap_old] + [(None, k) for k in gap_new] + [(i, j)]
            gap_old, gap_new, i, j = [], [], i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            gap_old.append(i)
            i += 1
        else:
            gap_new.append(j)
            j += 1
    gap_old += range(i, n)
    gap_new += range(j, m)
    return out + [(k, None) for k in gap_old] + [(None, k) for k in gap_new]


def _similarity(a: list[str], b: list[str], need: float) -> float:
    """difflib's ratio over words, skipped (0.0) when even the shared words could not reach `need`."""
    if not a or not b:
        return 0.0
    shared = sum((Counter(a) & Counter(b)).values())
    if 2 * shared / (len(a) + len(b)) < need:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _sentences(text: str) -> list[str]:
    return [_flat(text[start:end]) for start, end in sentence_spans(text)]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
