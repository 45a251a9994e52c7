"""Files on disk as an ingest meets them: their hashes, their names in messages, the space a version
needs, and what a full disk looks like."""

from __future__ import annotations

import errno
import hashlib
import math
import os
import re
from pathlib import Path

from .errors import ReportAssistantError
from .pages import LoadedDocument

STORE_MIN_FREE_MB = 2  # below this, the embedded store is not written to (see Library._store_may_write)


class DiskFull(ReportAssistantError):
    """The disk filled up during an ingest; what the new version had written is removed again."""


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return any(sign in text for sign in ("no space left", "disk is full", "os error 28", "quota exceeded"))


def no_space(data_dir: Path, needed_mb: int) -> str:
    return (
        f"no space left on device in {data_dir} (needs about {needed_mb} MB free, has "
        f"{free_mb(data_dir):.1f} MB; free some space and ingest again)"
    )


def free_mb(folder: Path) -> float:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize / 2**20


def space_needed(path: Path, loaded: LoadedDocument, dimension: int) -> int:
    """A rough size of a version on disk: the file copy and its page texts, then per character of
    text the chunk text (stored twice: table and full-text index) and the vectors of its chunks and
    sentences."""
    chars = sum(len(page.text) for page in loaded.pages)
    per_char = 4 + 4 * dimension * (1 / 120 + 3 / 900)  # a sentence per ~120 chars, a chunk per ~900
    return math.ceil((path.stat().st_size + chars * per_char) / 2**20) + 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def printable(name: str) -> str:
    """A file name for a one-line message: control and line-breaking characters become '?'."""
    return _UNPRINTABLE.sub("?", name)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # surrogates: undecodable bytes
