"""The one way the evaluation and the benchmarks print figures: Markdown tables (readable on a
terminal, rendered in the .md reports) of values formatted one way."""

from __future__ import annotations


def figure(value, digits: int = 3) -> str:
    """'-' for nothing, floats to `digits` decimals (scores), everything else as it is."""
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def measure(value) -> str:
    """A measurement of any size (ms, chunks/s, MB): three significant figures."""
    return "-" if value is None else f"{value:.3g}" if isinstance(value, float) else str(value)


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
