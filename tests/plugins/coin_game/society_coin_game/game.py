"""The coin game: its scenario, state, phases, events and metrics, on society's core API."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from society.analysis.usage import LLMUsage, llm_usage
from society.core.decision import RATIONALE_MAX, DecisionModel
from society.core.game import Game
from society.core.phase import Phase
from society.core.rng import derive_rng
from society.core.state import CoreState, alive
from society.scenario._base import Strict
from society.scenario.base import ScenarioBase
from society.transcript.events import Event, RunFinished, RunStarted


# --- the scenario ------------------------------------------------------------------------
class CoinSettings(Strict):
    heads: float = Field(0.5, ge=0.0, le=1.0, description="Probability of heads.")
    reward: float = Field(1.0, gt=0.0, description="Points for a right call.")


class Persona(Strict):
    description: str
    heads_bias: float = Field(0.5, ge=0.0, le=1.0, description="Rule agents: P(call heads).")


PERSONAS = {
    "hunch": Persona(description="You follow your hunches.", heads_bias=0.8),
    "neutral": Persona(description="You have no favourite side.", heads_bias=0.5),
}


class CoinScenario(ScenarioBase):
    game: Literal["coin"] = "coin"
    rounds: int = Field(5, ge=1, le=1000)
    coin: CoinSettings = Field(default_factory=CoinSettings)
    personas: dict[str, Persona] = Field(default_factory=dict)

    @classmethod
    def builtin_personas(cls) -> dict[str, Persona]:
        return PERSONAS


# --- state, decisions, events ----------------------------------------------------------
class CoinState(CoreState):
    scores: dict[str, float]
    calls: dict[str, str]  # this round's calls, agent -> side


class CoinView(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str
    round: int
    persona: str
    score: float
    heads_bias: float


class Call(DecisionModel):
    side: Literal["heads", "tails"] = Field(description="Your call: heads or tails.")
    rationale: str = Field(min_length=1, max_length=RATIONALE_MAX, description="Why.")


class CoinTossed(Event):
    kind: Literal["coin_tossed"] = "coin_tossed"
    outcome: Literal["heads", "tails"]
    calls: dict[str, str]
    scores: dict[str, float]


class CoinMetrics(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    scenario: str
    seed: int
    rounds_limit: int
    rounds_completed: int
    end_reason: str | None
    accuracy: float  # right calls / calls
    llm: LLMUsage


# --- phases ----------------------------------------------------------------------------
class CallPhase(Phase):
    name = "call"
    node = "resolve_calls"
    produces = frozenset({"calls"})
    observation = CoinView

    def actors(self, state: Any, deps: Any) -> list[str]:
        return alive(state)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        if stop := deps.write_outcomes(state["outcomes"]):
            return {"end_reason": stop}
        calls = {
            agent: outcome["decision"]["side"]
            for agent, outcome in sorted(state["outcomes"].items())
            if outcome["decision"] is not None
        }
        return {"calls": calls}

    def prompt_id(self, view: Any) -> str:
        return "coin_call"

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Call

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        bias = request.observation.heads_bias
        side = "heads" if rng.random() < bias else "tails"
        return Call(side=side, rationale=f"heads with probability {bias:g}")


class TossPhase(Phase):
    name = "toss"
    node = "toss"
    turns = False
    requires = frozenset({"calls"})

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        scenario = deps.scenario
        if state["end_reason"] is not None:
            return {}
        rng = derive_rng(scenario.seed, state["round"], "toss")
        outcome = "heads" if rng.random() < scenario.coin.heads else "tails"
        calls = state["calls"]
        scores = dict(state["scores"])
        for agent, side in calls.items():
            if side == outcome:
                scores[agent] += scenario.coin.reward
        deps.writer.write(
            CoinTossed(round=state["round"], outcome=outcome, calls=calls, scores=scores)
        )
        end = "round_limit" if state["round"] >= scenario.rounds else None
        return {"scores": scores, "end_reason": end}


PHASES: dict[str, Phase] = {p.name: p for p in (CallPhase(), TossPhase())}


# --- the game --------------------------------------------------------------------------
class Coin(Game):
    name = "coin"
    description = "Call a coin toss each round."
    scenario_type = CoinScenario
    state_type = CoinState
    metrics_type = CoinMetrics
    prompts_folder = Path(__file__).parent / "prompts"

    def phases(self, scenario: Any) -> Mapping[str, Phase]:
        return PHASES

    def default_round(self, scenario: Any) -> list[str]:
        return ["call", "toss"]

    def initial_state(self, scenario: Any, agents: Sequence[Any]) -> dict[str, Any]:
        records = {
            a.id: {"group": a.group, "persona": a.persona, "joins_at": 1, "alive": True}
            for a in agents
        }
        return {
            "round": 0,
            "agents": records,
            "outcomes": {},
            "end_reason": None,
            "scores": {a.id: 0.0 for a in agents},
            "calls": {},
        }

    def start_round(self, state: Any, deps: Any) -> dict[str, Any]:
        return {"round": state["round"] + 1, "calls": {}}

    def observe(self, state: Any, agent: str, phase: str, deps: Any, members: Any = None) -> dict:
        record = state["agents"][agent]
        persona = deps.scenario.persona(record["persona"])
        return {
            "agent": agent,
            "round": state["round"],
            "persona": persona.description,
            "score": state["scores"][agent],
            "heads_bias": persona.heads_bias,
        }

    def finish(self, state: Any, deps: Any) -> None:
        deps.writer.write(
            RunFinished(
                round=state["round"],
                rounds_completed=state["round"],
                end_reason=state["end_reason"] or "",
            )
        )

    def event_types(self) -> Sequence[type]:
        return (CoinTossed,)

    def compute_metrics(self, events: Sequence[Any]) -> CoinMetrics:
        started = next(e for e in events if isinstance(e, RunStarted))
        finished = next((e for e in reversed(events) if isinstance(e, RunFinished)), None)
        right = calls = 0
        for event in events:
            if isinstance(event, CoinTossed):
                calls += len(event.calls)
                right += sum(side == event.outcome for side in event.calls.values())
        return CoinMetrics(
            run_id=started.run_id,
            scenario=started.scenario_name,
            seed=started.seed,
            rounds_limit=started.scenario["rounds"],
            rounds_completed=finished.rounds_completed if finished else 0,
            end_reason=finished.end_reason if finished else None,
            accuracy=round(right / calls, 6) if calls else 0.0,
            llm=llm_usage(events),
        )


GAME = Coin()
