"""The commands about versions: `rollback`, `changes` and `verify` (kept versions: ingest/versions.py)."""

from __future__ import annotations

import json
from pathlib import Path


def add_version_commands(commands, global_options) -> None:
    rollback = commands.add_parser(
        "rollback", parents=[global_options], help="make a kept earlier version of a document live again"
    )
    rollback.add_argument("doc_id")
    rollback.add_argument("--to", type=int, required=True, metavar="N", help="the version to make live")
    rollback.set_defaults(run=run_rollback)

    changes = commands.add_parser(
        "changes", parents=[global_options], help="what changed between two versions of a document, page by page"
    )
    changes.add_argument("doc_id")
    changes.add_argument("--from", dest="old", type=int, metavar="N", help="default: the version before --to")
    changes.add_argument("--to", dest="new", type=int, metavar="M", help="default: the live version")
    changes.add_argument("--json", action="store_true", help="print one JSON object")
    changes.set_defaults(run=run_changes)

    verify = commands.add_parser(
        "verify",
        parents=[global_options],
        help="check an exported conversation's quotes against the versions they cite",
    )
    verify.add_argument("file", type=Path, help="the chat page's Markdown export, or ask --json output")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.set_defaults(run=run_verify)


def _files_only(settings):
    """The library without its chunk store or model: enough to read kept versions' pages."""
    from ingest.library import Library

    return Library(settings.data_dir, store=None, embedder=lambda: None, chunk_max_tokens=0)


def run_rollback(args, settings) -> int:
    from .components import Components

    was = Components(settings).library.rollback(args.doc_id, args.to)
    print(f"rolled back {args.doc_id}: version {args.to} is live (was version {was}; both stay kept)")
    return 0


def run_changes(args, settings) -> int:
    from .changes_view import changes_json, changes_text

    before, after, changes = _files_only(settings).changes(args.doc_id, args.old, args.new)
    if args.json:
        print(json.dumps(changes_json(before, after, changes), indent=2, ensure_ascii=False))
    else:
        print(changes_text(before, after, changes))
    return 0


def run_verify(args, settings) -> int:
    """Exit 0 when every quote is still on its cited page of its cited version, else 1."""
    from .verify import SAME, read_export, verify, verify_text

    report = verify(_files_only(settings), read_export(args.file))
    if args.json:
        print(json.dumps({"file": str(args.file)} | report, indent=2, ensure_ascii=False))
    else:
        print(verify_text(report, args.file.name))
    return 0 if all(q["cited_version"]["status"] == SAME for q in report["quotes"]) else 1
