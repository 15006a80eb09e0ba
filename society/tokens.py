"""Token counting with tiktoken that works offline.

tiktoken downloads its BPE files on first use and fails without a network. The `bpe-openai`
package ships the cl100k_base and o200k_base files byte-identical to tiktoken's, so we seed
tiktoken's cache folder from them (each cache file is named by the SHA-1 of the URL tiktoken
would fetch, and tiktoken checks its SHA-256 on read). Nothing is downloaded.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import tiktoken
import tiktoken_ext.openai_public as openai_public

OFFLINE_ENCODINGS: dict[str, Callable[[], dict[str, Any]]] = {
    "cl100k_base": openai_public.cl100k_base,
    "o200k_base": openai_public.o200k_base,
}
# Per chat message: role and separators cost a few tokens in OpenAI's chat format.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY_PRIMER = 2

_seed_lock = threading.Lock()


class _SourceFound(Exception):
    def __init__(self, url: str, expected_hash: str | None) -> None:
        self.url = url
        self.expected_hash = expected_hash


def _source_of(name: str) -> tuple[str, str | None]:
    """The URL and SHA-256 tiktoken expects for `name`, read from tiktoken itself (so we never
    hard-code either) by intercepting the loader before it touches the network."""

    def intercept(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        raise _SourceFound(url, expected_hash)

    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = intercept  # type: ignore[assignment]
    try:
        OFFLINE_ENCODINGS[name]()
    except _SourceFound as found:
        return found.url, found.expected_hash
    finally:
        openai_public.load_tiktoken_bpe = original
    raise RuntimeError(f"tiktoken's constructor for {name} did not load a BPE file")


def cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    path = base / "society" / "tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path


def seed_offline_cache() -> Path:
    """Copy the shipped BPE files into tiktoken's cache folder (idempotent, thread-safe)."""
    with _seed_lock:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for name in OFFLINE_ENCODINGS:
            url, expected = _source_of(name)
            target = folder / hashlib.sha1(url.encode()).hexdigest()
            if target.is_file() and (expected is None or _sha256(target.read_bytes()) == expected):
                continue
            packed = resources.files("bpe_openai.data").joinpath(f"{name}.tiktoken.gz").read_bytes()
            data = gzip.decompress(packed)
            if expected is not None and _sha256(data) != expected:
                raise RuntimeError(
                    f"shipped {name} BPE file does not match tiktoken's expected hash"
                )
            temporary = target.with_suffix(f".tmp{os.getpid()}")
            temporary.write_bytes(data)
            temporary.replace(target)
        return folder


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    if name not in OFFLINE_ENCODINGS:
        raise ValueError(
            f"encoding {name!r} is not available offline; use one of {sorted(OFFLINE_ENCODINGS)}"
        )
    seed_offline_cache()
    return tiktoken.get_encoding(name)


# Texts whose counts are kept: a prompt is counted when it is fitted to the memory budget and
# again by the meter after the call, and system messages repeat across agents. Enough for a
# phase of thousands of agents (≈ 2 texts each); the counts themselves never change.
COUNTS_KEPT = 8192
# Lines whose counts are kept: most lines of a prompt (rules, institutions, output format)
# are the same for every agent, so a new prompt is mostly counted from lines seen before.
LINES_KEPT = 65536
# Where a text may be cut without changing its count: after a newline, before a printable
# ASCII character other than "/" (not a space). Both encodings first split text into pieces by
# a regular expression and encode each piece alone; no piece can hold a newline and such a
# character after it (a word's optional lead character is never a newline; pieces with
# newlines end at the last of them, or take only whitespace and, in o200k_base, "/" after
# it), so the cut is always a piece boundary and the count of the text is the sum of its
# parts' counts (tests/test_tokens.py checks this on every prompt of a run with every
# institution and on generated texts, for both encodings).
_LINE_CUT = re.compile(r"(?<=\n)(?=[!-.0-~])")


@lru_cache(maxsize=COUNTS_KEPT)
def count_text(text: str, encoding_name: str = "cl100k_base") -> int:
    """Tokens of `text`, special tokens' text counted as ordinary text
    (`encode_ordinary` is `encode(text, disallowed_special=())` without the special check)."""
    if "\n" not in text:
        return _count_part(text, encoding_name)
    return sum(_count_part(part, encoding_name) for part in _LINE_CUT.split(text))


@lru_cache(maxsize=LINES_KEPT)
def _count_part(text: str, encoding_name: str) -> int:
    return len(encoding(encoding_name).encode_ordinary(text))


def count_messages(contents: Sequence[str], encoding_name: str = "cl100k_base") -> int:
    """Approximate prompt tokens of chat messages in OpenAI's format."""
    body = sum(count_text(text, encoding_name) for text in contents)
    return body + TOKENS_PER_MESSAGE * len(contents) + TOKENS_PER_REPLY_PRIMER
