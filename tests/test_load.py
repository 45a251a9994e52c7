"""The chat server under load: 20 gradio_client users asking eval questions at once through /ask,
then a burst of raw queue calls that overfills the queue. One server (its first start ingests the
default corpus). Run with `pytest -s` to see the figures."""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field

import pytest
import yaml
from chat_server import post_json, raw_get, start, wait_ready
from conftest import REPO

pytestmark = pytest.mark.slow

USERS = 20
QUESTIONS_PER_USER = 4
RUN_BUDGET_S = 120  # the whole run stops asking after this
MAX_QUEUE = 32  # assistant/cli.py run_chat: queue(default_concurrency_limit=2, max_size=32)
BURST_THREADS, BURST_CALLS = 40, 3
RSS_GROWTH_LIMIT_MB = 150
QUEUE_FULL = "Queue is full"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    chat = start("load", tmp_path_factory.mktemp("load-server"))
    try:
        yield wait_ready(chat)
    finally:
        chat.stop()


def _questions() -> list[str]:
    data = yaml.safe_load((REPO / "evals" / "questions.yaml").read_text(encoding="utf-8"))
    return [q["question"] for q in data["questions"]]


class QueueWatch(threading.Thread):
    """Polls /gradio_api/queue/status; keeps the largest queue size seen."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.largest, self.samples, self.failures = port, 0, 0, []
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                status, body = raw_get(self.port, "/gradio_api/queue/status")
                if status == 200:
                    self.largest = max(self.largest, json.loads(body)["queue_size"])
                    self.samples += 1
                else:
                    self.failures.append(status)
            except OSError as exc:
                self.failures.append(repr(exc))
            self._halt.wait(0.05)

    def stop(self):
        self._halt.set()
        self.join(timeout=10)


@dataclass
class Round:
    latencies: list[float] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: int = 0
    wall_s: float = 0.0
    answers: list[tuple[str, dict]] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _run_round(url: str, plan: list[list[str]], deadline: float) -> Round:
    """Each list in `plan` is one user (a thread with its own gradio_client) asking those questions."""
    from gradio_client import Client
    from gradio_client.utils import QueueError

    result, lock = Round(), threading.Lock()

    def user(questions: list[str]):
        try:
            client = Client(url, verbose=False)
        except Exception as exc:
            with lock:
                result.errors.append(f"connect: {exc!r}")
            return
        try:
            for question in questions:
                if time.monotonic() > deadline:
                    with lock:
                        result.skipped += 1
                    continue
                began = time.perf_counter()
                try:
                    answer = client.predict(question, "", "extractive", api_name="/ask")
                except QueueError as exc:  # the clean refusal of a full queue
                    with lock:
                        result.busy.append(str(exc))
                    continue
                except Exception as exc:
                    with lock:
                        (result.busy if QUEUE_FULL in str(exc) else result.errors).append(repr(exc))
                    continue
                took = time.perf_counter() - began
                problem = None
                if not isinstance(answer, dict) or "answer" not in answer:
                    problem = f"not an answer: {answer!r:.200}"
                elif not (answer["citations"] or answer["abstained"]):
                    problem = f"an answer without citations that does not abstain: {question!r}"
                with lock:
                    if problem:
                        result.errors.append(problem)
                    else:
                        result.latencies.append(took)
                        result.answers.append((question, answer))
        finally:
            client.close()

    began = time.monotonic()
    threads = [threading.Thread(target=user, args=(questions,)) for questions in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + 60))
    assert not any(t.is_alive() for t in threads), "a user thread still runs after the deadline"
    result.wall_s = time.monotonic() - began
    return result


def _essence(answer: dict) -> tuple:
    """What the user reads: the answer and its citations (not the timings)."""
    return (answer["answer"], answer["abstained"], [(c["doc_id"], c["page"], c["quote"]) for c in answer["citations"]])


def _burst(port: int) -> dict:
    """BURST_THREADS threads each POST /gradio_api/call/ask BURST_CALLS times without reading the
    results: more events than the queue holds, at once."""
    outcome, lock, gate = (
        {"accepted": 0, "queue_full": 0, "other": []},
        threading.Lock(),
        threading.Barrier(BURST_THREADS),
    )
    payload = {"data": ["What did the Shropshire pilot do?", "", "extractive"]}

    def fire():
        gate.wait()
        for _ in range(BURST_CALLS):
            status, body = post_json(port, "/gradio_api/call/ask", payload)
            with lock:
                if status == 200 and b"event_id" in body:
                    outcome["accepted"] += 1
                elif status == 503 and QUEUE_FULL.encode() in body:
                    outcome["queue_full"] += 1
                else:
                    outcome["other"].append((status, body[:200]))

    threads = [threading.Thread(target=fire) for _ in range(BURST_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome


def _wait_for_empty_queue(port: int, timeout: float = 60) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        status, body = raw_get(port, "/gradio_api/queue/status")
        if status == 200 and json.loads(body)["queue_size"] == 0:
            return time.monotonic() - began
        time.sleep(0.2)
    raise AssertionError(f"the queue did not drain within {timeout} s")


def test_twenty_concurrent_users(server):
    questions = _questions()
    assert len(questions) >= USERS * QUESTIONS_PER_USER // 2
    deadline = time.monotonic() + RUN_BUDGET_S

    plan = [
        [questions[(i * QUESTIONS_PER_USER + k) % len(questions)] for k in range(QUESTIONS_PER_USER)]
        for i in range(USERS)
    ]
    # warm-up: every question once by one user (the reference answers), then every user once at the same time
    reference = _run_round(server.url, [[q for user in plan for q in user]], deadline)
    assert reference.errors == [] and reference.skipped == 0, reference.errors[:5]
    expected = {q: _essence(a) for q, a in reference.answers}
    warm = _run_round(server.url, [[user[0]] for user in plan], deadline)
    assert warm.errors == [], warm.errors
    rss_warm = server.rss_mb()

    watch = QueueWatch(server.port)
    watch.start()
    try:
        run = _run_round(server.url, plan, deadline)
        largest_in_run = watch.largest
        burst = _burst(server.port)
        drained_s = _wait_for_empty_queue(server.port)
    finally:
        watch.stop()
    after = _run_round(server.url, [[questions[0]]], time.monotonic() + 60)  # still answering after the burst
    rss_after = server.rss_mb()

    asked = USERS * QUESTIONS_PER_USER
    rows = [
        ("users x questions", f"{USERS} x {QUESTIONS_PER_USER} = {asked}"),
        ("same questions, one user", f"{reference.wall_s:.1f} s, p95 {reference.percentile(95):.2f} s"),
        ("answered", str(len(run.latencies))),
        ("refused: queue full (clean)", str(len(run.busy))),
        ("other errors", str(len(run.errors))),
        ("skipped (time budget)", str(run.skipped)),
        ("wall time", f"{run.wall_s:.1f} s"),
        ("throughput", f"{len(run.latencies) / run.wall_s:.1f} answers/s"),
        ("latency p50", f"{statistics.median(run.latencies):.2f} s" if run.latencies else "-"),
        ("latency p95", f"{run.percentile(95):.2f} s" if run.latencies else "-"),
        ("latency max", f"{max(run.latencies):.2f} s" if run.latencies else "-"),
        ("largest queue, 20 users", str(largest_in_run)),
        ("largest queue, with burst", f"{watch.largest} (max_size {MAX_QUEUE}; {watch.samples} samples)"),
        (
            "burst of raw calls",
            f"{BURST_THREADS * BURST_CALLS}: {burst['accepted']} queued, "
            f"{burst['queue_full']} refused 503 queue full, {len(burst['other'])} other",
        ),
        ("queue drained after burst", f"{drained_s:.1f} s"),
        ("server RSS after warm-up", f"{rss_warm:.0f} MB"),
        ("server RSS after run+burst", f"{rss_after:.0f} MB"),
        ("RSS growth", f"{rss_after - rss_warm:+.0f} MB (limit {RSS_GROWTH_LIMIT_MB})"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\nload figures (server pid {server.pid}, default_concurrency_limit=2, extractive mode)")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")

    assert run.errors == [], run.errors[:5]
    # under load every user gets the answer to their own question, the same as when asked alone
    mixed = [q for q, a in run.answers + warm.answers if _essence(a) != expected[q]]
    assert mixed == [], mixed[:5]
    assert run.skipped == 0, f"{run.skipped} questions not asked within {RUN_BUDGET_S} s"
    assert len(run.latencies) + len(run.busy) == asked
    assert len(run.latencies) >= asked * 0.9, f"only {len(run.latencies)} of {asked} answered"
    assert burst["other"] == [], burst["other"][:5]
    assert burst["queue_full"] > 0, "the queue took every call of the burst: is it still bounded?"
    assert burst["accepted"] >= MAX_QUEUE // 2
    assert watch.largest <= MAX_QUEUE, watch.largest
    assert watch.failures == [], watch.failures[:5]
    assert after.errors == [] and len(after.latencies) == 1, after
    assert rss_after - rss_warm < RSS_GROWTH_LIMIT_MB, (rss_warm, rss_after)
