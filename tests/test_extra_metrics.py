"""A metric is one registry entry: registered for a game, it lands in metrics.json under
`extra` (recomputable from the events) and in the experiment tables; runs without one keep
their metrics.json as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import scenario

from society.analysis.extra_metrics import METRICS, Metric
from society.analysis.metrics_file import metrics_json, run_metrics_document
from society.coordinator.runner import run_society_sync
from society.transcript import Decision, read_events


def rationale_words(events: list) -> float:
    words = [len(e.decision["rationale"].split()) for e in events if isinstance(e, Decision)]
    return round(sum(words) / len(words), 6) if words else 0.0


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(METRICS, "_entries", {})
    METRICS.register("rationale_words", Metric("rationale_words", ("commons",), rationale_words))


def test_a_registered_metric_is_in_metrics_json(registered: None, tmp_path: Path) -> None:
    run = run_society_sync(scenario("demo.yaml", rounds=2), tmp_path)
    on_disk = json.loads((run.run_dir / "metrics.json").read_text())
    events = list(read_events(run.run_dir))
    assert on_disk["extra"] == {"rationale_words": rationale_words(events)} != {"rationale_words": 0.0}
    assert metrics_json(*run_metrics_document(events)) == on_disk


def test_a_metric_for_another_game_is_not_computed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(METRICS, "_entries", {})
    METRICS.register("other", Metric("other", ("donor",), lambda events: 1))
    run = run_society_sync(scenario("demo.yaml", rounds=1), tmp_path)
    assert "extra" not in json.loads((run.run_dir / "metrics.json").read_text())
