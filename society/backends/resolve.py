"""From a model name to a mind: 'rules', or any LangChain chat model by init_chat_model name."""

from __future__ import annotations

import os
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from society.agents.llm import LLMMind
from society.agents.mind import Mind
from society.agents.rules import RulesMind
from society.prompts import PromptLibrary
from society.scenario.schema import LLMSettings, ModelSpec

ChatModelFactory = Callable[[ModelSpec], BaseChatModel]

# Provider prefix -> the extra of this package that installs its LangChain integration.
PROVIDER_EXTRAS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "google_genai": "google",
}


class BackendError(Exception):
    """A model cannot be set up (unknown provider, missing package, bad parameters)."""


def init_chat_model_factory(spec: ModelSpec) -> BaseChatModel:
    """LangChain's init_chat_model, with the spec's parameters and clear errors."""
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, object] = {}
    if spec.temperature is not None:
        kwargs["temperature"] = spec.temperature
    if spec.max_tokens is not None:
        kwargs["max_tokens"] = spec.max_tokens
    if spec.base_url is not None:
        kwargs["base_url"] = spec.base_url
        # Local OpenAI-compatible servers accept any key; the client still insists on one.
        if not os.environ.get("OPENAI_API_KEY"):
            kwargs["api_key"] = "not-needed"
    provider = spec.name.split(":", 1)[0] if ":" in spec.name else None
    try:
        return init_chat_model(spec.name, **kwargs)
    except ImportError as error:
        extra = PROVIDER_EXTRAS.get(provider or "", provider or "<provider>")
        raise BackendError(
            f"model {spec.name!r} needs a provider package that is not installed ({error}). "
            f"Install it with: pip install 'society[{extra}]'"
        ) from None
    except ValueError as error:
        raise BackendError(f"model {spec.name!r}: {error}") from None


def build_mind(
    spec: ModelSpec,
    prompts: PromptLibrary,
    settings: LLMSettings,
    chat_model_factory: ChatModelFactory = init_chat_model_factory,
    *,
    backoff_s: float = 1.0,
) -> Mind:
    if spec.is_rules:
        return RulesMind()
    return LLMMind(chat_model_factory(spec), spec.name, prompts, settings, backoff_s=backoff_s)
