"""Figures for kept versions, measured on the real PDFs in ../shared/real-pdfs/ (needs the test extras,
for pikepdf): the `changes` output for an edited report, the `verify` report for a conversation
exported before the update, the store's size on disk with 1, 2 and 5 versions of a 60-page PDF, and
the time to re-ingest an unchanged library that keeps versions.

    .venv/bin/python -m evals.versions_bench [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evals.pdf_edits import change_text, first_pages, insert_page, remove_page
from evals.tables import markdown_table

REAL_PDFS = Path(__file__).resolve().parents[2] / "shared" / "real-pdfs"
NIST, MULTI_PAGE = REAL_PDFS / "nist-sp800-61r2.pdf", REAL_PDFS / "multi_page.pdf"
QUESTIONS = {  # asked before the update, exported, verified after it
    "incident-guide": [
        "Which OMB circular directs agencies to provide help to users when an incident occurs?",
        "Why should standard operating procedures be tested?",
        "Why is automation needed for incident detection?",
    ],
    "word-processors": [
        "When was the typewriter patented and by whom?",
        "Which word processor was popular among legal professionals?",
        "How did word processors change education?",
    ],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("evals/results/versions"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        figures = {
            "edited_pdf": edited_pdf_figures(root / "edited"),
            "store_size": store_size_figures(root / "sizes"),
        }
        figures["reingest_unchanged"] = reingest_figures(root / "sizes")
    (args.out / "versions.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    report = format_report(figures)
    (args.out / "versions.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


def _components(data_dir: Path):
    from assistant.components import Components
    from assistant.settings import Settings

    return Components(Settings.from_env(environ={}, data_dir=data_dir))


def _cli(data_dir: Path, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return run.stdout


def edited_pdf_figures(root: Path) -> dict:
    """The first 20 pages of the NIST guide and the five-page article, then a next edition of each."""
    from assistant.export import conversation_markdown

    folder, data_dir = root / "docs", root / "data"
    folder.mkdir(parents=True)
    first_pages(NIST, 20).save(folder / "incident-guide.pdf")
    shutil.copyfile(MULTI_PAGE, folder / "word-processors.pdf")
    components = _components(data_dir)
    components.library.ingest([folder])
    answers = [components.assistant.ask(q, doc_id=doc) for doc, questions in QUESTIONS.items() for q in questions]
    export = root / "conversation.md"
    export.write_text(conversation_markdown(answers, components.library.documents()), encoding="utf-8")

    edited = first_pages(NIST, 20)
    change_text(edited, 17, b"in 2000,", b"in 2004,")  # a figure on printed page 7
    remove_page(edited, 19)  # printed page 9
    insert_page(edited, 13, NIST, 40)  # a page from later in the guide
    edited.save(folder / "incident-guide.pdf")
    shorter = first_pages(MULTI_PAGE, 5)
    remove_page(shorter, 2)
    shorter.save(folder / "word-processors.pdf")
    ingest_lines = [r.line() for r in components.library.ingest([folder])]
    return {
        "ingest": ingest_lines,
        "export": export.read_text(encoding="utf-8"),
        "changes": _cli(data_dir, "changes", "incident-guide"),
        "changes_json": json.loads(_cli(data_dir, "changes", "incident-guide", "--json")),
        "verify": _cli(data_dir, "verify", str(export)),
        "verify_json": json.loads(_cli(data_dir, "verify", str(export), "--json")),
    }


def store_size_figures(root: Path) -> list[dict]:
    """Five editions of the NIST guide's first 60 pages, each with one figure changed."""
    folder, data_dir = root / "docs", root / "data"
    folder.mkdir(parents=True)
    components = _components(data_dir)
    rows = []
    for edition in range(1, 6):
        pdf = first_pages(NIST, 60)
        if edition > 1:
            change_text(pdf, 17, b"in 2000,", f"in 200{edition - 1},".encode())
        pdf.save(folder / "incident-guide.pdf")
        start = time.perf_counter()
        [result] = components.library.ingest([folder])
        seconds = time.perf_counter() - start
        rows.append(
            {
                "versions": edition,
                "status": result.status,
                "chunks": result.chunks,
                "ingest_s": round(seconds, 1),
                **_sizes(data_dir),
            }
        )
    return [row for row in rows if row["versions"] in (1, 2, 5)]


def _sizes(data_dir: Path) -> dict:
    def mb(folder: Path) -> float:
        return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 2)

    return {"total_mb": mb(data_dir), "chroma_mb": mb(data_dir / "chroma"), "files_mb": mb(data_dir / "files")}


def reingest_figures(sizes_root: Path, runs: int = 5) -> dict:
    """The default corpus beside the five-version guide, ingested again unchanged: in process (the
    library already open) and as the CLI command (a new process each time)."""
    from assistant.settings import Settings

    folder, data_dir = sizes_root / "docs", sizes_root / "data"
    corpus = Settings().corpus_dir
    components = _components(data_dir)
    components.library.ingest([corpus])
    in_process = []
    for _ in range(runs):
        start = time.perf_counter()
        results = components.library.ingest([corpus, folder])
        in_process.append(time.perf_counter() - start)
        assert {r.status for r in results} == {"unchanged"}, [r.line() for r in results]
    cli = []
    for _ in range(runs):
        start = time.perf_counter()
        out = _cli(data_dir, "ingest", str(corpus), str(folder))
        cli.append(time.perf_counter() - start)
        assert " 0 updated" in out, out
    return {
        "documents": len(results),
        "kept_versions": sum(len(r.versions()) for r in components.library.documents()),
        "in_process_median_s": round(statistics.median(in_process), 4),
        "cli_median_s": round(statistics.median(cli), 2),
    }


def format_report(figures: dict) -> str:
    edited, sizes, again = figures["edited_pdf"], figures["store_size"], figures["reingest_unchanged"]
    lines = [
        "## Re-ingest of the edited PDFs",
        "",
        "```",
        *edited["ingest"],
        "```",
        "",
        "## `report-assistant changes incident-guide`",
        "",
        "```",
        edited["changes"].rstrip(),
        "```",
        "",
        "## `report-assistant verify conversation.md` (exported before the update)",
        "",
        "```",
        edited["verify"].rstrip(),
        "```",
        "",
        "## Store size on disk: the NIST guide's first 60 pages, one figure changed per version",
        "",
        markdown_table(
            ["versions kept", "chunks per version", "ingest s", "total MB", "chroma/ MB", "files/ MB"],
            [[r[k] for k in ("versions", "chunks", "ingest_s", "total_mb", "chroma_mb", "files_mb")] for r in sizes],
        ),
    ]
    lines += [
        "",
        f"## Re-ingest of an unchanged library ({again['documents']} documents, {again['kept_versions']} "
        "kept versions)",
        "",
        f"- in process, library open: median {again['in_process_median_s']} s",
        f"- `report-assistant ingest corpus/ docs/` (a new process each time): median {again['cli_median_s']} s",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
