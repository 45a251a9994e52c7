"""A full disk during an ingest, on a real small file system (a tmpfs of a few MB, mounted when the
test runs as root): one line "no space left on device (needs about N MB)", the new version's partial
files removed, the previous version still answering, and the next ingest working once space is freed."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

SMALL_FS_MB = 16
HARBOUR_V1 = (
    "<!-- page 1 -->\n# Harbour plan\n\nThe harbour plan commits the council to spend forty percent of "
    "its procurement budget with local firms by 2030.\n"
)
HARBOUR_V2 = HARBOUR_V1.replace("forty percent", "sixty-five percent")
QUESTION = "What share of its procurement budget does the harbour plan commit the council to spend locally?"
# free space left when the big ingest starts: next to none, or most of what the new version needs (enough
# for its sentence vectors and file copy, not for its chunks); either way nothing of it may be left behind
FREE_KB = {"almost-none": 64, "most-of-it": 1_760}


def _atlas() -> str:
    """About 115 KB of Markdown over 120 pages: a version needing a few MB in the store."""
    rng = random.Random(5)
    words = (
        "council harbour local procurement anchor institution spend community economy resilience pilot "
        "area report evidence supplier business network"
    ).split()
    pages = [
        f"<!-- page {n} -->\n"
        + " ".join(" ".join(rng.choice(words) for _ in range(14)).capitalize() + "." for _ in range(8))
        for n in range(1, 121)
    ]
    return "\n".join(pages) + "\n"


@pytest.fixture
def small_fs(tmp_path):
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_FS_MB}m,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(mount_point: Path, leave_kb: int) -> Path:
    stat = os.statvfs(mount_point)
    free = stat.f_bavail * stat.f_frsize
    filler = mount_point / "filler"
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave_kb * 1024))
    return filler


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_ASSISTANT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("where", list(FREE_KB))
def test_a_full_disk_fails_in_one_line_and_keeps_the_previous_version(where, small_fs, tmp_path, make_components):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour-plan.md").write_text(HARBOUR_V1, encoding="utf-8")
    data_dir = small_fs / "data"
    assert [r.status for r in make_components(data_dir).library.ingest([docs])] == ["new"]
    registry_before = (data_dir / "documents.json").read_bytes()
    files_before = sorted(p.name for p in (data_dir / "files").iterdir())

    (docs / "harbour-plan.md").write_text(HARBOUR_V2, encoding="utf-8")
    (docs / "atlas.md").write_text(_atlas(), encoding="utf-8")
    filler = _fill(small_fs, FREE_KB[where])
    result = _cli(
        "--data-dir", str(data_dir), "ingest", str(docs / "atlas.md"), str(docs / "harbour-plan.md"), cwd=tmp_path
    )

    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stdout + result.stderr
    atlas_line = next(line for line in result.stdout.splitlines() if line.startswith("failed     atlas"))
    assert "no space left on device in" in atlas_line and "(needs about" in atlas_line, result.stdout
    needs_mb = int(atlas_line.split("needs about ")[1].split()[0])
    assert 2 <= needs_mb <= 10, atlas_line  # the version takes about 2.5 MB on disk
    # nothing of the failed versions is left behind, and the registry is as it was
    assert sorted(p.name for p in (data_dir / "files").iterdir()) == files_before
    assert (data_dir / "documents.json").read_bytes() == registry_before
    assert not (data_dir / "documents.tmp").exists()

    still = make_components(data_dir)  # the disk is still full: the previous version answers
    assert still.library.problems() == {}
    answer = still.assistant.ask(QUESTION)
    assert "forty percent" in answer.text and not answer.abstained, answer.text

    filler.unlink()
    again = make_components(data_dir).library.ingest([docs])
    assert sorted((r.doc_id, r.status) for r in again) == [("atlas", "new"), ("harbour-plan", "updated")], [
        r.line() for r in again
    ]
    fresh = make_components(data_dir)
    assert fresh.library.problems() == {}
    answer = fresh.assistant.ask(QUESTION)
    assert "sixty-five percent" in answer.text, answer.text
