"""Which files to ingest, and under which id, kind and title.

A folder may hold `manifest.yaml` (see corpus/manifest.yaml) naming its documents; files it does not
name get an id from their file name and the kind `document`; files under `ignore:` are skipped.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from .loaders import SUPPORTED_SUFFIXES

KINDS = ("report", "summary", "case-study", "context", "document")
MANIFEST_NAME = "manifest.yaml"


@dataclass(frozen=True)
class FileEntry:
    path: Path
    doc_id: str
    kind: str = "document"
    title: str = ""
    error: str = ""  # a file or folder that could not be listed: reported as one failed line
    titled: bool = False  # the manifest gave the title (otherwise a file's own title may replace it)


def doc_id_from_name(name: str) -> str:
    """Lowercase a-z, 0-9 and '-', at most 64 characters: accents are dropped ('Café' → 'cafe');
    a name with no such letters at all ('報告書.pdf') gets a short hash, so two of them never collide."""
    stem = Path(name).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:64].strip("-")
    if slug:
        return slug
    return "document-" + hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:8] if stem else "document"


def title_from_name(name: str) -> str:
    # bytes that are not UTF-8 (lone surrogates from the file system) become U+FFFD: the tokenizer,
    # the registry and the store all need real text
    stem = Path(name).stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "", re.sub(r"[\s_]+", " ", stem)).strip()[:200] or "Untitled"


def entries_for(paths: list[Path]) -> list[FileEntry]:
    """Expand files and folders into entries, manifest first, in a stable order."""
    entries: list[FileEntry] = []
    for path in map(Path, paths):
        if path.is_dir():
            entries.extend(_folder_entries(path))
        else:
            known = _read_manifest(path.parent).get(path.name)
            entries.append(known or _default_entry(path))
    return entries


def _folder_entries(folder: Path) -> list[FileEntry]:
    manifest = _read_manifest(folder)
    ignored = set(manifest.pop("__ignore__", ()))
    files, unreadable = [], []

    def note(error: OSError) -> None:  # an unreadable sub-folder costs one line, the rest goes on
        unreadable.append(
            FileEntry(
                path=Path(error.filename), doc_id="-", error=f"cannot read the folder ({error.strerror or error})"
            )
        )

    for root, folders, names in os.walk(folder, onerror=note):
        folders.sort()
        files += [
            Path(root) / name
            for name in names
            if Path(name).suffix.lower() in SUPPORTED_SUFFIXES and (Path(root) / name).is_file()
        ]
    return [
        manifest.get(str(p.relative_to(folder))) or _default_entry(p)
        for p in sorted(files)
        if str(p.relative_to(folder)) not in ignored
    ] + unreadable


def _default_entry(path: Path) -> FileEntry:
    return FileEntry(path=path, doc_id=doc_id_from_name(path.name), title=title_from_name(path.name))


def _read_manifest(folder: Path) -> dict:
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        return {}
    try:
        data = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{manifest_path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    entries: dict = {"__ignore__": data.get("ignore", [])}
    for item in data.get("documents", []):
        if not isinstance(item, dict) or "file" not in item or "id" not in item:
            raise ValueError(f"{manifest_path}: every document needs at least 'id' and 'file': {item}")
        if item.get("kind", "document") not in KINDS:
            raise ValueError(f"{manifest_path}: kind '{item['kind']}' is not one of {', '.join(KINDS)}")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", str(item["id"])):
            raise ValueError(f"{manifest_path}: id '{item['id']}' must be lowercase letters, digits and '-'")
        entries[item["file"]] = FileEntry(
            path=folder / item["file"],
            doc_id=item["id"],
            kind=item.get("kind", "document"),
            title=item.get("title") or title_from_name(item["file"]),
            titled=bool(item.get("title")),
        )
    return entries
