"""`report-assistant eval`: every question set (or the one given), each over its own corpus, scored
beside the plain LlamaIndex starter; metrics per set and per document, gated per set by the minimums
recorded in thresholds.yaml. A set whose corpus is absent is skipped, with the reason."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import tempfile
from pathlib import Path

import yaml

from assistant.components import Components, ingest_default_corpus_if_empty
from assistant.page_view import PageViewer
from assistant.progress import progress_bar

from . import runner
from .baseline import StarterBaseline, cannot_read


def evaluate(
    settings,
    *,
    questions: Path | None = None,
    json_path: Path | None = None,
    mode: str = "extractive",
    results_dir: Path | None = None,
    baseline: bool = True,
    calibrate: bool = False,
) -> int:
    """Prints each set's tables; returns the exit code (1 when a gate fails)."""
    sets = [runner.load_set(path) for path in ([questions] if questions else runner.DEFAULT_SETS)]
    gate = yaml.safe_load(runner.THRESHOLDS.read_text()).get("sets", {}) if not questions else {}
    out_dir = results_dir or settings.data_dir / "eval-results"
    failures, payloads = [], {}
    for qset in sets:
        reason = qset.missing_corpus()
        if reason:
            print(f"== skipped question set '{qset.name}' ({qset.path.name}): {reason}\n")
            continue
        summary, results = _evaluate_set(qset, settings, mode=mode, baseline=baseline)
        print(
            f"== question set '{qset.name}' ({qset.path.name}): {summary['questions']} questions, corpus "
            f"{qset.corpus or settings.corpus_dir}"
        )
        print(runner.format_table(summary))
        if calibrate:
            print("\nabstention calibration (errors, false answers, false abstains, dense weight, threshold):")
            for row in runner.calibrate(results)[:8]:
                print("  ", row)
        single = len(sets) == 1
        report = runner.write_outputs(
            summary, results, out_dir if single else out_dir / qset.name, json_path if single else None, name=qset.name
        )
        print(f"\nreport: {report}\n")
        payloads[qset.name] = {"summary": summary, "results": results}
        failures += [f"{qset.name}: {line}" for line in runner.check_thresholds(summary, gate.get(qset.name, {}))]
    if json_path and len(sets) > 1:
        json_path.write_text(json.dumps({"sets": payloads}, indent=1, default=str), encoding="utf-8")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _evaluate_set(qset, settings, *, mode: str, baseline: bool) -> tuple[dict, list[dict]]:
    """Ask one set's questions on a store holding its corpus: the main store with the default corpus,
    or, for a set that declares a corpus, a store of that corpus under DATA_DIR/eval-sets/ (shared by
    the sets asked over the same files, so they are ingested once)."""
    if qset.corpus is None:
        components = Components(settings)
        _print_results(ingest_default_corpus_if_empty(components, progress=progress_bar))
        corpus_paths = [settings.corpus_dir]
    else:
        store = re.sub(r"[^a-z0-9]+", "-", f"{qset.corpus.name}-{qset.include}".lower()).strip("-")
        components = Components(
            dataclasses.replace(
                settings, data_dir=settings.data_dir / "eval-sets" / store, collection=f"{settings.collection}-{store}"
            )
        )
        corpus_paths = qset.files()
        _print_results(
            [r for r in components.library.ingest(corpus_paths, progress=progress_bar) if r.status != "unchanged"]
        )
    results = runner.run_questions(
        components.assistant, qset.questions, PageViewer(components.library).page_text, mode=mode
    )
    return runner.summarise(results, _starter_rows(qset, corpus_paths, components) if baseline else []), results


def _starter_rows(qset, corpus_paths: list[Path], components) -> list[dict]:
    from ingest.store import open_chroma_client

    reason = cannot_read(corpus_paths)
    if reason:
        print(f"starter baseline skipped for '{qset.name}': {reason}")
        return []
    with tempfile.TemporaryDirectory() as tmp:
        starter = StarterBaseline(corpus_paths, components.embedder, open_chroma_client(path=Path(tmp)))
        return runner.run_baseline(starter, qset.questions)


def _print_results(results) -> None:
    for result in results:
        print(result.line(), file=sys.stderr)
