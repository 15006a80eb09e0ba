"""Opening a run's episodic memory store: I/O belongs to the run, not to the scenario schema
(`MemorySection` only says which store and how it is used)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from memory import EpisodicMemory, open_memory
from society.agents.mind import Mind
from society.scenario.base import ScenarioBase

MEMORY_DIR = "memory"


def open_run_memory(
    scenario: ScenarioBase, run_dir: Path, minds: Mapping[str, Mind]
) -> EpisodicMemory | None:
    """The run's episodic memory (None when the scenario turns memory off): embedded Chroma in
    `run_dir/memory`, a Chroma server (memory.url), or in memory (rule-only runs by default,
    or memory.store: in_memory). The collection is named after the run folder."""
    if not scenario.memory.enabled:
        return None
    rule_only = all(mind.source == "rules" for mind in minds.values())
    return open_memory(
        scenario.memory.store_settings(rule_only),
        collection=run_dir.name,
        path=run_dir / MEMORY_DIR,
    )
