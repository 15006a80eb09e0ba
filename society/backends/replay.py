"""Record and replay model calls: a persistent store keyed by model, parameters and messages.

`--record DIR` stores every call's outcome (reply, token usage, or the error it raised) in
`DIR/calls.sqlite3`; `--replay DIR` answers from it without any network, so the same scenario
gives a byte-identical `events.jsonl`. Keys are a SHA-256 of the canonical JSON of (model name,
generation parameters, structured-output mode and schema, messages); the same request made
again (a retry after a rate limit, or a new round with the same prompt) is told apart by its
ordinal for that agent, so replies come back in the order they were recorded.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from society.backends.base import (
    ChatBackend,
    ChatReply,
    ChatRequest,
    OutputMode,
    ReplayMiss,
    Wrapper,
    describe_error,
)
from society.backends.chat_model import decision_schema
from society.backends.retry import is_transient, retry_after
from society.checkpoint.sqlite_store import connect_checked, not_a_store

STORE_FILE = "calls.sqlite3"
STORE_VERSION = 1


def request_material(
    request: ChatRequest, model: str, params: dict[str, Any], mode: str
) -> dict[str, Any]:
    schema = (
        decision_schema(request.decision_type, request.omit_fields)
        if mode != "text" and request.decision_type is not None
        else None
    )
    return {
        "v": STORE_VERSION,
        "model": model,
        "params": params,
        "structured_output": mode,
        "schema": schema,
        "messages": [[m.role, m.content] for m in request.messages],
    }


def request_key(material: dict[str, Any]) -> str:
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ReplayedError(Exception):
    """An error recorded from the model, raised again on replay exactly as described then."""

    def __init__(self, description: str, transient: bool, retry_after_s: float | None) -> None:
        super().__init__(description)
        self.recorded_description = description
        self.recorded_transient = transient
        self.retry_after = retry_after_s


class CallStore:
    """One SQLite file per folder; safe to share between the backends of a run."""

    def __init__(self, folder: Path, *, create: bool) -> None:
        self.folder = Path(folder)
        path = self.folder / STORE_FILE
        if create:
            self.folder.mkdir(parents=True, exist_ok=True)
        elif not path.is_file():
            raise ReplayMiss(
                f"replay: no recorded calls in {self.folder} (no {STORE_FILE}); "
                f"record a run first with --record {self.folder}"
            )
        self.path = path
        # An existing store (also one recorded into again) must be a sound one.
        existing = path.is_file() and path.stat().st_size > 0
        what_to_do = (
            "not a society record/replay store; record the calls again into an empty folder"
        )
        self._db = connect_checked(path, ("calls",) if existing else (), what_to_do)
        try:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS calls (key TEXT NOT NULL, agent TEXT NOT NULL, "
                "ordinal INTEGER NOT NULL, model TEXT, round INTEGER, phase TEXT, "
                "prompt_id TEXT, attempt INTEGER, request TEXT NOT NULL, outcome TEXT NOT NULL, "
                "PRIMARY KEY (key, agent, ordinal))"
            )
        except sqlite3.OperationalError:
            self._db.close()
            raise
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise not_a_store(path, str(error), what_to_do) from None
        self._ordinals: dict[tuple[str, str], int] = {}
        self._moved: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def next_ordinal(self, key: str, agent: str) -> int:
        with self._lock:
            ordinal = self._ordinals.get((key, agent), 0)
            self._ordinals[(key, agent)] = ordinal + 1
            self._moved.add((key, agent))
            return ordinal

    def take_moved_ordinals(self) -> list[tuple[str, str, int]]:
        """(key, agent, next ordinal) of the requests made since the last call: a checkpoint
        keeps them so a resumed run asks for the same occurrences as an uninterrupted one."""
        with self._lock:
            moved = sorted(self._moved)
            self._moved.clear()
            return [(key, agent, self._ordinals[(key, agent)]) for key, agent in moved]

    def restore_ordinals(self, ordinals: dict[tuple[str, str], int]) -> None:
        with self._lock:
            self._ordinals = dict(ordinals)
            self._moved.clear()

    def put(
        self,
        key: str,
        ordinal: int,
        request: ChatRequest,
        model: str,
        material: dict[str, Any],
        outcome: dict[str, Any],
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    request.agent,
                    ordinal,
                    model,
                    request.round,
                    request.phase,
                    request.prompt_id,
                    request.attempt,
                    json.dumps(material, ensure_ascii=False),
                    json.dumps(outcome, ensure_ascii=False),
                ),
            )

    def get(self, key: str, agent: str, ordinal: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT outcome FROM calls WHERE key = ? AND agent = ? AND ordinal = ?",
                (key, agent, ordinal),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def explain_miss(self, request: ChatRequest, material: dict[str, Any]) -> str:
        """What differs from the nearest recorded request (same agent, round and prompt)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT request FROM calls WHERE agent = ? AND round = ? AND prompt_id = ? "
                "ORDER BY attempt LIMIT 1",
                (request.agent, request.round, request.prompt_id),
            ).fetchall()
        if not rows:
            return "nothing was recorded for this agent, round and prompt"
        recorded = json.loads(rows[0][0])
        for part in ("model", "params", "structured_output", "schema"):
            if recorded.get(part) != material.get(part):
                return f"the {part} differ: recorded {recorded.get(part)!r}"
        old, new = recorded.get("messages", []), material["messages"]
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            if a != b:
                return f"message {index} ({b[0]}) differs from the recorded one"
        if len(old) != len(new):
            return f"{len(new)} messages sent, {len(old)} recorded"
        return "the same request was recorded fewer times than it is made now"

    def close(self) -> None:
        with self._lock:
            self._db.close()


class RecordingBackend(Wrapper):
    def __init__(self, inner: ChatBackend, store: CallStore, params: dict[str, Any]) -> None:
        super().__init__(inner)
        self.store, self.params = store, params

    async def complete(self, request: ChatRequest) -> ChatReply:
        material = request_material(request, self.label, self.params, self.mode)
        key = request_key(material)
        ordinal = self.store.next_ordinal(key, request.agent)
        try:
            reply = await self.inner.complete(request)
        except Exception as error:
            outcome = {
                "error": describe_error(error),
                "transient": is_transient(error),
                "retry_after": retry_after(error),
            }
            self.store.put(key, ordinal, request, self.label, material, outcome)
            raise
        reply_data = asdict(reply)
        reply_data.pop("failed_tries")
        # Which server answered is no part of the outcome: a replay names none (and stores
        # written before pools read the same).
        reply_data.pop("server")
        if reply_data["cached_input_tokens"] is None:
            del reply_data["cached_input_tokens"]  # as stores written before it was read
        self.store.put(key, ordinal, request, self.label, material, {"reply": reply_data})
        return reply


class ReplayingBackend:
    """Answers from the store only. It has no inner backend: nothing can reach a network."""

    def __init__(self, label: str, store: CallStore, params: dict[str, Any], mode: str) -> None:
        self.label = label
        self.store, self.params = store, params
        self.mode: OutputMode = mode  # type: ignore[assignment]

    async def complete(self, request: ChatRequest) -> ChatReply:
        material = request_material(request, self.label, self.params, self.mode)
        key = request_key(material)
        ordinal = self.store.next_ordinal(key, request.agent)
        outcome = self.store.get(key, request.agent, ordinal)
        if outcome is None:
            raise ReplayMiss(
                f"replay miss: no recorded reply for {request.where()}, model {self.label!r} "
                f"in {self.store.folder} (key {key[:12]}, occurrence {ordinal + 1}): "
                f"{self.store.explain_miss(request, material)}. The scenario, prompts or model "
                f"parameters changed since recording; record again with --record."
            )
        if "error" in outcome:
            raise ReplayedError(outcome["error"], outcome["transient"], outcome.get("retry_after"))
        data = dict(outcome["reply"])
        data["attempt"] = request.attempt
        return ChatReply(**data)
