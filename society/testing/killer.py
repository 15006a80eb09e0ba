"""Run the `society` command line and SIGKILL it at a chosen point (resume tests, the
conformance kit).

    python -m society.testing.killer SPEC society-arguments...

SPEC is `before:N` (die just before event seq N is written), `cut:N` (write the first half of
event N's line, then die: a line cut short) or `mark:R` (die after LangGraph saved round R's
checkpoint, before the round log marks it). The kill is a real SIGKILL of this process: no
cleanup, no flush, no `finally`. `ENOSPC:N` / `EROFS:N` make writing event N fail as on a
full disk / a file system turned read-only, after half its line is written.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    kind, _, number = sys.argv[1].partition(":")
    at = int(number)
    sys.argv = ["society", *sys.argv[2:]]

    from society.checkpoint.rounds import RoundLog
    from society.transcript.writer import TranscriptWriter

    if kind in ("ENOSPC", "EROFS"):
        write = TranscriptWriter.write

        def write_or_fail(self: TranscriptWriter, event: Any, *args: Any, **kwargs: Any) -> Any:
            if self.next_seq == at:
                self._events.write(b'{"seq": ' + str(at).encode() + b', "kind": "cut')
                self._events.flush()
                code = getattr(errno, kind)
                raise OSError(code, os.strerror(code), str(self.run_dir / "events.jsonl"))
            return write(self, event, *args, **kwargs)

        TranscriptWriter.write = write_or_fail  # type: ignore[method-assign]
    elif kind in ("before", "cut"):
        write = TranscriptWriter.write

        def write_then_maybe_die(
            self: TranscriptWriter, event: Any, *args: Any, **kwargs: Any
        ) -> Any:
            if self.next_seq == at:
                if kind == "cut":
                    payload = event.model_dump() if hasattr(event, "model_dump") else dict(event)
                    text = f'{{"seq": {at}, "kind": "{payload.get("kind")}", "trunc'
                    self._events.write(text.encode())
                    self._events.flush()
                die()
            return write(self, event, *args, **kwargs)

        TranscriptWriter.write = write_then_maybe_die  # type: ignore[method-assign]
    elif kind == "mark":
        mark = RoundLog.mark

        def mark_or_die(self: RoundLog, round_mark: Any, **kwargs: Any) -> None:
            if round_mark.round == at:
                die()
            mark(self, round_mark, **kwargs)

        RoundLog.mark = mark_or_die  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown kill point {sys.argv[1]!r}")

    from society.cli import app

    app()


if __name__ == "__main__":
    main()
