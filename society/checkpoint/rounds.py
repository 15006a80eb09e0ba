"""The round log: what a run needs, besides LangGraph's checkpoint, to go on after a round.

One row per completed round, written after LangGraph has saved the state of that round:

- where the transcript stood (next `seq`, byte lengths of events.jsonl and timings.jsonl);
- the LangGraph checkpoint holding the society's state after the round;
- the run budget's usage, the record/replay store's per-request counters that moved in the
  round, and the memory batches an in-memory store received in the round (a store in the
  run folder or on a server keeps its own items; those of an unfinished round are removed).

A run resumes from its newest row. A process killed between LangGraph's save and this row
resumes from the round before, whose checkpoint is still in the file: the two never disagree.
The options a run started with (record/replay folder, injected faults) are kept too, so a
resume uses them again unless told otherwise.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from society.checkpoint.saver import SqliteCheckpointer
from society.checkpoint.sqlite_store import connect_checked, not_a_store

CHECKPOINT_FILE = "checkpoints.sqlite3"
GRAPH_THREAD = "rounds"  # the LangGraph thread that holds the round graph's checkpoints

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rounds (round INTEGER PRIMARY KEY, seq INTEGER NOT NULL, "
    "events_bytes INTEGER NOT NULL, timings_bytes INTEGER NOT NULL, checkpoint_id TEXT, "
    "budget TEXT)",
    "CREATE TABLE IF NOT EXISTS ordinals (round INTEGER NOT NULL, key TEXT NOT NULL, "
    "agent TEXT NOT NULL, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS memory (round INTEGER NOT NULL, batch INTEGER NOT NULL, "
    "items TEXT NOT NULL, PRIMARY KEY (round, batch))",
    "CREATE TABLE IF NOT EXISTS options (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)

# What an existing checkpoint file must hold, and what to tell the user when it does not.
_TABLES = ("rounds", "checkpoints", "writes")
_WHAT_TO_DO = "not a society checkpoint database; start a new run or restore the file"


@dataclass(frozen=True)
class RoundMark:
    """Where a run stood after `round` (0: after `run_started`, before round 1)."""

    round: int
    seq: int  # the next event's seq
    events_bytes: int
    timings_bytes: int
    checkpoint_id: str | None  # None before round 1: the graph starts from the scenario
    budget: dict[str, Any] | None  # calls, tokens, cost used so far


class RoundLog:
    """The run folder's checkpoint file: LangGraph's checkpoints and the round marks."""

    def __init__(self, run_dir: Path, *, create: bool) -> None:
        path = run_dir / CHECKPOINT_FILE
        if not create and not path.is_file():
            raise FileNotFoundError(path)
        self.path = path
        self.db = connect_checked(path, _TABLES if not create else (), _WHAT_TO_DO)
        try:
            for statement in _SCHEMA:
                self.db.execute(statement)
            self.checkpointer = SqliteCheckpointer(self.db)
            if not create:
                self._check_last_checkpoint()
        except sqlite3.OperationalError:
            self.db.close()
            raise  # the machine's trouble (disk full, locked), reported as such by the CLI
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise not_a_store(path, f"{error}", _WHAT_TO_DO) from None

    def _check_last_checkpoint(self) -> None:
        """The newest mark and the checkpoint it names must load: a resume starts there."""
        try:
            mark = self.last_mark()
            if mark is not None and mark.checkpoint_id is not None:
                config = {
                    "configurable": {
                        "thread_id": GRAPH_THREAD,
                        "checkpoint_ns": "",
                        "checkpoint_id": mark.checkpoint_id,
                    }
                }
                if self.checkpointer.get_tuple(config) is None:  # type: ignore[arg-type]
                    raise ValueError(f"round {mark.round}'s checkpoint is missing")
        except sqlite3.OperationalError:
            raise
        except Exception as error:  # a damaged row: bad JSON, a blob that does not decode
            self.db.close()
            raise not_a_store(
                self.path, f"damaged: {type(error).__name__}: {error}", _WHAT_TO_DO
            ) from None

    # -- writing ------------------------------------------------------------------------------

    def mark(
        self,
        mark: RoundMark,
        *,
        ordinals: Sequence[tuple[str, str, int]] = (),
        memory_batches: Sequence[Sequence[dict[str, Any]]] = (),
    ) -> None:
        """Record a completed round, in one transaction."""
        db = self.db
        db.execute("BEGIN")
        try:
            db.execute(
                "INSERT OR REPLACE INTO rounds VALUES (?, ?, ?, ?, ?, ?)",
                (
                    mark.round,
                    mark.seq,
                    mark.events_bytes,
                    mark.timings_bytes,
                    mark.checkpoint_id,
                    None if mark.budget is None else json.dumps(mark.budget),
                ),
            )
            db.executemany(
                "INSERT INTO ordinals VALUES (?, ?, ?, ?)",
                [(mark.round, key, agent, n) for key, agent, n in ordinals],
            )
            db.executemany(
                "INSERT OR REPLACE INTO memory VALUES (?, ?, ?)",
                [
                    (mark.round, index, json.dumps(batch, ensure_ascii=False))
                    for index, batch in enumerate(memory_batches)
                ],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def forget_after(self, round_number: int) -> None:
        """Drop the marks of later rounds (a resume goes on from `round_number`)."""
        self.db.execute("BEGIN")
        for table in ("rounds", "ordinals", "memory"):
            self.db.execute(f"DELETE FROM {table} WHERE round > ?", (round_number,))
        self.db.execute("COMMIT")

    def save_options(self, options: dict[str, Any]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO options VALUES (?, ?)",
            [(name, json.dumps(value)) for name, value in options.items()],
        )

    # -- reading ------------------------------------------------------------------------------

    def last_mark(self) -> RoundMark | None:
        row = self.db.execute(
            "SELECT round, seq, events_bytes, timings_bytes, checkpoint_id, budget FROM rounds "
            "ORDER BY round DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        number, seq, events_bytes, timings_bytes, checkpoint_id, budget = row
        return RoundMark(
            number,
            seq,
            events_bytes,
            timings_bytes,
            checkpoint_id,
            None if budget is None else json.loads(budget),
        )

    def ordinals(self, up_to: int) -> dict[tuple[str, str], int]:
        """The record/replay counters after round `up_to` (later rounds' values win)."""
        rows = self.db.execute(
            "SELECT key, agent, n FROM ordinals WHERE round <= ? ORDER BY round, rowid", (up_to,)
        )
        return {(key, agent): n for key, agent, n in rows}

    def memory_batches(self, up_to: int) -> Iterator[list[dict[str, Any]]]:
        rows = self.db.execute(
            "SELECT items FROM memory WHERE round <= ? ORDER BY round, batch", (up_to,)
        )
        for (items,) in rows:
            yield json.loads(items)

    def options(self) -> dict[str, Any]:
        return {name: json.loads(value) for name, value in self.db.execute("SELECT * FROM options")}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RoundLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
