"""Scenario sections `model:` and `llm:`: which chat model decides, and how replies, budgets
and prices are handled.

Tags in field descriptions: [P] the social-learning CPR paper, [G] GovSim, [O] our own default.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from society.scenario._base import Stable, Strict, rule_error


class ServerSpec(Strict):
    """One replica of a model in a pool (`model.servers`)."""

    base_url: str = Field(
        min_length=1,
        description="Base URL of this OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1).",
    )
    max_concurrency: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Calls in flight at once on this server; default: the model's max_concurrency. [O]",
    )

    @field_validator("base_url")
    @classmethod
    def _no_credentials(cls, url: str) -> str:
        return _checked_url(url)


class ModelSpec(Stable):
    """A chat model: an init_chat_model name plus parameters, or 'rules' for no model."""

    # Fields added after runs were recorded: left out of the resolved scenario while unset.
    omit_when_default: ClassVar[frozenset[str]] = frozenset({"servers", "server_down_s"})

    name: str = Field(
        min_length=1,
        description="'rules' for rule-based agents, or a 'provider:model' name as init_chat_model takes it "
        "(e.g. 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'ollama:llama3.1').",
    )
    base_url: str | list[str] | None = Field(
        None,
        description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp, LM Studio), or a "
        "list of them: replicas of one model, a pool (see servers) where each has max_concurrency.",
    )
    servers: list[ServerSpec] | None = Field(
        None,
        description="Replicas of this model, each with its own cap (instead of base_url). Every "
        "call goes to the least-loaded server that is up and under its cap; a server whose call "
        "fails (connection error, server error, timeout, rate limit) is marked down for "
        "server_down_s and the call is retried on another one. Which server answered goes to "
        "timings.jsonl, never to events.jsonl. [O]",
    )
    server_down_s: float = Field(
        30.0,
        gt=0.0,
        description="How long a server of a pool is passed over after a failed call (seconds); "
        "when every server is down, calls go to the one back soonest. [O]",
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
        description="Calls in flight at once on this model's server (its base_url, else the provider model), "
        "and on each server of a pool that sets none of its own; models sharing a server share the "
        "smallest cap. For a local server, its parallel slots (BENCHMARKS.md measures the effect). [O]",
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
    def _no_credentials_in_url(cls, url: str | list[str] | None) -> str | list[str] | None:
        if isinstance(url, list):
            if not url:
                raise rule_error("list at least one base URL (or leave base_url out)")
            for index, item in enumerate(url):
                try:
                    _checked_url(item)
                except ValueError as error:
                    raise rule_error(str(error), index) from None
            _no_repeats([_normal_url(item) for item in url], lambda i: (i,))
            return url
        return _checked_url(url) if url is not None else None

    @field_validator("servers")
    @classmethod
    def _servers_listed_once(cls, servers: list[ServerSpec] | None) -> list[ServerSpec] | None:
        if servers is not None:
            if not servers:
                raise rule_error("list at least one server (or leave servers out)")
            _no_repeats([_normal_url(s.base_url) for s in servers], lambda i: (i, "base_url"))
        return servers

    @model_validator(mode="after")
    def _one_way_to_name_servers(self) -> ModelSpec:
        if self.servers is not None and self.base_url is not None:
            raise rule_error(
                "give either base_url or servers, not both (servers: [{base_url: ..., "
                "max_concurrency: ...}, ...] lists the replicas with their own caps)",
                "servers",
            )
        if self.is_rules and (self.servers is not None or isinstance(self.base_url, list)):
            where = "servers" if self.servers is not None else "base_url"
            raise rule_error("rule-based agents ('rules') call no server", where)
        return self

    @property
    def is_rules(self) -> bool:
        return self.name == "rules"

    @property
    def replicas(self) -> tuple[tuple[str | None, int], ...]:
        """(base URL, cap) of each server this model's calls go to: one entry (None: the
        provider's own endpoint) unless it names a pool."""
        if self.servers is not None:
            return tuple(
                (s.base_url, s.max_concurrency or self.max_concurrency) for s in self.servers
            )
        if isinstance(self.base_url, list):
            return tuple((url, self.max_concurrency) for url in self.base_url)
        return ((self.base_url, self.max_concurrency),)

    @property
    def is_pool(self) -> bool:
        """True when the scenario lists this model's servers (even a list of one)."""
        return self.servers is not None or isinstance(self.base_url, list)

    def on_server(self, base_url: str | None) -> ModelSpec:
        """This model as served by one of its replicas (what the chat model is built from)."""
        return self.model_copy(update={"base_url": base_url, "servers": None})


def _checked_url(url: str) -> str:
    import re

    if re.match(r"^[a-z][a-z0-9+.-]*://[^/@]*@", url, re.IGNORECASE):
        raise ValueError(
            "base_url must not hold credentials (user:password@); use api_key_env or api_key_file"
        )
    return url


def _normal_url(url: str) -> str:
    return url.rstrip("/")


def _no_repeats(urls: list[str], at: Any) -> None:
    seen: set[str] = set()
    for index, url in enumerate(urls):
        if url in seen:
            raise rule_error(f"server {url!r} is listed twice", *at(index))
        seen.add(url)


class LLMSettings(Stable):
    """How LLM replies are handled, what a run may spend, and what tokens cost."""

    omit_when_default: ClassVar[frozenset[str]] = frozenset({"wrappers"})

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

    class Price(Stable):
        omit_when_default: ClassVar[frozenset[str]] = frozenset({"cached_input"})

        input: float = Field(ge=0.0, description="Price per million prompt tokens.")
        output: float = Field(ge=0.0, description="Price per million reply tokens.")
        cached_input: float | None = Field(
            None,
            ge=0.0,
            description="Price per million prompt tokens the provider read from its cache "
            "(reported by OpenAI, llama.cpp, Anthropic); unset: priced as input tokens.",
        )

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
    wrappers: list[str] = Field(
        default_factory=list,
        description="Backend wrappers of your own, by registered name (entry-point group "
        "society.backend_wrappers; docs/extending.md), applied around every model of the run, "
        "innermost first, inside the retries, metering and budget.",
    )

    @field_validator("wrappers")
    @classmethod
    def _wrappers_are_registered(cls, names: list[str]) -> list[str]:
        from society.core.registry import BACKEND_WRAPPERS

        known = BACKEND_WRAPPERS.names()
        for index, name in enumerate(names):
            if name not in known:
                raise rule_error(
                    f"no backend wrapper {name!r} is registered; known: {', '.join(known) or 'none'}",
                    index,
                )
        return names
