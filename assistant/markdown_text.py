"""Text shown through Markdown (chat, export) stays text: no raw HTML, no remote images."""

from __future__ import annotations

import html
import re


def safe_markdown(text: str) -> str:
    """Any text (a question, an answer, a quote, a title) made inert for a Markdown renderer: HTML is
    escaped, and brackets and '!' are escaped, so it makes no link, image or auto-fetch of its own."""
    text = html.escape(text, quote=False)
    text = re.sub(r"([\[\]])", r"\\\1", text)  # '[x](javascript:...)' stays text
    return re.sub(r"!", r"\\!", text)


def inert_markdown(text: str) -> str:
    """The lighter form for a file people read raw too (the export): only `<` (which starts any HTML)
    and image syntax are neutralised, so quotes stay as close to the page's words as possible."""
    return re.sub(r"!\[", r"!\\[", text.replace("<", "&lt;"))
