"""`society run --dry-run`: estimate a scenario's model calls, tokens and cost before spending.

Round 1 is played for real (coordinator, phases, prompts) with minds that render each LLM
agent's actual prompt and count its tokens, but call no model: rule-based decisions stand in
for the replies (or the turn is skipped where a rule decision does not fit the LLM's decision
type). The estimate then multiplies: agents × rounds × calls per agent-round × (1 + expected
retry rate), with round 1's prompt sizes and an assumed reply length. It is an estimate: runs
may end early, later prompts grow with history and memory, and retries resend longer prompts.

The measuring mind is a mind, and the estimate plays a run: both live in the run layer. The
offline checks of model names, packages and keys are `society.backends.providers`.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from society import tokens
from society.agents.llm import render_request
from society.agents.mind import DecisionRequest, MindResult
from society.agents.rule_mind import RulesMind
from society.backends.cost import PriceTable
from society.core.agents import agents_of
from society.prompts import PromptLibrary
from society.scenario.base import ScenarioBase as Scenario
from society.scenario.models import LLMSettings, ModelSpec
from society.transcript.events import DecisionFailed


@dataclass
class RenderedCall:
    agent: str
    phase: str
    prompt_id: str
    input_tokens: int


class DryRunMind:
    """Renders and measures the real prompt, then answers like a rule-based agent."""

    source = "llm"

    def __init__(self, spec: ModelSpec, prompts: PromptLibrary, settings: LLMSettings) -> None:
        self.label = spec.name
        self.prompts = prompts
        self.settings = settings
        self.rules = RulesMind()
        self.calls: list[RenderedCall] = []

    async def decide(self, request: DecisionRequest) -> MindResult:
        rendered = render_request(self.prompts, request)
        self.calls.append(
            RenderedCall(
                request.observation.agent,
                request.phase,
                rendered.prompt_id,
                tokens.count_messages(
                    [m.content for m in rendered.messages], self.settings.token_encoding
                ),
            )
        )
        try:
            result = await self.rules.decide(request)
            if isinstance(result.decision, request.decision_type):
                return result
        except Exception:  # no rule for an LLM-only decision type: skip, the estimate is made
            pass
        failure = DecisionFailed(
            round=request.observation.round,
            agent=request.observation.agent,
            phase=request.phase,
            attempts=0,
            last_reply=None,
            error="dry run: no model was called",
            policy="skip",
        )
        return MindResult(decision=None, attempts=0, failure=failure)


@dataclass
class ModelEstimate:
    model: str
    agents: int
    calls_per_agent_round: float
    prompt_tokens_per_call: float
    calls: float
    input_tokens: float
    output_tokens: float
    cost: float | None


@dataclass
class DryRunEstimate:
    rounds: int
    retry_rate: float
    reply_tokens: int
    currency: str
    models: list[ModelEstimate] = field(default_factory=list)
    prompts: dict[str, int] = field(default_factory=dict)  # prompt id -> round-1 tokens (max)
    sampled_rounds: int = 1  # rounds played to measure (Game.sample_rounds)

    @property
    def calls(self) -> float:
        return sum(m.calls for m in self.models)

    @property
    def input_tokens(self) -> float:
        return sum(m.input_tokens for m in self.models)

    @property
    def output_tokens(self) -> float:
        return sum(m.output_tokens for m in self.models)

    @property
    def cost(self) -> float | None:
        costs = [m.cost for m in self.models if m.cost is not None]
        return sum(costs) if costs else None


async def estimate(
    scenario: Scenario,
    *,
    retry_rate: float = 0.1,
    reply_tokens: int = 80,
    prompts: PromptLibrary | None = None,
) -> DryRunEstimate:
    """Play round 1 (or the game's sample of rounds) with measuring minds and extrapolate
    to the whole run."""
    from society.coordinator.runner import run_society  # the runner imports the minds layer
    from society.core.registry import game_of

    prompts = prompts or PromptLibrary.for_scenario(scenario)
    groups = {g.name: g for g in scenario.population}
    by_spec: dict[str, DryRunMind] = {}
    minds: dict[str, object] = {}
    spec_of: dict[str, ModelSpec] = {}
    for agent in agents_of(scenario):
        spec = scenario.model_for(groups[agent.group])
        if spec.is_rules:
            minds[agent.id] = RulesMind()
            continue
        key = spec.model_dump_json()
        by_spec.setdefault(key, DryRunMind(spec, prompts, scenario.llm))
        minds[agent.id] = by_spec[key]
        spec_of[key] = spec
    sampled = max(1, game_of(scenario).sample_rounds(scenario))
    one_round = scenario.model_copy(update={"rounds": sampled})
    with tempfile.TemporaryDirectory(prefix="society-dry-run-") as folder:
        await run_society(one_round, Path(folder), minds=minds, prompts=prompts)  # type: ignore[arg-type]

    prices = PriceTable.from_data(scenario.llm.prices.model_dump(), "llm.prices")
    result = DryRunEstimate(
        scenario.rounds, retry_rate, reply_tokens, prices.currency, sampled_rounds=sampled
    )
    # Agents play at once: a game that renews its population (generations) lists every seat
    # of the run, but only `agent_count` of them play in any round.
    at_once = scenario.agent_count / max(1, len(minds))
    for key, mind in by_spec.items():
        spec = spec_of[key]
        agents = sorted({a for a, m in minds.items() if m is mind})
        playing = max(1.0, len(agents) * at_once)
        per_agent: dict[str, list[RenderedCall]] = defaultdict(list)
        for call in mind.calls:
            per_agent[call.agent].append(call)
            result.prompts[call.prompt_id] = max(
                result.prompts.get(call.prompt_id, 0), call.input_tokens
            )
        calls_round = sum(len(c) for c in per_agent.values()) / playing / sampled
        tokens_round = sum(c.input_tokens for c in mind.calls) / playing / sampled
        factor = playing * scenario.rounds * (1.0 + retry_rate)
        reply = min(reply_tokens, spec.max_tokens) if spec.max_tokens else reply_tokens
        calls = calls_round * factor
        price = prices.price(spec.name)
        input_tokens, output_tokens = tokens_round * factor, calls * reply
        result.models.append(
            ModelEstimate(
                model=spec.name,
                agents=round(playing),
                calls_per_agent_round=calls_round,
                prompt_tokens_per_call=tokens_round / calls_round if calls_round else 0.0,
                calls=calls,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cost=price.cost(int(input_tokens), int(output_tokens)) if price else None,
            )
        )
    return result
