"""Ctrl-C and failures during a run: stop at a safe point and say how to go on.

The first Ctrl-C asks the run to stop at the end of the round under way (its checkpoint is
the safe point); a second one stops at once (the unfinished round is redone on resume).
Whatever stops a run, the message names the folder and the `society resume` command.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from society.cli.app import err_console

if TYPE_CHECKING:
    from society.coordinator.session import RunControl

T = TypeVar("T")

# Errors of the machine rather than of the run: a full disk, an unwritable folder.
STORAGE_ERRORS = (OSError, sqlite3.OperationalError)


async def stoppable(play: Callable[[RunControl], Awaitable[T]], control: RunControl) -> T:
    """Run `play(control)` with the two-step Ctrl-C above (where the OS lets us catch it)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def on_ctrl_c() -> None:
        if control.stop_requested:
            assert task is not None
            task.cancel()
            return
        control.request_stop()
        err_console.print(
            f"Stopping after round {control.round + 1} finishes (its checkpoint is the safe "
            "point); press Ctrl-C again to stop now.",
            highlight=False,
        )

    try:
        loop.add_signal_handler(signal.SIGINT, on_ctrl_c)
    except (NotImplementedError, RuntimeError, ValueError):  # not Unix, or not the main thread
        return await play(control)
    try:
        return await play(control)
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def how_to_resume(control: RunControl) -> str:
    if control.run_dir is None:
        return "nothing was written"
    return (
        f"rounds up to {control.round} are saved in {control.run_dir}; continue with: "
        f"society resume {control.run_dir}"
    )


def storage_message(error: BaseException, control: RunControl) -> str:
    """A full disk or an unwritable folder, said plainly, with what is kept."""
    from society.checkpoint.lock import RunLocked

    if isinstance(error, RunLocked):
        return str(error)
    code = getattr(error, "errno", None)
    what = str(error)
    if code == errno.ENOSPC or "disk is full" in what or "No space left" in what:
        cause = "the disk is full"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST):
        cause = "a file or folder is not writable"
    else:
        cause = "a file could not be written or read"
    if control.run_dir is None:
        return f"{cause}: {what}; no run folder was made"
    return f"{cause} ({what}); {how_to_resume(control)} once that is fixed"
