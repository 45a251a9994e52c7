"""`report-assistant`: a thin shell over the same functions the web UI calls."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ingest.errors import ReportAssistantError
from ingest.pages import page_reference

from .bug_report import report_bug
from .progress import progress_bar
from .settings import Settings, SettingsError, describe
from .version_commands import add_version_commands


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(data_dir=args.data_dir)
    except SettingsError as exc:  # checked before any command runs, even `status`
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _set_library_environment(settings)
    try:
        return args.run(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ReportAssistantError as exc:  # every failure a user can act on is one readable line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # anything else is a bug: one line here, the traceback in the log
        print(f"error: {report_bug(settings.data_dir, exc, ' '.join(sys.argv))}", file=sys.stderr)
        return 70


def _set_library_environment(settings: Settings) -> None:
    """What the libraries read from the environment themselves, set once here: no model hub unless
    downloads are allowed, no Gradio analytics, and matplotlib's font cache (Gradio and the eval's
    chart import it) in the data dir rather than in ~/.cache."""
    if not settings.allow_downloads:
        os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("MPLCONFIGDIR", str(Path(settings.data_dir).resolve() / "cache" / "matplotlib"))


def _parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {name} (default {default}): {text}" for name, default, text in describe())
    parser = argparse.ArgumentParser(
        prog="report-assistant",
        description="Ask questions of long reports; answers cite pages.",
        epilog="settings (environment variables):\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, help="store folder (env REPORT_ASSISTANT_DATA_DIR)")
    # global options are accepted after the command too; SUPPRESS keeps a value given before it
    global_options = argparse.ArgumentParser(add_help=False)
    global_options.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="store folder (env REPORT_ASSISTANT_DATA_DIR)"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    for add in (_add_library_commands, _add_question_commands, _add_measuring_commands, add_version_commands):
        add(commands, global_options)
    return parser


def _add_library_commands(commands, global_options) -> None:
    """What is stored: ingest, repair, status, outline, forget."""
    ingest = commands.add_parser("ingest", parents=[global_options], help="add or update documents (files or folders)")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    ingest.add_argument(
        "--allow-duplicates", action="store_true", help="store a file even when another document has the same content"
    )
    ingest.set_defaults(run=run_ingest)

    repair = commands.add_parser(
        "repair", parents=[global_options], help="restore a damaged registry and rebuild missing chunks or copies"
    )
    repair.set_defaults(run=run_repair)

    status = commands.add_parser("status", parents=[global_options], help="list the ingested documents")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_status)

    outline = commands.add_parser(
        "outline", parents=[global_options], help="a document's sections and the pages they start on"
    )
    outline.add_argument("doc_id")
    outline.add_argument("--json", action="store_true", help="print one JSON object")
    outline.set_defaults(run=run_outline)

    forget = commands.add_parser(
        "forget",
        parents=[global_options],
        help="remove a document (all its versions) or one kept version from the store",
    )
    forget.add_argument("doc_id")
    forget.add_argument("--version", type=int, help="only this kept version (not the live one)")
    forget.set_defaults(run=run_forget)


def _add_question_commands(commands, global_options) -> None:
    """Asking: one question, or the chat page."""
    ask = commands.add_parser("ask", parents=[global_options], help="ask one question; the answer cites pages")
    ask.add_argument("question")
    ask.add_argument("--doc", help="only this document id")
    ask.add_argument("--kind", help="only documents of this kind (report, summary, case-study, ...)")
    ask.add_argument("--version", type=int, help="with --doc: answer from this kept version of the document")
    ask.add_argument("--mode", default="extractive", choices=["extractive", "llama-cpp", "openai"])
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.set_defaults(run=run_ask)

    chat = commands.add_parser(
        "chat", parents=[global_options], help="start the chat page (ingests corpus/ into an empty store)"
    )
    chat.add_argument("--host", help="listen address (default 127.0.0.1)")
    chat.add_argument("--port", type=int, help="port (default 7860)")
    chat.set_defaults(run=run_chat)


def _add_measuring_commands(commands, global_options) -> None:
    """How well and how fast: eval and bench."""
    evaluate = commands.add_parser("eval", parents=[global_options], help="score answers on a question set (gates CI)")
    evaluate.add_argument(
        "--questions", type=Path, help="one question file (default: every set in evals/, each over its own corpus)"
    )
    evaluate.add_argument("--json", type=Path, help="also write the JSON result here")
    evaluate.add_argument("--mode", default="extractive", choices=["extractive", "llama-cpp", "openai"])
    evaluate.add_argument("--results-dir", type=Path, help="default: DATA_DIR/eval-results")
    evaluate.add_argument("--no-baseline", action="store_true", help="skip the LlamaIndex starter")
    evaluate.add_argument(
        "--calibrate", action="store_true", help="also print the best abstention weight/threshold for this question set"
    )
    evaluate.set_defaults(run=run_eval)

    bench = commands.add_parser(
        "bench", parents=[global_options], help="speed figures beside the plain LlamaIndex starter"
    )
    bench.add_argument("--quick", action="store_true", help="small inputs (for CI)")
    bench.add_argument("--out", type=Path, help="results folder (default: DATA_DIR/bench-results)")
    bench.set_defaults(run=run_bench)


def run_ingest(args, settings: Settings) -> int:
    from .components import Components

    results = Components(settings).library.ingest(
        args.paths, prune=args.prune, progress=progress_bar, allow_duplicates=args.allow_duplicates
    )
    for result in results:
        print(result.line())
        for warning in result.warnings:
            print(f"          warning: {warning}")
    failed = sum(r.status == "failed" for r in results)
    counts = {s: sum(r.status == s for r in results) for s in ("new", "updated", "unchanged", "removed")}
    skipped = sum(r.status == "skipped" for r in results)
    print(
        ", ".join(f"{n} {s}" for s, n in counts.items())
        + f", {failed} failed"
        + (f", {skipped} skipped as duplicates" if skipped else "")
    )
    return 1 if failed else 0


def run_status(args, settings: Settings) -> int:
    from ingest.versions import kept_numbers, versions_json

    from .components import Components

    components = Components(settings)
    documents = components.registry.load().values()
    problems = components.library.problems(kept=True) if documents else {}
    if args.json:
        # "problems" appears only on a document that has some: a healthy store prints the stable schema
        print(
            json.dumps(
                {
                    "documents": [
                        d.public()
                        | {"versions": versions_json(d)}
                        | ({"problems": problems[d.id]} if d.id in problems else {})
                        for d in documents
                    ]
                },
                indent=2,
            )
        )
        return 1 if problems else 0
    if not documents:
        print(f"no documents in {settings.data_dir}; run: report-assistant ingest PATH")
    for d in documents:
        print(f"{d.id:<28} {d.kind:<10} v{d.version:<3} {d.pages:>5} pages {d.chunks:>6} chunks  {d.title}")
        if d.previous:
            print(f"  versions kept: {kept_numbers(d)} (live: {d.version})")
        for problem in problems.get(d.id, []):
            print(f"  DAMAGED: {problem}; run: report-assistant repair")
    return 1 if problems else 0


def run_repair(args, settings: Settings) -> int:
    from .components import Components

    results = Components(settings).library.repair(progress=progress_bar)
    for result in results:
        print(result.line())
    if not results:
        print("nothing to repair: the registry, the chunk store and the stored copies agree")
    return 1 if any(r.status == "failed" for r in results) else 0


def run_ask(args, settings: Settings) -> int:
    from .answering import check_question
    from .components import Components

    check_question(args.question, settings.max_question_chars)  # before any model or store is opened
    components = Components(settings)
    if not components.registry.load():
        print(f"error: no documents in {settings.data_dir}; run: report-assistant ingest PATH", file=sys.stderr)
        return 1
    answer = components.assistant.ask(
        args.question, doc_id=args.doc, kind=args.kind, mode=args.mode, version=args.version
    )
    if args.json:
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(answer.text)
    if answer.citations:
        print()
    for number, citation in enumerate(answer.citations, start=1):
        print(f"[{number}] {citation.text()}")
    return 0


def run_chat(args, settings: Settings) -> int:
    from .components import Components, ingest_default_corpus_if_empty

    settings = settings.with_overrides(host=args.host, port=args.port)
    components = Components(settings)
    for result in ingest_default_corpus_if_empty(components, progress=progress_bar):
        print(result.line(), file=sys.stderr)
    from .http_headers import app_kwargs
    from .page_assets import CSS
    from .ui import build_app

    app = build_app(components)
    auth = (settings.auth_username, settings.auth_password) if settings.auth_username else None
    app.queue(default_concurrency_limit=2, max_size=32, api_open=False).launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        max_file_size=f"{settings.max_file_mb}mb",
        enable_monitoring=False,
        ssr_mode=False,
        run_history=False,
        footer_links=["api"],
        css=CSS,
        app_kwargs=app_kwargs(),
    )
    return 0


def run_eval(args, settings: Settings) -> int:
    from evals.evaluate import evaluate

    return evaluate(
        settings,
        questions=args.questions,
        json_path=args.json,
        mode=args.mode,
        results_dir=args.results_dir,
        baseline=not args.no_baseline,
        calibrate=args.calibrate,
    )


def run_bench(args, settings: Settings) -> int:
    from evals.bench import format_table
    from evals.bench import run_bench as bench

    results = bench(settings, quick=args.quick, out_dir=args.out or settings.data_dir / "bench-results")
    print(format_table(results))
    return 0


def run_outline(args, settings: Settings) -> int:
    from ingest.library import Library

    library = Library(settings.data_dir, store=None, embedder=lambda: None, chunk_max_tokens=0)
    sections = library.outline(args.doc_id)
    if sections is None:
        print(f"error: no document with id '{args.doc_id}' (see: report-assistant status)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"doc_id": args.doc_id, "sections": sections}, indent=2, ensure_ascii=False))
        return 0
    if not sections:
        print(f"{args.doc_id} has no outline (no bookmarks, contents page or headings were found)")
    for section in sections:
        pdf = f" (PDF page {section['pdf_page']})" if section["pdf_page"] else ""
        where = page_reference(section["page"]) if section["page"] else "page unknown"
        print(f"{'  ' * (section['level'] - 1)}{section['title']} — {where}{pdf}")
    return 0


def run_forget(args, settings: Settings) -> int:
    from .components import Components

    if Components(settings).library.forget(args.doc_id, args.version):
        print(f"removed {args.doc_id}" if args.version is None else f"removed version {args.version} of {args.doc_id}")
        return 0
    print(f"error: no document with id '{args.doc_id}'", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
