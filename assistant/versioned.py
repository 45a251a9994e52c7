"""Questions asked of one kept version of a document (`ask --doc ID --version N`, the chat page's
version selector): answered by an Assistant whose library is the live one with that document's live
version swapped for the asked one, so rarity weights and everything else stay as for the live one."""

from __future__ import annotations

from collections import OrderedDict

from ingest.versions import kept_numbers

from .question import QuestionError

PINNED_CACHE = 4  # assistants kept for recently asked versions


def check_version(library, doc_id: str | None, version: int) -> bool:
    """True when `version` is a kept version of `doc_id` other than the live one; False when it is the
    live one; QuestionError (one line) otherwise."""
    if not doc_id:
        raise QuestionError("a version belongs to one document: give the document too (--doc ID --version N)")
    record = library.registry.load().get(doc_id)
    if record is None:
        raise QuestionError(f"no document with id '{doc_id}' (see: report-assistant status)")
    if record.kept(version) is None:
        raise QuestionError(f"{doc_id} has no version {version} (kept versions: {kept_numbers(record)})")
    return version != record.version


def answer_keys(library, records: dict, pinned: tuple[str, int] | None) -> tuple[list[str], dict]:
    """The versions an assistant answers from (live ones, one swapped when pinned), and their problems."""
    keys = {doc_id: record.doc_key for doc_id, record in records.items()}
    problems = library.problems(records)
    if pinned and pinned[0] in keys:
        doc_id, version = pinned
        keys[doc_id] = f"{doc_id}@{version}"
        problems.pop(doc_id, None)
        issues = library.version_issues(doc_id, version)
        if issues:
            problems[doc_id] = [f"version {version}: {issue}" for issue in issues]
    return list(keys.values()), problems


class PinnedAssistants:
    """One Assistant per recently asked (document, version), built on first use by `build`."""

    def __init__(self, build):
        self.build = build
        self._built: OrderedDict[tuple[str, int], object] = OrderedDict()

    def get(self, doc_id: str, version: int):
        key = (doc_id, version)
        if key not in self._built:
            self._built[key] = self.build(key)
            while len(self._built) > PINNED_CACHE:
                self._built.popitem(last=False)
        self._built.move_to_end(key)
        return self._built[key]
