"""API keys: read from the environment or a file the user names, and kept out of every output.

Keys are never part of a scenario: a `ModelSpec` names the environment variable
(`api_key_env`) or the file (`api_key_file`) that holds one. Every key read here is remembered
so that `redact` can remove it from error messages (providers' errors may quote request
headers) before they reach the transcript, the record store, logs or the terminal.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

REDACTED = "[REDACTED]"

_known: set[str] = set()
_lock = threading.Lock()

# Shapes of credentials that may appear in provider errors even when we did not read the key.
_PATTERNS = [
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:x-)?api[-_]?key|authorization|x-goog-api-key|access[-_]?token|secret)"
        r"(['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+)?[^\s'\",;}]{6,}"
    ),
    re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_-]{12,}"),
    re.compile(r"\bsk-ant-[A-Za-z0-9_-]{12,}"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{20,}"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@ in URLs
]


class SecretError(Exception):
    """A named key cannot be read (unset variable, missing or empty file)."""


def remember(secret: str) -> None:
    """Make `redact` remove this exact value wherever it appears."""
    if secret and len(secret) >= 4:
        with _lock:
            _known.add(secret)


def read_api_key(env: str | None, file: str | Path | None) -> str | None:
    """The key from `env` (a variable name) or `file` (first non-empty line); None if neither
    is named. A named source that is empty or missing is an error saying what to fix."""
    if env and file:
        raise SecretError("name either api_key_env or api_key_file, not both")
    if env:
        value = os.environ.get(env, "").strip()
        if not value:
            raise SecretError(f"environment variable {env} (api_key_env) is not set or empty")
        remember(value)
        return value
    if file:
        path = Path(file).expanduser()
        try:
            lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        except OSError as error:
            raise SecretError(f"cannot read api_key_file {path}: {error.strerror}") from None
        value = next((ln for ln in lines if ln), "")
        if not value:
            raise SecretError(f"api_key_file {path} is empty")
        remember(value)
        return value
    return None


def redact(text: str) -> str:
    """`text` with every remembered key and anything shaped like a credential replaced."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(rf"\1 {REDACTED}", text)
    text = _PATTERNS[1].sub(rf"\1\2{REDACTED}", text)
    for pattern in _PATTERNS[2:]:
        text = pattern.sub(REDACTED, text)
    return text
