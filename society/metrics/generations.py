"""Per-generation harvest, over-usage, stock at the generation's start and survival of a
commons run with generations (`society.games.commons.generation_metrics`); a run without
`generations:` has none (None: left out of metrics.json)."""

from society.analysis.extra_metrics import Metric
from society.games.commons.generation_metrics import generation_metrics

METRIC = Metric(
    "generations",
    ("commons",),
    generation_metrics,
    "Per generation: harvest, over_usage, stock_start, survival (rounds), survived.",
)
