"""Analysis: metrics and tables computed from transcripts."""

from society.analysis.metrics import (
    METRICS_FILE,
    MetricsError,
    RunMetrics,
    compute_metrics,
    write_metrics,
)

__all__ = ["METRICS_FILE", "MetricsError", "RunMetrics", "compute_metrics", "write_metrics"]
