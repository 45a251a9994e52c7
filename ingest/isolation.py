"""Untrusted PDFs are parsed in a child process with a time and memory limit, so a parser hang,
a decompression bomb or a crash in native code costs one file, never the app.

The child is a fresh interpreter (`python -m ingest.isolation`), not a multiprocessing spawn,
which would re-run the caller's main script."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from .pages import DocumentError, Limits, LoadedDocument

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


def parse_isolated(path: Path, limits: Limits) -> LoadedDocument:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "ingest.isolation", str(path), json.dumps(dataclasses.asdict(limits))]
    try:
        child = subprocess.run(
            command, capture_output=True, timeout=limits.parse_timeout_s, env=env, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child
        raise DocumentError(
            f"parsing took longer than {limits.parse_timeout_s} s (limit); the file may be malformed or hostile"
        ) from None
    if child.returncode != 0 or not child.stdout:
        raise DocumentError(_crash_reason(child.returncode, limits))
    status, payload = pickle.loads(child.stdout)
    if status == "error":
        raise DocumentError(payload)
    return payload


def _crash_reason(exitcode: int, limits: Limits) -> str:
    if exitcode < 0:
        return (
            f"the PDF parser was killed by signal {-exitcode} (out of its "
            f"{limits.parse_memory_mb} MB memory limit, or a malformed file)"
        )
    return f"the PDF parser crashed (exit code {exitcode}); the file is likely malformed"


def _parse_in_child(path: str, limits: Limits) -> tuple[str, object]:
    import resource

    memory = limits.parse_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from .pdf_loader import parse_pdf_pages

    try:
        return "ok", parse_pdf_pages(Path(path), limits)
    except DocumentError as exc:
        return "error", str(exc)
    except MemoryError:
        return "error", (
            f"parsing needed more than the {limits.parse_memory_mb} MB memory limit (a decompression bomb?)"
        )
    except Exception as exc:  # any parser failure is this file's problem, reported in one line
        return "error", f"the PDF cannot be read ({type(exc).__name__}: {exc})".splitlines()[0]


if __name__ == "__main__":
    result = _parse_in_child(sys.argv[1], Limits(**json.loads(sys.argv[2])))
    sys.stdout.buffer.write(pickle.dumps(result))
