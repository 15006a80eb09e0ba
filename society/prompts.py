"""Prompt templates: one Jinja file per prompt id, rendered with strict undefined variables.

A template file holds the messages of one call, each introduced by a line `--- system ---` or
`--- user ---`. Values passed in (personas, peers' messages) are data: Jinja never evaluates
them as template code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import jinja2

ROLE_LINE = re.compile(r"^--- (system|user|assistant) ---[ \t]*$", re.MULTILINE)
SUFFIX = ".j2"


class PromptError(Exception):
    """A prompt template is missing, malformed, or needs a variable that was not given."""


@dataclass(frozen=True)
class PromptMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class RenderedPrompt:
    prompt_id: str
    template_sha256: str
    messages: list[PromptMessage]


def bundled_prompts_dir() -> Path:
    """The prompts shipped with the package (wheel) or the repository's `prompts/` (editable)."""
    package = Path(__file__).resolve().parent  # this module lives in the package folder
    for candidate in (package / "_bundled" / "prompts", package.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    raise PromptError("cannot find the bundled prompts folder; is the package installed correctly?")


class PromptLibrary:
    """Loads templates from `folder` (by default the bundled prompts)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or bundled_prompts_dir()
        self._sources: dict[str, str] = {}
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.folder),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain-text prompts, not HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @cached_property
    def prompt_ids(self) -> list[str]:
        return sorted(p.name.removesuffix(SUFFIX) for p in self.folder.glob(f"*{SUFFIX}"))

    def source(self, prompt_id: str) -> str:
        if prompt_id not in self._sources:
            path = self.folder / f"{prompt_id}{SUFFIX}"
            if not path.is_file():
                raise PromptError(f"no prompt template {prompt_id!r} in {self.folder}")
            self._sources[prompt_id] = path.read_text(encoding="utf-8")
        return self._sources[prompt_id]

    def template_sha256(self, prompt_id: str) -> str:
        return hashlib.sha256(self.source(prompt_id).encode()).hexdigest()

    def render(self, prompt_id: str, **variables: Any) -> RenderedPrompt:
        self.source(prompt_id)  # a clear error for a missing file, before Jinja's own
        try:
            text = self._env.get_template(f"{prompt_id}{SUFFIX}").render(**variables)
        except jinja2.UndefinedError as error:
            raise PromptError(f"prompt {prompt_id!r}: {error.message}") from None
        except jinja2.TemplateError as error:
            raise PromptError(f"prompt {prompt_id!r}: {error}") from None
        return RenderedPrompt(
            prompt_id, self.template_sha256(prompt_id), _split_messages(prompt_id, text)
        )


def _split_messages(prompt_id: str, text: str) -> list[PromptMessage]:
    parts = ROLE_LINE.split(text)
    if parts[0].strip():
        raise PromptError(f"prompt {prompt_id!r}: text before the first '--- role ---' line")
    messages = [
        PromptMessage(role, body.strip())  # type: ignore[arg-type]
        for role, body in zip(parts[1::2], parts[2::2], strict=True)
    ]
    if not messages:
        raise PromptError(f"prompt {prompt_id!r}: no '--- system ---' or '--- user ---' section")
    return messages
