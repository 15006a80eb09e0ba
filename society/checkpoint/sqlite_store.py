"""Opening an existing SQLite file of society (checkpoints, recorded calls) and telling a
damaged or foreign file apart from a good one, with what the user can do about it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from society.bounded_io import UnreadableFile
from society.checkpoint.saver import connect


def connect_checked(path: Path, tables: Sequence[str], what_to_do: str) -> sqlite3.Connection:
    """A WAL connection to `path`. When `tables` are given the file must already be a sound
    SQLite database holding them (an integrity check of its pages, in milliseconds for the
    files a run writes); otherwise UnreadableFile says so, followed by `what_to_do`.
    The machine's own errors (a full disk, a locked file) stay sqlite3.OperationalError."""
    try:
        db = connect(path)
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as error:
        raise not_a_store(path, str(error), what_to_do) from None
    if not tables:
        return db
    try:
        found = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        missing = [table for table in tables if table not in found]
        if missing:
            raise not_a_store(path, f"no {missing[0]!r} table", what_to_do)
        problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise not_a_store(path, f"damaged: {'; '.join(map(str, problems))}", what_to_do)
    except sqlite3.OperationalError:
        db.close()
        raise
    except (sqlite3.DatabaseError, UnreadableFile) as error:
        db.close()
        if isinstance(error, UnreadableFile):
            raise
        raise not_a_store(path, str(error), what_to_do) from None
    return db


def not_a_store(path: Path, detail: str, what_to_do: str) -> UnreadableFile:
    """`file: <what_to_do>: <detail>`: `what_to_do` reads e.g. 'not a society checkpoint
    database; start a new run or restore the file'."""
    head, _, advice = what_to_do.partition("; ")
    message = f"{head}: {detail}" + (f"; {advice}" if advice else "")
    return UnreadableFile(os.path.normpath(path), message)
