"""society: simulate societies of LLM agents that share and govern a common-pool resource.

The public names below are imported lazily, so `import society.games.commons.dynamics` (pure dynamics) does not
pull in LangGraph or LangChain.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from society.version import __version__

_PUBLIC = {
    "RunMetrics": "society.games.commons.metrics",
    "compute_metrics": "society.games.commons.metrics",
    "RunResult": "society.coordinator.runner",
    "run_society": "society.coordinator.runner",
    "run_society_sync": "society.coordinator.runner",
    "Scenario": "society.scenario",
    "ScenarioError": "society.scenario",
    "load_scenario": "society.scenario",
}

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

if TYPE_CHECKING:
    from society.coordinator.runner import RunResult, run_society, run_society_sync
    from society.games.commons.metrics import RunMetrics, compute_metrics
    from society.scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'society' has no attribute {name!r}")
