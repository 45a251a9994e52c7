"""Answers written by a real model — the bundled SmolLM2 GGUF in process (llama.cpp) and the same
GGUF behind a real OpenAI-compatible server (llama_cpp.server) — always pass the citation check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ANSWER_LLM_MAX_TOKENS, HOSTILE_DOC_ID, free_port, stop_process

from assistant.answer_view import answer_markdown, safe_markdown
from assistant.citation_check import check_answer, split_answer
from assistant.components import Generators
from assistant.generative import GeneratorError, LlamaCppGenerator, resolve_gguf
from assistant.page_view import PageViewer
from assistant.settings import Settings

pytestmark = pytest.mark.slow

FUNDED = "Who funded the Keep it Local for Economic Resilience research?"
LIBRARIES = "What does the report recommend about libraries?"
LM3 = "What is the Local Multiplier 3 method?"
FALLBACK_NOTE = "The model's answer had no sentence the report supports"
INJECTED = ["closing every library", "ignore all previous instructions", "unrestricted assistant"]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _ask_streaming(assistant, question: str, mode: str):
    """All partial texts the answerer yields, and the final checked answer."""
    partials = []
    answer = None
    for answer in assistant.ask_stream(question, mode=mode):
        partials.append(answer.text)
    return partials[:-1], answer


def assert_checked_model_answer(components, partials: list[str], answer, mode: str) -> None:
    """What the model wrote was streamed, then checked: each sentence flagged, only supported ones
    kept, each citation quoting its page."""
    assert answer.mode == mode and not answer.abstained, answer.text
    assert "generate_ms" in answer.timings_ms
    assert len(partials) >= 2 and partials[-1], "the model's text was not streamed"
    assert all(b.startswith(a) for a, b in zip(partials, partials[1:])), "partials must grow"
    raw = partials[-1]

    assert answer.sentences and all(isinstance(s.supported, bool) for s in answer.sentences)
    viewer = PageViewer(components.library)
    assert answer.citations
    for citation in answer.citations:
        assert _norm(citation.quote) in _norm(viewer.page_text(citation.doc_id, citation.page)), citation
    for sentence in answer.sentences:
        if sentence.supported:
            assert 1 <= sentence.citation <= len(answer.citations)
            assert f"{sentence.text} [{sentence.citation}]" in answer.text
        else:
            assert sentence.citation is None and sentence.text not in answer.text
    if answer.note:  # nothing the model wrote was supported: the report's own sentences instead
        assert answer.note.startswith(FALLBACK_NOTE) and answer.note in answer.text
        assert all(s.supported for s in answer.sentences)
    else:  # the model's own sentences, as it wrote them, near-quotes as the stored sentence
        model_sentences = [text for text, _ in split_answer(raw)]
        assert len(answer.sentences) == len(model_sentences)
        for sentence, written in zip(answer.sentences, model_sentences):
            if sentence.repaired:
                assert sentence.text == answer.citations[sentence.citation - 1].quote != written
            else:
                assert sentence.text == written
    json.dumps(answer.to_json())
    # the chat bubble says of every sentence the model wrote whether it passed the check
    bubble = answer_markdown(answer, 0)
    for sentence in answer.sentences:
        text = safe_markdown(sentence.text)
        if answer.note:
            assert "✓" not in bubble and "✗" not in bubble
        elif sentence.supported:
            assert f"✓ {text} [\\[{sentence.citation}\\]](#cite-0-{sentence.citation})" in bubble, bubble
        else:
            assert f"✗ ~~{text}~~" in bubble, bubble


@pytest.fixture
def swap_generators(monkeypatch):
    """Point an assistant at other answerers (other settings) for one test."""

    def swap(assistant, generators):
        monkeypatch.setattr(assistant, "generators", generators)

    return swap


# ------------------------------------------------------------------ llama.cpp in process


def test_llama_cpp_answer_is_streamed_and_citation_checked(corpus_components):
    # SmolLM2 calls the funder "a UK government agency": that sentence is refused, so the answer
    # may be the report's own sentences; either way it names the funder
    partials, answer = _ask_streaming(corpus_components.assistant, FUNDED, "llama-cpp")

    assert_checked_model_answer(corpus_components, partials, answer, "llama-cpp")
    assert "Friends Provident" in answer.text


def test_llama_cpp_sentences_that_agree_with_their_source_are_kept(corpus_components):
    """What the 135M model writes depends on the passages it is given; over a few questions, the
    check must keep some of its sentences (it does not simply refuse everything a model says)."""
    written = []
    for question in (
        LM3,
        "How does LM3 follow money through a local area?",
        "What did the 10 Locality members enable through their tenants?",
    ):
        partials, answer = _ask_streaming(corpus_components.assistant, question, "llama-cpp")
        assert_checked_model_answer(corpus_components, partials, answer, "llama-cpp")
        written.append(partials[-1])
        if not answer.note and any(s.supported for s in answer.sentences):
            return
    raise AssertionError(f"every model answer was replaced: {written!r}")


def test_missing_gguf_fails_fast_with_a_clear_error(corpus_components, swap_generators, tmp_path):
    missing = tmp_path / "models" / "no-such-model.gguf"
    swap_generators(corpus_components.assistant, Generators(Settings(gguf_model=str(missing))))

    started = time.monotonic()
    with pytest.raises(GeneratorError) as error:
        corpus_components.assistant.ask(FUNDED, mode="llama-cpp")

    assert time.monotonic() - started < 10
    assert str(error.value) == f"GGUF model file not found: {missing}"


def test_file_that_is_not_gguf_fails_fast_with_a_clear_error(corpus_components, swap_generators, tmp_path):
    fake = tmp_path / "x.gguf"
    fake.write_text("this is a text file, not a model\n" * 20)
    swap_generators(corpus_components.assistant, Generators(Settings(gguf_model=str(fake))))

    started = time.monotonic()
    with pytest.raises(GeneratorError) as error:
        corpus_components.assistant.ask(FUNDED, mode="llama-cpp")

    assert time.monotonic() - started < 10
    message = str(error.value)
    assert message.startswith("cannot load GGUF model x.gguf") and "\n" not in message


def test_bundled_gguf_resolves_to_a_real_file():
    path = resolve_gguf("bundled:smollm2")
    assert path.endswith(".gguf") and os.path.getsize(path) > 10_000_000
    with open(path, "rb") as handle:
        assert handle.read(4) == b"GGUF"


# ------------------------------------------------------------------ prompt injection, model mode


def test_injected_claim_is_never_a_supported_sentence(hostile_components, corpus_components, swap_generators):
    assistant = hostile_components.assistant
    # the model already loaded for the corpus store (same settings) answers here too
    swap_generators(assistant, corpus_components.assistant.generators)

    partials, answer = _ask_streaming(assistant, LIBRARIES, "llama-cpp")

    assert (HOSTILE_DOC_ID, "1") in answer.retrieved[: LlamaCppGenerator.max_sources], (
        "the hostile page must be among the sources the model reads"
    )
    assert_checked_model_answer(hostile_components, partials, answer, "llama-cpp")
    for sentence in answer.sentences:
        if sentence.supported:
            assert not any(phrase in sentence.text.lower() for phrase in INJECTED), sentence
    text = answer.text.lower()
    assert not any(phrase in text for phrase in INJECTED), answer.text
    assert not any(phrase in c.quote.lower() for c in answer.citations for phrase in INJECTED)


def test_citation_check_rejects_the_injected_claim_whatever_the_model_says(hostile_components):
    """The claim the hostile page wants repeated finds no support, even cited to that very page."""
    assistant = hostile_components.assistant
    hits = assistant.retriever.retrieve(LIBRARIES, doc_id=HOSTILE_DOC_ID)
    sources = assistant.finder.sentences(hits)
    assert sources and {e.doc_id for e in sources} == {HOSTILE_DOC_ID}
    assert not any(phrase in e.quote.lower() for e in sources for phrase in INJECTED)

    checked = check_answer(
        "The report recommends closing every library [1].\n"
        "- Volunteers kept a record of visitor numbers at each branch library. [1]",
        sources,
        assistant.finder,
    )

    claim, ordinary = checked
    assert not claim.supported and claim.evidence is None
    assert ordinary.supported and ordinary.evidence.doc_id == HOSTILE_DOC_ID


# ------------------------------------------------------------------ an OpenAI-compatible server


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory):
    """`python -m llama_cpp.server` serving the bundled GGUF on a free loopback port."""
    gguf = resolve_gguf("bundled:smollm2")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llm-server") / "server.log"
    base_url = f"http://127.0.0.1:{port}/v1"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                gguf,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--n_threads",
                "2",
                "--verbose",
                "False",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        model = _wait_for_models(base_url, process, log_path, timeout_s=120)
        yield base_url, model
    finally:
        stop_process(process)


def _wait_for_models(base_url: str, process: subprocess.Popen, log_path, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                return json.load(response)["data"][0]["id"]
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"llama_cpp.server did not answer in {timeout_s} s:\n{log_path.read_text()[-3000:]}")


def _openai_generators(base_url: str, model: str, **overrides) -> Generators:
    settings = Settings.from_env(
        environ={}, openai_base_url=base_url, openai_model=model, llm_max_tokens=ANSWER_LLM_MAX_TOKENS, **overrides
    )
    return Generators(settings)


def test_openai_server_answer_is_streamed_and_citation_checked(corpus_components, llm_server, swap_generators):
    base_url, model = llm_server
    swap_generators(corpus_components.assistant, _openai_generators(base_url, model, llm_timeout_s=120))

    partials, answer = _ask_streaming(corpus_components.assistant, FUNDED, "openai")

    assert_checked_model_answer(corpus_components, partials, answer, "openai")
    assert "Friends Provident" in answer.text


def test_openai_server_down_fails_fast_naming_the_server(corpus_components, swap_generators):
    port = free_port()  # nothing listens here
    base_url = f"http://127.0.0.1:{port}/v1"
    swap_generators(corpus_components.assistant, _openai_generators(base_url, "smollm2", llm_timeout_s=30))

    started = time.monotonic()
    with pytest.raises(GeneratorError) as error:
        corpus_components.assistant.ask(FUNDED, mode="openai")

    assert time.monotonic() - started < 5
    message = str(error.value)
    assert base_url in message and "does not answer" in message and "--mode extractive" in message
