"""Questions are embedded by the NumPy copy of the model (ingest/query_encoder.py): its vectors must be
sentence-transformers' own, and a question must not import torch or sentence-transformers."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import CORPUS, REAL_PDFS, run_python

from ingest.embedder import resolve_model_path
from ingest.loaders import load_document
from ingest.query_encoder import load_query_encoder
from ingest.sentences import sentence_spans

EDGE_CASES = [
    "",
    "   ",
    "a",
    "  What evidence supports letting go of risk aversion?  ",
    "Ünïcödé café — “smart quotes”, 42% and £1.3m",
    "tab\tand\nnewline",
    "word " * 400,
]


def _texts() -> list[str]:
    """Real sentences of the digest and, when present, of a real PDF, plus the awkward cases."""
    texts = list(EDGE_CASES)
    sources = sorted(CORPUS.glob("*.md"))  # enough real sentences whether or not the real PDFs are here
    if REAL_PDFS.is_dir():
        sources.append(REAL_PDFS / "nist-sp800-61r2.pdf")
    for path in sources:
        for page in load_document(path).pages[:6]:
            texts += [page.text[start:end] for start, end in sentence_spans(page.text)][:8]
    return texts


def test_query_vectors_match_sentence_transformers_encode(embedder):
    encoder = embedder.query_encoder
    assert encoder is not None, "the bundled model is one the NumPy encoder runs"
    texts = _texts()
    assert len(texts) > 60
    expected = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    ours = np.stack([encoder.encode(text) for text in texts])
    assert ours.dtype == np.float32 and ours.shape == expected.shape
    worst = np.abs(ours - expected).max(axis=1)
    assert worst.max() <= 1e-5, [(texts[i][:40], float(worst[i])) for i in np.argsort(-worst)[:3]]


def test_a_question_uses_the_numpy_copy_until_the_model_is_loaded_anyway():
    from ingest.embedder import Embedder

    fresh = Embedder("bundled:all-MiniLM-L6-v2")
    question = "Which six areas were the pilots?"
    first = fresh.embed_query(question)
    assert "model" not in fresh.__dict__, "a question loaded sentence-transformers"
    assert np.array_equal(first, fresh.query_encoder.encode(question))
    fresh.embed(["an ingest loads the model"])
    assert np.abs(fresh.embed_query(question) - first).max() <= 1e-5


def test_whole_words_are_the_tokenizers_vocabulary(embedder):
    vocab = embedder.model.tokenizer.vocab
    assert embedder.whole_words() == frozenset(w for w in vocab if w.isalpha() and w.islower())


def test_a_model_it_cannot_run_is_left_to_sentence_transformers(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(resolve_model_path("bundled:all-MiniLM-L6-v2"), model)
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps(config | {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    assert load_query_encoder(model) is None
    (model / "modules.json").unlink()
    assert load_query_encoder(model) is None


@pytest.mark.slow
def test_a_question_imports_neither_torch_nor_sentence_transformers(corpus_components, tmp_path):
    script = (
        "import sys\nfrom assistant.cli import main\n"
        f"code = main(['--data-dir', {str(corpus_components.settings.data_dir)!r}, 'ask', "
        "'Which six areas were the pilots?', '--json'])\n"
        "print('LOADED', sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'gradio') "
        "if m in sys.modules))\nsys.exit(code)\n"
    )
    run = run_python(["-c", script], cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    answer = json.loads(run.stdout[: run.stdout.rindex("LOADED")])
    assert answer["citations"] and not answer["abstained"]
    assert run.stdout.strip().endswith("LOADED []")
