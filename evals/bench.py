"""`report-assistant bench`: our pipeline and the plain LlamaIndex starter on the same inputs, in one
process and one run, with ratios. `--quick` shrinks every input so CI can run it."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import metrics
from .runner import DEFAULT_QUESTIONS, load_questions
from .tables import markdown_table, measure

WORDS = (
    "council community commissioning local economy resilience social value services anchor "
    "organisation procurement funding report evidence pilot area partnership budget spending "
    "contract scale outsourcing leadership systems ambition deliver capacity assets citizens "
    "environment finance network enterprise money resources growth jobs tenants workshop"
).split()


def run_bench(settings, quick: bool = False, out_dir: Path | None = None) -> dict:
    sizes = {
        "pdf_pages": 30 if quick else 300,
        "scale_pages": 200 if quick else 2000,
        "questions": 12 if quick else None,
        "rss_questions": 12 if quick else None,
        "llm_questions": 2 if quick else 8,
    }
    with tempfile.TemporaryDirectory(prefix="ra-bench-") as tmp:
        bench = _Bench(settings, Path(tmp), sizes)
        results = bench.run()
    results["quick"] = quick
    if out_dir:
        _write(results, out_dir)
    return results


class _Bench:
    def __init__(self, settings, tmp: Path, sizes: dict):
        from assistant.components import Components

        self.tmp, self.sizes = tmp, sizes
        self.settings = dataclasses.replace(settings, data_dir=tmp / "ours")
        self.components = Components(self.settings)
        self.embedder = self.components.embedder
        self.embedder.model  # sentence-transformers loads on first use: load it once, outside every timing
        questions = [q["question"] for q in load_questions(DEFAULT_QUESTIONS)]
        self.questions = questions[: sizes["questions"]] if sizes["questions"] else questions
        self.rows: list[dict] = []

    def run(self) -> dict:
        corpus = self.settings.corpus_dir
        pdf = _generate_pdf(self.tmp / "generated.pdf", self.sizes["pdf_pages"])
        self._ingest("ingest default corpus", [corpus], "starter-corpus")
        self._latency()  # both sides hold just the default corpus here
        self._ingest(f"ingest {self.sizes['pdf_pages']}-page PDF", [pdf], "starter-pdf")
        self._reingest([corpus, pdf])
        self._cold_start()
        self._chat_memory()
        self._scale()
        return {"rows": self.rows, "sizes": self.sizes}

    def _row(self, name: str, unit: str, ours, starter=None, **extra) -> None:
        ratio = ours / starter if isinstance(ours, (int, float)) and starter else None
        self.rows.append({"figure": name, "unit": unit, "ours": ours, "starter": starter, "ratio": ratio, **extra})
        print(f"{name:<44} {measure(ours):>10} {measure(starter):>10} {measure(ratio):>7}  {unit}", file=sys.stderr)

    def _ingest(self, name: str, paths: list[Path], starter_dir: str) -> None:
        start = time.perf_counter()
        results = self.components.library.ingest(paths)
        ours_s = time.perf_counter() - start
        pages = sum(r.pages for r in results)
        chunks = sum(r.chunks for r in results)
        starter_s, starter_chunks, index = self._starter_ingest(paths, self.tmp / starter_dir)
        self.starter_index = getattr(self, "starter_index", None) or index
        self._row(
            f"{name}: chunks/s",
            "chunks/s",
            chunks / ours_s,
            starter_chunks / starter_s,
            pages=pages,
            chunks=chunks,
            starter_chunks=starter_chunks,
            seconds=ours_s,
            starter_seconds=starter_s,
        )
        self._row(f"{name}: pages/s", "pages/s", pages / ours_s, pages / starter_s)

    def _starter_ingest(self, paths: list[Path], folder: Path):
        from ingest.manifest import entries_for
        from ingest.store import open_chroma_client

        from .baseline import build_starter_index

        start = time.perf_counter()
        files = [entry.path for entry in entries_for(paths)]  # the very files we ingest
        collection = open_chroma_client(path=folder).get_or_create_collection("starter")
        index = build_starter_index(files, self.embedder, collection)
        return time.perf_counter() - start, collection.count(), index

    def _reingest(self, paths: list[Path]) -> None:
        calls = []
        original = self.embedder.embed
        self.embedder.embed = lambda texts, progress=None: calls.append(len(texts)) or original(texts, progress)
        start = time.perf_counter()
        results = self.components.library.ingest(paths)
        seconds = time.perf_counter() - start
        self.embedder.embed = original
        unchanged = all(r.status == "unchanged" for r in results)
        self._row("re-ingest unchanged corpus + PDF", "s", seconds, embedded_texts=sum(calls), all_unchanged=unchanged)

    def _latency(self) -> None:
        assistant = self.components.assistant
        retriever = self.starter_index.as_retriever(similarity_top_k=10)
        for question in self.questions[:3]:  # warm-up: first calls build indexes and caches
            assistant.ask(question)
            retriever.retrieve(question)
        retrieval = _timed(lambda q: assistant.retriever.retrieve(q), self.questions)
        answers = _timed(lambda q: assistant.ask(q), self.questions)
        starter = _timed(lambda q: retriever.retrieve(q), self.questions)
        self._latency_rows("warm retrieval", retrieval, starter)
        self._latency_rows("warm extractive answer", answers, starter)
        try:
            generator = assistant.generators.get("llama-cpp")
        except Exception as exc:  # the llm extra is optional
            self._row("warm SmolLM2 answer", "ms", None, note=f"not measured: {exc}")
            return
        count = self.sizes["llm_questions"]
        assistant.ask(self.questions[0], mode="llama-cpp")  # warm-up
        llm = _timed(lambda q: assistant.ask(q, mode="llama-cpp"), self.questions[:count])
        self._latency_rows(f"warm SmolLM2 answer ({count} questions)", llm, None)
        del generator

    def _latency_rows(self, name: str, ours: list[float], starter: list[float] | None) -> None:
        for label, q in (("median", 0.5), ("p95", 0.95)):
            self._row(
                f"{name} {label}",
                "ms",
                metrics.percentile(ours, q),
                metrics.percentile(starter, q) if starter else None,
            )

    def _cold_start(self) -> None:
        cli = [sys.executable, "-m", "assistant.cli", "--data-dir", str(self.settings.data_dir)]
        ask = _wall(cli + ["ask", self.questions[0], "--json"])
        status = _wall(cli + ["status", "--json"])
        script = (
            "import sys; sys.path.insert(0, %r)\n"
            % str(Path(__file__).resolve().parents[1])
            + "from llama_index.core import VectorStoreIndex\n"
            "from llama_index.vector_stores.chroma import ChromaVectorStore\n"
            "from ingest.store import open_chroma_client\nfrom ingest.embedder import Embedder\n"
            "from evals.baseline import SameEmbedder\nfrom pathlib import Path\n"
            f"client = open_chroma_client(path=Path({str(self.tmp / 'starter-corpus')!r}))\n"
            "store = ChromaVectorStore(chroma_collection=client.get_collection('starter'))\n"
            f"embed = SameEmbedder(Embedder({self.settings.embedding_model!r}))\n"
            "index = VectorStoreIndex.from_vector_store(store, embed_model=embed)\n"
            f"print(index.as_retriever(similarity_top_k=10).retrieve({self.questions[0]!r})[0].score)\n"
        )
        starter = _wall([sys.executable, "-c", script])
        self._row("cold start: ask end to end", "s", ask, starter, note="starter: load index + retrieve")
        self._row("cold start: status", "s", status)

    def _chat_memory(self) -> None:
        import socket

        from gradio_client import Client

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        cli = [
            sys.executable,
            "-m",
            "assistant.cli",
            "--data-dir",
            str(self.settings.data_dir),
            "chat",
            "--port",
            str(port),
        ]
        server = subprocess.Popen(
            cli,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ | {"GRADIO_ANALYTICS_ENABLED": "False"},
        )
        try:
            client = _wait_for_client(Client, f"http://127.0.0.1:{port}/", server)
            count = self.sizes["rss_questions"] or len(self.questions)
            for question in self.questions[:count]:
                client.predict(question, "", "extractive", api_name="/ask")
            peak_kb = _peak_rss_kb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        self._row("chat server peak RSS after the questions", "MB", peak_kb / 1024 if peak_kb else None)

    def _scale(self) -> None:
        folder = self.tmp / "scale"
        _generate_text_corpus(folder, self.sizes["scale_pages"])
        start = time.perf_counter()
        results = self.components.library.ingest([folder])
        seconds = time.perf_counter() - start
        chunks = sum(r.chunks for r in results)
        self._row(
            f"scale: ingest {self.sizes['scale_pages']} pages",
            "s",
            seconds,
            chunks=chunks,
            chunks_per_s=chunks / seconds,
        )
        assistant = self.components.assistant
        for question in self.questions[:3]:
            assistant.ask(question)
        latencies = _timed(lambda q: assistant.ask(q), self.questions)
        self._latency_rows(f"scale ({len(assistant.retriever.chunks)} chunks): warm answer", latencies, None)
        size = sum(p.stat().st_size for p in self.settings.data_dir.rglob("*") if p.is_file())
        self._row("scale: store size on disk", "MB", size / 1e6)


def _timed(function, questions: list[str]) -> list[float]:
    out = []
    for question in questions:
        start = time.perf_counter()
        function(question)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
    return time.perf_counter() - start


def _wait_for_client(client_class, url: str, server, timeout_s: float = 300):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the chat server exited during start-up")
        try:
            return client_class(url, verbose=False)
        except Exception:
            time.sleep(2)
    raise RuntimeError("the chat server did not start in time")


def _peak_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _sentences(rng: random.Random, count: int) -> str:
    """Filler prose from a fixed vocabulary: realistic sentence lengths, nothing to answer."""
    return " ".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "." for _ in range(count)
    )


def _generate_pdf(path: Path, pages: int) -> Path:
    from fpdf import FPDF

    rng = random.Random(7)
    pdf = FPDF()
    pdf.set_auto_page_break(False)  # the footer sits in the bottom margin
    pdf.set_font("helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 5, _sentences(rng, 14))  # fits one page, so N pages means N pages
        pdf.set_y(-15)
        pdf.cell(0, 10, str(number), align="C")
    pdf.output(str(path))
    return path


def _generate_text_corpus(folder: Path, pages: int, pages_per_file: int = 100) -> None:
    rng = random.Random(11)
    folder.mkdir(parents=True, exist_ok=True)
    for first in range(0, pages, pages_per_file):
        body = "\f".join(_sentences(rng, 55) for _ in range(min(pages_per_file, pages - first)))
        (folder / f"scale-{first // pages_per_file:03d}.txt").write_text(body, encoding="utf-8")


def format_table(results: dict) -> str:
    return markdown_table(
        ["figure", "ours", "starter", "ours/starter", "unit"],
        [
            [r["figure"], measure(r["ours"]), measure(r["starter"]), measure(r["ratio"]), r["unit"]]
            for r in results["rows"]
        ],
    )


def _write(results: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    (out_dir / "bench.md").write_text("# Benchmark\n\n" + format_table(results) + "\n", encoding="utf-8")
