"""Analysis over any game's transcript: the metrics file, model usage and statistics. Each
game computes its own metrics (`Game.compute_metrics`)."""

from society.analysis.metrics_file import (
    METRICS_FILE,
    MetricsError,
    compute_run_metrics,
    write_metrics,
)
from society.analysis.usage import LLMUsage, llm_usage

__all__ = [
    "METRICS_FILE",
    "LLMUsage",
    "MetricsError",
    "compute_run_metrics",
    "llm_usage",
    "write_metrics",
]
