"""The broken files of issue #13 that people really produce, written into a folder; shared by
tests/test_hostile_files.py and bench/hostile_files.py. Each is a scenario file given to
`society validate`; the answer must be one clear line naming the file, with exit status 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

VALID_HEAD = "name: hostile\nrounds: 3\npopulation:\n  - {name: a, count: 2, persona: altruistic}\n"


def _alias_bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


SHAPES: dict[str, Callable[[], bytes]] = {
    "alias_bomb": _alias_bomb,  # ~350 bytes, 9**9 strings once expanded
    "deep_brackets": lambda: b"name: x\nrounds: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "deep_mappings": lambda: b"name: x\nrounds: " + b"{a: " * 5_000 + b"1" + b"}" * 5_000 + b"\n",
    "deep_blocks": lambda: "".join(" " * i + f"k{i}:\n" for i in range(500)).encode(),
    "binary": lambda: bytes(range(256)) * 4,
    "latin1": lambda: "name: café\nrounds: 3\n".encode("latin-1"),
    "empty": lambda: b"",
    "top_level_list": lambda: b"- name: x\n- rounds: 3\n",
    "top_level_scalar": lambda: b"just some words\n",
    "tabs": lambda: b"name: x\ncommons:\n\tcapacity: 100\n",
    "unclosed_bracket": lambda: VALID_HEAD.encode() + b"institutions: {voting: {enabled: true}\n",
    "too_big": lambda: VALID_HEAD.encode() + b"# " + b"x" * (2 << 20) + b"\n",
}
# Not files with content: the path given is a folder, or nothing at all.
FOLDER = "a_folder"
MISSING = "missing"


def write_shapes(folder: Path) -> dict[str, Path]:
    """Every shape as a file (or folder, or missing path) in `folder`, by name."""
    paths = {}
    for name, make in SHAPES.items():
        path = folder / f"{name}.yaml"
        path.write_bytes(make())
        paths[name] = path
    (folder / f"{FOLDER}.yaml").mkdir()
    paths[FOLDER] = folder / f"{FOLDER}.yaml"
    paths[MISSING] = folder / f"{MISSING}.yaml"
    return paths
