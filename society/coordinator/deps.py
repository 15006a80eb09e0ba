"""What the coordinator's nodes need besides the state: the scenario, the agent graph, the
transcript writer and per-agent facts that never change during a run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from society.scenario.schema import Scenario
from society.transcript.writer import TranscriptWriter


@dataclass(frozen=True)
class CoordinatorDeps:
    scenario: Scenario
    agent_graph: CompiledStateGraph
    writer: TranscriptWriter
    personas: dict[str, str]  # agent id -> persona description
    mind_sources: dict[str, str]  # agent id -> "rules" | "llm"
    on_round_finished: Callable[[int, float], None] | None = None

    def write_outcomes(self, outcomes: dict[str, Any]) -> bool:
        """Write each agent's events in agent-id order (never completion order); True if an
        agent's failure policy asks to abort the run."""
        aborted = False
        for agent in sorted(outcomes):
            outcome = outcomes[agent]
            for event, latency in zip(outcome["events"], outcome["latencies"], strict=True):
                self.writer.write(event, latency_s=latency)
            aborted = aborted or outcome["failure_policy"] == "abort"
        return aborted


def decided(outcomes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Agent -> decision, for the agents that produced one (failures are left out)."""
    return {
        agent: o["decision"] for agent, o in sorted(outcomes.items()) if o["decision"] is not None
    }
