"""Turning a model's raw reply into a typed decision, or a precise error to re-ask with.

Small and local models damage JSON in a few common ways. Before validating, the parser
repairs what can be repaired without guessing: code fences, prose around the object, trailing
commas, single-quoted strings, unquoted keys, Python literals (True/False/None), typographic
quotes, and a tool-call envelope ({"name": ..., "arguments": {...}}) around the decision.
Anything else (a truncated object, a wrong type, a value out of range) is an error that names
the problem, so the model can be re-asked with it. A repair never invents a value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from society.core.decision import DecisionModel

FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)
PY_LITERALS = {"True": "true", "False": "false", "None": "null"}
ENVELOPE_KEYS = ("arguments", "parameters", "args", "input")


@dataclass(frozen=True)
class Parsed:
    decision: DecisionModel | None
    error: str | None
    repaired: bool = False  # the JSON needed a repair before it parsed


def parse_reply(text: str, decision_type: type[DecisionModel], context: dict[str, Any]) -> Parsed:
    """Find the JSON object in `text` (bare, fenced, or with prose around it), repair common
    damage, and validate it against `decision_type` with the phase's `context`."""
    if not text.strip():
        return Parsed(None, "the reply is empty")
    found = find_json_object(text)
    if isinstance(found, str):
        return Parsed(None, found)
    data, repaired = found
    data = _unwrap(data, decision_type)
    try:
        return Parsed(decision_type.model_validate(data, context=context), None, repaired)
    except ValidationError as error:
        return Parsed(None, _validation_summary(error), repaired)


def find_json_object(text: str) -> tuple[dict[str, Any], bool] | str:
    """The first JSON object in `text` and whether it needed repair, or an error message."""
    stripped = text.strip()
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        return whole, False
    if whole is not None:
        return "the reply must be a JSON object"
    candidates = [m.group(1) for m in FENCE.finditer(text)]
    candidates += _objects_in(text)
    if not candidates:
        return "the reply contains no JSON object"
    first_error: str | None = None
    for candidate in candidates:
        try:
            data = json.loads(candidate)
            if isinstance(data, dict):
                return data, candidate.strip() != stripped
        except json.JSONDecodeError as error:
            first_error = first_error or (
                f"the JSON object is malformed: {error.msg} at character {error.pos}"
            )
        try:
            data = json.loads(repair_json(candidate))
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return data, True
    return first_error or "the reply must be a JSON object"


def _objects_in(text: str) -> list[str]:
    """Brace-balanced spans starting at each '{' (string-aware); an unclosed one runs to the
    end of the text, so a truncated object is reported as malformed, not as missing."""
    spans: list[str] = []
    start = text.find("{")
    while start >= 0 and len(spans) < 8:
        end = _matching_brace(text, start)
        spans.append(text[start : end + 1] if end is not None else text[start:])
        if end is None:
            break
        start = text.find("{", end + 1)
    return spans


def _matching_brace(text: str, start: int) -> int | None:
    depth, index, quote = 0, start, None
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char if char == '"' or _opens_single_quoted(text, index) else None
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _opens_single_quoted(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return bool(before) and before[-1] in "{[:,"


def repair_json(candidate: str) -> str:
    """Fix trailing commas, single-quoted strings, unquoted keys, Python literals and
    typographic quotes outside strings. Double-quoted strings are copied unchanged."""
    out: list[str] = []
    i, n = 0, len(candidate)
    while i < n:
        char = candidate[i]
        if char == '"':
            j = i + 1
            while j < n and candidate[j] != '"':
                j += 2 if candidate[j] == "\\" else 1
            out.append(candidate[i : j + 1])
            i = j + 1
        elif char == "'" and _opens_single_quoted(candidate, i):
            j, body = i + 1, []
            while j < n and candidate[j] != "'":
                if candidate[j] == "\\" and j + 1 < n:
                    body.append("'" if candidate[j + 1] == "'" else candidate[j : j + 2])
                    j += 2
                    continue
                body.append('\\"' if candidate[j] == '"' else candidate[j])
                j += 1
            if j >= n:
                return candidate  # unterminated: not safe to guess
            out.append('"' + "".join(body) + '"')
            i = j + 1
        elif char == "“" and "”" in candidate[i + 1 :]:
            j = candidate.index("”", i + 1)
            out.append(json.dumps(candidate[i + 1 : j], ensure_ascii=False))
            i = j + 1
        elif char == ",":
            k = i + 1
            while k < n and candidate[k] in " \t\r\n":
                k += 1
            if not (k < n and candidate[k] in "}]"):
                out.append(char)
            i += 1
        elif char.isalpha() or char == "_":
            j = i
            while j < n and (candidate[j].isalnum() or candidate[j] in "_-"):
                j += 1
            word = candidate[i:j]
            k = j
            while k < n and candidate[k] in " \t":
                k += 1
            previous = "".join(out).rstrip()[-1:] if out else ""
            if k < n and candidate[k] == ":" and previous in "{,":
                out.append(json.dumps(word))
            else:
                out.append(PY_LITERALS.get(word, word))
            i = j
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _unwrap(data: dict[str, Any], decision_type: type[DecisionModel]) -> dict[str, Any]:
    """Take the decision out of a tool-call envelope or a wrapper named after its type."""
    fields = set(decision_type.model_fields)
    if fields & set(data):
        return data
    for key in ENVELOPE_KEYS:
        inner = data.get(key)
        if isinstance(inner, dict) and set(data) <= {key, "name", "type", "id"}:
            return inner
    if len(data) == 1:
        ((key, inner),) = data.items()
        if isinstance(inner, dict) and key.lower() == decision_type.__name__.lower():
            return inner
    return data


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
