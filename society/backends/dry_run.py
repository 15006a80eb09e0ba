"""`society run --dry-run`: estimate a scenario's model calls, tokens and cost before spending.

Round 1 is played for real (coordinator, phases, prompts) with minds that render each LLM
agent's actual prompt and count its tokens, but call no model: rule-based decisions stand in
for the replies (or the turn is skipped where a rule decision does not fit the LLM's decision
type). The estimate then multiplies: agents × rounds × calls per agent-round × (1 + expected
retry rate), with round 1's prompt sizes and an assumed reply length. It is an estimate: runs
may end early, later prompts grow with history and memory, and retries resend longer prompts.

`check_models` says, offline, what the real run will hit: a malformed or unknown model name
(an error), a provider package that is not installed or a key that is not set (warnings).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from society import tokens
from society.agents.llm import render_request
from society.agents.mind import DecisionRequest, MindResult
from society.agents.rule_mind import RulesMind
from society.backends.cost import PriceTable
from society.backends.resolve import provider_install_hint
from society.backends.secrets import SecretError, read_api_key
from society.prompts import PromptLibrary
from society.scenario.schema import LLMSettings, ModelSpec, Scenario
from society.transcript.events import DecisionFailed


@dataclass(frozen=True)
class Provider:
    module: str  # the LangChain integration's import name
    package: str  # its distribution name
    key_env: tuple[str, ...] = ()  # variables the client reads its key from (any one will do)
    checks_key: bool = True  # False: cloud credentials or none, not checked offline


# init_chat_model's providers (langchain.chat_models), with the variables their clients read.
PROVIDERS: dict[str, Provider] = {
    "openai": Provider("langchain_openai", "langchain-openai", ("OPENAI_API_KEY",)),
    "azure_openai": Provider("langchain_openai", "langchain-openai", ("AZURE_OPENAI_API_KEY",)),
    "anthropic": Provider("langchain_anthropic", "langchain-anthropic", ("ANTHROPIC_API_KEY",)),
    "google_genai": Provider(
        "langchain_google_genai", "langchain-google-genai", ("GOOGLE_API_KEY", "GEMINI_API_KEY")
    ),
    "ollama": Provider("langchain_ollama", "langchain-ollama", checks_key=False),  # local
    "mistralai": Provider("langchain_mistralai", "langchain-mistralai", ("MISTRAL_API_KEY",)),
    "groq": Provider("langchain_groq", "langchain-groq", ("GROQ_API_KEY",)),
    "deepseek": Provider("langchain_deepseek", "langchain-deepseek", ("DEEPSEEK_API_KEY",)),
    "xai": Provider("langchain_xai", "langchain-xai", ("XAI_API_KEY",)),
    "together": Provider("langchain_together", "langchain-together", ("TOGETHER_API_KEY",)),
    "fireworks": Provider("langchain_fireworks", "langchain-fireworks", ("FIREWORKS_API_KEY",)),
    "cohere": Provider("langchain_cohere", "langchain-cohere", ("COHERE_API_KEY",)),
    "perplexity": Provider("langchain_perplexity", "langchain-perplexity", ("PPLX_API_KEY",)),
    "openrouter": Provider("langchain_openrouter", "langchain-openrouter", ("OPENROUTER_API_KEY",)),
    "huggingface": Provider("langchain_huggingface", "langchain-huggingface", checks_key=False),
    "nvidia": Provider("langchain_nvidia_ai_endpoints", "langchain-nvidia-ai-endpoints", ("NVIDIA_API_KEY",)),
    "upstage": Provider("langchain_upstage", "langchain-upstage", ("UPSTAGE_API_KEY",)),
    "litellm": Provider("langchain_litellm", "langchain-litellm", checks_key=False),
    "ibm": Provider("langchain_ibm", "langchain-ibm", ("WATSONX_APIKEY",)),
    "google_vertexai": Provider("langchain_google_vertexai", "langchain-google-vertexai", checks_key=False),
    "google_anthropic_vertex": Provider(
        "langchain_google_vertexai", "langchain-google-vertexai", checks_key=False
    ),
    "bedrock": Provider("langchain_aws", "langchain-aws", checks_key=False),
    "bedrock_converse": Provider("langchain_aws", "langchain-aws", checks_key=False),
    "anthropic_bedrock": Provider("langchain_aws", "langchain-aws", checks_key=False),
    "azure_ai": Provider("langchain_azure_ai", "langchain-azure-ai", checks_key=False),
}


@dataclass(frozen=True)
class Finding:
    model: str
    level: Literal["error", "warning"]
    message: str


def check_models(specs: list[ModelSpec]) -> list[Finding]:
    """What the real run will hit with these models, checked offline without importing any
    provider package: the name's form and provider (errors), the package and the key
    (warnings)."""
    findings: list[Finding] = []
    for spec in specs:
        if spec.is_rules:
            continue
        findings += _check_model(spec)
    return findings


def _check_model(spec: ModelSpec) -> list[Finding]:
    def found(level: Literal["error", "warning"], message: str) -> Finding:
        return Finding(spec.name, level, message)

    provider, sep, model = spec.name.partition(":")
    if not sep or not provider or not model.strip():
        return [found("error", f"model {spec.name!r} is not 'provider:model' (e.g. 'openai:gpt-4o-mini')")]
    known = PROVIDERS.get(provider)
    if known is None:
        return [
            found(
                "error",
                f"model {spec.name!r}: unknown provider {provider!r} (known: "
                f"{', '.join(sorted(PROVIDERS))})",
            )
        ]
    findings = []
    if importlib.util.find_spec(known.module) is None:
        findings.append(
            found(
                "warning",
                f"{known.package} is not installed (install: {provider_install_hint(provider)})",
            )
        )
    if spec.api_key_env or spec.api_key_file:
        try:
            read_api_key(spec.api_key_env, spec.api_key_file)
        except SecretError as error:
            findings.append(found("warning", str(error)))
    elif spec.base_url is not None and provider in ("openai", "azure_openai"):
        pass  # an OpenAI-compatible local server: the client is given a placeholder key
    elif known.checks_key and not any(os.environ.get(v, "").strip() for v in known.key_env):
        findings.append(found("warning", f"{' or '.join(known.key_env)} is not set"))
    return findings


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
    from society.coordinator.runner import agents_of, run_society
    from society.core.registry import game_of

    prompts = prompts or PromptLibrary()
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
    for key, mind in by_spec.items():
        spec = spec_of[key]
        agents = sorted({a for a, m in minds.items() if m is mind})
        per_agent: dict[str, list[RenderedCall]] = defaultdict(list)
        for call in mind.calls:
            per_agent[call.agent].append(call)
            result.prompts[call.prompt_id] = max(
                result.prompts.get(call.prompt_id, 0), call.input_tokens
            )
        calls_round = sum(len(c) for c in per_agent.values()) / max(1, len(agents)) / sampled
        tokens_round = sum(c.input_tokens for c in mind.calls) / max(1, len(agents)) / sampled
        factor = len(agents) * scenario.rounds * (1.0 + retry_rate)
        reply = min(reply_tokens, spec.max_tokens) if spec.max_tokens else reply_tokens
        calls = calls_round * factor
        price = prices.price(spec.name)
        input_tokens, output_tokens = tokens_round * factor, calls * reply
        result.models.append(
            ModelEstimate(
                model=spec.name,
                agents=len(agents),
                calls_per_agent_round=calls_round,
                prompt_tokens_per_call=tokens_round / calls_round if calls_round else 0.0,
                calls=calls,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cost=price.cost(int(input_tokens), int(output_tokens)) if price else None,
            )
        )
    return result
