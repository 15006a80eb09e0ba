"""Turning a model's raw reply into a typed decision, or a precise error to re-ask with."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from society.agents.decisions import DecisionModel

FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Parsed:
    decision: DecisionModel | None
    error: str | None


def parse_reply(text: str, decision_type: type[DecisionModel], context: dict[str, Any]) -> Parsed:
    """Find the JSON object in `text` (bare, fenced, or with prose around it) and validate it."""
    candidate = _json_object(text)
    if candidate is None:
        return Parsed(None, "the reply contains no JSON object")
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as error:
        return Parsed(None, f"the JSON object is malformed: {error.msg} at character {error.pos}")
    if not isinstance(data, dict):
        return Parsed(None, "the reply must be a JSON object")
    try:
        return Parsed(decision_type.model_validate(data, context=context), None)
    except ValidationError as error:
        return Parsed(None, _validation_summary(error))


def _json_object(text: str) -> str | None:
    fenced = FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start = body.find("{")
    end = body.rfind("}")
    if start < 0 or end <= start:
        return None
    return body[start : end + 1]


def _validation_summary(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "object"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "is not an allowed key"
        elif item["type"] == "missing":
            message = "is required"
        problems.append(f"'{where}' {message}")
    return "; ".join(problems)
