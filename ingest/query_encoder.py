"""A question's embedding without importing torch: the model's own weights and tokenizer, run through
the same arithmetic as sentence-transformers (a BERT encoder, mean pooling, unit length) in NumPy.
Importing sentence-transformers costs most of a cold `ask`; one short text needs none of it.
tests/test_query_encoder.py holds its vectors to `SentenceTransformer.encode` within 1e-5."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"]


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
    runnable = (modules in (_MODULES, _MODULES[:2]) and config.get("model_type") == "bert"
                and config.get("hidden_act") == "gelu" and config.get("position_embedding_type", "absolute") == "absolute"
                and pooling.get("pooling_mode_mean_tokens") and not any(
                    v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
                and (model_dir / "model.safetensors").is_file() and (model_dir / "tokenizer.json").is_file())
    return QueryEncoder(model_dir, config, max_tokens) if runnable else None


class QueryEncoder:
    def __init__(self, model_dir: Path, config: dict, max_tokens: int):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens)
        weights = load_file(str(model_dir / "model.safetensors"))
        self.weights = {name.removeprefix("bert."): tensor.astype(np.float32, copy=False) for name, tensor in weights.items()}
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]

    def encode(self, text: str) -> np.ndarray:
        """One text → its unit-length vector (sentence-transformers strips the text first)."""
        ids = np.array(self.tokenizer.encode(text.strip()).ids)
        w = self.weights
        hidden = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:len(ids)]
                  + w["embeddings.token_type_embeddings.weight"][0])
        hidden = self._norm(hidden, "embeddings.LayerNorm")
        for layer in range(self.layers):
            hidden = self._layer(hidden, f"encoder.layer.{layer}.")
        vector = hidden.mean(axis=0)
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    def _layer(self, hidden: np.ndarray, prefix: str) -> np.ndarray:
        from scipy.special import erf

        attention = self._attention(hidden, prefix + "attention.self.")
        hidden = self._norm(hidden + self._dense(attention, prefix + "attention.output.dense"),
                            prefix + "attention.output.LayerNorm")
        inner = self._dense(hidden, prefix + "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))  # the exact GELU BERT uses
        return self._norm(hidden + self._dense(inner, prefix + "output.dense"), prefix + "output.LayerNorm")

    def _attention(self, hidden: np.ndarray, prefix: str) -> np.ndarray:
        tokens, width = hidden.shape
        size = width // self.heads

        def split(name):
            return self._dense(hidden, prefix + name).reshape(tokens, self.heads, size).transpose(1, 0, 2)

        query, key, value = split("query"), split("key"), split("value")
        scores = query @ key.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        return (scores @ value).transpose(1, 0, 2).reshape(tokens, width)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.weights[name + ".weight"].T + self.weights[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + self.eps) * self.weights[name + ".weight"] + self.weights[name + ".bias"]
