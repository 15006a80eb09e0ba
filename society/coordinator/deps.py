"""What the coordinator's nodes need besides the state: the scenario, the agent turns, the
transcript writer and per-agent facts that never change during a run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from memory import EpisodicMemory
from society.agents.graph import AgentTurns
from society.core.ending import ABORTED, STOPS
from society.transcript.events import DecisionFailed, Event
from society.transcript.writer import TranscriptWriter


@dataclass(frozen=True)
class CoordinatorDeps:
    scenario: Any  # the game's scenario model (a ScenarioBase)
    agent_turns: AgentTurns
    writer: TranscriptWriter
    personas: dict[str, str]  # agent id -> persona description
    mind_sources: dict[str, str]  # agent id -> "rules" | "llm"
    on_round_finished: Callable[[int, float], None] | None = None
    # The run's episodic memory (None: memory off); the coordinator recalls, remembers and
    # reflects through it (the game's round memory).
    memory: EpisodicMemory | None = None
    # A resumed run's events of its completed rounds (the memory keeper relearns from them).
    history: Sequence[Event] = ()

    def write_outcomes(self, outcomes: dict[str, Any]) -> str | None:
        """Write each agent's events in agent-id order (never completion order). Returns the
        end reason if an outcome stops the run: the run budget ran out, a model backend stayed
        down past its retries, or an agent's failure policy is 'abort'."""
        stop: str | None = None
        for agent in sorted(outcomes):
            outcome = outcomes[agent]
            servers = outcome.get("servers") or [None] * len(outcome["events"])
            for event, latency, server in zip(
                outcome["events"], outcome["latencies"], servers, strict=True
            ):
                self.writer.write(event, latency_s=latency, server=server)
                if isinstance(event, DecisionFailed) and event.reason in STOPS:
                    stop = STOPS[event.reason]
            if outcome["failure_policy"] == "abort" and stop is None:
                stop = ABORTED
        return stop


def decided(outcomes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Agent -> decision, for the agents that produced one (failures are left out)."""
    return {
        agent: o["decision"] for agent, o in sorted(outcomes.items()) if o["decision"] is not None
    }
