"""Where a scenario's problem is: the error type, and how messages name a file, a line and a
field (`file:line: field.path: message`)."""

from __future__ import annotations

import os
from pathlib import Path

Path_ = tuple[str | int, ...]
# Where each key of the merged document came from: path -> (file, line); line 0: no line.
Origins = dict[Path_, tuple[str, int]]


class ScenarioError(Exception):
    """A scenario file is wrong. `lines` are complete, human-readable messages."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def display(path: Path) -> str:
    """How messages name a file: as given, with `a/../` folded away."""
    return os.path.normpath(path)


def where(file: str, line: int) -> str:
    return f"{file}:{line}" if line > 0 else file


def origin(path: Path_, origins: Origins, label: str) -> tuple[str, int]:
    for end in range(len(path), 0, -1):
        if path[:end] in origins:
            return origins[path[:end]]
    return label, 1


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
