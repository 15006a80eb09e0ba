"""society: simulate societies of LLM agents that share and govern a common-pool resource."""

__version__ = "0.1.0"

from society.analysis.metrics import RunMetrics, compute_metrics
from society.coordinator.runner import RunResult, run_society, run_society_sync
from society.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "RunMetrics",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compute_metrics",
    "load_scenario",
    "run_society",
    "run_society_sync",
]
