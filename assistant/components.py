"""The one place that builds the working parts (store, embedder, library, retriever, answerers)
from the settings. The CLI, the UI, the evals and the tests all build them here."""

from __future__ import annotations

import sys
from functools import cached_property

from ingest.library import Library
from ingest.registry import Registry

from .settings import Settings


class Components:
    """Lazily built parts, so `status` never loads a model and `ask` loads each part once."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @property
    def registry(self) -> Registry:
        return Registry(self.settings.registry_path)

    @cached_property
    def embedder(self):
        from ingest.embedder import Embedder

        s = self.settings
        return Embedder(s.embedding_model, allow_downloads=s.allow_downloads, batch_size=s.embed_batch_size)

    @cached_property
    def store(self):
        from ingest.store import ChunkStore, open_chroma_client

        s = self.settings
        client = open_chroma_client(path=s.chroma_dir, host=s.chroma_host, port=s.chroma_port)
        return ChunkStore(client, s.collection, path=None if s.chroma_host else s.chroma_dir)

    @cached_property
    def library(self) -> Library:
        s = self.settings
        return Library(
            s.data_dir,
            self.store,
            lambda: self.embedder,
            chunk_max_tokens=s.chunk_max_tokens,
            limits=s.limits,
            keep_versions=s.keep_versions,
        )

    @cached_property
    def assistant(self):
        from .answering import Answerability, Assistant

        s = self.settings
        return Assistant(
            self.store,
            self.embedder,
            self.library,
            answerability=Answerability(s.answerability_dense_weight, s.abstain_below),
            generators=Generators(self.settings),
            max_question_chars=self.settings.max_question_chars,
        )


class Generators:
    """Generative answerers by mode name, each loaded on first use."""

    modes = ("llama-cpp", "openai")

    def __init__(self, settings: Settings):
        self.settings = settings
        self._loaded: dict = {}

    def get(self, mode: str):
        if mode not in self.modes:
            return None
        if mode not in self._loaded:
            self._loaded[mode] = self._build(mode)
        return self._loaded[mode]

    def __iter__(self):
        return iter(self.modes)

    def _build(self, mode: str):
        from .generative import LlamaCppGenerator, OpenAICompatibleGenerator

        s = self.settings
        if mode == "llama-cpp":
            return LlamaCppGenerator(s.gguf_model, threads=s.llm_threads, max_tokens=s.llm_max_tokens)
        return OpenAICompatibleGenerator(
            s.openai_base_url, s.openai_model, s.openai_api_key, timeout_s=s.llm_timeout_s, max_tokens=s.llm_max_tokens
        )


def ingest_default_corpus_if_empty(components: Components, progress=None) -> list:
    """On first start with an empty store, the default corpus is ingested: its results, else []."""
    if components.registry.load():
        return []
    print(f"empty store: ingesting the default corpus from {components.settings.corpus_dir}", file=sys.stderr)
    return components.library.ingest([components.settings.corpus_dir], progress=progress)
