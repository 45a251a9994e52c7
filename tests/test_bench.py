"""The reduced benchmark runs end to end, so `report-assistant bench` cannot rot. Behaviour only:
the figures exist and the re-ingest of unchanged inputs embedded nothing; no timing is asserted."""

import json

import pytest

from assistant.cli import main


@pytest.mark.slow
def test_quick_bench_runs_and_reports_every_figure(tmp_path, capsys):
    out = tmp_path / "bench-results"
    assert main(["--data-dir", str(tmp_path / "data"), "bench", "--quick", "--out", str(out)]) == 0
    results = json.loads((out / "bench.json").read_text())
    rows = {row["figure"]: row for row in results["rows"]}
    reingest = rows["re-ingest unchanged corpus + PDF"]
    assert reingest["all_unchanged"] is True and reingest["embedded_texts"] == 0
    for name in (
        "ingest default corpus: chunks/s",
        "ingest 30-page PDF: chunks/s",
        "warm extractive answer median",
        "warm retrieval median",
    ):
        assert rows[name]["ours"] > 0 and rows[name]["starter"] > 0 and rows[name]["ratio"] > 0
    assert rows["cold start: status"]["ours"] > 0
    assert rows["chat server peak RSS after the questions"]["ours"] > 100  # MB: the model alone is more
    assert any(name.startswith("scale (") for name in rows)
    assert "| figure | ours | starter |" in (out / "bench.md").read_text()
    assert "| warm extractive answer median |" in capsys.readouterr().out
