"""The coordinator: the round graph and the runner around it."""

from society.coordinator.deps import CoordinatorDeps
from society.coordinator.runner import RunResult, agents_of, run_society, run_society_sync

__all__ = [
    "CoordinatorDeps",
    "RunResult",
    "agents_of",
    "run_society",
    "run_society_sync",
]
