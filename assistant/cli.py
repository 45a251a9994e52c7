"""`report-assistant`: a thin shell over the same functions the web UI calls."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .settings import Settings, describe


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env(data_dir=args.data_dir)
    try:
        return args.run(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every known failure is one readable line, never a traceback
        if not _is_known(exc):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _is_known(exc: Exception) -> bool:
    from ingest.embedder import EmbedderError
    from ingest.library import LibraryBusy
    from ingest.store import StoreError

    return isinstance(exc, (EmbedderError, LibraryBusy, StoreError))


def _parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {name} (default {default}): {text}" for name, default, text in describe())
    parser = argparse.ArgumentParser(
        prog="report-assistant", description="Ask questions of long reports; answers cite pages.",
        epilog="settings (environment variables):\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="store folder (env REPORT_ASSISTANT_DATA_DIR)")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="add or update documents (files or folders)")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    ingest.set_defaults(run=run_ingest)

    status = commands.add_parser("status", help="list the ingested documents")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_status)

    ask = commands.add_parser("ask", help="ask one question; the answer cites pages")
    ask.add_argument("question")
    ask.add_argument("--doc", help="only this document id")
    ask.add_argument("--kind", help="only documents of this kind (report, summary, case-study, ...)")
    ask.add_argument("--mode", default="extractive", choices=["extractive", "llama-cpp", "openai"])
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.set_defaults(run=run_ask)

    forget = commands.add_parser("forget", help="remove one document from the store")
    forget.add_argument("doc_id")
    forget.set_defaults(run=run_forget)
    return parser


def run_ingest(args, settings: Settings) -> int:
    from .components import Components

    results = Components(settings).library.ingest(args.paths, prune=args.prune, progress=_progress_bar)
    for result in results:
        print(result.line())
        for warning in result.warnings:
            print(f"          warning: {warning}")
    failed = sum(r.status == "failed" for r in results)
    counts = {s: sum(r.status == s for r in results) for s in ("new", "updated", "unchanged", "removed")}
    print(", ".join(f"{n} {s}" for s, n in counts.items()) + f", {failed} failed")
    return 1 if failed else 0


def run_status(args, settings: Settings) -> int:
    from .components import Components

    documents = Components(settings).registry.load().values()
    if args.json:
        print(json.dumps({"documents": [d.public() for d in documents]}, indent=2))
        return 0
    if not documents:
        print(f"no documents in {settings.data_dir}; run: report-assistant ingest PATH")
    for d in documents:
        print(f"{d.id:<28} {d.kind:<10} v{d.version:<3} {d.pages:>5} pages {d.chunks:>6} chunks  {d.title}")
    return 0


def run_ask(args, settings: Settings) -> int:
    from .components import Components

    components = Components(settings)
    if not components.registry.load():
        print(f"error: no documents in {settings.data_dir}; run: report-assistant ingest PATH", file=sys.stderr)
        return 1
    answer = components.assistant.ask(args.question, doc_id=args.doc, kind=args.kind, mode=args.mode)
    if args.json:
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(answer.text)
    if answer.citations:
        print()
    for number, c in enumerate(answer.citations, start=1):
        pdf = f", PDF page {c['pdf_page']}" if c["pdf_page"] else ""
        print(f"[{number}] {c['title']}, p. {c['page']}{pdf}")
    return 0


def run_forget(args, settings: Settings) -> int:
    from .components import Components

    if Components(settings).library.forget(args.doc_id):
        print(f"removed {args.doc_id}")
        return 0
    print(f"error: no document with id '{args.doc_id}'", file=sys.stderr)
    return 1


def _progress_bar(total: int, name: str):
    from tqdm import tqdm

    bar = tqdm(total=total, desc=name[:30], unit="chunk", leave=False, disable=total < 64,
               file=sys.stderr)

    def tick(n: int) -> None:
        bar.update(n)
        if bar.n >= total:
            bar.close()
    return tick


if __name__ == "__main__":
    sys.exit(main())
