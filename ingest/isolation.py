"""Untrusted PDFs are parsed in a child process with a time and memory limit, so a parser hang,
a decompression bomb or a crash in native code costs one file, never the app."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

from .pages import DocumentError, Limits, LoadedDocument


def parse_isolated(path: Path, limits: Limits) -> LoadedDocument:
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited threads or locks
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_parse_in_child, args=(str(path), limits, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.parse_timeout_s):
            raise DocumentError(f"parsing took longer than {limits.parse_timeout_s} s (limit); "
                                "the file may be malformed or hostile")
        status, payload = receiver.recv()
    except EOFError:
        child.join(5)
        raise DocumentError(_crash_reason(child.exitcode, limits)) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    if status == "error":
        raise DocumentError(payload)
    return payload


def _crash_reason(exitcode: int | None, limits: Limits) -> str:
    if exitcode is not None and exitcode < 0:
        return (f"the PDF parser was killed by signal {-exitcode} (out of its "
                f"{limits.parse_memory_mb} MB memory limit, or a malformed file)")
    return f"the PDF parser crashed (exit code {exitcode}); the file is likely malformed"


def _parse_in_child(path: str, limits: Limits, sender) -> None:
    import resource

    memory = limits.parse_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from .pdf_loader import parse_pdf_pages

    try:
        sender.send(("ok", parse_pdf_pages(Path(path), limits)))
    except DocumentError as exc:
        sender.send(("error", str(exc)))
    except MemoryError:
        sender.send(("error", f"parsing needed more than the {limits.parse_memory_mb} MB memory limit "
                              "(a decompression bomb?)"))
    except Exception as exc:  # any parser failure is this file's problem, reported in one line
        sender.send(("error", f"the PDF cannot be read ({type(exc).__name__}: {exc})".splitlines()[0]))
    finally:
        sender.close()
