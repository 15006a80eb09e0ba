"""Shared base of scenario sections and the rule-error helper: light (pydantic only), so an
institution module can define its section without importing the scenario package."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError


def rule_error(message: str, *at: str | int) -> PydanticCustomError:
    """A rule violation that the loader reports at the field `at` (relative to the validated
    model or field), so the error names that field's line rather than the enclosing section."""
    return PydanticCustomError("scenario_rule", message, {"at": at})


class Strict(BaseModel):
    """Base for every scenario section: unknown keys are errors, not silently ignored, and
    text is not silently turned into a number or a boolean (`rounds: "40"`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _no_text_as_number(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        # A wrap validator on the model, not on its fields: pydantic allows none on the
        # `kind` fields that tell the members of a union apart.
        result = handler(data)
        if not isinstance(data, dict):
            return result
        for name in type(result).model_fields:
            if name not in data:
                continue
            found = _coerced_text(data[name], getattr(result, name))
            if found is not None:
                text, where, kind = found
                raise rule_error(
                    f"expected {kind}, not the text {text!r} (write it without quotes)",
                    name,
                    *where,
                )
        return result


def _coerced_text(given: Any, result: Any) -> tuple[str, tuple[str | int, ...], str] | None:
    """Where (if anywhere) a string of `given` became a number or a boolean in `result`.
    Nested models check their own fields; lists and mappings are followed."""
    if isinstance(given, str):
        if isinstance(result, bool):
            return given, (), "true or false"
        if isinstance(result, int | float):
            return given, (), "a number"
        return None
    if isinstance(given, list | tuple) and isinstance(result, list | tuple):
        for index, (item, out) in enumerate(zip(given, result, strict=False)):
            found = _coerced_text(item, out)
            if found is not None:
                return found[0], (index, *found[1]), found[2]
    elif isinstance(given, dict) and isinstance(result, dict):
        for key, item in given.items():
            if key in result:
                found = _coerced_text(item, result[key])
                if found is not None:
                    return found[0], (key, *found[1]), found[2]
    return None


class Stable(Strict):
    """A section whose dump stays as it was when fields are added: the fields named in
    `omit_when_default` are left out while they hold their default, and `dump_order` (if
    given) fixes the key order."""

    dump_order: ClassVar[tuple[str, ...]] = ()
    omit_when_default: ClassVar[frozenset[str]] = frozenset()
    # What "default" means for a field whose subclasses change its default (a game's scenario
    # names its game; only the commons, which files written before games mean, is left out).
    omitted_value: ClassVar[dict[str, Any]] = {}

    @model_serializer(mode="wrap")
    def _stable(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        fields = type(self).model_fields
        for name in self.omit_when_default:
            default = self.omitted_value.get(name, _default_of(fields[name]))
            if name in data and getattr(self, name) == default:
                del data[name]
        if not self.dump_order:
            return data
        ordered = {key: data[key] for key in self.dump_order if key in data}
        ordered.update((key, value) for key, value in data.items() if key not in ordered)
        return ordered


def _default_of(info: Any) -> Any:
    return info.default_factory() if info.default_factory is not None else info.default
