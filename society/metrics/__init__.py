"""Metrics added to a game's own, one module each exposing `METRIC` (see
`society.analysis.extra_metrics`); third-party packages register through the
`society.metrics` entry-point group. Their values go to metrics.json under `extra` and into
the experiment tables."""
