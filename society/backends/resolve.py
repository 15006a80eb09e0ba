"""From a model name to a LangChain chat model (init_chat_model), with clear errors and install
hints. Minds are built over it by the run layer (`society.coordinator.minds`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from society.backends.secrets import SecretError, read_api_key, redact

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from society.scenario.models import ModelSpec

# Forward references: `BackendError` and the install hints are imported by the CLI, which must
# not load LangChain just to name an exception.
ChatModelFactory = Callable[["ModelSpec"], "BaseChatModel"]

# Provider prefix -> the extra of this package that installs its LangChain integration.
PROVIDER_EXTRAS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "google_genai": "google",
}
# Providers whose chat model takes these arguments (others get them only through `params`).
SEED_PROVIDERS = {"openai", "azure_openai", "ollama"}
CLIENT_RETRY_PROVIDERS = {"openai", "azure_openai", "anthropic", "google_genai"}
TIMEOUT_PROVIDERS = {"openai", "azure_openai", "anthropic", "google_genai"}
OWN_HTTP_CLIENT_PROVIDERS = {"openai", "azure_openai"}


class BackendError(Exception):
    """A model cannot be set up (unknown provider, missing package, bad parameters, no key)."""


def source_checkout() -> Path | None:
    """The folder society was installed from with `pip install -e` or from a local folder,
    per its distribution's direct_url.json (PEP 610); None for an install from an index."""
    try:
        text = metadata.distribution("society").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    url = json.loads(text).get("url", "")
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None  # a VCS or archive URL: the index-style command is the closest hint
    folder = Path(unquote(parsed.path))
    return folder if (folder / "pyproject.toml").is_file() else None


def install_command(extra: str) -> str:
    """The pip command that adds `extra` to this installation of society: from the checkout
    it was installed from (an index lookup of the name would find another package), else
    from the package index."""
    checkout = source_checkout()
    if checkout is not None:
        return f"pip install -e '{checkout}[{extra}]'"
    return f"pip install 'society[{extra}]'"


def provider_install_hint(provider: str | None) -> str:
    """How to install the LangChain integration of `provider`."""
    extra = PROVIDER_EXTRAS.get(provider or "")
    if extra is not None:
        return install_command(extra)
    # No extra of ours: LangChain's integrations are named langchain-<provider>.
    name = (provider or "<provider>").replace("_", "-")
    return f"pip install langchain-{name} (society has no extra for provider {provider!r})"


def init_chat_model_factory(spec: ModelSpec) -> BaseChatModel:
    """LangChain's init_chat_model, with the spec's parameters, key and clear errors. A pool's
    spec is built once per server (`spec.on_server(url)`, as the backend stack does)."""
    from langchain.chat_models import init_chat_model

    if spec.is_pool:
        raise BackendError(
            f"model {spec.name!r} names a pool of servers: build one chat model per server "
            "(spec.on_server(url) for url, _ in spec.replicas)"
        )
    provider = spec.name.split(":", 1)[0] if ":" in spec.name else None
    kwargs: dict[str, object] = {}
    if spec.temperature is not None:
        kwargs["temperature"] = spec.temperature
    if spec.max_tokens is not None:
        kwargs["max_tokens"] = spec.max_tokens
    if spec.seed is not None:
        if provider not in SEED_PROVIDERS:
            raise BackendError(
                f"model {spec.name!r}: 'seed' is passed only to {sorted(SEED_PROVIDERS)}; "
                "if your provider takes one, set it under params"
            )
        kwargs["seed"] = spec.seed
    if provider in CLIENT_RETRY_PROVIDERS:
        kwargs["max_retries"] = 0  # our retry wrapper retries, and records every try
    if provider in TIMEOUT_PROVIDERS:
        kwargs["timeout"] = spec.timeout_s
    try:
        key = read_api_key(spec.api_key_env, spec.api_key_file)
    except SecretError as error:
        raise BackendError(f"model {spec.name!r}: {error}") from None
    if key is not None:
        kwargs["api_key"] = key
    if spec.base_url is not None:
        kwargs["base_url"] = spec.base_url
        # Local OpenAI-compatible servers accept any key; the client still insists on one.
        if key is None and not os.environ.get("OPENAI_API_KEY"):
            kwargs["api_key"] = "not-needed"
    if provider in OWN_HTTP_CLIENT_PROVIDERS and "http_async_client" not in spec.params:
        # langchain-openai caches one async HTTP client per base URL for the whole process; it
        # is bound to the event loop of its first use, so a second run (a new asyncio.run)
        # would fail with 'Event loop is closed'. Each model of each run gets its own.
        import httpx

        kwargs["http_async_client"] = httpx.AsyncClient(timeout=spec.timeout_s)
    kwargs.update(spec.params)
    try:
        return init_chat_model(spec.name, **kwargs)
    except ImportError as error:
        raise BackendError(
            f"model {spec.name!r} needs a provider package that is not installed ({error}). "
            f"Install it with: {provider_install_hint(provider)}"
        ) from None
    except Exception as error:  # bad parameters, missing key...: provider errors may quote keys
        raise BackendError(f"model {spec.name!r}: {redact(str(error))}") from None
