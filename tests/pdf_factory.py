"""Small PDFs made on the spot with fpdf2 (and pikepdf for encryption): known text on known pages.

Each page is a `PageSpec`: an optional header line (top of the page), body paragraphs, an optional
footer line (bottom of the page) and, for a full-page figure, a drawing or a raster image instead of
much text. Text is written in reading order, so a PDF text layer yields header, body, footer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF


@dataclass
class PageSpec:
    body: list[str] = field(default_factory=list)
    header: str | None = None
    footer: str | None = None
    figure: str | None = None  # None, "drawing" (vector shapes) or "image" (a raster picture)


def make_pdf(path: Path, pages: list[PageSpec]) -> Path:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    for spec in pages:
        pdf.add_page()
        if spec.header:
            pdf.set_font("Helvetica", size=9)
            pdf.set_xy(15, 10)
            pdf.cell(180, 6, spec.header, align="R")
        if spec.figure:
            _draw_figure(pdf, spec.figure)
        pdf.set_font("Helvetica", size=11)
        pdf.set_xy(20, 30 if not spec.figure else 250)
        for paragraph in spec.body:
            pdf.multi_cell(170, 6, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
            pdf.set_x(20)
        if spec.footer:
            pdf.set_font("Helvetica", size=9)
            pdf.set_xy(15, 282)
            pdf.cell(180, 6, spec.footer, align="C")
    path = Path(path)
    pdf.output(str(path))
    return path


def _draw_figure(pdf: FPDF, kind: str) -> None:
    if kind == "drawing":
        pdf.set_line_width(1)
        pdf.rect(20, 20, 170, 220)
        for i in range(10):
            pdf.set_fill_color(20 * i, 100, 200 - 15 * i)
            pdf.rect(30 + 15 * i, 200 - 15 * i, 10, 15 * i + 20, style="F")
    elif kind == "image":
        pdf.image(_png_bytes(), x=20, y=20, w=170, h=220)
    else:
        raise ValueError(kind)


def _png_bytes() -> io.BytesIO:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (200, 260), "white")
    draw = ImageDraw.Draw(image)
    for i in range(8):
        draw.rectangle([10 + 22 * i, 240 - 25 * i, 28 + 22 * i, 250], fill=(30 * i, 90, 200 - 20 * i))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def body_text(tag: str, sentences: int = 4) -> list[str]:
    """Body paragraphs whose every sentence names `tag`, so a page's text is recognisable."""
    return [
        " ".join(
            f"Section {tag} sentence {n} discusses local procurement and community wealth in plain words."
            for n in range(1, sentences + 1)
        )
    ]


def report_with_front_matter(
    path: Path, *, numbered_pages: int = 6, figure_at: int = 3, running_header: str | None = None
) -> Path:
    """Cover (no number), front matter printed 'ii' and 'iii', then the body printed 1..N.

    Body page `figure_at` is a full-page figure with a caption and no printed number. With
    `running_header`, body numbers sit in the header as '<running header> N' instead of a footer.
    """
    pages = [PageSpec(body=["Powerful Places Annual Review", "A report on community economies"])]
    pages.append(PageSpec(body=["Contents", "Foreword and summary of the review."], footer="ii"))
    pages.append(PageSpec(body=["Acknowledgements to the many people who helped the review."], footer="iii"))
    for n in range(1, numbered_pages + 1):
        if n == figure_at:
            pages.append(PageSpec(body=["Figure two. Where the money goes in a local economy"], figure="drawing"))
        elif running_header:
            pages.append(PageSpec(body=body_text(f"p{n}"), header=f"{running_header} {n}"))
        else:
            pages.append(PageSpec(body=body_text(f"p{n}"), footer=str(n)))
    return make_pdf(path, pages)


def encrypt_pdf(source: Path, target: Path, *, user_password: str, owner_password: str = "owner-secret") -> Path:
    import pikepdf

    with pikepdf.open(source) as pdf:
        pdf.save(target, encryption=pikepdf.Encryption(owner=owner_password, user=user_password, R=6))
    return Path(target)
