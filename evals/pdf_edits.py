"""Edits of real PDFs with pikepdf (a test extra), as a publisher's next edition would make them: the
first pages of a report, one figure changed in a page's text, a page inserted from elsewhere, a page removed."""

from __future__ import annotations

from pathlib import Path

import pikepdf


def first_pages(source: Path, count: int) -> pikepdf.Pdf:
    pdf = pikepdf.open(source)
    del pdf.pages[count:]
    return pdf


def change_text(pdf: pikepdf.Pdf, page_number: int, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` (as long) where it occurs once in the page's single-byte text strings,
    even split across a TJ array's pieces; the glyphs keep their places (digits share one width)."""
    assert len(old) == len(new), "a same-length edit keeps the line's layout"
    page = pdf.pages[page_number - 1]
    instructions = pikepdf.parse_content_stream(page)
    pieces = []  # (instruction index, array index or None, string bytes)
    for n, (operands, operator) in enumerate(instructions):
        if str(operator) == "TJ":
            pieces += [(n, k, bytes(item)) for k, item in enumerate(operands[0]) if isinstance(item, pikepdf.String)]
        elif str(operator) == "Tj":
            pieces.append((n, None, bytes(operands[0])))
    text = b"".join(piece for _, _, piece in pieces)
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times on page {page_number}"
    at = text.index(old)
    edited = text[:at] + new + text[at + len(old) :]
    offset = 0
    for n, k, piece in pieces:
        replacement = edited[offset : offset + len(piece)]
        offset += len(piece)
        if replacement != piece:
            operands = instructions[n][0]
            if k is None:
                operands[0] = pikepdf.String(replacement)
            else:
                operands[0][k] = pikepdf.String(replacement)
    page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def insert_page(pdf: pikepdf.Pdf, at: int, source: Path, page_number: int) -> None:
    """Put page `page_number` of `source` in as page `at` (1-based)."""
    other = pikepdf.open(source)
    pdf.pages.insert(at - 1, other.pages[page_number - 1])


def remove_page(pdf: pikepdf.Pdf, page_number: int) -> None:
    del pdf.pages[page_number - 1]
