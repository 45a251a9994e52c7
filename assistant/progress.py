"""The progress bar long work shows on stderr (ingest, repair, the eval's corpora)."""

from __future__ import annotations

import sys


def progress_bar(total: int, name: str):
    """A bar for `total` chunks of file `name`; returns the function that advances it."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=name[:30], unit="chunk", leave=False, disable=total < 64, file=sys.stderr)

    def tick(n: int) -> None:
        bar.update(n)
        if bar.n >= total:
            bar.close()

    return tick
