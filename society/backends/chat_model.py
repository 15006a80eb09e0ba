"""The innermost backend: one LangChain chat model, with the provider's structured output.

Modes (ModelSpec.structured_output):
- `json_schema`: the provider constrains the reply to the decision's JSON Schema
  (`with_structured_output(method="json_schema")`); the reply text is the JSON it wrote.
- `tool_calling`: the decision is offered as a tool the model must call; the reply text is the
  tool call's arguments as JSON (or, if the model answered in prose instead, that text).
- `json_mode`: the provider guarantees some JSON object; the prompt names the keys.
- `text`: plain chat; the prompt asks for JSON and the reply is parsed leniently.

In every mode the raw reply is returned as text and parsed by `society.agents.parsing`, so
repair, validation with the phase's context and re-asking work the same for all of them.
"""

from __future__ import annotations

import copy
import functools
import json
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable

from society.backends.base import ChatReply, ChatRequest, OutputMode
from society.core.decision import Choice, DecisionModel, Limit
from society.prompts import PromptMessage

LANGCHAIN_MESSAGE = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
METHODS: dict[str, str] = {
    "json_schema": "json_schema",
    "tool_calling": "function_calling",
    "json_mode": "json_mode",
}


class StructuredOutputUnsupported(Exception):
    """The chat model does not implement the requested structured-output method."""


class LangChainBackend:
    def __init__(self, model: BaseChatModel, label: str, mode: OutputMode = "text") -> None:
        self.model = model
        self.label = label
        self.mode = mode
        self._runnables: dict[tuple[type[DecisionModel], tuple[str, ...]], Runnable] = {}

    def check(self) -> None:
        """Fail at setup, not mid-run, when the model lacks the structured-output method."""
        if self.mode == "text":
            return
        probe = {"title": "Probe", "type": "object", "properties": {"x": {"type": "string"}}}
        try:
            self.model.with_structured_output(probe, method=METHODS[self.mode], include_raw=True)
        except (NotImplementedError, ValueError, TypeError) as error:
            raise StructuredOutputUnsupported(
                f"model {self.label!r} does not support structured_output {self.mode!r} "
                f"({error}); use 'text' or another mode"
            ) from None

    def _runnable(self, request: ChatRequest) -> Runnable:
        if self.mode == "text" or request.decision_type is None:
            return self.model
        key = (request.decision_type, request.omit_fields, request.choices, request.limits)
        if key not in self._runnables:
            if len(self._runnables) >= RUNNABLES_KEPT:
                self._runnables.clear()  # choices differ by agent and round: bound the cache
            schema = decision_schema(
                request.decision_type, request.omit_fields, request.choices, request.limits
            )
            self._runnables[key] = self.model.with_structured_output(
                schema, method=METHODS[self.mode], include_raw=True
            )
        return self._runnables[key]

    async def complete(self, request: ChatRequest) -> ChatReply:
        runnable = self._runnable(request)
        started = time.perf_counter()
        output = await runnable.ainvoke(
            to_langchain(request.messages), config={"metadata": request.metadata()}
        )
        latency = time.perf_counter() - started
        raw = output["raw"] if isinstance(output, dict) else output
        if not isinstance(raw, BaseMessage):
            raise TypeError(f"model {self.label!r} returned {type(raw).__name__}, not a message")
        usage = getattr(raw, "usage_metadata", None) or {}
        return ChatReply(
            text=reply_text(raw),
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
            cached_input_tokens=cached_input_tokens(usage),
            token_source="provider",
            mode=self.mode if request.decision_type is not None else "text",
            latency_s=latency,
            attempt=request.attempt,
        )


def cached_input_tokens(usage: dict[str, Any]) -> int | None:
    """Prompt tokens read from the provider's cache, as LangChain reports them
    (`input_token_details.cache_read`: OpenAI's and llama.cpp's
    `prompt_tokens_details.cached_tokens`, Anthropic's cache reads); None when not reported."""
    details = usage.get("input_token_details") or {}
    value = details.get("cache_read") if isinstance(details, dict) else None
    return value if isinstance(value, int) and value >= 0 else None


# Structured-output runnables kept per (decision type, omitted fields, choices).
RUNNABLES_KEPT = 256


def decision_schema(
    decision_type: type[DecisionModel],
    omit: tuple[str, ...] = (),
    choices: tuple[Choice, ...] = (),
    limits: tuple[Limit, ...] = (),
) -> dict[str, Any]:
    """The decision's JSON Schema, without the fields this phase does not offer, with the
    phase's allowed values of member and proposal fields as enums and its caps on counts and
    lengths."""
    schema = copy.deepcopy(_base_schema(decision_type, omit))
    for path, allowed in choices:
        leaf = _leaf(schema, schema, path)
        if leaf is not None:  # an omitted field has nothing to restrict
            _allow_only(schema, leaf, allowed)
    for path, keywords in limits:
        leaf = _leaf(schema, schema, path)
        if leaf is not None:
            leaf.update(keywords)
    return schema


@functools.lru_cache(maxsize=64)
def _base_schema(decision_type: type[DecisionModel], omit: tuple[str, ...]) -> dict[str, Any]:
    """The schema without the phase's choices (built once per type and omitted fields;
    callers copy it before changing it)."""
    schema = decision_type.model_json_schema()
    schema.setdefault("title", decision_type.__name__)
    schema.setdefault("description", (decision_type.__doc__ or decision_type.__name__).strip())
    if omit:
        schema["properties"] = {
            k: v for k, v in schema.get("properties", {}).items() if k not in omit
        }
        if "required" in schema:
            schema["required"] = [k for k in schema["required"] if k not in omit]
    return schema


def _allow_only(root: dict[str, Any], node: dict[str, Any], allowed: tuple[Any, ...]) -> None:
    """Replace the field's type by the allowed values (its items' type, for a list)."""
    if node.get("type") == "array" or "items" in node:
        if allowed:
            items = _resolved(root, node.get("items", {}))
            node["items"] = {**_annotations(items), "enum": list(allowed)}
        else:
            node["maxItems"] = 0  # nothing may be named: only the empty list fits
        return
    kept = _annotations(node)
    node.clear()
    node.update(kept, enum=list(allowed))


def _leaf(root: dict[str, Any], node: dict[str, Any], path: tuple[str, ...]) -> dict | None:
    """The schema at `path` (through properties, array items and $refs), None if omitted."""
    node = _resolved(root, node)
    if not path:
        return node
    if node.get("type") == "array" or "items" in node:
        return _leaf(root, node.setdefault("items", {}), path)
    child = node.get("properties", {}).get(path[0])
    return None if child is None else _leaf(root, child, path[1:])


def _resolved(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` (to `#/$defs/...`) points at, or the node itself."""
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return root["$defs"][ref.removeprefix("#/$defs/")]
    if "anyOf" in node:  # Optional[...]: the non-null branch holds the structure
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1 and ("$ref" in branches[0] or "items" in branches[0]):
            return _resolved(root, branches[0])
    return node


def _annotations(node: dict[str, Any]) -> dict[str, Any]:
    return {k: node[k] for k in ("title", "description", "default") if k in node}


def to_langchain(messages: tuple[PromptMessage, ...] | list[PromptMessage]) -> list[BaseMessage]:
    return [LANGCHAIN_MESSAGE[m.role](content=m.content) for m in messages]


def reply_text(reply: BaseMessage) -> str:
    """Content text; for a tool call, its arguments as JSON (unparsable ones verbatim)."""
    if isinstance(reply, AIMessage):
        if reply.tool_calls:
            return json.dumps(reply.tool_calls[0]["args"], ensure_ascii=False)
        if reply.invalid_tool_calls:
            args = reply.invalid_tool_calls[0].get("args")
            if args:
                return str(args)
    content = reply.content
    if isinstance(content, str):
        return content
    parts = [part if isinstance(part, str) else str(part.get("text", "")) for part in content]
    return "".join(parts)
