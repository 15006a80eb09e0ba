"""`prompts:` in a scenario: what agents are told, changed without touching the package.

A scenario file names a folder of templates and/or single files, relative to the file that
says so; the loader reads them (bounded, UTF-8) into `templates` (template name -> text), so
the resolved scenario (`scenario.yaml` in the run folder) carries the exact texts: the run id
covers them, and a resume or a replay needs nothing outside the run folder. Names are prompt
ids (`harvest_effort`) or partials (`partials/system`, the framing every prompt opens with).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from society.scenario._base import Strict, rule_error

TEMPLATE_MAX_CHARS = 100_000  # one template's text; prompts are meant to be short [O]


class PromptOverrides(Strict):
    folder: str | None = Field(
        None,
        description="A folder of .j2 templates (relative to this file); each one replaces the "
        "shipped template with the same name (partials/ too).",
    )
    files: dict[str, str] = Field(
        default_factory=dict,
        description="Template name -> a .j2 file (relative to this file), e.g. "
        "harvest_effort: my-harvest.j2 or partials/system: framing.j2.",
    )
    templates: dict[str, str] = Field(
        default_factory=dict,
        description="Template name -> its text: what the loader makes of `folder` and `files` "
        "(the resolved scenario keeps the texts, not the paths).",
    )

    @model_validator(mode="after")
    def _read_by_the_loader(self) -> PromptOverrides:
        if self.folder is not None or self.files:
            # Reached only when a scenario is built in code: the loader turns paths into texts.
            raise rule_error(
                "prompt files are read by the scenario loader; in code, pass the template "
                "texts as prompts.templates",
                "folder" if self.folder is not None else "files",
            )
        for name, text in self.templates.items():
            if len(text) > TEMPLATE_MAX_CHARS:
                raise rule_error(
                    f"template {name!r} has {len(text):,} characters; at most "
                    f"{TEMPLATE_MAX_CHARS:,}",
                    "templates",
                    name,
                )
        return self
