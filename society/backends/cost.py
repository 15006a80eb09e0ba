"""Token and cost metering: provider usage when reported, else tiktoken; cost from a price table.

The price table is data the user supplies (scenario `llm.prices`, or `society run --prices
FILE`): prices per million input and output tokens, and optionally per million cached input
tokens (prompt tokens the provider read from its cache, usually cheaper), keyed by model name
or a glob pattern such as 'openai:*'. Without a cached-input price, cached tokens are priced
as input tokens (what they cost without the cache). The project ships no prices (see prices.example.yaml): they change, and a
number here would be a guess presented as a fact. A model without a price has cost None.
"""

from __future__ import annotations

import fnmatch
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from society import tokens
from society.backends.base import ChatBackend, ChatReply, ChatRequest, Wrapper
from society.bounded_io import UnreadableFile, load_json, load_yaml_mapping

PER_TOKENS = 1_000_000


class PriceTableError(Exception):
    """A price file cannot be read or has the wrong shape."""


@dataclass(frozen=True)
class Price:
    input: float  # per million input (prompt) tokens
    output: float  # per million output (reply) tokens
    cached_input: float | None = None  # per million cached input tokens; None: as input

    def cost(self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> float:
        """`cached_input_tokens` are part of `input_tokens` (as providers count them)."""
        cached = min(max(cached_input_tokens, 0), input_tokens)
        cached_price = self.input if self.cached_input is None else self.cached_input
        return (
            (input_tokens - cached) * self.input
            + cached * cached_price
            + output_tokens * self.output
        ) / PER_TOKENS


@dataclass(frozen=True)
class PriceTable:
    currency: str = "USD"
    models: Mapping[str, Price] = field(default_factory=dict)

    def price(self, model: str) -> Price | None:
        if model in self.models:
            return self.models[model]
        # The longest matching pattern wins ('openai:gpt-4o-mini*' over 'openai:*').
        matches = [p for p in self.models if fnmatch.fnmatchcase(model, p)]
        return self.models[max(matches, key=len)] if matches else None

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str = "price table") -> PriceTable:
        if not isinstance(data, Mapping):
            raise PriceTableError(f"{source}: expected a mapping with 'models'")
        unknown = set(data) - {"currency", "models"}
        if unknown:
            raise PriceTableError(f"{source}: unknown keys {sorted(unknown)}")
        models: dict[str, Price] = {}
        listed = data.get("models") or {}
        if not isinstance(listed, Mapping):
            raise PriceTableError(f"{source}: models: expected a mapping of model name to prices")
        for name, entry in listed.items():
            if (
                not isinstance(entry, Mapping)
                or not {"input", "output"} <= set(entry)
                or not set(entry) <= {"input", "output", "cached_input"}
            ):
                raise PriceTableError(
                    f"{source}: models.{name} needs 'input' and 'output', and may have "
                    "'cached_input' (prices per million tokens)"
                )
            cached = entry.get("cached_input")
            try:
                price = Price(
                    float(entry["input"]),
                    float(entry["output"]),
                    None if cached is None else float(cached),
                )
            except (TypeError, ValueError):
                raise PriceTableError(f"{source}: models.{name}: prices must be numbers") from None
            numbers = [price.input, price.output] + (
                [] if price.cached_input is None else [price.cached_input]
            )
            if not all(math.isfinite(number) for number in numbers):
                raise PriceTableError(f"{source}: models.{name}: prices must be finite numbers")
            if any(number < 0 for number in numbers):
                raise PriceTableError(f"{source}: models.{name}: prices must be ≥ 0")
            models[str(name)] = price
        return cls(str(data.get("currency", "USD")), models)

    def to_data(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "models": {k: _price_data(v) for k, v in self.models.items()},
        }


def _price_data(price: Price) -> dict[str, float]:
    data = {"input": price.input, "output": price.output}
    if price.cached_input is not None:
        data["cached_input"] = price.cached_input
    return data


def load_price_file(path: Path) -> PriceTable:
    """Read a YAML or JSON price file: {currency: USD, models: {name: {input, output,
    cached_input (optional)}}}."""
    label = os.path.normpath(path)
    try:
        if str(path).endswith(".json"):
            data = load_json(Path(path), label=label)
        else:
            data, _ = load_yaml_mapping(Path(path), expected="currency and models", label=label)
    except UnreadableFile as error:
        raise PriceTableError(str(error)) from None
    return PriceTable.from_data(data, label)


class MeteredBackend(Wrapper):
    """Fills in token counts the provider did not report (tiktoken, offline) and the cost."""

    def __init__(
        self, inner: ChatBackend, prices: PriceTable, encoding: str = "cl100k_base"
    ) -> None:
        super().__init__(inner)
        self.price = prices.price(inner.label)
        self.encoding = encoding

    async def complete(self, request: ChatRequest) -> ChatReply:
        reply = await self.inner.complete(request)
        if reply.input_tokens is None or reply.output_tokens is None:
            reply = replace(
                reply,
                input_tokens=tokens.count_messages(
                    [m.content for m in request.messages], self.encoding
                ),
                output_tokens=tokens.count_text(reply.text, self.encoding),
                token_source="tiktoken",
            )
        if self.price is not None:
            cost = self.price.cost(
                reply.input_tokens or 0, reply.output_tokens or 0, reply.cached_input_tokens or 0
            )
            reply = replace(reply, cost=round(cost, 10))
        return reply
