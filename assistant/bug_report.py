"""An exception nobody expected is a bug: its traceback goes to DATA_DIR/logs/report-assistant.log and
the user sees one line naming the error and that file (the CLI on stderr, the chat page in the chat)."""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path


def log_path(data_dir: Path) -> Path:
    return Path(data_dir) / "logs" / "report-assistant.log"


def report_bug(data_dir: Path, exc: BaseException, context: str) -> str:
    """Writes the traceback; returns the one line to show (without a leading 'error: ')."""
    path = log_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} {context}\n")
            log.write("".join(traceback.format_exception(exc)))
        where = f"details in {path}"
    except OSError as write_error:
        where = f"and its details could not be written to {path} ({write_error.strerror or write_error})"
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return f"internal error ({type(exc).__name__}{': ' + detail[:200] if detail else ''}); this is a bug, {where}"
