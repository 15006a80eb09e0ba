"""Reading the files a user hands to society, within bounds.

Scenario, experiment and price files, JSON documents of a run folder and transcript lines are
read here, so that a hostile or broken file (an alias bomb, deep nesting, binary data, a
latin-1 file, a 100 MB line) is refused quickly with one `file[:line]: message` line, never
with a hang or a traceback. Each limit is far above what a real file of its kind holds.
"""

from __future__ import annotations

import codecs
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

# Scenario, experiment and price files: a real one is a few KiB.
MAX_DOCUMENT_BYTES = 1 << 20
# JSON files a run writes (metrics.json): larger than hand-written files, still bounded.
MAX_RUN_JSON_BYTES = 64 << 20
# Mappings and lists inside mappings and lists: scenarios nest about 5 deep.
MAX_YAML_DEPTH = 64
# Nodes of a YAML document once aliases are expanded: a billion-laughs file is refused while
# it is composed, after a few dozen nodes, instead of being expanded.
MAX_YAML_NODES = 100_000
# One line of events.jsonl or timings.jsonl: an event holds one model call's prompt and reply.
MAX_LINE_BYTES = 16 << 20


class UnreadableFile(Exception):
    """A file cannot be read as what it should be; the message names file and line."""

    def __init__(self, label: str, message: str, line: int = 0) -> None:
        super().__init__(f"{label}:{line}: {message}" if line > 0 else f"{label}: {message}")
        self.label = label
        self.line = line


def read_text(path: Path, *, label: str | None = None, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """A regular file of at most `limit` bytes of UTF-8 text (a leading BOM dropped)."""
    label = label or os.path.normpath(path)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise UnreadableFile(label, "no such file") from None
    except OSError as error:
        raise UnreadableFile(label, f"cannot read: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFile(label, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        # A pipe or device could block or never end.
        raise UnreadableFile(label, "not a regular file")
    if info.st_size > limit:
        raise UnreadableFile(label, f"the file is {info.st_size:,} bytes; the limit is {limit:,}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # the file may have grown since stat
    except OSError as error:
        raise UnreadableFile(label, f"cannot read: {error.strerror or error}") from None
    if len(data) > limit:
        raise UnreadableFile(label, f"the file is over {limit:,} bytes")
    return decode_text(data, label)


def decode_text(data: bytes, label: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(label, "UTF-16 text; save the file as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableFile(
            label, f"binary data (a NUL byte at offset {nul}), not a text file", _line_at(data, nul)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            label,
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save the file as UTF-8",
            _line_at(data, error.start),
        ) from None
    return text.removeprefix("\ufeff")


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# ---- YAML ---------------------------------------------------------------------------------


class _Refused(yaml.MarkedYAMLError):
    """A document over one of the limits, at the node where it went over."""


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader (plain data, no objects) that counts depth and alias-expanded nodes while
    composing, so nothing exponential or deeply recursive is ever built."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes once its aliases are expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:  # its anchor is still open: the alias is inside it
                raise _Refused(
                    problem="an alias refers to a mapping or list that contains it (a loop)",
                    problem_mark=event.start_mark,
                )
            return node
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(
                    problem=f"nested more than {MAX_YAML_DEPTH} levels deep",
                    problem_mark=event.start_mark,
                )
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._sizes[id(node)] = self._size(node, event.start_mark)
        return node

    def _size(self, node: yaml.Node, mark: yaml.Mark) -> int:
        if isinstance(node, yaml.ScalarNode):
            return 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = [part for pair in node.value for part in pair]
        size = 1 + sum(self._sizes[id(child)] for child in children)
        if size > MAX_YAML_NODES:
            raise _Refused(
                problem=f"aliases expand this document past {MAX_YAML_NODES:,} values "
                "(an alias bomb?)",
                problem_mark=mark,
            )
        return size

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # The scanner looks ahead across open brackets: bound them before the composer does.
        mark = self.get_mark()
        super().fetch_flow_collection_start(TokenClass)
        if self.flow_level > MAX_YAML_DEPTH:
            raise _Refused(
                problem=f"brackets nested more than {MAX_YAML_DEPTH} levels deep",
                problem_mark=mark,
            )

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as error:  # e.g. an int of 5000 digits
            raise _Refused(
                problem=f"cannot read this value: {error}", problem_mark=node.start_mark
            ) from None


def parse_yaml(text: str, label: str) -> tuple[Any, yaml.Node | None]:
    """The single document of `text` and its node tree (None, None for an empty document)."""
    loader: BoundedLoader | None = None
    try:
        loader = BoundedLoader(text)  # checks that every character may appear in YAML
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise UnreadableFile(label, *_yaml_problem(text, error)) from None
    except yaml.reader.ReaderError as error:
        raise UnreadableFile(
            label,
            f"YAML error: the control character #x{error.character:04x} is not allowed in YAML text",
            text.count("\n", 0, error.position) + 1,
        ) from None
    except yaml.YAMLError as error:
        raise UnreadableFile(label, f"YAML error: {error}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def load_yaml_mapping(
    path: Path, *, expected: str, label: str | None = None, limit: int = MAX_DOCUMENT_BYTES
) -> tuple[dict[str, Any], yaml.MappingNode]:
    """A YAML file whose top level is a mapping; `expected` says of what, for messages
    (e.g. 'scenario fields (name, population, ...)')."""
    label = label or os.path.normpath(path)
    data, node = parse_yaml(read_text(path, label=label, limit=limit), label)
    if node is None or data is None:
        raise UnreadableFile(label, f"the file is empty; expected a mapping of {expected}", 1)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({_short(data)})"
        raise UnreadableFile(
            label,
            f"the top level must be a mapping of {expected}, not {kind}",
            node.start_mark.line + 1,
        )
    assert isinstance(node, yaml.MappingNode)
    return data, node


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _yaml_problem(text: str, error: yaml.MarkedYAMLError) -> tuple[str, int]:
    """A message for a YAML error and the line where the parser stopped, with a hint."""
    mark = error.problem_mark or error.context_mark
    last_line = max(1, len(text.splitlines()))
    line = min(mark.line + 1, last_line) if mark else 1
    problem = error.problem or error.context or "invalid YAML"
    context = error.context or ""
    if isinstance(error, _Refused):
        return f"refused: {problem}", line
    if isinstance(error, yaml.constructor.ConstructorError):
        return (
            f"YAML error: {problem}; these files hold plain data only "
            "(mappings, lists, strings, numbers, booleans), no '!!' tags",
            line,
        )
    hint = ""
    if "'\\t'" in problem:
        hint = " (indent with spaces, not tabs)"
    elif (
        "flow" in context
        and error.context_mark
        and (error.context_mark.line + 1 != line or "<stream end>" in problem)
    ):
        opener = "{" if "mapping" in context else "["
        closer = "}" if opener == "{" else "]"
        hint = (
            f" (the {opener!r} on line {error.context_mark.line + 1} is not closed with "
            f"{closer!r}, or a ',' is missing)"
        )
    elif "<block end>" in problem or "expected key" in problem:
        hint = " (check the indentation of this line)"
    elif "expected a single document" in context:
        hint = " (one document per file: remove the '---' separators)"
    return f"YAML syntax error: {problem}{hint}", line


# ---- JSON ---------------------------------------------------------------------------------


def load_json(path: Path, *, label: str | None = None, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    label = label or os.path.normpath(path)
    text = read_text(path, label=label, limit=limit)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(label, f"not valid JSON ({error.msg})", error.lineno) from None
    except RecursionError:
        raise UnreadableFile(label, "not readable: JSON nested too deeply") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise UnreadableFile(label, f"not readable: {error}") from None


# ---- Line-oriented files (JSON Lines) -------------------------------------------------------


def read_lines(
    path: Path, *, label: str | None = None, limit: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line with its newline, if any) of a file, each at most `limit`
    bytes: a longer line is refused without reading the rest of it."""
    label = label or os.path.normpath(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, also by a generator's close()
    except OSError as error:
        raise UnreadableFile(label, f"cannot read: {error.strerror or error}") from None
    with handle:
        number = 0
        while True:
            try:
                line = handle.readline(limit + 1)
            except OSError as error:
                raise UnreadableFile(label, f"cannot read: {error.strerror or error}") from None
            if not line:
                return
            number += 1
            if len(line.rstrip(b"\n")) > limit:
                raise UnreadableFile(
                    label, f"the line is over {limit:,} bytes; not a society record", number
                )
            yield number, line
