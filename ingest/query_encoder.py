"""A question's embedding without importing torch: the model's own weights and tokenizer, run through
the same arithmetic as sentence-transformers (a BERT encoder, mean pooling, unit length) in NumPy.
Importing sentence-transformers costs most of a cold `ask`; one short text needs none of it.
tests/test_query_encoder.py holds its vectors to `SentenceTransformer.encode` within 1e-5."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_SQRT_HALF = math.sqrt(0.5)  # Python floats: a NumPy float64 scalar would turn the float32 arithmetic into float64
_MODULES = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
]


def load_query_encoder(model_dir: Path) -> "QueryEncoder | None":
    """The encoder for a local model folder it can run exactly, else None (sentence-transformers then
    embeds questions too)."""
    try:
        modules = [m["type"] for m in json.loads((model_dir / "modules.json").read_text())]
        config = json.loads((model_dir / "config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        max_tokens = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    pooling_modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    runnable = (
        modules in (_MODULES, _MODULES[:2])
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and pooling_modes == {"pooling_mode_mean_tokens"}
        and (model_dir / "model.safetensors").is_file()
        and (model_dir / "tokenizer.json").is_file()
    )
    return QueryEncoder(model_dir, config, max_tokens) if runnable else None


@dataclass(frozen=True)
class _Layer:
    """One encoder layer's weights, laid out for `x @ w` (input-major), query/key/value side by side."""

    qkv: tuple[np.ndarray, np.ndarray]
    attention_out: tuple[np.ndarray, np.ndarray]
    attention_norm: tuple[np.ndarray, np.ndarray]
    inner: tuple[np.ndarray, np.ndarray]
    out: tuple[np.ndarray, np.ndarray]
    out_norm: tuple[np.ndarray, np.ndarray]


class QueryEncoder:
    def __init__(self, model_dir: Path, config: dict, max_tokens: int):
        from safetensors.numpy import load_file
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens)
        w = {
            name.removeprefix("bert."): tensor
            for name, tensor in load_file(str(model_dir / "model.safetensors")).items()
        }
        self.embeddings = (
            w["embeddings.word_embeddings.weight"],
            w["embeddings.position_embeddings.weight"],
            w["embeddings.token_type_embeddings.weight"][0],
        )
        self.embedding_norm = _pair(w, "embeddings.LayerNorm")
        self.layers = [_layer(w, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        # one short text is too small to share between threads: several BLAS threads only wait on each other
        self._blas = ThreadpoolController()

    def encode(self, text: str) -> np.ndarray:
        """One text → its unit-length vector (sentence-transformers strips the text first)."""
        from scipy.special import erf

        ids = np.array(self.tokenizer.encode(text.strip()).ids)
        words, positions, token_type = self.embeddings
        with self._blas.limit(limits=1, user_api="blas"):
            hidden = self._norm(words[ids] + positions[: len(ids)] + token_type, self.embedding_norm)
            for layer in self.layers:
                hidden = self._norm(
                    hidden + _dense(self._attention(hidden, layer), layer.attention_out), layer.attention_norm
                )
                inner = _dense(hidden, layer.inner)
                inner = 0.5 * inner * (1.0 + erf(inner * _SQRT_HALF))  # the exact GELU BERT uses
                hidden = self._norm(hidden + _dense(inner, layer.out), layer.out_norm)
        vector = hidden.mean(axis=0)
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    def _attention(self, hidden: np.ndarray, layer: _Layer) -> np.ndarray:
        tokens, width = hidden.shape
        size = width // self.heads
        qkv = _dense(hidden, layer.qkv).reshape(tokens, 3, self.heads, size).transpose(1, 2, 0, 3)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        return (scores @ value).transpose(1, 0, 2).reshape(tokens, width)

    def _norm(self, x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + self.eps) * weights[0] + weights[1]


def _dense(x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return x @ weights[0] + weights[1]


def _pair(w: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    return w[name + ".weight"], w[name + ".bias"]


def _linear(w: dict, *names: str) -> tuple[np.ndarray, np.ndarray]:
    """Dense layers as one input-major matrix and bias (several side by side when given several)."""
    matrix = np.ascontiguousarray(np.concatenate([w[name + ".weight"] for name in names]).T, dtype=np.float32)
    return matrix, np.concatenate([w[name + ".bias"] for name in names]).astype(np.float32)


def _layer(w: dict, prefix: str) -> _Layer:
    attention = prefix + "attention."
    return _Layer(
        qkv=_linear(w, *(attention + f"self.{name}" for name in ("query", "key", "value"))),
        attention_out=_linear(w, attention + "output.dense"),
        attention_norm=_pair(w, attention + "output.LayerNorm"),
        inner=_linear(w, prefix + "intermediate.dense"),
        out=_linear(w, prefix + "output.dense"),
        out_norm=_pair(w, prefix + "output.LayerNorm"),
    )
