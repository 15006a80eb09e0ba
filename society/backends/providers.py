"""What the real run will hit with its models, checked offline (`society run --dry-run`): a
malformed or unknown model name (an error), a provider package that is not installed or a key
that is not set (warnings). No provider package is imported."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Literal

from society.backends.resolve import provider_install_hint
from society.backends.secrets import SecretError, read_api_key
from society.scenario.models import ModelSpec


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
    "nvidia": Provider(
        "langchain_nvidia_ai_endpoints", "langchain-nvidia-ai-endpoints", ("NVIDIA_API_KEY",)
    ),
    "upstage": Provider("langchain_upstage", "langchain-upstage", ("UPSTAGE_API_KEY",)),
    "litellm": Provider("langchain_litellm", "langchain-litellm", checks_key=False),
    "ibm": Provider("langchain_ibm", "langchain-ibm", ("WATSONX_APIKEY",)),
    "google_vertexai": Provider(
        "langchain_google_vertexai", "langchain-google-vertexai", checks_key=False
    ),
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
        return [
            found(
                "error", f"model {spec.name!r} is not 'provider:model' (e.g. 'openai:gpt-4o-mini')"
            )
        ]
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
    elif any(url for url, _ in spec.replicas) and provider in ("openai", "azure_openai"):
        pass  # an OpenAI-compatible local server: the client is given a placeholder key
    elif known.checks_key and not any(os.environ.get(v, "").strip() for v in known.key_env):
        findings.append(found("warning", f"{' or '.join(known.key_env)} is not set"))
    return findings
