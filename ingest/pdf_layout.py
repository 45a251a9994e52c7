"""A PDF page's spans → the page's text as a reader reads it.

Columns are read one after another (a recursive XY cut: split at vertical channels of white
space, then at horizontal gaps wider than a line gap), lines are joined into paragraphs, words
hyphenated across line ends are rejoined, headings become '#' lines of their level, tiny text
inside figures is dropped, and table rows are kept as units that carry their column headers.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field

from .outline import level_of
from .pdf_spans import Span

_BULLET = re.compile(r"^(?:[•●○◦▪■□►▶➢✓\ue000-\uf8ff-]\s*|\d{1,2}[.)]\s+|[a-z][.)]\s+)(?=\S)")
_GLYPH_BULLET = re.compile(r"^[•●○◦▪■□►▶➢✓\ue000-\uf8ff]\s*")  # symbol fonts map bullets to private use
_NUMBERISH = re.compile(r"^[\s\d.,%$£€()+\-–/:x]*$")
MAX_HEADING_WORDS = 14
OUTLIER_GROUP = 8  # a gutter that one line pokes into is looked for in groups of at least this many items
MOSTLY_ONE_SIDE = 0.8  # ... and that line must lie this much in one column (a heading over both does not)
PROSE_WORDS = 4  # median words per line of a column of prose (a table's cells have fewer)
COLUMN_LINES = 6  # lines of two columns under (or over) lines across the page, at least
ACROSS_SEARCH_ITEMS = 400  # ... looked for in groups of at most this many spans


@dataclass
class DocumentStyle:
    """Measured over the whole document: what body text looks like."""

    body_size: float
    body_bold: bool
    line_gap: float  # usual white space between two lines of a paragraph
    heading_sizes: list[float] = field(default_factory=list)  # larger than body, biggest first
    vocabulary: frozenset = frozenset()

    def heading_level(self, line: "Line") -> int:
        numbered = level_of(line.text, 0)
        if numbered:
            return min(numbered, 4)
        bigger = [s for s in self.heading_sizes if line.size >= s - 0.5]
        return min(len(self.heading_sizes) - len(bigger) + 1, 4) if bigger else min(len(self.heading_sizes) + 1, 4)


class _Bounded:
    """The box around a group of spans (a line, a table), for layout decisions."""

    def _all_spans(self) -> list[Span]:
        raise NotImplementedError

    @property
    def x0(self) -> float:
        return min(s.x0 for s in self._all_spans())

    @property
    def x1(self) -> float:
        return max(s.x1 for s in self._all_spans())

    @property
    def y0(self) -> float:
        return min(s.y0 for s in self._all_spans())

    @property
    def y1(self) -> float:
        return max(s.y1 for s in self._all_spans())

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Line(_Bounded):
    spans: list[Span]

    def _all_spans(self) -> list[Span]:
        return self.spans

    @property
    def text(self) -> str:
        return " ".join(s.text for s in sorted(self.spans, key=lambda s: s.x0))

    @property
    def size(self) -> float:
        return max(s.size for s in self.spans)

    @property
    def bold(self) -> bool:
        return all(s.bold for s in self.spans)


def document_style(pages: list[list[Span]]) -> DocumentStyle:
    weights: dict[float, int] = {}
    bold_chars = total_chars = 0
    for spans in pages:
        for span in spans:
            weights[round(span.size)] = weights.get(round(span.size), 0) + len(span.text)
            total_chars += len(span.text)
            bold_chars += len(span.text) if span.bold else 0
    body = max(weights, key=weights.get) if weights else 10.0
    gaps = []
    for spans in pages:
        for above, below in zip(spans, spans[1:]):
            gap = above.y0 - below.y1
            if abs(above.size - below.size) < 1 and 0 <= gap < above.size and _overlap(above, below) > 0:
                gaps.append(gap)
    heading_sizes = sorted(
        {size for size, chars in weights.items() if size >= body * 1.15 and chars >= 3}, reverse=True
    )
    vocabulary = frozenset(w.lower() for spans in pages for s in spans for w in re.findall(r"[A-Za-z]{3,}", s.text))
    return DocumentStyle(
        body_size=float(body),
        body_bold=bold_chars > total_chars / 2,
        line_gap=statistics.median(gaps) if gaps else body * 0.3,
        heading_sizes=[float(s) for s in heading_sizes],
        vocabulary=vocabulary,
    )


def _overlap(a, b) -> float:
    return min(a.x1, b.x1) - max(a.x0, b.x0)


# ---- tables -------------------------------------------------------------------------------


@dataclass
class Table(_Bounded):
    rows: list[list[Span]]  # spans of each row, left to right
    header: list[str]
    header_is_first_row: bool = True  # False when the header was carried over from the page before

    def _all_spans(self) -> list[Span]:
        return [s for row in self.rows for s in row]

    def row_texts(self) -> list[str]:
        """Each body row as 'Header: cell | Header: cell', so a quoted row keeps its meaning."""
        columns = self._columns()
        out = []
        for row in self.rows[1:] if self.header and self.header_is_first_row else self.rows:
            cells = []
            for span in row:
                column = _column_of(span, columns)
                name = self.header[column] if self.header and column < len(self.header) else ""
                cells.append(f"{name}: {span.text}" if name and name != span.text else span.text)
            out.append(" | ".join(cells))
        return out

    def _columns(self) -> list[tuple[float, float]]:
        source = self.rows[0] if self.header and self.header_is_first_row else max(self.rows, key=len)
        return [(s.x0, s.x1) for s in source]


def _column_of(span: Span, columns: list[tuple[float, float]]) -> int:
    overlaps = [min(span.x1, x1) - max(span.x0, x0) for x0, x1 in columns]
    best = max(range(len(columns)), key=lambda i: overlaps[i])
    if overlaps[best] > 0:
        return best
    return min(range(len(columns)), key=lambda i: abs((columns[i][0] + columns[i][1]) / 2 - (span.x0 + span.x1) / 2))


def find_tables(spans: list[Span], style: DocumentStyle) -> tuple[list[Table], list[Span]]:
    """Runs of at least three rows of short cells whose left or right edges line up. Returns the
    tables and the spans that are not in any table."""
    rows = span_rows(spans)
    tables, used = [], set()
    run: list[list[Span]] = []

    def close_run():
        if len(run) >= 3 and _aligned(run):
            tables.append(_table(run, style))
            used.update(id(s) for row in run for s in row)

    for row in rows:
        short_cells = len(row) >= 2 and statistics.median(s.words for s in row) <= 4
        adjacent = not run or (min(s.y0 for s in run[-1]) - max(s.y1 for s in row)) < 2.5 * style.body_size
        if short_cells and adjacent:
            run.append(row)
        else:
            close_run()
            run = [row] if short_cells else []
    close_run()
    return tables, [s for s in spans if id(s) not in used]


def span_rows(spans: list[Span]) -> list[list[Span]]:
    rows: list[list[Span]] = []
    for span in sorted(spans, key=lambda s: -s.middle):
        if rows and abs(rows[-1][0].middle - span.middle) < 0.5 * max(span.size, rows[-1][0].size):
            rows[-1].append(span)
        else:
            rows.append([span])
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def _aligned(rows: list[list[Span]]) -> bool:
    """Most rows share at least two column edges with the widest row."""
    widest = max(rows, key=len)
    lefts = [s.x0 for s in widest]
    rights = [s.x1 for s in widest]
    shared = 0
    for row in rows:
        hits = sum(any(abs(s.x0 - x) < 4 for x in lefts) or any(abs(s.x1 - x) < 4 for x in rights) for s in row)
        shared += hits >= 2
    numeric = sum(any(re.search(r"\d", s.text) for s in row) for row in rows)
    # two narrow columns of prose also line up; a table's rows carry figures
    return shared >= 0.7 * len(rows) and numeric >= 0.5 * len(rows)


def _table(rows: list[list[Span]], style: DocumentStyle) -> Table:
    first = rows[0]
    numeric_first = any(_NUMBERISH.match(s.text) for s in first)
    header = [] if numeric_first else [s.text for s in first]
    return Table(rows=rows, header=header)


# ---- reading order ------------------------------------------------------------------------


def reading_order(items: list, style: DocumentStyle) -> list[list]:
    """Groups of items (spans or tables) in reading order: columns left to right, bands top to
    bottom, recursively."""
    leaves: list[list] = []
    min_channel, min_column = _gutter_sizes(style)
    min_band = style.line_gap + 0.35 * style.body_size

    def cut(group: list) -> None:
        if len(group) > 1:
            columns = _columns(group, min_channel, min_column)
            if len(columns) > 1:
                for column in columns:
                    cut(column)
                return
            bands = _split(group, lambda s: (-s.y1, -s.y0), min_band, ascending=True)
            if len(bands) > 1:
                for band in bands:
                    cut(band)
                return
        leaves.append(sorted(group, key=lambda s: (-round(s.middle / 2), s.x0)))

    cut(items)
    return leaves


def _gutter_sizes(style: DocumentStyle) -> tuple[float, float]:
    """The narrowest white channel that divides columns, and the narrowest column."""
    return max(0.5 * style.body_size, 4.0), 3 * style.body_size


def _side_by_side(items: list, min_channel: float) -> list[list]:
    return _split(items, lambda s: (s.x0, s.x1), min_channel, ascending=True)


def _columns(group: list, min_channel: float, min_column: float) -> list[list]:
    """The group's columns, split at gutters of white space. A gutter that one line pokes into
    (a stray or outdented line of the next column) still splits, the line going to the column
    that holds most of it; a line that spans both sides (a heading over two columns) does not."""
    columns = _side_by_side(group, min_channel)
    if len(columns) > 1 and not _wide(columns, min_column):
        columns = _beside_prose(columns, min_column)
    if len(columns) > 1 or len(group) < OUTLIER_GROUP:
        return columns if _wide(columns, min_column) else [group]
    for outlier in _bridging(group, min_channel):
        rest = [s for s in group if s is not outlier]
        columns = _side_by_side(rest, min_channel)
        if len(columns) > 1 and _wide(columns, min_column):
            width = outlier.x1 - outlier.x0
            held = [min(outlier.x1, max(s.x1 for s in c)) - max(outlier.x0, min(s.x0 for s in c)) for c in columns]
            home = columns[held.index(max(held))]
            if width > 0 and max(held) >= MOSTLY_ONE_SIDE * width:
                home.append(outlier)
                return columns
    return _across_and_columns(group, min_channel, min_column) or [group]


def _beside_prose(columns: list[list], min_column: float) -> list[list]:
    """A column of prose beside a figure whose labels stand in narrow columns of their own (a chart's
    "Industry" over its ring): each narrow column joins its nearer neighbour, so the prose is still
    read apart from the figure. Without a column of prose, of several lines, nothing joins: a table's
    narrow columns stay one table."""
    if not any(_prose(c) and _wide([c], min_column) and len(span_rows(c)) >= COLUMN_LINES for c in columns):
        return columns
    columns = [list(c) for c in columns]
    while len(columns) > 1 and not _wide(columns, min_column):
        i = next(i for i, c in enumerate(columns) if not _wide([c], min_column))
        left = min(s.x0 for s in columns[i]) - max(s.x1 for s in columns[i - 1]) if i > 0 else math.inf
        right = min(s.x0 for s in columns[i + 1]) - max(s.x1 for s in columns[i]) if i + 1 < len(columns) else math.inf
        j = i - 1 if left <= right else i + 1
        a, b = sorted((i, j))
        columns[a : b + 1] = [columns[a] + columns[b]]
    return columns


def _across_and_columns(group: list, min_channel: float, min_column: float) -> list[list] | None:
    """Lines across the page set as close above (or below) two columns of prose as one paragraph
    is to the next (an opening paragraph, a heading): the lines across are read first (or last),
    then each column. Without this, a column's lines interleave with the other's. Of the places
    the page may be cut so, the widest gap between lines is taken: a paragraph's end, not a line
    of it."""
    if len(group) > ACROSS_SEARCH_ITEMS or not all(isinstance(s, Span) for s in group):
        return None
    rows = span_rows(group)  # top to bottom
    best, widest = None, -math.inf
    for first in (True, False):
        # the columns' block grows a row at a time from the bottom (or top) of the group: once no
        # gutter runs through it, none runs through a larger one
        for n in range(COLUMN_LINES, len(rows)):
            block_rows, across_rows = (rows[-n:], rows[:-n]) if first else (rows[:n], rows[n:])
            block = [s for row in block_rows for s in row]
            columns = _side_by_side(block, min_channel)
            if len(columns) < 2:
                break
            across = [s for row in across_rows for s in row]
            upper, lower = (across, block) if first else (block, across)
            gap = min(s.y0 for s in upper) - max(s.y1 for s in lower)
            if gap > widest and _wide(columns, min_column) and all(_prose(c) for c in columns):
                best, widest = ([across, *columns] if first else [*columns, across]), gap
    return best


def _prose(column: list) -> bool:
    """Lines of several words: text, not a table's column of short cells."""
    rows = span_rows([s for s in column if isinstance(s, Span)])
    return bool(rows) and statistics.median(sum(s.words for s in row) for row in rows) >= PROSE_WORDS


def _wide(columns: list[list], min_column: float) -> bool:
    return all(max(s.x1 for s in c) - min(s.x0 for s in c) >= min_column for c in columns)


def _bridging(group: list, min_channel: float) -> list:
    """Items that alone cover an interval at least `min_channel` wide which nothing else covers."""
    edges = sorted({x for s in group for x in (s.x0, s.x1)})
    found = []
    for left, right in zip(edges, edges[1:]):
        if right - left < min_channel:
            continue
        covering = [s for s in group if s.x0 <= left and s.x1 >= right]
        if len(covering) == 1 and covering[0] not in found:
            found.append(covering[0])
    return found


def _split(items: list, extent, min_gap: float, ascending: bool) -> list[list]:
    """Split where no item covers an interval of at least `min_gap` along one axis."""
    ordered = sorted(items, key=lambda s: extent(s)[0])
    groups, reach = [[ordered[0]]], extent(ordered[0])[1]
    for item in ordered[1:]:
        start, end = extent(item)
        if start - reach >= min_gap:
            groups.append([item])
        else:
            groups[-1].append(item)
        reach = max(reach, end)
    return groups


# ---- lines, paragraphs, headings ----------------------------------------------------------


def page_text(spans: list[Span], style: DocumentStyle, carried: Table | None = None) -> tuple[str, list[Table]]:
    """The page as text ('#' heading lines, paragraphs, bullets and table rows, separated by
    blank lines) and its tables. `carried` is the previous page's last table: a table that opens
    this page without a header row of its own continues it, and its rows take that header."""
    spans = [s for s in spans if not _figure_text(s, style)]
    if not spans:
        return "", []
    tables, rest = [], []
    for side in _page_columns(spans, style):  # a table's rows never run on into the next column's text
        found, left = find_tables(side, style)
        tables += found
        rest += left
    if carried is not None and tables:
        first = max(tables, key=lambda t: t.y1)
        opens_page = all(s.y1 <= first.y1 + 1 for s in rest)
        if opens_page and not first.header and carried.header and len(carried.header) == max(map(len, first.rows)):
            first.header, first.header_is_first_row = carried.header, False
    blocks: list[str] = []
    for leaf in reading_order(rest + tables, style):
        lines: list[Line] = []
        for item in leaf:
            if isinstance(item, Table):
                _emit_paragraphs(lines, style, blocks)
                lines = []
                blocks.extend(item.row_texts())
            elif lines and abs(lines[-1].spans[-1].middle - item.middle) < 0.5 * item.size:
                lines[-1].spans.append(item)
            else:
                lines.append(Line([item]))
        _emit_paragraphs(lines, style, blocks)
    return "\n\n".join(_flowing(blocks)), tables


# a paragraph that runs on into the next column: it stops mid-sentence, and the next column's
# first paragraph goes on in lower case ("... for weddings," / "funerals, special church services")
_STOPS_MID_SENTENCE = re.compile(r"[a-z,]$")
_GOES_ON = re.compile(r"^[a-z]")
_NOT_PROSE = re.compile(r"^(#|[-•*]\s|\d{1,2}[.)]\s)|\||\b(https?://|www\.)", re.I)


def _flowing(blocks: list[str]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if (
            out
            and _STOPS_MID_SENTENCE.search(out[-1])
            and _GOES_ON.match(block)
            and not _NOT_PROSE.search(out[-1])
            and not _NOT_PROSE.search(block)
        ):
            out[-1] += " " + block
        else:
            out.append(block)
    return out


def _page_columns(spans: list[Span], style: DocumentStyle) -> list[list[Span]]:
    """The page's columns at gutters that run its whole height (the two pages of a spread, or
    columns no heading crosses), the whole page when there are none. Neighbouring columns of short
    cells are kept together: they are one table's columns."""
    groups: list[list[Span]] = []
    for column in _columns(spans, *_gutter_sizes(style)):
        if groups and not _prose(groups[-1]) and not _prose(column):
            groups[-1] = groups[-1] + column
        else:
            groups.append(column)
    return groups


def _figure_text(span: Span, style: DocumentStyle) -> bool:
    """Labels inside charts and maps: small, and a few words or numbers at most."""
    return span.size < 0.8 * style.body_size and (span.words <= 2 or _NUMBERISH.match(span.text) is not None)


def _emit_paragraphs(lines: list[Line], style: DocumentStyle, blocks: list[str]) -> None:
    paragraph: list[Line] = []
    heading: list[Line] = []

    def flush():
        if heading:
            title = " ".join(line.text for line in heading)
            blocks.append("#" * style.heading_level(heading[0]) + " " + title)
            heading.clear()
        if paragraph:
            blocks.append(_join_lines(paragraph, style))
            paragraph.clear()

    for line in lines:
        if _is_heading(line, style):
            if paragraph or (heading and not _continues_heading(heading[-1], line, style)):
                flush()
            heading.append(line)
            continue
        if heading and heading[-1].bold and line.bold and _continues_heading(heading[-1], line, style):
            paragraph.extend(heading)  # a bold sentence over two lines, not a heading
            heading.clear()
        elif heading or (paragraph and _starts_paragraph(paragraph[-1], line, style)):
            flush()
        paragraph.append(line)
    flush()


def _is_heading(line: Line, style: DocumentStyle) -> bool:
    text = line.text
    words = text.split()
    if not words or len(words) > MAX_HEADING_WORDS or text.endswith((".", ",", ";", ":")) or _BULLET.match(text):
        return False
    if not re.search(r"[A-Za-z]{3,}", text) or not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    if level_of(text, 0) and len(words) <= 10 and _title_case(words[1:]):
        return True  # "2.3.1 Policy Elements": numbered and title-cased, whatever the font
    larger = line.size >= style.body_size * 1.15
    bolder = line.bold and not style.body_bold and line.size >= style.body_size * 0.95
    return larger or bolder


def _title_case(words: list[str]) -> bool:
    significant = [w for w in words if len(w) > 3]
    return bool(significant) and all(w[0].isupper() or not w[0].isalpha() for w in significant)


def _continues_heading(previous: Line, line: Line, style: DocumentStyle) -> bool:
    return (
        abs(previous.size - line.size) < 1
        and previous.bold == line.bold
        and previous.y0 - line.y1 < previous.size
        and level_of(line.text, 0) == 0
    )


def _starts_paragraph(previous: Line, line: Line, style: DocumentStyle) -> bool:
    gap = previous.y0 - line.y1
    if gap > style.line_gap + 0.45 * style.body_size or gap < -line.size:
        return True
    if abs(previous.size - line.size) > 0.25 * max(previous.size, line.size) or _BULLET.match(line.text):
        return True
    # a short line ending a sentence closes its paragraph even without extra space below it
    return previous.text.endswith((".", "!", "?", ":")) and previous.x1 < line.x1 - 3 * style.body_size


def _join_lines(lines: list[Line], style: DocumentStyle) -> str:
    text = _GLYPH_BULLET.sub("• ", lines[0].text)
    for previous, line in zip(lines, lines[1:]):
        following = line.text
        if text.endswith("-") and following[:1].islower():
            word = re.search(r"(\w+)-$", text)
            joined = (word.group(1) + following.split()[0]).lower().strip(".,;:!?)") if word else ""
            # "infor-" + "mation" is one word when the document uses "information" elsewhere;
            # "team-to-" + "team" keeps its hyphen
            text = text[:-1] + following if joined in style.vocabulary else text + following
        else:
            text = f"{text} {following}"
    return text
