"""LangGraph checkpoints in one SQLite file of the run folder.

The round graph runs with `durability="exit"` and pauses after every round, so LangGraph
saves one checkpoint per round (not one per step). Each checkpoint is stored whole, in one
row: a round's state is small next to the work of a round, and a whole row is simpler to keep
consistent than per-channel blobs. The async methods call the sync ones: a local SQLite write
takes well under a millisecond (see BENCHMARKS.md).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS checkpoints (thread_id TEXT NOT NULL, ns TEXT NOT NULL, "
    "id TEXT NOT NULL, parent_id TEXT, type TEXT NOT NULL, data BLOB NOT NULL, "
    "meta_type TEXT NOT NULL, meta BLOB NOT NULL, PRIMARY KEY (thread_id, ns, id))",
    "CREATE TABLE IF NOT EXISTS writes (thread_id TEXT NOT NULL, ns TEXT NOT NULL, "
    "checkpoint_id TEXT NOT NULL, task_id TEXT NOT NULL, idx INTEGER NOT NULL, "
    "channel TEXT NOT NULL, type TEXT NOT NULL, value BLOB NOT NULL, task_path TEXT NOT NULL, "
    "PRIMARY KEY (thread_id, ns, checkpoint_id, task_id, idx))",
)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode: a commit is atomic and survives a killed process at once.
    `synchronous=NORMAL` skips the fsync per commit; after a power cut the file keeps a prefix
    of its commits, so at worst a resume starts a round or two earlier (the transcript is
    synced before each mark, so it always reaches at least as far as the marks)."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


class SqliteCheckpointer(BaseCheckpointSaver[int]):
    """A `BaseCheckpointSaver` over a SQLite connection (shared with the run's round log)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__()
        self.db = db
        self._lock = threading.Lock()
        with self._lock:
            for statement in _SCHEMA:
                db.execute(statement)

    # -- reading ------------------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread_id, ns = _thread(config)
        checkpoint_id = get_checkpoint_id(config)
        query = "SELECT id, parent_id, type, data, meta_type, meta FROM checkpoints "
        query += "WHERE thread_id = ? AND ns = ? "
        args: tuple[Any, ...] = (thread_id, ns)
        if checkpoint_id:
            query += "AND id = ?"
            args += (checkpoint_id,)
        else:
            query += "ORDER BY id DESC LIMIT 1"
        with self._lock:
            row = self.db.execute(query, args).fetchone()
        return None if row is None else self._tuple(thread_id, ns, row)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        if config is None:
            raise ValueError("SqliteCheckpointer.list needs a config with a thread_id")
        thread_id, ns = _thread(config)
        query = "SELECT id, parent_id, type, data, meta_type, meta FROM checkpoints "
        query += "WHERE thread_id = ? AND ns = ? "
        args: tuple[Any, ...] = (thread_id, ns)
        if (wanted := get_checkpoint_id(config)) is not None:
            query += "AND id = ? "
            args += (wanted,)
        if before is not None and (bound := get_checkpoint_id(before)) is not None:
            query += "AND id < ? "
            args += (bound,)
        query += "ORDER BY id DESC"
        with self._lock:
            rows = self.db.execute(query, args).fetchall()
        count = 0
        for row in rows:
            found = self._tuple(thread_id, ns, row)
            if filter and any(found.metadata.get(k) != v for k, v in filter.items()):
                continue
            yield found
            count += 1
            if limit is not None and count >= limit:
                return

    def _tuple(self, thread_id: str, ns: str, row: tuple[Any, ...]) -> CheckpointTuple:
        checkpoint_id, parent_id, kind, data, meta_kind, meta = row
        with self._lock:
            writes = self.db.execute(
                "SELECT task_id, channel, type, value FROM writes WHERE thread_id = ? AND ns = ? "
                "AND checkpoint_id = ? ORDER BY task_id, idx",
                (thread_id, ns, checkpoint_id),
            ).fetchall()
        return CheckpointTuple(
            config=_config(thread_id, ns, checkpoint_id),
            checkpoint=self.serde.loads_typed((kind, data)),
            metadata=self.serde.loads_typed((meta_kind, meta)),
            parent_config=_config(thread_id, ns, parent_id) if parent_id else None,
            pending_writes=[
                (task, channel, self.serde.loads_typed((vkind, value)))
                for task, channel, vkind, value in writes
            ],
        )

    # -- writing ------------------------------------------------------------------------------

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        thread_id, ns = _thread(config)
        kind, data = self.serde.dumps_typed(checkpoint)
        meta_kind, meta = self.serde.dumps_typed(metadata)
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    thread_id,
                    ns,
                    checkpoint["id"],
                    get_checkpoint_id(config),
                    kind,
                    data,
                    meta_kind,
                    meta,
                ),
            )
        return _config(thread_id, ns, checkpoint["id"])

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        thread_id, ns = _thread(config)
        checkpoint_id = get_checkpoint_id(config)
        rows = []
        for index, (channel, value) in enumerate(writes):
            kind, data = self.serde.dumps_typed(value)
            idx = WRITES_IDX_MAP.get(channel, index)
            rows.append(
                (thread_id, ns, checkpoint_id, task_id, idx, channel, kind, data, task_path)
            )
        # Special writes (errors, interrupts) replace an earlier one; ordinary ones do not.
        verb = (
            "INSERT OR REPLACE"
            if all(WRITES_IDX_MAP.get(c, 0) < 0 for c, _ in writes)
            else ("INSERT OR IGNORE")
        )
        with self._lock:
            self.db.execute("BEGIN")
            self.db.executemany(f"{verb} INTO writes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.db.execute("COMMIT")

    def delete_thread(self, thread_id: str) -> None:
        with self._lock:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM checkpoints WHERE thread_id = ?", (thread_id,))
            self.db.execute("DELETE FROM writes WHERE thread_id = ?", (thread_id,))
            self.db.execute("COMMIT")

    # -- async: the same calls (local SQLite, sub-millisecond) --------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        for found in self.list(config, filter=filter, before=before, limit=limit):
            yield found

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)


def _thread(config: RunnableConfig) -> tuple[str, str]:
    configurable = config["configurable"]
    return str(configurable["thread_id"]), str(configurable.get("checkpoint_ns", ""))


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }
