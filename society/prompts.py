"""Prompt templates: one Jinja file per prompt id, rendered with strict undefined variables.

A template file holds the messages of one call, each introduced by a line `--- system ---` or
`--- user ---`. Values passed in (personas, peers' messages) are data: Jinja never evaluates
them as template code.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import jinja2
import jinja2.bccache
import jinja2.meta

ROLE_LINE = re.compile(r"^--- (system|user|assistant) ---[ \t]*$", re.MULTILINE)
SUFFIX = ".j2"
# Every library's Jinja environment has these options, so a template's compiled code can be
# shared between libraries (see _CompiledTemplates).
ENVIRONMENT_OPTIONS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "autoescape": False,  # plain-text prompts, not HTML
    "keep_trailing_newline": False,
    "trim_blocks": True,
    "lstrip_blocks": True,
    # A library reads each template once (its hash is taken once, too): no stat per render.
    "auto_reload": False,
}


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
    """Loads templates from `folder` (by default the bundled prompts); `overrides` (template
    name -> text, e.g. from a scenario's `prompts:`) replace templates and partials by name."""

    def __init__(
        self,
        folder: Path | None = None,
        overrides: Mapping[str, str] | None = None,
        extra_folders: Sequence[Path] = (),
    ) -> None:
        self.folder = folder or bundled_prompts_dir()
        # Searched after `folder`: a game package's own prompts (Game.prompts_folder).
        self.folders = [self.folder, *extra_folders]
        self.overrides = dict(overrides or {})
        self._sources: dict[str, str] = dict(self.overrides)
        self._hashes: dict[str, str] = {}
        files: jinja2.BaseLoader = jinja2.FileSystemLoader(self.folders)
        if self.overrides:
            given = {f"{name}{SUFFIX}": text for name, text in self.overrides.items()}
            files = jinja2.ChoiceLoader([jinja2.DictLoader(given), files])
        self._env = jinja2.Environment(
            loader=files, bytecode_cache=_COMPILED, **ENVIRONMENT_OPTIONS
        )

    @classmethod
    def for_scenario(cls, scenario: Any) -> PromptLibrary:
        """The shipped prompts with the scenario's `prompts:` overrides."""
        from society.core.registry import game_of

        section = getattr(scenario, "prompts", None)
        own = game_of(scenario).prompts_folder
        return cls(
            overrides=section.templates if section is not None else None,
            extra_folders=[own] if own is not None else [],
        )

    @cached_property
    def prompt_ids(self) -> list[str]:
        return sorted(
            {p.name.removesuffix(SUFFIX) for f in self.folders for p in f.glob(f"*{SUFFIX}")}
        )

    def template_names(self) -> set[str]:
        """Every template a scenario may override: prompt ids and partials (`partials/x`)."""
        return {
            p.relative_to(folder).as_posix().removesuffix(SUFFIX)
            for folder in self.folders
            for p in folder.rglob(f"*{SUFFIX}")
        }

    def source(self, prompt_id: str) -> str:
        """A template's text (an override if the library has one)."""
        if prompt_id not in self._sources:
            found = [f / f"{prompt_id}{SUFFIX}" for f in self.folders]
            path = next((p for p in found if p.is_file()), None)
            if path is None:
                where = ", ".join(str(f) for f in self.folders)
                raise PromptError(f"no prompt template {prompt_id!r} in {where}")
            self._sources[prompt_id] = path.read_text(encoding="utf-8")
        return self._sources[prompt_id]

    def template_sha256(self, prompt_id: str) -> str:
        """SHA-256 of the template and of every partial it includes (recursively), so a
        changed partial (or a scenario's override of one) changes the recorded hash."""
        if prompt_id not in self._hashes:
            digest = hashlib.sha256()
            for name in sorted(self._closure(prompt_id)):
                digest.update(f"{name}\0{self.source(name)}\0".encode())
            self._hashes[prompt_id] = digest.hexdigest()
        return self._hashes[prompt_id]

    def _closure(self, name: str) -> set[str]:
        found, pending = {name}, [name]
        while pending:
            for child in _referenced(self.source(pending.pop())):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

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


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled template code shared by every library in the process, keyed by template name
    and checked against the source's checksum (a changed template is compiled again): each
    run makes its own library, and compiling the prompts took longer than a short run's
    renders."""

    def __init__(self) -> None:
        self._codes: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self._codes.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._codes[bucket.key] = (bucket.checksum, bucket.code)


_COMPILED = _CompiledTemplates()
_PARSER = jinja2.Environment(**ENVIRONMENT_OPTIONS)


@functools.lru_cache(maxsize=256)
def _referenced(source: str) -> tuple[str, ...]:
    """The templates `source` includes or extends (names without the suffix); computed
    names are left out (the render itself still checks they exist)."""
    parsed = _PARSER.parse(source)
    found = jinja2.meta.find_referenced_templates(parsed)
    return tuple(name.removesuffix(SUFFIX) for name in found if name is not None)


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
