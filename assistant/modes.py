"""Which answer modes the chat page offers: extractive always; a generative mode only when it can
run here (its package installed and a model found, or a server configured), named after its model."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def mode_choices(settings) -> list[tuple[str, str]]:
    choices = [("Extractive: the report's own sentences (no language model)", "extractive")]
    model = _gguf_model(settings)
    if model:
        choices.append((f"llama.cpp model {model} (slower; every sentence checked)", "llama-cpp"))
    if settings.openai_base_url and importlib.util.find_spec("openai"):
        choices.append((f"{settings.openai_model} at {settings.openai_base_url} (every sentence checked)", "openai"))
    return choices


def _gguf_model(settings) -> str | None:
    """The GGUF file's name, if llama-cpp-python is installed and the model file exists."""
    if importlib.util.find_spec("llama_cpp") is None:
        return None
    from .generative import GeneratorError, resolve_gguf

    try:
        path = Path(resolve_gguf(settings.gguf_model))
    except GeneratorError:
        return None
    return path.name if path.is_file() else None
