"""The scenario schema: every field a scenario file may set, with its unit and default.

Tags in field descriptions: [P] from the social-learning CPR paper, [G] from GovSim,
[O] our own default where the sources give no value.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from society.scenario._base import Strict, rule_error
from society.scenario.institutions import (
    ABLATION_SWITCHES,
    Ablation,
    Institutions,
    Interventions,
    RuleLearning,
)
from society.scenario.memory_settings import MemorySection

SCHEMA_VERSION = 1

GROUP_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"
SCENARIO_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
# What each pattern means, for error messages (the loader shows these instead of the regex).
PATTERN_RULES: dict[str, str] = {
    GROUP_NAME_PATTERN: "must start with a letter and hold only letters, digits, '_' and '-', "
    "at most 32 characters",
    SCENARIO_NAME_PATTERN: "must start with a lowercase letter or digit and hold only lowercase "
    "letters, digits, '.', '_' and '-', at most 64 characters",
}


class LogisticRegrowth(Strict):
    """R(t+1) = R' + r·R'·(1 − R'/K), where R' is the stock left after harvest. [P]"""

    kind: Literal["logistic"] = "logistic"
    rate: float = Field(
        0.6, ge=0.0, le=5.0, description="Growth rate r per round. Rich 0.6 [P], scarce 0.2 [O]."
    )


class DoublingRegrowth(Strict):
    """R(t+1) = min(K, factor·R'): GovSim's regrowth. [G]"""

    kind: Literal["doubling"] = "doubling"
    factor: float = Field(
        2.0,
        ge=1.0,
        le=10.0,
        description="Multiplier applied to the stock left after harvest. GovSim: 2 [G].",
    )


Regrowth = Annotated[LogisticRegrowth | DoublingRegrowth, Field(discriminator="kind")]


class ResourceNames(Strict):
    """How prompts and reports name the resource (fishery, pasture, pollution...)."""

    name: str = Field("resource", min_length=1, description="What the commons holds, e.g. 'fish'.")
    unit: str = Field(
        "units", min_length=1, description="Unit of the stock and of harvests, e.g. 'tons'."
    )
    action: str = Field(
        "harvest", min_length=1, description="Verb for taking from the commons, e.g. 'catch'."
    )


class CollapseRule(Strict):
    """When the commons counts as collapsed."""

    below: float = Field(
        1.0,
        ge=0.0,
        description="The commons collapses when the stock is below this (units). CPR: 1 [P]; GovSim: 5 [G].",
    )
    checked: Literal["after_regrowth", "after_harvest"] = Field(
        "after_regrowth",
        description="When the stock is compared: after regrowth (CPR [P]) or right after harvest, before regrowth (GovSim [G]).",
    )


class Commons(Strict):
    """The shared resource and its dynamics (MECHANICS.md §2)."""

    harvest: Literal["effort", "amount"] = Field(
        "effort",
        description="'effort': each agent picks e in [0,1] and takes productivity·e·R [P/O]. "
        "'amount': each agent asks an integer 0..R; excess demand is rationed one unit at a time [G].",
    )
    capacity: float = Field(
        300.0, gt=0.0, description="Carrying capacity K (units). Paper 300 [P]; GovSim 100 [G]."
    )
    initial_stock: float | None = Field(
        None, ge=0.0, description="R(0) (units). Default: the capacity [P]."
    )
    regrowth: Regrowth = Field(
        default_factory=LogisticRegrowth, description="Regrowth rule, by 'kind'."
    )
    productivity: float = Field(
        0.1, gt=0.0, le=1.0, description="α in h = α·e·R for 'effort' harvests [O]."
    )
    consumption: float = Field(
        1.0,
        ge=0.0,
        description="Units each alive agent consumes per round, subtracted from its payoff [P, value O].",
    )
    initial_payoff: float = Field(
        5.0,
        ge=0.0,
        description="Each agent's starting payoff π(0) in units [O]; an agent whose payoff falls below 0 starves.",
    )
    starvation: bool = Field(
        True,
        description="An agent whose cumulative payoff is below 0 dies and leaves the commons [P].",
    )
    end_on_death: bool = Field(True, description="The run ends when any agent dies [P].")
    collapse: CollapseRule = Field(default_factory=CollapseRule)
    exact_stock_visible: bool = Field(
        False,
        description="Agents see the exact stock; otherwise a coarse signal (plentiful / moderate / scarce / critical) [P].",
    )
    resource: ResourceNames = Field(default_factory=ResourceNames)

    @model_validator(mode="after")
    def _consistent(self) -> Commons:
        if self.initial_stock is not None and self.initial_stock > self.capacity:
            raise rule_error(
                f"initial_stock ({self.initial_stock:g}) exceeds capacity ({self.capacity:g})",
                "initial_stock",
            )
        if self.harvest == "amount" and not self.exact_stock_visible:
            raise rule_error(
                "harvest 'amount' needs exact_stock_visible: true (agents ask for up to the stock)",
                "harvest",
            )
        return self

    @property
    def start_stock(self) -> float:
        return self.capacity if self.initial_stock is None else self.initial_stock


class Strategy(Strict):
    """A rule-based agent's strategy tuple (the paper's e, m, p)."""

    effort: float = Field(
        ge=0.0, le=1.0, description="Harvest effort e in [0,1] ('effort' commons) [P]."
    )
    monitor: float = Field(
        ge=0.0, le=1.0, description="Probability m of inspecting a random peer each round [P]."
    )
    punish: float = Field(
        ge=0.0, le=1.0, description="Probability p of punishing a peer known to break the norm [P]."
    )
    noise: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        description="Std. dev. of the per-round trembling-hand noise on effort [O].",
    )
    keeps_agreements: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Probability of keeping a limit agreed in the town hall this round [O].",
    )
    norm_factor: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Personal norm as a multiple of the sustainable per-agent share; what the agent proposes and judges by [O].",
    )


class Persona(Strict):
    """A persona: text for LLM minds and a starting strategy for rule-based minds."""

    description: str = Field(min_length=1, description="Shown to LLM agents as who they are.")
    strategy: Strategy


class ModelSpec(Strict):
    """A chat model: an init_chat_model name plus parameters, or 'rules' for no model."""

    name: str = Field(
        min_length=1,
        description="'rules' for rule-based agents, or a 'provider:model' name as init_chat_model takes it "
        "(e.g. 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'ollama:llama3.1').",
    )
    base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio)."
    )
    temperature: float | None = Field(
        None, ge=0.0, le=2.0, description="Sampling temperature; provider default if unset."
    )
    max_tokens: int | None = Field(None, gt=0, description="Cap on tokens per reply.")
    seed: int | None = Field(
        None,
        ge=0,
        description="Sampling seed, for providers that support one (OpenAI and compatible servers, Ollama).",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Other keyword arguments for the provider's chat model class (e.g. top_p). "
        "Never credentials: use api_key_env or api_key_file.",
    )
    structured_output: Literal["auto", "json_schema", "tool_calling", "json_mode", "text"] = Field(
        "auto",
        description="How replies are kept to the decision's schema: 'json_schema' (the provider constrains "
        "the output to the JSON Schema), 'tool_calling' (the decision is a tool the model calls), "
        "'json_mode' (any JSON object), 'text' (JSON asked for in the prompt, parsed leniently). "
        "'auto': json_schema for openai (also OpenAI-compatible servers), google_genai and ollama; "
        "tool_calling for anthropic; text otherwise.",
    )
    api_key_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding the API key (default: the provider's usual one).",
    )
    api_key_file: str | None = Field(
        None, description="Path of a file whose first line is the API key."
    )
    timeout_s: float = Field(120.0, gt=0.0, description="Per-call timeout in seconds.")
    max_retries: int = Field(
        5,
        ge=0,
        le=20,
        description="Retries after a rate limit, server error or timeout (exponential backoff with jitter).",
    )
    backoff_s: float = Field(
        1.0, ge=0.0, description="Wait before the first retry (seconds); doubles with each retry."
    )
    backoff_max_s: float = Field(
        60.0, ge=0.0, description="Longest wait between retries (seconds)."
    )
    max_concurrency: int = Field(
        16,
        ge=1,
        le=10_000,
        description="Calls in flight at once on this model's server (its base_url, else the provider model); "
        "models sharing a server share the smallest cap.",
    )

    @model_validator(mode="before")
    @classmethod
    def _name_alone(cls, value: Any) -> Any:
        # `model: openai:gpt-4o-mini` is shorthand for `model: {name: openai:gpt-4o-mini}`.
        return {"name": value} if isinstance(value, str) else value

    @field_validator("params")
    @classmethod
    def _no_credentials_in_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        # Anything here is copied into scenario.yaml and the transcript: keys must not be.
        import re

        def walk(value: Any, path: str) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if re.search(
                        r"(?i)(api_?key|secret|password|token$|authorization|credential)", str(key)
                    ) and not str(key).endswith("_tokens"):
                        raise ValueError(
                            f"params{path}.{key} looks like a credential; name its source with "
                            "api_key_env or api_key_file instead (scenario files are copied into runs)"
                        )
                    walk(item, f"{path}.{key}")

        walk(params, "")
        return params

    @field_validator("base_url")
    @classmethod
    def _no_credentials_in_url(cls, url: str | None) -> str | None:
        import re

        if url is not None and re.match(r"^[a-z][a-z0-9+.-]*://[^/@]*@", url, re.IGNORECASE):
            raise ValueError(
                "base_url must not hold credentials (user:password@); use api_key_env or api_key_file"
            )
        return url

    @property
    def is_rules(self) -> bool:
        return self.name == "rules"


class Group(Strict):
    """A population group: agents sharing a persona and a model."""

    name: str = Field(
        pattern=GROUP_NAME_PATTERN, description="Group name; agent ids are '<name>-<n>'."
    )
    count: int = Field(ge=1, le=10_000, description="Number of agents in the group.")
    joins_at: int = Field(
        1,
        ge=1,
        description="Round in which these agents join the commons; later than 1 makes them newcomers (GovSim's greedy newcomer) [G].",
    )
    persona: str = Field(
        "neutral", description="Key into 'personas' (built in: altruistic, selfish, neutral)."
    )
    model: ModelSpec | None = Field(
        None, description="Model for this group; default: the scenario's 'model'."
    )

    @field_validator("persona")
    @classmethod
    def _persona_is_known(cls, value: str, info: ValidationInfo) -> str:
        # The loader passes the scenario's persona keys as context so the error points here.
        extra = (info.context or {}).get("personas")
        if extra is not None:
            known = set(BUILTIN_PERSONAS) | set(extra)
            if value not in known:
                raise ValueError(f"unknown persona {value!r}; known: {', '.join(sorted(known))}")
        return value


class LLMSettings(Strict):
    """How LLM replies are handled, what a run may spend, and what tokens cost."""

    class Budget(Strict):
        """Run-level limits; the run stops cleanly (end reason 'budget_exhausted') once one is
        reached. Checked at the start of each phase against the usage of the phases before it,
        so runs stay reproducible: a run may exceed a limit by at most one phase's calls."""

        max_calls: int | None = Field(
            None, ge=1, description="Most model calls (failed ones count)."
        )
        max_tokens: int | None = Field(None, ge=1, description="Most prompt + reply tokens.")
        max_cost: float | None = Field(
            None, gt=0.0, description="Most cost, in the price table's currency (needs llm.prices)."
        )

    class Price(Strict):
        input: float = Field(ge=0.0, description="Price per million prompt tokens.")
        output: float = Field(ge=0.0, description="Price per million reply tokens.")

    class PriceTable(Strict):
        """Prices you supply (none are shipped: see prices.example.yaml)."""

        currency: str = Field("USD", min_length=1, description="Label of the cost figures.")
        models: dict[str, LLMSettings.Price] = Field(
            default_factory=dict,
            description="Model name (or glob pattern such as 'openai:*') -> price per million tokens.",
        )

    retries: int = Field(
        2,
        ge=0,
        le=10,
        description="Re-asks after a reply that fails to parse or validate, each with the error.",
    )
    on_failure: Literal["skip", "abort"] = Field(
        "skip",
        description="After the retries: 'skip' the agent's turn (recorded; it takes nothing) or 'abort' the run.",
    )
    token_encoding: Literal["cl100k_base", "o200k_base"] = Field(
        "cl100k_base", description="tiktoken encoding used when a provider reports no token usage."
    )
    budget: LLMSettings.Budget | None = Field(
        None, description="Run-level limits on calls, tokens and cost; none by default."
    )
    prices: LLMSettings.PriceTable = Field(
        default_factory=lambda: LLMSettings.PriceTable(),
        description="Price table for the cost meter (empty: costs are not computed).",
    )


class Norm(Strict):
    """The group norm G(t): a per-agent harvest limit and its text."""

    limit: float = Field(
        4.5,
        ge=0.0,
        description="Per-agent harvest limit in units. Default: MSY/N for the paper's rich commons [O].",
    )
    text: str = Field(
        "Take no more than the sustainable share.",
        min_length=1,
        description="Norm text shown to agents.",
    )


class Scenario(Strict):
    """A society: its commons, population, institutions and run length."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="Scenario format version.")
    name: str = Field(
        pattern=SCENARIO_NAME_PATTERN, description="Short id used in run folder names."
    )
    description: str = Field("", description="Free text for humans.")
    seed: int = Field(
        0, ge=0, description="Seed of every random draw; the same seed gives the same run."
    )
    rounds: int = Field(
        50, ge=1, le=10_000, description="Round limit T. Paper 50 [P]; GovSim 12 [G]."
    )
    commons: Commons = Field(default_factory=Commons)
    model: ModelSpec = Field(
        default_factory=lambda: ModelSpec(name="rules"), description="Default model of every group."
    )
    personas: dict[str, Persona] = Field(
        default_factory=dict, description="Extra or overriding personas by key."
    )
    population: list[Group] = Field(min_length=1, description="The groups of agents.")
    norm: Norm = Field(default_factory=Norm)
    institutions: Institutions = Field(default_factory=Institutions)
    ablation: Ablation | None = Field(
        None,
        description="Shorthand for the paper's arms: 'full', 'social_learning_only', 'voting_only' "
        "or 'neither' switch institutions.social_learning and institutions.voting [P].",
    )
    interventions: Interventions = Field(default_factory=Interventions)
    learning: RuleLearning = Field(default_factory=RuleLearning)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    memory: MemorySection = Field(
        default_factory=MemorySection,
        description="Agents' episodic memory: store, embedder, recall, reflection, prompt budget.",
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_ablation(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("ablation") not in ABLATION_SWITCHES:
            return data
        learning_on, voting_on = ABLATION_SWITCHES[data["ablation"]]
        institutions = dict(data.get("institutions") or {})
        for key, wanted in (("social_learning", learning_on), ("voting", voting_on)):
            section = dict(institutions.get(key) or {})
            if "enabled" in section and section["enabled"] != wanted:
                raise rule_error(
                    f"ablation {data['ablation']!r} turns {key} {'on' if wanted else 'off'}, "
                    f"but institutions.{key}.enabled says otherwise; drop one of the two",
                    "ablation",
                )
            section["enabled"] = wanted
            institutions[key] = section
        return {**data, "institutions": institutions}

    @field_validator("population")
    @classmethod
    def _group_names_are_unique(cls, groups: list[Group]) -> list[Group]:
        first: dict[str, int] = {}
        for index, group in enumerate(groups):
            if group.name in first:
                raise rule_error(
                    f"duplicate group name {group.name!r} (also population[{first[group.name]}])",
                    index,
                    "name",
                )
            first[group.name] = index
        return groups

    @model_validator(mode="after")
    def _personas_exist(self) -> Scenario:
        known = set(BUILTIN_PERSONAS) | set(self.personas)
        for index, group in enumerate(self.population):
            if group.persona not in known:
                # Reached only without the loader's context (the group validator runs first).
                raise rule_error(
                    f"unknown persona {group.persona!r} (population[{index}].persona); "
                    f"known: {', '.join(sorted(known))}",
                    "population",
                    index,
                    "persona",
                )
        return self

    def persona(self, key: str) -> Persona:
        return self.personas.get(key) or BUILTIN_PERSONAS[key]

    def model_for(self, group: Group) -> ModelSpec:
        return group.model or self.model

    @property
    def agent_count(self) -> int:
        return sum(group.count for group in self.population)


# Starting strategies [O values, directions P]: altruists harvest little and enforce;
# selfish agents harvest much and rarely monitor or punish.
BUILTIN_PERSONAS: dict[str, Persona] = {
    "altruistic": Persona(
        description="You care about the community and the long-term health of the shared resource.",
        strategy=Strategy(
            effort=0.1, monitor=0.6, punish=0.6, norm_factor=0.8, keeps_agreements=0.95
        ),
    ),
    "selfish": Persona(
        description="You look after yourself first and want as much as you can get.",
        strategy=Strategy(
            effort=0.6, monitor=0.1, punish=0.1, norm_factor=2.0, keeps_agreements=0.2
        ),
    ),
    "neutral": Persona(
        description="You are an ordinary member of the community.",
        strategy=Strategy(effort=0.3, monitor=0.5, punish=0.5),
    ),
}
