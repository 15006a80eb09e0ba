"""The loader's side of `prompts:`: read the template files a scenario names (relative to the
file that names them) into `prompts.templates`, checking each name against the shipped
prompts and each text for Jinja syntax, with `file:line: field` errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from society.bounded_io import UnreadableFile, read_text

SUFFIX = ".j2"
Origins = dict[tuple[Any, ...], tuple[str, int]]


class PromptFileError(ValueError):
    def __init__(self, where: tuple[str, int], field: str, message: str) -> None:
        super().__init__(message)
        self.where, self.field = where, field


def read_prompt_files(data: dict[str, Any], origins: Origins, label: str) -> dict[str, Any]:
    """`data` with `prompts.folder` and `prompts.files` replaced by the texts they name."""
    section = data.get("prompts")
    if not isinstance(section, dict) or not ({"folder", "files"} & set(section)):
        return data
    from society.prompts import PromptLibrary

    shipped = PromptLibrary().template_names()
    templates: dict[str, str] = dict(section.get("templates") or {})
    folder = section.get("folder")
    if folder is not None:
        where = origins.get(("prompts", "folder"), (label, 0))
        root = _relative(where, folder, "prompts.folder")
        if not root.is_dir():
            raise PromptFileError(where, "prompts.folder", f"{root}: no such folder")
        for path in sorted(root.rglob(f"*{SUFFIX}")):
            name = path.relative_to(root).as_posix().removesuffix(SUFFIX)
            templates[name] = _template(path, name, shipped, where, "prompts.folder")
    files = section.get("files") or {}
    if not isinstance(files, dict):
        return data  # the schema reports the wrong type at its line
    for name, file in files.items():
        field = f"prompts.files.{name}"
        where = origins.get(("prompts", "files", name), (label, 0))
        if not isinstance(file, str):
            raise PromptFileError(where, field, "expected the path of a .j2 file")
        templates[str(name)] = _template(_relative(where, file, field), str(name), shipped, where, field)
    resolved = {k: v for k, v in section.items() if k not in {"folder", "files"}}
    return {**data, "prompts": {**resolved, "templates": templates}}


def _relative(where: tuple[str, int], path: str, field: str) -> Path:
    if not isinstance(path, str) or not path:
        raise PromptFileError(where, field, "expected a path")
    base = Path(where[0]).parent
    return (base / path).resolve()


def _template(
    path: Path, name: str, shipped: set[str], where: tuple[str, int], field: str
) -> str:
    if name not in shipped:
        from difflib import get_close_matches

        near = get_close_matches(name, sorted(shipped), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(sorted(shipped))}"
        raise PromptFileError(where, field, f"{path.name}: no shipped template {name!r}{hint}")
    try:
        text = read_text(path, label=str(path))
    except UnreadableFile as error:
        raise PromptFileError(where, field, str(error)) from None
    _check_syntax(text, path, where, field)
    return text


def _check_syntax(text: str, path: Path, where: tuple[str, int], field: str) -> None:
    import jinja2

    try:
        jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as error:
        raise PromptFileError(
            where, field, f"{path}:{error.lineno}: template syntax error: {error.message}"
        ) from None
