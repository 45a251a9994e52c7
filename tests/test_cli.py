"""`report-assistant` as a user runs it: a subprocess, its exit code and what it prints."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import run_python
from pdf_factory import report_with_front_matter

from ingest.registry import Registry

PUBLIC_KEYS = {"id", "title", "kind", "version", "pages", "chunks", "sha256", "ingested_at", "source", "versions"}


def _cli(*args, data_dir, cwd):
    return run_python(["-m", "assistant.cli", "--data-dir", str(data_dir), *args], cwd=cwd)


@pytest.mark.slow
def test_cli_ingest_status_and_forget(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    data_dir = tmp_path / "store"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = report_with_front_matter(inbox / "Annual Review 2017.pdf")
    (inbox / "login.pdf").write_text("<html><body>Session expired</body></html>")
    missing = inbox / "never-downloaded.pdf"

    ingest = _cli("ingest", str(inbox / "login.pdf"), str(missing), str(good), data_dir=data_dir, cwd=cwd)

    assert ingest.returncode == 1, ingest.stdout + ingest.stderr
    assert "Traceback" not in ingest.stderr
    lines = ingest.stdout.splitlines()
    failed = [line for line in lines if line.startswith("failed")]
    assert len(failed) == 2
    assert re.match(r"failed\s+login\s+login\.pdf: not really a PDF \(starts like an HTML page\)$", failed[0])
    assert re.match(r"failed\s+never-downloaded\s+never-downloaded\.pdf: file not found$", failed[1])
    assert any(re.match(r"new\s+annual-review-2017\s+9 pages, \d+ chunks$", line) for line in lines)
    assert lines[-1] == "1 new, 0 updated, 0 unchanged, 0 removed, 2 failed"
    assert list(cwd.iterdir()) == [], "the CLI wrote outside its data dir"
    assert (data_dir / "documents.json").is_file()

    status = _cli("status", "--json", data_dir=data_dir, cwd=cwd)
    assert status.returncode == 0, status.stderr
    [document] = json.loads(status.stdout)["documents"]
    assert set(document) == PUBLIC_KEYS
    record = Registry(data_dir / "documents.json").load()["annual-review-2017"]
    assert document == {
        "id": "annual-review-2017",
        "title": "Annual Review 2017",
        "kind": "document",
        "version": 1,
        "pages": 9,
        "chunks": record.chunks,
        "sha256": record.sha256,
        "ingested_at": record.ingested_at,
        "source": str(good.resolve()),
        "versions": [
            {
                "version": 1,
                "live": True,
                "sha256": record.sha256,
                "source": str(good.resolve()),
                "ingested_at": record.ingested_at,
                "pages": 9,
                "chunks": record.chunks,
            }
        ],
    }
    assert re.fullmatch(r"[0-9a-f]{64}", document["sha256"]) and document["chunks"] > 0
    assert dt.datetime.fromisoformat(document["ingested_at"]).tzinfo is not None

    forget = _cli("forget", "no-such-doc", data_dir=data_dir, cwd=cwd)
    assert forget.returncode == 1
    assert forget.stderr.strip().splitlines()[-1] == "error: no document with id 'no-such-doc'"
    assert set(Registry(data_dir / "documents.json").load()) == {"annual-review-2017"}


def test_an_unexpected_exception_is_one_line_naming_the_log(tmp_path):
    """A bug (here: the registry's loader made to divide by zero) is not a traceback on the user's
    screen: one line names the error and the log file, and the log holds the traceback."""
    data_dir = tmp_path / "store"
    script = (
        "import sys\nimport ingest.registry\n"
        "ingest.registry.Registry.load = lambda self: 1 / 0\n"
        "from assistant.cli import main\n"
        f"sys.exit(main(['status', '--data-dir', {str(data_dir)!r}]))\n"
    )
    run = run_python(["-c", script], cwd=tmp_path)

    log = data_dir / "logs" / "report-assistant.log"
    assert run.returncode == 70
    assert run.stderr.strip() == (
        f"error: internal error (ZeroDivisionError: division by zero); this is a bug, details in {log}"
    )
    assert "Traceback (most recent call last)" in log.read_text()
    assert log.read_text().rstrip().endswith("ZeroDivisionError: division by zero")
